// Per-user delivery history shared by every node, in Redis: each user has a
// hash (epoch, seq, bytes kept) and a Stream of the numbered frames, bounded
// by count, bytes and age like server/history/memory.mjs; each sender has a
// sorted set of the chat ids already accepted. Numbering, storing and
// publishing a frame happen in one Lua script, so `seq` is monotonic per
// user whichever node numbers it, and frames are published in seq order.
//
// Epochs: Redis may lose its last writes when it restarts (AOF everysec).
// Numbering that survived a restart of Redis (its run_id changed) is given a
// new epoch on first use, remembering the old one and where it stopped, so a
// number a client may already have seen is never reused within an epoch and
// a client resuming across the restart is told `recovered: false`.
import { luaScript } from '../redis-client.mjs';
import { HISTORY_DEFAULTS, newEpoch } from './memory.mjs';
import { resumeFrom } from '../../pkg-template/resume.js';

export const REDIS_HISTORY_DEFAULTS = {
  limit: HISTORY_DEFAULTS.limit,
  maxBytesPerUser: HISTORY_DEFAULTS.maxBytesPerUser,
  maxAgeMs: HISTORY_DEFAULTS.maxAgeMs,
  idsPerSender: HISTORY_DEFAULTS.idsPerSender,
  /** A user's numbering, frames and accepted ids are dropped after this long without use, ms. */
  idleTtlMs: 24 * 3600_000,
};

// Shared Lua: `numbering` makes sure a user's hash exists and belongs to
// this run of Redis; `trim` drops the oldest frames past the bounds.
const COMMON = `
local function runId()
  return string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')
end
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function numbering(meta, rid, candidate)
  local cur = redis.call('HMGET', meta, 'epoch', 'rid', 'seq')
  if not cur[1] then
    redis.call('HSET', meta, 'epoch', candidate, 'rid', rid, 'seq', 0, 'bytes', 0)
    return candidate
  end
  if cur[2] ~= rid then
    redis.call('HSET', meta, 'prev', cur[1], 'hole', cur[3], 'epoch', candidate, 'rid', rid)
    return candidate
  end
  return cur[1]
end
local function trim(meta, stream, limit, maxBytes, cutoff)
  local bytes = tonumber(redis.call('HGET', meta, 'bytes') or '0')
  local len = redis.call('XLEN', stream)
  while len > 0 do
    local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
    local ms = tonumber(string.match(first[1], '^(%d+)'))
    if not (len > limit or bytes > maxBytes or ms < cutoff) then break end
    bytes = bytes - #first[2][4]
    redis.call('XDEL', stream, first[1])
    len = len - 1
  end
  if len == 0 then bytes = 0 end
  redis.call('HSET', meta, 'bytes', bytes)
end
`;

// KEYS: sender's ids, then (hash, stream) per recipient.
// ARGV: id or '', idsPerSender, epoch candidate, limit, maxBytes, maxAgeMs,
// idleTtlMs, the frame's JSON without its closing brace, then one channel per recipient.
const RECORD = luaScript(`${COMMON}
local id = ARGV[1]
if id ~= '' and redis.call('ZSCORE', KEYS[1], id) then return {'duplicate'} end
local rid, now = runId(), nowMs()
local limit, maxBytes, maxAge, ttl = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local out = {}
for i = 1, (#KEYS - 1) / 2 do
  local meta, stream = KEYS[2 * i], KEYS[2 * i + 1]
  local epoch = numbering(meta, rid, ARGV[3])
  local seq = redis.call('HINCRBY', meta, 'seq', 1)
  local text = ARGV[8] .. ',"seq":' .. seq .. ',"epoch":"' .. epoch .. '"}'
  redis.call('XADD', stream, '*', 's', seq, 't', text)
  redis.call('HINCRBY', meta, 'bytes', #text)
  trim(meta, stream, limit, maxBytes, now - maxAge)
  redis.call('PEXPIRE', meta, ttl)
  redis.call('PEXPIRE', stream, ttl)
  redis.call('PUBLISH', ARGV[8 + i], text)
  out[i] = text
end
if id ~= '' then
  redis.call('ZADD', KEYS[1], now, id)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[2]) - 1)
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return out
`);

// KEYS: the user's hash and stream. ARGV: epoch candidate, lastSeq or '',
// the client's epoch or '', limit, maxBytes, maxAgeMs, idleTtlMs, whether to return the frames.
const OPEN = luaScript(`${COMMON}
local meta, stream = KEYS[1], KEYS[2]
local epoch = numbering(meta, runId(), ARGV[1])
local seq = tonumber(redis.call('HGET', meta, 'seq'))
if ARGV[2] ~= '' and ARGV[3] == epoch and tonumber(ARGV[2]) > seq then
  -- The client saw numbers this store no longer has (Redis lost its last
  -- writes): a new epoch, so that none of them is used again.
  redis.call('HSET', meta, 'prev', epoch, 'hole', seq, 'epoch', ARGV[1])
  epoch = ARGV[1]
end
trim(meta, stream, tonumber(ARGV[4]), tonumber(ARGV[5]), nowMs() - tonumber(ARGV[6]))
redis.call('PEXPIRE', meta, ARGV[7])
redis.call('PEXPIRE', stream, ARGV[7])
local state = redis.call('HMGET', meta, 'prev', 'hole')
local result = {epoch, seq, state[1] or '', state[2] or ''}
if ARGV[8] == '1' then
  for _, entry in ipairs(redis.call('XRANGE', stream, '-', '+')) do
    table.insert(result, entry[2][2])
    table.insert(result, entry[2][4])
  end
end
return result
`);

/** `redis`: from connectRedis; `channelOf(userId)`: the routing channel; `options` as in REDIS_HISTORY_DEFAULTS. */
export function createRedisHistory({ redis, prefix, channelOf, ...options }) {
  const config = { ...REDIS_HISTORY_DEFAULTS, ...options };
  const metaKey = (userId) => `${prefix}numbering:${userId}`;
  const streamKey = (userId) => `${prefix}frames:${userId}`;
  const idsKey = (userId) => `${prefix}accepted:${userId}`;
  const bounds = [config.limit, config.maxBytesPerUser, config.maxAgeMs, config.idleTtlMs];

  return {
    /** As in server/history/memory.mjs; resolves. */
    async open(userId, lastSeq, epoch) {
      const reply = await redis.runScript(OPEN, [metaKey(userId), streamKey(userId)],
        [newEpoch(), lastSeq ?? '', epoch ?? '', ...bounds, lastSeq === undefined ? '0' : '1']);
      const state = { epoch: reply[0], seq: Number(reply[1]), prev: reply[2] || undefined, hole: Number(reply[3]) };
      if (lastSeq === undefined) return { epoch: state.epoch, seq: state.seq, frames: [] };
      const entries = [];
      for (let i = 4; i < reply.length; i += 2) entries.push({ seq: Number(reply[i]), text: reply[i + 1] });
      return { epoch: state.epoch, seq: state.seq, ...resumeFrom(state, entries, lastSeq, epoch) };
    },
    async knows(userId) {
      return (await redis.client.exists(metaKey(userId))) === 1;
    },
    /** As in server/history/memory.mjs, but the frames are published too (`published: true`). */
    async recordChat(sender, id, frame, recipients) {
      const json = JSON.stringify(frame);
      const keys = [idsKey(sender)];
      for (const userId of recipients) keys.push(metaKey(userId), streamKey(userId));
      const reply = await redis.runScript(RECORD, keys, [
        id ?? '', config.idsPerSender, newEpoch(), ...bounds, json.slice(0, -1), ...recipients.map(channelOf),
      ]);
      if (reply[0] === 'duplicate') return { duplicate: true };
      return { texts: recipients.map((userId, i) => [userId, reply[i]]), published: true };
    },
    stats: () => ({}),
    close() {},
  };
}
