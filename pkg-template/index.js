// The package entry: loads the WebAssembly module once, on first use, and
// wraps the generated Client so that registrations return plain unsubscribe
// functions. Importing this module has no side effects: nothing is fetched
// or opened until `init()` or `createClient()` is called, so it is safe in
// Node and during server-side rendering.
import initWasm, { Client as WasmClient } from './wsnotify.js';

let loading = null;
let ready = false;

/**
 * Loads and instantiates the WebAssembly module, once. `source` is optional:
 * a URL, Response, BufferSource or WebAssembly.Module (by default the
 * `wsnotify_bg.wasm` next to this file). Rejects with an Error whose `code`
 * is `load_failed` (its `cause` is the browser's error).
 */
export function init(source) {
  if (!loading) {
    loading = initWasm(source === undefined ? undefined : { module_or_path: source }).then(
      () => {
        ready = true;
      },
      (cause) => {
        // Let a later call try again (e.g. after a network error).
        loading = null;
        const error = new Error(`wsnotify: the WebAssembly module could not be loaded: ${cause?.message ?? cause}`, { cause });
        error.code = 'load_failed';
        throw error;
      },
    );
  }
  return loading;
}

/** Whether `init()` has completed, so that `new Client()` can be called. */
export function isReady() {
  return ready;
}

function notReady() {
  const error = new Error('wsnotify is not initialised: await init() (or use createClient) first');
  error.code = 'not_initialized';
  return error;
}

/** A client; construct it after `init()` resolved, or use `createClient()`. */
export class Client {
  #inner;

  constructor(options) {
    if (!ready) throw notReady();
    this.#inner = new WasmClient(options);
  }

  connect() { this.#inner.connect(); }
  close(code, reason) { this.#inner.close(code, reason); }
  reconnect() { this.#inner.reconnect(); }
  sendChat(toUserId, message) { return this.#inner.sendChat(toUserId ?? null, message); }
  sendJson(value) { return this.#inner.sendJson(value); }
  sendText(text) { return this.#inner.sendText(text); }
  get readyState() { return this.#inner.readyState; }
  get state() { return this.#inner.state; }
  get attempt() { return this.#inner.attempt; }
  get queued() { return this.#inner.queued; }
  get delivery() { return this.#inner.delivery; }

  // Each registration returns the function that unregisters the callback.
  onOpen(callback) { return unsubscriber(this.#inner.onOpen(callback)); }
  onClose(callback) { return unsubscriber(this.#inner.onClose(callback)); }
  onError(callback) { return unsubscriber(this.#inner.onError(callback)); }
  onChat(callback) { return unsubscriber(this.#inner.onChat(callback)); }
  onNotification(callback) { return unsubscriber(this.#inner.onNotification(callback)); }
  onMessage(callback) { return unsubscriber(this.#inner.onMessage(callback)); }
  onStateChange(callback) { return unsubscriber(this.#inner.onStateChange(callback)); }
  onGiveUp(callback) { return unsubscriber(this.#inner.onGiveUp(callback)); }
  on(type, callback) { return unsubscriber(this.#inner.on(type, callback)); }

  /** Closes the connection and frees every listener, timer and the wasm memory of this client. */
  free() {
    this.#inner?.free();
    this.#inner = undefined;
  }

  [Symbol.dispose]() {
    this.free();
  }
}

/** Wraps a wasm Subscription into an idempotent function that also frees it. */
function unsubscriber(subscription) {
  let active = true;
  return () => {
    if (!active) return;
    active = false;
    subscription.unsubscribe();
    subscription.free();
  };
}

/** Loads the module if needed, then creates a client. */
export async function createClient(options) {
  await init();
  return new Client(options);
}
