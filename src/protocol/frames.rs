//! The frame types of protocol v1.

use std::borrow::Cow;

use crate::message::{display_message, Message};

/// The longest `userId` the protocol allows, in characters.
pub const MAX_USER_ID_CHARS: usize = 64;

/// A user id: 1 to [`MAX_USER_ID_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserId(String);

/// Why a string is not a valid [`UserId`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserIdError {
    /// The id is the empty string.
    Empty,
    /// The id is longer than [`MAX_USER_ID_CHARS`] characters.
    TooLong(usize),
}

impl UserIdError {
    /// What is wrong with the id, in words.
    pub fn message(&self) -> String {
        match self {
            Self::Empty => "a user id must not be empty".into(),
            Self::TooLong(chars) => Message::new("a user id has at most ")
                .number(MAX_USER_ID_CHARS as u64)
                .text(" characters, this one has ")
                .number(*chars as u64)
                .done(),
        }
    }
}

display_message!(UserIdError);

/// The length of `text` in characters (Unicode scalar values), the unit of
/// the protocol's length limits: its bytes that do not continue a character.
/// The same count as `chars().count()`, which links two counting routines
/// into the module where this is one loop.
pub fn char_count(text: &str) -> usize {
    text.bytes().filter(|byte| byte & 0xC0 != 0x80).count()
}

impl UserId {
    /// Validates `id`.
    pub fn new(id: impl Into<String>) -> Result<Self, UserIdError> {
        let id = id.into();
        Self::check(&id)?;
        Ok(Self(id))
    }

    /// Whether `id` is a valid user id: the one home of the rule, for ids
    /// the client sends and ids it receives.
    pub fn check(id: &str) -> Result<(), UserIdError> {
        match char_count(id) {
            0 => Err(UserIdError::Empty),
            chars if chars > MAX_USER_ID_CHARS => Err(UserIdError::TooLong(chars)),
            _ => Ok(()),
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
        /// The numbering `last_seq` belongs to (see [`Resumed::epoch`]).
        epoch: Option<String>,
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

/// A chat message from the server. Its text fields borrow from the frame
/// they were decoded from, unless they had escapes to resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage<'a> {
    /// The sender.
    pub from_user_id: Cow<'a, str>,
    /// The recipient, absent for a broadcast.
    pub to_user_id: Option<Cow<'a, str>>,
    /// The text.
    pub message: Cow<'a, str>,
    /// When the server accepted it (ISO-8601).
    pub timestamp: Cow<'a, str>,
    /// The sender's client message id.
    pub id: Option<Cow<'a, str>>,
    /// The server's per-user sequence number.
    pub seq: Option<u64>,
    /// The numbering `seq` belongs to (see [`Resumed::epoch`]).
    pub epoch: Option<Cow<'a, str>>,
}

/// A join/leave/system notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification<'a> {
    /// The notice.
    pub message: Cow<'a, str>,
    /// How many users are connected, when the server says.
    pub online: Option<u64>,
}

/// The server accepted the client chat with this id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack<'a> {
    /// The client message id.
    pub id: Cow<'a, str>,
}

/// An error reported by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError<'a> {
    /// A machine-readable code such as `invalid_message` or `recipient_offline`.
    pub code: Cow<'a, str>,
    /// A human-readable explanation.
    pub message: Cow<'a, str>,
    /// The client message id the error is about, if any.
    pub id: Option<Cow<'a, str>>,
}

impl ServerError<'_> {
    /// The same error, owning its text.
    pub fn into_owned(self) -> ServerError<'static> {
        ServerError {
            code: Cow::Owned(self.code.into_owned()),
            message: Cow::Owned(self.message.into_owned()),
            id: self.id.map(|id| Cow::Owned(id.into_owned())),
        }
    }
}

/// The answer to an `init` with `lastSeq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resumed<'a> {
    /// Whether the missed messages were replayed (`false`: a gap remains).
    pub recovered: bool,
    /// The user's current numbering. The server draws a new epoch whenever
    /// it starts a user's sequence afresh (history lost); a `seq` is only
    /// comparable with sequence numbers of the same epoch.
    pub epoch: Option<Cow<'a, str>>,
}

/// A draining server asks the client to reconnect (to another node).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reconnect {
    /// Within how many ms: the client picks a random moment in `0..=after_ms`,
    /// so that a node's clients do not all come back at once. 0 when absent.
    pub after_ms: u64,
}

/// A frame the server sends, borrowing its text from the frame it was
/// decoded from: a chat is checked and read without copying its fields.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerFrame<'a> {
    /// `chat`
    Chat(ChatMessage<'a>),
    /// `notification`
    Notification(Notification<'a>),
    /// `ack`
    Ack(Ack<'a>),
    /// `pong`
    Pong,
    /// `error`
    Error(ServerError<'a>),
    /// `resumed`
    Resumed(Resumed<'a>),
    /// `reconnect`
    Reconnect(Reconnect),
    /// A valid frame of a type this version does not know, by its `type`;
    /// the JavaScript API hands its fields to `on(type)` listeners.
    Other(Cow<'a, str>),
}

impl ServerFrame<'_> {
    /// The frame's `type`.
    pub fn frame_type(&self) -> FrameType {
        match self {
            Self::Chat(_) => FrameType::Chat,
            Self::Notification(_) => FrameType::Notification,
            Self::Ack(_) => FrameType::Ack,
            Self::Pong => FrameType::Pong,
            Self::Error(_) => FrameType::Error,
            Self::Resumed(_) => FrameType::Resumed,
            Self::Reconnect(_) => FrameType::Reconnect,
            Self::Other(frame_type) => FrameType::Other(frame_type.clone().into_owned()),
        }
    }
}

/// The `type` of a server frame, without its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameType {
    /// `chat`
    Chat,
    /// `notification`
    Notification,
    /// `ack`
    Ack,
    /// `pong`
    Pong,
    /// `error`
    Error,
    /// `resumed`
    Resumed,
    /// `reconnect`
    Reconnect,
    /// Any other type, by name.
    Other(String),
}

impl FrameType {
    /// The type as the frame's `type` field spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Chat => "chat",
            Self::Notification => "notification",
            Self::Ack => "ack",
            Self::Pong => "pong",
            Self::Error => "error",
            Self::Resumed => "resumed",
            Self::Reconnect => "reconnect",
            Self::Other(frame_type) => frame_type,
        }
    }
}
