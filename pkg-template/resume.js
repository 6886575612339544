// What a resuming client missed (the `lastSeq` and `epoch` of its `init`,
// docs/PROTOCOL.md): one home for the reference server's histories (in
// memory and on Redis) and for the scripted server of `wsnotify/testing`,
// which answers as the reference server does; the package ships it for the
// latter.

/**
 * What `lastSeq` of `epoch` missed, given the user's numbering `state`
 * ({ epoch, seq, and, after a restart of Redis, prev and hole }) and the kept
 * `entries` ([{ seq, text }], oldest first). `recovered` is false when part
 * of the gap is gone, when `epoch` is not the user's current one, or when
 * `lastSeq` is from numbering the server does not know; then everything kept
 * is replayed and the client starts its numbering afresh.
 */
export function resumeFrom(state, entries, lastSeq, epoch) {
  const textsAbove = (seq) => entries.filter((entry) => entry.seq > seq).map((entry) => entry.text);
  // No epoch: a client that was never told one resumes from the current
  // numbering.
  if ((epoch === undefined || epoch === state.epoch) && lastSeq <= state.seq) {
    const firstKept = entries[0]?.seq ?? state.seq + 1;
    return { recovered: firstKept <= lastSeq + 1, frames: textsAbove(lastSeq) };
  }
  // Numbering of before a restart of Redis: frames stored just before the
  // restart may be gone. The new epoch numbers on from where the store
  // stopped (`hole`), which is below lastSeq when Redis lost numbers the
  // client saw: every frame above `hole` is of the new epoch, unseen.
  if (epoch !== undefined && epoch === state.prev) return { recovered: false, frames: textsAbove(Math.min(lastSeq, state.hole)) };
  return { recovered: false, frames: entries.map((entry) => entry.text) };
}
