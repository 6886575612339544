//! Errors thrown to JavaScript: `Error` objects with a stable `code`.

use wasm_bindgen::JsValue;

use crate::engine::{CloseError, SendError};

/// Everything the JS API can throw. Each variant becomes a JavaScript `Error`
/// whose `code` property is [`ClientError::code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The options passed to `new Client(...)` are invalid.
    #[error("invalid client options: {0}")]
    InvalidOptions(String),
    /// A registration was given something that is not a function.
    #[error("{0} expects a function")]
    InvalidCallback(&'static str),
    /// `sendJson` was given a value that is not a JSON object.
    #[error("cannot send as JSON: {0}")]
    NotSerializable(String),
    /// A send was refused.
    #[error(transparent)]
    Send(#[from] SendError),
    /// `close()` was given an invalid code or reason.
    #[error(transparent)]
    Close(#[from] CloseError),
}

impl ClientError {
    /// The stable, machine-readable code exposed as `error.code` in JavaScript.
    pub fn code(&self) -> &str {
        match self {
            Self::InvalidOptions(_) => "invalid_options",
            Self::InvalidCallback(_) => "invalid_callback",
            Self::NotSerializable(_) => "not_serializable",
            Self::Send(error) => error.code(),
            Self::Close(error) => error.code(),
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
        js_error(error.code(), &error.to_string(), None)
    }
}
