//! The frame types of protocol v1.

/// The longest `userId` the protocol allows, in characters.
pub const MAX_USER_ID_CHARS: usize = 64;

/// A user id: 1 to [`MAX_USER_ID_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserId(String);

/// Why a string is not a valid [`UserId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserIdError {
    /// The id is the empty string.
    #[error("a user id must not be empty")]
    Empty,
    /// The id is longer than [`MAX_USER_ID_CHARS`] characters.
    #[error("a user id has at most {MAX_USER_ID_CHARS} characters, this one has {0}")]
    TooLong(usize),
}

impl UserId {
    /// Validates `id`.
    pub fn new(id: impl Into<String>) -> Result<Self, UserIdError> {
        let id = id.into();
        let chars = id.chars().count();
        if chars == 0 {
            Err(UserIdError::Empty)
        } else if chars > MAX_USER_ID_CHARS {
            Err(UserIdError::TooLong(chars))
        } else {
            Ok(Self(id))
        }
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A frame the client sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientFrame {
    /// The first frame of every connection.
    Init {
        /// Who this connection belongs to.
        user_id: UserId,
        /// An authentication token; sent here, never in the URL.
        token: Option<String>,
        /// The last server sequence number seen, to resume from.
        last_seq: Option<u64>,
    },
    /// A chat message.
    Chat {
        /// The sender (this client's user).
        from_user_id: UserId,
        /// The recipient; `None` broadcasts to everyone.
        to_user_id: Option<UserId>,
        /// The text.
        message: String,
        /// The client message id, for acks and de-duplication.
        id: Option<String>,
    },
    /// A heartbeat probe.
    Ping,
}

/// A chat message from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    /// The sender.
    pub from_user_id: String,
    /// The recipient, absent for a broadcast.
    pub to_user_id: Option<String>,
    /// The text.
    pub message: String,
    /// When the server accepted it (ISO-8601).
    pub timestamp: String,
    /// The sender's client message id.
    pub id: Option<String>,
    /// The server's per-user sequence number.
    pub seq: Option<u64>,
}

/// A join/leave/system notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The notice.
    pub message: String,
    /// How many users are connected, when the server says.
    pub online: Option<u64>,
}

/// The server accepted the client chat with this id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    /// The client message id.
    pub id: String,
}

/// An error reported by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    /// A machine-readable code such as `invalid_message` or `recipient_offline`.
    pub code: String,
    /// A human-readable explanation.
    pub message: String,
    /// The client message id the error is about, if any.
    pub id: Option<String>,
}

/// The answer to an `init` with `lastSeq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resumed {
    /// Whether the missed messages were replayed (`false`: a gap remains).
    pub recovered: bool,
}

/// A frame the server sends.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerFrame {
    /// `chat`
    Chat(ChatMessage),
    /// `notification`
    Notification(Notification),
    /// `ack`
    Ack(Ack),
    /// `pong`
    Pong,
    /// `error`
    Error(ServerError),
    /// `resumed`
    Resumed(Resumed),
    /// A valid frame of a type this version does not know, by its `type`;
    /// the JavaScript API hands its fields to `on(type)` listeners.
    Other(String),
}

impl ServerFrame {
    /// The frame's `type`.
    pub fn type_name(&self) -> &str {
        match self {
            Self::Chat(_) => "chat",
            Self::Notification(_) => "notification",
            Self::Ack(_) => "ack",
            Self::Pong => "pong",
            Self::Error(_) => "error",
            Self::Resumed(_) => "resumed",
            Self::Other(frame_type) => frame_type,
        }
    }
}
