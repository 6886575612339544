// A node over Redis at the worst moments of its pub/sub: a real
// redis-server, real node processes, and a TCP proxy between one node and
// Redis (tests/support/redis-proxy.mjs) that cuts or holds its traffic at
// an exact step. Clients are raw `ws` clients speaking docs/PROTOCOL.md.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
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

test('pub/sub lost again while a catch-up reads the history: the chat routed in the second gap still arrives, in order', async () => {
  let holdNextRead = false;
  let pubsubDown = false;
  const hooks = {
    toServer(connection, text) {
      if (connection.subscriber && pubsubDown) return 'cut';
      // The catch-up's read of alice's position: its answer comes 3 s late.
      if (holdNextRead && text.includes('numbering:gap-alice')) {
        holdNextRead = false;
        connection.holdAnswer = true;
      }
      return undefined;
    },
    toClient(connection) {
      if (!connection.holdAnswer) return undefined;
      connection.holdAnswer = false;
      return 3_000;
    },
  };
  await withNodes(hooks, {}, async ({ proxy, a, b, clients }) => {
    const alice = await join(a, 'gap-alice');
    const bob = await join(b, 'gap-bob');
    clients.push(alice, bob);
    await sendChat(bob, 'gap-bob', 'gap-alice', 'one');
    await alice.next((frame) => frame.message === 'one', 'the first chat');
    // First gap: node A's pub/sub is cut and comes back; its catch-up reads alice's position (held).
    holdNextRead = true;
    for (const connection of proxy.subscribers()) connection.cut();
    await until('the catch-up reading', () => !holdNextRead, 5_000);
    // Second gap during that read: a chat is routed while A hears nothing.
    pubsubDown = true;
    for (const connection of proxy.subscribers()) connection.cut();
    await sleep(300);
    await sendChat(bob, 'gap-bob', 'gap-alice', 'two');
    pubsubDown = false;
    await until('node A subscribed again', () => proxy.subscribers().length > 0, 5_000);
    await sleep(500);
    await sendChat(bob, 'gap-bob', 'gap-alice', 'three');
    await alice.next((frame) => frame.message === 'three', 'the third chat');
    await alice.next((frame) => frame.message === 'two', 'the chat of the second gap');
    assert.deepEqual(chatsOf(alice).map((frame) => frame.message), ['one', 'two', 'three']);
    assert.deepEqual(chatsOf(alice).map((frame) => frame.seq), [1, 2, 3]);
  });
});

test('a connection without lastSeq gets a chat numbered while the node registers it', async () => {
  let holdRead = false;
  let readHeld = false;
  const hooks = {
    toServer(connection, text) {
      // The registration's read of carol's position reaches Redis 1 s late,
      // after node A subscribed to her channel.
      if (!holdRead || !text.includes('numbering:fresh-carol')) return undefined;
      holdRead = false;
      readHeld = true;
      return 1_000;
    },
  };
  await withNodes(hooks, {}, async ({ a, b, clients }) => {
    const bob = await join(b, 'fresh-bob');
    clients.push(bob);
    // Carol has been here before (a chat to her is accepted), then left.
    (await join(a, 'fresh-carol')).close();
    holdRead = true;
    const carol = await connect(a.wsUrl);
    clients.push(carol);
    carol.send({ type: 'init', userId: 'fresh-carol' });
    carol.send({ type: 'ping' });
    await until('the registration reading', () => readHeld, 5_000);
    const during = await sendChat(bob, 'fresh-bob', 'fresh-carol', 'during registration');
    await carol.next((frame) => frame.type === 'pong', 'carol registered');
    const afterwards = await sendChat(bob, 'fresh-bob', 'fresh-carol', 'after registration');
    await carol.next((frame) => frame.id === afterwards, 'the chat after registration');
    await carol.next((frame) => frame.id === during, 'the chat during registration');
    assert.deepEqual(chatsOf(carol).map((frame) => frame.id), [during, afterwards]);
  });
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

test('a pub/sub connection that stays open but passes nothing is opened again: the chat routed meanwhile arrives', async () => {
  const hooks = { toClient: (connection) => (connection.deaf ? 'swallow' : undefined) };
  await withNodes(hooks, { WSNOTIFY_PUBSUB_CHECK_MS: '500' }, async ({ proxy, a, b, clients }) => {
    const alice = await join(a, 'deaf-alice');
    const bob = await join(b, 'deaf-bob');
    clients.push(alice, bob);
    await sendChat(bob, 'deaf-bob', 'deaf-alice', 'before');
    await alice.next((frame) => frame.message === 'before', 'the chat before');
    // Node A's pub/sub connection stays open, and nothing from Redis reaches it any more.
    for (const connection of proxy.subscribers()) connection.deaf = true;
    await sendChat(bob, 'deaf-bob', 'deaf-alice', 'meanwhile');
    await alice.next((frame) => frame.message === 'meanwhile', 'the chat routed while pub/sub passed nothing');
    await sendChat(bob, 'deaf-bob', 'deaf-alice', 'after');
    await alice.next((frame) => frame.message === 'after', 'the chat after');
    assert.deepEqual(chatsOf(alice).map((frame) => frame.message), ['before', 'meanwhile', 'after']);
  });
});
