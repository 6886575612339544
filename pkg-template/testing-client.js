// wsnotify/testing: loading the client in a test, and the common assertions
// about a client: wait until it is in a state, collect what it received.
import { init, isReady } from './index.js';
import { frameMatcher } from './testing-frames.js';
import { treatGlobalAsWindow } from './testing-page.js';
import { waitFor } from './testing-wait.js';

/**
 * Loads the WebAssembly module for tests: in Node (Vitest or Jest with jsdom
 * or happy-dom, node:test) it reads `wsnotify_bg.wasm` from the installed
 * package, since there is no fetch of a `file:` URL; in a browser it lets
 * `init()` fetch it. Resolves once `createClient` and `new Client` work.
 * Under Vitest's jsdom or happy-dom it also lets the client see the page
 * signals (see `treatGlobalAsWindow`).
 */
export async function loadForTests() {
  treatGlobalAsWindow();
  if (isReady()) return;
  const inNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  if (!inNode) {
    await init();
    return;
  }
  // Names in variables: bundlers for the browser must not try to resolve them.
  const fsName = 'node:fs/promises';
  const urlName = 'node:url';
  const [{ readFile }, { fileURLToPath }] = await Promise.all([import(/* @vite-ignore */ fsName), import(/* @vite-ignore */ urlName)]);
  const bytes = await readFile(fileURLToPath(new URL('./wsnotify_bg.wasm', import.meta.url).href));
  await init(bytes);
}

/**
 * Resolves once `client.state` is `state` (or one of the states in an
 * array), at once if it already is; rejects after `timeoutMs` of real time
 * (default 2000). Under fake timers, advance the clock first (or at the same
 * time) if the state comes from a timer.
 */
export function waitForState(client, state, { timeoutMs } = {}) {
  const wanted = Array.isArray(state) ? state : [state];
  return waitFor({
    what: `state ${wanted.join(' or ')}`,
    timeoutMs,
    subscribe: (notify) => client.onStateChange(notify),
    describe: () => `the client is ${client.state}`,
    check: () => wanted.includes(client.state) && client.state,
  });
}

/**
 * Collects what the client receives from now on, in a live array: with a
 * `kind`, the JSON frames of that kind (`on(kind)`); with an object or a
 * predicate, the frames that match it; with nothing, every frame
 * (`onMessage`, decoded as the client delivers them). The array's `stop()`
 * ends the collection.
 */
export function collectFrames(client, match) {
  const frames = [];
  let unsubscribe;
  if (typeof match === 'string') {
    unsubscribe = client.on(match, (frame) => frames.push(frame));
  } else {
    const test = frameMatcher(match);
    unsubscribe = client.onMessage((message) => {
      if (test(message)) frames.push(message);
    });
  }
  Object.defineProperty(frames, 'stop', { value: unsubscribe, enumerable: false });
  return frames;
}

/**
 * Records the client's state changes from now on, in a live array of
 * `{ state, attempt, nextDelayMs?, lastClose?, at }` (`at`: `Date.now()`,
 * fake time under fake timers); `stop()` ends the recording.
 */
export function recordStates(client) {
  const changes = [];
  const unsubscribe = client.onStateChange((change) => {
    changes.push({ ...plain(change), at: Date.now() });
  });
  Object.defineProperty(changes, 'stop', { value: unsubscribe, enumerable: false });
  return changes;
}

/** A plain copy of a change event (its nested close info included). */
function plain(change) {
  const copy = {};
  for (const key of ['state', 'attempt', 'nextDelayMs', 'lastClose']) {
    if (change[key] !== undefined && change[key] !== null) copy[key] = change[key];
  }
  if (copy.lastClose) {
    const { code, reason, wasClean } = copy.lastClose;
    copy.lastClose = { code, reason, wasClean };
  }
  return copy;
}
