//! The client's errors, with the codes of the JavaScript API.

use wasm_bindgen::JsValue;

use crate::engine::{CloseError, ErrorEvent, SendError};

/// Everything that goes wrong, returned by a call or reported as
/// [`Event::Error`](super::Event::Error); [`Error::code`] is the code the
/// JavaScript API gives the same error.
///
/// ```
/// # #[cfg(target_arch = "wasm32")] {
/// use wsnotify::client::{Client, Options};
/// let error = Client::new(Options::default()).err().unwrap(); // no user id
/// assert_eq!(error.code(), "invalid_options");
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The options are invalid.
    #[error("invalid client options: {0}")]
    InvalidOptions(String),
    /// A send or a queued message was refused.
    #[error(transparent)]
    Send(#[from] SendError),
    /// A message that was queued will never be sent.
    #[error("message {id} was not sent: {error}")]
    NotSent {
        /// The id the send returned.
        id: String,
        /// Why.
        error: SendError,
    },
    /// `close()` was given an invalid code or reason.
    #[error(transparent)]
    Close(#[from] CloseError),
    /// Something went wrong without ending the client.
    #[error(transparent)]
    Connection(ErrorEvent),
    /// A received frame is not valid (or too large); `frame` is the frame as
    /// it came.
    #[error("{error}")]
    Frame {
        /// What is wrong with it.
        error: ErrorEvent,
        /// The frame: a string, an `ArrayBuffer` or a `Blob`.
        frame: JsValue,
    },
    /// A frame does not fit the type it was read as ([`Client::on`](super::Client::on)).
    #[error("a {kind} frame does not fit the expected type: {reason}")]
    Mismatch {
        /// The frame's kind.
        kind: String,
        /// What did not fit.
        reason: String,
        /// The frame as parsed.
        frame: JsValue,
    },
    /// A value could not be sent as JSON.
    #[error("cannot send as JSON: {0}")]
    NotSerializable(String),
}

impl Error {
    /// The stable machine-readable code, the JavaScript API's `error.code`.
    pub fn code(&self) -> &str {
        match self {
            Self::InvalidOptions(_) => "invalid_options",
            Self::Send(error) | Self::NotSent { error, .. } => error.code(),
            Self::Close(error) => error.code(),
            Self::Connection(error) | Self::Frame { error, .. } => error.code(),
            Self::Mismatch { .. } => "invalid_frame",
            Self::NotSerializable(_) => "not_serializable",
        }
    }
}
