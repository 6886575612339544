// The reference server for browser tests, plus a control API the tests call
// with fetch: inspect what the server received, and make it close, drop or
// send arbitrary frames. Loopback only; prints its URLs as one JSON line.
//
//   GET  /state                 → { connections, frames: { userId: [text, …] } }
//   POST /reset                 → forget the recorded frames
//   POST /close?user=U&code=C   → close U's sockets with code C
//   POST /drop?user=U           → terminate U's sockets (no close frame: 1006)
//   POST /send?user=U           → body { frames: [text, …], binary?: bool } sent to U
import { createServer as createHttpServer } from 'node:http';
import { createServer } from '../../server/app.mjs';

// The SDK's own tests connect as arbitrary users with arbitrary tokens: the
// documented insecure dev identity mode (SECURITY.md), never for production.
const server = await createServer({ port: 0, allowedOrigins: ['*'], insecureDevIdentity: true, log: () => {} });

/** userId → every text frame its connections sent, in order. */
let frames = {};
server.wss.on('connection', (socket) => {
  const early = [];
  socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    // The app sets socket.userId when it handles `init`, before this listener runs.
    const user = socket.userId;
    if (!user) {
      early.push(data.toString());
      return;
    }
    (frames[user] ??= []).push(...early.splice(0), data.toString());
  });
});

const socketsOf = (user) => [...server.wss.clients].filter((socket) => socket.userId === user);

async function readBody(request) {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body ? JSON.parse(body) : {};
}

const routes = {
  'GET /state': () => ({ connections: server.connections(), frames }),
  'POST /reset': () => {
    frames = {};
    return {};
  },
  'POST /close': (query) => {
    const sockets = socketsOf(query.get('user'));
    for (const socket of sockets) socket.close(Number(query.get('code')), query.get('reason') ?? '');
    return { closed: sockets.length };
  },
  'POST /drop': (query) => {
    const sockets = socketsOf(query.get('user'));
    for (const socket of sockets) socket.terminate();
    return { dropped: sockets.length };
  },
  'POST /send': (query, body) => {
    const sockets = socketsOf(query.get('user'));
    for (const socket of sockets) {
      for (const frame of body.frames ?? []) socket.send(body.binary ? Buffer.from(frame) : frame);
    }
    return { sent: sockets.length };
  },
};

const control = createHttpServer(async (request, response) => {
  const headers = { 'access-control-allow-origin': '*', 'content-type': 'application/json' };
  const { pathname, searchParams } = new URL(request.url, 'http://localhost');
  const route = routes[`${request.method} ${pathname}`];
  if (request.method === 'OPTIONS') {
    response.writeHead(204, { ...headers, 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': '*' }).end();
    return;
  }
  if (!route) {
    response.writeHead(404, headers).end('{}');
    return;
  }
  try {
    const result = route(searchParams, request.method === 'POST' ? await readBody(request) : {});
    response.writeHead(200, headers).end(JSON.stringify(result));
  } catch (error) {
    response.writeHead(500, headers).end(JSON.stringify({ error: error.message }));
  }
});
await new Promise((resolve) => control.listen(0, '127.0.0.1', resolve));

console.log(JSON.stringify({ ws: server.wsUrl, control: `http://127.0.0.1:${control.address().port}` }));

const stop = async () => {
  control.close();
  await server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
