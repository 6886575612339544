//! What the client tells the application.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

use super::error::Error;
use crate::browser::Format;
use crate::engine::{CloseInfo, DeliveryUpdate, StateChange};

/// Something that happened, for callbacks and the event stream.
///
/// ```no_run
/// use wsnotify::client::Event;
/// # fn run(client: &wsnotify::client::Client) {
/// let _all = client.on_event(|event| match event {
///     Event::Chat(chat) => web_sys::console::log_1(&chat.message.as_str().into()),
///     Event::Error(error) => web_sys::console::warn_1(&error.code().into()),
///     _ => {}
/// });
/// # }
/// ```
#[derive(Debug, Clone)]
pub enum Event {
    /// The state changed.
    StateChange(StateChange),
    /// A connection opened (`init` or the hello, and the queue, went out).
    Open,
    /// A socket closed.
    Close(CloseInfo),
    /// A valid chat (wsnotify mode).
    Chat(Chat),
    /// A valid notification (wsnotify mode).
    Notification(Notification),
    /// Any frame, as it came.
    Message(Message),
    /// Something went wrong; the client goes on.
    Error(Error),
    /// A chat's delivery status changed: `queued`, `sent`, then `acked` or
    /// `failed` (with the error code).
    Delivery(DeliveryUpdate),
    /// Retries are exhausted; the client is closed.
    GiveUp {
        /// How many retries were made.
        retries: u32,
    },
}

/// A chat message of the wsnotify protocol.
///
/// ```no_run
/// # fn run(client: &wsnotify::client::Client) {
/// let _chats = client.on_chat(|chat| {
///     let to = chat.to_user_id.as_deref().unwrap_or("everyone");
///     web_sys::console::log_1(&format!("{} to {to}: {}", chat.from_user_id, chat.message).into());
/// });
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chat {
    /// The sender.
    pub from_user_id: String,
    /// The recipient; `None` for a broadcast.
    pub to_user_id: Option<String>,
    /// The text.
    pub message: String,
    /// When the server accepted it (ISO 8601).
    pub timestamp: String,
    /// The sender's message id.
    pub id: Option<String>,
    /// The server's sequence number for this user.
    pub seq: Option<u64>,
    /// The numbering `seq` belongs to.
    pub epoch: Option<String>,
}

/// A notification of the wsnotify protocol.
///
/// ```no_run
/// # fn run(client: &wsnotify::client::Client) {
/// let _notices = client.on_notification(|notice| {
///     web_sys::console::log_1(&format!("{} ({:?} online)", notice.message, notice.online).into());
/// });
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The notice.
    pub message: String,
    /// Users online, when the server says.
    pub online: Option<u64>,
}

/// A frame as it came.
///
/// ```no_run
/// use wsnotify::client::Format;
/// # fn run(client: &wsnotify::client::Client) {
/// let _frames = client.on_message(|message| {
///     if message.format == Format::Text {
///         web_sys::console::log_1(&message.value);
///     }
/// });
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Message {
    /// JSON as `JSON.parse` gave it, other text as the string, binary as it came.
    pub value: JsValue,
    /// How it came.
    pub format: Format,
    /// A JSON object's kind (the field `Options::kind_field` names).
    pub kind: Option<String>,
}

fn text(value: &JsValue, key: &str) -> Option<String> {
    Reflect::get(value, &JsValue::from_str(key))
        .ok()
        .and_then(|field| field.as_string())
}

fn count(value: &JsValue, key: &str) -> Option<u64> {
    Reflect::get(value, &JsValue::from_str(key))
        .ok()
        .and_then(|field| field.as_f64())
        .map(|number| number as u64)
}

impl Chat {
    /// The fields of a chat the engine has validated, read from the value
    /// the browser parsed (no second parse).
    pub(super) fn from_js(value: &JsValue) -> Self {
        Self {
            from_user_id: text(value, "fromUserId").unwrap_or_default(),
            to_user_id: text(value, "toUserId"),
            message: text(value, "message").unwrap_or_default(),
            timestamp: text(value, "timestamp").unwrap_or_default(),
            id: text(value, "id"),
            seq: count(value, "seq"),
            epoch: text(value, "epoch"),
        }
    }
}

impl Notification {
    /// See [`Chat::from_js`].
    pub(super) fn from_js(value: &JsValue) -> Self {
        Self {
            message: text(value, "message").unwrap_or_default(),
            online: count(value, "online"),
        }
    }
}
