//! Engine options, each with a documented default.

use crate::protocol::{UserId, DEFAULT_MAX_FRAME_BYTES, MAX_COUNT};

/// Reconnection with exponential backoff and jitter.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectPolicy {
    /// Whether to reconnect at all after an unexpected close. Default `true`.
    pub enabled: bool,
    /// The delay before the first retry, in ms. Default 500.
    pub base_delay_ms: u32,
    /// The factor applied to the delay per further retry. Default 2.0.
    pub factor: f64,
    /// The longest delay, jitter included, in ms. Default 10 000.
    pub max_delay_ms: u32,
    /// Random spread of each delay, as a fraction: 0.5 means ±50 %. Default 0.5.
    pub jitter: f64,
    /// Uptime after which a connection counts as stable and the backoff
    /// starts over, in ms. Default 5 000.
    pub stable_after_ms: u32,
    /// Retries after which the client gives up (`None`: never). Default `None`.
    pub max_retries: Option<u32>,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            base_delay_ms: 500,
            factor: 2.0,
            max_delay_ms: 10_000,
            jitter: 0.5,
            stable_after_ms: 5_000,
            max_retries: None,
        }
    }
}

/// Heartbeat: probe an open connection and close it when it falls silent.
///
/// Any frame received counts as life. A server that has never answered a
/// ping (no frame matching [`HeartbeatConfig::pong`] since the client was
/// created) is not judged by its silence: the first timeout reports
/// `heartbeat_unsupported` once and pinging stops, so a healthy link to a
/// server without pong is never closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartbeatConfig {
    /// How often to send the ping while open, in ms. Default 25 000.
    pub interval_ms: u32,
    /// How long to wait for any frame after a ping before the connection
    /// counts as dead, in ms. Default 10 000.
    pub timeout_ms: u32,
    /// The text of the ping frame. Default `{"type":"ping"}`.
    pub ping: String,
    /// What the server's answer looks like: a frame whose kind (the field
    /// [`Config::kind_field`] names) is this string, or a text frame that is
    /// exactly this string. Default `pong`.
    pub pong: String,
}

impl Default for HeartbeatConfig {
    fn default() -> Self {
        Self {
            interval_ms: 25_000,
            timeout_ms: 10_000,
            ping: r#"{"type":"ping"}"#.to_owned(),
            pong: "pong".to_owned(),
        }
    }
}

/// Which protocol the client speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// The wsnotify protocol: `init` first on every connection, typed and
    /// validated frames, acks, resume and de-duplication. The default.
    #[default]
    Wsnotify,
    /// A reliable WebSocket for any server: the client sends no frame of its
    /// own (only the configured hello and heartbeat ping), validates nothing
    /// and hands every frame to the application as it came.
    Generic,
}

/// Bounds of the queue of frames waiting for an open connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxLimits {
    /// At most this many frames. Default 1 000.
    pub max_frames: usize,
    /// At most this many bytes of frame text in all. Default 1 MiB.
    pub max_bytes: usize,
}

impl Default for OutboxLimits {
    fn default() -> Self {
        Self {
            max_frames: 1_000,
            max_bytes: 1024 * 1024,
        }
    }
}

/// How chat messages are delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Delivery {
    /// A chat is settled once written to an open socket; a connection that
    /// dies at that moment may lose it. The default.
    #[default]
    AtMostOnce,
    /// A chat stays in the outbox until the server's `ack` and is sent again
    /// on every new connection until then (the server de-duplicates by `id`).
    AtLeastOnce,
}

/// Which closes end the connection for good.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ClosePolicy {
    /// `1000`, `1008` and `4400`–`4499` are terminal; every other code,
    /// `1006` included, reconnects.
    #[default]
    Standard,
    /// The application decides each close. The engine never calls it: it
    /// asks with [`Command::DecideReconnect`](super::Command::DecideReconnect)
    /// and waits for [`Input::ReconnectDecided`](super::Input::ReconnectDecided);
    /// sends meanwhile are queued.
    Custom,
}

/// The standard terminal close codes: `1000`, `1008`, `4400`–`4499`.
pub fn is_terminal_code(code: u16) -> bool {
    code == 1000 || code == 1008 || (4400..=4499).contains(&code)
}

/// Everything the engine needs to know up front.
#[derive(Debug, Clone)]
pub struct Config {
    /// The protocol. Default [`Mode::Wsnotify`].
    pub mode: Mode,
    /// The WebSocket URLs, tried in turn: an attempt that fails before its
    /// socket opens, and a server's request to reconnect, move on to the
    /// next one. Never empty. A URL that the driver resolves for an attempt
    /// (`url_provided`) replaces it for that attempt.
    pub urls: Vec<String>,
    /// The URL comes from the driver at each attempt, so a URL the browser
    /// refused may be a better one at the next (with fixed URLs, the engine
    /// stops after the last). Default `false`.
    pub url_provided: bool,
    /// The token or the hello comes from the driver at each attempt, so a
    /// first frame over `max_frame_bytes` may fit at the next one (with a
    /// fixed one, the engine stops). Default `false`.
    pub first_frame_provided: bool,
    /// The user sent in `init`: required in [`Mode::Wsnotify`], unused in
    /// [`Mode::Generic`].
    pub user_id: Option<UserId>,
    /// In [`Mode::Generic`]: the first frame of every connection, sent
    /// before the queue (a provider may replace it per attempt). Default none.
    pub hello: Option<String>,
    /// The field of a JSON frame that names its kind (`on(kind, …)` and the
    /// heartbeat's reply). Default `type`.
    pub kind_field: String,
    /// The token sent in `init`. Default `None`.
    pub token: Option<String>,
    /// Reconnection policy.
    pub reconnect: ReconnectPolicy,
    /// Which closes are terminal.
    pub close_policy: ClosePolicy,
    /// Heartbeat; `None` (the default) turns it off.
    pub heartbeat: Option<HeartbeatConfig>,
    /// Bounds of the outbox.
    pub outbox: OutboxLimits,
    /// How long an attempt may take to open, in ms. Default 5 000.
    pub connect_timeout_ms: u32,
    /// Largest frame accepted or sent, in bytes. Default 64 KiB.
    pub max_frame_bytes: usize,
    /// The most bytes an open socket may hold unsent (its
    /// `bufferedAmount`, [`Input::SocketBacklog`](super::Input::SocketBacklog),
    /// plus the frames not yet taken by the driver): a frame that awaits no
    /// ack, which goes straight to the socket and is held nowhere else, is
    /// refused if it would pass this, unless the socket holds nothing.
    /// Default 16 MiB: enough for a burst sent at once on a healthy socket,
    /// and a bound on what a server that reads slowly or not at all can
    /// make the page hold.
    pub max_buffered_bytes: usize,
    /// Delivery guarantee for chats. Default [`Delivery::AtMostOnce`].
    pub delivery: Delivery,
    /// With at-least-once delivery: if no `ack` at all arrives this long after
    /// a chat was sent, the server does not send acks and delivery falls back
    /// to at-most-once (reported once). Default 10 000 ms.
    pub ack_timeout_ms: u32,
    /// How many received chat ids are remembered to drop duplicates. Default 1 024.
    pub dedupe_capacity: usize,
    /// Where the first `init` resumes from (`lastSeq` and its epoch), as if
    /// those frames had been received already: how a tab that takes over a
    /// shared connection picks up where the previous one left. Default none.
    pub resume_from: Option<(u64, Option<String>)>,
}

/// A number of [`Config`] that can be out of its range (see
/// [`Config::out_of_range`]); each front end names it in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// [`Config::connect_timeout_ms`].
    ConnectTimeout,
    /// [`Config::max_frame_bytes`].
    MaxFrameBytes,
    /// [`Config::max_buffered_bytes`].
    MaxBufferedBytes,
    /// [`Config::ack_timeout_ms`].
    AckTimeout,
    /// [`OutboxLimits::max_frames`].
    OutboxMaxFrames,
    /// [`OutboxLimits::max_bytes`].
    OutboxMaxBytes,
    /// [`ReconnectPolicy::base_delay_ms`].
    ReconnectBaseDelay,
    /// [`ReconnectPolicy::max_delay_ms`].
    ReconnectMaxDelay,
    /// [`ReconnectPolicy::factor`].
    ReconnectFactor,
    /// [`ReconnectPolicy::jitter`].
    ReconnectJitter,
    /// [`HeartbeatConfig::interval_ms`].
    HeartbeatInterval,
    /// [`HeartbeatConfig::timeout_ms`].
    HeartbeatTimeout,
    /// The `seq` of [`Config::resume_from`].
    ResumeLastSeq,
}

/// What the `seq` of a resume position must be: a count of the protocol.
pub const LAST_SEQ_RANGE: &str = "a whole number from 0 to 2^53 - 1";

impl Config {
    /// The first number out of its range, with what it must be: the one
    /// home of these rules, for every front end's options.
    pub fn out_of_range(&self) -> Option<(Setting, &'static str)> {
        let policy = &self.reconnect;
        let (interval_ms, timeout_ms) = self.heartbeat.as_ref().map_or((1, 1), |heartbeat| {
            (heartbeat.interval_ms, heartbeat.timeout_ms)
        });
        let zero = if self.connect_timeout_ms == 0 {
            Some(Setting::ConnectTimeout)
        } else if self.max_frame_bytes == 0 {
            Some(Setting::MaxFrameBytes)
        } else if self.max_buffered_bytes == 0 {
            Some(Setting::MaxBufferedBytes)
        } else if self.ack_timeout_ms == 0 {
            Some(Setting::AckTimeout)
        } else if self.outbox.max_frames == 0 {
            Some(Setting::OutboxMaxFrames)
        } else if self.outbox.max_bytes == 0 {
            Some(Setting::OutboxMaxBytes)
        } else if policy.base_delay_ms == 0 {
            Some(Setting::ReconnectBaseDelay)
        } else if policy.max_delay_ms == 0 {
            Some(Setting::ReconnectMaxDelay)
        } else if interval_ms == 0 {
            Some(Setting::HeartbeatInterval)
        } else if timeout_ms == 0 {
            Some(Setting::HeartbeatTimeout)
        } else {
            None
        };
        if let Some(setting) = zero {
            return Some((setting, "greater than 0"));
        }
        if !(policy.factor >= 1.0 && policy.factor.is_finite()) {
            return Some((Setting::ReconnectFactor, "a finite number >= 1"));
        }
        if !(0.0..=1.0).contains(&policy.jitter) {
            return Some((Setting::ReconnectJitter, "between 0 and 1"));
        }
        if policy.max_delay_ms < policy.base_delay_ms {
            return Some((Setting::ReconnectMaxDelay, "at least the base delay"));
        }
        if self
            .resume_from
            .as_ref()
            .is_some_and(|(seq, _)| *seq > MAX_COUNT)
        {
            return Some((Setting::ResumeLastSeq, LAST_SEQ_RANGE));
        }
        None
    }

    /// A configuration with every default, for `url` and `user_id`, in
    /// [`Mode::Wsnotify`].
    pub fn new(url: impl Into<String>, user_id: UserId) -> Self {
        Self::with_defaults(url.into(), Mode::Wsnotify, Some(user_id))
    }

    /// A configuration with every default, for `url`, in [`Mode::Generic`].
    pub fn generic(url: impl Into<String>) -> Self {
        Self::with_defaults(url.into(), Mode::Generic, None)
    }

    /// Whether the driver is asked for the endpoint before each attempt
    /// ([`super::Command::ResolveEndpoint`]): when the URL, the token or the
    /// hello comes from it.
    pub fn resolves_endpoint(&self) -> bool {
        self.url_provided || self.first_frame_provided
    }

    fn with_defaults(url: String, mode: Mode, user_id: Option<UserId>) -> Self {
        Self {
            mode,
            urls: vec![url],
            url_provided: false,
            first_frame_provided: false,
            user_id,
            hello: None,
            kind_field: "type".to_owned(),
            token: None,
            reconnect: ReconnectPolicy::default(),
            close_policy: ClosePolicy::default(),
            heartbeat: None,
            outbox: OutboxLimits::default(),
            connect_timeout_ms: 5_000,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            max_buffered_bytes: 16 * 1024 * 1024,
            delivery: Delivery::default(),
            ack_timeout_ms: 10_000,
            dedupe_capacity: 1_024,
            resume_from: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_terminal_codes_match_the_protocol() {
        for terminal in [1000, 1008, 4400, 4401, 4499] {
            assert!(is_terminal_code(terminal), "{terminal}");
        }
        for retried in [1001, 1006, 1011, 1012, 4000, 4399, 4500] {
            assert!(!is_terminal_code(retried), "{retried}");
        }
    }
}
