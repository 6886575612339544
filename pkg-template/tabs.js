// One connection for all the tabs of an origin (`shareAcrossTabs`).
//
// The tabs of one origin that use the same scope (channel name, mode, URL
// and user) elect a leader: with the Web Locks API, the tab that holds the
// scope's lock, which the browser releases when the tab closes or crashes;
// without it, the tab of lowest id among those that answer on a
// BroadcastChannel heartbeat. Only the leader has a real `Client` (and its
// socket). It broadcasts what that client's listeners receive on the
// scope's BroadcastChannel, and every tab, the leader too, dispatches it to
// its own listeners through the same code. A tab's sends are numbered and
// held until the leader accepted them (with at-least-once chats: until their
// ack), and sent again, in order and with the same ids, to the next leader.
//
// No application code runs while this module's state is half-updated: every
// callback is called from `#emit`, after the state it reports was stored.

import { REPORT, RESTORED } from './hidden.js';
import { webLocks } from './web-locks.js';

const BEAT_MS = 250;
/**
 * Without Web Locks: a leader silent this long is gone. Browsers run the
 * timers of a hidden tab at most once a second, so this leaves room for two
 * missed beats of a leader in the background.
 */
const LEADER_TIMEOUT_MS = 2500;
/** Without Web Locks: how long candidates wait for each other. */
const ELECTION_MS = 150;
/** How many claimed notifications, and owners of message ids, the leader remembers. */
const CLAIMS_KEPT = 4096;
const OWNERS_KEPT = 8192;
/** How many tabs the leader remembers the last accepted send of. */
const TABS_KEPT = 1024;
/**
 * With Web Locks: how often a leader whose own tab no longer wants the
 * connection looks whether the tabs that do are still alive (one that
 * crashed never says it left).
 */
const ROSTER_RECHECK_MS = 2000;

/** Whether `value` has the shape of a leader's state as tabs post it. */
function isSnapshot(value) {
  return typeof value === 'object' && value !== null && typeof value.state === 'string'
    && Number.isInteger(value.attempt) && typeof value.delivery === 'string';
}

function codedError(code, message, extra) {
  const error = new Error(`wsnotify: ${message}`);
  error.code = code;
  return Object.assign(error, extra);
}

/** An error as it crosses the channel: structured clone keeps no own properties of an Error. */
function errorToWire(error) {
  const wire = { message: String(error?.message ?? error), code: error?.code };
  for (const key of ['id', 'attempt', 'frame']) if (error && error[key] !== undefined) wire[key] = error[key];
  return wire;
}

function errorFromWire(wire) {
  const error = new Error(wire.message);
  error.code = wire.code;
  for (const key of ['id', 'attempt', 'frame']) if (wire[key] !== undefined) error[key] = wire[key];
  return error;
}

/** `bytes` (a `Uint8Array`) as hex, two digits a byte. */
function hexOf(bytes) {
  return [...bytes].map((value) => value.toString(16).padStart(2, '0')).join('');
}

function randomHex(bytes) {
  const values = new Uint8Array(bytes);
  crypto.getRandomValues(values);
  return hexOf(values);
}

function utf8Length(text) {
  return new TextEncoder().encode(text).length;
}

/**
 * The version of the messages tabs exchange, part of every scope: after an
 * update of the package, open tabs of the old version and new tabs share no
 * channel and no lock (each version has its own connection) instead of
 * misreading each other's messages. Raised with any change to them.
 */
const TABS_PROTOCOL = 2;

/** What identifies a shared connection: the channel name, mode, URL and user (and TABS_PROTOCOL). */
function scopeOf(options) {
  const share = options.shareAcrossTabs;
  const { url } = options;
  const urlKey = typeof url === 'function' ? '(function)' : JSON.stringify(url);
  // The delivery too: one connection cannot keep a tab's at-least-once
  // chats until their acks and drop another's after sending.
  const delivery = options.delivery ?? 'at-most-once';
  return `wsnotify-tabs/${TABS_PROTOCOL}:${share === true ? '' : share}|${options.mode ?? 'wsnotify'}|${urlKey}|${options.userId ?? ''}|${delivery}`;
}

/**
 * The bytes of a binary frame (a `Uint8Array`), as hex of their SHA-256 (where the page may
 * use `crypto.subtle`: a secure context), else of a 64-bit FNV-1a hash in two
 * lanes: binary frames are told apart by their content, as text frames are.
 */
async function bytesKey(bytes) {
  if (globalThis.crypto?.subtle) return `b:${hexOf(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)))}`;
  let low = 0x811c9dc5;
  let high = 0x050c5d1f;
  for (const byte of bytes) {
    low = Math.imul(low ^ byte, 0x01000193);
    high = Math.imul(high ^ byte, 0x01000193) ^ (low >>> 15);
  }
  const hex = (lane) => (lane >>> 0).toString(16).padStart(8, '0');
  return `f:${bytes.length}:${hex(low)}${hex(high)}`;
}

/**
 * The key `claim(frame)` decides on: a string as it is; a numbered chat by
 * its epoch and `seq`; a chat with an id by sender and id; a binary frame
 * (an `ArrayBuffer`, a view or a `Blob`) by its bytes; anything else by its
 * JSON text. Resolves to `undefined` for a value that has none (a BigInt,
 * a cycle, or one whose reading throws).
 */
async function claimKey(frame) {
  try {
    if (typeof frame === 'string') return `k:${frame}`;
    if (frame instanceof ArrayBuffer) return await bytesKey(new Uint8Array(frame));
    if (ArrayBuffer.isView(frame)) return await bytesKey(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength));
    if (typeof Blob === 'function' && frame instanceof Blob) return await bytesKey(new Uint8Array(await frame.arrayBuffer()));
    if (frame && typeof frame === 'object') {
      if (typeof frame.seq === 'number') return `s:${frame.epoch ?? ''}:${frame.seq}`;
      if (typeof frame.id === 'string') return `i:${frame.fromUserId ?? ''}:${frame.id}`;
    }
    const text = JSON.stringify(frame);
    return text === undefined ? undefined : `j:${text}`;
  } catch {
    return undefined;
  }
}

/** Adds `key` to a Map used as a bounded memory, forgetting the oldest entry beyond `limit`. */
function remember(map, key, value, limit) {
  map.delete(key);
  map.set(key, value);
  if (map.size > limit) map.delete(map.keys().next().value);
}

/** The order of delivery statuses: a status is reported only when it moves a message forward. */
const STATUS_RANK = { queued: 0, sent: 1, acked: 2, failed: 2 };

const READY_STATES = { idle: 3, connecting: 0, open: 1, reconnecting: 0, closing: 2, closed: 3 };

/**
 * A client whose connection is shared with the other tabs of the origin: the
 * members, events and errors of `Client`, plus `sharing`. Created by
 * `new Client(options)` when `shareAcrossTabs` is set and the realm can share.
 */
export class SharedClient {
  #options;
  #createInner;
  #mode;
  #probe;
  #limits;
  #tabId = randomHex(4);
  #channel;
  #usesLocks = webLocks() !== null;
  #freed = false;
  #role = 'follower';
  /** The token of the leadership this tab knows of (null between leaders). */
  #leaderToken = null;
  #myToken = null;
  /** The leader's state as last reported. */
  #mirror;
  /** Whether the application has connected this tab (and not closed it since). */
  #active = false;
  /**
   * How many times `connect()` or `close()` began: a step of one that a
   * callback's call overtook is not shown (the later call shows its own).
   */
  #lifecycleCalls = 0;
  /** This tab's state while not active: "idle" or "closed". */
  #local = 'idle';
  /** The state (and attempt) this tab's listeners last heard of. */
  #shown = { state: 'idle', attempt: 0 };
  /** "closed" from the leader's give-up to its change to closed, which follows it (as without sharing). */
  #stateAhead = null;
  #listeners = new Map();
  /** This tab's sends, by number, until the leader has them (or their ack came). */
  #pending = new Map();
  #pendingIds = new Map();
  #pendingBytes = 0;
  #nextNumber = 0;
  #nextId = 0;
  #claims = new Map();
  #nextClaim = 0;
  /** The last delivery status reported for each of this tab's chats (bounded). */
  #statuses = new Map();
  /** This tab's failed chats, for `retry(id)` (bounded). */
  #failedOps = new Map();
  /** This tab's chats the leader took and has not written yet, which the tab no longer holds: for `retry(id)` if they fail. */
  #acceptedOps = new Map();
  /** Where this tab is in the server's numbering: a new leader resumes from it, duplicates are dropped. */
  #resume = { lastSeq: null, epoch: null };
  // In the leader only:
  #inner = null;
  #innerOff = [];
  #roster = new Set();
  /** The next look at whether the tabs in the roster are alive (see ROSTER_RECHECK_MS). */
  #recheck = null;
  #lastAccepted = new Map();
  /** Who sent each message id the leader's client holds (`tab`), and whether its chat's status is `failed`. */
  #owners = new Map();
  #claimed = new Map();
  #typed = null;
  // Election:
  #lockRequest = null;
  #releaseLock = null;
  /** With Web Locks: this tab's own lock, held for its life, by which the leader tells a crashed tab from a live one. */
  #tabLock = null;
  /** Without Web Locks: the leader's heartbeat, every tab's watch on it, and a candidacy's deadline. */
  #beat = null;
  #watchdog = null;
  #candidacy = null;
  #lastBeat = 0;
  #candidates = null;
  #windowOff = [];

  /**
   * `probe(use)` calls `use` with a client of these options that never
   * connects, and frees it: its constructor throws what `new Client(options)`
   * throws, and its members check arguments by the module's own rules, so
   * a follower refuses what the leader's client would, at the call.
   * `createInner(options)` creates the leader's real client.
   */
  constructor(options, { probe, createInner }) {
    const delivery = probe((client) => client.delivery);
    this.#probe = probe;
    this.#options = options;
    this.#createInner = createInner;
    this.#mode = options.mode ?? 'wsnotify';
    this.#limits = { maxFrames: options.outbox?.maxFrames ?? 1000, maxBytes: options.outbox?.maxBytes ?? 1048576 };
    this.#mirror = { state: 'idle', attempt: 0, delivery };
    this.#channel = new BroadcastChannel(scopeOf(options));
    this.#channel.onmessage = (event) => {
      try {
        this.#receive(event.data);
      } catch {
        // A message of another version or another script, not of this
        // protocol's shapes: ignored (the application's callbacks report
        // their own exceptions as callback_failed).
      }
    };
    this.#listen(window, 'pagehide', () => this.#suspend());
    this.#listen(document, 'freeze', () => this.#suspend());
    this.#listen(window, 'pageshow', (event) => event.persisted && this.#wake());
    this.#listen(document, 'resume', () => this.#wake());
    if (this.#usesLocks) {
      this.#tabLock = new AbortController();
      navigator.locks.request(`${scopeOf(options)}|tab:${this.#tabId}`, { signal: this.#tabLock.signal },
        () => new Promise((release) => { this.#tabLock.release = release; })).catch(() => {});
    }
    this.#elect();
    this.#post({ t: 'hello' });
  }

  // ---- the application's API ------------------------------------------------

  /** `"leader"` (this tab holds the socket) or `"follower"`. */
  get sharing() {
    this.#alive();
    return this.#role;
  }

  get state() {
    this.#alive();
    return this.#active ? (this.#stateAhead ?? this.#shown.state) : this.#local;
  }

  get readyState() {
    return READY_STATES[this.state] ?? 3;
  }

  get attempt() {
    this.#alive();
    return this.#active ? this.#mirror.attempt : 0;
  }

  get delivery() {
    this.#alive();
    return this.#mirror.delivery;
  }

  /** This tab's sends not yet taken by the leader (or, at-least-once, not yet acknowledged). */
  get queued() {
    this.#alive();
    return this.#pending.size;
  }

  connect() {
    this.#alive();
    this.#lifecycleCalls += 1;
    const wasActive = this.#active;
    this.#active = true;
    if (!wasActive) {
      this.#show({ state: 'connecting', attempt: 0 });
      // A callback may close the client again: then it stays closed.
      if (!this.#active) return;
      if (this.#mirror.state === 'open') this.#show({ state: 'open', attempt: this.#mirror.attempt }, true);
      if (!this.#active) return;
    }
    this.#toLeader({ t: 'join' });
    this.#flush();
  }

  reconnect() {
    this.#alive();
    this.connect();
    this.#toLeader({ t: 'command', cmd: 'reconnect' });
  }

  close(code, reason) {
    this.#alive();
    code ??= 1000;
    reason ??= '';
    this.#probe((client) => client.close(code, reason));
    // Closed already: nothing is held. Never connected: closed from idle,
    // as an unshared client is, and what was sent meanwhile fails.
    if (!this.#active && this.#local === 'closed') return;
    const call = ++this.#lifecycleCalls;
    const unchanged = () => this.#lifecycleCalls === call;
    const wasActive = this.#active;
    this.#active = false;
    this.#local = 'closed';
    if (wasActive) this.#toLeader({ t: 'leave', code, reason: String(reason) });
    const wasOpen = this.#shown.state === 'open';
    // What no live leader has fails, first, as a client of its own reports
    // it before its change of state; what the leader has may still go out.
    const rejected = [];
    for (const entry of [...this.#pending.values()]) {
      this.#forget(entry);
      if (entry.sentTo === null) rejected.push(entry.op);
    }
    for (const op of rejected) {
      if (op.kind === 'chat') this.#failed(op.id, 'closed', op);
      this.#reportError(codedError('closed', 'the client was closed before the message went out', { id: op.id }));
    }
    // A callback may have connected (or connected and closed) again.
    if (wasActive && unchanged()) this.#show({ state: 'closing', attempt: 0 });
    if (wasOpen && unchanged()) this.#emit('close', 'onClose', { code, reason: String(reason), wasClean: true });
    if (unchanged()) this.#show({ state: 'closed', attempt: 0 });
  }

  /** Queues again, with the same id, one of this tab's chats whose status is `failed`. */
  retry(id) {
    this.#alive();
    if (typeof id !== 'string') throw codedError('invalid_argument', 'id must be a string');
    const op = this.#failedOps.get(id);
    if (!op) throw codedError('not_retryable', `message ${id} has not failed (or is no longer kept): nothing to retry`);
    const { id: _id, ...rest } = op;
    this.#failedOps.delete(id);
    try {
      this.#send(rest, id);
    } catch (error) {
      this.#failedOps.set(id, op);
      throw error;
    }
  }

  /** With `persist`: the chats restored from the store, queued again; `[]` otherwise. */
  get restored() {
    this.#alive();
    return this[RESTORED] ?? [];
  }

  [REPORT](code, message) {
    this.#reportError(codedError(code, message));
  }

  sendChat(toUserId, message, id) {
    this.#alive();
    return this.#send({ kind: 'chat', to: toUserId ?? null, message }, id);
  }

  sendJson(value, id) {
    this.#alive();
    // What JSON.stringify made of the value (its toJSON included) says
    // whether the frame is an object, as in the module: asking the value
    // itself (Array.isArray) could throw, for a revoked proxy.
    let text;
    try {
      text = JSON.stringify(value);
    } catch (cause) {
      throw codedError('not_serializable', String(cause?.message ?? cause), { cause });
    }
    if (typeof text !== 'string' || !text.startsWith('{')) {
      throw codedError('not_serializable', 'a frame must be a JSON object');
    }
    return this.sendText(text, id);
  }

  sendText(text, id) {
    this.#alive();
    return this.#send({ kind: 'text', text }, id);
  }

  /**
   * Resolves `true` in exactly one of the tabs that claim `frame` (a frame
   * received, or a string key): for side effects that must happen once,
   * such as a sound or a `Notification`. The leader decides, first come.
   */
  claim(frame) {
    this.#alive();
    return claimKey(frame).then((key) => {
      if (key === undefined) {
        throw codedError('invalid_argument', 'claim takes a frame received (text, JSON or binary) or a string key');
      }
      if (this.#freed) return false;
      return new Promise((resolve) => {
        const number = ++this.#nextClaim;
        this.#claims.set(number, { key, resolve });
        if (this.#role === 'leader') this.#settleClaim(number, this.#decide(key, this.#tabId));
        else if (this.#leaderToken) this.#toLeader({ t: 'claim', number, key });
      });
    });
  }

  onOpen(callback) { return this.#subscribe('open', 'onOpen', callback); }
  onClose(callback) { return this.#subscribe('close', 'onClose', callback); }
  onError(callback) { return this.#subscribe('error', 'onError', callback); }
  onStateChange(callback) { return this.#subscribe('stateChange', 'onStateChange', callback); }
  onGiveUp(callback) { return this.#subscribe('giveUp', 'onGiveUp', callback); }

  onDelivery(callback) {
    this.#alive();
    if (this.#mode === 'generic') throw codedError('unsupported', 'onDelivery is for the wsnotify mode');
    return this.#subscribe('delivery', 'onDelivery', callback);
  }
  onMessage(callback) { return this.#subscribe('message', 'onMessage', callback); }

  onChat(callback) {
    this.#alive();
    if (this.#mode === 'generic') throw codedError('unsupported', 'onChat is for the wsnotify mode');
    return this.#subscribe('chat', 'onChat', callback);
  }

  onNotification(callback) {
    this.#alive();
    if (this.#mode === 'generic') throw codedError('unsupported', 'onNotification is for the wsnotify mode');
    return this.#subscribe('notification', 'onNotification', callback);
  }

  on(type, callback) {
    this.#alive();
    if (typeof type !== 'string') throw codedError('invalid_argument', 'type must be a string');
    return this.#subscribe(`kind:${type}`, 'on', callback);
  }

  /** Leaves the shared connection: the lock, the channel, every listener and timer go; another tab takes over. */
  free() {
    if (this.#freed) return;
    this.#freed = true;
    this.#listeners.clear();
    // A leader's going is its resignation (the others join the next one), a follower's its leave.
    if (this.#role === 'leader') this.#resign();
    else if (this.#active) this.#toLeader({ t: 'leave', code: 1000, reason: '' });
    this.#stopElection();
    this.#tabLock?.abort();
    this.#tabLock?.release?.();
    for (const off of this.#windowOff) off();
    this.#windowOff = [];
    this.#channel.onmessage = null;
    this.#channel.close();
    for (const { resolve } of this.#claims.values()) resolve(false);
    this.#claims.clear();
    this.#pending.clear();
    this.#pendingIds.clear();
  }

  [Symbol.dispose]() {
    this.free();
  }

  // ---- this tab's listeners ---------------------------------------------------

  #alive() {
    if (this.#freed) throw codedError('freed', 'this client was freed');
  }

  #subscribe(key, name, callback) {
    this.#alive();
    if (typeof callback !== 'function') throw codedError('invalid_callback', `${name} needs a function`);
    let set = this.#listeners.get(key);
    if (!set) this.#listeners.set(key, (set = new Set()));
    // A wrapper per registration: the same function registered twice is called twice.
    const entry = { callback };
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  /** Calls the listeners of `key`; one that throws is reported as `callback_failed`, the others still run. */
  #emit(key, name, ...args) {
    const set = this.#listeners.get(key);
    if (!set || set.size === 0) return;
    for (const entry of [...set]) {
      if (this.#freed) return;
      if (!set.has(entry)) continue;
      try {
        entry.callback(...args);
      } catch (cause) {
        this.#reportError(codedError('callback_failed', `the ${name} callback threw: ${cause?.message ?? cause}`, { cause }));
      }
    }
  }

  #reportError(error) {
    if (this.#freed) return;
    const set = this.#listeners.get('error');
    if (!set || set.size === 0) {
      console.error('wsnotify:', error);
      return;
    }
    for (const entry of [...set]) {
      if (this.#freed) return;
      try {
        entry.callback(error);
      } catch (cause) {
        console.error('wsnotify: the onError callback threw', cause);
      }
    }
  }

  /** Tells this tab's listeners of a new state (once per change); `open` also calls `onOpen` when `withOpen`. */
  #show(next, withOpen = false, extra = {}) {
    this.#stateAhead = null;
    if (this.#shown.state === next.state && this.#shown.attempt === next.attempt) return;
    this.#shown = { state: next.state, attempt: next.attempt };
    this.#emit('stateChange', 'onStateChange', { ...extra, state: next.state, attempt: next.attempt });
    if (withOpen && next.state === 'open' && this.#active) this.#emit('open', 'onOpen');
  }

  /** What the leader's client reported, in every tab. */
  #onEvent(message) {
    if (this.#freed) return;
    if (isSnapshot(message.snapshot)) this.#mirror = message.snapshot;
    if (message.ev === 'frame') {
      this.#onFrame(message);
      return;
    }
    if (message.ev === 'delivery') {
      if (message.tab !== this.#tabId) return;
      const { delivery } = message;
      // Written: only the server can refuse it now, which is no failure of the send.
      if (delivery.status === 'sent') this.#acceptedOps.delete(delivery.id);
      this.#status(delivery);
      return;
    }
    if (message.ev === 'error') {
      const { error } = message;
      if (message.tab !== undefined && message.tab !== this.#tabId) return;
      // The server sends no acks: what the leader was given is written, and
      // no ack will come for it; held for one, it would go out again to
      // each next leader.
      if (error.code === 'acks_unsupported') {
        for (const entry of [...this.#pending.values()]) if (entry.accepted) this.#forget(entry);
      }
      const mine = error.id !== undefined && this.#failedHere(error.id, error.code, message.chatFailed === true);
      if (this.#active || mine) this.#reportError(errorFromWire(error));
      return;
    }
    if (!this.#active) return;
    switch (message.ev) {
      case 'state':
        this.#show({ state: message.change.state, attempt: message.change.attempt }, false, message.change);
        break;
      case 'open':
        this.#emit('open', 'onOpen');
        break;
      case 'close':
        this.#emit('close', 'onClose', message.info);
        break;
      case 'giveUp':
        this.#stateAhead = 'closed';
        this.#emit('giveUp', 'onGiveUp', message.info);
        break;
      default:
    }
  }

  #onFrame({ value, info, typed, reparse }) {
    if (reparse) value = JSON.parse(info.data);
    if (value && typeof value === 'object' && value.type === 'ack' && typeof value.id === 'string') {
      const number = this.#pendingIds.get(value.id);
      if (number !== undefined) this.#forget(this.#pending.get(number));
    }
    if (typed === 'chat' && typeof value.seq === 'number') {
      // The leader's client dropped replays; a new leader may replay what this tab has.
      if (typeof value.epoch === 'string' && value.epoch !== this.#resume.epoch) {
        this.#resume = { lastSeq: null, epoch: value.epoch };
      }
      if (this.#resume.lastSeq !== null && value.seq <= this.#resume.lastSeq) return;
      this.#resume.lastSeq = value.seq;
    }
    if (value && typeof value === 'object' && value.type === 'resumed') {
      if (value.recovered === false) this.#resume.lastSeq = null;
      if (typeof value.epoch === 'string') this.#resume.epoch = value.epoch;
    }
    if (!this.#active) return;
    if (typed === 'chat') this.#emit('chat', 'onChat', value);
    else if (typed === 'notification') this.#emit('notification', 'onNotification', value);
    this.#emit('message', 'onMessage', value, info);
    if (info.kind !== undefined) this.#emit(`kind:${info.kind}`, 'on', value);
  }

  /**
   * Reports a chat's status once per step forward: a new leader sends again
   * what the tabs had in flight, and its client reports `queued` and `sent`
   * anew, which this tab has already reported.
   */
  #status(delivery) {
    const last = this.#statuses.get(delivery.id);
    const forward = last === undefined || (last === 'failed' ? delivery.status === 'queued'
      : STATUS_RANK[delivery.status] > STATUS_RANK[last]);
    if (!forward) return;
    remember(this.#statuses, delivery.id, delivery.status, OWNERS_KEPT);
    this.#emit('delivery', 'onDelivery', { ...delivery });
  }

  /**
   * One of this tab's chats failed: `op`, when the tab holds it, is kept for
   * `retry(id)` (inside the status's callback too); then its status.
   */
  #failed(id, code, op) {
    this.#acceptedOps.delete(id);
    if (op) remember(this.#failedOps, id, op, OWNERS_KEPT);
    this.#status({ id, status: 'failed', code });
  }

  /**
   * A send of this tab with `id` failed (its error, which follows the chat's
   * `failed` status in the leader's client: `chatFailed`): out of what it
   * holds, a chat kept for `retry(id)` with its status, reported before the
   * error as without sharing; whether it was this tab's.
   */
  #failedHere(id, code, chatFailed) {
    const number = this.#pendingIds.get(id);
    const op = number === undefined ? this.#acceptedOps.get(id) : this.#pending.get(number).op;
    if (number !== undefined) this.#forget(this.#pending.get(number));
    const chat = op?.kind === 'chat';
    // One it no longer holds (the leader had it) is reported all the same.
    if (chat || chatFailed) this.#failed(id, code, chat ? op : null);
    return op !== undefined || chatFailed;
  }

  // ---- sends -----------------------------------------------------------------

  #send(op, id) {
    const messageId = id ?? `${this.#tabId}-${this.#nextId + 1}`;
    // The arguments, checked by the module's rules (the mode, the types, the
    // recipient, the id, the frame's size), with the id this send will have.
    this.#probe((client) => (op.kind === 'chat'
      ? client.sendChat(op.to, op.message, messageId)
      : client.sendText(op.text, messageId)));
    if (this.#pendingIds.has(messageId)) throw codedError('invalid_id', `the message id ${messageId} is in use`);
    if (!this.#active && this.#local === 'closed') throw codedError('closed', 'the client is closed');
    if (id === undefined || id === null) this.#nextId += 1;
    const bytes = utf8Length(op.kind === 'chat' ? op.message : op.text);
    if (this.#pending.size >= this.#limits.maxFrames || this.#pendingBytes + bytes > this.#limits.maxBytes) {
      throw codedError('outbox_full', 'the outbox is full', { id: messageId });
    }
    const entry = { number: ++this.#nextNumber, op: { ...op, id: messageId }, bytes, accepted: false, sentTo: null };
    this.#pending.set(entry.number, entry);
    this.#pendingIds.set(messageId, entry.number);
    this.#pendingBytes += bytes;
    // The leader's own send: its client's errors are thrown here, as
    // without sharing. What this tab holds that the leader does not have yet
    // (a callback's send during a change of leader) goes first, in order.
    this.#flush(this.#role === 'leader' ? entry : null);
    // Held by this tab: queued (the leader's client reports it first for the leader's own sends).
    if (op.kind === 'chat' && this.#pending.has(entry.number)) this.#status({ id: messageId, status: 'queued' });
    return messageId;
  }

  /**
   * Forwards, in order, what the current leader does not have yet (sends
   * made by callbacks meanwhile included); in the leader tab, the error of
   * `thrown` is thrown instead of reported.
   */
  #flush(thrown = null) {
    if (!this.#active || !this.#leaderToken) return;
    let refused = null;
    for (const entry of this.#pending.values()) {
      if (entry.sentTo === this.#leaderToken) continue;
      entry.sentTo = this.#leaderToken;
      if (this.#role === 'leader') {
        try {
          this.#accepted(entry.number, this.#accept(this.#tabId, entry.number, entry.op));
        } catch (error) {
          this.#forget(entry);
          if (entry === thrown) {
            // Thrown once the sends after it (a callback's) went too.
            refused = { error };
            continue;
          }
          if (entry.op.kind === 'chat') this.#failed(entry.op.id, error.code, entry.op);
          this.#reportError(Object.assign(error, { id: entry.op.id }));
        }
      } else {
        this.#toLeader({ t: 'send', number: entry.number, op: entry.op });
      }
    }
    if (refused) throw refused.error;
  }

  #accepted(number, keep) {
    const entry = this.#pending.get(number);
    if (!entry) return;
    entry.accepted = true;
    if (keep) return;
    this.#forget(entry);
    // Until the leader writes it, it can still fail (a close, giving up):
    // kept for `retry(id)`, bounded as the outbox that holds it.
    if (entry.op.kind === 'chat') remember(this.#acceptedOps, entry.op.id, entry.op, this.#limits.maxFrames);
  }

  #forget(entry) {
    if (!entry || !this.#pending.delete(entry.number)) return;
    this.#pendingIds.delete(entry.op.id);
    this.#pendingBytes -= entry.bytes;
  }

  #settleClaim(number, won) {
    const claim = this.#claims.get(number);
    if (!claim) return;
    this.#claims.delete(number);
    claim.resolve(won);
  }

  // ---- the channel ---------------------------------------------------------------

  /** Posts `message` to the other tabs, or `fallback` when `message` cannot be cloned. */
  #post(message, fallback) {
    if (this.#freed && message.t !== 'leave' && message.t !== 'resign') return;
    try {
      this.#channel.postMessage({ ...message, from: this.#tabId });
    } catch (error) {
      // A value the structured clone cannot take (nesting too deep for it).
      if (fallback) this.#post(fallback);
      else console.error('wsnotify: could not share with the other tabs', error);
    }
  }

  /** A request to the leader: handled here when this tab leads. */
  #toLeader(message) {
    if (this.#role === 'leader') this.#atLeader({ ...message, from: this.#tabId, to: this.#myToken });
    else if (this.#leaderToken) this.#post({ ...message, to: this.#leaderToken });
  }

  #receive(message) {
    if (this.#freed || !message || typeof message !== 'object') return;
    switch (message.t) {
      case 'hello':
        if (this.#role === 'leader') this.#announce();
        break;
      case 'leader':
        this.#heardLeader(message);
        break;
      case 'resign':
        if (message.token === this.#leaderToken) this.#leaderGone();
        break;
      case 'event':
        // Not from a leader this tab no longer follows (still in flight
        // after the change); between leaders, a live one's still count.
        if (this.#leaderToken === null || message.token === this.#leaderToken) this.#onEvent(message);
        break;
      case 'accepted':
        if (message.tab === this.#tabId) this.#accepted(message.number, message.keep);
        break;
      case 'claimed':
        if (message.tab === this.#tabId) this.#settleClaim(message.number, message.won);
        break;
      case 'candidate':
        this.#heardCandidate(message.from);
        break;
      default:
        if (this.#role === 'leader' && message.to === this.#myToken) this.#atLeader(message);
    }
  }

  #heardLeader({ token, from, snapshot }) {
    if (typeof token !== 'string' || typeof from !== 'string') return;
    this.#lastBeat = performance.now();
    this.#candidates = null;
    if (token === this.#leaderToken) return;
    if (this.#role === 'leader') {
      // With Web Locks the lock makes one leader: another's announcement is
      // stale (it resigned since) or stray. Without them, two leaders after
      // a partition of timing: the lower tab id stays.
      if (this.#usesLocks || from > this.#tabId) {
        this.#announce();
        return;
      }
      this.#resign();
    }
    this.#newLeader(token, isSnapshot(snapshot) ? snapshot : null);
  }

  /** A new leadership: what this tab had in flight goes to it, in order. */
  #newLeader(token, snapshot) {
    const wasOpen = this.#active && this.#shown.state === 'open';
    this.#leaderToken = token;
    if (snapshot) this.#mirror = snapshot;
    for (const entry of this.#pending.values()) entry.sentTo = null;
    if (wasOpen && this.#mirror.state !== 'open') {
      this.#emit('close', 'onClose', { code: 1006, reason: 'the leading tab went away', wasClean: false });
    }
    if (this.#active) {
      const { state, attempt } = this.#mirror;
      const shown = state === 'idle' || state === 'closed' ? 'connecting' : state;
      this.#show({ state: shown, attempt }, !wasOpen);
      this.#toLeader({ t: 'join' });
      this.#flush();
    }
    if (this.#role !== 'leader') {
      for (const [number, { key }] of this.#claims) this.#toLeader({ t: 'claim', number, key });
    }
  }

  /** No leader for now; `stand`: without Web Locks, this tab offers itself at once. */
  #leaderGone(stand = true) {
    this.#leaderToken = null;
    // What it had will not go out from it: the next leader gets it again,
    // and a close meanwhile rejects it.
    for (const entry of this.#pending.values()) entry.sentTo = null;
    // With Web Locks a leader may already hold the lock (this tab heard a
    // stale announcement after its): it answers a hello.
    if (this.#usesLocks) this.#post({ t: 'hello' });
    if (!this.#active) return;
    const wasOpen = this.#shown.state === 'open';
    if (wasOpen) this.#emit('close', 'onClose', { code: 1006, reason: 'the leading tab went away', wasClean: false });
    this.#show({ state: 'reconnecting', attempt: this.#mirror.attempt });
    if (stand && !this.#usesLocks) this.#startCandidacy();
  }

  // ---- the leader ------------------------------------------------------------------

  #snapshot() {
    const inner = this.#inner;
    return { state: inner.state, attempt: inner.attempt, delivery: inner.delivery };
  }

  #announce() {
    if (this.#role !== 'leader' || !this.#inner) return;
    this.#post({ t: 'leader', token: this.#myToken, snapshot: this.#snapshot() });
  }

  #becomeLeader() {
    if (this.#freed || this.#role === 'leader') return;
    const options = { ...this.#options, shareAcrossTabs: false };
    if (this.#mode === 'wsnotify' && this.#resume.lastSeq !== null) {
      options.resume = { lastSeq: this.#resume.lastSeq, ...(this.#resume.epoch ? { epoch: this.#resume.epoch } : {}) };
    }
    const inner = this.#createInner(options);
    this.#role = 'leader';
    this.#inner = inner;
    this.#myToken = `${this.#tabId}.${randomHex(4)}`;
    this.#roster = new Set();
    this.#lastAccepted = new Map();
    this.#owners = new Map();
    this.#claimed = new Map();
    const shared = (ev, extra) => this.#leaderEvent({ ev, ...extra });
    this.#innerOff = [
      inner.onStateChange((change) => shared('state', { change: { ...change }, snapshot: this.#snapshot() })),
      inner.onOpen(() => shared('open')),
      inner.onClose((info) => shared('close', { info: { ...info } })),
      inner.onGiveUp((info) => shared('giveUp', { info: { ...info } })),
      inner.onError((error) => {
        // A send's error goes to its tab only; a chat's `failed` status,
        // which came just before it, goes with it.
        const owner = error.id === undefined ? undefined : this.#owners.get(error.id);
        if (owner) this.#owners.delete(error.id);
        // With the state: `acks_unsupported` changes `delivery`.
        shared('error', { error: errorToWire(error), tab: owner?.tab, chatFailed: owner?.chatFailed, snapshot: this.#snapshot() });
      }),
      inner.onMessage((value, info) => {
        const typed = this.#typed && this.#typed.value === value ? this.#typed.type : undefined;
        this.#typed = null;
        if (value && typeof value === 'object' && value.type === 'ack') this.#owners.delete(value.id);
        shared('frame', { value, info: { ...info }, typed });
      }),
    ];
    if (this.#mode === 'wsnotify') {
      this.#innerOff.push(
        inner.onChat((value) => { this.#typed = { type: 'chat', value }; }),
        inner.onNotification((value) => { this.#typed = { type: 'notification', value }; }),
        inner.onDelivery((delivery) => {
          const owner = this.#owners.get(delivery.id);
          if (owner === undefined) return;
          // The client reports the error of a failed chat right after its
          // status: both go to the tab as that one error.
          if (delivery.status === 'failed') owner.chatFailed = true;
          else shared('delivery', { delivery: { ...delivery }, tab: owner.tab });
        }),
      );
    }
    this.#announce();
    this.#newLeader(this.#myToken, this.#snapshot());
    for (const [number, { key }] of [...this.#claims]) this.#settleClaim(number, this.#decide(key, this.#tabId));
    // Not for a tab freed (or no longer leading) inside those callbacks.
    if (!this.#usesLocks && !this.#freed && this.#role === 'leader') this.#beat = setInterval(() => this.#announce(), BEAT_MS);
  }

  /** A request from a tab (or this one) to the leader. */
  #atLeader(message) {
    const inner = this.#inner;
    if (!inner) return;
    const tab = message.from;
    switch (message.t) {
      case 'join':
        this.#roster.add(tab);
        // From idle or closed, or once a close under way is done; otherwise nothing to do.
        inner.connect();
        // Held only for other tabs: look now and then whether they are alive
        // (a crashed one never leaves).
        if (!this.#active && this.#recheck === null) this.#closeIfUnwanted(1000, '');
        break;
      case 'leave':
        this.#roster.delete(tab);
        this.#lastAccepted.delete(tab);
        this.#closeIfUnwanted(message.code, message.reason);
        break;
      case 'command':
        if (message.cmd === 'reconnect') inner.reconnect();
        break;
      case 'claim':
        this.#post({ t: 'claimed', tab, number: message.number, won: this.#decide(message.key, tab) });
        break;
      case 'send':
        try {
          const keep = this.#accept(tab, message.number, message.op);
          this.#post({ t: 'accepted', tab, number: message.number, keep });
        } catch (error) {
          // Refused at once: the tab still holds it and fails it itself.
          this.#leaderEvent({ ev: 'error', tab, error: errorToWire(Object.assign(error, { id: message.op.id })) });
        }
        break;
      default:
    }
  }

  /**
   * Hands a tab's send to the leader's client, once per number; returns
   * whether the tab must keep it until its ack. Throws the client's errors.
   */
  #accept(tab, number, op) {
    const inner = this.#inner;
    const keep = op.kind === 'chat' && inner.delivery === 'at-least-once';
    // Sent again (a tab that was frozen): kept only while its ack is still to come.
    if (number <= (this.#lastAccepted.get(tab) ?? 0)) return keep && this.#owners.has(op.id);
    remember(this.#lastAccepted, tab, number, TABS_KEPT);
    // Known before the send: its statuses are reported during it.
    remember(this.#owners, op.id, { tab, chatFailed: false }, OWNERS_KEPT);
    try {
      if (op.kind === 'chat') inner.sendChat(op.to, op.message, op.id);
      else inner.sendText(op.text, op.id);
    } catch (error) {
      this.#owners.delete(op.id);
      throw error;
    }
    return keep;
  }

  /**
   * Closes the leader's connection when no tab wants it. With Web Locks, a
   * tab that crashed (and so never said it left) is known by its lock, gone.
   */
  #closeIfUnwanted(code, reason) {
    clearTimeout(this.#recheck);
    this.#recheck = null;
    const close = () => {
      const inner = this.#inner;
      if (!inner || inner.state === 'idle' || inner.state === 'closed') return;
      if (this.#roster.size === 0) {
        inner.close(code, reason);
      } else if (!this.#active && this.#usesLocks) {
        this.#recheck = setTimeout(() => this.#closeIfUnwanted(code, reason), ROSTER_RECHECK_MS);
      }
    };
    if (this.#roster.size === 0 || !this.#usesLocks) {
      close();
      return;
    }
    const scope = scopeOf(this.#options);
    navigator.locks.query().then(({ held = [] }) => {
      const alive = new Set(held.map((lock) => lock.name));
      for (const tab of [...this.#roster]) {
        if (tab !== this.#tabId && !alive.has(`${scope}|tab:${tab}`)) this.#roster.delete(tab);
      }
      close();
    }, () => {});
  }

  #decide(key, tab) {
    if (!this.#claimed.has(key)) remember(this.#claimed, key, tab, CLAIMS_KEPT);
    return this.#claimed.get(key) === tab;
  }

  #leaderEvent(message) {
    const posted = { t: 'event', ...message, token: this.#myToken };
    // A parsed value too deep for the channel's structured clone goes as
    // the text it was parsed from; each tab parses it again.
    const asText = message.ev === 'frame' && typeof message.info.data === 'string'
      ? { ...posted, value: undefined, reparse: true }
      : undefined;
    this.#post(posted, asText);
    this.#onEvent(message);
  }

  /** Stops leading: the socket closes and another tab takes the lock. */
  #resign() {
    if (this.#role !== 'leader') return;
    const token = this.#myToken;
    for (const off of this.#innerOff) off();
    this.#innerOff = [];
    const inner = this.#inner;
    this.#inner = null;
    this.#role = 'follower';
    this.#myToken = null;
    this.#leaderToken = null;
    this.#typed = null;
    inner.free();
    this.#post({ t: 'resign', token });
    const release = this.#releaseLock;
    this.#releaseLock = null;
    release?.();
    clearInterval(this.#beat);
    this.#beat = null;
  }

  // ---- the election ----------------------------------------------------------------

  #elect() {
    if (this.#freed || this.#role === 'leader' || this.#lockRequest || this.#watchdog) return;
    if (this.#usesLocks) {
      const request = new AbortController();
      this.#lockRequest = request;
      navigator.locks.request(scopeOf(this.#options), { signal: request.signal }, () => {
        if (this.#lockRequest !== request || this.#freed) return undefined;
        return new Promise((release) => {
          this.#releaseLock = () => {
            if (this.#lockRequest === request) this.#lockRequest = null;
            release();
          };
          this.#becomeLeader();
        });
      }).catch(() => {
        if (this.#lockRequest === request) this.#lockRequest = null;
      });
      return;
    }
    // A first tab waits a moment for an answer to its hello before it stands.
    this.#lastBeat = performance.now() - LEADER_TIMEOUT_MS + 2 * ELECTION_MS;
    this.#watchdog = setInterval(() => {
      if (this.#role !== 'leader' && performance.now() - this.#lastBeat > LEADER_TIMEOUT_MS) this.#startCandidacy();
    }, BEAT_MS / 2);
  }

  /** Without Web Locks: offers this tab; the lowest id among the candidates leads. */
  #startCandidacy() {
    if (this.#candidates || this.#role === 'leader' || this.#freed) return;
    this.#leaderToken = null;
    this.#candidates = new Set([this.#tabId]);
    this.#post({ t: 'candidate' });
    this.#candidacy = setTimeout(() => {
      this.#candidacy = null;
      const candidates = this.#candidates;
      this.#candidates = null;
      if (!candidates || this.#leaderToken) return;
      if ([...candidates].sort()[0] === this.#tabId) this.#becomeLeader();
    }, ELECTION_MS);
  }

  #heardCandidate(from) {
    if (this.#usesLocks) return;
    if (this.#role === 'leader') {
      this.#announce();
      return;
    }
    if (performance.now() - this.#lastBeat > LEADER_TIMEOUT_MS || !this.#leaderToken) {
      this.#startCandidacy();
      this.#candidates?.add(from);
    }
  }

  /**
   * A page frozen (or put in the back/forward cache) gives up the lead and
   * its place in the queue for it: a frozen leader would hold the lock and
   * run nothing. It hears no frame while frozen, so it shows `reconnecting`.
   */
  #suspend() {
    if (this.#freed) return;
    if (this.#role !== 'leader' && this.#active) this.#toLeader({ t: 'leave', code: 1000, reason: '' });
    this.#resign();
    this.#stopElection();
    this.#leaderGone(false);
  }

  /** A page running again: back in the election, and asks who leads. */
  #wake() {
    if (this.#freed) return;
    this.#elect();
    this.#post({ t: 'hello' });
  }

  #stopElection() {
    clearTimeout(this.#recheck);
    this.#recheck = null;
    const request = this.#lockRequest;
    this.#lockRequest = null;
    request?.abort();
    clearInterval(this.#watchdog);
    clearTimeout(this.#candidacy);
    this.#watchdog = null;
    this.#candidacy = null;
    this.#candidates = null;
  }

  #listen(target, type, handler) {
    target.addEventListener(type, handler);
    this.#windowOff.push(() => target.removeEventListener(type, handler));
  }
}
