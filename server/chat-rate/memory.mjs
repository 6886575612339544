// The chat rate of each user on one node: one token bucket per user, shared
// by all the user's connections (the per-connection frame limit in
// server/limits.mjs stays in front of it). server/chat-rate/redis.mjs holds
// the buckets in Redis so that the limit holds across nodes.
import { createRateLimiter } from '../limits.mjs';

/** `rate`: { perSecond, burst }. */
export function createMemoryChatRate(rate) {
  /**
   * userId → bucket. A bucket outlives its user's last connection here until
   * it has refilled: forgotten at once, it would give a user who reconnects
   * a whole new burst. So it holds the users with a connection here and
   * those who left within the time a burst takes to refill.
   */
  const buckets = new Map();
  /** userId → the timer that forgets the bucket of a user who left, once it is full. */
  const leaving = new Map();
  const stay = (userId) => {
    clearTimeout(leaving.get(userId));
    leaving.delete(userId);
  };
  return {
    /** A chat token of `userId` in turn: ms until it is due, or -1 past `maxWaitMs` (see createRateLimiter). */
    reserve(userId, maxWaitMs) {
      stay(userId);
      let bucket = buckets.get(userId);
      if (!bucket) buckets.set(userId, (bucket = createRateLimiter(rate)));
      return bucket.reserve(maxWaitMs);
    },
    /** `userId` has no connection here any more: its bucket goes once it is full. */
    forget(userId) {
      const bucket = buckets.get(userId);
      if (!bucket) return;
      stay(userId);
      const timer = setTimeout(() => {
        leaving.delete(userId);
        buckets.delete(userId);
      }, bucket.fullInMs());
      timer.unref();
      leaving.set(userId, timer);
    },
    /** How many buckets are held: what this module's memory grows with. */
    size: () => buckets.size,
    close() {
      for (const timer of leaving.values()) clearTimeout(timer);
      leaving.clear();
    },
  };
}
