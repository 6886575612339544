// Per-connection and per-server limits: frame rate, connection counts.

export const LIMIT_DEFAULTS = {
  /**
   * Per-connection token bucket: frames per second, and the burst allowed.
   * The burst lets a client flush what it queued while offline at once; a
   * frame over the rate waits for its token (server/inbound.mjs), it is
   * never dropped. `maxQueued`, `maxQueuedBytes`: frames read and waiting
   * (for their token, or for the previous frame's token check or store); the
   * socket is paused while any wait, so only a peer that floods gets past
   * them, and it is closed with 4429.
   */
  rateLimit: { perSecond: 20, burst: 100, maxQueued: 2_000, maxQueuedBytes: 1024 * 1024 },
  /**
   * Open WebSocket connections per remote address, and in total; the same
   * caps hold, apart, for connections that are not WebSockets yet (an HTTP
   * request or a handshake under way), which are closed `handshakeTimeoutMs`
   * after they opened unless they have become WebSockets.
   */
  connections: { perAddress: 100, total: 10_000, handshakeTimeoutMs: 10_000 },
};

/**
 * A token bucket: `take()` is false when the connection is over its rate;
 * `waitMs()` is how long until `take()` would be true; `reserve()` takes a
 * token ahead of time, for a taker that waits its turn; `fullInMs()` is how
 * long until the bucket could be forgotten without giving its owner tokens.
 */
export function createRateLimiter({ perSecond, burst }, now = () => Date.now()) {
  let tokens = burst;
  let last = now();
  /** Refills for the time since the last call; how long until a whole token is there. */
  const refill = () => {
    const current = now();
    tokens = Math.min(burst, tokens + ((current - last) / 1000) * perSecond);
    last = current;
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / perSecond) * 1000);
  };
  return {
    take() {
      refill();
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    waitMs: refill,
    /** How long until the bucket is full again, as a new one would be. */
    fullInMs() {
      refill();
      return Math.ceil(((burst - tokens) / perSecond) * 1000);
    },
    /**
     * Takes the next token even if it is not there yet: returns how long
     * until it is (0: now), or -1 without taking anything when that is more
     * than `maxWaitMs`. Takers are served in the order they asked.
     */
    reserve(maxWaitMs) {
      const wait = refill();
      if (wait > maxWaitMs) return -1;
      tokens -= 1;
      return wait;
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
