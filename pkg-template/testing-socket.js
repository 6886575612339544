// wsnotify/testing: a fake `WebSocket`, faithful to the browser's where the
// client (or an application) can tell the difference. It opens no network
// connection: each socket is linked to a connection of a scripted server.
//
// Events are dispatched asynchronously, each in a microtask of its own (never
// during the call that caused them), so they need no timer to run and are
// seen by tests under fake timers as well as under real ones.

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** Internal members shared with the server side; not part of the public API. */
export const LINK = Symbol('wsnotify.testing.link');

/** Runs `fn` in a microtask of its own (promise jobs are never faked by test runners). */
export const task = (fn) => {
  Promise.resolve().then(fn);
};

/** A DOMException when the environment has one (browsers, Node ≥ 17, jsdom), an Error otherwise. */
function domError(message, name) {
  if (typeof globalThis.DOMException === 'function') return new globalThis.DOMException(message, name);
  const error = new Error(message);
  error.name = name;
  return error;
}

/** A CloseEvent for environments without one (Node): the client checks `instanceof CloseEvent`. */
export function closeEventClass() {
  const Base = typeof globalThis.Event === 'function' ? globalThis.Event : class {
    constructor(type) { this.type = type; }
  };
  return class CloseEvent extends Base {
    #init;
    constructor(type, init = {}) {
      super(type, init);
      this.#init = { code: init.code ?? 0, reason: init.reason ?? '', wasClean: init.wasClean ?? false };
    }
    get code() { return this.#init.code; }
    get reason() { return this.#init.reason; }
    get wasClean() { return this.#init.wasClean; }
  };
}

/** An event of the environment's own class when it has one, so `instanceof` checks hold. */
function makeEvent(type, init) {
  const Class = type === 'message' ? globalThis.MessageEvent : type === 'close' ? globalThis.CloseEvent : globalThis.Event;
  if (typeof Class === 'function') {
    try {
      return new Class(type, init);
    } catch {
      // Fall through to a plain object.
    }
  }
  return { type, ...init };
}

const byteLength = (text) => new TextEncoder().encode(text).length;

/** The size of a frame as `bufferedAmount` counts it: UTF-8 bytes of text, bytes of binary. */
const sizeOf = (data) => (typeof data === 'string' ? byteLength(data) : data.byteLength ?? data.size ?? 0);

/** Copies an ArrayBuffer or a view of one into a new ArrayBuffer. */
export function toArrayBuffer(data) {
  if (data instanceof ArrayBuffer) return data.slice(0);
  if (ArrayBuffer.isView(data)) return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  return null;
}

/**
 * The `WebSocket` class installed on `globalThis` while a scripted server
 * listens. `connectTo(url)` finds the server for a URL (null: refused).
 */
export function createFakeWebSocketClass(connectTo) {
  class WebSocket {
    static CONNECTING = CONNECTING;
    static OPEN = OPEN;
    static CLOSING = CLOSING;
    static CLOSED = CLOSED;

    CONNECTING = CONNECTING;
    OPEN = OPEN;
    CLOSING = CLOSING;
    CLOSED = CLOSED;

    #readyState = CONNECTING;
    #listeners = new Map();
    #peer = null;
    #binaryType = 'blob';
    #protocol = '';
    onopen = null;
    onmessage = null;
    onclose = null;
    onerror = null;
    extensions = '';
    #bufferedAmount = 0;

    constructor(url, protocols = []) {
      let parsed;
      try {
        parsed = new URL(String(url));
      } catch {
        throw domError(`Failed to construct 'WebSocket': The URL '${url}' is invalid.`, 'SyntaxError');
      }
      if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
      if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
      if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
        throw domError(`Failed to construct 'WebSocket': The URL's scheme must be 'ws' or 'wss'. '${parsed.protocol}' is not allowed.`, 'SyntaxError');
      }
      if (parsed.hash) {
        throw domError("Failed to construct 'WebSocket': The URL contains a fragment identifier.", 'SyntaxError');
      }
      this.url = parsed.href;
      const list = typeof protocols === 'string' ? [protocols] : [...protocols];
      if (new Set(list).size !== list.length) {
        throw domError("Failed to construct 'WebSocket': The subprotocol is duplicated.", 'SyntaxError');
      }
      const link = {
        socket: this,
        protocols: list,
        opened: (protocol = '') => task(() => this.#opened(protocol)),
        message: (data) => task(() => this.#message(data)),
        closed: (code, reason, wasClean) => task(() => this.#closed(code, reason, wasClean)),
        refused: () => task(() => this.#refused()),
        // What the server does not read stays in the socket, as in a browser's.
        held: (data) => {
          this.#bufferedAmount += sizeOf(data);
        },
        drained: () => {
          this.#bufferedAmount = 0;
        },
      };
      const server = connectTo(this.url);
      if (server) {
        this.#peer = server[LINK](link);
      } else {
        link.refused();
      }
    }

    get readyState() { return this.#readyState; }
    /**
     * Bytes sent that the server has not read yet (see
     * `ServerConnection.stopReading`), and whatever was sent once closing.
     * While the server reads, 0: it reads at once.
     */
    get bufferedAmount() { return this.#bufferedAmount; }
    get protocol() { return this.#protocol; }
    get binaryType() { return this.#binaryType; }
    set binaryType(value) {
      // Like the browser: any other value is ignored.
      if (value === 'blob' || value === 'arraybuffer') this.#binaryType = value;
    }

    /**
     * Sends a frame; throws InvalidStateError while connecting, drops it
     * silently once closing (still counting it in `bufferedAmount`, as a
     * browser does).
     */
    send(data) {
      if (this.#readyState === CONNECTING) {
        throw domError("Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.", 'InvalidStateError');
      }
      let frame;
      if (typeof data === 'string') frame = data;
      else if (toArrayBuffer(data)) frame = toArrayBuffer(data);
      else if (typeof globalThis.Blob === 'function' && data instanceof globalThis.Blob) frame = data;
      else frame = String(data);
      if (this.#readyState !== OPEN) {
        this.#bufferedAmount += sizeOf(frame);
        return;
      }
      this.#peer?.fromClient(frame);
    }

    /** Starts the closing handshake; throws for a code or reason the browser refuses. */
    close(code, reason = '') {
      if (code !== undefined && code !== 1000 && !(Number.isInteger(code) && code >= 3000 && code <= 4999)) {
        throw domError(`Failed to execute 'close' on 'WebSocket': The close code must be either 1000, or between 3000 and 4999. ${code} is neither.`, 'InvalidAccessError');
      }
      const text = String(reason);
      if (byteLength(text) > 123) {
        throw domError("Failed to execute 'close' on 'WebSocket': The close reason must not be greater than 123 UTF-8 bytes.", 'SyntaxError');
      }
      if (this.#readyState === CLOSING || this.#readyState === CLOSED) return;
      if (this.#readyState === CONNECTING) {
        // The browser fails the connection: error, then close 1006.
        this.#readyState = CLOSING;
        this.#peer?.clientAborted();
        task(() => this.#refused());
        return;
      }
      this.#readyState = CLOSING;
      this.#peer?.clientClosed(code ?? 1005, text);
    }

    addEventListener(type, listener, options) {
      if (typeof listener !== 'function' && typeof listener?.handleEvent !== 'function') return;
      const once = typeof options === 'object' && options !== null && Boolean(options.once);
      const list = this.#listeners.get(type) ?? [];
      if (list.some((entry) => entry.listener === listener)) return;
      list.push({ listener, once });
      this.#listeners.set(type, list);
      options?.signal?.addEventListener?.('abort', () => this.removeEventListener(type, listener));
    }

    removeEventListener(type, listener) {
      const list = this.#listeners.get(type);
      if (!list) return;
      this.#listeners.set(type, list.filter((entry) => entry.listener !== listener));
    }

    dispatchEvent(event) {
      for (const [name, value] of [['target', this], ['currentTarget', this], ['srcElement', this]]) {
        try {
          Object.defineProperty(event, name, { value, configurable: true });
        } catch {
          // A frozen event keeps its own target.
        }
      }
      const handler = this[`on${event.type}`];
      const listeners = [...(this.#listeners.get(event.type) ?? [])];
      if (typeof handler === 'function') listeners.unshift({ listener: handler, once: false });
      for (const entry of listeners) {
        if (entry.once) this.removeEventListener(event.type, entry.listener);
        try {
          if (typeof entry.listener === 'function') entry.listener.call(this, event);
          else entry.listener.handleEvent(event);
        } catch (error) {
          // As in a browser, a throwing listener is reported and the others still run.
          Promise.reject(error);
        }
      }
      return true;
    }

    #opened(protocol) {
      if (this.#readyState !== CONNECTING) return;
      this.#readyState = OPEN;
      this.#protocol = protocol;
      this.dispatchEvent(makeEvent('open', {}));
    }

    #message(data) {
      if (this.#readyState !== OPEN) return;
      let payload = data;
      if (typeof data !== 'string') {
        const buffer = toArrayBuffer(data) ?? data;
        payload = this.#binaryType === 'blob' && typeof globalThis.Blob === 'function' && !(buffer instanceof globalThis.Blob)
          ? new globalThis.Blob([buffer])
          : buffer;
      }
      this.dispatchEvent(makeEvent('message', { data: payload, origin: new URL(this.url).origin }));
    }

    #closed(code, reason, wasClean) {
      if (this.#readyState === CLOSED) return;
      this.#readyState = CLOSED;
      this.dispatchEvent(makeEvent('close', { code, reason, wasClean }));
    }

    #refused() {
      if (this.#readyState === CLOSED) return;
      this.#readyState = CLOSED;
      this.dispatchEvent(makeEvent('error', {}));
      this.dispatchEvent(makeEvent('close', { code: 1006, reason: '', wasClean: false }));
    }
  }
  return WebSocket;
}
