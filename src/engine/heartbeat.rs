//! The heartbeat's state: when the outstanding ping went out, whether the
//! server has ever answered one, and what a silence after a ping means.

use super::config::HeartbeatConfig;
use crate::protocol::string_field;

/// How late a heartbeat timer may fire before the silence is blamed on a
/// suspended page or machine rather than on the connection.
const SUSPEND_SLACK_MS: u64 = 1_000;

/// What a silence after a ping means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Silence {
    /// The timer fired far too late (a suspended page): probe once more.
    Suspended,
    /// The server has never answered a ping: it may not know them. The
    /// heartbeat has stopped for good.
    Unsupported,
    /// The connection is dead.
    Dead,
}

/// The heartbeat of a client, across its connections.
#[derive(Debug)]
pub(super) struct Heartbeat {
    settings: Option<HeartbeatConfig>,
    /// When the unanswered ping was sent.
    ping_sent_at: Option<u64>,
    /// Whether the unanswered ping re-probes after a suspected suspension.
    reprobing: bool,
    /// Whether the server has ever answered a ping.
    answer_heard: bool,
    /// The heartbeat gave up on a server that never answered a ping.
    stopped: bool,
}

impl Heartbeat {
    pub(super) fn new(settings: Option<HeartbeatConfig>) -> Self {
        Self {
            settings,
            ping_sent_at: None,
            reprobing: false,
            answer_heard: false,
            stopped: false,
        }
    }

    /// The settings, while the heartbeat runs.
    pub(super) fn running(&self) -> Option<&HeartbeatConfig> {
        self.settings.as_ref().filter(|_| !self.stopped)
    }

    /// Whether a ping is waiting for its answer (or any frame).
    pub(super) fn awaiting(&self) -> bool {
        self.ping_sent_at.is_some()
    }

    /// A ping goes out at `now`: its text, and how long to wait for life.
    pub(super) fn ping(&mut self, now: u64) -> Option<(String, u32)> {
        let settings = self.running()?;
        let ping = (settings.ping.clone(), settings.timeout_ms);
        self.ping_sent_at = Some(now);
        Some(ping)
    }

    /// A frame arrived (`text`, or binary): any frame proves the connection
    /// alive, and a text frame may be the first answer to a ping. `true`
    /// when a ping was waiting, whose timeout is then moot.
    pub(super) fn saw_frame(&mut self, text: Option<&str>, kind_field: &str) -> bool {
        if let (false, Some(settings), Some(text)) = (self.answer_heard, self.running(), text) {
            self.answer_heard = text == settings.pong
                || string_field(text, kind_field).is_some_and(|kind| kind == settings.pong);
        }
        self.reprobing = false;
        self.ping_sent_at.take().is_some()
    }

    /// The connection ended: no ping is outstanding any more.
    pub(super) fn reset(&mut self) {
        self.ping_sent_at = None;
        self.reprobing = false;
    }

    /// The timeout of the outstanding ping fired at `now`; `None` when
    /// there is none (a stale timer).
    pub(super) fn timed_out(&mut self, now: u64) -> Option<Silence> {
        let sent_at = self.ping_sent_at?;
        let timeout = u64::from(self.running()?.timeout_ms);
        let late_by = now.saturating_sub(sent_at).saturating_sub(timeout);
        self.ping_sent_at = None;
        if late_by > timeout.max(SUSPEND_SLACK_MS) && !self.reprobing {
            self.reprobing = true;
            return Some(Silence::Suspended);
        }
        self.reprobing = false;
        if !self.answer_heard {
            self.stopped = true;
            return Some(Silence::Unsupported);
        }
        Some(Silence::Dead)
    }

    /// The configured timeout, for the events that name it.
    pub(super) fn timeout_ms(&self) -> u32 {
        self.settings
            .as_ref()
            .map_or(0, |settings| settings.timeout_ms)
    }
}
