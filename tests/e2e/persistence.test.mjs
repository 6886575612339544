// `persist`: unacknowledged chats and the resume position survive a reload,
// in headless Chromium against the reference server as a real process,
// killed with a real SIGKILL; and the per-message delivery status. Every
// loop is bounded in count and time; everything is on loopback. The figures
// are written to tests/artifacts/persistence.json (RELIABILITY.md quotes them).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { root } from '../../scripts/lib.mjs';
import { createServer } from '../../server/app.mjs';
import { collectPageErrors, launchBrowser } from '../support/browser.mjs';
import { servePage } from '../support/page-site.mjs';
import { freePort, startServerProcess } from '../support/server-process.mjs';
import { until } from '../support/until.mjs';
import { WebSocketServer } from 'ws';

const figures = {};
let site;
let browser;
let scratch;

before(async () => {
  site = await servePage('persist-page');
  browser = await launchBrowser();
  scratch = mkdtempSync(join(tmpdir(), 'wsnotify-persist-'));
});

after(async () => {
  await browser?.close();
  site?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  if (Object.keys(figures).length > 0) {
    mkdirSync(join(root, 'tests', 'artifacts'), { recursive: true });
    writeFileSync(join(root, 'tests', 'artifacts', 'persistence.json'), `${JSON.stringify(figures, null, 2)}\n`);
  }
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A reference server process with a durable history (so that de-duplication by id survives its restarts). */
async function serverProcess(t, name) {
  const port = await freePort();
  const env = { HISTORY_FILE: join(scratch, `${name}.jsonl`), ALLOWED_ORIGINS: site.url };
  const handle = { server: await startServerProcess(port, env) };
  handle.restart = async () => {
    handle.server = await startServerProcess(port, env);
  };
  t.after(() => handle.server.kill());
  return handle;
}

/** A page with the harness loaded; `init` is an init script (e.g. to break IndexedDB). */
async function page(t, { init } = {}) {
  const opened = await browser.newPage();
  if (init) await opened.addInitScript(init);
  t.after(() => (opened.isClosed() ? undefined : opened.close()));
  const errors = collectPageErrors(opened);
  const load = async () => {
    await opened.waitForFunction(() => window.ready === true);
  };
  await opened.goto(`${site.url}/`);
  await load();
  return {
    page: opened,
    errors,
    start: (options, flags) => opened.evaluate(([o, f]) => window.start(o, f), [options, flags]),
    report: () => opened.evaluate(() => window.report()),
    send: (to, prefix, count, everyMs = 0) => opened.evaluate((args) => window.send(...args), [to, prefix, count, everyMs]),
    stored: () => opened.evaluate(() => window.stored()),
    async reload() {
      await opened.reload();
      await load();
    },
  };
}

const senderOptions = (url, userId, extra = {}) => ({
  url,
  userId,
  delivery: 'at-least-once',
  persist: true,
  reconnect: { baseDelayMs: 50, maxDelayMs: 300 },
  ...extra,
});

const receiverOptions = (url, userId) => ({
  url, userId, delivery: 'at-least-once', reconnect: { baseDelayMs: 50, maxDelayMs: 300 },
});

const waitState = (tab, state, ms = 15_000) => until(`state ${state}`, async () => (await tab.report()).state === state, ms);

/** Only connection attempts refused while the server is away are expected. */
const unexpected = (errors) => errors.filter((error) => error.code !== 'connect_failed');
const pageProblems = (errors) => errors.filter((line) => !/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED/.test(line));

/** A receiver that has had a numbered frame, so that it resumes and the server knows it. */
async function readyPair(t, url, sender, receiver) {
  const alice = await page(t);
  const bob = await page(t);
  await bob.start(receiverOptions(url, receiver));
  await alice.start(senderOptions(url, sender));
  await waitState(alice, 'open');
  await waitState(bob, 'open');
  const [warmUp] = await alice.send(receiver, 'warm-up', 1);
  await until('the warm-up', async () => (await bob.report()).chats.length === 1);
  // Acked and out of alice's store too, so that a test that then kills the
  // server starts with nothing of alice's pending. (Otherwise an ack still in
  // flight at the kill leaves the warm-up stored, and it is restored and
  // sent again, rightly, as one chat more than the test counts.)
  await until('the warm-up acked and out of the store', async () =>
    (await alice.report()).statuses.some((s) => s.id === warmUp && s.status === 'acked')
    && !(await alice.stored()).some((record) => record.id === warmUp));
  return { alice, bob };
}

test('server down, 20 chats sent, page reloaded, server back: all 20 arrive once, in order, with their ids', async (t) => {
  const handle = await serverProcess(t, 'twenty');
  const { server } = handle;
  const { alice, bob } = await readyPair(t, server.wsUrl, 'alice-20', 'bob-20');

  await handle.server.kill('SIGKILL');
  await waitState(alice, 'reconnecting');
  const ids = await alice.send('bob-20', 'offline', 20);
  assert.equal((await alice.stored()).length, 20, 'the 20 chats are in the store before the reload');
  const before = await alice.report();
  assert.deepEqual(before.statuses.filter((s) => ids.includes(s.id)).map((s) => s.status), Array(20).fill('queued'));

  await alice.reload();
  const restored = await alice.start(senderOptions(server.wsUrl, 'alice-20'));
  assert.deepEqual(restored.map((m) => m.id), ids, 'restored in order with their ids');
  await handle.restart();

  await until('20 chats at bob', async () => (await bob.report()).chats.length >= 21, 20_000);
  await until('20 acks at alice', async () => (await alice.report()).statuses.filter((s) => s.status === 'acked').length >= 20, 20_000);
  await sleep(500);
  const received = (await bob.report()).chats.filter((chat) => chat.from === 'alice-20').slice(1);
  assert.deepEqual(received.map((chat) => chat.id), ids, 'once each, in order');
  assert.deepEqual(received.map((chat) => chat.message), ids.map((_, n) => `offline-${n}`));
  const after = await alice.report();
  for (const id of ids) {
    assert.deepEqual(after.statuses.filter((s) => s.id === id).map((s) => s.status), ['sent', 'acked'], id);
  }
  assert.deepEqual(await alice.stored(), [], 'acknowledged chats leave the store');
  assert.deepEqual(unexpected(after.errors), []);
  assert.deepEqual(pageProblems(alice.errors), []);
  figures.twentyAfterReload = { sent: 20, restored: restored.length, received: received.length, duplicates: 0 };
});

test('100 reloads under 5 chats/s with server SIGKILLs and restarts in between: 0 lost, 0 duplicated', async (t) => {
  const handle = await serverProcess(t, 'hundred');
  const url = handle.server.wsUrl;
  const { alice, bob } = await readyPair(t, url, 'alice-100', 'bob-100');
  const started = Date.now();
  const sent = [];
  let kills = 0;
  let down = false;
  for (let cycle = 0; cycle < 100; cycle += 1) {
    // 2 chats 200 ms apart (5/s), then the reload right after the second.
    sent.push(...(await alice.send('bob-100', `c${cycle}`, 2, 200)));
    if (cycle % 10 === 4) {
      await handle.server.kill('SIGKILL');
      kills += 1;
      down = true;
    } else if (down && cycle % 10 === 6) {
      await handle.restart();
      down = false;
    }
    await alice.reload();
    await alice.start(senderOptions(url, 'alice-100'));
    assert.ok(Date.now() - started < 120_000, 'bounded in time');
  }
  if (down) await handle.restart();
  await until('every chat at bob', async () => new Set((await bob.report()).chats.map((chat) => chat.id)).size >= sent.length + 1, 30_000, 100);
  await sleep(1000);
  const received = (await bob.report()).chats.filter((chat) => chat.from === 'alice-100').slice(1).map((chat) => chat.id);
  const lost = sent.filter((id) => !received.includes(id));
  const duplicated = received.length - new Set(received).size;
  assert.deepEqual(lost, []);
  assert.equal(duplicated, 0);
  await until('the store empties', async () => (await alice.stored()).length === 0, 10_000);
  const { errors } = await alice.report();
  assert.deepEqual(unexpected(errors), []);
  figures.hundredReloads = {
    reloads: 100, kills, chats: sent.length, received: received.length, lost: lost.length, duplicated, ms: Date.now() - started,
  };
  t.diagnostic(JSON.stringify(figures.hundredReloads));
});

test('a page that resumes after a reload gets what was sent to it while away; a lost history says recovered:false', async (t) => {
  const handle = await serverProcess(t, 'away');
  const url = handle.server.wsUrl;
  const carol = await page(t);
  const dave = await page(t);
  await dave.start(receiverOptions(url, 'dave'));
  await carol.start(senderOptions(url, 'carol'));
  await waitState(carol, 'open');
  await waitState(dave, 'open');
  await dave.send('carol', 'before', 1);
  await until('carol has the first', async () => (await carol.report()).chats.some((chat) => chat.message === 'before-0'));
  await until('carol stored her position', async () => carol.page.evaluate(() => new Promise((resolve) => {
    const request = indexedDB.open('wsnotify');
    request.onsuccess = () => {
      const all = request.result.transaction('positions', 'readonly').objectStore('positions').getAll();
      all.onsuccess = () => {
        request.result.close();
        resolve(all.result.some((position) => position.lastSeq > 0));
      };
    };
  })));

  // Away: the page is gone (a blank one stands in), dave writes, the page comes back.
  await carol.page.goto('about:blank');
  await sleep(300);
  await dave.send('carol', 'away', 3);
  await carol.page.goto(`${site.url}/`);
  await carol.page.waitForFunction(() => window.ready === true);
  await carol.start(senderOptions(url, 'carol'));
  await until('what was sent while away', async () => (await carol.report()).chats.filter((chat) => chat.message.startsWith('away-')).length === 3);
  const back = await carol.report();
  assert.deepEqual(back.chats.map((chat) => chat.message), ['away-0', 'away-1', 'away-2'], 'nothing it had, everything it missed');
  assert.equal(back.resumed.at(-1)?.recovered, true);

  // The server loses its history (restarted without the file): the resume is flagged, never a silent gap.
  await handle.server.kill('SIGKILL');
  rmSync(join(scratch, 'away.jsonl'), { force: true });
  await carol.page.goto('about:blank');
  await handle.restart();
  await carol.page.goto(`${site.url}/`);
  await carol.page.waitForFunction(() => window.ready === true);
  await carol.start(senderOptions(url, 'carol'));
  await until('a resumed frame', async () => (await carol.report()).resumed.length > 0);
  assert.equal((await carol.report()).resumed[0].recovered, false);
});

test('IndexedDB blocked (private-mode-like): one persistence_unavailable error, the client works in memory', async (t) => {
  const server = await createServer({ port: 0, allowedOrigins: [site.url], insecureDevIdentity: true, log: () => {} });
  t.after(() => server.close());
  const blocked = () => {
    IDBFactory.prototype.open = function open() {
      throw new DOMException('The user denied permission to access the database.', 'InvalidStateError');
    };
  };
  const erroring = () => {
    IDBFactory.prototype.open = function open() {
      const request = { error: new DOMException('blocked', 'UnknownError') };
      setTimeout(() => request.onerror?.({ target: request }), 0);
      return request;
    };
  };
  for (const [name, init] of [['throws', blocked], ['fires error', erroring]]) {
    const tab = await page(t, { init });
    const peer = await page(t);
    await peer.start(receiverOptions(server.wsUrl, `peer-${name.length}`));
    await tab.start(senderOptions(server.wsUrl, `private-${name.length}`));
    await waitState(tab, 'open');
    await waitState(peer, 'open');
    await tab.page.evaluate((to) => window.tab.client.sendChat(to, 'in memory'), `peer-${name.length}`);
    await until('the chat arrives', async () => (await peer.report()).chats.length === 1);
    await until('its ack', async () => (await tab.report()).statuses.some((s) => s.status === 'acked'));
    const { errors, statuses } = await tab.report();
    assert.deepEqual(errors.map((error) => error.code), ['persistence_unavailable'], name);
    assert.deepEqual(statuses.map((s) => s.status), ['queued', 'sent', 'acked'], name);
    assert.deepEqual(await tab.page.evaluate(() => window.uncaught), [], name);
  }
});

test('past the store bound (or the browser quota), the oldest stored chats go first; the newest survive a reload', async (t) => {
  const handle = await serverProcess(t, 'quota');
  const url = handle.server.wsUrl;
  const { alice } = await readyPair(t, url, 'alice-q', 'bob-q');
  await handle.server.kill('SIGKILL');
  await waitState(alice, 'reconnecting');
  // The configured bound: 5 messages.
  await alice.reload();
  await alice.start(senderOptions(url, 'alice-q', { persist: { maxMessages: 5 } }));
  const ids = await alice.send('bob-q', 'bounded', 8);
  assert.deepEqual((await alice.stored()).map((record) => record.id), ids.slice(3), 'the newest 5 are kept');
  assert.equal((await alice.report()).queued, 8, 'all 8 are still queued in memory');
  assert.deepEqual(unexpected((await alice.report()).errors), []);
  await alice.reload();
  const restored = await alice.start(senderOptions(url, 'alice-q', { persist: { maxMessages: 5 } }));
  assert.deepEqual(restored.map((m) => m.id), ids.slice(3), 'the newest 5 survive the reload');

  // The browser's quota: every put past 3 records fails with QuotaExceededError.
  const quota = await page(t, {
    init: () => {
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function limited(value, ...rest) {
        if (this.name === 'messages' && (window.quotaRecords ?? 0) >= 3) {
          throw new DOMException('Quota exceeded', 'QuotaExceededError');
        }
        const request = put.call(this, value, ...rest);
        if (this.name === 'messages') request.addEventListener('success', () => { window.quotaRecords = (window.quotaRecords ?? 0) + 1; });
        return request;
      };
      const remove = IDBObjectStore.prototype.delete;
      IDBObjectStore.prototype.delete = function counted(key) {
        const request = remove.call(this, key);
        if (this.name === 'messages') request.addEventListener('success', () => { window.quotaRecords = Math.max(0, (window.quotaRecords ?? 0) - 1); });
        return request;
      };
    },
  });
  await quota.start(senderOptions(url, 'alice-quota', { persist: 'quota' }));
  const quotaIds = await quota.send('bob-q', 'quota', 5, 20);
  await until('the store settles', async () => (await quota.stored()).filter((r) => quotaIds.includes(r.id)).length === 3);
  assert.deepEqual((await quota.stored()).filter((r) => quotaIds.includes(r.id)).map((r) => r.id), quotaIds.slice(2), 'the oldest evicted first');
  assert.deepEqual(unexpected((await quota.report()).errors), [], 'eviction is no error');
  figures.quota = { bound: { sent: 8, kept: 5 }, browserQuota: { sent: 5, kept: 3 } };
});

test('1,000 chats: exactly one queued, one sent and one acked each, in that order', async (t) => {
  const server = await createServer({
    port: 0, allowedOrigins: [site.url], insecureDevIdentity: true, rateLimit: { perSecond: 5000, burst: 5000 }, log: () => {},
  });
  t.after(() => server.close());
  const { alice } = await readyPair(t, server.wsUrl, 'alice-k', 'bob-k');
  const ids = [];
  for (let batch = 0; batch < 10; batch += 1) ids.push(...(await alice.send('bob-k', `k${batch}`, 100)));
  await until('1,000 acks', async () => (await alice.report()).statuses.filter((s) => s.status === 'acked').length >= 1001, 30_000, 100);
  const { statuses } = await alice.report();
  const byId = new Map();
  for (const { id, status } of statuses) byId.set(id, [...(byId.get(id) ?? []), status]);
  for (const id of ids) assert.deepEqual(byId.get(id), ['queued', 'sent', 'acked'], id);
  assert.equal(statuses.length, 3 * 1001, 'nothing else');
  figures.statusSequence = { chats: 1000, transitions: statuses.length - 3 };
});

test('retry(id) inside onDelivery re-queues a failed chat with the same id', async (t) => {
  const handle = await serverProcess(t, 'retry');
  const url = handle.server.wsUrl;
  const tab = await page(t);
  await tab.start(senderOptions(url, 'erin', { persist: false }), { retryFailed: true });
  await waitState(tab, 'open');
  // Refused by the server: a recipient it has never seen.
  const [id] = await tab.send('nobody-ever', 'refused', 1);
  await until('failed twice (a retry, refused again)', async () => (await tab.report()).statuses.filter((s) => s.id === id && s.status === 'failed').length >= 2);
  const { statuses, errors } = await tab.report();
  assert.deepEqual(statuses.filter((s) => s.id === id).slice(0, 6).map((s) => s.status), ['queued', 'sent', 'failed', 'queued', 'sent', 'failed']);
  assert.equal(statuses.find((s) => s.status === 'failed').code, 'recipient_offline');
  assert.ok(errors.every((error) => error.code === 'recipient_offline'), JSON.stringify(errors));
  // Stop the loop: close the page's client.
  await tab.page.evaluate(() => window.tab.client.free());
  const thrown = await tab.page.evaluate(async () => {
    const { createClient } = await import('/pkg/index.js');
    const client = await createClient({ url: 'ws://127.0.0.1:1/', userId: 'x' });
    try {
      client.retry('unknown');
      return 'no error';
    } catch (error) {
      return error.code;
    } finally {
      client.free();
    }
  });
  assert.equal(thrown, 'not_retryable');
});

test('with at-most-once delivery, a chat written to an open socket is not stored, so a reload does not send it again', async (t) => {
  const handle = await serverProcess(t, 'at-most-once');
  const tab = await page(t);
  const options = { url: handle.server.wsUrl, userId: 'once-only', persist: true };
  await tab.start(options);
  await waitState(tab, 'open');
  const [id] = await tab.send('nobody-in-particular', 'once', 1);
  assert.deepEqual((await tab.report()).statuses.filter((s) => s.id === id).map((s) => s.status), ['queued', 'sent']);
  // The store is the origin's: other tests' records may be in it too.
  assert.deepEqual((await tab.stored()).filter((record) => record.id === id), [], 'sent at most once: nothing left to send again');
  await tab.reload();
  assert.deepEqual(await tab.start(options), [], 'nothing restored');
});

test('a tab whose client is closed, or not yet connected, leaves the chats of a tab that went away to a tab that can send them', async (t) => {
  const url = `ws://127.0.0.1:${await freePort()}/ws`;
  const options = senderOptions(url, 'orphan-keeper');
  const closed = await page(t);
  await closed.start(options);
  await closed.page.evaluate(() => window.tab.client.close());
  const idle = await page(t);
  await idle.page.evaluate(async (settings) => {
    const { createClient } = await import('/pkg/index.js');
    window.idle = await createClient(settings); // created, never connected
  }, options);
  const leaving = await page(t);
  await leaving.start(options);
  const ids = await leaving.send('bob', 'orphan', 3);
  await leaving.page.close();
  // The closed tab's client, and the idle one, would have looked for
  // orphans every 5 s.
  await sleep(6_500);
  const stored = (await closed.stored()).map((record) => record.id);
  assert.deepEqual(stored.filter((id) => ids.includes(id)), ids, 'still in the store');
  assert.deepEqual(unexpected((await closed.report()).errors), []);
  const next = await page(t);
  assert.deepEqual((await next.start(options)).map((message) => message.id), ids, 'restored by the next tab');
});

/**
 * A server of the wsnotify dialect that acks every chat (or none, or
 * refuses each with the error code `refuse`), and records the chats and
 * inits it got.
 */
async function chatServer(t, { acks = true, refuse = null, onInit = () => {}, port = undefined } = {}) {
  port ??= await freePort();
  const received = [];
  const inits = [];
  const wss = new WebSocketServer({ port, host: '127.0.0.1' });
  wss.on('connection', (socket) => {
    socket.on('message', (raw) => {
      const frame = JSON.parse(raw);
      if (frame.type === 'init') {
        inits.push({ lastSeq: frame.lastSeq, epoch: frame.epoch });
        onInit(socket, inits.length);
      } else if (frame.type === 'chat') {
        received.push(frame.id);
        if (refuse) socket.send(JSON.stringify({ type: 'error', code: refuse, message: 'later', id: frame.id }));
        else if (acks) socket.send(JSON.stringify({ type: 'ack', id: frame.id }));
      }
    });
  });
  const close = () => new Promise((resolve) => {
    for (const socket of wss.clients) socket.terminate();
    wss.close(resolve);
  });
  t.after(close);
  return { url: `ws://127.0.0.1:${port}/ws`, received, inits, close };
}

/** Writes `record` into a store of the page's IndexedDB, as another version or writer might have. */
const plant = (tab, store, record) => tab.page.evaluate(([name, value]) => new Promise((resolve, reject) => {
  const request = indexedDB.open('wsnotify');
  request.onsuccess = () => {
    const transaction = request.result.transaction(name, 'readwrite');
    transaction.objectStore(name).put(value);
    transaction.oncomplete = () => {
      request.result.close();
      resolve();
    };
    transaction.onerror = () => reject(transaction.error);
  };
}), [store, record]);

test('a chat sent inside an onDelivery callback of another send: both ids returned, both stored, in the order queued', async (t) => {
  const tab = await page(t);
  const result = await tab.page.evaluate(async () => {
    const { createClient } = await import('/pkg/index.js');
    const client = await createClient({ url: 'ws://127.0.0.1:1/ws', userId: 'nested-sender', persist: 'nested', delivery: 'at-least-once' });
    let inner = null;
    client.onDelivery(({ status }) => {
      if (status === 'queued' && inner === null) inner = client.sendChat('bob', 'inner');
    });
    try {
      return { outer: client.sendChat('bob', 'outer'), inner };
    } catch (error) {
      return { threw: `${error.code ?? error}` };
    } finally {
      client.free();
    }
  });
  assert.equal(result.threw, undefined);
  const stored = (await tab.stored()).filter((record) => [result.outer, result.inner].includes(record.id));
  assert.deepEqual(stored.map((record) => record.message), ['outer', 'inner']);
  assert.deepEqual(await tab.page.evaluate(() => window.uncaught), []);
});

test('chats failed as closed (the client gave up) stay in the store and are sent on the next start', async (t) => {
  const port = await freePort();
  const options = senderOptions(`ws://127.0.0.1:${port}/ws`, 'gives-up', { reconnect: { baseDelayMs: 50, maxDelayMs: 100, maxRetries: 2 } });
  const tab = await page(t);
  await tab.start(options);
  const ids = await tab.send('bob', 'typed-offline', 3);
  await waitState(tab, 'closed');
  const failed = (await tab.report()).statuses.filter((s) => s.status === 'failed');
  assert.deepEqual(failed.map((s) => [s.id, s.code]), ids.map((id) => [id, 'closed']));
  assert.deepEqual((await tab.stored()).map((record) => record.id).filter((id) => ids.includes(id)), ids);
  await tab.reload();
  const server = await chatServer(t, { port });
  const restored = await tab.start(options);
  assert.deepEqual(restored.map((message) => message.id), ids);
  await until('the three arrive', async () => server.received.length === 3);
  assert.deepEqual(server.received, ids);
});

test('unreadable records (another version, a foreign writer): deleted and reported, the client starts and restores the rest', async (t) => {
  const tab = await page(t);
  const url = `ws://127.0.0.1:${await freePort()}/ws`;
  const options = senderOptions(url, 'foreign');
  await tab.start(options);
  const [kept] = await tab.send('bob', 'kept', 1);
  await tab.page.evaluate(() => window.tab.client.free());
  const scope = JSON.stringify(['', url, 'foreign']);
  await plant(tab, 'positions', { scope, lastSeq: '17', epoch: null, at: Date.now() });
  await plant(tab, 'messages', { key: `${scope}\nbroken`, scope, id: 'broken', at: Date.now() });
  await tab.reload();
  const restored = await tab.start(options);
  assert.deepEqual(restored.map((message) => message.id), [kept]);
  await until('the report', async () => unexpected((await tab.report()).errors).length > 0);
  const reported = unexpected((await tab.report()).errors);
  assert.deepEqual(reported.map((error) => error.code), ['persistence_unavailable']);
  assert.match(reported[0].message, /^2 stored record/, 'the position and the chat record');
  assert.equal((await tab.stored()).some((record) => record.id === 'broken'), false);
  assert.deepEqual(await tab.page.evaluate(() => window.uncaught), []);
});

test('at-least-once against a server that sends no acks: a chat is sent once, not again at each reload', async (t) => {
  const server = await chatServer(t, { acks: false });
  const options = { url: server.url, userId: 'no-acks', delivery: 'at-least-once', ackTimeout: 300, persist: 'no-acks' };
  const tab = await page(t);
  await tab.start(options);
  await waitState(tab, 'open');
  const [id] = await tab.send('bob', 'once', 1);
  await until('acks_unsupported', async () => (await tab.report()).errors.some((error) => error.code === 'acks_unsupported'));
  await until('out of the store', async () => !(await tab.stored()).some((record) => record.id === id), 5_000);
  await tab.reload();
  assert.deepEqual(await tab.start(options), []);
  await waitState(tab, 'open');
  assert.deepEqual(server.received, [id]);
});

test('after a failed IndexedDB write, chats stored before it are still taken out when acknowledged: none comes back', async (t) => {
  const server = await chatServer(t);
  const tab = await page(t, {
    init: () => {
      const put = IDBObjectStore.prototype.put;
      let chats = 0;
      IDBObjectStore.prototype.put = function failingThird(value, ...rest) {
        if (this.name === 'messages' && value?.message?.startsWith('fails-') && (chats += 1) === 3) {
          throw new DOMException('disk error', 'UnknownError');
        }
        return put.call(this, value, ...rest);
      };
    },
  });
  const options = { url: server.url, userId: 'write-fails', delivery: 'at-least-once', persist: 'write-fails' };
  await tab.start(options);
  await waitState(tab, 'open');
  const ids = await tab.send('bob', 'fails', 3);
  await until('three acks', async () => (await tab.report()).statuses.filter((s) => s.status === 'acked').length === 3);
  assert.deepEqual((await tab.report()).errors.map((error) => error.code), ['persistence_unavailable']);
  await until('the acknowledged out of the store', async () =>
    !(await tab.stored()).some((record) => ids.includes(record.id)), 5_000);
  await tab.reload();
  assert.deepEqual(await tab.start(options), []);
});

test('a resumed frame the client refuses does not move the stored position', async (t) => {
  const server = await chatServer(t, {
    onInit: (socket, count) => {
      if (count !== 1) return;
      socket.send(JSON.stringify({
        type: 'chat', fromUserId: 'bob', toUserId: 'refused-resume', message: 'm', timestamp: new Date().toISOString(), id: 'b1', seq: 5, epoch: 'e1',
      }));
      socket.send(JSON.stringify({ type: 'resumed', recovered: false, epoch: 7 }));
    },
  });
  const options = { url: server.url, userId: 'refused-resume', persist: 'refused-resume' };
  const tab = await page(t);
  await tab.start(options);
  await until('the refusal', async () => (await tab.report()).errors.some((error) => error.code === 'invalid_frame'));
  await tab.reload();
  await tab.start(options);
  await until('a second init', async () => server.inits.length === 2);
  assert.deepEqual(server.inits[1], { lastSeq: 5, epoch: 'e1' });
});

test('expired chats of another user and URL are deleted by the next start of any', async (t) => {
  const tab = await page(t);
  const url = `ws://127.0.0.1:${await freePort()}/ws`;
  await tab.start({ url, userId: 'left-for-good', persist: { name: 'expiry', expiryMs: 1 } });
  const [left] = await tab.send('bob', 'left-here', 1);
  await tab.page.evaluate(() => window.tab.client.free());
  await sleep(10);
  await tab.start({ url: `${url}?other`, userId: 'someone-else', persist: { name: 'expiry' } });
  await until('deleted', async () => !(await tab.stored()).some((record) => record.id === left), 5_000);
});

test('a chat sent inside onDelivery of another, on an open socket: both written at once, both stored until acked, in order', async (t) => {
  const server = await chatServer(t, { acks: false });
  const tab = await page(t);
  await tab.start({ url: server.url, userId: 'nested-open', delivery: 'at-least-once', ackTimeout: 60_000, persist: 'nested-open' });
  await waitState(tab, 'open');
  const ids = await tab.page.evaluate(() => {
    const { client } = window.tab;
    let inner = null;
    const off = client.onDelivery(({ status }) => {
      if (status === 'queued' && inner === null) inner = client.sendChat('bob', 'inner');
    });
    const outer = client.sendChat('bob', 'outer');
    off();
    return [outer, inner];
  });
  await until('both received', async () => server.received.length === 2);
  await until('both stored', async () => (await tab.stored()).filter((record) => ids.includes(record.id)).length === 2);
  const stored = (await tab.stored()).filter((record) => ids.includes(record.id));
  assert.deepEqual(stored.map((record) => record.message), ['outer', 'inner']);
});

test('chats the server refused for now (unavailable, rate_limited) stay in the store and are sent on the next start', async (t) => {
  const port = await freePort();
  const refusing = await chatServer(t, { port, refuse: 'unavailable' });
  const options = senderOptions(refusing.url, 'refused-for-now');
  const tab = await page(t);
  await tab.start(options);
  await waitState(tab, 'open');
  const ids = await tab.send('bob', 'store-down', 2);
  await until('both refused', async () => (await tab.report()).statuses.filter((s) => s.status === 'failed').length === 2);
  const failed = (await tab.report()).statuses.filter((s) => s.status === 'failed');
  assert.deepEqual(failed.map((s) => [s.id, s.code]), ids.map((id) => [id, 'unavailable']));
  await sleep(200); // what the refusals would have deleted, deleted
  assert.deepEqual((await tab.stored()).map((record) => record.id).filter((id) => ids.includes(id)), ids);
  await tab.page.evaluate(() => window.tab.client.free());
  await refusing.close();
  const acking = await chatServer(t, { port });
  await tab.reload();
  assert.deepEqual((await tab.start(options)).map((message) => message.id), ids);
  await until('both arrive', async () => acking.received.length === 2);
  assert.deepEqual(acking.received, ids);
  await until('out of the store once acked', async () => !(await tab.stored()).some((record) => ids.includes(record.id)), 5_000);
});

test('a chat larger than the whole store bound is kept in memory only and pushes none of the stored chats out', async (t) => {
  const url = `ws://127.0.0.1:${await freePort()}/ws`;
  const options = senderOptions(url, 'one-large', { persist: { maxBytes: 100 } });
  const tab = await page(t);
  await tab.start(options);
  const small = await tab.send('bob', 'small', 3);
  const [large] = await tab.send('bob', 'x'.repeat(150), 1);
  await sleep(200);
  assert.deepEqual((await tab.stored()).map((record) => record.id).filter((id) => [...small, large].includes(id)), small);
  assert.equal((await tab.report()).queued, 4, 'all four are still queued');
  await tab.reload();
  assert.deepEqual((await tab.start(options)).map((message) => message.id), small);
});

test('chats failed by the application\'s own close() leave the store: a later start does not send them', async (t) => {
  const url = `ws://127.0.0.1:${await freePort()}/ws`;
  const options = senderOptions(url, 'closes-itself');
  const tab = await page(t);
  await tab.start(options);
  const ids = await tab.send('bob', 'then-closed', 2);
  await tab.page.evaluate(() => window.tab.client.close());
  const failed = (await tab.report()).statuses.filter((s) => s.status === 'failed');
  assert.deepEqual(failed.map((s) => [s.id, s.code]), ids.map((id) => [id, 'closed']));
  await until('out of the store', async () => !(await tab.stored()).some((record) => ids.includes(record.id)), 5_000);
  await tab.reload();
  assert.deepEqual(await tab.start(options), []);
});

test('a chat left by a closed tab and sent at most once by another tab\'s sweep leaves the store', async (t) => {
  const server = await chatServer(t);
  const options = { url: server.url, userId: 'swept', persist: 'swept' };
  const leaving = await page(t);
  const [id] = await leaving.page.evaluate(async (settings) => {
    const { createClient } = await import('/pkg/index.js');
    const client = await createClient(settings); // never connected: the chat stays queued, and stored
    const sent = client.sendChat('bob', 'left-behind');
    window.keep = client;
    return [sent];
  }, options);
  await until('stored', async () => (await leaving.stored()).some((record) => record.id === id));
  const staying = await page(t);
  await staying.start(options);
  await waitState(staying, 'open');
  await leaving.page.close();
  // The staying tab looks for orphans every 5 s.
  await until('sent by the staying tab', async () => server.received.includes(id), 12_000);
  await until('out of the store', async () => !(await staying.stored()).some((record) => record.id === id), 5_000);
});
