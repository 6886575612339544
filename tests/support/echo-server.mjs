// A WebSocket echo server on a free loopback port, for the browser tests.
// Prints its URL on the first line of stdout; exits when stdin closes or on SIGTERM.
import { WebSocketServer } from 'ws';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});
server.on('listening', () => {
  console.log(`ws://127.0.0.1:${server.address().port}`);
});

const stop = () => {
  for (const client of server.clients) client.terminate();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
