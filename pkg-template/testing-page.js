// wsnotify/testing: the page signals the client reacts to, fired as the
// browser would: `offline`/`online` on window (with `navigator.onLine`
// following), `visibilitychange` on document, and `pagehide`/`pageshow` of
// the back/forward cache. They need a DOM (jsdom, happy-dom or a browser).

/**
 * Under Vitest's jsdom or happy-dom environment the global object is Node's,
 * with the DOM's members copied onto it, so `globalThis instanceof Window`
 * is false and the client would think it runs outside a page, listening to
 * no page signal. This makes that check hold for the global object (and
 * changes nothing where it already holds: browsers, Jest's jsdom).
 */
export function treatGlobalAsWindow() {
  const { Window } = globalThis;
  if (typeof Window !== 'function' || globalThis.window !== globalThis || globalThis instanceof Window) return;
  Object.defineProperty(Window, Symbol.hasInstance, {
    configurable: true,
    value(candidate) {
      return candidate === globalThis || Function.prototype[Symbol.hasInstance].call(this, candidate);
    },
  });
}

/** Property overrides made by these helpers, to put back in `restorePage()`. */
const overrides = [];

function requireWindow(what) {
  if (typeof globalThis.window === 'undefined' || typeof globalThis.window.dispatchEvent !== 'function') {
    throw new Error(`wsnotify/testing: ${what} needs a DOM environment (jsdom, happy-dom or a browser)`);
  }
  return globalThis.window;
}

/** Overrides the getter `name` of `target` with `value`, remembering how to undo it. */
function override(target, name, value) {
  if (!target) return;
  if (!overrides.some((entry) => entry.target === target && entry.name === name)) {
    overrides.push({ target, name, own: Object.getOwnPropertyDescriptor(target, name) });
  }
  Object.defineProperty(target, name, { configurable: true, get: () => value });
}

function event(type, init = {}) {
  const window = requireWindow(type);
  if (type === 'pagehide' || type === 'pageshow') {
    const Class = window.PageTransitionEvent;
    if (typeof Class === 'function') return new Class(type, init);
    const plain = new window.Event(type);
    Object.defineProperty(plain, 'persisted', { value: Boolean(init.persisted) });
    return plain;
  }
  return new window.Event(type);
}

/** The network goes away: `navigator.onLine` is false and `offline` fires on window. */
export function goOffline() {
  const window = requireWindow('goOffline');
  override(window.navigator, 'onLine', false);
  window.dispatchEvent(event('offline'));
}

/** The network is back: `navigator.onLine` is true and `online` fires on window. */
export function goOnline() {
  const window = requireWindow('goOnline');
  override(window.navigator, 'onLine', true);
  window.dispatchEvent(event('online'));
}

/** The tab is hidden: `document.visibilityState` is "hidden", `visibilitychange` fires. */
export function hidePage() {
  const window = requireWindow('hidePage');
  override(window.document, 'visibilityState', 'hidden');
  override(window.document, 'hidden', true);
  window.document.dispatchEvent(event('visibilitychange'));
}

/** The tab is visible again: "visible", `visibilitychange` fires (the client reconnects at once if it was down). */
export function showPage() {
  const window = requireWindow('showPage');
  override(window.document, 'visibilityState', 'visible');
  override(window.document, 'hidden', false);
  window.document.dispatchEvent(event('visibilitychange'));
}

/** The page goes into the back/forward cache: `pagehide` with `persisted: true` (the client releases its socket). */
export function enterBackForwardCache() {
  requireWindow('enterBackForwardCache').dispatchEvent(event('pagehide', { persisted: true }));
}

/** The page comes back from the back/forward cache: `pageshow` with `persisted: true`. */
export function leaveBackForwardCache() {
  requireWindow('leaveBackForwardCache').dispatchEvent(event('pageshow', { persisted: true }));
}

/** Puts back `navigator.onLine`, `document.visibilityState` and `document.hidden` as they were. */
export function restorePage() {
  for (const { target, name, own } of overrides.splice(0).reverse()) {
    if (own) Object.defineProperty(target, name, own);
    else delete target[name];
  }
}
