// The frames one connection sends, handled one at a time, in order, at most
// at the connection's rate.
//
// A frame over the rate is not refused: it waits for its token, and the
// socket is paused meanwhile, so that the peer's next frames wait in its own
// buffers (TCP backpressure) rather than here. Dropping it instead would lose
// it from a client that cannot know which of its frames were dropped: one
// flushing what it queued while offline would see the tail of its queue
// overtaken by its later messages. The same holds while a handler waits for
// the token check or the store: the next frames wait behind it.
import { createRateLimiter } from './limits.mjs';

/**
 * `limits`: { perSecond, burst, maxQueued, maxQueuedBytes }: the rate, and how
 * much may wait; a peer that pushes more than that past the pause is
 * flooding. `on`:
 * - `handle(data, isBinary)`: handles one frame; a promise while it waits;
 * - `pause()`, `resume()`: stop and restart reading the socket;
 * - `overflow()`: the bound was exceeded (nothing more is handled);
 * - `failed(error)`: a handler threw or rejected.
 */
export function createInbound(limits, on, now = () => Date.now()) {
  const bucket = createRateLimiter(limits, now);
  /** [data, isBinary] pairs, oldest first. */
  const queue = [];
  let queuedBytes = 0;
  let busy = false;
  let paused = false;
  let stopped = false;
  let timer = null;
  /** Frames handled so far, and at the last `progressing()`. */
  let handled = 0;
  let handledBefore = 0;

  /** The socket is read while nothing waits, and paused while anything does. */
  const followQueue = () => {
    const wanted = queue.length > 0;
    if (wanted === paused) return;
    paused = wanted;
    if (paused) on.pause();
    else on.resume();
  };

  const handleNext = () => {
    const [data, isBinary] = queue.shift();
    queuedBytes -= data.length;
    handled += 1;
    let pending;
    try {
      pending = on.handle(data, isBinary);
    } catch (error) {
      on.failed(error);
      return;
    }
    if (!pending) return;
    busy = true;
    pending.catch(on.failed).finally(() => {
      busy = false;
      pump();
    });
  };

  function pump() {
    timer = null;
    while (queue.length > 0 && !busy && !stopped) {
      if (!bucket.take()) {
        timer = setTimeout(pump, bucket.waitMs());
        timer.unref?.();
        break;
      }
      handleNext();
    }
    followQueue();
  }

  return {
    /** A frame arrived. */
    push(data, isBinary) {
      if (stopped) return;
      if (queue.length >= limits.maxQueued || queuedBytes + data.length > limits.maxQueuedBytes) {
        this.stop();
        on.overflow();
        return;
      }
      queue.push([data, isBinary]);
      queuedBytes += data.length;
      if (timer === null) pump();
    },
    /**
     * Whether the socket is paused by this pacing and a frame was handled
     * since the last call: its silence is then ours, not the peer's (its
     * pong may be among what waits), and it is making progress.
     */
    progressing() {
      const progressed = handled !== handledBefore;
      handledBefore = handled;
      return paused && progressed;
    },
    /** Handles nothing more: the connection closed, or is being closed. */
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = null;
      queue.length = 0;
      queuedBytes = 0;
      // Read on, so that the peer's answer to a close is seen (what it sends
      // meanwhile is dropped by push).
      followQueue();
    },
  };
}
