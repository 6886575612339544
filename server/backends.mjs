// The one place where the server's shared state is chosen: in memory for a
// single node (no configuration), or in Redis for several nodes (`redisUrl`).
// Each concern has the same small interface in both: history
// (server/history/), presence (server/presence/), routing (server/routing/)
// and the per-user chat rate (server/chat-rate/).
import { randomBytes } from 'node:crypto';
import { createMemoryChatRate } from './chat-rate/memory.mjs';
import { createRedisChatRate } from './chat-rate/redis.mjs';
import { createHistory } from './history/memory.mjs';
import { createRedisHistory } from './history/redis.mjs';
import { createMemoryPresence } from './presence/memory.mjs';
import { createRedisPresence } from './presence/redis.mjs';
import { connectRedis } from './redis-client.mjs';
import { createMemoryRouting } from './routing/memory.mjs';
import { createRedisRouting } from './routing/redis.mjs';

/**
 * Resolves to { kind, nodeId, history, presence, routing, chatRate, close() }.
 * `deliver(userId, text)` sends a numbered frame to the user's connections
 * on this node; `redis`: options of the connections to Redis (as in
 * REDIS_DEFAULTS); `log` is the server's log.
 */
export async function createBackends({ redisUrl, redisPrefix = 'wsnotify:', nodeId, redis: redisOptions, history, presence, chatRate, deliver, log }) {
  if (!redisUrl) {
    const localPresence = createMemoryPresence();
    return {
      kind: 'memory',
      nodeId: nodeId ?? 'single',
      presence: localPresence,
      history: createHistory({ ...history, isOnline: localPresence.isOnline }),
      routing: createMemoryRouting({ deliver }),
      chatRate: createMemoryChatRate(chatRate),
      async close() {},
    };
  }
  const id = nodeId ?? randomBytes(6).toString('hex');
  const redis = await connectRedis({ url: redisUrl, log, checkChannel: `${redisPrefix}node:${id}`, ...redisOptions });
  const routing = createRedisRouting({ redis, prefix: redisPrefix, deliver });
  const sharedPresence = createRedisPresence({ redis, prefix: redisPrefix, nodeId: id, log, ...presence });
  await sharedPresence.start();
  const { file, ...historyOptions } = history ?? {}; // a history file is for the single node
  return {
    kind: 'redis',
    nodeId: id,
    redis,
    presence: sharedPresence,
    history: createRedisHistory({ redis, prefix: redisPrefix, channelOf: routing.channelOf, ...historyOptions }),
    routing,
    chatRate: createRedisChatRate({ redis, prefix: redisPrefix, rate: chatRate }),
    async close() {
      routing.close();
      await sharedPresence.close();
      await redis.close();
    },
  };
}
