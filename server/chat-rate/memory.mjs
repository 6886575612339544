// The chat rate of each user on one node: one token bucket per user, shared
// by all the user's connections (the per-connection frame limit in
// server/limits.mjs stays in front of it). server/chat-rate/redis.mjs holds
// the buckets in Redis so that the limit holds across nodes.
import { createRateLimiter } from '../limits.mjs';

/** `rate`: { perSecond, burst }. */
export function createMemoryChatRate(rate) {
  /** userId → bucket; only users with a connection here, so it is bounded by them. */
  const buckets = new Map();
  return {
    /** A chat token of `userId` in turn: ms until it is due, or -1 past `maxWaitMs` (see createRateLimiter). */
    reserve(userId, maxWaitMs) {
      let bucket = buckets.get(userId);
      if (!bucket) buckets.set(userId, (bucket = createRateLimiter(rate)));
      return bucket.reserve(maxWaitMs);
    },
    /** `userId` has no connection here any more. */
    forget: (userId) => buckets.delete(userId),
    close() {},
  };
}
