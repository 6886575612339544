// The reference server: one HTTP server for www/ and pkg/, and the chat
// WebSocket at /ws on the same port.
import { createServer as createHttpServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { parseClientFrame } from './frames.mjs';
import { createHistory } from './history.mjs';
import { createStaticHandler } from './static.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  maxPayload: 64 * 1024,
  initTimeoutMs: 10_000,
  /** Protocol-level ping; a client that has not answered the previous one is terminated. */
  pingIntervalMs: 30_000,
  /**
   * Per-connection token bucket: frames per second, and the burst allowed.
   * The burst leaves room for a client flushing what it queued while offline.
   */
  rateLimit: { perSecond: 20, burst: 100 },
  allowedOrigins: [],
  /** Replay history and de-duplication; see server/history.mjs (`file` makes it durable). */
  history: {},
  log: (line) => console.log(line),
};

/** A token bucket: `take()` is false when the connection is over its rate. */
export function createRateLimiter({ perSecond, burst }, now = () => Date.now()) {
  let tokens = burst;
  let last = now();
  return {
    take() {
      const current = now();
      tokens = Math.min(burst, tokens + ((current - last) / 1000) * perSecond);
      last = current;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

/**
 * Whether a handshake's Origin may connect: absent (not a browser), same
 * host, listed, or any when the list holds `*`.
 */
export function originAllowed(origin, host, allowedOrigins) {
  if (origin === undefined) return true;
  if (allowedOrigins.includes(origin) || allowedOrigins.includes('*')) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * Starts the server; resolves to { url, wsUrl, port, wss, connections(), close() }.
 * `port: 0` picks a free port.
 */
export async function createServer(options = {}) {
  const config = { ...DEFAULTS, ...options };
  const { log } = config;
  const serveStatic = createStaticHandler([
    { prefix: '/pkg/', dir: join(root, 'pkg') },
    { prefix: '/', dir: join(root, 'www') },
  ]);
  const http = createHttpServer((request, response) => {
    serveStatic(request, response).catch((error) => {
      log(`http error: ${error.message}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  const wss = new WebSocketServer({
    server: http,
    path: '/ws',
    maxPayload: config.maxPayload,
    perMessageDeflate: false,
    verifyClient: ({ origin, req }, done) => {
      if (originAllowed(origin, req.headers.host, config.allowedOrigins)) return done(true);
      log(`rejected handshake from origin ${origin}`);
      return done(false, 403, 'Origin not allowed');
    },
  });

  /** userId → Set of sockets that sent `init` with it. */
  const users = new Map();
  const history = createHistory(config.history);
  const send = (socket, frame) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  };
  const notifyAll = (message) => {
    const frame = { type: 'notification', message, online: users.size };
    for (const sockets of users.values()) for (const socket of sockets) send(socket, frame);
  };

  function register(socket, userId, lastSeq) {
    let sockets = users.get(userId);
    const joined = !sockets;
    if (joined) users.set(userId, (sockets = new Set()));
    sockets.add(socket);
    socket.userId = userId;
    history.join(userId);
    log(`init user=${userId} tabs=${sockets.size}${lastSeq === undefined ? '' : ` lastSeq=${lastSeq}`}`);
    if (joined) notifyAll(`${userId} joined`);
    if (lastSeq !== undefined) {
      // `resumed` comes first, so the client knows how to read what follows.
      const { recovered, frames } = history.since(userId, lastSeq);
      send(socket, { type: 'resumed', recovered });
      for (const frame of frames) send(socket, frame);
    }
  }

  /** Numbers `frame` for `userId`, keeps it for replay, and sends it to the user's tabs. */
  function deliver(userId, frame) {
    const numbered = history.record(userId, frame);
    for (const socket of users.get(userId) ?? []) send(socket, numbered);
  }

  function unregister(socket) {
    const sockets = users.get(socket.userId);
    if (!sockets?.delete(socket)) return;
    if (sockets.size === 0) {
      users.delete(socket.userId);
      notifyAll(`${socket.userId} left`);
    }
  }

  function chat(socket, frame) {
    if (frame.fromUserId !== socket.userId) {
      send(socket, { type: 'error', code: 'unauthorized', message: 'fromUserId must be the user of this connection', id: frame.id });
      return;
    }
    // A resend of a chat already accepted (the ack was lost): ack it again,
    // deliver nothing twice.
    if (frame.id !== undefined && history.seen(frame.fromUserId, frame.id)) {
      send(socket, { type: 'ack', id: frame.id });
      return;
    }
    const out = { type: 'chat', fromUserId: frame.fromUserId, message: frame.message, timestamp: new Date().toISOString() };
    if (frame.toUserId !== undefined) out.toUserId = frame.toUserId;
    if (frame.id !== undefined) out.id = frame.id;
    let recipients;
    if (frame.toUserId === undefined) {
      recipients = [...users.keys()];
    } else if (users.has(frame.toUserId) || history.knows(frame.toUserId)) {
      // A known user who is away gets it on return, from the history.
      // The sender's own tabs see what it sent, too.
      recipients = [...new Set([frame.toUserId, frame.fromUserId])];
    } else {
      send(socket, { type: 'error', code: 'recipient_offline', message: `${frame.toUserId} has never been online`, id: frame.id });
      return;
    }
    for (const userId of recipients) deliver(userId, out);
    if (frame.id !== undefined) {
      history.accept(frame.fromUserId, frame.id);
      send(socket, { type: 'ack', id: frame.id });
    }
  }

  // Browsers answer protocol pings by themselves; a peer that stops
  // answering is gone (network drop, frozen tab) and is terminated.
  const heartbeat = setInterval(() => {
    for (const socket of wss.clients) {
      if (socket.missedPong) {
        log(`terminate unresponsive user=${socket.userId ?? '-'}`);
        socket.terminate();
        continue;
      }
      socket.missedPong = true;
      socket.ping();
    }
  }, config.pingIntervalMs);
  heartbeat.unref();

  /** The `id` of a dropped frame, when it has one, so the sender knows which. */
  const frameId = (data, isBinary) => {
    if (isBinary) return undefined;
    try {
      const id = JSON.parse(data.toString('utf8'))?.id;
      return typeof id === 'string' ? id : undefined;
    } catch {
      return undefined;
    }
  };

  wss.on('connection', (socket, request) => {
    log(`connect from ${request.socket.remoteAddress}`);
    const initTimer = setTimeout(() => {
      if (!socket.userId) socket.close(4401, 'init required');
    }, config.initTimeoutMs);
    const limiter = createRateLimiter(config.rateLimit);
    socket.on('pong', () => {
      socket.missedPong = false;
    });

    socket.on('message', (data, isBinary) => {
      if (!limiter.take()) {
        send(socket, { type: 'error', code: 'rate_limited', message: 'too many frames; slow down', id: frameId(data, isBinary) });
        return;
      }
      if (isBinary) {
        send(socket, { type: 'error', code: 'invalid_message', message: 'binary frames are not supported' });
        return;
      }
      const { frame, error } = parseClientFrame(data.toString('utf8'));
      if (error) {
        send(socket, { type: 'error', code: 'invalid_message', message: error });
        return;
      }
      if (frame.type === 'ping') {
        send(socket, { type: 'pong' });
      } else if (frame.type === 'init') {
        if (socket.userId && socket.userId !== frame.userId) unregister(socket);
        if (socket.userId !== frame.userId) register(socket, frame.userId, frame.lastSeq);
      } else if (!socket.userId) {
        send(socket, { type: 'error', code: 'unauthorized', message: 'send init first', id: frame.id });
      } else {
        chat(socket, frame);
      }
    });
    socket.on('error', (error) => log(`socket error user=${socket.userId ?? '-'}: ${error.message}`));
    socket.on('close', (code) => {
      clearTimeout(initTimer);
      log(`close user=${socket.userId ?? '-'} code=${code}`);
      unregister(socket);
    });
  });

  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, resolve);
  });
  const { port } = http.address();
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    port,
    /** The WebSocketServer, for tests that observe traffic. */
    wss,
    url: `http://${hostForUrl}:${port}/`,
    wsUrl: `ws://${hostForUrl}:${port}/ws`,
    /** How many WebSocket connections are open. */
    connections: () => wss.clients.size,
    /** Closes every client with 1001 and stops listening. */
    close() {
      clearInterval(heartbeat);
      for (const socket of wss.clients) socket.close(1001, 'server shutting down');
      return new Promise((resolve) => {
        wss.close(() => http.close(() => resolve()));
        // Clients that do not finish the closing handshake are cut after a second.
        setTimeout(() => {
          for (const socket of wss.clients) socket.terminate();
          http.closeAllConnections();
        }, 1000).unref();
      });
    },
  };
}
