// Messages that survive a reload (`persist`). Loaded by `createClient` only
// when the option is set, so the package's entry does not carry it.
//
// What is kept, in IndexedDB (database "wsnotify"), per store name, URL and
// user (the scope): every chat sent and not yet acknowledged, with its id,
// and the resume position (the last `seq` received and its epoch). On the
// next start, `createClient` reads them before the client exists: the client
// resumes from the stored position, and the stored chats are queued again,
// oldest first, with their ids, before anything the application sends; the
// server drops by id what it already had, so each arrives once.
//
// Which tab re-sends what: every client holds a Web Lock named after its own
// random owner id for its whole life (the browser releases it when the page
// goes). A record belongs to the client that wrote it; a starting client
// claims, under the scope's lock, only the records whose owner's lock is no
// longer held: those of a page that was reloaded or closed, never those of a
// live tab. Without Web Locks, a starting client claims every record.
//
// Any failure of the storage (IndexedDB missing or blocked, an error, a full
// quota that evicting this client's oldest records cannot cure) is reported
// once as `persistence_unavailable`; the client goes on in memory, and only
// takes out of the store what it had put there (acknowledged chats must not
// come back after a reload). A record this version cannot read (another
// version's, a foreign writer's) is deleted, reported the same way.
//
// The entry loads the module with a dynamic import (a chunk of its own for
// app bundlers) and hands it the symbols by which it reaches the client's
// hidden members.

import { webLocks } from './web-locks.js';

const DB_NAME = 'wsnotify';
const DB_VERSION = 1;
const MESSAGES = 'messages';
const POSITIONS = 'positions';
const DAY_MS = 86_400_000;
/**
 * At most this many resume positions (one per user, URL and name) are kept
 * per origin; past it, the least recently moved goes (its user's next start
 * resumes from nothing).
 */
const MAX_POSITIONS = 100;
/** The client's default `ackTimeout` (the options table of the package's README). */
const DEFAULT_ACK_TIMEOUT_MS = 10_000;
/** Past the ack timeout, when to look whether the client found that the server sends no acks. */
const ACK_CHECK_MARGIN_MS = 100;
/** The server's error codes for a chat it did not take now but may later (docs/PROTOCOL.md). */
const SEND_LATER = new Set(['unavailable', 'rate_limited']);
/** How often a client looks for records of pages that went since it started (a tab closed with chats unsent). */
const SWEEP_MS = 5000;
/** The states in which a client takes the records of pages that went (see #claimOrphans). */
const SENDING_STATES = new Set(['connecting', 'open', 'reconnecting']);
/** Opening IndexedDB can hang (a blocked upgrade, some private modes): give up after this long. */
const OPEN_TIMEOUT_MS = 3000;

function settingsOf(options) {
  const { persist, outbox } = options;
  const given = typeof persist === 'object' && persist !== null ? persist : {};
  return {
    name: typeof persist === 'string' ? persist : (given.name ?? ''),
    maxMessages: given.maxMessages ?? outbox?.maxFrames ?? 1000,
    maxBytes: given.maxBytes ?? outbox?.maxBytes ?? 1048576,
    expiryMs: given.expiryMs ?? DAY_MS,
    ackTimeoutMs: options.ackTimeout ?? DEFAULT_ACK_TIMEOUT_MS,
  };
}

/** The store's scope: the name, the URL (a function by name only) and the user. */
function scopeOf(options, name) {
  const { url } = options;
  return JSON.stringify([name, typeof url === 'function' ? '(function)' : url, options.userId]);
}

const ownerLock = (owner) => `wsnotify-persist-owner:${owner}`;

function randomId() {
  const values = new Uint8Array(8);
  crypto.getRandomValues(values);
  return [...values].map((value) => value.toString(16).padStart(2, '0')).join('');
}

function utf8Length(text) {
  return new TextEncoder().encode(text).length;
}

function openDatabase() {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`IndexedDB did not open within ${OPEN_TIMEOUT_MS} ms`));
    }, OPEN_TIMEOUT_MS);
    const finish = (settle, value) => {
      clearTimeout(timer);
      settle(value);
    };
    let request;
    try {
      if (typeof indexedDB !== 'object' || indexedDB === null) throw new Error('IndexedDB is missing');
      request = indexedDB.open(DB_NAME, DB_VERSION);
    } catch (error) {
      finish(reject, error);
      return;
    }
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(MESSAGES)) {
        db.createObjectStore(MESSAGES, { keyPath: 'key' }).createIndex('scope', 'scope');
      }
      if (!db.objectStoreNames.contains(POSITIONS)) db.createObjectStore(POSITIONS, { keyPath: 'scope' });
    };
    request.onsuccess = () => {
      const db = request.result;
      // Given up on already: nobody would ever close it.
      if (timedOut) {
        db.close();
        return;
      }
      // Another tab upgrading the database: let it, this one stops persisting.
      db.onversionchange = () => db.close();
      finish(resolve, db);
    };
    request.onerror = () => finish(reject, request.error ?? new Error('IndexedDB refused to open'));
    request.onblocked = () => finish(reject, new Error('IndexedDB is blocked by another tab'));
  });
}

/**
 * Runs `use(objectStore)` (for a list of names, `use(transaction)`) in one
 * transaction; resolves when it committed.
 */
function transact(db, name, mode, use) {
  return new Promise((resolve, reject) => {
    let result;
    let transaction;
    try {
      transaction = db.transaction(name, mode);
      result = use(Array.isArray(name) ? transaction : transaction.objectStore(name));
    } catch (error) {
      reject(error);
      return;
    }
    transaction.oncomplete = () => resolve(result);
    // A failed request's error reaches the transaction before the
    // transaction aborts, while `transaction.error` is still null.
    transaction.onerror = (event) => reject(event.target.error ?? transaction.error);
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** Whether `record` has the shape this version writes (a chat record). */
function readable(record) {
  return typeof record?.id === 'string' && typeof record.message === 'string'
    && (record.to === null || typeof record.to === 'string')
    && Number.isFinite(record.at) && Number.isFinite(record.order)
    && (record.expires === undefined || Number.isFinite(record.expires));
}

/**
 * Whether `record` is past its expiry at `now`: the one its writer set
 * (`expires`; a day for records written before it was kept), or
 * `expiryMs` after it was written, whichever comes first.
 */
function expired(record, now, expiryMs = Infinity) {
  return now > Math.min(record.expires ?? record.at + DAY_MS, record.at + expiryMs);
}

/**
 * Deletes, in every scope, the chats past their expiry, the records this
 * version cannot read, and the positions beyond the MAX_POSITIONS most
 * recently moved: whoever's they are, so that a user who no longer signs in
 * on this browser leaves nothing for good. Resolves to how many records
 * were unreadable.
 */
async function deleteExpired(db) {
  const now = Date.now();
  let unreadable = 0;
  await transact(db, [MESSAGES, POSITIONS], 'readwrite', (stores) => {
    stores.objectStore(MESSAGES).openCursor().onsuccess = (event) => {
      const cursor = event.target.result;
      if (!cursor) return;
      if (!readable(cursor.value)) {
        unreadable += 1;
        cursor.delete();
      } else if (expired(cursor.value, now)) cursor.delete();
      cursor.continue();
    };
    const positions = stores.objectStore(POSITIONS);
    positions.getAll().onsuccess = (event) => {
      const oldestFirst = event.target.result.sort((a, b) => (Number(a.at) || 0) - (Number(b.at) || 0));
      for (const position of oldestFirst.slice(0, Math.max(0, oldestFirst.length - MAX_POSITIONS))) {
        positions.delete(position.scope);
      }
    };
  });
  return unreadable;
}

/**
 * Claims, under the scope's lock, the scope's records whose owner is gone
 * (its lock released), dropping expired and unreadable ones; resolves to
 * them, oldest first, with the stored resume position and how many records
 * were unreadable.
 */
async function load(db, scope, owner, expiryMs) {
  const read = async (alive) => {
    const now = Date.now();
    const claimed = [];
    let unreadable = 0;
    let position = null;
    // Read and claimed in one transaction, with the position: nothing
    // deleted in between comes back, and a read that fails claims nothing.
    await transact(db, [MESSAGES, POSITIONS], 'readwrite', (stores) => {
      stores.objectStore(POSITIONS).get(scope).onsuccess = (event) => {
        position = event.target.result ?? null;
      };
      const store = stores.objectStore(MESSAGES);
      store.index('scope').getAll(scope).onsuccess = (event) => {
        for (const record of event.target.result) {
          if (!readable(record)) {
            unreadable += 1;
            store.delete(record.key);
          } else if (expired(record, now, expiryMs)) store.delete(record.key);
          else if (!alive.has(ownerLock(record.owner))) {
            record.owner = owner;
            store.put(record);
            claimed.push(record);
          }
        }
      };
    });
    claimed.sort((a, b) => a.order - b.order);
    return { claimed, position, unreadable };
  };
  const locks = webLocks();
  if (!locks) return read(new Set());
  return locks.request(`wsnotify-persist:${scope}`, async () => {
    const { held = [] } = await locks.query();
    return read(new Set(held.map((lock) => lock.name)));
  });
}

/** Holds this client's owner lock until `release()`; resolves once it is held. */
function holdOwnerLock(owner) {
  const locks = webLocks();
  if (!locks) return Promise.resolve(() => {});
  return new Promise((resolve, reject) => {
    locks.request(ownerLock(owner), () => new Promise((release) => resolve(release))).catch(reject);
  });
}

/**
 * Reads the store of `options.persist`, creates the client with
 * `construct(options)` (resuming from the stored position) and queues the
 * stored chats again; then keeps the store up to date. `hidden`: the
 * symbols of the client's members `report(code, message)` and `restored`,
 * and of the `release(report)` this module overrides on it (hidden.js).
 */
export async function openPersisted(options, construct, hidden) {
  const settings = settingsOf(options);
  const scope = scopeOf(options, settings.name);
  const owner = randomId();
  let db = null;
  let releaseOwner = () => {};
  let problem = null;
  let loaded = { claimed: [], position: null, unreadable: 0 };
  try {
    releaseOwner = await holdOwnerLock(owner);
    db = await openDatabase();
    const unreadable = await deleteExpired(db);
    loaded = await load(db, scope, owner, settings.expiryMs);
    loaded.unreadable += unreadable;
  } catch (error) {
    problem = error;
    db?.close();
    db = null;
  }
  const prepared = { ...options };
  const stored = loaded.position;
  if (stored && stored.lastSeq !== null && options.resume === undefined) {
    prepared.resume = stored.epoch ? { lastSeq: stored.lastSeq, epoch: stored.epoch } : { lastSeq: stored.lastSeq };
  }
  let client;
  let unreadable = loaded.unreadable;
  try {
    try {
      client = construct(prepared);
    } catch (error) {
      // The options were checked before the store was read: what the client
      // refuses is the stored position, which is deleted; it starts without.
      if (prepared.resume === options.resume) throw error;
      unreadable += 1;
      prepared.resume = options.resume;
      client = construct(prepared);
      if (db) transact(db, POSITIONS, 'readwrite', (store) => store.delete(scope)).catch(() => {});
    }
  } catch (error) {
    releaseOwner();
    db?.close();
    throw error;
  }
  return new Persistence(client, {
    db, scope, owner, settings, releaseOwner, problem, loaded, unreadable, resume: prepared.resume, hidden,
  }).client;
}

class Persistence {
  client;
  #db;
  #scope;
  #owner;
  #limits;
  #releaseOwner;
  /** This client's records in the store, oldest first: id → record. */
  #live = new Map();
  #liveBytes = 0;
  /** The ids of those written to a socket while awaiting an ack. */
  #sentIds = new Set();
  /** Failed chats, for `retry(id)` to store them again (bounded like the store). */
  #failed = new Map();
  #lastOrder = 0;
  #position;
  #positionDue = false;
  #reported = false;
  /** False once storage failed: no chat is stored any more (the position still is), those stored still leave. */
  #storing = true;
  #sweep = null;
  /** The look, past the ack timeout, at whether the server sends acks (see #onStatus). */
  #ackCheck = null;
  /**
   * While a `sendChat` runs (a callback may send again inside it): the chats
   * it returned, the order in which the client queued them, those already
   * settled (not to be stored) and those written awaiting an ack.
   */
  #sending = null;
  /** Set by the application's `close()` until the client connects again: the chats it fails are let go. */
  #closedByApp = false;
  #send;
  #hidden;
  /** Before `createClient` resolved, no `onError` listener exists yet: reports wait for the next task. */
  #starting = true;

  constructor(client, { db, scope, owner, settings, releaseOwner, problem, loaded, unreadable, resume, hidden }) {
    this.client = client;
    this.#hidden = hidden;
    this.#db = db;
    this.#scope = scope;
    this.#owner = owner;
    this.#limits = settings;
    this.#releaseOwner = releaseOwner;
    this.#position = resume ? { lastSeq: resume.lastSeq, epoch: resume.epoch ?? null } : null;
    if (problem) this.#unavailable(problem);
    this.#reportUnreadable(unreadable);
    setTimeout(() => {
      this.#starting = false;
    }, 0);

    const send = client.sendChat.bind(client);
    this.#send = send;
    const free = client.free.bind(client);
    const close = client.close.bind(client);
    const release = client[hidden.release].bind(client);
    Object.defineProperties(client, {
      [hidden.release]: {
        configurable: true,
        // Not the application's close: the chats it fails stay stored.
        value: (report) => release((error) => {
          if (!this.#live.has(error?.id)) report(error);
        }, close),
      },
      close: {
        configurable: true,
        writable: true,
        value: (code, reason) => {
          const before = this.#closedByApp;
          this.#closedByApp = true;
          try {
            return close(code, reason);
          } catch (error) {
            this.#closedByApp = before;
            throw error;
          }
        },
      },
      sendChat: {
        configurable: true,
        writable: true,
        value: (toUserId, message, id) => {
          const outermost = this.#sending === null;
          if (outermost) this.#sending = { chats: [], queued: new Map(), settled: new Set(), sent: new Set() };
          const sending = this.#sending;
          try {
            const messageId = send(toUserId, message, id);
            sending.chats.push({ id: messageId, to: toUserId ?? null, message });
            return messageId;
          } finally {
            if (outermost) {
              this.#sending = null;
              this.#keepSent(sending);
            }
          }
        },
      },
      free: {
        configurable: true,
        writable: true,
        value: () => {
          free();
          this.#stop();
        },
      },
    });
    client.onDelivery(({ id, status, code }) => this.#onStatus(id, status, code));
    client.onChat((chat) => this.#onChat(chat));
    client.on('resumed', (resumed) => {
      // `on` gets a frame the client refused too (invalid_frame): only one of
      // the shape docs/PROTOCOL.md gives moves the position.
      if (typeof resumed.recovered !== 'boolean' || !(resumed.epoch === undefined || typeof resumed.epoch === 'string')) return;
      // Lost history: the numbering starts afresh, from 0 under the new epoch.
      const epoch = typeof resumed.epoch === 'string' ? resumed.epoch : (this.#position?.epoch ?? null);
      if (resumed.recovered === false) this.#savePosition({ lastSeq: 0, epoch });
      else if (this.#position) this.#savePosition({ ...this.#position, epoch });
    });
    client.onStateChange(({ state }) => {
      if (state === 'connecting') this.#closedByApp = false;
    });
    client.onOpen(() => {
      // Connected once: what is numbered for this user from now on is replayed after a reload.
      if (!this.#position) this.#savePosition({ lastSeq: 0, epoch: null });
      this.#armAckCheck();
    });

    client[hidden.restored] = Object.freeze(this.#requeue(loaded.claimed));
    // A page that was still going when this one started (a reload racing
    // its predecessor's unload, another tab closed later) leaves its records
    // to whoever finds them: looked for now and then.
    // Without Web Locks no owner can be told alive: a sweep would take the
    // records of every open tab.
    if (this.#db && webLocks()) this.#sweep = setInterval(() => this.#claimOrphans(), SWEEP_MS);
  }

  /**
   * Queues claimed records again, in order, with their ids; returns what was
   * queued. A record this client cannot take now (it is closed, or its
   * outbox is full) goes back to the store with no owner, for the next look
   * of a client that can (this one's too); one no client can send is
   * deleted, with an error.
   */
  #requeue(records) {
    const queued = [];
    for (const record of records) {
      if (this.#live.has(record.id)) continue;
      // Listed before it is queued: on an open socket, its statuses come
      // inside the send (written at most once, it is done at once).
      record.bytes = utf8Length(record.message);
      this.#live.set(record.id, record);
      this.#liveBytes += record.bytes;
      try {
        this.#send(record.to, record.message, record.id);
      } catch (error) {
        this.#live.delete(record.id);
        this.#liveBytes -= record.bytes;
        if (error.code === 'closed' || error.code === 'outbox_full') {
          this.#write(MESSAGES, (store) => store.put({ ...record, owner: null }));
          continue;
        }
        this.#delete(record.key);
        this.#report(error.code ?? 'persistence_unavailable', `a restored message (${record.id}) could not be queued again: ${error.message}`);
        continue;
      }
      this.#lastOrder = Math.max(this.#lastOrder, record.order);
      queued.push(Object.freeze({ id: record.id, toUserId: record.to, message: record.message, at: record.at }));
    }
    return queued;
  }

  #claimOrphans() {
    // Only a client that is connecting, connected or reconnecting takes
    // orphans: one not started, or stopped, would hold them unsent; it
    // leaves them to the tabs that can send.
    if (!this.#db || !this.#storing || !SENDING_STATES.has(this.client.state)) return;
    load(this.#db, this.#scope, this.#owner, this.#limits.expiryMs).then(({ claimed, unreadable }) => {
      // Freed meanwhile: what was claimed stays in the store for the next
      // start. Storage failed meanwhile: they are sent all the same.
      if (this.#db) this.#requeue(claimed);
      this.#reportUnreadable(unreadable);
    }, (error) => this.#unavailable(error));
  }

  /**
   * Stores the chats a `sendChat` (and the sends of callbacks inside it)
   * returned, in the order the client queued them; not those already
   * settled: written to an open socket at most once, a chat is done, and
   * stored it would be sent again after a reload.
   */
  #keepSent({ chats, queued, settled, sent }) {
    const rank = (chat) => queued.get(chat.id) ?? queued.size;
    for (const chat of chats.sort((a, b) => rank(a) - rank(b))) {
      if (settled.has(chat.id)) continue;
      this.#keep({ ...chat, at: Date.now() });
      if (sent.has(chat.id)) this.#markSent(chat.id);
    }
  }

  #onStatus(id, status, code) {
    const atLeastOnce = this.client.delivery === 'at-least-once';
    if (this.#sending) {
      if (status === 'queued') this.#sending.queued.set(id, this.#sending.queued.size);
      else if (status === 'sent' && atLeastOnce) this.#sending.sent.add(id);
      // Failed as closed, it is kept all the same (see below).
      else if (!(status === 'failed' && this.#outlives(code))) this.#sending.settled.add(id);
    }
    if (!atLeastOnce) this.#dropSent();
    if (status === 'acked') this.#drop(id);
    else if (status === 'sent' && !atLeastOnce) this.#drop(id);
    else if (status === 'sent') this.#markSent(id);
    else if (status === 'failed') {
      const record = this.#live.get(id);
      if (this.#outlives(code)) this.#sentIds.delete(id);
      else this.#drop(id);
      if (record) {
        this.#failed.set(id, record);
        if (this.#failed.size > this.#limits.maxMessages) this.#failed.delete(this.#failed.keys().next().value);
      }
    } else if (status === 'queued' && this.#failed.has(id)) {
      // `retry(id)`: kept again, as a new record.
      const record = this.#failed.get(id);
      this.#failed.delete(id);
      this.#keep({ id, to: record.to, message: record.message, at: Date.now() });
    }
  }

  /**
   * Whether a chat that failed with `code` stays in the store (within its
   * bounds) for the next start: when the client stopped by itself (it gave
   * up, or the server closed for good) and when the server said to send it
   * later (its store was down, or the user sent too fast); never when the
   * server refused the chat for good or the application closed the client.
   */
  #outlives(code) {
    return code === 'closed' ? !this.#closedByApp : SEND_LATER.has(code);
  }

  /** A stored chat was written to a socket and awaits its ack. */
  #markSent(id) {
    if (!this.#live.has(id)) return;
    this.#sentIds.add(id);
    this.#armAckCheck();
  }

  /**
   * With at-least-once delivery, a server that sends no acks is found out
   * after `ackTimeout` with nothing acknowledged; `delivery` then reads
   * "unconfirmed" and no chat reports a status more. Looked at once the
   * client's wait (started no later than this call) is over.
   */
  #armAckCheck() {
    clearTimeout(this.#ackCheck);
    if (this.#sentIds.size === 0) return;
    this.#ackCheck = setTimeout(() => {
      this.#ackCheck = null;
      if (this.client.delivery !== 'at-least-once') this.#dropSent();
    }, this.#limits.ackTimeoutMs + ACK_CHECK_MARGIN_MS);
  }

  /** Without acks, a chat written to a socket is done: out of the store, or a reload would send it again. */
  #dropSent() {
    for (const id of [...this.#sentIds]) this.#drop(id);
  }

  #onChat(chat) {
    if (typeof chat.seq !== 'number') return;
    const position = this.#position;
    if (typeof chat.epoch === 'string' && chat.epoch !== position?.epoch) {
      this.#savePosition({ lastSeq: chat.seq, epoch: chat.epoch });
    } else if (!position || chat.seq > position.lastSeq) {
      this.#savePosition({ lastSeq: chat.seq, epoch: position?.epoch ?? chat.epoch ?? null });
    }
  }

  /** Stores the position, once per task however many frames moved it. */
  #savePosition(position) {
    this.#position = position;
    if (this.#positionDue || !this.#db) return;
    this.#positionDue = true;
    queueMicrotask(() => {
      this.#positionDue = false;
      const { lastSeq, epoch } = this.#position;
      this.#write(POSITIONS, (store) => store.put({ scope: this.#scope, lastSeq, epoch, at: Date.now() }));
    });
  }

  /** Stores a chat just queued; past the bounds, this client's oldest records leave the store first. */
  #keep({ id, to, message, at }) {
    if (!this.#db || !this.#storing) return;
    this.#lastOrder = Math.max(this.#lastOrder + 1, Date.now() * 1000);
    const record = {
      key: `${this.#scope}\n${id}`, scope: this.#scope, id, to, message, at, expires: at + this.#limits.expiryMs,
      order: this.#lastOrder, bytes: utf8Length(message), owner: this.#owner,
    };
    this.#drop(id);
    // Larger than the store's whole bound: it stays in memory only, and
    // makes no room it could not use.
    if (record.bytes > this.#limits.maxBytes) return;
    this.#live.set(id, record);
    this.#liveBytes += record.bytes;
    while (this.#live.size > this.#limits.maxMessages || this.#liveBytes > this.#limits.maxBytes) {
      this.#drop(this.#live.keys().next().value);
    }
    this.#put(record);
  }

  /**
   * Puts `record`; when the browser's quota is exceeded, drops this
   * client's oldest record from the store and, once that is done, tries
   * again: oldest first, until it fits or it is the only one left.
   */
  #put(record) {
    this.#write(MESSAGES, (store) => store.put(record), (error) => {
      if (error?.name !== 'QuotaExceededError' || !this.#live.has(record.id) || !this.#db) return false;
      const oldest = this.#live.keys().next().value;
      if (oldest === record.id) return false;
      this.#drop(oldest).then(() => {
        if (this.#live.has(record.id) && this.#db) this.#put(record);
      });
      return true;
    });
  }

  /** Takes `id` out of the store (it stays in the client's outbox); resolves when that is done. */
  #drop(id) {
    const record = this.#live.get(id);
    if (!record) return Promise.resolve();
    this.#live.delete(id);
    this.#sentIds.delete(id);
    this.#liveBytes -= record.bytes;
    return this.#delete(record.key);
  }

  #delete(key) {
    return this.#write(MESSAGES, (store) => store.delete(key));
  }

  /**
   * One write in its own transaction (transactions run in the order they
   * were made); a failure that `recover` does not cure ends persistence.
   * Resolves when it is done, whether it failed or not.
   */
  #write(name, use, recover = () => false) {
    if (!this.#db) return Promise.resolve();
    return transact(this.#db, name, 'readwrite', use).then(() => {}, (error) => {
      if (!recover(error)) this.#unavailable(error);
    });
  }

  /**
   * Storage failed: once, `persistence_unavailable`; from now on the client
   * keeps new chats in memory only, and still takes out of the store those
   * it had put there as they are acknowledged (otherwise a reload would
   * bring them back), as far as the store lets it.
   */
  #unavailable(error) {
    clearInterval(this.#sweep);
    this.#storing = false;
    if (this.#reported) return;
    this.#reported = true;
    const reason = `${error?.name ?? 'Error'}: ${error?.message ?? error}`;
    this.#report('persistence_unavailable', `messages are kept in memory only, IndexedDB failed (${reason})`);
  }

  #reportUnreadable(count) {
    if (count === 0) return;
    this.#report('persistence_unavailable', `${count} stored record(s) could not be read (another version's?) and were deleted`);
  }

  #report(code, message) {
    const report = () => this.client[this.#hidden.report](code, message);
    if (this.#starting) setTimeout(report, 0);
    else report();
  }

  #stop() {
    clearInterval(this.#sweep);
    clearTimeout(this.#ackCheck);
    this.#db?.close();
    this.#db = null;
    this.#releaseOwner();
  }
}
