//! What goes into the engine and what comes out of it.

use crate::protocol::{DecodeError, FrameType, ServerError, UserIdError};

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
}

impl TimerKind {
    pub(crate) const ALL: [TimerKind; 6] = [
        Self::Reconnect,
        Self::ConnectTimeout,
        Self::HeartbeatPing,
        Self::HeartbeatTimeout,
        Self::AckTimeout,
        Self::ServerReconnect,
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
    /// The socket opened by the last [`Command::OpenSocket`] completed its handshake.
    Opened,
    /// The socket closed (or failed to connect).
    Closed(CloseInfo),
    /// The answer to [`Command::DecideReconnect`]: whether to reconnect;
    /// `None` leaves it to the standard policy.
    ReconnectDecided(Option<bool>),
    /// The WebSocket constructor threw (malformed URL, security policy).
    OpenFailed {
        /// The browser's message.
        reason: String,
    },
    /// The answer to [`Command::ResolveEndpoint`].
    EndpointResolved {
        /// Where to connect.
        url: String,
        /// The token for `init`, replacing the configured one when `Some`.
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
    /// A timer set by [`Command::SetTimer`] fired.
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

/// Something the driver must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Open a WebSocket to `url`. There is never a second one at the same time.
    OpenSocket {
        /// Where to connect.
        url: String,
    },
    /// Send a text frame on the open socket.
    SendFrame(String),
    /// Start the closing handshake; the socket's close is still reported.
    CloseSocket {
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
    },
    /// Detach the socket's listeners and close it; nothing more is reported about it.
    AbandonSocket {
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
    },
    /// (Re)start the timer `kind` to fire in `ms` milliseconds.
    SetTimer {
        /// Which timer.
        kind: TimerKind,
        /// Its delay.
        ms: u32,
    },
    /// Stop the timer `kind`.
    CancelTimer(TimerKind),
    /// Fetch a fresh URL and token, then report [`Input::EndpointResolved`]
    /// or [`Input::EndpointFailed`].
    ResolveEndpoint {
        /// The retry number of the attempt (0 for a first connect).
        attempt: u32,
    },
    /// Ask the application whether to reconnect after `close`
    /// ([`ClosePolicy::Custom`](super::ClosePolicy::Custom)), then report
    /// [`Input::ReconnectDecided`].
    DecideReconnect(CloseInfo),
    /// Tell the application.
    Emit(Event),
}

/// The connection state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Created, never connected.
    Idle,
    /// An attempt is under way.
    Connecting,
    /// Connected; frames flow.
    Open,
    /// Waiting for the next attempt (or for the browser to come online).
    Reconnecting,
    /// The user closed; the closing handshake is under way.
    Closing,
    /// Terminal until `connect()` or `reconnect()`.
    Closed,
}

impl State {
    /// The matching `WebSocket.readyState`: 0 while connecting or waiting to
    /// reconnect (sends are queued), 1 open, 2 closing, 3 idle or closed.
    pub fn ready_state(self) -> u16 {
        match self {
            Self::Connecting | Self::Reconnecting => 0,
            Self::Open => 1,
            Self::Closing => 2,
            Self::Idle | Self::Closed => 3,
        }
    }

    /// The lower-case name used in events: `"idle"`, `"connecting"`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Connecting => "connecting",
            Self::Open => "open",
            Self::Reconnecting => "reconnecting",
            Self::Closing => "closing",
            Self::Closed => "closed",
        }
    }
}

/// The delivery guarantee in force for chats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Configured at-most-once.
    AtMostOnce,
    /// At-least-once: chats are held until acked.
    AtLeastOnce,
    /// At-least-once was asked for, but the server sends no acks.
    Unconfirmed,
}

impl DeliveryState {
    /// `"at-most-once"`, `"at-least-once"` or `"unconfirmed"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AtMostOnce => "at-most-once",
            Self::AtLeastOnce => "at-least-once",
            Self::Unconfirmed => "unconfirmed",
        }
    }
}

/// One transition, as reported to the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    /// The new state.
    pub state: State,
    /// The retry number: 0 on a first connect, n for the n-th retry since the
    /// last stable connection.
    pub attempt: u32,
    /// When `Reconnecting`: the delay before the next attempt (`None`: paused
    /// while offline or while the page is frozen).
    pub next_delay_ms: Option<u32>,
    /// How the last socket closed.
    pub last_close: Option<CloseInfo>,
}

/// Why a send was refused or a queued frame was dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The outbox holds its maximum of frames or bytes already.
    #[error("the outbox is full ({frames} frames, {bytes} bytes queued)")]
    OutboxFull {
        /// Frames queued.
        frames: usize,
        /// Bytes queued.
        bytes: usize,
    },
    /// The frame is larger than the frame limit.
    #[error("a frame of {len} bytes exceeds the limit of {max} bytes")]
    FrameTooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The client is closed (by the user, a terminal close or giving up).
    #[error("the client is closed")]
    Closed,
    /// The recipient is not a valid user id.
    #[error("invalid recipient: {0}")]
    InvalidRecipient(#[from] UserIdError),
    /// The application's message id is empty or longer than
    /// [`MAX_MESSAGE_ID_CHARS`](super::MAX_MESSAGE_ID_CHARS) characters.
    #[error("a message id has 1 to 128 characters, this one has {0}")]
    InvalidId(usize),
    /// The call (named) belongs to the wsnotify protocol, and the client is
    /// in generic mode.
    #[error("{0} is part of the wsnotify mode, and this client is in generic mode: use onMessage, on(kind), sendJson or sendText")]
    Unsupported(&'static str),
    /// The server refused the message (its `error` frame named the id).
    #[error("refused by the server: {message}")]
    Rejected {
        /// The server's code, e.g. `recipient_offline` or `rate_limited`.
        code: String,
        /// The server's explanation.
        message: String,
    },
}

impl SendError {
    /// A stable machine-readable code (the server's own for [`SendError::Rejected`]).
    pub fn code(&self) -> &str {
        match self {
            Self::OutboxFull { .. } => "outbox_full",
            Self::FrameTooLarge { .. } => "frame_too_large",
            Self::Closed => "closed",
            Self::InvalidRecipient(_) => "invalid_recipient",
            Self::Unsupported(_) => "unsupported",
            Self::InvalidId(_) => "invalid_id",
            Self::Rejected { code, .. } => code,
        }
    }
}

/// Something that went wrong without ending the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorEvent {
    /// A frame is not a valid frame of the protocol (or is over the size
    /// limit); see [`Verdict`] for whether the application still gets it.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A binary frame arrived in wsnotify mode, whose protocol is text only.
    #[error("binary frame of {len} bytes: the wsnotify protocol is text only")]
    BinaryFrame {
        /// Its size.
        len: usize,
    },
    /// An attempt failed before its socket ever opened: the server refused
    /// the handshake (HTTP 403, 404, …) or could not be reached. Browsers do
    /// not tell which; the close code is 1006 for both.
    #[error("connection attempt {attempt} failed before opening (close code {code})")]
    ConnectFailed {
        /// The retry number of the attempt (0 for a first connect).
        attempt: u32,
        /// The close code the browser reported.
        code: u16,
    },
    /// The server has never answered a ping: the heartbeat stopped rather
    /// than close a link that may be healthy.
    #[error("no answer to a ping within {ms} ms from a server that never answered one: heartbeat stopped")]
    HeartbeatUnsupported {
        /// The heartbeat timeout.
        ms: u32,
    },
    /// An attempt did not open within the connect timeout.
    #[error("the connection did not open within {ms} ms")]
    ConnectTimeout {
        /// The timeout.
        ms: u32,
    },
    /// No frame arrived within the heartbeat timeout after a ping.
    #[error("no frame within {ms} ms after a ping: the connection is dead")]
    HeartbeatTimeout {
        /// The timeout.
        ms: u32,
    },
    /// The browser refused to open the socket.
    #[error("the socket could not be opened: {0}")]
    OpenFailed(String),
    /// The URL or token provider failed.
    #[error("the endpoint provider failed: {0}")]
    EndpointFailed(String),
    /// At-least-once delivery was asked for, but the server sent no `ack`
    /// within the ack timeout: delivery is at-most-once from now on.
    #[error("no ack within {ms} ms: the server does not acknowledge, delivery is at-most-once")]
    AcksUnsupported {
        /// The ack timeout.
        ms: u32,
    },
    /// The server sent an `error` frame not about a pending message.
    #[error("{}", .0.message)]
    Server(ServerError<'static>),
}

impl ErrorEvent {
    /// A stable machine-readable code (the server's own for [`ErrorEvent::Server`]).
    pub fn code(&self) -> &str {
        match self {
            Self::Decode(error) => error.code(),
            Self::BinaryFrame { .. } => "binary_frame",
            Self::ConnectFailed { .. } => "connect_failed",
            Self::HeartbeatUnsupported { .. } => "heartbeat_unsupported",
            Self::ConnectTimeout { .. } => "connect_timeout",
            Self::HeartbeatTimeout { .. } => "heartbeat_timeout",
            Self::OpenFailed(_) => "open_failed",
            Self::EndpointFailed(_) => "endpoint_failed",
            Self::AcksUnsupported { .. } => "acks_unsupported",
            Self::Server(error) => &error.code,
        }
    }

    /// The message id the error is about, if any.
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Server(error) => error.id.as_deref(),
            _ => None,
        }
    }

    /// The retry number of the attempt the error is about, if any.
    pub fn attempt(&self) -> Option<u32> {
        match self {
            Self::ConnectFailed { attempt, .. } => Some(*attempt),
            _ => None,
        }
    }
}

/// What becomes of one received frame: the engine's answer to
/// [`Engine::handle_frame`](super::Engine::handle_frame). The driver holds
/// the frame as it came (a JavaScript value) and delivers it accordingly.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// A valid frame of the wsnotify protocol: the application gets it, and
    /// a chat or a notification also reaches the typed callbacks.
    Typed(FrameType),
    /// The application gets it as it came (`onMessage`, `on(kind)`), and
    /// the error, when there is one, is reported with the raw frame: in
    /// wsnotify mode, why it is not a valid frame of the protocol.
    Untyped(Option<ErrorEvent>),
    /// The application does not get it; the error says why (a frame over
    /// the size limit, never parsed).
    Refused(ErrorEvent),
    /// Nothing to deliver and nothing to report: a chat the application
    /// already has, or a frame of a socket that is no longer current.
    Dropped,
}

/// What the application is told.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The state changed.
    StateChange(StateChange),
    /// A connection opened and `init` was sent.
    Open,
    /// A socket closed; every opened socket ends with exactly one of these.
    Close(CloseInfo),
    /// Something went wrong; the client goes on.
    Error(ErrorEvent),
    /// A queued frame will never be sent.
    SendFailed {
        /// The id `send` returned.
        id: String,
        /// Why.
        error: SendError,
    },
    /// Retries are exhausted; the client is closed.
    GiveUp {
        /// How many retries were made.
        retries: u32,
    },
}
