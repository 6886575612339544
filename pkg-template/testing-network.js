// wsnotify/testing: the in-memory "network" the fake WebSocket connects over.
// While at least one scripted server listens, `globalThis.WebSocket` is the
// fake (and `globalThis.CloseEvent` exists); when the last one stops, the
// globals are put back as they were.
import { closeEventClass, createFakeWebSocketClass } from './testing-socket.js';

/** The listening servers, most recent first: a URL goes to the first that matches it. */
const servers = [];
let saved = null;

const FakeWebSocket = createFakeWebSocketClass((url) => servers.find((server) => server.matches(url)) ?? null);

function installGlobals() {
  saved = {
    WebSocket: Object.getOwnPropertyDescriptor(globalThis, 'WebSocket'),
    CloseEvent: Object.getOwnPropertyDescriptor(globalThis, 'CloseEvent'),
  };
  const define = (name, value) => Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  define('WebSocket', FakeWebSocket);
  if (typeof globalThis.CloseEvent !== 'function') define('CloseEvent', closeEventClass());
}

function restoreGlobals() {
  for (const [name, descriptor] of Object.entries(saved)) {
    if (descriptor) Object.defineProperty(globalThis, name, descriptor);
    else delete globalThis[name];
  }
  saved = null;
}

/** Starts routing new sockets to `server`. */
export function attach(server) {
  if (servers.includes(server)) return;
  if (servers.length === 0) installGlobals();
  servers.unshift(server);
}

/** Stops routing to `server`; the last one out restores the globals. */
export function detach(server) {
  const index = servers.indexOf(server);
  if (index === -1) return;
  servers.splice(index, 1);
  if (servers.length === 0) restoreGlobals();
}

export { FakeWebSocket };
