// wsnotify/testing: a test kit for applications built on wsnotify. A scripted
// server the client talks to without a network (a fake `WebSocket` on
// `globalThis`), driven by the test runner's fake timers; helpers for the
// common assertions; page signals; a React hook renderer. Never imported by
// the package's other entries.
export { createScriptedServer, ScriptedServer } from './testing-server.js';
export { ServerConnection } from './testing-connection.js';
export { FakeWebSocket } from './testing-network.js';
export { parseClientFrame } from './client-frames.js';
export { decodeFrame } from './testing-frames.js';
export { collectFrames, loadForTests, recordStates, waitForState } from './testing-client.js';
export {
  enterBackForwardCache, goOffline, goOnline, hidePage, leaveBackForwardCache, restorePage, showPage,
} from './testing-page.js';
export { renderNotification } from './testing-react.js';
export { DEFAULT_TIMEOUT_MS } from './testing-wait.js';
