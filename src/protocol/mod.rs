//! The wire protocol (v1): typed frames and their JSON encoding.
//!
//! Every frame is one JSON object in one text frame, tagged by `"type"`, with
//! camelCase fields. The client sends [`ClientFrame`]s; the server sends
//! [`ServerFrame`]s. Unknown fields are ignored, and a frame of an unknown
//! type is not an error: it decodes to [`ServerFrame::Other`] with its type.
//!
//! ```
//! use wsnotify::protocol::{decode, encode, ClientFrame, ServerFrame, UserId};
//!
//! let init = ClientFrame::Init { user_id: UserId::new("ada").unwrap(), token: None, last_seq: None, epoch: None };
//! assert_eq!(encode(&init), r#"{"type":"init","userId":"ada"}"#);
//!
//! let frame = decode(r#"{"type":"notification","message":"ada joined","online":2}"#).unwrap();
//! assert!(matches!(frame, ServerFrame::Notification(n) if n.online == Some(2)));
//! ```
#![deny(missing_docs)]

mod decode;
mod encode;
mod frames;
mod json;

pub use decode::{
    check_size, decode, decode_with_limit, string_field, DecodeError, DEFAULT_MAX_FRAME_BYTES,
    MAX_COUNT, NOT_AN_OBJECT,
};
pub use encode::{encode, encode_chat};
pub use frames::{
    char_count, Ack, ChatMessage, ClientFrame, FrameType, Notification, Reconnect, Resumed,
    ServerError, ServerFrame, UserId, UserIdError, MAX_USER_ID_CHARS,
};
