// Presence across nodes. Each node keeps its own connections in memory and
// mirrors the set of its users into Redis under a key of its own with a
// TTL that its heartbeat refreshes; a node that dies without a goodbye
// stops refreshing, its key expires and the others drop its users at their
// next heartbeat. Changes are announced on a channel as they happen, so the
// other nodes' views follow at once; the heartbeat's full re-read heals
// whatever an announcement missed (a lost pub/sub connection, a restarted Redis).
import { forLog } from '../text.mjs';
import { createMemoryPresence } from './memory.mjs';

export const REDIS_PRESENCE_DEFAULTS = {
  /** How long a node's users stay online without its heartbeat, ms. */
  ttlMs: 15_000,
};

export function createRedisPresence({ redis, prefix, nodeId, log, ...options }) {
  const config = { ...REDIS_PRESENCE_DEFAULTS, ...options };
  const local = createMemoryPresence();
  const nodesKey = `${prefix}nodes`;
  const usersKey = (node) => `${prefix}presence:${node}`;
  const channel = `${prefix}presence`;
  /** nodeId → Set of its users, for the other nodes. */
  let remote = new Map();
  /** userId → how many nodes (this one included) hold a connection of it. */
  const holders = new Map();
  const listeners = [];
  let failing = false;

  const warn = (what, error) => {
    if (failing) return;
    failing = true;
    log(`presence: ${what} failed: ${forLog(String(error?.message ?? error))}`);
  };
  const hold = (userId) => {
    const count = (holders.get(userId) ?? 0) + 1;
    holders.set(userId, count);
    return count === 1;
  };
  const release = (userId) => {
    const count = (holders.get(userId) ?? 0) - 1;
    if (count > 0) {
      holders.set(userId, count);
      return false;
    }
    return holders.delete(userId);
  };
  const emit = (userId, online) => {
    for (const listener of listeners) listener(userId, online);
  };
  const announce = (userId, online) => {
    const write = online ? redis.client.sAdd(usersKey(nodeId), userId) : redis.client.sRem(usersKey(nodeId), userId);
    Promise.all([write, redis.client.publish(channel, JSON.stringify({ node: nodeId, user: userId, online }))])
      .catch((error) => warn('announcement', error));
  };

  /** Applies `nodeId` holding (or no longer holding) `userId`, as another node said. */
  const applyRemote = (node, userId, online) => {
    let users = remote.get(node);
    if (online) {
      if (!users) remote.set(node, (users = new Set()));
      if (users.has(userId)) return;
      users.add(userId);
      if (hold(userId)) emit(userId, true);
    } else if (users?.delete(userId)) {
      if (release(userId)) emit(userId, false);
    }
  };

  const onAnnouncement = (text) => {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message?.node === nodeId || typeof message?.node !== 'string') return;
    if (message.goodbye === true) {
      for (const userId of remote.get(message.node) ?? []) applyRemote(message.node, userId, false);
      remote.delete(message.node);
      return;
    }
    if (typeof message.user !== 'string') return;
    applyRemote(message.node, message.user, message.online === true);
  };
  const subscribed = redis.subscriber.subscribe(channel, onAnnouncement);

  /** Refreshes this node's key and re-reads every live node's users. */
  async function heartbeat() {
    const now = Date.now();
    const mine = [...local.localUsers()];
    const write = redis.client.multi();
    write.del(usersKey(nodeId));
    if (mine.length > 0) write.sAdd(usersKey(nodeId), mine);
    write.pExpire(usersKey(nodeId), config.ttlMs);
    write.zAdd(nodesKey, { score: now + config.ttlMs, value: nodeId });
    write.zRemRangeByScore(nodesKey, '-inf', now);
    write.zRange(nodesKey, 0, -1);
    const replies = await write.exec();
    const nodes = replies.at(-1).filter((node) => node !== nodeId);
    const read = redis.client.multi();
    for (const node of nodes) read.sMembers(usersKey(node));
    const members = nodes.length > 0 ? await read.exec() : [];
    const next = new Map(nodes.map((node, i) => [node, new Set(members[i])]));
    // Apply the difference, so only real changes are announced.
    for (const [node, users] of remote) {
      const kept = next.get(node);
      for (const userId of users) if (!kept?.has(userId)) applyRemote(node, userId, false);
    }
    for (const [node, users] of next) for (const userId of users) applyRemote(node, userId, true);
    remote = new Map([...remote].filter(([node]) => next.has(node)));
    failing = false;
  }
  const beat = () => heartbeat().catch((error) => warn('heartbeat', error));
  const timer = setInterval(beat, Math.max(100, Math.floor(config.ttlMs / 3)));
  timer.unref();

  return {
    /** Resolves once this node is subscribed and has read the others. */
    async start() {
      await subscribed;
      await heartbeat();
    },
    add(userId, connection) {
      const first = local.add(userId, connection);
      if (!first) return false;
      announce(userId, true);
      return hold(userId);
    },
    remove(userId, connection) {
      if (!local.remove(userId, connection)) return false;
      announce(userId, false);
      return release(userId);
    },
    connectionsOf: local.connectionsOf,
    connectionCount: local.connectionCount,
    localUsers: local.localUsers,
    isOnline: (userId) => holders.has(userId),
    onlineCount: () => holders.size,
    users: () => holders.keys(),
    onRemoteChange: (listener) => listeners.push(listener),
    /** Re-reads the other nodes now (after a lost pub/sub connection). */
    resync: beat,
    /** Says goodbye: this node's users are offline for the others at once. */
    async close() {
      clearInterval(timer);
      try {
        await redis.client.multi().del(usersKey(nodeId)).zRem(nodesKey, nodeId).exec();
        await redis.client.publish(channel, JSON.stringify({ node: nodeId, goodbye: true }));
      } catch {
        // Redis is away: the key expires by itself.
      }
    },
  };
}
