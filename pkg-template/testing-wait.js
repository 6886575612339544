// wsnotify/testing: waiting for a condition, with a deadline.
//
// The deadline uses the real timer functions, so a wait that can never end
// fails in real time even while a test drives the client with fake timers.
// They are taken when this module loads; when fake timers are already
// installed then (Jest's `fakeTimers: { enableGlobally: true }`), from the
// fake: Jest and Vitest both fake with @sinonjs/fake-timers, whose fakes
// keep their clock, and the clock the function each one replaced.
const real = (name) => globalThis[name]?.clock?.[`_${name}`] ?? globalThis[name];
const realSetTimeout = real('setTimeout').bind(globalThis);
const realClearTimeout = real('clearTimeout').bind(globalThis);

/** How long the kit's waits last by default, ms of real time. */
export const DEFAULT_TIMEOUT_MS = 2_000;

/**
 * Resolves to the first truthy value of `check()`, called now and after each
 * notification `subscribe(notify)` delivers; rejects after `timeoutMs` with
 * "timed out waiting for `what`" and what `describe()` says about the state.
 */
export function waitFor({ check, subscribe, what, describe = () => '', timeoutMs = DEFAULT_TIMEOUT_MS }) {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    let timer;
    let done = false;
    const finish = (settle, value) => {
      if (done) return;
      done = true;
      realClearTimeout(timer);
      unsubscribe();
      settle(value);
    };
    const attempt = () => {
      try {
        const value = check();
        if (value) finish(resolve, value);
      } catch (error) {
        finish(reject, error);
      }
    };
    attempt();
    if (done) return;
    unsubscribe = subscribe(attempt);
    timer = realSetTimeout(() => {
      const detail = describe();
      finish(reject, new Error(`wsnotify/testing: timed out after ${timeoutMs} ms waiting for ${what}${detail ? ` (${detail})` : ''}`));
    }, timeoutMs);
  });
}

/** A set of listeners to notify: `subscribe(fn)` returns its unsubscribe function. */
export function createSignal() {
  const listeners = new Set();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    notify() {
      for (const listener of [...listeners]) listener();
    },
  };
}
