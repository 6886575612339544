// Per-user delivery history: sequence numbers, a bounded replay buffer, the
// ids already accepted from each sender, and an optional append-only file
// that lets a restarted (even SIGKILLed) server resume where it stopped.
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export const HISTORY_DEFAULTS = {
  /** Frames kept per user for replay. */
  limit: 500,
  /** How long a frame stays replayable, ms. */
  maxAgeMs: 120_000,
  /** Accepted chat ids remembered per sender, to drop resends. */
  idsPerSender: 1000,
  /** Users (and senders) remembered at all; the longest known are forgotten first. */
  maxUsers: 10_000,
  /** A JSON-lines file to survive restarts; memory only when absent. */
  file: null,
};

/** The log is rewritten from memory when it holds this many times more lines. */
const COMPACT_FACTOR = 4;

export function createHistory(options = {}, now = () => Date.now()) {
  const config = { ...HISTORY_DEFAULTS, ...options };
  /** userId → { seq, entries: [{ seq, at, frame }] } */
  const users = new Map();
  /** senderId → { ids: Set, order: [] } */
  const accepted = new Map();
  let linesWritten = 0;

  /** Keeps a Map of per-user state within `maxUsers`, dropping the oldest entry. */
  const bounded = (map) => {
    if (map.size > config.maxUsers) map.delete(map.keys().next().value);
  };

  const userOf = (userId) => {
    let user = users.get(userId);
    if (!user) {
      users.set(userId, (user = { seq: 0, entries: [] }));
      bounded(users);
    }
    return user;
  };

  const trim = (user) => {
    const oldest = now() - config.maxAgeMs;
    while (user.entries.length > config.limit || (user.entries[0] && user.entries[0].at < oldest)) {
      user.entries.shift();
    }
  };

  const rememberId = (sender, id) => {
    let seen = accepted.get(sender);
    if (!seen) {
      accepted.set(sender, (seen = { ids: new Set(), order: [] }));
      bounded(accepted);
    }
    if (seen.ids.has(id)) return;
    seen.ids.add(id);
    seen.order.push(id);
    if (seen.order.length > config.idsPerSender) seen.ids.delete(seen.order.shift());
  };

  const apply = (line) => {
    if (line.k === 'd') {
      const user = userOf(line.u);
      user.seq = Math.max(user.seq, line.f.seq);
      user.entries.push({ seq: line.f.seq, at: line.t, frame: line.f });
      trim(user);
    } else if (line.k === 'a') {
      rememberId(line.s, line.i);
    }
  };

  const snapshotLines = () => {
    const lines = [];
    for (const [userId, user] of users) {
      // The sequence counter survives even when every entry has aged out.
      lines.push({ k: 's', u: userId, q: user.seq });
      for (const entry of user.entries) lines.push({ k: 'd', u: userId, t: entry.at, f: entry.frame });
    }
    for (const [sender, seen] of accepted) for (const id of seen.order) lines.push({ k: 'a', s: sender, i: id });
    return lines;
  };

  const compact = () => {
    const lines = snapshotLines();
    const temporary = `${config.file}.tmp`;
    writeFileSync(temporary, lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    renameSync(temporary, config.file);
    linesWritten = lines.length;
  };

  const write = (line) => {
    if (!config.file) return;
    appendFileSync(config.file, `${JSON.stringify(line)}\n`);
    linesWritten += 1;
    const retained = [...users.values()].reduce((sum, user) => sum + user.entries.length + 1, 0);
    if (linesWritten > COMPACT_FACTOR * (retained + config.idsPerSender)) compact();
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
      if (line.k === 's') userOf(line.u).seq = Math.max(userOf(line.u).seq, line.q);
      else apply(line);
    }
    compact();
  }

  return {
    /** Numbers `frame` for `userId`, keeps it for replay; returns the numbered frame. */
    record(userId, frame) {
      const user = userOf(userId);
      const numbered = { ...frame, seq: user.seq + 1 };
      const line = { k: 'd', u: userId, t: now(), f: numbered };
      apply(line);
      write(line);
      return numbered;
    },
    /** Makes `userId` known, so that messages to it wait while it is away. */
    join(userId) {
      if (users.has(userId)) return;
      userOf(userId);
      write({ k: 's', u: userId, q: 0 });
    },
    /** Whether `userId` ever connected (so messages can wait for it). */
    knows: (userId) => users.has(userId),
    /** Whether `sender` already had chat `id` accepted. */
    seen: (sender, id) => accepted.get(sender)?.ids.has(id) ?? false,
    /** Marks chat `id` of `sender` as accepted. */
    accept(sender, id) {
      rememberId(sender, id);
      write({ k: 'a', s: sender, i: id });
    },
    /**
     * What `userId` missed after `lastSeq`: `recovered` is false when part of
     * the gap is gone, or when `lastSeq` is from numbering this server does
     * not know (then everything kept is replayed).
     */
    since(userId, lastSeq) {
      const user = users.get(userId);
      if (!user) return { recovered: lastSeq === 0, frames: [] };
      trim(user);
      if (lastSeq > user.seq) return { recovered: false, frames: user.entries.map((entry) => entry.frame) };
      const frames = user.entries.filter((entry) => entry.seq > lastSeq).map((entry) => entry.frame);
      const firstKept = user.entries[0]?.seq ?? user.seq + 1;
      return { recovered: firstKept <= lastSeq + 1, frames };
    },
  };
}
