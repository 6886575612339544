// wsnotify/testing: one connection of the scripted server, the server's end
// of one fake WebSocket.
import { decodeFrame, encodeFrame } from './testing-frames.js';
import { createLane } from './testing-lane.js';

/** Close codes a server may not put in a close frame. */
const RESERVED_CODES = new Set([1004, 1005, 1006, 1015]);

/**
 * The server's end of one socket. Created by the server for every `new
 * WebSocket(url)`; a test gets it from `server.nextConnection()` or
 * `server.connections`.
 */
export class ServerConnection {
  /** The URL the client connected to. */
  url;
  /** The subprotocols the client asked for. */
  protocols;
  /** `Date.now()` when the client created the socket (fake time under fake timers). */
  createdAt = Date.now();
  /** "connecting" (not accepted yet), "open", "closing" or "closed". */
  state = 'connecting';
  /** Every frame the client sent on this connection, decoded (see `decodeFrame`). */
  received = [];
  /** Frames the client sent while the link was half-open: they never arrived. */
  lost = [];
  /** `{ code, reason, wasClean, by: "client" | "server" }` once closed. */
  closeInfo = null;
  /** With the wsnotify dialect: the user id of the connection's `init`. */
  userId = undefined;
  /** Resolves to `closeInfo` when the connection has closed. */
  closed;

  #server;
  #link;
  #halfOpen = false;
  /** While the server reads nothing: what the client sent since, in order, each as the step that reads it. */
  #unread = null;
  #resolveClosed;
  /** What reaches the client, and what reaches the server: each in order, after the latency. */
  #toClient = createLane();
  #toServer = createLane();

  constructor(server, link) {
    this.#server = server;
    this.#link = link;
    this.url = link.socket.url;
    this.protocols = link.protocols;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  /** Whether the link is half-open: nothing passes either way, and nothing closes. */
  get isHalfOpen() {
    return this.#halfOpen;
  }

  /**
   * Completes the handshake (done by the server itself unless it was created
   * with `autoAccept: false`): the connection is open on the server's side at
   * once, and the client's `open` comes after the latency, ahead of anything
   * sent on it.
   */
  accept({ protocol = '' } = {}) {
    if (this.state !== 'connecting') return;
    this.state = 'open';
    this.#toClient.push(() => this.#link.opened(protocol), this.#server.latencyMs);
    this.#server.changed();
  }

  /** Refuses the handshake: the client sees `error`, then `close` 1006, and never `open`. */
  refuse() {
    if (this.state !== 'connecting') return;
    this.#finish({ code: 1006, reason: '', wasClean: false, by: 'server' });
    this.#toClient.push(() => this.#link.refused(), this.#server.latencyMs);
  }

  /**
   * Sends a frame to the client: a string as a text frame, an ArrayBuffer or
   * typed array as a binary frame, anything else as JSON. Frames sent while
   * the connection is not open, or half-open, are lost, as on a real network.
   */
  send(frame) {
    const data = encodeFrame(frame);
    if (this.state !== 'open' || this.#halfOpen) return false;
    const seen = decodeFrame(data);
    if (this.#server.dropped(seen, 'toClient', this)) return false;
    this.#toClient.push(() => this.#link.message(data), this.#server.delayOf(seen, 'toClient', this));
    return true;
  }

  /** Sends `value` as JSON text, whatever it is. */
  sendJson(value) {
    return this.send(JSON.stringify(value));
  }

  /** Sends `bytes` (an ArrayBuffer, a typed array or a Blob) as a binary frame. */
  sendBinary(bytes) {
    if (typeof bytes === 'string') throw new TypeError('wsnotify/testing: sendBinary takes bytes, not a string');
    return this.send(bytes);
  }

  /** Closes the connection with any code a server may send (e.g. 1001, 1011, 4401) and a reason. */
  close(code = 1000, reason = '') {
    if (!Number.isInteger(code) || code < 1000 || code > 4999 || RESERVED_CODES.has(code)) {
      throw new RangeError(`wsnotify/testing: a server cannot send close code ${code}; use drop() for 1006`);
    }
    if (this.state === 'connecting') throw new Error('wsnotify/testing: refuse() a connection that is not open');
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.#toClient.push(() => {
      this.#finish({ code, reason, wasClean: true, by: 'server' });
      this.#link.closed(code, reason, true);
    }, this.#server.latencyMs);
  }

  /** Cuts the connection without a close frame: the client sees `close` 1006, not clean. */
  drop() {
    if (this.state === 'connecting') {
      this.refuse();
      return;
    }
    if (this.state === 'closed') return;
    this.#finish({ code: 1006, reason: '', wasClean: false, by: 'server' });
    this.#toClient.push(() => this.#link.closed(1006, '', false), this.#server.latencyMs);
  }

  /**
   * Makes the link half-open: the socket stays open on both ends, but what
   * the client sends is lost (kept in `lost`) and nothing reaches it any
   * more; only a heartbeat can tell.
   */
  halfOpen() {
    this.#halfOpen = true;
  }

  /**
   * The server reads nothing more from this connection until
   * `resumeReading()`, as when a real server stops reading: what the client
   * sends waits in its socket, whose `bufferedAmount` grows by each frame's
   * size, and so does its close (the connection stays open on the server's
   * side, `closed` pending); frames already on their way wait too.
   */
  stopReading() {
    this.#unread ??= [];
  }

  /**
   * Reads, in order, everything the client sent meanwhile, and the
   * socket's `bufferedAmount` is 0 again; on a connection that has closed
   * meanwhile, nothing is read and the count stays, as in a browser.
   */
  resumeReading() {
    const unread = this.#unread;
    if (unread === null) return;
    this.#unread = null;
    if (this.state === 'closed') return;
    this.#link.drained();
    for (const read of unread) {
      // What came after a frame that made the server close is never read.
      if (this.state === 'closed') return;
      read();
    }
  }

  /** False between `stopReading()` and `resumeReading()`. */
  get isReading() {
    return this.#unread === null;
  }

  /** While the server reads nothing, keeps `read` for `resumeReading()` and says so. */
  #heldBack(read) {
    if (this.#unread === null) return false;
    this.#unread.push(read);
    return true;
  }

  /** Resolves to the next unread frame the client sent on this connection (see `server.nextMessage`). */
  nextMessage(match, options) {
    return this.#server.nextMessage(match, { ...options, connection: this });
  }

  /** @internal The client sent `data`. */
  fromClient(data) {
    if (this.#halfOpen) {
      this.lost.push(decodeFrame(data));
      return;
    }
    if (this.#heldBack(() => this.fromClient(data))) {
      this.#link.held(data);
      return;
    }
    const frame = decodeFrame(data);
    if (this.#server.dropped(frame, 'toServer', this)) return;
    this.#toServer.push(() => this.#arrived(frame, data), this.#server.delayOf(frame, 'toServer', this));
  }

  /** A frame reached the server; it is read unless the server has stopped reading. */
  #arrived(frame, data) {
    // Already out of the socket: held back, it does not count in `bufferedAmount`.
    if (this.#heldBack(() => this.#arrived(frame, data))) return;
    this.received.push(frame);
    this.#server.receivedFrom(this, frame, data);
  }

  /** @internal The client called `close(code, reason)` on an open socket. */
  clientClosed(code, reason) {
    if (this.state === 'closed') return;
    // The close frame waits behind what the server has not read.
    if (!this.#halfOpen && this.#heldBack(() => this.clientClosed(code, reason))) return;
    this.state = 'closing';
    if (this.#halfOpen) {
      // No close frame gets through: the socket ends as a dropped one.
      this.#finish({ code: 1006, reason: '', wasClean: false, by: 'client' });
      this.#link.closed(1006, '', false);
      return;
    }
    this.#toServer.push(() => this.#closeArrived(code, reason), this.#server.latencyMs);
  }

  /** The client's close frame reached the server, whose answer comes back, unless the server has stopped reading. */
  #closeArrived(code, reason) {
    if (this.#heldBack(() => this.#closeArrived(code, reason))) return;
    this.#finish({ code, reason, wasClean: true, by: 'client' });
    this.#toClient.push(() => this.#link.closed(code, reason, true), this.#server.latencyMs);
  }

  /** @internal The client closed its socket before it opened. */
  clientAborted() {
    if (this.state === 'closed') return;
    this.#finish({ code: 1006, reason: '', wasClean: false, by: 'client' });
  }

  #finish(info) {
    if (this.state === 'closed') return;
    const wasOpen = this.state !== 'connecting';
    this.state = 'closed';
    this.closeInfo = info;
    this.#resolveClosed(info);
    this.#server.connectionClosed(this, wasOpen);
  }
}
