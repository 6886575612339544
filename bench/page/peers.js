// Bundled by bench/run.mjs into the page's /vendor/peers.js.
export { default as ReconnectingWebSocket } from 'reconnecting-websocket';
export { WebSocket as PartySocket } from 'partysocket';
export { io } from 'socket.io-client';
