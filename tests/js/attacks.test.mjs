// The reference server attacked as issue 15 describes, on loopback: each test
// fails on the server before that issue. Bounded in count and time. The
// figures of the run go to tests/artifacts/security.json (SECURITY.md quotes them).
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import WebSocket from 'ws';
import { root } from '../../scripts/lib.mjs';
import { createServer } from '../../server/app.mjs';
import { createAuth } from '../../server/auth.mjs';
import { createStaticHandler } from '../../server/static.mjs';
import { forLog } from '../../server/text.mjs';
import { openNonReader } from '../support/raw-ws.mjs';
import { until } from '../support/until.mjs';
import { connect } from '../support/ws-client.mjs';

const SECRET = 'attack-test-secret-of-at-least-32-bytes!';
const figures = {};
const scratch = mkdtempSync(join(tmpdir(), 'wsnotify-attacks-'));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const MiB = 1024 * 1024;

after(() => {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(join(root, 'tests', 'artifacts'), { recursive: true });
  writeFileSync(join(root, 'tests', 'artifacts', 'security.json'), `${JSON.stringify(figures, null, 2)}\n`);
});

/** A server with a secret, closed when test `t` ends. */
async function secureServer(t, options = {}) {
  const logs = [];
  const server = await createServer({ port: 0, tokenSecret: SECRET, log: (line) => logs.push(line), ...options });
  t.after(() => server.close());
  server.logs = logs;
  return server;
}

/** Connects as `userId` with a valid token and waits for the own join notification. */
async function joinAs(server, userId, extra = {}) {
  const client = await connect(server.wsUrl);
  const { token } = await server.auth.issue(userId);
  client.send({ type: 'init', userId, token, ...extra });
  await client.next((f) => f.type === 'notification' && f.message === `${userId} joined`, `${userId}'s join`);
  return client;
}

/** Runs `task(i)` for i in [0, count) with at most `width` at a time. */
async function pool(count, width, task) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) await task(next++);
  }));
}

test('every Object.prototype member name as type, before and after init: no crash, no echo', async (t) => {
  const server = await secureServer(t);
  const names = Object.getOwnPropertyNames(Object.prototype);
  const client = await connect(server.wsUrl);
  const sendAll = () => {
    for (const type of names) client.send({ type, token: 'tok-SECRET', message: 'body-SECRET' });
  };
  sendAll();
  client.send({ type: 'init', userId: 'proto', token: (await server.auth.issue('proto')).token });
  await client.next((f) => f.message === 'proto joined');
  sendAll();
  client.send({ type: 'ping' });
  await client.next((f) => f.type === 'pong');
  const errors = client.frames.filter((f) => f.type === 'error');
  assert.equal(errors.length, 2 * names.length);
  assert.ok(errors.every((f) => f.code === 'invalid_message' && f.message === 'unknown type'));
  assert.doesNotMatch(JSON.stringify(client.frames), /SECRET/, 'nothing of the frame is echoed');
  assert.equal(client.socket.readyState, WebSocket.OPEN);
  assert.equal(server.metrics().handlerErrors, 0);
  client.close();
  figures.prototypeNames = { names: names.length, framesSent: 2 * names.length, crashes: 0, handlerErrors: 0 };
});

test('a bug in a handler closes that socket with 1011 and the server goes on', async (t) => {
  const file = join(scratch, 'will-be-a-directory.jsonl');
  const server = await secureServer(t, { history: { file } });
  const victim = await joinAs(server, 'unlucky');
  rmSync(file);
  mkdirSync(file); // appending to the history now throws
  victim.send({ type: 'chat', fromUserId: 'unlucky', toUserId: 'unlucky', message: 'boom' });
  assert.equal((await victim.closed).code, 1011);
  assert.equal(server.metrics().handlerErrors, 1);
  assert.match(server.logs.join('\n'), /bug: handler failed for user="unlucky"/);
  const other = await connect(server.wsUrl);
  other.send({ type: 'ping' });
  await other.next((f) => f.type === 'pong');
  other.close();
});

test('init without a valid token for that user is refused: 4401 (missing, bad, foreign, expired) or 4403 (another user)', async (t) => {
  const server = await secureServer(t);
  const owner = await joinAs(server, 'owner');
  const author = await joinAs(server, 'author');
  author.send({ type: 'chat', fromUserId: 'author', toUserId: 'owner', message: 'private', id: 'p1' });
  await owner.next((f) => f.message === 'private');
  const foreign = await createAuth({ secret: 'another-secret-of-at-least-32-bytes!!' }).issue('owner');
  const expired = await server.auth.issue('owner', Date.now() - 2 * 3600 * 1000);
  const forBob = await server.auth.issue('bob');
  const attempts = [
    ['missing', undefined, 4401],
    ['garbage', 'not-a-token', 4401],
    ['unsigned', `${forBob.token.split('.').slice(0, 2).join('.')}.`, 4401],
    ['other secret', foreign.token, 4401],
    ['expired', expired.token, 4401],
    ["bob's token", forBob.token, 4403],
  ];
  const outcome = {};
  for (const [name, token, code] of attempts) {
    const intruder = await connect(server.wsUrl);
    // Impersonation, and a replay of the whole history from seq 0.
    intruder.send({ type: 'init', userId: 'owner', token, lastSeq: 0 });
    intruder.send({ type: 'chat', fromUserId: 'owner', toUserId: 'author', message: 'forged' });
    const closed = await intruder.closed;
    assert.equal(closed.code, code, name);
    assert.deepEqual(intruder.frames.filter((f) => f.type === 'chat' || f.type === 'resumed'), [], `${name}: nothing replayed`);
    outcome[name] = closed.code;
  }
  await sleep(100);
  assert.equal(owner.frames.filter((f) => f.message === 'private').length, 1, 'the owner saw no one read along');
  assert.equal(author.frames.filter((f) => f.message === 'forged').length, 0, 'nothing was sent in the owner\'s name');
  assert.equal(server.metrics().authFailures, attempts.length);
  owner.close();
  author.close();
  figures.impersonation = outcome;
});

test('a second init with another user id closes with 4403; the same id again is harmless', async (t) => {
  const server = await secureServer(t);
  const client = await joinAs(server, 'first');
  client.send({ type: 'init', userId: 'first', token: (await server.auth.issue('first')).token });
  client.send({ type: 'ping' });
  await client.next((f) => f.type === 'pong');
  client.send({ type: 'init', userId: 'second', token: (await server.auth.issue('second')).token });
  assert.equal((await client.closed).code, 4403);
});

test('the development login endpoint is off by default; when on, its tokens work and other sites cannot use it', async (t) => {
  const production = await secureServer(t);
  const refused = await fetch(new URL('/dev/login', production.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"userId":"ada"}' });
  assert.equal(refused.status, 404);

  const dev = await secureServer(t, { devLogin: true });
  assert.match(dev.logs.join('\n'), /development mode/);
  const login = (body, origin) => fetch(new URL('/dev/login', dev.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
    body: JSON.stringify(body),
  });
  const response = await login({ userId: 'ada' }, dev.url.replace(/\/$/, ''));
  assert.equal(response.status, 200);
  const { token, expiresAt } = await response.json();
  assert.ok(expiresAt > Date.now());
  const client = await connect(dev.wsUrl);
  client.send({ type: 'init', userId: 'ada', token });
  await client.next((f) => f.message === 'ada joined');
  client.close();
  assert.equal((await login({ userId: 'ada' }, 'http://evil.example')).status, 403);
  assert.equal((await login({ userId: 'a\u202eb' })).status, 400);
});

test('10,000 fake ids while a victim is online: every message reaches the victim in order, none dropped by the client rule', async (t) => {
  const server = await secureServer(t, { connections: { perAddress: 1000 } });
  const victim = await joinAs(server, 'victim');
  const sender = await joinAs(server, 'sender');
  const FAKES = 10_000;
  const MESSAGES = 20;
  const started = Date.now();
  let sent = 0;
  await pool(FAKES, 50, async (n) => {
    const fake = await connect(server.wsUrl);
    fake.send({ type: 'init', userId: `fake-${n}`, token: (await server.auth.issue(`fake-${n}`)).token });
    await fake.next((f) => f.message === `fake-${n} joined`);
    fake.close();
    await fake.closed;
    if (n % (FAKES / MESSAGES) === 0) sender.send({ type: 'chat', fromUserId: 'sender', toUserId: 'victim', message: `m${sent++}` });
  });
  await until('every message at the victim', () => victim.frames.filter((f) => f.type === 'chat').length >= MESSAGES, 10_000);
  // The SDK's rule: within an epoch, a seq not above the last one seen is a
  // duplicate and dropped; a new epoch starts the numbering afresh.
  let epoch;
  let last = 0;
  const delivered = [];
  for (const chat of victim.frames.filter((f) => f.type === 'chat')) {
    if (chat.epoch !== epoch) [epoch, last] = [chat.epoch, 0];
    if (chat.seq <= last) continue;
    last = chat.seq;
    delivered.push(chat.message);
  }
  assert.deepEqual(delivered, Array.from({ length: MESSAGES }, (_, n) => `m${n}`));
  const stats = server.metrics().history;
  assert.ok(stats.users <= 10_000, `${stats.users} users remembered`);
  victim.close();
  sender.close();
  figures.fakeIds = { fakeIds: FAKES, messages: MESSAGES, delivered: delivered.length, dropped: MESSAGES - delivered.length,
    usersRemembered: stats.users, seconds: Math.round((Date.now() - started) / 100) / 10 };
});

test('10 receivers that stop reading, under 29 MiB of broadcasts: slow readers closed, server memory bounded', async (t) => {
  const options = { port: 0, tokenSecret: SECRET, rateLimit: { perSecond: 10_000, burst: 10_000 } };
  const child = fork(join(root, 'tests', 'support', 'server-child.mjs'), [JSON.stringify(options)], { execArgv: ['--expose-gc'] });
  t.after(() => child.kill());
  const [{ wsUrl, port }] = await once(child, 'message');
  const ask = async (type) => {
    child.send({ type });
    return (await once(child, 'message'))[0];
  };
  const auth = createAuth({ secret: SECRET });
  const readers = [];
  for (let n = 0; n < 10; n += 1) {
    const userId = `stalled-${n}`;
    readers.push(await openNonReader(port, [{ type: 'init', userId, token: (await auth.issue(userId)).token }]));
  }
  t.after(() => readers.forEach((reader) => reader.close()));
  const broadcaster = await connect(wsUrl);
  broadcaster.send({ type: 'init', userId: 'loud', token: (await auth.issue('loud')).token });
  await broadcaster.next((f) => f.message === 'loud joined');
  await sleep(200);
  const { memory: baseline } = await ask('gc');

  const message = 'x'.repeat(60_000);
  const COUNT = 500; // 500 × 60,000 bytes = 28.6 MiB
  for (let n = 0; n < COUNT; n += 1) {
    broadcaster.send({ type: 'chat', fromUserId: 'loud', message, id: `b${n}` });
    if (n % 25 === 24) await broadcaster.next((f) => f.type === 'ack' && f.id === `b${n}`, `ack b${n}`);
  }
  await broadcaster.next((f) => f.type === 'ack' && f.id === `b${COUNT - 1}`);
  const { memory, metrics } = await ask('memory');
  const growth = memory.peak - baseline.current;
  assert.equal(metrics.slowReaderCloses, 10, 'every stalled reader was closed');
  const BOUND = 64 * MiB;
  assert.ok(growth < BOUND, `server memory grew by ${(growth / MiB).toFixed(1)} MiB`);
  broadcaster.close();
  figures.slowReaders = {
    receivers: 10, broadcastMiB: Math.round((COUNT * 60_000 / MiB) * 10) / 10, slowReaderCloses: metrics.slowReaderCloses,
    baselineMiB: Math.round(baseline.current / MiB * 10) / 10, peakGrowthMiB: Math.round(growth / MiB * 10) / 10,
    boundMiB: BOUND / MiB, historyMiB: Math.round(metrics.history.bytes / MiB * 10) / 10,
  };
});

test('2,000 users joining cost O(N) notification frames, not O(N²)', async (t) => {
  const server = await secureServer(t, { connections: { perAddress: 2500 } });
  const USERS = 2000;
  const clients = [];
  t.after(() => clients.forEach((client) => client.close()));
  let notifications = 0;
  const started = Date.now();
  await pool(USERS, 50, async (n) => {
    const client = await connect(server.wsUrl);
    client.socket.on('message', () => {
      notifications += 1;
    });
    clients.push(client);
    client.send({ type: 'init', userId: `crowd-${n}`, token: (await server.auth.issue(`crowd-${n}`)).token });
    await client.next((f) => f.message === `crowd-${n} joined`);
  });
  const joinedIn = Date.now() - started;
  // Until every client has heard of the last batch.
  let seen = -1;
  await until('quiet', async () => {
    const quiet = seen === notifications;
    seen = notifications;
    await sleep(300);
    return quiet;
  }, 20_000);
  const BOUND = 10 * USERS;
  assert.ok(notifications <= BOUND, `${notifications} notification frames for ${USERS} joins`);
  assert.equal(server.metrics().online, USERS);
  figures.presence = { joins: USERS, notificationFrames: notifications, perJoin: Math.round(notifications / USERS * 10) / 10,
    bound: BOUND, before: (USERS * (USERS + 1)) / 2, joinSeconds: Math.round(joinedIn / 100) / 10 };
});

test('a flooder is held to its rate by backpressure and other clients keep a short round trip', async (t) => {
  const server = await secureServer(t);
  const flooder = await joinAs(server, 'flooder');
  const calm = await joinAs(server, 'calm');
  const roundTrips = [];
  let measuring = true;
  const measure = (async () => {
    while (measuring) {
      const sentAt = performance.now();
      calm.send({ type: 'ping' });
      await calm.next((f) => f.type === 'pong', 'pong');
      roundTrips.push(performance.now() - sentAt);
      calm.frames.splice(0, calm.frames.length, ...calm.frames.filter((f) => f.type === 'chat'));
      await sleep(10);
    }
  })();
  const FLOOD = 100_000;
  const frame = JSON.stringify({ type: 'chat', fromUserId: 'flooder', message: 'spam'.repeat(50) });
  const started = performance.now();
  // In chunks, so that this process (which also measures) is not the one stalling.
  for (let n = 0; n < FLOOD; n += 1) {
    flooder.socket.send(frame);
    if (n % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
  }
  await sleep(3_000);
  measuring = false;
  await measure;
  const seconds = (performance.now() - started) / 1000;
  // Every flooded chat is a broadcast that reaches calm: count what the server let through.
  const relayed = calm.frames.filter((f) => f.type === 'chat' && f.fromUserId === 'flooder').length;
  const allowed = 100 + 20 * seconds;
  assert.ok(relayed > 0 && relayed <= allowed, `${relayed} of the flood relayed in ${seconds.toFixed(1)} s (rate allows ${Math.floor(allowed)})`);
  assert.equal(flooder.socket.readyState, WebSocket.OPEN, 'held back, not cut off');
  assert.deepEqual(flooder.frames.filter((f) => f.type === 'error'), [], 'nothing refused');
  const worst = Math.max(...roundTrips);
  const BOUND_MS = 250;
  assert.ok(worst < BOUND_MS, `worst round trip ${worst.toFixed(1)} ms`);
  flooder.close();
  calm.close();
  figures.flood = { framesQueued: FLOOD, seconds: Math.round(seconds * 10) / 10, relayed, roundTrips: roundTrips.length,
    worstRoundTripMs: Math.round(worst * 10) / 10, boundMs: BOUND_MS };
});

test('a peer that pushes more than may wait for its rate in one go is closed with 4429', async (t) => {
  const server = await secureServer(t, { rateLimit: { perSecond: 1, burst: 1, maxQueued: 100 } });
  const flooder = await joinAs(server, 'burst-flooder');
  // One synchronous burst: the server reads it before it can pause the socket.
  for (let n = 0; n < 1_000; n += 1) flooder.send({ type: 'ping' });
  const closed = await flooder.closed;
  assert.equal(closed.code, 4429);
  assert.equal(server.metrics().rateLimitCloses, 1);
  figures.floodPastBound = { frames: 1_000, maxQueued: 100, closeCode: closed.code };
});

test('the largest chat the server accepts is relayed in a frame within the client\'s 65,536 bytes', async (t) => {
  const server = await secureServer(t);
  const longest = 'l'.repeat(64);
  const from = await joinAs(server, longest);
  const to = await joinAs(server, `${longest.slice(1)}t`);
  const chatOf = (length, id = `len-${length}`) => ({ type: 'chat', fromUserId: longest, toUserId: `${longest.slice(1)}t`, message: 'é'.repeat(length), id });
  const accepts = async (length) => {
    const id = `len-${length}`;
    from.send(chatOf(length));
    const answer = await from.next((f) => f.id === id && (f.type === 'ack' || f.type === 'error'));
    return answer.type === 'ack';
  };
  // 'é' is two bytes. The longest message whose client frame fits the 64 KiB payload cap:
  let high = 32_768;
  while (Buffer.byteLength(JSON.stringify(chatOf(high))) > 65_536) high -= 1;
  let low = 1;
  assert.equal(await accepts(high), false, 'a message whose relay would not fit is refused');
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (await accepts(middle)) low = middle;
    else high = middle;
  }
  const relayed = [];
  to.socket.on('message', (data) => relayed.push(data.length));
  // The same length once more, with an id of the same length, to catch its relay.
  const id = `max-${low}`;
  from.send(chatOf(low, id));
  await to.next((f) => f.id === id, 'the largest chat');
  const size = Math.max(...relayed);
  assert.ok(size <= 65_536, `relayed frame of ${size} bytes`);
  const refused = await from.next((f) => f.id === `len-${high}`);
  assert.deepEqual([refused.code, refused.message], ['invalid_message', 'message too long']);
  from.close();
  to.close();
  figures.maxChat = { largestMessageBytes: low * 2, relayedFrameBytes: size, clientLimitBytes: 65_536 };
});

test('a chat with a lone surrogate is refused, as the client would refuse it', async (t) => {
  const server = await secureServer(t);
  const client = await joinAs(server, 'surrogate');
  client.send('{"type":"chat","fromUserId":"surrogate","message":"a\\ud800b","id":"s1"}');
  const error = await client.next((f) => f.type === 'error');
  assert.equal(error.code, 'invalid_message');
  client.close();
});

test('DNS rebinding: a page whose Origin matches its own Host header is still refused', async (t) => {
  const server = await secureServer(t);
  const host = `rebound.example:${server.port}`;
  const socket = new WebSocket(server.wsUrl, { origin: `http://${host}`, headers: { host } });
  socket.on('error', () => {});
  const [, response] = await once(socket, 'unexpected-response');
  assert.equal(response.statusCode, 403);
  socket.terminate();
  const own = await connect(server.wsUrl, { origin: server.url.replace(/\/$/, '') });
  own.close();
});

test('connections are capped per address and in total', async (t) => {
  const server = await secureServer(t, { connections: { perAddress: 3, total: 5 } });
  const open = [];
  t.after(() => open.forEach((client) => client.close()));
  for (let n = 0; n < 3; n += 1) open.push(await connect(server.wsUrl));
  const refusal = async (options = {}) => {
    const socket = new WebSocket(server.wsUrl, options);
    socket.on('error', () => {});
    const [, response] = await once(socket, 'unexpected-response');
    socket.terminate();
    return response.statusCode;
  };
  assert.equal(await refusal(), 429);
  // Another loopback address is another peer.
  for (let n = 0; n < 2; n += 1) open.push(await connect(server.wsUrl, { localAddress: '127.0.0.2' }));
  assert.equal(await refusal({ localAddress: '127.0.0.3' }), 503);
  assert.equal(server.metrics().connectionsRefused, 2);
});

test('connections that never finish their request are capped like WebSockets and closed after the handshake timeout', async (t) => {
  const server = await secureServer(t, { connections: { perAddress: 3, total: 5, handshakeTimeoutMs: 3_000 } });
  const { port } = new URL(server.wsUrl);
  const sockets = [];
  t.after(() => sockets.forEach((socket) => socket.destroy()));
  /** A TCP connection that starts a handshake and never ends its headers; resolves once connected. */
  const trickle = async (localAddress = '127.0.0.1') => {
    const socket = createConnection({ port: Number(port), host: '127.0.0.1', localAddress });
    socket.on('error', () => {});
    sockets.push(socket);
    await once(socket, 'connect');
    socket.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
    return socket;
  };
  // Three WebSockets from one address, then three unfinished requests from it:
  // a WebSocket no longer counts once its handshake is through.
  const open = [];
  t.after(() => open.forEach((client) => client.close()));
  for (let n = 0; n < 3; n += 1) open.push(await connect(server.wsUrl));
  const pending = [await trickle(), await trickle(), await trickle()];
  const fourth = await trickle();
  await until('the fourth request cut', () => fourth.destroyed);
  assert.equal(server.metrics().connectionsRefused, 1, 'the fourth unfinished request from one address is cut at once');
  assert.ok(pending.every((socket) => !socket.destroyed), 'the first three are within the cap');
  // The total holds too, across addresses.
  await trickle('127.0.0.2');
  await trickle('127.0.0.2');
  const overTotal = await trickle('127.0.0.3');
  await until('the request over the total cut', () => overTotal.destroyed);
  assert.equal(server.metrics().connectionsRefused, 2);
  // Past the timeout the server closes them all, and the address may connect again.
  await until('the unfinished requests closed by the server', () => pending.every((socket) => socket.destroyed));
  for (const client of open) client.close();
  await Promise.all(open.map((client) => client.closed));
  open.length = 0;
  open.push(await connect(server.wsUrl));
});

test('user ids with control, bidi, ANSI or look-alike space characters are refused, and ids are logged escaped', async (t) => {
  const server = await secureServer(t);
  const client = await connect(server.wsUrl);
  // Each would pass for another name, or for none, on a page or in a terminal.
  const refused = ['ansi\u001b[2J', 'bidi\u202egnp.exe', 'bell\u0007', 'line\nbreak',
    'ada ', ' ada', 'ada  lovelace', '   ', 'ada\u00a0', 'ada\u2003', '\u3000\u3000'];
  for (const userId of refused) client.send({ type: 'init', userId });
  client.send({ type: 'ping' });
  await client.next((f) => f.type === 'pong');
  assert.equal(client.frames.filter((f) => f.code === 'invalid_message').length, refused.length);
  client.close();
  const spaced = await joinAs(server, 'ada lovelace');
  spaced.close();
  for (const line of server.logs) assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u202e]/u);
  assert.equal(forLog('Zoë\u001b[31m"'), '"Zo\\u00eb\\u001b[31m\\""');
});

test('the static server follows no symbolic link out of its directory', async (t) => {
  const dir = join(scratch, 'site');
  mkdirSync(dir);
  writeFileSync(join(dir, 'index.html'), 'home');
  writeFileSync(join(scratch, 'secret.txt'), 'SECRET');
  symlinkSync(join(scratch, 'secret.txt'), join(dir, 'leak.txt'));
  symlinkSync(scratch, join(dir, 'up'));
  const site = createHttpServer(createStaticHandler([{ prefix: '/', dir }]));
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  t.after(() => site.close());
  const base = `http://127.0.0.1:${site.address().port}`;
  assert.equal(await (await fetch(`${base}/`)).text(), 'home');
  for (const path of ['/leak.txt', '/up/secret.txt']) assert.equal((await fetch(`${base}${path}`)).status, 404, path);
});
