//! What the driver tells the engine.

/// The engine's timers; the driver keeps at most one of each kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimerKind {
    /// The backoff delay before the next attempt.
    Reconnect,
    /// The limit on how long an attempt may take to open.
    ConnectTimeout,
    /// The interval between heartbeat pings.
    HeartbeatPing,
    /// The limit on the silence after a ping.
    HeartbeatTimeout,
    /// How long to wait for a first `ack` before concluding the server sends none.
    AckTimeout,
    /// When to obey the server's request to reconnect (a draining node).
    ServerReconnect,
    /// How long a socket the server is closing may take to report its close.
    PeerClose,
}

impl TimerKind {
    pub(crate) const ALL: [TimerKind; 7] = [
        Self::Reconnect,
        Self::ConnectTimeout,
        Self::HeartbeatPing,
        Self::HeartbeatTimeout,
        Self::AckTimeout,
        Self::ServerReconnect,
        Self::PeerClose,
    ];

    pub(crate) fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// How a socket closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseInfo {
    /// The close code; 1006 when the connection dropped without one.
    pub code: u16,
    /// The close reason, possibly empty.
    pub reason: String,
    /// Whether the closing handshake completed.
    pub clean: bool,
}

/// Something that happened, reported to the engine by the driver.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The socket opened by the last [`Command::OpenSocket`](super::Command::OpenSocket) completed its handshake.
    Opened,
    /// The server started the closing handshake: the socket is closing
    /// (`CLOSING`) and drops whatever is written to it, while its close
    /// event only comes once the handshake ends. Frames sent from now on
    /// wait for the next connection.
    PeerClosing,
    /// The open socket's `bufferedAmount`: bytes given to it that it has
    /// not yet put on the network. The driver reports it before each call
    /// that may send, since a frame sent without awaiting an ack goes
    /// straight to the socket and is held nowhere else
    /// ([`Config::max_buffered_bytes`](super::Config::max_buffered_bytes)).
    SocketBacklog(usize),
    /// The socket closed (or failed to connect).
    Closed(CloseInfo),
    /// The answer to [`Command::DecideReconnect`](super::Command::DecideReconnect): whether to reconnect;
    /// `None` leaves it to the standard policy.
    ReconnectDecided(Option<bool>),
    /// The WebSocket constructor threw (malformed URL, security policy).
    OpenFailed {
        /// The browser's message.
        reason: String,
    },
    /// The answer to [`Command::ResolveEndpoint`](super::Command::ResolveEndpoint).
    EndpointResolved {
        /// Where to connect; `None` keeps the configured URLs, tried in
        /// turn (a provider of the token or hello only).
        url: Option<String>,
        /// The token for `init` in this attempt: it replaces the configured
        /// one, `None` meaning no token (a provider of the URL only gives
        /// the configured token back).
        token: Option<String>,
        /// The hello frame of this attempt (generic mode): it replaces the
        /// configured one, `None` meaning no hello.
        hello: Option<String>,
    },
    /// The URL or token provider failed; the attempt counts as failed.
    EndpointFailed {
        /// Why.
        reason: String,
    },
    /// A timer set by [`Command::SetTimer`](super::Command::SetTimer) fired.
    TimerFired(TimerKind),
    /// The browser went online.
    Online,
    /// The browser went offline.
    Offline,
    /// The page became visible again (or was restored from the back/forward cache).
    Visible,
    /// The page is being frozen into the back/forward cache: the connection
    /// is released and attempts pause until [`Input::Visible`].
    PageHidden,
}
