// Per-connection and per-server limits: frame rate, connection counts.

export const LIMIT_DEFAULTS = {
  /**
   * Per-connection token bucket: frames per second, and the burst allowed.
   * The burst leaves room for a client flushing what it queued while offline.
   * `maxRefused`: frames refused within `windowMs` before the connection is
   * closed with 4429.
   */
  rateLimit: { perSecond: 20, burst: 100, maxRefused: 100, windowMs: 10_000 },
  /** Open WebSocket connections per remote address, and in total. */
  connections: { perAddress: 100, total: 10_000 },
};

/** A token bucket: `take()` is false when the connection is over its rate. */
export function createRateLimiter({ perSecond, burst }, now = () => Date.now()) {
  let tokens = burst;
  let last = now();
  return {
    take() {
      const current = now();
      tokens = Math.min(burst, tokens + ((current - last) / 1000) * perSecond);
      last = current;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

/**
 * A token bucket that also judges what to do with a refused frame, without
 * looking at it: `check()` is { allowed } for a frame within the rate;
 * otherwise `reply` is true for the first refusal since the last allowed
 * frame (one `rate_limited` error per episode, not one per frame), and
 * `close` once more than `maxRefused` frames were refused within `windowMs`.
 */
export function createFloodGuard({ perSecond, burst, maxRefused, windowMs }, now = () => Date.now()) {
  const bucket = createRateLimiter({ perSecond, burst }, now);
  let refused = 0;
  let windowStart = now();
  let inEpisode = false;
  return {
    check() {
      if (bucket.take()) {
        inEpisode = false;
        return { allowed: true, reply: false, close: false };
      }
      const current = now();
      if (current - windowStart > windowMs) {
        windowStart = current;
        refused = 0;
      }
      refused += 1;
      const reply = !inEpisode;
      inEpisode = true;
      return { allowed: false, reply, close: refused > maxRefused };
    },
  };
}

/**
 * Counts open connections per remote address and in total.
 * `admit(address)` is null when one more may open, else { status, reason }
 * for the HTTP answer to the handshake.
 */
export function createConnectionCounter({ perAddress, total }) {
  const byAddress = new Map();
  let open = 0;
  return {
    admit(address) {
      if (open >= total) return { status: 503, reason: 'Server full' };
      if ((byAddress.get(address) ?? 0) >= perAddress) return { status: 429, reason: 'Too many connections from this address' };
      return null;
    },
    add(address) {
      open += 1;
      byAddress.set(address, (byAddress.get(address) ?? 0) + 1);
    },
    remove(address) {
      open -= 1;
      const count = (byAddress.get(address) ?? 1) - 1;
      if (count > 0) byAddress.set(address, count);
      else byAddress.delete(address);
    },
    open: () => open,
  };
}
