// wsnotify/testing: one direction of a link. What goes in comes out in order
// (as over TCP), each item no earlier than its own delay, and never before
// an item sent ahead of it. Delays go through the global `setTimeout` and
// `Date.now()`, looked up at call time, so fake timers drive them.

/** A lane: `push(fn, delayMs)` runs `fn` after `delayMs`, in order; at once when nothing waits and there is no delay. */
export function createLane() {
  const queue = [];
  let timer = null;

  const pump = () => {
    timer = null;
    const now = Date.now();
    while (queue.length > 0 && queue[0].at <= now) queue.shift().fn();
    if (queue.length > 0) arm();
  };
  const arm = () => {
    if (timer !== null) return;
    timer = globalThis.setTimeout(pump, Math.max(0, queue[0].at - Date.now()));
  };

  return {
    push(fn, delayMs = 0) {
      const now = Date.now();
      if (queue.length === 0 && delayMs <= 0) {
        fn();
        return;
      }
      // Not before what was sent ahead of it.
      const at = Math.max(now + delayMs, queue.at(-1)?.at ?? 0);
      queue.push({ at, fn });
      arm();
    },
    /** How many items wait. */
    get pending() {
      return queue.length;
    },
  };
}
