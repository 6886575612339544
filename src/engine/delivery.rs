//! What the engine knows of delivery: whether the server acknowledges, where
//! to resume from, and which chats the application already has.

use super::dedupe::RecentIds;
use crate::protocol::{ChatMessage, Resumed};

/// What the engine has learnt about the server's acks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Acks {
    /// No ack seen yet.
    Unknown,
    /// The server acknowledges chats.
    Confirmed,
    /// No ack came within the ack timeout: the server sends none.
    Absent,
}

/// The engine's account of delivery in both directions.
#[derive(Debug)]
pub(super) struct Ledger {
    pub(super) acks: Acks,
    /// The highest `seq` received, sent as `lastSeq` in `init` to resume.
    last_seq: Option<u64>,
    /// The server's numbering `last_seq` belongs to, sent with it.
    epoch: Option<String>,
    /// Sender and id of the chats already delivered to the application.
    delivered: RecentIds,
    /// Whether a connection has asked to resume before (see [`Ledger::resume_from`]).
    connected_before: bool,
}

impl Ledger {
    /// `resume_from`: the `lastSeq` (and its epoch) to resume from at first.
    pub(super) fn new(
        dedupe_capacity: usize,
        seed: u64,
        resume_from: Option<(u64, Option<String>)>,
    ) -> Self {
        let (last_seq, epoch) = match resume_from {
            Some((seq, epoch)) => (Some(seq), epoch),
            None => (None, None),
        };
        Self {
            acks: Acks::Unknown,
            last_seq,
            epoch,
            delivered: RecentIds::new(dedupe_capacity, seed),
            connected_before: false,
        }
    }

    /// The highest sequence number received.
    pub(super) fn last_seq(&self) -> Option<u64> {
        self.last_seq
    }

    /// Where the `init` of a new connection resumes from: `lastSeq` and the
    /// epoch it belongs to. A client that has had a connection but no
    /// numbered frame yet resumes from 0: what was numbered for it while it
    /// was away is then replayed (or flagged lost), never silently missed.
    pub(super) fn resume_from(&self) -> (Option<u64>, Option<String>) {
        match (self.last_seq, self.connected_before) {
            (Some(seq), _) => (Some(seq), self.epoch.clone()),
            (None, true) => (Some(0), None),
            (None, false) => (None, None),
        }
    }

    /// A connection opened (with its `init`): the next ones resume.
    pub(super) fn opened(&mut self) {
        self.connected_before = true;
    }

    /// The server's answer to a resume.
    pub(super) fn resumed(&mut self, resumed: Resumed<'_>) {
        // The server lost our place (a restart without history): its
        // numbering starts afresh, so ours must too, or its new messages
        // would look like replays. Ids still catch true duplicates.
        if !resumed.recovered {
            self.last_seq = None;
        }
        if let Some(epoch) = resumed.epoch {
            self.epoch = Some(epoch.into_owned());
        }
    }

    /// Whether the application should get `chat`: not when a replay or a
    /// resend brings it again.
    pub(super) fn is_new(&mut self, chat: &ChatMessage<'_>) -> bool {
        if let Some(seq) = chat.seq {
            // A sequence number under another epoch belongs to a new
            // numbering: compared with the old one it would look like a
            // replay and be dropped.
            if let Some(epoch) = chat.epoch.as_deref() {
                if self.epoch.as_deref() != Some(epoch) {
                    self.epoch = Some(epoch.to_owned());
                    self.last_seq = None;
                }
            }
            if self.last_seq.is_some_and(|last| seq <= last) {
                return false;
            }
            self.last_seq = Some(seq);
        }
        let Some(id) = &chat.id else {
            return true;
        };
        let mut key = String::with_capacity(chat.from_user_id.len() + 1 + id.len());
        key.push_str(&chat.from_user_id);
        key.push('\0');
        key.push_str(id);
        self.delivered.insert(key)
    }
}
