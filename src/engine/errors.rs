//! Why a call was refused, a queued frame dropped, or something went wrong
//! without ending the client: each error with its stable code.

use crate::protocol::{DecodeError, ServerError, UserIdError};

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
    /// `retry(id)` named a message that has not failed, or is no longer kept.
    #[error("message {0} has not failed (or is no longer kept): nothing to retry")]
    NotRetryable(String),
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
            Self::NotRetryable(_) => "not_retryable",
            Self::Rejected { code, .. } => code,
        }
    }
}

/// Something that went wrong without ending the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorEvent {
    /// A frame is not a valid frame of the protocol (or is over the size
    /// limit); see [`Verdict`](super::Verdict) for whether the application still gets it.
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

/// Why `close()` refused its arguments.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloseError {
    /// Browsers accept only 1000 and 3000–4999 from a client.
    #[error("close code {0} is not allowed: use 1000 or 3000-4999")]
    InvalidCode(u16),
    /// The reason is longer than 123 bytes of UTF-8.
    #[error("a close reason has at most 123 bytes, this one has {0}")]
    ReasonTooLong(usize),
}

impl CloseError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidCode(_) => "invalid_close_code",
            Self::ReasonTooLong(_) => "close_reason_too_long",
        }
    }
}
