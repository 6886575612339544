// Test harness for tests/e2e/faults.test.mjs: drives clients of the built
// package and records what the application sees.

// Net count of event listeners on window and document, to prove that clients
// leave none behind. Installed before the SDK is loaded.
window.listenerBalance = 0;
for (const target of [window, document]) {
  const add = target.addEventListener.bind(target);
  const remove = target.removeEventListener.bind(target);
  target.addEventListener = (...args) => {
    window.listenerBalance += 1;
    return add(...args);
  };
  target.removeEventListener = (...args) => {
    window.listenerBalance -= 1;
    return remove(...args);
  };
}

window.uncaught = [];
window.addEventListener('error', (event) => window.uncaught.push(String(event.message)));
window.addEventListener('unhandledrejection', (event) => window.uncaught.push(String(event.reason)));

const { createClient } = await import('/pkg/index.js');
const { default: initWasm } = await import('/pkg/wsnotify.js');
const wasm = await initWasm();
window.wasmMemoryBytes = () => wasm.memory.buffer.byteLength;

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client whose every event is recorded in `record`. */
async function recordedClient(options) {
  const client = await createClient(options);
  const record = { states: [], chats: [], errors: [], resumed: [], messages: 0, closes: [] };
  client.onStateChange((change) => record.states.push({ ...change, at: performance.now() }));
  client.onChat((chat) => record.chats.push({ id: chat.id, message: chat.message, from: chat.fromUserId, seq: chat.seq }));
  client.onError((error) => record.errors.push({ code: error.code, id: error.id }));
  client.onClose((close) => record.closes.push(close.code));
  client.onMessage(() => {
    record.messages += 1;
  });
  client.on('resumed', (frame) => record.resumed.push(frame.recovered));
  return { client, record };
}

/**
 * Connects as `userId`; after `beginSending()`, sends to `peer` ten times a
 * second until `stopSending()`, recording what the client accepted.
 */
window.startPeer = async (userId, peer, url) => {
  const { client, record } = await recordedClient({
    url,
    userId,
    delivery: 'at-least-once',
    reconnect: { baseDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 },
  });
  record.accepted = [];
  record.refused = [];
  let n = 0;
  let sending = true;
  client.connect();
  const send = async () => {
    while (sending) {
      n += 1;
      try {
        record.accepted.push(client.sendChat(peer, `${userId}-${n}`));
      } catch (error) {
        record.refused.push(error.code);
      }
      await wait(100);
    }
  };
  window.peer = { client, record, begin: send, stop: () => { sending = false; } };
};
/**
 * Queues `count` chats to `peer` while not yet connected, then connects as
 * `userId`: the whole queue is flushed at once when the connection opens.
 */
window.flushQueued = async (userId, peer, url, count) => {
  const { client, record } = await recordedClient({ url, userId, delivery: 'at-least-once' });
  record.accepted = [];
  record.refused = [];
  for (let n = 1; n <= count; n += 1) record.accepted.push(client.sendChat(peer, `${userId}-${n}`));
  client.connect();
  window.peer = { client, record };
};
window.beginSending = () => {
  window.peer.begin();
};
window.stopSending = () => window.peer.stop();
window.peerReport = () => ({
  state: window.peer.client.state,
  queued: window.peer.client.queued,
  delivery: window.peer.client.delivery,
  ...window.peer.record,
});

/** A client with a fast heartbeat, for the frozen-server test. */
window.startHeartbeat = async (userId, url, intervalMs, timeoutMs) => {
  const recorded = await recordedClient({
    url, userId, heartbeat: { intervalMs, timeoutMs }, reconnect: { baseDelayMs: 100, maxDelayMs: 500 },
  });
  recorded.client.connect();
  window.watched = recorded;
};
window.watchedReport = () => ({ state: window.watched.client.state, ...window.watched.record });

/** A plain client for the adversarial and close-code tests. */
window.startPlain = async (userId, url, extra = {}) => {
  const recorded = await recordedClient({ url, userId, reconnect: { baseDelayMs: 50, maxDelayMs: 200 }, ...extra });
  recorded.client.connect();
  window.plain = recorded;
};
window.plainReport = () => ({ state: window.plain.client.state, attempt: window.plain.client.attempt, ...window.plain.record });
window.stopPlain = () => {
  window.plain.client.free();
  window.plain = null;
};

/** `cycles` times: create, connect, wait for open, close, wait for the close, free. */
window.cycle = async (url, userId, cycles) => {
  for (let i = 0; i < cycles; i += 1) {
    const client = await createClient({ url, userId });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`cycle ${i} did not open`)), 5000);
      client.onOpen(() => {
        clearTimeout(timer);
        resolve();
      });
      client.connect();
    });
    await new Promise((resolve) => {
      client.onClose(() => resolve());
      client.close();
    });
    client.free();
  }
};
window.ready = true;
