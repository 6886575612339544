// The kit's scripted server in its wsnotify dialect and the real reference
// server give the same answers to the same script: init, chat, ack, pong,
// resume (recovered or not), de-duplication and the error codes.
//
// Comparison rules: each step's answers are read up to a barrier (a `ping`
// answered by `pong`, which is compared too, or the close of the socket), in
// order. A chat's
// `timestamp` must be an ISO 8601 date and is then replaced by "<timestamp>";
// an epoch is replaced by "<epoch N>", N counting distinct epochs in order of
// appearance, so both servers must reuse and renew epochs at the same steps.
// Notifications about other users' joins and leaves are left out (the
// reference server batches them in time); the script has one initialised
// user at a time, so none should come anyway. Close codes are compared; close
// reasons too.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { root } from '../../scripts/lib.mjs';
import { createServer } from '../../server/app.mjs';

const kit = await import(join(root, 'pkg', 'testing.js'));
const WAIT_MS = 5_000;

let reference;
before(async () => {
  // No rate limit on the reference either: the script sends 1,000 chats at once.
  const unlimited = { perSecond: 1_000_000, burst: 1_000_000 };
  reference = await createServer({ port: 0, insecureDevIdentity: true, rateLimit: unlimited, chatRate: unlimited, log: () => {} });
});
after(() => reference?.close());

/** A socket (any WebSocket class) whose frames are read step by step. */
async function open(WebSocketClass, url) {
  const socket = new WebSocketClass(url);
  socket.binaryType = 'arraybuffer';
  const frames = [];
  let closeInfo = null;
  let wake = () => {};
  socket.addEventListener('message', (event) => {
    frames.push(typeof event.data === 'string' ? JSON.parse(event.data) : '<binary>');
    wake();
  });
  socket.addEventListener('close', (event) => {
    closeInfo = { close: event.code, reason: event.reason };
    wake();
  });
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', () => reject(new Error(`cannot open ${url}`)), { once: true });
  });
  /** Waits until `done()` holds, at most WAIT_MS. */
  const until = (done, what) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(frames)}`)), WAIT_MS);
    wake = () => {
      if (!done()) return;
      clearTimeout(timer);
      wake = () => {};
      resolve();
    };
    wake();
  });
  return {
    /** Sends each frame, then reads every answer up to the barrier. */
    async step(...sent) {
      for (const frame of sent) socket.send(typeof frame === 'string' || frame instanceof Uint8Array ? frame : JSON.stringify(frame));
      socket.send(JSON.stringify({ type: 'ping' }));
      await until(() => frames.some((frame) => frame.type === 'pong') || closeInfo, 'the barrier');
      // The pong is part of the answers: both servers must send it, last.
      const index = frames.findIndex((frame) => frame.type === 'pong');
      const answers = index === -1 ? frames.splice(0) : frames.splice(0, index + 1);
      return closeInfo ? [...answers, closeInfo] : answers;
    },
    /** Closes, and resolves once the close event came. */
    async close() {
      socket.close();
      await until(() => closeInfo, 'the close');
    },
  };
}

/** Resolves once `count()` is 0, polling every 10 ms for at most WAIT_MS. */
async function drained(count) {
  for (let waited = 0; count() > 0; waited += 10) {
    if (waited > WAIT_MS) throw new Error('a closed connection is still counted by the server');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The script: the same steps against either server; returns what each step
 * got. `openCount()` is how many connections the server holds: each session
 * starts once the previous one has left (so a join is always announced).
 */
async function runScript(WebSocketClass, url, openCount) {
  const next = async () => {
    await drained(openCount);
    return open(WebSocketClass, url);
  };
  const transcript = [];
  const record = async (label, answers) => transcript.push({ label, answers: await answers });

  const ada = await next();
  await record('a ping alone: pong', ada.step());
  await record('init: own join notification', ada.step({ type: 'init', userId: 'ada' }));
  await record('chat to everyone: relayed, numbered, acked', ada.step({ type: 'chat', fromUserId: 'ada', message: 'hello', id: 'a1' }));
  await record('the same chat again: acked, not relayed', ada.step({ type: 'chat', fromUserId: 'ada', message: 'hello', id: 'a1' }));
  await record('chat to oneself', ada.step({ type: 'chat', fromUserId: 'ada', toUserId: 'ada', message: 'note', id: 'a2' }));
  await record('chat without an id: not acked', ada.step({ type: 'chat', fromUserId: 'ada', message: 'no id' }));
  await record('recipient_offline', ada.step({ type: 'chat', fromUserId: 'ada', toUserId: 'ghost', message: 'boo', id: 'a3' }));
  await record('unauthorized sender', ada.step({ type: 'chat', fromUserId: 'eve', message: 'spoof', id: 'a4' }));
  await record('invalid frames', ada.step(
    'not json', '[1]', { type: 5 }, { type: 'nope' }, { type: 'chat', fromUserId: 'ada', message: 5 },
    { type: 'chat', fromUserId: '', message: 'x' }, { type: 'chat', fromUserId: 'ada', message: 'x', id: '' },
    { type: 'init', userId: 'ada', lastSeq: -1 }, { type: 'init', userId: 'ada', epoch: 'has space' },
    new Uint8Array([1, 2, 3]),
  ));
  await record('a second init as the same user is ignored', ada.step({ type: 'init', userId: 'ada' }));
  await ada.close();

  const early = await next();
  await record('chat before init', early.step({ type: 'chat', fromUserId: 'bob', message: 'hi', id: 'b1' }));
  await early.close();

  const back = await next();
  const [{ answers: [, firstChat] }] = transcript.filter((entry) => entry.label.startsWith('chat to everyone'));
  await record('resume after seq 1: recovered, the rest replayed', back.step({ type: 'init', userId: 'ada', lastSeq: 1, epoch: firstChat.epoch }));
  await back.close();

  const stale = await next();
  await record('resume from an unknown epoch: not recovered, all replayed', stale.step({ type: 'init', userId: 'ada', lastSeq: 3, epoch: 'old-epoch' }));
  await record('init as another user on the same socket: 4403', stale.step({ type: 'init', userId: 'mallory' }));

  const rex = await next();
  await record('init as rex', rex.step({ type: 'init', userId: 'rex' }));
  const toSelf = (n) => ({ type: 'chat', fromUserId: 'rex', toUserId: 'rex', message: `m${n}`, id: `r${n}` });
  await record('1,001 chats with ids', rex.step(...Array.from({ length: 1_001 }, (_, n) => toSelf(n))));
  await record('the first id again, 1,000 ids later: forgotten, relayed again', rex.step(toSelf(0)));
  // Accepting r0 again made r1 the oldest forgotten; r2 is still remembered.
  await record('the third id again: remembered, acked only', rex.step(toSelf(2)));
  await record('a frame over 64 KiB: 1009', rex.step({ type: 'chat', fromUserId: 'rex', message: 'x'.repeat(70_000) }));
  return transcript;
}

/** Identity: init without a token, with a bad one, with another user's, with a good one. */
async function runTokenScript(WebSocketClass, url, openCount, tokenFor) {
  const transcript = [];
  const attempt = async (label, init) => {
    await drained(openCount);
    const session = await open(WebSocketClass, url);
    transcript.push({ label, answers: await session.step(init) });
    await session.close();
  };
  await attempt('no token: 4401', { type: 'init', userId: 'ada' });
  await attempt('a bad token: 4401', { type: 'init', userId: 'ada', token: 'not-a-token' });
  await attempt("another user's token: 4403", { type: 'init', userId: 'ada', token: await tokenFor('bob') });
  await attempt('a good token: joined', { type: 'init', userId: 'ada', token: await tokenFor('ada') });
  return transcript;
}

/** Applies the comparison rules to a transcript. */
function normalise(transcript) {
  const epochs = new Map();
  const epoch = (value) => {
    if (!epochs.has(value)) epochs.set(value, `<epoch ${epochs.size + 1}>`);
    return epochs.get(value);
  };
  return transcript.map(({ label, answers }) => ({
    label,
    answers: answers
      .filter((frame) => !(frame.type === 'notification' && !/^ada joined$/.test(frame.message)))
      .map((frame) => {
        const copy = { ...frame };
        if ('timestamp' in copy) {
          assert.ok(!Number.isNaN(Date.parse(copy.timestamp)) && copy.timestamp.endsWith('Z'), `${label}: timestamp ${copy.timestamp}`);
          copy.timestamp = '<timestamp>';
        }
        if (typeof copy.epoch === 'string') copy.epoch = epoch(copy.epoch);
        return copy;
      }),
  }));
}

test('the kit and the reference server answer the same script with the same frames and close codes', async () => {
  const expected = normalise(await runScript(WebSocket, reference.wsUrl, () => reference.connections()));
  const server = kit.createScriptedServer({ dialect: 'wsnotify', url: 'ws://kit.test/ws' });
  let actual;
  try {
    actual = normalise(await runScript(globalThis.WebSocket, 'ws://kit.test/ws', () => server.openConnections.length));
  } finally {
    server.stop();
  }
  assert.equal(globalThis.WebSocket, undefined, 'Node 20 has no WebSocket global: the kit put back what was there');
  for (let index = 0; index < expected.length; index += 1) {
    assert.deepEqual(actual[index], expected[index], `step "${expected[index].label}" differs`);
  }
  assert.equal(actual.length, expected.length);

  // The script covered what it claims to: a sanity check on the reference transcript itself.
  const kinds = new Set(expected.flatMap((step) => step.answers.map((frame) => frame.type ?? `close ${frame.close}`)));
  for (const kind of ['notification', 'chat', 'ack', 'pong', 'error', 'resumed', 'close 4403']) assert.ok(kinds.has(kind), `no ${kind} in the script`);
  const codes = new Set(expected.flatMap((step) => step.answers.filter((frame) => frame.type === 'error').map((frame) => frame.code)));
  assert.deepEqual([...codes].sort(), ['invalid_message', 'recipient_offline', 'unauthorized']);
  const resumed = expected.flatMap((step) => step.answers.filter((frame) => frame.type === 'resumed'));
  assert.deepEqual(resumed.map((frame) => frame.recovered), [true, false]);
});

test("token checks: the kit's verifyToken refusals look like the reference server's", async () => {
  const secured = await createServer({ port: 0, tokenSecret: 'equivalence-test-secret-of-32-bytes-or-more', log: () => {} });
  let expected;
  try {
    expected = await runTokenScript(WebSocket, secured.wsUrl, () => secured.connections(),
      async (userId) => (await secured.auth.issue(userId)).token);
  } finally {
    await secured.close();
  }
  // The application's own check, here: a token names its user.
  const verifyToken = (token, userId) => {
    if (typeof token !== 'string' || !token.startsWith('token-of-')) return false;
    return token === `token-of-${userId}` || { code: 4403, reason: 'token is for another user' };
  };
  const server = kit.createScriptedServer({ dialect: 'wsnotify', url: 'ws://kit.test/ws', verifyToken });
  let actual;
  try {
    actual = await runTokenScript(globalThis.WebSocket, 'ws://kit.test/ws', () => server.openConnections.length,
      async (userId) => `token-of-${userId}`);
  } finally {
    server.stop();
  }
  assert.deepEqual(normalise(actual), normalise(expected));
  assert.deepEqual(expected.map((step) => step.answers.at(-1).close ?? step.answers.at(-1).type), [4401, 4401, 4403, 'pong']);
});
