// Per-user delivery history: sequence numbers with an epoch, a replay buffer
// bounded per user and in total (count, bytes, age), the chat ids already
// accepted from each sender, and an optional append-only file that lets a
// restarted (even SIGKILLed) server resume where it stopped. What a chat
// wrote is synced to the disk before `recordChat` returns, and so before
// the chat is acknowledged: a crash of the machine loses no acknowledged
// chat, and never makes the numbering hand out a number a client has seen.
//
// The interface the server uses (open, knows, recordChat, stats, close) is
// the one server/history/redis.mjs provides for several nodes; join, record,
// since, seen and accept are the pieces it is built from here.
//
// Epochs: a user's numbering is (epoch, seq). Whenever it starts afresh (a
// new record, a record forgotten to bound memory, a restart without the file)
// the epoch is a new random string, so a client can tell "seq 1 again" from
// "an old frame" and never drops what it has not seen.
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, closeSync, existsSync, fdatasyncSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { IDS_PER_SENDER } from '../../pkg-template/client-frames.js';
import { resumeFrom } from '../../pkg-template/resume.js';

export const HISTORY_DEFAULTS = {
  /** Frames kept per user for replay. */
  limit: 500,
  /** Bytes of frames kept per user for replay. */
  maxBytesPerUser: 1024 * 1024,
  /** Bytes of frames kept in total; past it, offline users are forgotten, least recently active first. */
  maxBytes: 64 * 1024 * 1024,
  /** How long a frame stays replayable, ms. */
  maxAgeMs: 120_000,
  /** Accepted chat ids remembered per sender, to drop resends (see IDS_PER_SENDER). */
  idsPerSender: IDS_PER_SENDER,
  /**
   * Bytes of accepted chat ids kept in total, apart from the frames (ids
   * must not push out what waits for its recipients); past it, the senders
   * that hold the most ids forget their oldest first (a resend of a
   * forgotten id is delivered again).
   */
  maxIdBytes: 16 * 1024 * 1024,
  /** Users remembered; past it, offline users are forgotten, least recently active first. Online users never are. */
  maxUsers: 10_000,
  /** How often aged frames and surplus users are swept, ms (0: only when touched). */
  sweepIntervalMs: 10_000,
  /** A JSON-lines file to survive restarts (created 0600); memory only when absent. */
  file: null,
  /** Whether a user is online; the history never forgets an online user's numbering. */
  isOnline: () => false,
};

/** The log is rewritten from memory when it holds this many times more lines. */
const COMPACT_FACTOR = 4;
/** Bookkeeping bytes counted per kept frame, id and user, beside their text. */
const ENTRY_OVERHEAD = 64;
const USER_OVERHEAD = 256;

/** A new epoch: 12 base36-ish characters, printable ASCII. */
export function newEpoch() {
  return randomBytes(9).toString('base64url');
}

/**
 * Creates a history. `options` as in HISTORY_DEFAULTS; `now` for tests.
 * Frames go in as objects and come out serialized (the text sent on the wire).
 */
export function createHistory(options = {}, now = () => Date.now()) {
  const config = { ...HISTORY_DEFAULTS, ...options };
  /**
   * userId → { epoch, seq, entries: [{ seq, at, text, bytes }], bytes, ids: Set, idOrder: [], idBytes }.
   * Map order is least recently active first: a touched user is re-inserted.
   */
  const users = new Map();
  let totalBytes = 0;
  let totalIdBytes = 0;
  let linesWritten = 0;

  const textBytes = (text) => Buffer.byteLength(text) + ENTRY_OVERHEAD;

  const createUser = (userId, epoch = newEpoch(), seq = 0) => {
    const user = { epoch, seq, entries: [], bytes: 0, ids: new Set(), idOrder: [], idBytes: 0 };
    users.set(userId, user);
    totalBytes += USER_OVERHEAD;
    return user;
  };

  const forget = (userId) => {
    const user = users.get(userId);
    if (!user) return;
    totalBytes -= user.bytes + USER_OVERHEAD;
    totalIdBytes -= user.idBytes;
    users.delete(userId);
  };

  /** Moves `userId` to the most recently active end. */
  const touch = (userId, user) => {
    users.delete(userId);
    users.set(userId, user);
  };

  const dropOldest = (user) => {
    const entry = user.entries.shift();
    user.bytes -= entry.bytes;
    totalBytes -= entry.bytes;
  };

  const trim = (user) => {
    const oldest = now() - config.maxAgeMs;
    while (user.entries.length > 0 && (user.entries.length > config.limit || user.bytes > config.maxBytesPerUser
      || user.entries[0].at < oldest)) {
      dropOldest(user);
    }
  };

  /**
   * Enforces maxUsers and maxBytes: offline users are forgotten first, least
   * recently active first; then online users lose their oldest frames (their
   * numbering is kept, so a resume says what is missing).
   */
  const enforceBounds = () => {
    if (users.size <= config.maxUsers && totalBytes <= config.maxBytes) return;
    for (const userId of [...users.keys()]) {
      if (users.size <= config.maxUsers && totalBytes <= config.maxBytes) break;
      if (!config.isOnline(userId)) forget(userId);
    }
    while (totalBytes > config.maxBytes) {
      let dropped = false;
      for (const user of users.values()) {
        if (user.entries.length === 0) continue;
        dropOldest(user);
        dropped = true;
        if (totalBytes <= config.maxBytes) break;
      }
      if (!dropped) break;
    }
  };

  const idSize = (id) => id.length * 2 + ENTRY_OVERHEAD;

  const forgetOldestId = (user) => {
    const old = user.idOrder.shift();
    user.ids.delete(old);
    user.idBytes -= idSize(old);
    totalIdBytes -= idSize(old);
  };

  /**
   * Enforces maxIdBytes, down to 7/8 of it so that one scan serves many
   * ids: the sender holding the most ids forgets the older half of them,
   * until the total is below.
   */
  const enforceIdBound = () => {
    if (totalIdBytes <= config.maxIdBytes) return;
    while (totalIdBytes > config.maxIdBytes * 0.875) {
      let largest = null;
      for (const user of users.values()) if (!largest || user.idBytes > largest.idBytes) largest = user;
      if (!largest || largest.idOrder.length === 0) break;
      for (let n = Math.ceil(largest.idOrder.length / 2); n > 0; n -= 1) forgetOldestId(largest);
    }
  };

  const rememberId = (user, id) => {
    if (user.ids.has(id)) return;
    user.ids.add(id);
    user.idOrder.push(id);
    user.idBytes += idSize(id);
    totalIdBytes += idSize(id);
    if (user.idOrder.length > config.idsPerSender) forgetOldestId(user);
    enforceIdBound();
  };

  const keep = (user, seq, at, text) => {
    const bytes = textBytes(text);
    user.entries.push({ seq, at, text, bytes });
    user.bytes += bytes;
    totalBytes += bytes;
    trim(user);
  };

  // Replaying the file: `s` sets a user's numbering (a new epoch starts it
  // afresh), `d` is a delivered frame, `a` an accepted chat id.
  const apply = (line) => {
    if (line.k === 's') {
      if (typeof line.e !== 'string') return; // a file of a version without epochs: start afresh
      const user = users.get(line.u);
      if (!user || user.epoch !== line.e) {
        forget(line.u);
        createUser(line.u, line.e, line.q);
      } else {
        user.seq = Math.max(user.seq, line.q);
      }
    } else if (line.k === 'd') {
      const frame = line.f;
      if (typeof frame?.epoch !== 'string' || !Number.isSafeInteger(frame.seq)) return;
      let user = users.get(line.u);
      if (!user || user.epoch !== frame.epoch) {
        forget(line.u);
        user = createUser(line.u, frame.epoch);
      }
      user.seq = Math.max(user.seq, frame.seq);
      keep(user, frame.seq, line.t, JSON.stringify(frame));
    } else if (line.k === 'a') {
      const user = users.get(line.s);
      if (user) rememberId(user, line.i);
    }
  };

  const snapshot = () => {
    const lines = [];
    for (const [userId, user] of users) {
      // The numbering survives even when every entry has aged out.
      lines.push(JSON.stringify({ k: 's', u: userId, q: user.seq, e: user.epoch }));
      for (const entry of user.entries) lines.push(`{"k":"d","u":${JSON.stringify(userId)},"t":${entry.at},"f":${entry.text}}`);
      for (const id of user.idOrder) lines.push(JSON.stringify({ k: 'a', s: userId, i: id }));
    }
    return lines;
  };

  /** Syncs `path` to the disk with `sync`: fdatasyncSync for a file's data, fsyncSync (what a directory needs) by default. */
  const syncToDisk = (path, sync = fsyncSync) => {
    const fd = openSync(path, 'r');
    try {
      sync(fd);
    } finally {
      closeSync(fd);
    }
  };

  /** Rewrites the file from memory: on disk before it replaces the old one, and the replacement too. */
  const compact = () => {
    const lines = snapshot();
    const temporary = `${config.file}.tmp`;
    writeFileSync(temporary, lines.map((line) => `${line}\n`).join(''), { mode: 0o600 });
    chmodSync(temporary, 0o600); // in case a stale temporary file had other bits
    syncToDisk(temporary, fdatasyncSync);
    renameSync(temporary, config.file);
    syncToDisk(dirname(config.file));
    linesWritten = lines.length;
  };

  let retainedLines = 0;
  // After a failed append, part of its line may be in the file: the next
  // line starts on a line of its own, so that only the torn one is lost.
  let tornLine = false;
  // Opened for each line, so that a file replaced meanwhile is written, not an unlinked one.
  const write = (line) => {
    if (!config.file) return;
    try {
      appendFileSync(config.file, `${tornLine ? '\n' : ''}${line}\n`, { mode: 0o600 });
    } catch (error) {
      tornLine = true;
      throw error;
    }
    tornLine = false;
    linesWritten += 1;
    if (linesWritten > COMPACT_FACTOR * (retainedLines + users.size + 1000)) {
      compact();
      retainedLines = linesWritten;
    }
  };

  if (config.file && existsSync(config.file)) {
    for (const text of readFileSync(config.file, 'utf8').split('\n')) {
      if (!text) continue;
      let line;
      try {
        line = JSON.parse(text);
      } catch {
        continue; // a torn last line from a kill mid-write
      }
      if (line && typeof line === 'object') apply(line);
    }
    enforceBounds();
  }
  if (config.file) {
    // Written anew even when it did not exist: the file and its directory entry are then on disk.
    compact();
    retainedLines = linesWritten;
  }

  const userOf = (userId) => {
    const user = users.get(userId);
    if (user) return user;
    const created = createUser(userId);
    write(JSON.stringify({ k: 's', u: userId, q: 0, e: created.epoch }));
    enforceBounds();
    return created;
  };

  const sweepTimer = config.sweepIntervalMs > 0 ? setInterval(() => history.sweep(), config.sweepIntervalMs) : null;
  sweepTimer?.unref();

  const history = {
    /**
     * Numbers `frame` for `userId` (seq and epoch), keeps it for replay;
     * returns the numbered frame as JSON text.
     */
    record(userId, frame) {
      const user = userOf(userId);
      touch(userId, user);
      user.seq += 1;
      const text = JSON.stringify({ ...frame, seq: user.seq, epoch: user.epoch });
      const at = now();
      keep(user, user.seq, at, text);
      write(`{"k":"d","u":${JSON.stringify(userId)},"t":${at},"f":${text}}`);
      if (totalBytes > config.maxBytes) enforceBounds();
      return text;
    },
    /** Makes `userId` known (so messages to it wait while it is away); returns its epoch. */
    join(userId) {
      const user = userOf(userId);
      touch(userId, user);
      return user.epoch;
    },
    /** Whether messages to `userId` can wait for it (it connected and is still remembered). */
    knows: (userId) => users.has(userId),
    /** Whether `sender` already had chat `id` accepted. */
    seen: (sender, id) => users.get(sender)?.ids.has(id) ?? false,
    /** Marks chat `id` of `sender` as accepted. */
    accept(sender, id) {
      const user = userOf(sender);
      rememberId(user, id);
      write(JSON.stringify({ k: 'a', s: sender, i: id }));
    },
    /**
     * What `userId` missed after `lastSeq` of `epoch`, as frame texts.
     * `recovered` is false when part of the gap is gone, when `epoch` is not
     * the user's current one, or when `lastSeq` is from numbering this server
     * does not know; then everything kept is replayed and the client starts
     * its numbering afresh from `epoch`.
     */
    since(userId, lastSeq, epoch) {
      const user = userOf(userId);
      trim(user);
      return { epoch: user.epoch, ...resumeFrom(user, user.entries, lastSeq, epoch) };
    },
    /**
     * A connection of `userId` starts: makes the user known and, when
     * `lastSeq` is given, says what it missed (as `since`). Resolves to
     * { epoch, seq, recovered?, frames? }; `seq` is the user's latest number.
     */
    open(userId, lastSeq, epoch) {
      const current = history.join(userId);
      const { seq } = users.get(userId);
      if (lastSeq === undefined) return { epoch: current, seq, frames: [] };
      return { ...history.since(userId, lastSeq, epoch), seq };
    },
    /**
     * Accepts chat `id` of `sender` (if not accepted before) and numbers it
     * for each of `recipients`. Returns { duplicate: true } for a resend, else
     * { texts: [[userId, text], …], published: false } (the caller routes them).
     */
    recordChat(sender, id, frame, recipients) {
      if (id !== undefined && history.seen(sender, id)) return { duplicate: true };
      const texts = recipients.map((userId) => [userId, history.record(userId, frame)]);
      if (id !== undefined) history.accept(sender, id);
      // On the disk before the chat is acknowledged.
      if (config.file) syncToDisk(config.file, fdatasyncSync);
      return { texts, published: false };
    },
    /** Drops aged frames everywhere and enforces the user and byte bounds. */
    sweep() {
      for (const user of users.values()) trim(user);
      enforceBounds();
    },
    /** Figures for metrics and tests. */
    stats() {
      let entries = 0;
      for (const user of users.values()) entries += user.entries.length;
      return { users: users.size, entries, bytes: totalBytes, idBytes: totalIdBytes };
    },
    /** Stops the periodic sweep. */
    close() {
      if (sweepTimer) clearInterval(sweepTimer);
    },
  };
  return history;
}
