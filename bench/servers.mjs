// The servers the browser benchmarks talk to: a plain WebSocket server and a
// socket.io server, each able to flood N pre-encoded chat frames, count N
// received chats, and echo one chat back.
import { createServer as createHttpServer } from 'node:http';
import { Server as SocketIoServer } from 'socket.io';
import { WebSocketServer } from 'ws';

/**
 * `n` chat frames of the protocol with 60-character messages, encoded up to
 * their id: every flood gets ids of its own, since the SDK rightly drops a
 * message id it has already delivered.
 */
export function chatFrames(n) {
  const message = 'x'.repeat(60);
  const timestamp = new Date(0).toISOString();
  const head = `{"type":"chat","fromUserId":"bench-server","toUserId":"bench","message":"${message}","timestamp":"${timestamp}","id":"`;
  return Array.from({ length: n }, (_, i) => `${head}${i}-`);
}

let floods = 0;

/**
 * Requests, as text frames: `{"type":"flood","n":N}` → N chat frames;
 * `{"type":"expect","n":N}` → `{"type":"count"}` once N chats arrived;
 * a chat with `"echo":true` in its message → sent straight back as a chat.
 * `init` and everything else is ignored.
 */
export async function startBenchServers(maxFlood) {
  const frames = chatFrames(maxFlood);
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('connection', (socket) => {
    let expected = Infinity;
    let chats = 0;
    socket.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('{"type":"chat"')) {
        if (text.includes('"message":"echo')) {
          const { message } = JSON.parse(text);
          socket.send(`{"type":"chat","fromUserId":"bench-server","message":${JSON.stringify(message)},"timestamp":"t"}`);
          return;
        }
        chats += 1;
        if (chats === expected) socket.send('{"type":"count"}');
        return;
      }
      const request = JSON.parse(text);
      if (request.type === 'flood') {
        floods += 1;
        const tail = `${floods}"}`;
        for (let i = 0; i < request.n; i += 1) socket.send(frames[i] + tail);
      }
      if (request.type === 'expect') {
        expected = request.n;
        chats = 0;
        socket.send('{"type":"expecting"}');
      }
    });
  });
  await new Promise((resolve) => wss.once('listening', resolve));

  const http = createHttpServer();
  const io = new SocketIoServer(http, { cors: { origin: '*' }, perMessageDeflate: false, transports: ['websocket'] });
  const objects = frames.map((frame) => JSON.parse(`${frame}0"}`));
  io.on('connection', (socket) => {
    let expected = Infinity;
    let chats = 0;
    socket.on('flood', (n) => {
      for (let i = 0; i < n; i += 1) socket.emit('chat', objects[i]);
    });
    socket.on('expect', (n, ready) => {
      expected = n;
      chats = 0;
      ready();
    });
    socket.on('chat', (chat) => {
      if (chat.message.startsWith('echo')) {
        socket.emit('chat', { type: 'chat', fromUserId: 'bench-server', message: chat.message, timestamp: 't' });
        return;
      }
      chats += 1;
      if (chats === expected) socket.emit('count');
    });
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));

  return {
    wsUrl: `ws://127.0.0.1:${wss.address().port}`,
    ioUrl: `http://127.0.0.1:${http.address().port}`,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
      io.close();
      http.close();
    },
  };
}
