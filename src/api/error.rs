//! Errors thrown to JavaScript: `Error` objects with a stable `code`.

use wasm_bindgen::{JsCast, JsValue};

/// Everything the JS API can throw. Each variant becomes a JavaScript `Error`
/// whose `code` property is [`ClientError::code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The options object passed to `new Client(...)` has the wrong shape.
    #[error("invalid client options: {0}")]
    InvalidOptions(String),
    /// The browser refused the URL (`SyntaxError`): not `ws:`/`wss:`, or malformed.
    #[error("invalid WebSocket URL: {0}")]
    InvalidUrl(String),
    /// The browser refused the connection for security reasons (`SecurityError`),
    /// e.g. `ws://` from an `https:` page or a blocked port.
    #[error("connection refused by the browser: {0}")]
    Security(String),
    /// A frame was sent while the connection is not open.
    #[error("the connection is not open")]
    NotOpen,
    /// Any other exception raised by the browser's WebSocket.
    #[error("WebSocket error: {0}")]
    Socket(String),
}

impl ClientError {
    /// The stable, machine-readable code exposed as `error.code` in JavaScript.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidOptions(_) => "invalid_options",
            Self::InvalidUrl(_) => "invalid_url",
            Self::Security(_) => "security_error",
            Self::NotOpen => "not_open",
            Self::Socket(_) => "socket_error",
        }
    }

    /// Classifies an exception thrown by the `WebSocket` constructor or its methods.
    pub(crate) fn from_socket_exception(exception: &JsValue) -> Self {
        let (name, message) = match exception.dyn_ref::<js_sys::Error>() {
            Some(error) => (String::from(error.name()), String::from(error.message())),
            None => (String::new(), format!("{exception:?}")),
        };
        match name.as_str() {
            "SyntaxError" => Self::InvalidUrl(message),
            "SecurityError" => Self::Security(message),
            "InvalidStateError" => Self::NotOpen,
            _ => Self::Socket(message),
        }
    }
}

impl From<ClientError> for JsValue {
    fn from(error: ClientError) -> Self {
        let js_error = js_sys::Error::new(&error.to_string());
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&js_error, &"code".into(), &error.code().into());
        js_error.into()
    }
}
