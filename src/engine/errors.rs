//! Why a call was refused, a queued frame dropped, or something went wrong
//! without ending the client: each error with its stable code.

use crate::message::{display_message, Message};
use crate::protocol::{DecodeError, ServerError, UserIdError};

/// Why a send was refused or a queued frame was dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The outbox holds its maximum of frames or bytes already.
    OutboxFull {
        /// Frames queued.
        frames: usize,
        /// Bytes queued.
        bytes: usize,
    },
    /// The open socket still holds so many bytes not yet put on the
    /// network that this frame, which awaits no ack, would take them over
    /// the bound (the server reads slowly, or not at all).
    SocketBacklog {
        /// Bytes the socket holds.
        bytes: usize,
        /// The bound (`max_buffered_bytes`).
        max: usize,
    },
    /// The frame is larger than the frame limit.
    FrameTooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The client is closed (by the user, a terminal close or giving up).
    Closed,
    /// The recipient is not a valid user id.
    InvalidRecipient(UserIdError),
    /// The application's message id is empty or longer than
    /// [`MAX_MESSAGE_ID_CHARS`](super::MAX_MESSAGE_ID_CHARS) characters.
    InvalidId(usize),
    /// The call (named) belongs to the wsnotify protocol, and the client is
    /// in generic mode.
    Unsupported(&'static str),
    /// `retry(id)` named a message that has not failed, or is no longer kept.
    NotRetryable(String),
    /// The server refused the message (its `error` frame named the id).
    Rejected {
        /// The server's code, e.g. `recipient_offline` or `rate_limited`.
        code: String,
        /// The server's explanation.
        message: String,
    },
}

impl SendError {
    /// What happened, in words.
    pub fn message(&self) -> String {
        match self {
            Self::OutboxFull { frames, bytes } => Message::new("the outbox is full (")
                .number(*frames as u64)
                .text(" frames, ")
                .number(*bytes as u64)
                .text(" bytes queued)")
                .done(),
            Self::SocketBacklog { bytes, max } => Message::new("the socket still holds ")
                .number(*bytes as u64)
                .text(" bytes not yet sent: this frame would take it over the bound of ")
                .number(*max as u64)
                .text(" bytes")
                .done(),
            Self::FrameTooLarge { len, max } => Message::new("a frame of ")
                .number(*len as u64)
                .text(" bytes exceeds the limit of ")
                .number(*max as u64)
                .text(" bytes")
                .done(),
            Self::Closed => "the client is closed".into(),
            Self::InvalidRecipient(error) => Message::new("invalid recipient: ")
                .text(&error.message())
                .done(),
            Self::InvalidId(chars) => Message::new("a message id has 1 to ")
                .number(super::MAX_MESSAGE_ID_CHARS as u64)
                .text(" characters, this one has ")
                .number(*chars as u64)
                .done(),
            Self::Unsupported(call) => Message::new(call)
                .text(" is part of the wsnotify mode, and this client is in generic mode: use onMessage, on(kind), sendJson or sendText")
                .done(),
            Self::NotRetryable(id) => Message::new("message ")
                .text(id)
                .text(" has not failed (or is no longer kept): nothing to retry")
                .done(),
            Self::Rejected { message, .. } => Message::new("refused by the server: ")
                .text(message)
                .done(),
        }
    }

    /// A stable machine-readable code (the server's own for [`SendError::Rejected`]).
    pub fn code(&self) -> &str {
        match self {
            Self::OutboxFull { .. } | Self::SocketBacklog { .. } => "outbox_full",
            Self::FrameTooLarge { .. } => "frame_too_large",
            Self::Closed => "closed",
            Self::InvalidRecipient(_) => "invalid_recipient",
            Self::Unsupported(_) => "unsupported",
            Self::InvalidId(_) => "invalid_id",
            Self::NotRetryable(_) => "not_retryable",
            Self::Rejected { code, .. } => code,
        }
    }
}

/// Something that went wrong without ending the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorEvent {
    /// A frame is not a valid frame of the protocol (or is over the size
    /// limit); see [`Verdict`](super::Verdict) for whether the application still gets it.
    Decode(DecodeError),
    /// A binary frame arrived in wsnotify mode, whose protocol is text only.
    BinaryFrame {
        /// Its size.
        len: usize,
    },
    /// An attempt failed before its socket ever opened: the server refused
    /// the handshake (HTTP 403, 404, …) or could not be reached. Browsers do
    /// not tell which; the close code is 1006 for both.
    ConnectFailed {
        /// The retry number of the attempt (0 for a first connect).
        attempt: u32,
        /// The close code the browser reported.
        code: u16,
    },
    /// The server has never answered a ping: the heartbeat stopped rather
    /// than close a link that may be healthy.
    HeartbeatUnsupported {
        /// The heartbeat timeout.
        ms: u32,
    },
    /// An attempt did not open within the connect timeout.
    ConnectTimeout {
        /// The timeout.
        ms: u32,
    },
    /// No frame arrived within the heartbeat timeout after a ping.
    HeartbeatTimeout {
        /// The timeout.
        ms: u32,
    },
    /// The browser refused to open the socket.
    OpenFailed(String),
    /// The URL or token provider failed.
    EndpointFailed(String),
    /// The frame a connection starts with (`init`, with its token, or the
    /// hello) is over the frame limit: the connection is not attempted.
    FirstFrameTooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// At-least-once delivery was asked for, but the server sent no `ack`
    /// within the ack timeout: delivery is at-most-once from now on.
    AcksUnsupported {
        /// The ack timeout.
        ms: u32,
    },
    /// The server sent an `error` frame not about a pending message.
    Server(ServerError<'static>),
}

impl From<UserIdError> for SendError {
    fn from(error: UserIdError) -> Self {
        Self::InvalidRecipient(error)
    }
}

impl From<DecodeError> for ErrorEvent {
    fn from(error: DecodeError) -> Self {
        Self::Decode(error)
    }
}

impl ErrorEvent {
    /// What happened, in words.
    pub fn message(&self) -> String {
        match self {
            Self::Decode(error) => error.message(),
            Self::BinaryFrame { len } => Message::new("binary frame of ")
                .number(*len as u64)
                .text(" bytes: the wsnotify protocol is text only")
                .done(),
            Self::ConnectFailed { attempt, code } => Message::new("connection attempt ")
                .number(u64::from(*attempt))
                .text(" failed before opening (close code ")
                .number(u64::from(*code))
                .text(")")
                .done(),
            Self::HeartbeatUnsupported { ms } => Message::new("no answer to a ping within ")
                .number(u64::from(*ms))
                .text(" ms from a server that never answered one: heartbeat stopped")
                .done(),
            Self::ConnectTimeout { ms } => Message::new("the connection did not open within ")
                .number(u64::from(*ms))
                .text(" ms")
                .done(),
            Self::HeartbeatTimeout { ms } => Message::new("no frame within ")
                .number(u64::from(*ms))
                .text(" ms after a ping: the connection is dead")
                .done(),
            Self::OpenFailed(reason) => Message::new("the socket could not be opened: ")
                .text(reason)
                .done(),
            Self::EndpointFailed(reason) => Message::new("the endpoint provider failed: ")
                .text(reason)
                .done(),
            Self::FirstFrameTooLarge { len, max } => {
                Message::new("the first frame of a connection (init or hello) has ")
                    .number(*len as u64)
                    .text(" bytes, over the limit of ")
                    .number(*max as u64)
                    .text(" bytes: no connection is attempted with it")
                    .done()
            }
            Self::AcksUnsupported { ms } => Message::new("no ack within ")
                .number(u64::from(*ms))
                .text(" ms: the server does not acknowledge, delivery is at-most-once")
                .done(),
            Self::Server(error) => error.message.clone().into_owned(),
        }
    }

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
            Self::FirstFrameTooLarge { .. } => "frame_too_large",
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

/// Why `close()` refused its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseError {
    /// Browsers accept only 1000 and 3000–4999 from a client.
    InvalidCode(u16),
    /// The code is not a whole number from 0 to 65535.
    NotACode,
    /// The reason is longer than 123 bytes of UTF-8.
    ReasonTooLong(usize),
}

impl CloseError {
    /// What is wrong, in words.
    pub fn message(&self) -> String {
        match self {
            Self::InvalidCode(code) => Message::new("close code ")
                .number(u64::from(*code))
                .text(" is not allowed: use 1000 or 3000-4999")
                .done(),
            Self::NotACode => "a close code is a whole number: use 1000 or 3000-4999".into(),
            Self::ReasonTooLong(bytes) => {
                Message::new("a close reason has at most 123 bytes, this one has ")
                    .number(*bytes as u64)
                    .done()
            }
        }
    }

    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidCode(_) | Self::NotACode => "invalid_close_code",
            Self::ReasonTooLong(_) => "close_reason_too_long",
        }
    }
}

display_message!(SendError, ErrorEvent, CloseError);
