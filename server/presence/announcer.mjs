// The join/leave notifications. The announcer coalesces joins and leaves:
// each flush sends at most two frames per connection (who joined, who
// left), however many users came or went since the last one, so a burst of
// N joins costs O(N) frames instead of O(N²). It reads the registry's
// global view (server/presence/memory.mjs or redis.mjs), so every node
// announces the users of every node to its own connections.

export const PRESENCE_DEFAULTS = {
  /** The shortest wait between two presence frames, ms. */
  minIntervalMs: 100,
  /**
   * Presence frames the server may send per second in total; with many users
   * online, flushes are spaced so that one flush × online users stays within it.
   */
  maxFramesPerSecond: 1_000,
};

/** "ada", "ada and bob", "ada, bob and cy", "ada, bob, cy and 12 others". */
export function nameList(names) {
  if (names.length <= 3) return names.length <= 2 ? names.join(' and ') : `${names[0]}, ${names[1]} and ${names[2]}`;
  const others = names.length - 3;
  return `${names.slice(0, 3).join(', ')} and ${others.toLocaleString('en-US')} other${others === 1 ? '' : 's'}`;
}

/**
 * Coalesces presence changes into notification frames.
 * `presence`: a presence registry (onlineCount); `broadcast(frame, exceptUsers)`: sends a
 * frame to every online connection but those of the users in the Set `exceptUsers`; `options` as in PRESENCE_DEFAULTS.
 */
export function createPresenceAnnouncer({ presence, broadcast, ...options }) {
  const config = { ...PRESENCE_DEFAULTS, ...options };
  // Insertion-ordered, so the names come in the order the users came.
  const joined = new Set();
  const left = new Set();
  let timer = null;
  let lastFlush = 0;

  const flush = () => {
    timer = null;
    lastFlush = Date.now();
    // Joins and leaves go in separate frames (at most two per flush), so a
    // client waiting for "ada joined" sees exactly that.
    const online = presence.onlineCount();
    if (left.size > 0) broadcast({ type: 'notification', message: `${nameList([...left])} left`, online });
    // A newcomer was told of its own join at once (see server/app.mjs): a
    // batch that names only it skips it.
    if (joined.size > 0) broadcast({ type: 'notification', message: `${nameList([...joined])} joined`, online }, joined.size === 1 ? new Set(joined) : undefined);
    joined.clear();
    left.clear();
  };

  const schedule = () => {
    if (timer) return;
    const spacing = Math.max(config.minIntervalMs, Math.ceil((presence.onlineCount() * 1000) / config.maxFramesPerSecond));
    const wait = Math.max(0, lastFlush + spacing - Date.now());
    // The first change after a quiet spell goes out at once, later ones are batched.
    timer = setTimeout(flush, wait);
    timer.unref?.();
  };

  return {
    /** `userId` came online. */
    joined(userId) {
      if (!left.delete(userId)) joined.add(userId);
      schedule();
    },
    /** `userId` went offline. */
    left(userId) {
      if (!joined.delete(userId)) left.add(userId);
      schedule();
    },
    /** Stops a pending flush. */
    close() {
      clearTimeout(timer);
      timer = null;
    },
  };
}
