// The package entry: loads the WebAssembly module once, on first use, and
// wraps the generated Client so that registrations return plain unsubscribe
// functions. Importing this module has no side effects: nothing is fetched
// or opened until `init()` or `createClient()` is called, so it is safe in
// Node and during server-side rendering.
import initWasm, { Client as WasmClient, Subscription } from './wsnotify.js';
import { RELEASE, REPORT, RESTORED } from './hidden.js';

let loading = null;
let ready = false;
/** tabs.js once loaded: only an app that shares a connection across tabs downloads it. */
let tabs = null;
let loadingTabs = null;
/** Set while `createClient` constructs a client whose store it has read (`persist`). */
let storeRead = false;
/**
 * The clients started (`connect()`, `reconnect()`) and not yet closed or
 * freed. The generated client is freed when the garbage collector takes its
 * JavaScript object, and nothing else holds one that the application let
 * go of: its socket and timers hold the client only weakly. A started
 * client stays here, as an open WebSocket keeps itself alive, so that
 * `createClient(options).then((client) => { client.onChat(show); client.connect(); })`
 * keeps its connection.
 */
const started = new Set();

/** Keeps `client` while it runs; lets go of the clients that ended by themselves (gave up, a terminal close). */
function keepStarted(client) {
  for (const other of started) {
    if (other.state === 'closed') started.delete(other);
  }
  started.add(client);
}

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

/** Whether `options` ask for one connection across tabs and this realm can share one. */
function sharesAcrossTabs(options) {
  const share = options?.shareAcrossTabs;
  return share !== undefined && share !== null && share !== false
    // A window (not a worker) with BroadcastChannel; elsewhere the client has its own connection.
    && typeof window === 'object' && window !== null && globalThis === window && typeof document === 'object'
    && typeof BroadcastChannel === 'function';
}

function loadTabs() {
  loadingTabs ??= import('./tabs.js').then(
    (module) => {
      // A shared client is a Client to the application (`instanceof`, the members).
      Object.setPrototypeOf(module.SharedClient.prototype, Client.prototype);
      tabs = module;
    },
    (cause) => {
      loadingTabs = null;
      const error = new Error(`wsnotify: the tab-sharing module could not be loaded: ${cause?.message ?? cause}`, { cause });
      error.code = 'load_failed';
      throw error;
    },
  );
  return loadingTabs;
}

function notReady() {
  const error = new Error('wsnotify is not initialised: await init() (or use createClient) first');
  error.code = 'not_initialized';
  return error;
}

function freedError() {
  const error = new Error('wsnotify: this client was freed');
  error.code = 'freed';
  return error;
}

/**
 * A client; construct it after `init()` resolved, or use `createClient()`.
 *
 * Every member of the generated client is forwarded as it is declared in
 * Rust; registrations return a plain unsubscribe function instead of a
 * `Subscription`. `free()` is safe anywhere, inside the client's own
 * callbacks too: no callback runs after it, the connection stops at once,
 * and every later use of a member throws an Error with code `freed`.
 */
export class Client {
  #inner;
  /** How many calls into the client are under way (callbacks run inside them). */
  #depth = 0;
  /** Set when `free()` came inside a call: the client is released when it returns. */
  #releasing = null;
  #subscriptions = new Set();

  constructor(options) {
    if (!ready) throw notReady();
    if (options?.persist && !storeRead) {
      // The store must be read before the client starts: only an async factory can wait for it.
      const error = new Error('wsnotify: persist needs createClient(), which reads the store first');
      error.code = 'invalid_options';
      throw error;
    }
    if (sharesAcrossTabs(options)) {
      if (!tabs) {
        new WasmClient(options).free(); // invalid options are reported as such first
        const error = new Error('wsnotify: shareAcrossTabs loads a module of its own: use createClient(options)');
        error.code = 'not_initialized';
        throw error;
      }
      // One connection for the tabs of this origin (tabs.js); the options are checked here as always.
      const checked = { ...options };
      return new tabs.SharedClient(options, {
        probe: (use) => {
          const probe = new WasmClient(checked);
          try {
            return use(probe);
          } finally {
            probe.free();
          }
        },
        createInner: (leading) => new Client({ ...leading, persist: false }),
      });
    }
    this.#inner = new WasmClient(options);
  }

  /** `"off"`: this client has its own connection (see `shareAcrossTabs`). */
  get sharing() {
    if (!this.#inner) throw freedError();
    return 'off';
  }

  /** Without sharing, this tab is the only one: every claim is won. */
  claim(frame) {
    if (!this.#inner) throw freedError();
    void frame;
    return Promise.resolve(true);
  }

  /** With `persist`: the chats restored from the store, queued again; `[]` otherwise. */
  get restored() {
    if (!this.#inner) throw freedError();
    return this[RESTORED] ?? [];
  }

  /** An error of the package's own JavaScript (persistence), reported as the client's are. */
  [REPORT](code, message) {
    if (this.#inner) this.#call((inner) => inner.__report(code, message));
  }

  /** See hidden.js; `close` is the close to call (persist's own is the application's). */
  [RELEASE](report, close = () => this.close()) {
    const unsubscribe = this.onError(report);
    try {
      close();
    } finally {
      unsubscribe();
    }
  }

  #call(use) {
    if (!this.#inner) throw freedError();
    this.#depth += 1;
    try {
      return use(this.#inner);
    } finally {
      this.#depth -= 1;
      if (this.#depth === 0 && this.#releasing) {
        const releasing = this.#releasing;
        this.#releasing = null;
        releasing.free();
      }
    }
  }

  #unsubscriber(subscription) {
    let active = true;
    const unsubscribe = () => {
      if (!active) return;
      active = false;
      this.#subscriptions.delete(unsubscribe);
      subscription.unsubscribe();
      subscription.free();
    };
    this.#subscriptions.add(unsubscribe);
    return unsubscribe;
  }

  /** Closes the connection and frees every listener, timer and the wasm memory of this client. */
  free() {
    const inner = this.#inner;
    if (!inner) return;
    this.#inner = undefined;
    started.delete(this);
    for (const unsubscribe of [...this.#subscriptions]) unsubscribe();
    // Inside a call (a callback of this client), the generated object is
    // still in use: stop it now, release it when the call returns.
    if (this.#depth > 0) {
      inner.__stop();
      this.#releasing = inner;
    } else {
      inner.free();
    }
  }

  [Symbol.dispose]() {
    this.free();
  }

  static {
    for (const [name, member] of Object.entries(Object.getOwnPropertyDescriptors(WasmClient.prototype))) {
      if (name === 'constructor' || name === 'free' || name.startsWith('__')) continue;
      if (member.get) {
        Object.defineProperty(Client.prototype, name, { get() { return this.#call((inner) => inner[name]); } });
      } else if (typeof member.value === 'function') {
        Object.defineProperty(Client.prototype, name, {
          value(...args) {
            const result = this.#call((inner) => inner[name](...args));
            if (name === 'connect' || name === 'reconnect') {
              if (this.#inner) keepStarted(this);
            } else if (name === 'close') {
              started.delete(this);
            }
            return result instanceof Subscription ? this.#unsubscriber(result) : result;
          },
          writable: true,
          configurable: true,
        });
      }
    }
  }
}

/**
 * Loads the module (and, for `shareAcrossTabs`, the tab-sharing one) if
 * needed, then creates a client; with `persist`, reads its store first
 * (persist.js, loaded only then).
 */
export async function createClient(options) {
  await Promise.all([init(), sharesAcrossTabs(options) ? loadTabs() : null]);
  if (!options?.persist) return new Client(options);
  new WasmClient(options).free(); // bad options throw before any storage is touched
  let persist;
  try {
    persist = await import('./persist.js');
  } catch (cause) {
    const error = new Error(`wsnotify: the persistence module could not be loaded: ${cause?.message ?? cause}`, { cause });
    error.code = 'load_failed';
    throw error;
  }
  return persist.openPersisted(options, (prepared) => {
    storeRead = true;
    try {
      return new Client(prepared);
    } finally {
      storeRead = false;
    }
  }, { report: REPORT, restored: RESTORED, release: RELEASE });
}
