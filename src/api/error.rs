//! Errors thrown to JavaScript: `Error` objects with a stable `code`.

use wasm_bindgen::JsValue;

use crate::engine::{CloseError, SendError};
use crate::message::{display_message, Message};

/// Everything the JS API can throw. Each variant becomes a JavaScript `Error`
/// whose `code` property is [`ClientError::code`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// The options passed to `new Client(...)` are invalid.
    InvalidOptions(String),
    /// A registration was given something that is not a function.
    InvalidCallback(&'static str),
    /// `sendJson` was given a value that is not a JSON object.
    NotSerializable(String),
    /// A send was refused.
    Send(SendError),
    /// `close()` was given an invalid code or reason.
    Close(CloseError),
    /// An argument is not of the type the method takes (what it must be).
    InvalidArgument(&'static str),
    /// The client was freed during the call (by the application's code that
    /// the call ran, such as a `toJSON`), so it did nothing.
    Freed,
    /// `sendChat` was given a message longer than a whole frame may be, and
    /// did not copy it into the module to learn the frame's exact size.
    MessageTooLarge {
        /// The message's size in UTF-8 bytes.
        len: usize,
        /// The frame limit (`maxFrameBytes`).
        max: usize,
    },
}

impl From<SendError> for ClientError {
    fn from(error: SendError) -> Self {
        Self::Send(error)
    }
}

impl From<CloseError> for ClientError {
    fn from(error: CloseError) -> Self {
        Self::Close(error)
    }
}

display_message!(ClientError);

impl ClientError {
    /// What is wrong, in words: the JavaScript `Error`'s message.
    pub fn message(&self) -> String {
        match self {
            Self::InvalidOptions(reason) => {
                Message::new("invalid client options: ").text(reason).done()
            }
            Self::InvalidCallback(registration) => Message::new(registration)
                .text(" expects a function")
                .done(),
            Self::NotSerializable(reason) => {
                Message::new("cannot send as JSON: ").text(reason).done()
            }
            Self::Send(error) => error.message(),
            Self::Close(error) => error.message(),
            Self::InvalidArgument(must_be) => (*must_be).into(),
            Self::Freed => "this client was freed".into(),
            Self::MessageTooLarge { len, max } => Message::new("a message of ")
                .number(*len as u64)
                .text(" bytes does not fit in a frame of at most ")
                .number(*max as u64)
                .text(" bytes")
                .done(),
        }
    }

    /// The stable, machine-readable code exposed as `error.code` in JavaScript.
    pub fn code(&self) -> &str {
        match self {
            Self::InvalidOptions(_) => "invalid_options",
            Self::InvalidCallback(_) => "invalid_callback",
            Self::NotSerializable(_) => "not_serializable",
            Self::Send(error) => error.code(),
            Self::Close(error) => error.code(),
            Self::InvalidArgument(_) => "invalid_argument",
            Self::Freed => "freed",
            Self::MessageTooLarge { .. } => "frame_too_large",
        }
    }
}

/// A JavaScript `Error` with `code`, and `id` when the error is about one message.
pub(crate) fn js_error(code: &str, message: &str, id: Option<&str>) -> JsValue {
    let error = js_sys::Error::new(message);
    // Defining properties on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&error, &"code".into(), &code.into());
    if let Some(id) = id {
        let _ = js_sys::Reflect::set(&error, &"id".into(), &id.into());
    }
    error.into()
}

impl From<ClientError> for JsValue {
    fn from(error: ClientError) -> Self {
        js_error(error.code(), &error.message(), None)
    }
}
