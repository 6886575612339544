// A node over Redis at the worst moments of its pub/sub: a real
// redis-server, real node processes, and a TCP proxy between one node and
// Redis (tests/support/redis-proxy.mjs) that cuts or holds its traffic at
// an exact step. Clients are raw `ws` clients speaking docs/PROTOCOL.md.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient as createRedisClient } from 'redis';
import { startRedis } from '../support/redis-process.mjs';
import { startRedisProxy } from '../support/redis-proxy.mjs';
import { freePort, startServerProcess } from '../support/server-process.mjs';
import { until } from '../support/until.mjs';
import { connect } from '../support/ws-client.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let redis;

before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis?.stop();
});

/** A node process on Redis at `redisUrl`, with more of its environment in `env`. */
async function startNode(redisUrl, env = {}) {
  const port = await freePort();
  return startServerProcess(port, { REDIS_URL: redisUrl, WSNOTIFY_NODE_ID: `node-${port}`, ...env });
}

/** A connection of `userId` (resuming from `resume` if given), once the node has registered it. */
async function join(node, userId, resume = {}) {
  const client = await connect(node.wsUrl);
  client.send({ type: 'init', userId, ...resume });
  client.send({ type: 'ping' });
  await client.next((frame) => frame.type === 'pong', `${userId} registered`);
  return client;
}

let chats = 0;
/** Sends a chat and resolves to its id once the node acknowledged it. */
async function sendChat(client, fromUserId, toUserId, message) {
  chats += 1;
  const id = `${fromUserId}-${chats}`;
  client.send({ type: 'chat', fromUserId, toUserId, message, id });
  const answer = await client.next((frame) => frame.id === id && (frame.type === 'ack' || frame.type === 'error'), `the answer to ${id}`);
  assert.equal(answer.type, 'ack', JSON.stringify(answer));
  return id;
}

const chatsOf = (client) => client.frames.filter((frame) => frame.type === 'chat');

/**
 * Runs `body({ proxy, a, b, clients })` with node A reaching Redis through a
 * proxy with `hooks` (and `env`), node B directly; the connections pushed
 * to `clients`, the nodes and the proxy are stopped after it.
 */
async function withNodes(hooks, env, body) {
  const proxy = await startRedisProxy(redis.port, hooks);
  const [a, b] = await Promise.all([startNode(proxy.url, env), startNode(redis.url)]);
  const clients = [];
  try {
    await body({ proxy, a, b, clients });
  } finally {
    for (const client of clients) client.close();
    await Promise.all([a.kill(), b.kill()]);
    proxy.close();
  }
}

/** A promise with its `release()`, for a proxy hook to hold traffic until the test says. */
function gate() {
  let release;
  const held = new Promise((resolve) => {
    release = resolve;
  });
  return Object.assign(held, { release });
}

/**
 * Node A's read of `userId`'s position at registration, held until
 * `release()`: `toServer` is the proxy hook's part; `start(a)` opens a
 * connection of `userId` without lastSeq on node A (after one before it,
 * so that `userId` is known) and resolves to it once A is reading.
 */
function heldRegistration(userId) {
  const answer = gate();
  const held = {
    armed: false,
    /** Whether the read reached the proxy (and is held). */
    reading: false,
    release: answer.release,
    toServer(text) {
      if (!held.armed || !text.includes(`numbering:${userId}`)) return undefined;
      held.armed = false;
      held.reading = true;
      return answer;
    },
    async start(a) {
      (await join(a, userId)).close();
      held.armed = true;
      const client = await connect(a.wsUrl);
      client.send({ type: 'init', userId });
      client.send({ type: 'ping' });
      await until(`the registration reading of ${userId}`, () => held.reading, 5_000);
      return client;
    },
  };
  return held;
}

test('pub/sub lost again while a catch-up reads the history: the chat routed in the second gap still arrives, in order', async () => {
  let holdRead = false;
  let threeRouted = false;
  const readAnswer = gate();
  const hooks = {
    toServer(connection, text) {
      // The catch-up's read of alice's position: its answer, and every
      // answer after it on that connection, waits for the gate.
      if (holdRead && text.includes('numbering:gap-alice')) {
        holdRead = false;
        connection.holdAnswer = true;
      }
      return undefined;
    },
    toClient(connection, text) {
      if (connection.subscriber && text.includes('"message":"three"')) threeRouted = true;
      if (!connection.holdAnswer) return undefined;
      connection.holdAnswer = false;
      return readAnswer;
    },
  };
  await withNodes(hooks, {}, async ({ proxy, a, b, clients }) => {
    const alice = await join(a, 'gap-alice');
    const bob = await join(b, 'gap-bob');
    clients.push(alice, bob);
    await sendChat(bob, 'gap-bob', 'gap-alice', 'one');
    await alice.next((frame) => frame.message === 'one', 'the first chat');
    // First gap: node A's pub/sub is cut and comes back; its catch-up reads alice's position.
    holdRead = true;
    for (const connection of proxy.subscribers()) connection.cut();
    await until('the catch-up reading', () => !holdRead, 5_000);
    // Second gap during that read: a chat is routed while A hears nothing.
    const endOutage = proxy.pubsubOutage();
    await sendChat(bob, 'gap-bob', 'gap-alice', 'two');
    await endOutage();
    // A chat routed live to A while the read is still out, then the read's answer.
    await sendChat(bob, 'gap-bob', 'gap-alice', 'three');
    await until('the third chat routed to node A', () => threeRouted, 5_000);
    readAnswer.release();
    await alice.next((frame) => frame.message === 'three', 'the third chat');
    await alice.next((frame) => frame.message === 'two', 'the chat of the second gap');
    assert.deepEqual(chatsOf(alice).map((frame) => frame.message), ['one', 'two', 'three']);
    assert.deepEqual(chatsOf(alice).map((frame) => frame.seq), [1, 2, 3]);
  });
});

test('a connection without lastSeq gets a chat numbered while the node registers it, whenever pub/sub brings it', async () => {
  // The registration's read of carol's position waits until a chat to her is numbered.
  const read = heldRegistration('fresh-carol');
  const routed = gate();
  const hooks = {
    toServer(connection, text) {
      // Once that read is answered, node A sees to its pub/sub (a PUBLISH to its own channel).
      if (read.reading && text.includes('PUBLISH') && text.includes('wsnotify:node:')) routed.release();
      return read.toServer(text);
    },
    // The chat reaches node A's pub/sub only after the read was answered.
    toClient: (connection, text) => (connection.subscriber && text.includes('during registration') ? routed : undefined),
  };
  // No periodic check meanwhile: its PUBLISH would open the gate early.
  await withNodes(hooks, { WSNOTIFY_PUBSUB_CHECK_MS: '60000' }, async ({ a, b, clients }) => {
    const bob = await join(b, 'fresh-bob');
    clients.push(bob);
    const carol = await read.start(a);
    clients.push(carol);
    const registered = carol.next((frame) => frame.type === 'pong', 'carol registered');
    // A node that does not see to its pub/sub answers the ping first: the chat is then routed.
    registered.then(() => routed.release(), () => routed.release());
    const during = await sendChat(bob, 'fresh-bob', 'fresh-carol', 'during registration');
    read.release();
    await registered;
    const afterwards = await sendChat(bob, 'fresh-bob', 'fresh-carol', 'after registration');
    await carol.next((frame) => frame.id === afterwards, 'the chat after registration');
    await carol.next((frame) => frame.id === during, 'the chat during registration');
    assert.deepEqual(chatsOf(carol).map((frame) => frame.id), [during, afterwards]);
  });
});

test('a pub/sub gap while a connection without lastSeq registers: the init is refused with 1013, and the retry from lastSeq 0 gets the chat of the gap', async () => {
  const read = heldRegistration('gapfresh-carol');
  await withNodes({ toServer: (connection, text) => read.toServer(text) }, {}, async ({ proxy, a, b, clients }) => {
    const bob = await join(b, 'gapfresh-bob');
    clients.push(bob);
    const carol = await read.start(a);
    clients.push(carol);
    // Node A's pub/sub is lost while the chat is routed, and back before the read is answered.
    const endOutage = proxy.pubsubOutage();
    const lost = await sendChat(bob, 'gapfresh-bob', 'gapfresh-carol', 'routed during the gap');
    await endOutage();
    read.release();
    const closed = await Promise.race([carol.closed, sleep(10_000).then(() => ({ code: 'still open 10 s later' }))]);
    assert.equal(closed.code, 1013, JSON.stringify(carol.frames));
    const again = await join(a, 'gapfresh-carol', { lastSeq: 0 });
    clients.push(again);
    await again.next((frame) => frame.id === lost, 'the chat of the gap');
  });
});

test('a Redis busy for longer than a check period is not taken for a deaf pub/sub connection', async () => {
  const at = await startNode(redis.url, { WSNOTIFY_PUBSUB_CHECK_MS: '500' });
  const busy = createRedisClient({ url: redis.url });
  try {
    await busy.connect();
    // Every command waits 1.2 s, the check's PUBLISH included; its token comes back at once after.
    const script = `local function us(t) return tonumber(t[1]) * 1000000 + tonumber(t[2]) end
      local start = us(redis.call('TIME'))
      while us(redis.call('TIME')) - start < tonumber(ARGV[1]) do end
      return 1`;
    for (let round = 0; round < 2; round += 1) {
      await sleep(300);
      await busy.eval(script, { arguments: ['1200000'] });
    }
    await sleep(1_000);
    assert.doesNotMatch(at.output(), /subscriber: connection lost/);
  } finally {
    if (busy.isOpen) busy.destroy();
    await at.kill();
  }
});

test('a client that connected before but got no numbered frame resumes from 0: what was numbered meanwhile is replayed, recovered', async () => {
  const at = await startNode(redis.url);
  const clients = [];
  try {
    const bob = await join(at, 'zero-bob');
    clients.push(bob);
    (await join(at, 'zero-dave')).close();
    const meanwhile = await sendChat(bob, 'zero-bob', 'zero-dave', 'while dave was away');
    // What the SDK sends then: lastSeq 0, and no epoch, since it was never told one.
    const dave = await join(at, 'zero-dave', { lastSeq: 0 });
    clients.push(dave);
    const resumed = dave.frames.find((frame) => frame.type === 'resumed');
    assert.equal(resumed?.recovered, true, JSON.stringify(dave.frames));
    await dave.next((frame) => frame.id === meanwhile, 'the chat numbered while dave was away');
  } finally {
    for (const client of clients) client.close();
    await at.kill();
  }
});

test('pub/sub connections that stay open but pass nothing, the next one too for a while, are opened again: the chat routed meanwhile arrives', async () => {
  let deaf = false;
  const hooks = {
    toClient(connection) {
      if (!deaf || !connection.subscriber) return undefined;
      connection.swallowed = true;
      return 'swallow';
    },
  };
  await withNodes(hooks, { WSNOTIFY_PUBSUB_CHECK_MS: '500' }, async ({ proxy, a, b, clients }) => {
    const alice = await join(a, 'deaf-alice');
    const bob = await join(b, 'deaf-bob');
    clients.push(alice, bob);
    await sendChat(bob, 'deaf-bob', 'deaf-alice', 'before');
    await alice.next((frame) => frame.message === 'before', 'the chat before');
    // Node A's pub/sub connection stays open, and nothing from Redis reaches it any more,
    // while users keep arriving on A, so that the connection keeps writing (a SUBSCRIBE each).
    const first = new Set(proxy.subscribers());
    deaf = true;
    let joiners = 0;
    const arriving = setInterval(() => {
      joiners += 1;
      const userId = `deaf-joiner-${joiners}`;
      connect(a.wsUrl).then((joiner) => {
        clients.push(joiner);
        joiner.send({ type: 'init', userId });
      }, () => {});
    }, 200);
    try {
      await sendChat(bob, 'deaf-bob', 'deaf-alice', 'meanwhile');
      // The connection A opens instead hears nothing either, its handshake included, until this ends.
      await until('a new pub/sub connection, deaf too', () => proxy.subscribers().some((c) => !first.has(c) && c.swallowed), 10_000);
    } finally {
      clearInterval(arriving);
    }
    deaf = false;
    const arrived = (message) => () => chatsOf(alice).some((frame) => frame.message === message);
    await until('the chat routed while pub/sub passed nothing', arrived('meanwhile'), 15_000);
    await sendChat(bob, 'deaf-bob', 'deaf-alice', 'after');
    await until('the chat after', arrived('after'), 10_000);
    assert.deepEqual(chatsOf(alice).map((frame) => frame.message), ['before', 'meanwhile', 'after']);
  });
});
