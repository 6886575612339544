// The reference server: one HTTP server for www/ and pkg/, the chat
// WebSocket at /ws on the same port, and (development mode only) a login
// endpoint that issues tokens. SECURITY.md says what it defends and what it
// leaves to the deployment.
import { createServer as createHttpServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { CLOSE_FORBIDDEN, createAuth } from './auth.mjs';
import { DEV_LOGIN_PATH, createDevLoginHandler } from './dev-login.mjs';
import { MAX_CLIENT_FRAME_BYTES, MAX_RELAYED_FRAME_BYTES, parseClientFrame, relayedChat } from '../pkg-template/client-frames.js';
import { createBackends } from './backends.mjs';
import { createInbound } from './inbound.mjs';
import { LIMIT_DEFAULTS, createConnectionCounter, createRateLimiter } from './limits.mjs';
import { PRESENCE_DEFAULTS, createPresenceAnnouncer } from './presence/announcer.mjs';
import { REDIS_DEFAULTS } from './redis-client.mjs';
import { createStaticHandler } from './static.mjs';
import { forLog } from './text.mjs';

export { createRateLimiter };

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Close codes the server uses (the client treats 4400-4499 as final). */
export const CLOSE = {
  UNAUTHENTICATED: 4401,
  FORBIDDEN: CLOSE_FORBIDDEN,
  RATE_LIMITED: 4429,
  TOO_SLOW: 1013,
  /** Also "try again later": the shared store is unavailable. */
  TRY_AGAIN_LATER: 1013,
  SERVER_BUG: 1011,
  /** Service restart: a draining node closes what is left, or a connection must resume to learn of a gap. */
  SERVICE_RESTART: 1012,
};

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  /** Largest frame a client may send. */
  maxPayload: MAX_CLIENT_FRAME_BYTES,
  /** Largest frame the client accepts: every relayed chat, envelope included, fits in it. */
  maxRelayedFrameBytes: MAX_RELAYED_FRAME_BYTES,
  initTimeoutMs: 10_000,
  /** Protocol-level ping; a client that has not answered the previous one is terminated. */
  pingIntervalMs: 30_000,
  /** Per-connection frame rate and what may wait for it (past that, 4429); see server/limits.mjs. */
  rateLimit: LIMIT_DEFAULTS.rateLimit,
  /** Open connections per remote address and in total. */
  connections: LIMIT_DEFAULTS.connections,
  /**
   * Bytes a connection may have waiting to be sent; a client that reads more
   * slowly than it is sent to is closed with 1013 past it.
   */
  maxBacklogBytes: 1024 * 1024,
  /** Spacing of join/leave notifications; see server/presence/announcer.mjs. */
  presence: PRESENCE_DEFAULTS,
  /**
   * Origins (scheme://host:port) whose pages may connect, besides the
   * server's own; `*` allows any. A handshake without Origin (not a browser)
   * is allowed: it still needs a token.
   */
  allowedOrigins: [],
  /** The HS256 secret tokens are signed with (at least 32 bytes); required unless insecureDevIdentity. */
  tokenSecret: undefined,
  tokenTtlSeconds: 3600,
  /** Serve POST /dev/login, which issues a token to anybody: development only. */
  devLogin: false,
  /**
   * Tests and development only: take `init`'s userId on trust, without a
   * token. Logs a warning when the server starts.
   */
  insecureDevIdentity: false,
  /** Replay history and de-duplication; see server/history/ (`file` makes the single node's durable). */
  history: {},
  /**
   * Chats per user across all its connections (and nodes): a token bucket,
   * by default as large as one connection's frame limit.
   */
  chatRate: undefined,
  /**
   * Share routing, history, presence and chat rates through this Redis
   * (redis://host:port) so that several nodes serve one set of users;
   * without it everything is in this process.
   */
  redisUrl: undefined,
  /** Prefix of every Redis key and channel. */
  redisPrefix: 'wsnotify:',
  /** With Redis: how long a node that stopped without a goodbye still counts its users online, ms. */
  presenceTtlMs: 15_000,
  /** With Redis: how often the pub/sub connection is checked for one that passes nothing, ms. */
  pubsubCheckMs: REDIS_DEFAULTS.pubsubCheckMs,
  /** This node's name in Redis (random when absent). */
  nodeId: undefined,
  /**
   * How long a draining node spreads its clients' reconnections over, ms;
   * what is left at its end is closed with 1012.
   */
  drainWindowMs: 10_000,
  log: (line) => console.log(line),
};

/** A connection being closed for misbehaving is cut if it has not finished the close handshake by then. */
const CLOSE_GRACE_MS = 2_000;
/** Live frames held for a connection while its replay is read; past it, 1013. */
const MAX_HELD_LIVE_FRAMES = 1_024;
/** Share of the drain window over which reconnect hints are sent. */
const DRAIN_SPREAD = 0.7;
/**
 * Share of the window each hint's `afterMs` covers at least: the clients'
 * random picks smooth out hints that a busy event loop sent in a bunch.
 * Spread and jitter together leave the end of the window for the last ones to land.
 */
const DRAIN_JITTER = 0.1;

/**
 * Whether a handshake's Origin may connect: absent (not a browser), or listed
 * exactly (or `*` listed). The Host header plays no part: with DNS rebinding
 * an attacker's page sends a Host of its own choosing.
 */
export function originAllowed(origin, allowedOrigins) {
  if (origin === undefined) return true;
  return allowedOrigins.includes('*') || allowedOrigins.includes(origin);
}

/** The origins of pages served by this server itself, at `host`:`port`. */
function ownOrigins(host, port) {
  const hosts = [host.includes(':') ? `[${host}]` : host];
  if (host === '127.0.0.1' || host === '::1') hosts.push('localhost');
  return hosts.map((name) => `http://${name}:${port}`);
}

const merge = (defaults, value) => ({ ...defaults, ...value });

/**
 * Starts the server; resolves to { url, wsUrl, port, wss, auth, connections(),
 * metrics(), close() }. `port: 0` picks a free port. Throws when no token
 * secret is configured and insecureDevIdentity is not set.
 */
export async function createServer(options = {}) {
  const config = { ...DEFAULTS, ...options };
  config.rateLimit = merge(DEFAULTS.rateLimit, options.rateLimit);
  config.connections = merge(DEFAULTS.connections, options.connections);
  config.presence = merge(DEFAULTS.presence, options.presence);
  config.chatRate = merge({ perSecond: config.rateLimit.perSecond, burst: config.rateLimit.burst }, options.chatRate);
  const { log } = config;

  // Without a secret, no token can be checked: refuse to start rather than
  // run a server on which anybody is anybody.
  const auth = config.tokenSecret === undefined && config.insecureDevIdentity
    ? null
    : createAuth({ secret: config.tokenSecret, ttlSeconds: config.tokenTtlSeconds });
  if (config.insecureDevIdentity) {
    log('WARNING: insecure dev identity: init is taken on trust, tokens are not checked. Never use this mode in production.');
  }
  if (config.devLogin) {
    if (!auth) throw new TypeError('devLogin needs a tokenSecret');
    log(`development mode: POST ${DEV_LOGIN_PATH} issues a token to anybody. Never enable it in production.`);
  }
  if (config.allowedOrigins.includes('*')) log('WARNING: allowedOrigins includes *: pages of any site may connect.');

  const metrics = {
    connectionsRefused: 0,
    authFailures: 0,
    rateLimitCloses: 0,
    slowReaderCloses: 0,
    handlerErrors: 0,
  };
  /** Filled in once the port is known. */
  const allowed = [...config.allowedOrigins];
  const isAllowedOrigin = (origin) => originAllowed(origin, allowed);

  const serveStatic = createStaticHandler([
    { prefix: '/pkg/', dir: join(root, 'pkg') },
    { prefix: '/', dir: join(root, 'www') },
  ]);
  const devLogin = config.devLogin ? createDevLoginHandler({ auth, originAllowed: isAllowedOrigin }) : null;
  const http = createHttpServer((request, response) => {
    // One request per connection, answered within the connection's deadline
    // (see `notUpgraded` below).
    response.setHeader('Connection', 'close');
    const path = (request.url ?? '/').split('?')[0];
    let handled;
    if (path === DEV_LOGIN_PATH) {
      handled = devLogin ? devLogin(request, response) : Promise.resolve(response.writeHead(404).end());
    } else {
      handled = serveStatic(request, response);
    }
    handled.catch((error) => {
      log(`http error: ${forLog(error.message)}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  const counter = createConnectionCounter(config.connections);
  // Connections that are not WebSockets yet are capped apart, from their
  // first byte: the WebSocket caps only count a connection once its
  // handshake is through, and each of these holds a file descriptor too. A
  // peer that never finishes its request would hold one for as long as it
  // trickles: such a connection is closed `handshakeTimeoutMs` after it
  // opened, unless it has become a WebSocket by then (a page's files and
  // the development login are answered well within it). Node's
  // `headersTimeout` is not relied on: on Node 20 it let such connections
  // live on.
  const notUpgraded = createConnectionCounter(config.connections);
  /** TCP socket → what takes it off `notUpgraded` and ends its deadline (once). */
  const pending = new WeakMap();
  http.on('connection', (tcp) => {
    const address = tcp.remoteAddress;
    if (notUpgraded.admit(address)) {
      metrics.connectionsRefused += 1;
      tcp.destroy();
      return;
    }
    notUpgraded.add(address);
    let counted = true;
    const deadline = setTimeout(() => tcp.destroy(), config.connections.handshakeTimeoutMs);
    const release = () => {
      clearTimeout(deadline);
      if (!counted) return;
      counted = false;
      notUpgraded.remove(address);
    };
    tcp.once('close', release);
    pending.set(tcp, release);
  });
  const wss = new WebSocketServer({
    server: http,
    path: '/ws',
    maxPayload: config.maxPayload,
    perMessageDeflate: false,
    verifyClient: ({ origin, req }, done) => {
      if (draining) return done(false, 503, 'Draining');
      if (!isAllowedOrigin(origin)) {
        log(`rejected handshake from origin ${forLog(origin)}`);
        return done(false, 403, 'Origin not allowed');
      }
      const refusal = counter.admit(req.socket.remoteAddress);
      if (refusal) {
        metrics.connectionsRefused += 1;
        return done(false, refusal.status, refusal.reason);
      }
      return done(true);
    },
  });

  const backends = await createBackends({
    redisUrl: config.redisUrl,
    redisPrefix: config.redisPrefix,
    nodeId: config.nodeId,
    redis: { pubsubCheckMs: config.pubsubCheckMs },
    history: config.history,
    presence: { ttlMs: config.presenceTtlMs },
    chatRate: config.chatRate,
    deliver: (userId, text) => deliver(userId, text),
    log,
  });
  const { history, presence, routing, chatRate } = backends;
  if (backends.kind === 'redis') log(`node ${backends.nodeId}: shared state in Redis`);
  let draining = false;

  /** Whether `socket` is open and not being closed for cause: what it is sent still counts. */
  const answerable = (socket) => socket.readyState === socket.OPEN && !socket.closingForCause;

  /**
   * Sends `text` unless the socket is closing or its backlog is over the
   * limit; a client that does not read what it is sent is closed with 1013
   * instead of growing the server's memory.
   */
  const sendText = (socket, text) => {
    if (!answerable(socket)) return;
    if (socket.bufferedAmount > config.maxBacklogBytes) {
      metrics.slowReaderCloses += 1;
      closeFor(socket, CLOSE.TOO_SLOW, 'too slow to read');
      return;
    }
    socket.send(text);
  };
  const send = (socket, frame) => sendText(socket, JSON.stringify(frame));

  /** Closes `socket` with `code`, ignores what it sends after, and cuts it if it does not answer in time. */
  function closeFor(socket, code, reason) {
    if (socket.closingForCause) return;
    socket.closingForCause = true;
    socket.inbound.stop();
    log(`closing user=${forLog(socket.userId)} code=${code} (${reason})`);
    socket.close(code, reason);
    setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  const broadcast = (frame, exceptUsers) => {
    const text = JSON.stringify(frame);
    for (const userId of presence.localUsers()) {
      if (exceptUsers?.has(userId)) continue;
      for (const socket of presence.connectionsOf(userId)) sendText(socket, text);
    }
  };
  const announcer = createPresenceAnnouncer({ presence, broadcast, ...config.presence });
  presence.onRemoteChange((userId, online) => (online ? announcer.joined(userId) : announcer.left(userId)));

  /** The store (Redis) failed: the frame is refused as `unavailable`, never acknowledged. */
  let storeFailing = false;
  const storeFailed = (socket, error, id) => {
    // In memory, a failing store is a bug in this process, not an outage.
    if (backends.kind !== 'redis') throw error;
    if (!storeFailing) log(`store unavailable: ${forLog(String(error?.message ?? error))}`);
    storeFailing = true;
    send(socket, { type: 'error', code: 'unavailable', message: 'the message store is unavailable; try again', id });
  };
  const storeWorked = () => {
    storeFailing = false;
  };

  /** The seq and epoch a numbered frame's text ends with (the history writes them last). */
  const numberOf = (text) => {
    const at = text.lastIndexOf(',"seq":');
    const comma = text.indexOf(',', at + 7);
    return { seq: Number(text.slice(at + 7, comma)), epoch: text.slice(comma + 10, -2) };
  };

  /**
   * Sends a numbered frame unless `socket` already has it (a frame both
   * replayed and routed live), and remembers the last number sent, from
   * which a catch-up starts.
   */
  function sendNumbered(socket, text) {
    const { seq, epoch } = numberOf(text);
    if (epoch === socket.sentEpoch && seq <= socket.sentSeq) return;
    socket.sentEpoch = epoch;
    socket.sentSeq = seq;
    sendText(socket, text);
  }

  /** A numbered frame for `userId` routed to this node: to its connections here, held while one reads its replay. */
  function deliver(userId, text) {
    for (const socket of presence.connectionsOf(userId)) {
      if (!socket.heldLive) {
        sendNumbered(socket, text);
      } else if (socket.heldLive.length < MAX_HELD_LIVE_FRAMES) {
        socket.heldLive.push(text);
      } else {
        closeFor(socket, CLOSE.TOO_SLOW, 'too many frames while resuming');
      }
    }
  }

  /** Sends what `opened` replays; the connection's position is then at least the user's latest number. */
  function sendOpened(socket, opened) {
    for (const text of opened.frames) sendNumbered(socket, text);
    if (socket.sentEpoch !== opened.epoch || !(socket.sentSeq >= opened.seq)) {
      socket.sentEpoch = opened.epoch;
      socket.sentSeq = opened.seq;
    }
  }

  /** Sends what `opened` replays, then the live frames held meanwhile, in number order. */
  function releaseHeld(socket, opened) {
    const held = socket.heldLive ?? [];
    socket.heldLive = null;
    sendOpened(socket, opened);
    for (const text of held) sendNumbered(socket, text);
  }

  async function register(socket, frame) {
    const { userId, lastSeq, epoch } = frame;
    socket.userId = userId;
    // Live frames routed here before the replay is read wait for it.
    socket.heldLive = [];
    socket.registering = true;
    if (routingGap) socket.needsCatchUp = true;
    if (presence.add(userId, socket)) {
      // The newcomer hears of its own join at once; everybody else in the next batch.
      send(socket, { type: 'notification', message: `${userId} joined`, online: presence.onlineCount() });
      announcer.joined(userId);
    }
    log(`init user=${forLog(userId)} tabs=${presence.connectionCount(userId)}${lastSeq === undefined ? '' : ` lastSeq=${lastSeq}`}`);
    let opened;
    const gapsBefore = gapsStarted;
    try {
      await routing.listen(userId);
      opened = await history.open(userId, lastSeq, epoch);
      // Without lastSeq, what was numbered after the subscription is what
      // is held (below), so every frame published before the read must
      // have arrived (pub/sub reaches this node on a connection of its
      // own), and none may have been lost to a gap: else the client tries
      // again, then with lastSeq 0.
      if (lastSeq === undefined && !(await caughtUpSince(gapsBefore))) {
        throw new Error('pub/sub did not catch up with the registration');
      }
      storeWorked();
    } catch (error) {
      socket.registering = false;
      storeFailed(socket, error);
      closeFor(socket, CLOSE.TRY_AGAIN_LATER, 'store unavailable');
      return;
    }
    socket.registering = false;
    if (!answerable(socket)) return;
    // `resumed` comes first, so the client knows how to read what follows.
    if (lastSeq !== undefined) send(socket, { type: 'resumed', recovered: opened.recovered, epoch: opened.epoch });
    if (lastSeq === undefined) {
      // No position of its own: it starts where its subscription did. A
      // frame held was published after that, so it is new to the connection,
      // though the number just read may already count it.
      const first = socket.heldLive.map(numberOf).find((number) => number.epoch === opened.epoch);
      if (first && first.seq <= opened.seq) opened = { ...opened, seq: first.seq - 1 };
    }
    if (socket.needsCatchUp) return readAgain(socket, opened);
    releaseHeld(socket, opened);
  }

  /** Whether pub/sub has brought here all that was published before now, with no gap since `gaps` (a `gapsStarted`). */
  async function caughtUpSince(gaps) {
    const noGap = () => !routingGap && gapsStarted === gaps;
    return noGap() && (await routing.caughtUp()) && noGap();
  }

  /**
   * Pub/sub went down while the history was read, so what was read may be
   * behind: it is sent, live frames stay held, and the rest is read once
   * pub/sub is back.
   */
  async function readAgain(socket, opened) {
    sendOpened(socket, opened);
    if (!routingGap) await catchUp(socket);
  }

  /**
   * Pub/sub lost frames while it was down: each connection here holds what
   * is routed to it from the loss on, then reads what came after the last
   * frame it was sent. A gap that cannot be closed (Redis lost it) closes
   * the connection with 1012: the client resumes and is told `recovered: false`.
   */
  async function catchUp(socket) {
    // One read at a time: a gap that starts during a read is caught up after it.
    if (socket.userId === undefined || socket.closingForCause || socket.registering || socket.catchingUp) return;
    socket.needsCatchUp = false;
    socket.heldLive ??= [];
    socket.catchingUp = true;
    let opened;
    try {
      opened = await history.open(socket.userId, socket.sentSeq, socket.sentEpoch);
    } catch {
      // Unread: the same as a gap that cannot be closed.
    } finally {
      socket.catchingUp = false;
    }
    if (!opened?.recovered) {
      socket.heldLive = null;
      closeFor(socket, CLOSE.SERVICE_RESTART, 'resume to catch up');
      return;
    }
    if (socket.needsCatchUp) return readAgain(socket, opened);
    releaseHeld(socket, opened);
  }
  let routingGap = false;
  /** Gaps started so far: a registration tells by it whether one started while it read. */
  let gapsStarted = 0;
  routing.onGapStart(() => {
    routingGap = true;
    gapsStarted += 1;
    for (const socket of wss.clients) {
      if (socket.userId === undefined) continue;
      socket.needsCatchUp = true;
      socket.heldLive ??= [];
    }
  });
  routing.onGap(() => {
    routingGap = false;
    presence.resync?.();
    for (const socket of wss.clients) {
      if (socket.needsCatchUp) catchUp(socket).catch((error) => handlerFailed(socket, error));
    }
  });

  function unregister(socket) {
    if (socket.userId === undefined) return;
    if (presence.remove(socket.userId, socket)) announcer.left(socket.userId);
    if (presence.connectionCount(socket.userId) === 0) {
      routing.unlisten(socket.userId);
      chatRate.forget(socket.userId);
    }
  }

  /**
   * A chat token of the user of `socket`, in turn with the user's other
   * connections: waits for it while the user's bucket refills, so that a
   * client flushing its queue is slowed down, not refused (its connection's
   * next frames wait behind this one); false when the wait would be longer
   * than refilling the whole burst (the user sends faster than its rate
   * through several connections), or when the socket closed meanwhile (its
   * ack could not be sent: the client sends the chat again).
   */
  async function takeChatToken(socket, userId) {
    const { perSecond, burst } = config.chatRate;
    const waitMs = await chatRate.reserve(userId, (burst / perSecond) * 1000);
    if (waitMs < 0) return false;
    if (waitMs > 0) {
      await new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          socket.off('close', done);
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        socket.once('close', done);
      });
    }
    return true;
  }

  async function chat(socket, frame) {
    if (frame.fromUserId !== socket.userId) {
      send(socket, { type: 'error', code: 'unauthorized', message: 'fromUserId must be the user of this connection', id: frame.id });
      return;
    }
    const out = relayedChat(frame, config.maxRelayedFrameBytes);
    if (!out) {
      send(socket, { type: 'error', code: 'invalid_message', message: 'message too long', id: frame.id });
      return;
    }
    let result;
    try {
      if (!(await takeChatToken(socket, frame.fromUserId))) {
        send(socket, { type: 'error', code: 'rate_limited', message: 'too many chats; slow down', id: frame.id });
        return;
      }
      // Closed while it waited: not stored (nor acknowledged); the client sends it again.
      if (!answerable(socket)) return;
      let recipients;
      if (frame.toUserId === undefined) {
        recipients = [...presence.users()];
        if (!presence.isOnline(frame.fromUserId)) recipients.push(frame.fromUserId);
      } else if (presence.isOnline(frame.toUserId) || await history.knows(frame.toUserId)) {
        // A known user who is away gets it on return, from the history.
        // The sender's own tabs see what it sent, too.
        recipients = [...new Set([frame.toUserId, frame.fromUserId])];
      } else {
        send(socket, { type: 'error', code: 'recipient_offline', message: `${frame.toUserId} has never been online`, id: frame.id });
        return;
      }
      // A resend of a chat already accepted (the ack was lost) is acked
      // again and delivered nothing twice.
      result = await history.recordChat(frame.fromUserId, frame.id, out, recipients);
      storeWorked();
    } catch (error) {
      storeFailed(socket, error, frame.id);
      return;
    }
    if (!result.duplicate && !result.published) {
      for (const [userId, text] of result.texts) routing.publish(userId, text);
    }
    if (frame.id !== undefined) send(socket, { type: 'ack', id: frame.id });
  }

  /** A bug in a handler: that socket is closed with 1011 and the process goes on. */
  function handlerFailed(socket, error) {
    metrics.handlerErrors += 1;
    socket.inbound.stop();
    log(`bug: handler failed for user=${forLog(socket.userId)}: ${forLog(`${error?.name}: ${error?.message}`)}`);
    if (answerable(socket)) {
      socket.closingForCause = true;
      socket.close(CLOSE.SERVER_BUG, 'internal error');
      setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
    }
  }

  /** `init`: checks the token, then registers; a socket keeps the identity it first proved. */
  async function init(socket, frame) {
    if (socket.userId !== undefined) {
      if (frame.userId !== socket.userId) closeFor(socket, CLOSE.FORBIDDEN, 'already initialized as another user');
      return;
    }
    if (auth && !config.insecureDevIdentity) {
      const result = await auth.verify(frame.token, frame.userId);
      if (!answerable(socket)) return;
      if (!result.ok) {
        metrics.authFailures += 1;
        closeFor(socket, result.code, result.reason);
        return;
      }
    }
    await register(socket, frame);
  }

  /** Handles one frame that passed the rate limit; a promise when it waits for the token check or the store. */
  function handle(socket, data, isBinary) {
    if (isBinary) {
      send(socket, { type: 'error', code: 'invalid_message', message: 'binary frames are not supported' });
      return undefined;
    }
    const { frame, error } = parseClientFrame(data.toString('utf8'));
    if (error) {
      send(socket, { type: 'error', code: 'invalid_message', message: error });
      return undefined;
    }
    switch (frame.type) {
      case 'ping':
        send(socket, { type: 'pong' });
        return undefined;
      case 'init':
        return init(socket, frame);
      case 'chat':
        if (socket.userId === undefined) {
          send(socket, { type: 'error', code: 'unauthorized', message: 'send init first', id: frame.id });
          return undefined;
        }
        return chat(socket, frame);
      default:
        throw new Error('a validated frame of no known type');
    }
  }

  // Browsers answer protocol pings by themselves; a peer that stops
  // answering is gone (network drop, frozen tab) and is terminated.
  const heartbeat = setInterval(() => {
    for (const socket of wss.clients) {
      // A socket paused while its frames wait cannot have its pong read: it
      // is spared while its frames are being handled, not when they are stuck.
      if (socket.inbound.progressing()) {
        socket.missedPong = false;
        continue;
      }
      if (socket.missedPong) {
        log(`terminate unresponsive user=${forLog(socket.userId)}`);
        socket.terminate();
        continue;
      }
      socket.missedPong = true;
      socket.ping();
    }
  }, config.pingIntervalMs);
  heartbeat.unref();

  wss.on('connection', (socket, request) => {
    const address = request.socket.remoteAddress;
    pending.get(request.socket)?.();
    counter.add(address);
    socket.on('close', (code) => {
      // What still waits is not handled: its acks could not be sent, so the
      // client sends it again.
      socket.inbound.stop();
      counter.remove(address);
      clearTimeout(initTimer);
      log(`close user=${forLog(socket.userId)} code=${code}`);
      try {
        unregister(socket);
      } catch (error) {
        handlerFailed(socket, error);
      }
    });
    socket.on('error', (error) => log(`socket error user=${forLog(socket.userId)}: ${forLog(error.message)}`));
    log(`connect from ${forLog(address)}`);
    const initTimer = setTimeout(() => {
      if (socket.userId === undefined) closeFor(socket, CLOSE.UNAUTHENTICATED, 'init required');
    }, config.initTimeoutMs);
    socket.on('pong', () => {
      socket.missedPong = false;
    });
    socket.inbound = createInbound(config.rateLimit, {
      handle: (data, isBinary) => handle(socket, data, isBinary),
      pause: () => socket.pause(),
      resume: () => socket.resume(),
      overflow: () => {
        metrics.rateLimitCloses += 1;
        closeFor(socket, CLOSE.RATE_LIMITED, 'rate limit exceeded');
      },
      failed: (error) => handlerFailed(socket, error),
    });
    // A socket being closed for cause is not listened to any more: its
    // inbound was stopped, and takes nothing more.
    socket.on('message', (data, isBinary) => socket.inbound.push(data, isBinary));
  });

  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, resolve);
  });
  const { port } = http.address();
  allowed.push(...ownOrigins(config.host, port));
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    port,
    /** The WebSocketServer, for tests that observe traffic. */
    wss,
    /** Issues and verifies tokens (null in insecure dev identity mode without a secret). */
    auth,
    url: `http://${hostForUrl}:${port}/`,
    wsUrl: `ws://${hostForUrl}:${port}/ws`,
    /** How many WebSocket connections are open. */
    connections: () => wss.clients.size,
    /** Counters of refused connections, failed inits and forced closes, and the history's size. */
    metrics: () => ({ ...metrics, online: presence.onlineCount(), history: history.stats() }),
    /** The node's name and which state it uses ('memory' or 'redis'). */
    nodeId: backends.nodeId,
    backend: backends.kind,
    /** Closes every client with 1001, stops listening and lets go of the shared state. */
    async close() {
      draining = true;
      clearInterval(heartbeat);
      announcer.close();
      history.close();
      for (const socket of wss.clients) {
        // What waits is not handled (the client sends it again), and the socket is read again for the close handshake.
        socket.inbound.stop();
        socket.close(1001, 'server shutting down');
      }
      await new Promise((resolve) => {
        wss.close(() => http.close(() => resolve()));
        // Clients that do not finish the closing handshake are cut after a second.
        setTimeout(() => {
          for (const socket of wss.clients) socket.terminate();
          http.closeAllConnections();
        }, 1000).unref();
      });
      await backends.close();
    },
    /**
     * Graceful drain (SIGTERM): refuses new connections, sends each client a
     * `reconnect` hint at its own moment, spread evenly over the first part
     * of `windowMs`, with an `afterMs` of at least the spacing (the client
     * picks a random moment within it), closes what is left at the end of
     * the window with 1012, then closes like `close()`. Resolves to
     * { hinted, leftAtEnd }.
     */
    async drain(windowMs = config.drainWindowMs) {
      draining = true;
      const sockets = [...wss.clients];
      const slot = sockets.length > 0 ? (windowMs * DRAIN_SPREAD) / sockets.length : 0;
      log(`draining: ${sockets.length} connections over ${windowMs} ms`);
      const afterMs = Math.floor(Math.max(slot, windowMs * DRAIN_JITTER));
      const hints = sockets.map((socket, i) => setTimeout(() => {
        send(socket, { type: 'reconnect', afterMs });
      }, Math.floor(i * slot)));
      const deadline = Date.now() + windowMs;
      while (wss.clients.size > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now()))));
      }
      for (const hint of hints) clearTimeout(hint);
      const leftAtEnd = wss.clients.size;
      for (const socket of wss.clients) socket.close(CLOSE.SERVICE_RESTART, 'service restart');
      log(`drained: ${sockets.length - leftAtEnd} left by themselves, ${leftAtEnd} closed with 1012`);
      await this.close();
      return { hinted: sockets.length, leftAtEnd };
    },
  };
}
