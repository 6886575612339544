// Fault, robustness and security tests of the SDK in Chromium, against real
// server processes that are killed, frozen and made to misbehave. Every loop
// is bounded in count and time. The figures of the run are written to
// tests/artifacts/reliability.json (RELIABILITY.md quotes them).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { root } from '../../scripts/lib.mjs';
import { createServer } from '../../server/app.mjs';
import { collectPageErrors, launchBrowser } from '../support/browser.mjs';
import { servePage } from '../support/page-site.mjs';
import { freePort, startServerProcess } from '../support/server-process.mjs';
import { until } from '../support/until.mjs';

const figures = {};
let scratch;
let site;
let siteUrl;
let browser;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A deterministic random source (mulberry32), so a failing run can be replayed. */
function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'wsnotify-faults-'));
  site = await servePage('fault-page');
  siteUrl = site.url;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  site?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  mkdirSync(join(root, 'tests', 'artifacts'), { recursive: true });
  writeFileSync(join(root, 'tests', 'artifacts', 'reliability.json'), `${JSON.stringify(figures, null, 2)}\n`);
});

/** A bare `ws` server on a free loopback port, for servers that misbehave on purpose; closed when test `t` ends. */
async function misbehavingServer(t) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  t.after(() => new Promise((resolve) => {
    for (const client of wss.clients) client.terminate();
    wss.close(resolve);
  }));
  await new Promise((resolve) => wss.once('listening', resolve));
  return wss;
}

async function harness(t) {
  const page = await browser.newPage();
  t.after(() => page.close());
  const errors = collectPageErrors(page);
  await page.goto(`${siteUrl}/`);
  await page.waitForFunction(() => window.ready === true);
  return { page, errors };
}

test('300 chats queued offline are flushed at once on connect: all arrive, in order, none refused, at the default server rate', async (t) => {
  const server = await createServer({ port: 0, allowedOrigins: [siteUrl], insecureDevIdentity: true, log: () => {} });
  t.after(() => server.close());
  const bob = await harness(t);
  await bob.page.evaluate(([url]) => window.startPeer('bob-q', 'alice-q', url), [server.wsUrl]);
  const report = (side) => side.page.evaluate(() => window.peerReport());
  await until('bob open', async () => (await report(bob)).state === 'open');
  const alice = await harness(t);
  await alice.page.evaluate(([url]) => window.flushQueued('alice-q', 'bob-q', url, 300), [server.wsUrl]);
  // Past the burst of 100 the server takes 20 frames a second: about 10 s.
  const [a, b] = await until('every chat delivered and acked', async () => {
    const [sender, receiver] = [await report(alice), await report(bob)];
    return sender.queued === 0 && receiver.chats.length >= 300 && [sender, receiver];
  }, 30_000, 100);
  assert.deepEqual(b.chats.map((chat) => chat.id), a.accepted, 'exactly once, in the order sent');
  assert.deepEqual(a.errors, [], 'no error: nothing was refused or dropped');
  assert.deepEqual([...alice.errors, ...bob.errors], []);
});

test('20 SIGKILL restarts while two clients exchange 10 messages/s each way lose and duplicate nothing', async (t) => {
  const port = await freePort();
  const env = { HISTORY_FILE: join(scratch, 'history.jsonl'), ALLOWED_ORIGINS: siteUrl };
  let server = await startServerProcess(port, env);
  t.after(() => server.kill());
  const alice = await harness(t);
  const bob = await harness(t);
  await alice.page.evaluate(([url]) => window.startPeer('alice', 'bob', url), [server.wsUrl]);
  await bob.page.evaluate(([url]) => window.startPeer('bob', 'alice', url), [server.wsUrl]);
  const report = (side) => side.page.evaluate(() => window.peerReport());
  await until('both open', async () => (await report(alice)).state === 'open' && (await report(bob)).state === 'open');
  await alice.page.evaluate(() => window.beginSending());
  await bob.page.evaluate(() => window.beginSending());

  const random = seeded(20);
  const downtimes = [];
  const started = Date.now();
  for (let cycle = 0; cycle < 20; cycle += 1) {
    await sleep(400 + random() * 800);
    await server.kill('SIGKILL');
    const down = Math.round(random() * 3000);
    downtimes.push(down);
    await sleep(down);
    server = await startServerProcess(port, env);
  }
  await alice.page.evaluate(() => window.stopSending());
  await bob.page.evaluate(() => window.stopSending());

  // Everything accepted by one side reaches the other: exactly once, in order.
  let last;
  const settled = await until('every message delivered', async () => {
    const [a, b] = [await report(alice), await report(bob)];
    last = [a, b];
    const done = a.queued === 0 && b.queued === 0 &&
      b.chats.filter((c) => c.from === 'alice').length >= a.accepted.length &&
      a.chats.filter((c) => c.from === 'bob').length >= b.accepted.length;
    return done && [a, b];
  }, 30_000, 100).catch((error) => {
    const [a, b] = last;
    const missing = (sender, receiver, from) => {
      const got = new Set(receiver.chats.filter((c) => c.from === from).map((c) => c.id));
      return sender.accepted.filter((id) => !got.has(id));
    };
    throw new Error(`${error.message}: ${JSON.stringify({
      alice: { state: a.state, queued: a.queued, accepted: a.accepted.length, errors: a.errors, refused: a.refused, resumed: a.resumed },
      bob: { state: b.state, queued: b.queued, accepted: b.accepted.length, errors: b.errors, refused: b.refused, resumed: b.resumed },
      missingAtBob: missing(a, b, 'alice').slice(0, 10), missingAtAlice: missing(b, a, 'bob').slice(0, 10),
    })}`);
  });
  const [a, b] = settled;
  for (const [sender, receiver, from] of [[a, b, 'alice'], [b, a, 'bob']]) {
    const chats = receiver.chats.filter((chat) => chat.from === from);
    const received = chats.map((chat) => chat.id);
    // Where the order first breaks, with the server's numbering, to tell a
    // server that numbered out of order from a client that delivered so.
    const first = received.findIndex((id, i) => id !== sender.accepted[i]);
    const around = chats.slice(Math.max(0, first - 3), first + 12).map((chat) => `${chat.id}@${chat.seq}`).join(' ');
    assert.deepEqual(received, sender.accepted, `${from}'s messages: exactly once, in order (from index ${first}: ${around})`);
    assert.deepEqual(sender.refused, [], `${from} never had a send refused`);
    assert.deepEqual(sender.errors.filter((e) => e.id !== undefined), [], `${from}: no message failed`);
    assert.equal(sender.delivery, 'at-least-once');
  }
  // With the server's durable history every gap was replayed, and said so.
  const resumed = [...a.resumed, ...b.resumed];
  assert.ok(resumed.length >= 20, `resumed ${resumed.length} times`);
  const unrecovered = resumed.filter((recovered) => !recovered).length;
  assert.equal(unrecovered, 0, 'no gap needed flagging: the history survived every kill');
  // Chromium logs each refused connection itself while the server is down;
  // anything else on the console, or any uncaught error, is a failure.
  const browserNoise = /^console: WebSocket connection to '.*' failed: /;
  assert.deepEqual([...alice.errors, ...bob.errors].filter((line) => !browserNoise.test(line)), []);
  figures.killRestart = {
    cycles: 20,
    downtimeMs: { min: Math.min(...downtimes), max: Math.max(...downtimes) },
    durationS: Math.round((Date.now() - started) / 100) / 10,
    messages: { aliceToBob: a.accepted.length, bobToAlice: b.accepted.length },
    lost: 0,
    duplicated: 0,
    resumes: resumed.length,
    unrecoveredGaps: unrecovered,
  };
});

test('a frozen server (SIGSTOP) is detected within heartbeat interval + timeout and the client heals', async (t) => {
  const port = await freePort();
  let server = await startServerProcess(port, { ALLOWED_ORIGINS: siteUrl });
  t.after(() => server.kill());
  const { page } = await harness(t);
  const [interval, timeout] = [500, 500];
  await page.evaluate(([url, i, o]) => window.startHeartbeat('frozen', url, i, o), [server.wsUrl, interval, timeout]);
  const state = async () => (await page.evaluate(() => window.watchedReport())).state;
  await until('open', async () => (await state()) === 'open');
  // One ping answered first: silence is judged only from a server that has
  // shown it answers pings.
  await sleep(interval + 300);

  server.signal('SIGSTOP');
  const stoppedAt = Date.now();
  await until('the dead connection to be noticed', async () => (await state()) !== 'open', 5_000, 10);
  const detectedMs = Date.now() - stoppedAt;
  // Scheduling slack of the two timers and of this poll.
  assert.ok(detectedMs <= interval + timeout + 300, `detected after ${detectedMs} ms`);
  const report = await page.evaluate(() => window.watchedReport());
  assert.ok(report.errors.some((error) => error.code === 'heartbeat_timeout'));

  await server.kill('SIGKILL');
  server = await startServerProcess(port, { ALLOWED_ORIGINS: siteUrl });
  const restartedAt = Date.now();
  await until('open again', async () => (await state()) === 'open', 15_000);
  figures.frozenServer = { heartbeat: { intervalMs: interval, timeoutMs: timeout }, detectedMs, reopenedMs: Date.now() - restartedAt };
});

/** 10,000 frames of every bad kind, from a deterministic generator. */
function adversarialFrames(count, random) {
  const frames = [];
  let errors = 0;
  const text = (length) => Array.from({ length }, () => String.fromCharCode(32 + Math.floor(random() * 94))).join('');
  const kinds = [
    () => `{"type":"chat",${text(10)}`, // truncated JSON
    () => text(1 + Math.floor(random() * 40)), // noise
    () => JSON.stringify({ type: 'chat', fromUserId: 42, message: [], timestamp: {} }), // wrong types
    () => JSON.stringify({ type: 'notification', message: 'm', online: -1 }), // out of range
    () => JSON.stringify({ type: 'chat', fromUserId: '', message: 'm', timestamp: 't' }), // empty user id
    () => JSON.stringify({ type: 'notification' }), // missing field
    () => JSON.stringify([1, 2, 3]), // not an object
    () => JSON.stringify({ message: 'no type' }), // no type
    () => `${'['.repeat(5000)}${']'.repeat(5000)}`, // deep nesting
    () => JSON.stringify({ type: 'chat', fromUserId: 'x', message: 'm', timestamp: 't', n: JSON.parse(`${'['.repeat(300)}${']'.repeat(300)}`) }),
    () => JSON.stringify({ type: 'chat', fromUserId: 'x', message: 7, timestamp: 't', pad: 'y'.repeat(40_000) }), // huge, in limit
    () => Buffer.from(text(16)), // binary
  ];
  for (let n = 0; n < count; n += 1) {
    if (n % 97 === 0) {
      frames.push('z'.repeat(70_000)); // oversized
      errors += 1;
    } else if (n % 5 === 0) {
      frames.push(JSON.stringify({ type: `custom-${n % 13}`, data: text(8) })); // unknown type: not an error
    } else {
      frames.push(kinds[Math.floor(random() * kinds.length)]());
      errors += 1;
    }
  }
  return { frames, errors };
}

test('10,000 adversarial frames: no panic, no uncaught exception, one error each, and the next message arrives', async (t) => {
  const wss = await misbehavingServer(t);
  const { frames, errors: expectedErrors } = adversarialFrames(10_000, seeded(10_000));
  wss.on('connection', (socket) => {
    socket.once('message', async () => {
      for (let n = 0; n < frames.length; n += 1) {
        socket.send(frames[n], { binary: Buffer.isBuffer(frames[n]) });
        if (n % 500 === 0) await sleep(1); // let the socket drain
      }
      socket.send(JSON.stringify({ type: 'chat', fromUserId: 'server', message: 'still here', timestamp: new Date().toISOString() }));
    });
  });
  const { page, errors: pageErrors } = await harness(t);
  const before = await page.evaluate(() => window.wasmMemoryBytes());
  await page.evaluate(([url]) => window.startPlain('adversary-target', url), [`ws://127.0.0.1:${wss.address().port}`]);
  const report = await until('the valid message after the storm', async () => {
    const current = await page.evaluate(() => window.plainReport());
    return current.chats.some((chat) => chat.message === 'still here') && current;
  }, 60_000, 100);
  const codes = {};
  for (const error of report.errors) codes[error.code] = (codes[error.code] ?? 0) + 1;
  assert.equal(report.errors.length, expectedErrors, `one error per bad frame: ${JSON.stringify(codes)}`);
  const oversized = frames.filter((frame) => frame.length === 70_000).length;
  assert.equal(report.messages, frames.length - oversized + 1, 'every frame but the oversized ones reaches onMessage, the valid chat too');
  assert.equal(report.state, 'open');
  assert.deepEqual(await page.evaluate(() => window.uncaught), []);
  assert.deepEqual(pageErrors, []);
  const grownBytes = (await page.evaluate(() => window.wasmMemoryBytes())) - before;
  await page.evaluate(() => window.stopPlain());
  figures.adversarialFrames = { frames: frames.length, errorEvents: report.errors.length, byCode: codes, panics: 0, uncaught: 0, wasmMemoryGrowthBytes: grownBytes };
});

test('a text frame over maxFrameBytes is refused with its size in bytes and the frame itself, without being copied into the module; the next frame arrives', async (t) => {
  const wss = await misbehavingServer(t);
  const chat = (message) => JSON.stringify({ type: 'chat', fromUserId: 'server', message, timestamp: new Date().toISOString() });
  // 8 Mi two-byte characters: 16 MiB of UTF-8, which a copy into the module would have to hold.
  const huge = chat('é'.repeat(8 * 1024 * 1024));
  wss.on('connection', (socket) => {
    socket.once('message', () => {
      socket.send(huge);
      socket.send(chat('after the huge one'));
    });
  });
  const { page, errors: pageErrors } = await harness(t);
  const before = await page.evaluate(() => window.wasmMemoryBytes());
  await page.evaluate(async (url) => {
    const { createClient } = await import('/pkg/index.js');
    const client = await createClient({ url, userId: 'huge-target' });
    window.huge = { client, errors: [], chats: [] };
    client.onError((error) => window.huge.errors.push({
      code: error.code,
      message: error.message,
      frameLength: typeof error.frame === 'string' ? error.frame.length : null,
    }));
    client.onChat((received) => window.huge.chats.push(received.message.length > 100 ? 'a huge one' : received.message));
    client.connect();
  }, `ws://127.0.0.1:${wss.address().port}`);
  const report = await until('the chat after the huge frame', async () => {
    const current = await page.evaluate(() => ({ ...window.huge, client: undefined, state: window.huge.client.state }));
    return current.chats.length > 0 && current;
  }, 30_000, 100);
  assert.deepEqual(report.chats, ['after the huge one']);
  assert.deepEqual(report.errors, [{
    code: 'frame_too_large',
    message: `frame of ${Buffer.byteLength(huge)} bytes exceeds the limit of 65536 bytes`,
    frameLength: huge.length,
  }]);
  assert.equal(report.state, 'open');
  const grown = (await page.evaluate(() => window.wasmMemoryBytes())) - before;
  assert.ok(grown < 1024 * 1024, `the module's memory grew by ${grown} bytes`);
  await page.evaluate(() => window.huge.client.free());
  assert.deepEqual(await page.evaluate(() => window.uncaught), []);
  assert.deepEqual(pageErrors, []);
});

test('a started client the application keeps no reference to keeps its connection through garbage collection, and a closed one is let go', async (t) => {
  const wss = await misbehavingServer(t);
  /** userId → its open socket on the server, and whether it closed. */
  const sockets = new Map();
  wss.on('connection', (socket) => {
    socket.once('message', (data) => {
      const { userId } = JSON.parse(data.toString());
      const entry = { socket, closed: null };
      sockets.set(userId, entry);
      socket.on('close', (code, reason) => {
        entry.closed = `${code} ${reason}`;
      });
    });
  });
  const { page, errors: pageErrors } = await harness(t);
  const url = `ws://127.0.0.1:${wss.address().port}`;
  await page.evaluate(async (u) => {
    const { createClient } = await import('/pkg/index.js');
    window.unheld = { chats: [], released: [] };
    const registry = new FinalizationRegistry((userId) => window.unheld.released.push(userId));
    // Each client lives in a function of its own, and its callbacks are made
    // outside it: a callback is held as long as the client lives, and one
    // made next to `client` would hold it (closures share their scope's
    // variables), as a loop's block may.
    const recordChat = (userId) => (chat) => window.unheld.chats.push(`${userId}: ${chat.message}`);
    const opened = (client) => new Promise((resolve) => client.onOpen(resolve));
    const start = async (userId) => {
      const client = await createClient({ url: u, userId });
      registry.register(client, userId);
      client.onChat(recordChat(userId));
      const open = opened(client);
      client.connect();
      await open;
      if (userId === 'unheld-closed') client.close();
    };
    await start('unheld-running');
    await start('unheld-closed');
  }, url);
  await until('both connected', () => sockets.has('unheld-running') && sockets.get('unheld-closed')?.closed, 10_000);
  const cdp = await browser.newCDPSession(page);
  t.after(() => cdp.detach().catch(() => {}));
  // Collected objects are finalised in a task after the collection: collect, wait, collect again.
  for (let round = 0; round < 5; round += 1) {
    await cdp.send('HeapProfiler.collectGarbage');
    await sleep(200);
  }
  assert.equal(sockets.get('unheld-running').closed, null, 'the connection of the running client stayed open');
  sockets.get('unheld-running').socket.send(JSON.stringify({ type: 'chat', fromUserId: 'server', message: 'still there?', timestamp: new Date().toISOString() }));
  await until('the chat to the unheld client', async () => (await page.evaluate(() => window.unheld.chats)).length > 0, 5_000);
  assert.deepEqual(await page.evaluate(() => window.unheld.chats), ['unheld-running: still there?']);
  assert.deepEqual(await page.evaluate(() => window.unheld.released), ['unheld-closed'], 'the closed client was collected, the running one kept');
  assert.deepEqual(await page.evaluate(() => window.uncaught), []);
  assert.deepEqual(pageErrors, []);
});

test('connect() right after close() connects again once the close is done: closing, closed, connecting, open; a chat sent meanwhile goes out', async (t) => {
  const server = await createServer({ port: 0, allowedOrigins: [siteUrl], insecureDevIdentity: true, log: () => {} });
  t.after(() => server.close());
  const { page } = await harness(t);
  await page.evaluate(([url]) => window.startPlain('again', url), [server.wsUrl]);
  await until('open', async () => (await page.evaluate(() => window.plainReport())).state === 'open', 5_000);
  const id = await page.evaluate(() => {
    window.plain.record.states.length = 0;
    window.plain.client.close();
    window.plain.client.connect();
    return window.plain.client.sendChat('again', 'sent while closing');
  });
  await until('the chat back on the new connection', async () => (await page.evaluate(() => window.plainReport())).chats.some((chat) => chat.id === id), 5_000);
  const report = await page.evaluate(() => window.plainReport());
  assert.deepEqual(report.states.map((change) => change.state), ['closing', 'closed', 'connecting', 'open']);
  assert.deepEqual(report.closes, [1000]);
  assert.deepEqual(report.errors, []);
  assert.equal(server.connections(), 1);
  await page.evaluate(() => window.stopPlain());
});

test('each close code class reconnects exactly where the policy says', async (t) => {
  const wss = await misbehavingServer(t);
  /** userId → connections seen; the first of each is closed with the code in its name. */
  const seen = new Map();
  wss.on('connection', (socket) => {
    socket.once('message', (data) => {
      const { userId } = JSON.parse(data.toString());
      seen.set(userId, (seen.get(userId) ?? 0) + 1);
      if (seen.get(userId) > 1) return;
      const code = Number(userId.split('-')[1]);
      if (code === 1006) socket.terminate();
      else socket.close(code, 'test');
    });
  });
  const expected = { 1000: false, 1001: true, 1006: true, 1008: false, 1011: true, 4401: false, 4500: true };
  const { page } = await harness(t);
  const observed = {};
  for (const [code, reconnects] of Object.entries(expected)) {
    const user = `code-${code}`;
    await page.evaluate(([id, url]) => window.startPlain(id, url), [user, `ws://127.0.0.1:${wss.address().port}`]);
    await until(`${code}: the close`, async () => (await page.evaluate(() => window.plainReport())).closes.length > 0);
    if (reconnects) await until(`${code}: a second connection`, () => seen.get(user) === 2, 5_000);
    else await sleep(500);
    const report = await page.evaluate(() => window.plainReport());
    observed[code] = { connections: seen.get(user), finalState: report.state };
    assert.equal(seen.get(user), reconnects ? 2 : 1, `close ${code}`);
    assert.equal(report.state, reconnects ? 'open' : 'closed', `close ${code}`);
    await page.evaluate(() => window.stopPlain());
  }
  figures.closeCodes = observed;
});

test('1,500 connect/close cycles: flat wasm memory, no listener left, no connection left', async (t) => {
  const server = await createServer({ port: 0, allowedOrigins: [siteUrl], insecureDevIdentity: true, log: () => {} });
  t.after(() => server.close());
  const { page } = await harness(t);
  await page.evaluate(([url]) => window.cycle(url, 'cycler', 20), [server.wsUrl]);
  const before = await page.evaluate(() => ({ memory: window.wasmMemoryBytes(), listeners: window.listenerBalance }));
  const started = Date.now();
  await page.evaluate(([url]) => window.cycle(url, 'cycler', 1500), [server.wsUrl]);
  const seconds = (Date.now() - started) / 1000;
  const afterwards = await page.evaluate(() => ({ memory: window.wasmMemoryBytes(), listeners: window.listenerBalance }));
  assert.ok(afterwards.memory - before.memory < 64 * 1024, `wasm memory grew by ${afterwards.memory - before.memory} bytes`);
  assert.equal(afterwards.listeners, before.listeners, 'window/document listeners are back where they were');
  await until('no server connection left', () => server.connections() === 0, 5_000);
  figures.connectCloseCycles = {
    cycles: 1500,
    seconds: Math.round(seconds * 10) / 10,
    wasmMemoryGrowthBytes: afterwards.memory - before.memory,
    listenerBalance: afterwards.listeners - before.listeners,
    serverConnectionsLeft: server.connections(),
  };
});

test('a token travels in init only: never in the URL', async (t) => {
  const wss = await misbehavingServer(t);
  const seen = [];
  wss.on('connection', (socket, request) => socket.once('message', (data) => seen.push({ url: request.url, init: JSON.parse(data.toString()) })));
  const { page } = await harness(t);
  await page.evaluate(([url]) => window.startPlain('secretive', url, { token: 'tok-SECRET' }), [`ws://127.0.0.1:${wss.address().port}/ws`]);
  await until('init', () => seen.length === 1);
  assert.equal(seen[0].url, '/ws');
  assert.equal(seen[0].init.token, 'tok-SECRET');
  await page.evaluate(() => window.stopPlain());
});
