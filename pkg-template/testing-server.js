// wsnotify/testing: the scripted server. While it listens, `new WebSocket(url)`
// anywhere in the test (the wsnotify client included) connects to it, with
// no network: a test accepts or refuses connections, reads what the client
// sent, answers, closes with any code, cuts the link or leaves it half-open,
// delays or drops frames, and with `dialect: "wsnotify"` lets the server
// answer the wsnotify protocol by itself, as the reference server does.
import { createWsnotifyDialect } from './testing-dialect.js';
import { describeMatch, frameMatcher } from './testing-frames.js';
import { ServerConnection } from './testing-connection.js';
import { attach, detach } from './testing-network.js';
import { LINK } from './testing-socket.js';
import { createSignal, waitFor } from './testing-wait.js';

/**
 * Creates a scripted server and starts listening (installs the fake
 * `WebSocket` on `globalThis`); `stop()` puts the real one back.
 *
 * Options: `url` (a string, RegExp or predicate: the URLs it answers; by
 * default every URL; others are refused), `autoAccept` (default true; false:
 * each connection waits for `accept()` or `refuse()`), `latencyMs` (delay of
 * the handshake and of every frame, both ways, through `setTimeout`, so fake
 * timers drive it), `dialect: "wsnotify"` (answer `init`, `chat`, `ping` as
 * the reference server does), `answerPings`, `sendAcks` (dialect answers,
 * default true) and `verifyToken(token, userId)` (dialect: return false to
 * refuse an `init` with 4401, "token required" or "invalid token" as the
 * reference server says, or `{ code, reason }`).
 */
export function createScriptedServer(options = {}) {
  return new ScriptedServer(options);
}

export class ScriptedServer {
  /** Every connection ever made to this server, oldest first. */
  connections = [];
  /** With the dialect: whether pings are answered with pongs (false: a server that ignores them). */
  answerPings;
  /** With the dialect: whether accepted chats with an id are acked. */
  sendAcks;
  /** With the dialect: `(token, userId) => true | false | { code, reason }`. */
  verifyToken;

  #matches;
  #autoAccept;
  #latencyMs;
  #inbox = [];
  #connectionsTaken = 0;
  #signal = createSignal();
  #down = false;
  /** False between `stopReading()` and `resumeReading()`: new connections read nothing either. */
  #reading = true;
  #downCode = null;
  #refuseCount = 0;
  #dropRules = new Set();
  #delayRules = new Set();
  #dialect = null;
  #listening = false;

  constructor({ url, autoAccept = true, latencyMs = 0, dialect = null, answerPings = true, sendAcks = true, verifyToken } = {}) {
    if (dialect !== null && dialect !== 'wsnotify') throw new TypeError('wsnotify/testing: dialect is "wsnotify" or null');
    this.#matches = urlMatcher(url);
    this.#autoAccept = autoAccept;
    this.setLatency(latencyMs);
    this.answerPings = answerPings;
    this.sendAcks = sendAcks;
    this.verifyToken = verifyToken;
    if (dialect === 'wsnotify') this.#dialect = createWsnotifyDialect(this);
    this.listen();
  }

  /** Routes new sockets to this server (done by the constructor). */
  listen() {
    this.#listening = true;
    attach(this);
    return this;
  }

  /**
   * Stops listening: connections not yet accepted are refused, open ones
   * fall silent (half-open: no event reaches their clients, so nothing
   * prompts a reconnect), and the global `WebSocket` is the one from before
   * once no scripted server listens. Free your clients (or unmount your
   * components) first: a client that connects again afterwards would use the
   * environment's own WebSocket.
   */
  stop() {
    for (const connection of this.connections) {
      if (connection.state === 'connecting') connection.refuse();
      else connection.halfOpen();
    }
    this.#listening = false;
    detach(this);
  }

  [Symbol.dispose]() {
    this.stop();
  }

  /** Whether this server answers `url`. */
  matches(url) {
    return this.#listening && this.#matches(url);
  }

  /** The connections that are open now. */
  get openConnections() {
    return this.connections.filter((connection) => connection.state === 'open');
  }

  /** Every frame received, on every connection, in order, decoded. */
  get received() {
    return this.#inbox.map((entry) => entry.frame);
  }

  /** Whether the server is down (refusing every connection). */
  get isDown() {
    return this.#down;
  }

  /**
   * Resolves to the next connection the client made that this call has not
   * returned yet (also one refused or already closed).
   */
  nextConnection({ timeoutMs } = {}) {
    return waitFor({
      what: 'a connection',
      timeoutMs,
      subscribe: this.#signal.subscribe,
      describe: () => `${this.connections.length} connections so far`,
      check: () => {
        const connection = this.connections[this.#connectionsTaken];
        if (connection) this.#connectionsTaken += 1;
        return connection;
      },
    });
  }

  /**
   * Resolves to the next unread frame the client sent (on any connection,
   * or on `options.connection`) that matches `match`: nothing (any frame), a
   * kind such as "chat", an object of field values, or a predicate. Frames
   * are decoded: JSON objects and arrays parsed, other text as strings,
   * binary as ArrayBuffers. A returned frame is read; frames skipped over
   * stay unread.
   */
  nextMessage(match, { timeoutMs, connection } = {}) {
    const test = frameMatcher(match);
    return waitFor({
      what: describeMatch(match),
      timeoutMs,
      subscribe: this.#signal.subscribe,
      describe: () => `unread: ${JSON.stringify(this.#inbox.filter((entry) => !entry.read).map((entry) => entry.frame))}`,
      check: () => {
        const entry = this.#inbox.find((candidate) => !candidate.read
          && (connection === undefined || candidate.connection === connection) && test(candidate.frame));
        if (!entry) return undefined;
        entry.read = true;
        return { frame: entry.frame };
      },
    }).then(({ frame }) => frame);
  }

  /** Resolves once `count` connections are open (e.g. after a reconnect). */
  waitForOpenConnections(count = 1, { timeoutMs } = {}) {
    return waitFor({
      what: `${count} open connection(s)`,
      timeoutMs,
      subscribe: this.#signal.subscribe,
      describe: () => `${this.openConnections.length} open`,
      check: () => this.openConnections.length === count,
    });
  }

  /** Sends `frame` (see `ServerConnection.send`) to every open connection. */
  send(frame) {
    for (const connection of this.openConnections) connection.send(frame);
  }

  /** Closes every open connection with `code` and `reason`. */
  closeAll(code = 1000, reason = '') {
    for (const connection of this.openConnections) connection.close(code, reason);
  }

  /** Cuts every open connection (close 1006 on the client). */
  dropAll() {
    for (const connection of this.openConnections) connection.drop();
  }

  /** Makes every open connection half-open (see `ServerConnection.halfOpen`). */
  halfOpen() {
    for (const connection of this.openConnections) connection.halfOpen();
  }

  /**
   * The server reads nothing, on any connection, new ones included, until
   * `resumeReading()` (see `ServerConnection.stopReading`).
   */
  stopReading() {
    this.#reading = false;
    for (const connection of this.connections) {
      if (connection.state !== 'closed') connection.stopReading();
    }
  }

  /** Every connection reads again what it had not read (see `ServerConnection.resumeReading`). */
  resumeReading() {
    this.#reading = true;
    for (const connection of this.connections) connection.resumeReading();
  }

  /**
   * An outage: open connections are cut (1006), or closed with `code` when
   * given (e.g. 1001, 1012), and every new connection is refused until
   * `goUp()`.
   */
  goDown({ code } = {}) {
    this.#down = true;
    this.#downCode = code ?? null;
    for (const connection of this.openConnections) {
      if (this.#downCode === null) connection.drop();
      else connection.close(this.#downCode, 'server going down');
    }
  }

  /** Ends an outage: new connections are accepted again. */
  goUp() {
    this.#down = false;
  }

  /** Refuses the next `count` connections, then accepts again. */
  refuseNext(count = 1) {
    this.#refuseCount += count;
  }

  /** Delays the handshake and every frame, both ways, by `ms` (0: only a microtask); frames stay in order. */
  setLatency(ms) {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError('wsnotify/testing: latency is a number of ms >= 0');
    this.#latencyMs = ms;
  }

  /**
   * Drops the frames `predicate(frame, { direction: "toServer" | "toClient",
   * connection })` returns true for, until the returned function is called.
   */
  dropFrames(predicate) {
    this.#dropRules.add(predicate);
    return () => this.#dropRules.delete(predicate);
  }

  /**
   * With the dialect: delivers a chat from `fromUserId` to `toUserId` (or,
   * without one, to every user online), numbered and kept for replay, as if
   * another user had sent it. Returns the frames sent, by user id.
   */
  deliverChat(chat) {
    return this.#requireDialect().deliverChat(chat);
  }

  /** With the dialect: sends `{ type: "notification", message, online }` to everyone online. */
  notify(message) {
    this.#requireDialect().notify(message);
  }

  /** Asks every open connection to reconnect within `afterMs` (a draining server's `reconnect` frame). */
  requestReconnect(afterMs) {
    this.send(afterMs === undefined ? { type: 'reconnect' } : { type: 'reconnect', afterMs });
  }

  /**
   * Delays the frames `rule(frame, { direction, connection })` returns a
   * number of ms for (on top of the latency), until the returned function is
   * called. Frames stay in order: the ones behind a delayed frame wait too.
   */
  delayFrames(rule) {
    this.#delayRules.add(rule);
    return () => this.#delayRules.delete(rule);
  }

  /** The delay of the handshake and of every frame, ms. */
  get latencyMs() {
    return this.#latencyMs;
  }

  /** @internal The delay of `frame`: the latency plus what the delay rules add. */
  delayOf(frame, direction, connection) {
    let delay = this.#latencyMs;
    for (const rule of this.#delayRules) {
      const extra = rule(frame, { direction, connection });
      if (Number.isFinite(extra) && extra > 0) delay += extra;
    }
    return delay;
  }

  /** @internal Whether a drop rule swallows `frame`. */
  dropped(frame, direction, connection) {
    for (const rule of this.#dropRules) if (rule(frame, { direction, connection })) return true;
    return false;
  }

  /** @internal Wakes up the waits. */
  changed() {
    this.#signal.notify();
  }

  /** @internal A frame arrived from the client. */
  receivedFrom(connection, frame, data) {
    this.#inbox.push({ connection, frame, read: false });
    this.#dialect?.received(connection, frame, data);
    this.changed();
  }

  /** @internal A connection ended. */
  connectionClosed(connection, wasOpen) {
    if (wasOpen) this.#dialect?.closed(connection);
    this.changed();
  }

  /** @internal A new socket wants to connect. */
  [LINK](link) {
    const connection = new ServerConnection(this, link);
    this.connections.push(connection);
    if (!this.#reading) connection.stopReading();
    if (this.#down) {
      connection.refuse();
    } else if (this.#refuseCount > 0) {
      this.#refuseCount -= 1;
      connection.refuse();
    } else if (this.#autoAccept) {
      connection.accept();
    }
    this.changed();
    return {
      fromClient: (data) => connection.fromClient(data),
      clientClosed: (code, reason) => connection.clientClosed(code, reason),
      clientAborted: () => connection.clientAborted(),
    };
  }

  #requireDialect() {
    if (!this.#dialect) throw new Error('wsnotify/testing: this needs createScriptedServer({ dialect: "wsnotify" })');
    return this.#dialect;
  }
}

function urlMatcher(url) {
  if (url === undefined) return () => true;
  if (typeof url === 'function') return url;
  if (url instanceof RegExp) return (candidate) => url.test(candidate);
  const expected = new URL(url).href;
  return (candidate) => candidate === expected;
}
