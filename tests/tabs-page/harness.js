// Test harness for tests/e2e/tabs.test.mjs: one client per tab, with every
// event the application sees recorded, and the tab's role over time.
window.uncaught = [];
window.addEventListener('error', (event) => window.uncaught.push(String(event.message)));
window.addEventListener('unhandledrejection', (event) => window.uncaught.push(String(event.reason)));

const { Client, createClient } = await import('/pkg/index.js');
window.WsnotifyClient = Client;
const { default: initWasm } = await import('/pkg/wsnotify.js');
const wasm = await initWasm();
window.wasmMemoryBytes = () => wasm.memory.buffer.byteLength;

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates this tab's client and connects it. Records chats (with the
 * results of `claim` when `claiming`), acks, errors, states, opens and
 * closes, and when the tab's role changed (Date.now(), comparable across tabs).
 */
window.start = async (options, { claiming = false, throwing = false, retrying = false } = {}) => {
  const client = await createClient(options);
  const record = {
    chats: [], acks: [], errors: [], states: [], opens: 0, closes: [], messages: 0, kinds: 0,
    claims: [], roles: [{ role: client.sharing, at: Date.now() }], openedAt: [],
    sent: [], refused: [], statuses: {}, retries: [],
  };
  client.onDelivery(({ id, status }) => {
    (record.statuses[id] ??= []).push(status);
    // Once per chat, from inside the failed status's own callback.
    if (retrying && status === 'failed' && !record.retries.some((retry) => retry.id === id)) {
      record.retries.push({ id, outcome: outcomeOf(() => client.retry(id), () => 'queued again') });
    }
  });
  if (throwing) client.onChat(() => { throw new Error('an application bug'); });
  client.onChat((chat) => {
    record.chats.push({ id: chat.id, message: chat.message, from: chat.fromUserId, seq: chat.seq });
    if (claiming) client.claim(chat).then((won) => record.claims.push({ id: chat.id, won }));
  });
  client.onMessage(() => { record.messages += 1; });
  client.on('chat', () => { record.kinds += 1; });
  client.on('ack', (ack) => record.acks.push(ack.id));
  client.onError((error) => record.errors.push({ code: error.code, id: error.id }));
  client.onStateChange((change) => record.states.push(change.state));
  client.onOpen(() => {
    record.opens += 1;
    record.openedAt.push(Date.now());
  });
  client.onClose((close) => record.closes.push(close.code));
  const watch = setInterval(() => {
    if (record.roles.at(-1).role !== client.sharing) record.roles.push({ role: client.sharing, at: Date.now() });
  }, 5);
  client.connect();
  window.tab = { client, record, watch, sending: false };
  return client.sharing;
};

window.report = () => ({
  sharing: window.tab.client.sharing,
  state: window.tab.client.state,
  queued: window.tab.client.queued,
  instance: window.tab.client instanceof Client,
  ...window.tab.record,
});

/** Sends `count` chats to `to`, `everyMs` apart (0: at once), recording the ids the client returned. */
window.send = async (to, prefix, count, everyMs = 0) => {
  const { client, record } = window.tab;
  window.tab.sending = true;
  for (let n = 1; n <= count && window.tab.sending; n += 1) {
    try {
      record.sent.push(client.sendChat(to, `${prefix}-${n}`));
    } catch (error) {
      record.refused.push(error.code);
    }
    if (everyMs > 0) await wait(everyMs);
  }
};
window.stopSending = () => { window.tab.sending = false; };

window.closeClient = () => window.tab.client.close();
window.connectClient = () => window.tab.client.connect();

window.free = () => {
  clearInterval(window.tab.watch);
  window.tab.client.free();
};

/** The members of the client and how they behave in this tab, for the API-parity test. */
window.members = () => {
  const names = (prototype) => Object.getOwnPropertyNames(prototype).filter((name) => name !== 'constructor').sort();
  const client = window.tab.client;
  const own = names(Object.getPrototypeOf(client));
  return { shared: own, plain: names(Client.prototype) };
};

/** What `call()` returned (as `shown` shows it), or the code of what it threw. */
function outcomeOf(call, shown = (value) => value) {
  try {
    return shown(call());
  } catch (error) {
    return error?.code ?? `untyped: ${error}`;
  }
}

/** A client of this tab with a tiny outbox, never connected: what a send beyond the bound throws. */
window.outboxBound = async (options) => {
  const client = await createClient({ ...options, outbox: { maxFrames: 2 } });
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  // Values whose JSON is no object, or which throw when read: refused, typed, before any send.
  const notObjects = [new Date(0), revoked, [1]].map((value) => outcomeOf(() => client.sendJson(value), (id) => `sent ${id}`));
  // Arguments of the wrong type: the plain client's typed errors, never a
  // TypeError of a conversion, nor the application's own exception.
  const cyclic = {};
  cyclic.self = cyclic;
  const throwingName = { toString() { throw new Error('an application bug'); } };
  const badArguments = await Promise.all([
    () => client.close(Symbol('code')),
    () => client.close(revoked),
    () => client.retry(Symbol('id')),
    () => client.retry(42),
    () => client.on(123, () => {}),
    () => client.on(throwingName, () => {}),
    () => client.claim(cyclic),
    () => client.claim({ n: 1n }),
  ].map(async (call) => {
    try {
      await call();
      return 'no error';
    } catch (error) {
      return error?.code ?? `untyped: ${error}`;
    }
  }));
  // Sends and closes the module refuses: the follower throws, at the call,
  // what a client of its own (never connected) throws for the same call.
  const alone = await createClient({ ...options, shareAcrossTabs: undefined });
  const refusals = (target) => [
    () => target.sendChat('', 'to no one'),
    () => target.sendChat('x'.repeat(65), 'to a name too long'),
    () => target.sendChat(42, 'to a number'),
    () => target.sendChat('bob', 'x'.repeat(70_000)),
    () => target.sendChat('bob', 'an empty id', ''),
    () => target.sendChat('bob', 'a lone surrogate', '\ud800'),
    () => target.sendText(Symbol('text')),
    () => target.close(1001),
    () => target.close(1000, 'x'.repeat(124)),
  ].map((call) => outcomeOf(call, (value) => `no error: ${value}`));
  const badSends = { follower: refusals(client), alone: refusals(alone) };
  alone.free();
  const results = [0, 1, 2].map((n) => outcomeOf(() => client.sendChat('bob', `bounded-${n}`)));
  client.free();
  const freed = outcomeOf(() => client.sendChat('bob', 'after free'));
  return { results, freed, notObjects, badArguments, badSends };
};

/** What `once(options)` gives for a shared client, then for one of its own. */
const sharedAndAlone = async (options, once) => ({
  shared: await once(options),
  alone: await once({ ...options, shareAcrossTabs: undefined }),
});

/**
 * A client never connected, a chat sent, then close(): what the
 * application is told (errors, statuses, states) and what the client reads
 * after; for a shared client and for one of its own.
 */
window.closedFromIdle = async (options) => {
  const once = async (settings) => {
    const client = await createClient(settings);
    const told = [];
    client.onError((error) => told.push(['error', error.code, error.id === id]));
    client.onDelivery((delivery) => told.push(['delivery', delivery.status, delivery.code ?? null]));
    client.onStateChange((change) => told.push(['state', change.state]));
    const id = client.sendChat('bob', 'typed before any connect');
    client.close();
    const after = { state: client.state, queued: client.queued, send: outcomeOf(() => client.sendChat('bob', 'after close')) };
    client.free();
    return { told, after };
  };
  return sharedAndAlone(options, once);
};

/**
 * A client connected, a chat sent and close(), all before any leader was
 * heard of; the chat's error callback connects and closes again: the states
 * the application is told, for a shared client and for one of its own.
 */
window.closedWhileHeld = async (options) => {
  const once = async (settings) => {
    const client = await createClient(settings);
    const told = [];
    let id = null;
    client.onError((error) => {
      told.push(['error', error.code, error.id === id]);
      if (error.id === id) {
        client.connect();
        client.close();
      }
    });
    client.onStateChange((change) => told.push(['state', change.state]));
    client.connect();
    id = client.sendChat('bob', 'held for a leader');
    client.close();
    for (let n = 0; n < 100 && client.state !== 'closed'; n += 1) await wait(20);
    await wait(200);
    client.free();
    return told;
  };
  return sharedAndAlone(options, once);
};

/**
 * This tab's client, created first (so it leads) and not connected: a chat
 * sent while idle waits; `window.connectLater()` then connects it with
 * callbacks that send frames of their own.
 */
window.leadIdle = async (options) => {
  const client = await createClient(options);
  for (let n = 0; n < 100 && client.sharing !== 'leader'; n += 1) await wait(20);
  const chatId = client.sendChat(options.userId, 'held while idle');
  window.tab = { client, record: { ids: { chatId } } };
  return client.sharing;
};
window.connectLater = () => {
  const { client, record } = window.tab;
  const { ids } = record;
  // Sends from three callbacks, the second inside the first's hand-over of the held chat.
  client.onStateChange(({ state }) => {
    if (state === 'connecting') ids.connectingId ??= client.sendText(JSON.stringify({ type: 'connecting' }));
  });
  client.onDelivery(({ id, status }) => {
    if (id === ids.chatId && status === 'sent') ids.sentId ??= client.sendText(JSON.stringify({ type: 'after-sent' }));
  });
  client.onOpen(() => {
    ids.textId ??= client.sendText(JSON.stringify({ type: 'subscribe' }));
  });
  client.connect();
  return ids;
};

/** Creates a client in a module worker: sharing is off there. */
window.inWorker = (options) => new Promise((resolve, reject) => {
  const worker = new Worker('/worker.js', { type: 'module' });
  worker.onmessage = (event) => {
    worker.terminate();
    resolve(event.data);
  };
  worker.onerror = (event) => {
    worker.terminate();
    reject(new Error(event.message));
  };
  worker.postMessage(options);
});
window.ready = true;
