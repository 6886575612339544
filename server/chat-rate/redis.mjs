// The chat rate of each user across all nodes: a token bucket per user held
// in Redis, taken from in one Lua script with Redis's clock, so the limit
// holds however the user's connections are spread over the nodes.
import { luaScript } from '../redis-client.mjs';

// KEYS: the bucket. ARGV: tokens per second, burst.
const TAKE = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return allowed
`);

/** `rate`: { perSecond, burst }. */
export function createRedisChatRate({ redis, prefix, rate }) {
  return {
    async take(userId) {
      return (await redis.runScript(TAKE, [`${prefix}rate:${userId}`], [rate.perSecond, rate.burst])) === 1;
    },
    forget() {},
    close() {},
  };
}
