// The reference server's protocol, limits and operations, driven by Node clients.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { root } from '../../scripts/lib.mjs';
import { createRateLimiter, createServer } from '../../server/app.mjs';
import { TOKEN_ISSUER } from '../../server/auth.mjs';
import { createMemoryChatRate } from '../../server/chat-rate/memory.mjs';
import { connect } from '../support/ws-client.mjs';

let server;
const logs = [];
const SECRET = 'server-test-secret-of-at-least-32-bytes';

before(async () => {
  server = await createServer({
    port: 0,
    tokenSecret: SECRET,
    initTimeoutMs: 300,
    pingIntervalMs: 200,
    rateLimit: { perSecond: 5, burst: 10 },
    log: (line) => logs.push(line),
  });
});
after(() => server.close());

const tokenFor = async (userId) => (await server.auth.issue(userId)).token;

const join_ = async (userId) => {
  const client = await connect(server.wsUrl);
  client.send({ type: 'init', userId, token: await tokenFor(userId) });
  await client.next((f) => f.type === 'notification' && f.message === `${userId} joined`, `${userId}'s join`);
  return client;
};

test('chat: direct to one user (and the sender), broadcast to everyone, stamped and acked', async (t) => {
  const ada = await join_('ada');
  const bob = await join_('bob');
  const eve = await join_('eve');
  t.after(() => [ada, bob, eve].forEach((c) => c.close()));
  ada.send({ type: 'chat', fromUserId: 'ada', toUserId: 'bob', message: 'psst', id: 'a1' });
  const direct = await bob.next((f) => f.type === 'chat' && f.message === 'psst');
  assert.equal(direct.fromUserId, 'ada');
  assert.equal(direct.toUserId, 'bob');
  assert.ok(!Number.isNaN(Date.parse(direct.timestamp)));
  await ada.next((f) => f.type === 'chat' && f.message === 'psst', "the sender's copy");
  await ada.next((f) => f.type === 'ack' && f.id === 'a1', 'the ack');
  ada.send({ type: 'chat', fromUserId: 'ada', message: 'all' });
  await Promise.all([bob, eve].map((c) => c.next((f) => f.type === 'chat' && f.message === 'all')));
  assert.equal(eve.frames.some((f) => f.message === 'psst'), false, 'a direct message reaches no one else');
});

test('join and leave notifications carry the online count', async () => {
  const first = await join_('n1');
  const second = await join_('n2');
  // Joins within one presence batch are named together ("n1 and n2 joined").
  const joined = await first.next((f) => /\bn2\b.* joined$/.test(f.message ?? ''));
  assert.equal(joined.online, server.connections());
  second.close();
  const left = await first.next((f) => /\bn2\b.* left$/.test(f.message ?? ''));
  assert.equal(left.online, joined.online - 1);
  first.close();
});

test('a chat to an offline user gets recipient_offline with its id', async () => {
  const ada = await join_('lonely');
  ada.send({ type: 'chat', fromUserId: 'lonely', toUserId: 'nobody', message: 'hi', id: 'x9' });
  const error = await ada.next((f) => f.type === 'error');
  assert.deepEqual([error.code, error.id], ['recipient_offline', 'x9']);
  ada.close();
});

test('invalid frames get invalid_message and the connection keeps working', async () => {
  const client = await join_('sloppy');
  for (const bad of ['{', '[]', '{"type":"chat","fromUserId":"sloppy"}', '{"type":"nope"}']) client.send(bad);
  client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
  client.send({ type: 'ping' });
  await client.next((f) => f.type === 'pong');
  assert.equal(client.frames.filter((f) => f.type === 'error' && f.code === 'invalid_message').length, 5);
  client.close();
});

test('chat before init, or as another user, is unauthorized', async () => {
  const client = await connect(server.wsUrl);
  client.send({ type: 'chat', fromUserId: 'x', message: 'm' });
  assert.equal((await client.next((f) => f.type === 'error')).code, 'unauthorized');
  client.send({ type: 'init', userId: 'real', token: await tokenFor('real') });
  client.send({ type: 'chat', fromUserId: 'fake', message: 'm', id: 'f1' });
  assert.equal((await client.next((f) => f.id === 'f1')).code, 'unauthorized');
  client.close();
});

test("a token an application signs itself with the claims README.md and SECURITY.md name is accepted; one without the issuer or exp is not", async () => {
  for (const doc of ['README.md', 'SECURITY.md']) {
    const text = readFileSync(join(root, doc), 'utf8');
    assert.ok(text.includes(`\`${TOKEN_ISSUER}\``) && text.includes('`exp`'), `${doc} names the issuer and exp`);
  }
  const signed = (claims) => {
    const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('minted');
    if (claims.iss) jwt.setIssuer(claims.iss);
    if (claims.exp) jwt.setExpirationTime('5m');
    return jwt.sign(new TextEncoder().encode(SECRET));
  };
  const initWith = async (token) => {
    const client = await connect(server.wsUrl);
    client.send({ type: 'init', userId: 'minted', token });
    return client;
  };
  const accepted = await initWith(await signed({ iss: TOKEN_ISSUER, exp: true }));
  await accepted.next((f) => f.type === 'notification' && f.message === 'minted joined', 'the join');
  accepted.close();
  for (const claims of [{ exp: true }, { iss: TOKEN_ISSUER }]) {
    const refused = await initWith(await signed(claims));
    assert.deepEqual(await refused.closed, { code: 4401, reason: 'invalid token' }, JSON.stringify(claims));
  }
});

test('a connection without init is closed with 4401', async () => {
  const client = await connect(server.wsUrl);
  assert.deepEqual(await client.closed, { code: 4401, reason: 'init required' });
});

test('by default an unauthenticated socket is closed with 4401 after 10 s', async (t) => {
  const defaults = await createServer({ port: 0, tokenSecret: SECRET, log: () => {} });
  t.after(() => defaults.close());
  const started = Date.now();
  const client = await connect(defaults.wsUrl);
  assert.equal((await client.closed).code, 4401);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 9_900 && elapsed < 11_000, `closed after ${elapsed} ms`);
});

test('frames over 64 KiB are refused by closing with 1009', async () => {
  const client = await join_('big');
  client.send({ type: 'chat', fromUserId: 'big', message: 'x'.repeat(70_000) });
  assert.equal((await client.closed).code, 1009);
});

test('a connection over its rate is slowed down, not refused: every frame is handled, in order, none before its token', async () => {
  const client = await join_('fast');
  const started = performance.now();
  // Init took one of the 10 tokens of the burst; 20 chats and a ping need 12 more at 5/s.
  for (let n = 0; n < 20; n += 1) client.send({ type: 'chat', fromUserId: 'fast', toUserId: 'fast', message: `${n}`, id: `r${n}` });
  client.send({ type: 'ping' });
  const pong = await client.next((f) => f.type === 'pong', 'the pong');
  const elapsed = performance.now() - started;
  const acks = client.frames.filter((f) => f.type === 'ack').map((f) => f.id);
  assert.deepEqual(acks, Array.from({ length: 20 }, (_, n) => `r${n}`), 'every chat acked, in order, before the pong');
  assert.ok(client.frames.indexOf(pong) > client.frames.findLastIndex((f) => f.type === 'ack'));
  assert.deepEqual(client.frames.filter((f) => f.type === 'error'), [], 'nothing refused');
  assert.ok(elapsed >= 2_000, `handled within ${Math.round(elapsed)} ms: faster than the rate`);
  client.close();
});

test('a user over its chat rate through three connections: chats wait their turn, and one that would wait longer than the burst takes to refill is refused with its id', async (t) => {
  const limited = await createServer({ port: 0, tokenSecret: SECRET, chatRate: { perSecond: 2, burst: 1 }, log: () => {} });
  t.after(() => limited.close());
  const open = async () => {
    const client = await connect(limited.wsUrl);
    client.send({ type: 'init', userId: 'twin', token: (await limited.auth.issue('twin')).token });
    // Frames are handled in order: the pong says that init was.
    client.send({ type: 'ping' });
    await client.next((f) => f.type === 'pong', 'the pong after init');
    return client;
  };
  const clients = { a: await open(), b: await open(), c: await open() };
  const started = performance.now();
  const ids = [];
  for (let n = 0; n < 3; n += 1) {
    for (const [name, client] of Object.entries(clients)) {
      const id = `${name}${n}`;
      ids.push(id);
      client.send({ type: 'chat', fromUserId: 'twin', toUserId: 'twin', message: id, id });
    }
  }
  const answered = (client, id) => client.next((f) => f.id === id && (f.type === 'ack' || f.type === 'error'), `the answer to ${id}`);
  const answers = await Promise.all(ids.map((id) => answered(clients[id[0]], id)));
  const seconds = (performance.now() - started) / 1000;
  const acked = answers.filter((f) => f.type === 'ack').length;
  const refused = answers.filter((f) => f.type === 'error');
  assert.ok(refused.length > 0, 'past the bound, refused');
  assert.ok(refused.every((f) => f.code === 'rate_limited'), JSON.stringify(refused));
  assert.ok(acked >= 2 && acked <= 1 + 2 * seconds + 1, `${acked} acked in ${seconds.toFixed(2)} s`);
  for (const client of Object.values(clients)) {
    const once = client.frames.filter((f) => f.type === 'ack' || f.type === 'error').map((f) => f.id);
    assert.equal(new Set(once).size, once.length, 'one answer per chat');
  }
  for (const client of Object.values(clients)) client.close();
});

test('a user who reconnects gets no new burst: its chat rate holds across its connections over time', async (t) => {
  const limited = await createServer({ port: 0, tokenSecret: SECRET, chatRate: { perSecond: 0.5, burst: 3 }, log: () => {} });
  t.after(() => limited.close());
  const token = (await limited.auth.issue('hopper')).token;
  const session = async (ids) => {
    const client = await connect(limited.wsUrl);
    client.send({ type: 'init', userId: 'hopper', token });
    const started = performance.now();
    for (const id of ids) client.send({ type: 'chat', fromUserId: 'hopper', toUserId: 'hopper', message: id, id });
    for (const id of ids) await client.next((f) => f.id === id && f.type === 'ack', `the ack of ${id}`);
    const elapsed = performance.now() - started;
    client.close();
    await client.closed;
    return elapsed;
  };
  await session(['a', 'b', 'c']); // the whole burst
  // Right after, as a client that closes and reconnects at once would: its
  // bucket is still empty, so the chat waits for its token (2 s at 0.5/s,
  // less the time the reconnection took).
  const elapsed = await session(['d']);
  assert.ok(elapsed >= 1_000, `acked after ${Math.round(elapsed)} ms: a reconnection refilled the bucket`);
});

test('the chat rate forgets the bucket of a user who left once it has refilled, not before', async () => {
  const rate = createMemoryChatRate({ perSecond: 50, burst: 2 });
  assert.deepEqual([rate.reserve('left', 1_000), rate.reserve('left', 1_000)], [0, 0]);
  rate.forget('left');
  assert.equal(rate.size(), 1, 'kept while empty');
  assert.ok(rate.reserve('left', 1_000) > 0, 'a user back at once finds its bucket as it left it');
  rate.forget('left');
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(rate.size(), 0, 'forgotten once full: the map holds only recent users');
  rate.close();
});

test('the token bucket says how long until its next token', () => {
  let now = 0;
  const limiter = createRateLimiter({ perSecond: 4, burst: 1 }, () => now);
  assert.equal(limiter.waitMs(), 0);
  assert.equal(limiter.take(), true);
  assert.equal(limiter.waitMs(), 250);
  now += 100;
  assert.equal(limiter.waitMs(), 150);
  now += 150;
  assert.deepEqual([limiter.waitMs(), limiter.take()], [0, true]);
});

test('reserved tokens are served in turn, and a wait past the bound takes nothing', () => {
  let now = 0;
  const limiter = createRateLimiter({ perSecond: 10, burst: 1 }, () => now);
  // Three takers ask at once: each is due one token period after the previous one.
  assert.deepEqual([limiter.reserve(1_000), limiter.reserve(1_000), limiter.reserve(1_000)], [0, 100, 200]);
  assert.equal(limiter.reserve(250), -1, 'due in 300 ms: refused');
  assert.equal(limiter.reserve(300), 300, 'the refusal took nothing');
  // Four tokens owed: 300 ms later, the next is due in 100 ms.
  now += 300;
  assert.equal(limiter.waitMs(), 100);
});

test('the token bucket refills at its rate', () => {
  let now = 0;
  const limiter = createRateLimiter({ perSecond: 2, burst: 2 }, () => now);
  assert.deepEqual([limiter.take(), limiter.take(), limiter.take()], [true, true, false]);
  now += 500;
  assert.deepEqual([limiter.take(), limiter.take()], [true, false]);
});

test('a client that stops answering protocol pings is terminated', async () => {
  const client = await join_('frozen');
  const silent = await connect(server.wsUrl, { autoPong: false });
  silent.send({ type: 'init', userId: 'frozen-silent', token: await tokenFor('frozen-silent') });
  assert.equal((await silent.closed).code, 1006);
  assert.equal(client.socket.readyState, WebSocket.OPEN, 'a client that answers stays');
  client.close();
});

test('a client whose frames wait (the socket paused) is spared the ping check while they are handled, not when they are stuck', async (t) => {
  // The second chat waits 100 s for its token: the connection stops making progress.
  const stuck = await createServer({ port: 0, tokenSecret: SECRET, pingIntervalMs: 200, chatRate: { perSecond: 0.01, burst: 1 }, log: () => {} });
  t.after(() => stuck.close());
  const silent = await connect(stuck.wsUrl, { autoPong: false });
  silent.send({ type: 'init', userId: 'stuck', token: (await stuck.auth.issue('stuck')).token });
  for (let n = 0; n < 3; n += 1) silent.send({ type: 'chat', fromUserId: 'stuck', toUserId: 'stuck', message: `${n}`, id: `s${n}` });
  const started = performance.now();
  assert.equal((await silent.closed).code, 1006, 'terminated');
  const ms = performance.now() - started;
  assert.ok(ms < 2_000, `after ${Math.round(ms)} ms`);
});

test('a handshake from a foreign Origin is rejected', async () => {
  const socket = new WebSocket(server.wsUrl, { origin: 'http://evil.example' });
  // Aborting a refused handshake makes `ws` report an error; it is expected here.
  socket.on('error', () => {});
  const [, response] = await once(socket, 'unexpected-response');
  assert.equal(response.statusCode, 403);
  socket.terminate();
  const allowed = await connect(server.wsUrl, { origin: server.url.replace(/\/$/, '') });
  allowed.close();
});

test('the log names events and users, never message bodies or tokens', async () => {
  const client = await connect(server.wsUrl);
  const token = await tokenFor('logged');
  client.send({ type: 'init', userId: 'logged', token });
  client.send({ type: 'chat', fromUserId: 'logged', toUserId: 'logged', message: 'body-SECRET-456' });
  await client.next((f) => f.message === 'body-SECRET-456');
  client.close();
  await client.closed;
  const intruder = await connect(server.wsUrl);
  intruder.send({ type: 'init', userId: 'logged', token: 'tok-SECRET-123' });
  await intruder.closed;
  await new Promise((resolve) => setTimeout(resolve, 50));
  const text = logs.join('\n');
  assert.match(text, /init user="logged"/);
  assert.doesNotMatch(text, /SECRET/);
  assert.ok(!text.includes(token), 'no token in the log');
});

/** Starts `node server/index.mjs` on a free port with `env`; resolves to { child, url }. */
async function startChild(env) {
  const child = spawn(process.execPath, [join(root, 'server', 'index.mjs')], {
    env: { ...process.env, PORT: '0', WSNOTIFY_TOKEN_SECRET: SECRET, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${output}`)), 5_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(`ws://127.0.0.1:${match[1]}/ws`);
      }
    });
  });
  return { child, url };
}

test('SIGINT closes clients with 1001 and exits cleanly', async () => {
  const { child, url } = await startChild({});
  const client = await connect(url);
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  assert.equal((await client.closed).code, 1001);
  const [code] = await exited;
  assert.equal(code, 0);
});

test('SIGTERM drains: a reconnect hint within the window, 1012 for who stays, then a clean exit', async () => {
  const { child, url } = await startChild({ WSNOTIFY_DRAIN_MS: '600' });
  const client = await connect(url);
  const exited = once(child, 'exit');
  const started = Date.now();
  child.kill('SIGTERM');
  const hint = await client.next((frame) => frame.type === 'reconnect', 'a reconnect hint');
  assert.ok(Number.isInteger(hint.afterMs) && hint.afterMs >= 0 && hint.afterMs <= 600, JSON.stringify(hint));
  // This client ignores the hint: it is closed with 1012 at the end of the window.
  assert.equal((await client.closed).code, 1012);
  assert.ok(Date.now() - started >= 500, 'not before the window ends');
  const [code] = await exited;
  assert.equal(code, 0);
});

test('without a secret the server refuses to start, with a clear message and exit code 1', () => {
  const env = { ...process.env, PORT: '0' };
  for (const name of ['WSNOTIFY_TOKEN_SECRET', 'WSNOTIFY_DEV', 'WSNOTIFY_INSECURE_DEV_IDENTITY']) delete env[name];
  const result = spawnSync(process.execPath, [join(root, 'server', 'index.mjs')], { env, encoding: 'utf8', timeout: 10_000 });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /WSNOTIFY_TOKEN_SECRET/);
});

test('createServer without a secret throws unless insecure dev identity is asked for, which logs a warning', async () => {
  await assert.rejects(createServer({ port: 0, log: () => {} }), /token secret/);
  const lines = [];
  const insecure = await createServer({ port: 0, insecureDevIdentity: true, log: (line) => lines.push(line) });
  await insecure.close();
  assert.match(lines.join('\n'), /WARNING: insecure dev identity/);
});
