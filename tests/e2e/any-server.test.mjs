// The client against servers that are not ours: five small fixture servers
// of the kinds people write (tests/fixtures/servers/), each a separate
// process, deliberately naive (bare JSON.parse, no acks, no pong). For each:
// every frame the server sends reaches the application exactly once and
// intact, the server receives nothing the application did not send, a send
// while connecting arrives after open, and a SIGKILL + restart heals by
// itself. The figures are written to tests/artifacts/any-server.json.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { root } from '../../scripts/lib.mjs';
import { collectPageErrors, launchBrowser } from '../support/browser.mjs';
import { servePage } from '../support/page-site.mjs';
import { startFixture } from '../support/fixture-process.mjs';
import { freePort } from '../support/server-process.mjs';
import { until } from '../support/until.mjs';

const figures = {};
let site;
let siteUrl;
let browser;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const FAST_RECONNECT = { baseDelayMs: 100, maxDelayMs: 500 };

before(async () => {
  site = await servePage('generic-page');
  siteUrl = site.url;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  site?.close();
  mkdirSync(join(root, 'tests', 'artifacts'), { recursive: true });
  writeFileSync(join(root, 'tests', 'artifacts', 'any-server.json'), `${JSON.stringify(figures, null, 2)}\n`);
});

/** Starts fixture `name` on a free port; killed when test `t` ends. */
async function fixture(t, name, env) {
  const server = await startFixture(name, await freePort(), env);
  t.after(() => server.kill());
  return server;
}

/** A page whose client connects with `options` (see tests/generic-page/harness.js). */
async function client(t, options, extras = {}) {
  const page = await browser.newPage();
  t.after(() => page.close());
  const consoleErrors = collectPageErrors(page);
  await page.goto(`${siteUrl}/`);
  await page.waitForFunction(() => typeof window.startAny === 'function');
  await page.evaluate(([o, e]) => window.startAny(o, e), [options, extras]);
  const report = () => page.evaluate(() => window.anyReport());
  return { page, report, consoleErrors };
}

const stateOf = async ({ report }) => (await report()).state;

/** What the application got, as the server would have written it (binary as base64). */
const appFrames = (report) => report.messages.map((message) => message.data);
const serverFrames = (server, event) => server.of(event).map((entry) => entry.data);

/**
 * Waits until the application has every frame the server sent so far (and
 * at least `min`), then checks they are the same frames, in order, once each.
 */
async function everyFrameArrived(server, app, min) {
  const report = await until(`${min}+ frames at the app, as many as the server sent`, async () => {
    const current = await app.report();
    const sent = serverFrames(server, 'sent').length;
    return sent >= min && current.messages.length === sent && current.messages.every((m) => m.data !== null) && current;
  }, 15_000);
  assert.deepEqual(appFrames(report), serverFrames(server, 'sent'));
  return report;
}

/**
 * SIGKILLs the fixture, sends `payload` while it is down, restarts it: the
 * client reconnects by itself and the payload arrives after the reconnect.
 */
async function healsAfterSigkill(server, app, payload) {
  const connections = server.of('connection').length;
  await server.kill();
  await until('the loss to be noticed', async () => (await stateOf(app)) !== 'open');
  await app.page.evaluate((text) => window.anySend(text), payload);
  await server.start();
  await until('open again', async () => (await stateOf(app)) === 'open', 15_000);
  await until('the frame sent while down', async () => serverFrames(server, 'received').includes(payload));
  assert.equal(server.of('connection').length, connections + 1, 'one new connection');
}

/** The figures of one fixture: what reached the application and the server. */
function record(name, report, server) {
  const formats = {};
  for (const message of report.messages) formats[message.format] = (formats[message.format] ?? 0) + 1;
  figures[name] = {
    serverSent: serverFrames(server, 'sent').length,
    appReceived: report.messages.length,
    appReceivedByFormat: formats,
    serverReceived: serverFrames(server, 'received'),
    connections: server.of('connection').length,
    errors: report.errors.map((error) => error.code),
  };
}

test('a plain-text push server: every line reaches the app, the server gets only what the app sent', async (t) => {
  const server = await fixture(t, 'plain-push', { TICK_MS: '100' });
  const app = await client(t, { url: server.url, mode: 'generic', reconnect: FAST_RECONNECT }, { early: 'hello from the app' });
  const first = await app.report();
  assert.equal(first.sent[0].id.length > 0, true, 'the early send got an id');
  await everyFrameArrived(server, app, 10);
  assert.deepEqual(serverFrames(server, 'received'), ['hello from the app'], 'queued while connecting, sent after open; no init, no ping');
  await healsAfterSigkill(server, app, 'sent while the server was down');
  const report = await everyFrameArrived(server, app, serverFrames(server, 'sent').length + 5);
  assert.ok(report.messages.every((message) => message.format === 'text' && message.kind === null));
  assert.deepEqual(serverFrames(server, 'received'), ['hello from the app', 'sent while the server was down']);
  assert.deepEqual(report.errors.filter((error) => error.code !== 'connect_failed'), []);
  record('plain-push', report, server);
});

test('a broadcast chat with its own shapes: every frame intact, nothing of ours in the chat', async (t) => {
  const server = await fixture(t, 'broadcast-chat');
  const early = JSON.stringify({ name: 'ada', msg: 'hello' });
  const app = await client(t, { url: server.url, mode: 'generic', reconnect: FAST_RECONNECT }, { early, listenFor: 'notification' });
  await until('open', async () => (await stateOf(app)) === 'open');
  await app.page.evaluate((text) => window.anySend(text), JSON.stringify({ type: 'message', name: 'ada', text: 'typed' }));
  let report = await everyFrameArrived(server, app, 3);
  const values = report.messages.map((message) => message.value);
  assert.deepEqual(values[0], { type: 'notification', msg: 'Someone joined', online: 1 });
  assert.deepEqual(values[1], { name: 'ada', msg: 'hello' });
  assert.deepEqual(values[2], { type: 'message', name: 'ada', text: 'typed' });
  assert.deepEqual(report.messages.map((message) => message.kind), ['notification', null, 'message']);
  assert.deepEqual(report.kinds, [values[0]], 'on("notification") gets the frame although it is not our notification shape');
  assert.deepEqual(report.errors, [], 'no invalid_frame noise in generic mode');
  await healsAfterSigkill(server, app, JSON.stringify({ name: 'ada', msg: 'while down' }));
  report = await everyFrameArrived(server, app, serverFrames(server, 'sent').length);
  // No undefined lines, no phantom users: the server saw only the app's frames.
  assert.deepEqual(serverFrames(server, 'received').map((text) => JSON.parse(text)), [
    { name: 'ada', msg: 'hello' },
    { type: 'message', name: 'ada', text: 'typed' },
    { name: 'ada', msg: 'while down' },
  ]);
  record('broadcast-chat', report, server);
});

test('a handshake refused by an origin check is a connect_failed error per attempt, with growing backoff', async (t) => {
  const server = await fixture(t, 'broadcast-chat', { ALLOWED_ORIGIN: 'https://elsewhere.example' });
  const app = await client(t, {
    url: server.url,
    mode: 'generic',
    reconnect: { baseDelayMs: 100, factor: 2, maxDelayMs: 5000, jitter: 0 },
  });
  const report = await until('four failed attempts', async () => {
    const current = await app.report();
    return current.errors.length >= 4 && current;
  }, 15_000);
  assert.deepEqual(report.errors.slice(0, 4).map(({ code, attempt }) => ({ code, attempt })), [0, 1, 2, 3].map((attempt) => ({ code: 'connect_failed', attempt })));
  const delays = report.states.filter((change) => change.state === 'reconnecting').map((change) => change.nextDelayMs);
  assert.deepEqual(delays.slice(0, 4), [100, 200, 400, 800]);
  assert.equal(server.of('connection').length, 0, 'never opened');
  figures.originRefused = { errors: report.errors.slice(0, 4), delaysMs: delays.slice(0, 4) };
});

test('a relay of JSON events and binary that ends the session with 1000: all delivered, then closed for good', async (t) => {
  const server = await fixture(t, 'relay');
  const app = await client(t, { url: server.url, mode: 'generic', kindField: 'event', reconnect: FAST_RECONNECT }, { early: 'subscribe', listenFor: 'update' });
  await until('closed', async () => (await stateOf(app)) === 'closed');
  await sleep(1000);
  const report = await everyFrameArrived(server, app, 2);
  assert.deepEqual(report.messages.map(({ format, kind }) => ({ format, kind })), [
    { format: 'json', kind: 'update' },
    { format: 'binary', kind: null },
  ]);
  assert.deepEqual(report.kinds, [{ event: 'update', value: 42 }], 'on(kind) reads the configured kindField');
  assert.deepEqual(report.closes, [{ code: 1000, reason: 'Session ended' }]);
  assert.equal(server.of('connection').length, 1, '1000 is terminal: no reconnect');
  assert.deepEqual(serverFrames(server, 'received'), ['subscribe']);
  assert.deepEqual(report.errors, []);
  record('relay', report, server);
});

test('a chat that greets in plain text and sends {type:"chat",user,content}: both reach the app as they are', async (t) => {
  const server = await fixture(t, 'greeter-chat');
  const early = JSON.stringify({ user: 'ada', content: 'hi all' });
  const app = await client(t, { url: server.url, mode: 'generic', reconnect: FAST_RECONNECT }, { early, listenFor: 'chat' });
  let report = await everyFrameArrived(server, app, 2);
  assert.deepEqual(report.messages.map(({ format, value }) => ({ format, value })), [
    { format: 'text', value: 'Welcome to the chat!' },
    { format: 'json', value: { type: 'chat', user: 'ada', content: 'hi all' } },
  ]);
  assert.deepEqual(report.kinds, [{ type: 'chat', user: 'ada', content: 'hi all' }], 'on("chat") gets a chat of their shape');
  assert.deepEqual(report.errors, []);
  await healsAfterSigkill(server, app, JSON.stringify({ user: 'ada', content: 'back' }));
  report = await everyFrameArrived(server, app, serverFrames(server, 'sent').length);
  assert.deepEqual(serverFrames(server, 'received'), [early, JSON.stringify({ user: 'ada', content: 'back' })]);
  record('greeter-chat', report, server);
});

test('an init/chat/notification server without acks or pong: one connection for 3 × (interval + timeout) with heartbeat on', async (t) => {
  const server = await fixture(t, 'init-chat');
  const [intervalMs, timeoutMs] = [300, 300];
  const app = await client(t, { url: server.url, userId: 'ada', heartbeat: { intervalMs, timeoutMs }, reconnect: FAST_RECONNECT });
  await until('open', async () => (await stateOf(app)) === 'open');
  await app.page.evaluate(() => window.anySend(JSON.stringify({ type: 'chat', fromUserId: 'ada', message: 'hello' })));
  await sleep(3 * (intervalMs + timeoutMs) + 200);
  let report = await everyFrameArrived(server, app, 2);
  assert.equal(report.state, 'open');
  assert.equal(server.of('connection').length, 1, 'the healthy connection was never closed');
  assert.deepEqual(report.errors.map((error) => error.code), ['heartbeat_unsupported'], 'said once');
  const received = serverFrames(server, 'received').map((text) => JSON.parse(text).type);
  assert.deepEqual(received, ['init', 'chat', 'ping'], 'one ping, then pinging stopped');
  await healsAfterSigkill(server, app, JSON.stringify({ type: 'chat', fromUserId: 'ada', message: 'back' }));
  report = await everyFrameArrived(server, app, serverFrames(server, 'sent').length);
  const afterRestart = serverFrames(server, 'received').slice(3).map((text) => JSON.parse(text).type);
  assert.deepEqual(afterRestart, ['init', 'chat'], 'init first on the new connection, then the queued chat');
  record('init-chat', report, server);
});

test('a WebAssembly module that fails to load is a load_failed error; a later init() still works', async (t) => {
  const page = await browser.newPage();
  t.after(() => page.close());
  await page.goto(`${siteUrl}/`); // the harness loads the package, not the module
  const outcome = await page.evaluate(async () => {
    const { init, isReady } = await import('/pkg/index.js');
    let failure = null;
    try {
      await init('/pkg/missing.wasm');
    } catch (error) {
      failure = { code: error.code, message: error.message, ready: isReady() };
    }
    await init();
    return { failure, readyAfterRetry: isReady() };
  });
  assert.equal(outcome.failure?.code, 'load_failed');
  assert.match(outcome.failure.message, /could not be loaded/);
  assert.equal(outcome.failure.ready, false);
  assert.equal(outcome.readyAfterRetry, true);
});

test('with no onError listener, each error goes to the console once', async (t) => {
  const server = await fixture(t, 'plain-push', { TICK_MS: '100' });
  // The wsnotify mode against a plain-text server: every line is invalid JSON.
  const app = await client(t, { url: server.url, userId: 'ada' }, { errorListener: false });
  const report = await until('three lines', async () => {
    const current = await app.report();
    return current.messages.length >= 3 && current;
  });
  const logged = app.consoleErrors.filter((line) => line.includes('invalid JSON'));
  assert.ok(logged.length >= 3, `console: ${JSON.stringify(app.consoleErrors)}`);
  assert.ok(logged.length <= serverFrames(server, 'sent').length, 'once each, not more');
  assert.equal(report.messages[0].format, 'text', 'the line itself still reached onMessage');
});

test('a list of URLs: an attempt that fails moves on to the next one', async (t) => {
  const server = await fixture(t, 'plain-push', { TICK_MS: '100' });
  const nobody = `ws://127.0.0.1:${await freePort()}/`;
  const app = await client(t, { url: [nobody, server.url], mode: 'generic', reconnect: FAST_RECONNECT });
  await until('open on the second URL', async () => (await stateOf(app)) === 'open');
  const report = await app.report();
  assert.deepEqual(report.errors.map(({ code, attempt }) => ({ code, attempt })), [{ code: 'connect_failed', attempt: 0 }]);
  assert.equal(server.of('connection').length, 1);
});

test('a list of URLs with a hello provider: the provider is asked at each attempt, and the URLs are still tried in turn', async (t) => {
  const server = await fixture(t, 'plain-push', { TICK_MS: '100' });
  const nobody = `ws://127.0.0.1:${await freePort()}/`;
  const app = await client(t, { url: [nobody, server.url], mode: 'generic', reconnect: FAST_RECONNECT },
    { helloPerAttempt: true });
  await until('open on the second URL', async () => (await stateOf(app)) === 'open');
  const report = await app.report();
  assert.deepEqual(report.errors.map(({ code, attempt }) => ({ code, attempt })), [{ code: 'connect_failed', attempt: 0 }]);
  await until('the hello at the server', async () => serverFrames(server, 'received').length === 1);
  assert.deepEqual(serverFrames(server, 'received').map((text) => JSON.parse(text)), [{ join: 'ada', attempt: 1 }]);
});

/**
 * A WebSocket server on bare TCP that answers the frame `please-close` with
 * a close frame (1001) and then neither completes the closing handshake nor
 * closes the connection for `holdMs`, as a stuck peer does: the browser's
 * socket stays CLOSING meanwhile. Records the text frames of each connection,
 * and which connections the browser answered the close frame on (by then
 * its socket is CLOSING).
 */
async function startPeerThatHangsInClose(holdMs) {
  const connections = [];
  const closeAnswered = [];
  const server = createTcpServer((socket) => {
    const received = [];
    const number = connections.length;
    connections.push(received);
    socket.on('error', () => {});
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const key = /Sec-WebSocket-Key: (.*)\r\n/i.exec(buffer.toString('latin1'))[1].trim();
        const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        upgraded = true;
        buffer = buffer.subarray(end + 4);
      }
      // Client frames: masked, short (under 126 bytes) in this test.
      while (buffer.length >= 2 && buffer.length >= 6 + (buffer[1] & 0x7f)) {
        const opcode = buffer[0] & 0x0f;
        const length = buffer[1] & 0x7f;
        const payload = Buffer.from(buffer.subarray(6, 6 + length)).map((byte, i) => byte ^ buffer[2 + (i % 4)]);
        buffer = buffer.subarray(6 + length);
        if (opcode === 8) closeAnswered[number] = true;
        if (opcode !== 1) continue;
        received.push(payload.toString());
        if (payload.toString() === 'please-close') {
          socket.write(Buffer.from([0x88, 0x02, 0x03, 0xe9]));
          setTimeout(() => socket.destroy(), holdMs);
        }
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `ws://127.0.0.1:${server.address().port}`, connections, closeAnswered, close: () => server.close() };
}

test('a send while the server holds the socket in its closing handshake waits for the next connection instead of vanishing', async (t) => {
  const peer = await startPeerThatHangsInClose(1_500);
  t.after(() => peer.close());
  const page = await browser.newPage();
  t.after(() => page.close());
  await page.goto(`${siteUrl}/`);
  await page.evaluate(async (url) => {
    const { createClient } = await import('/pkg/index.js');
    const client = await createClient({ url, mode: 'generic', reconnect: { baseDelayMs: 50, maxDelayMs: 100 } });
    window.closingClient = client;
    await new Promise((resolve) => {
      client.onOpen(resolve);
      client.connect();
    });
    client.sendText('please-close');
  }, peer.url);
  // The browser has answered the close frame: its socket is CLOSING, and its
  // close event is over a second away.
  await until('the browser to answer the close frame', () => peer.closeAnswered[0], 10_000);
  const outcome = await page.evaluate(() => {
    const id = window.closingClient.sendText('sent-while-closing');
    return { id, queuedRightAfter: window.closingClient.queued };
  });
  assert.equal(typeof outcome.id, 'string');
  assert.equal(outcome.queuedRightAfter, 1, 'held for the next connection, not written into the closing socket');
  await until('the frame on the next connection', () => peer.connections[1]?.includes('sent-while-closing'), 10_000);
  assert.deepEqual(peer.connections[0], ['please-close'], 'nothing written into the closing socket');
  await page.evaluate(() => window.closingClient.free());
});

test('durations longer than setTimeout can hold (up to 2^32 - 1 ms, as the options allow) do not fire at once', async (t) => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await once(wss, 'listening');
  t.after(() => wss.close());
  const received = [];
  wss.on('connection', (socket) => socket.on('message', (data) => received.push(String(data))));
  const page = await browser.newPage();
  t.after(() => page.close());
  await page.goto(`${siteUrl}/`);
  const outcome = await page.evaluate(async (url) => {
    const { createClient } = await import('/pkg/index.js');
    const longest = 4_294_967_295;
    const client = await createClient({
      url, mode: 'generic', connectTimeout: longest, heartbeat: { intervalMs: longest, timeoutMs: longest },
    });
    const errors = [];
    client.onError((error) => errors.push(error.code));
    client.connect();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const state = client.state;
    client.free();
    return { state, errors };
  }, `ws://127.0.0.1:${wss.address().port}`);
  assert.deepEqual(outcome, { state: 'open', errors: [] });
  assert.deepEqual(received, [], 'no ping went out');
});

/**
 * A WebSocket server that reads nothing until `resume()`: what a client
 * sends piles up in the socket. Records the first 12 characters of each
 * frame it reads.
 */
async function startServerThatStopsReading(t) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await once(wss, 'listening');
  t.after(() => wss.close());
  const received = [];
  const sockets = [];
  wss.on('connection', (socket) => {
    sockets.push(socket);
    socket.pause();
    socket.on('message', (data) => received.push(String(data).slice(0, 12)));
  });
  return { url: `ws://127.0.0.1:${wss.address().port}`, received, resume: () => sockets.forEach((s) => s.resume()) };
}

/** A page of the generic client, its page errors collected. */
async function floodPage(t) {
  const page = await browser.newPage();
  t.after(() => page.close());
  const pageErrors = collectPageErrors(page);
  await page.goto(`${siteUrl}/`);
  return { page, pageErrors };
}

const FRAME_BYTES = 60_012;
const BOUND = 1_048_576;

/**
 * Checks a flood's refusal: `outbox_full`, naming what the socket held,
 * which the frame would have taken over the bound; the client still open.
 */
function assertRefusedAtTheBound(flood) {
  assert.equal(flood.code, 'outbox_full', `refused before 2,000 frames (120 MB): ${JSON.stringify(flood)}`);
  const held = Number(/^the socket still holds (\d+) bytes not yet sent: this frame would take it over the bound of 1048576 bytes$/.exec(flood.message)?.[1]);
  assert.ok(held <= BOUND && held + FRAME_BYTES > BOUND, `held ${held} bytes: ${flood.message}`);
  assert.equal(flood.state, 'open', 'the connection stays usable');
}

/**
 * After the server reads again: every accepted frame arrives, in order,
 * then the frame sent once the socket has drained, and nothing else.
 */
async function everyAcceptedFrameArrives(server, page, accepted) {
  server.resume();
  await until('every accepted frame at the server', () => server.received.length === accepted, 20_000);
  await page.evaluate(() => {
    window.floodClient.sendText('after-drain');
    window.floodClient.free();
  });
  await until('the frame sent after the drain', () => server.received.length > accepted, 10_000);
  assert.deepEqual(server.received,
    [...Array.from({ length: accepted }, (_, i) => String(i).padStart(12, '0')), 'after-drain'],
    'in order, none lost, the refused one never written');
}

/**
 * Floods a generic client on `server` with frames of FRAME_BYTES, numbered,
 * until one is refused (at most 2,000: 120 MB): one per task once open
 * (`during: 'tasks'`), or all at once inside `onOpen` (`during: 'onOpen'`),
 * where none is written before the callback returns.
 */
function floodUntilRefused(page, server, during) {
  return page.evaluate(async ([url, bound, frameBytes, during]) => {
    const { createClient } = await import('/pkg/index.js');
    const client = await createClient({ url, mode: 'generic', maxBufferedBytes: bound });
    window.floodClient = client;
    const filler = 'x'.repeat(frameBytes - 12);
    let sent = 0;
    /** Sends up to `count` more frames; the refusal, if one came. */
    const send = (count) => {
      for (const end = sent + count; sent < end; sent += 1) {
        try {
          client.sendText(`${String(sent).padStart(12, '0')}${filler}`);
        } catch (error) {
          return { accepted: sent, code: error.code, message: error.message, state: client.state };
        }
      }
      return null;
    };
    const opened = new Promise((resolve) => {
      client.onOpen(() => resolve(during === 'onOpen' ? send(2_000) : null));
      client.connect();
    });
    let refused = await opened;
    while (!refused && sent < 2_000) {
      // One task per frame, so the socket may send between them: only a
      // server that reads nothing makes them pile up.
      await new Promise((resolve) => setTimeout(resolve, 0));
      refused = send(1);
    }
    return refused ?? { accepted: sent };
  }, [server.url, BOUND, FRAME_BYTES, during]);
}

test('a server that stops reading: sends that await no ack are refused as outbox_full past maxBufferedBytes, and every accepted one arrives', async (t) => {
  const server = await startServerThatStopsReading(t);
  const { page, pageErrors } = await floodPage(t);
  const flood = await floodUntilRefused(page, server, 'tasks');
  t.diagnostic(`accepted ${flood.accepted} frames before the refusal`);
  figures['stops reading, one frame per task'] = { accepted: flood.accepted };
  assertRefusedAtTheBound(flood);
  await everyAcceptedFrameArrives(server, page, flood.accepted);
  assert.deepEqual(pageErrors, []);
});

test('sends made inside onOpen, before any of them is written, count toward maxBufferedBytes too', async (t) => {
  const server = await startServerThatStopsReading(t);
  const { page, pageErrors } = await floodPage(t);
  const flood = await floodUntilRefused(page, server, 'onOpen');
  assertRefusedAtTheBound(flood);
  assert.equal(flood.accepted, Math.floor(BOUND / FRAME_BYTES), 'as many as the bound holds, though none was written while the callback ran');
  await everyAcceptedFrameArrives(server, page, flood.accepted);
  assert.deepEqual(pageErrors, []);
});
