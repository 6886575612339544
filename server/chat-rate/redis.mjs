// The chat rate of each user across all nodes: a token bucket per user held
// in Redis, reserved from in one Lua script with Redis's clock, so the limit
// holds however the user's connections are spread over the nodes.
import { luaScript } from '../redis-client.mjs';

// KEYS: the bucket. ARGV: tokens per second, burst, longest wait (ms).
// Returns the ms until the token taken is due (0: now), or -1 (nothing taken).
const RESERVE = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate, burst, maxWait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local wait = 0
if tokens < 1 then wait = math.ceil((1 - tokens) * 1000 / rate) end
if wait > maxWait then return -1 end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return wait
`);

/** `rate`: { perSecond, burst }. */
export function createRedisChatRate({ redis, prefix, rate }) {
  return {
    /** A chat token of `userId` in turn, across every node: ms until it is due, or -1 past `maxWaitMs`. */
    async reserve(userId, maxWaitMs) {
      return Number(await redis.runScript(RESERVE, [`${prefix}rate:${userId}`], [rate.perSecond, rate.burst, Math.floor(maxWaitMs)]));
    },
    forget() {},
    close() {},
  };
}
