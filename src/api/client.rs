//! The `Client` class.

use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::error::ClientError;
use super::events::Dispatcher;
use super::listeners::{subscribe, EventKind, SharedListeners, Subscription};
use super::options;
use super::types::{
    ChatCallback, ClientOptions, CloseCallback, DeliveryCallback, ErrorCallback, GiveUpCallback,
    KindCallback, MessageCallback, NotificationCallback, StateChangeCallback, VoidCallback,
};
use crate::browser::{js_string, text_within, Driver};
use crate::engine::{CloseError, Mode, SendError};
use crate::protocol::NOT_AN_OBJECT;

/// A WebSocket client that reconnects by itself, queues what is sent while
/// the connection is down, and delivers typed messages.
///
/// Created idle; `connect()` starts it. Dropping the client (`free()` in
/// JavaScript) closes the socket and removes every listener and timer.
#[wasm_bindgen]
pub struct Client {
    driver: Rc<Driver>,
    listeners: SharedListeners,
}

#[wasm_bindgen]
impl Client {
    /// Creates an idle client. Throws `invalid_options` when an option is
    /// missing, of the wrong type, or out of range.
    #[wasm_bindgen(constructor)]
    pub fn new(options: ClientOptions) -> Result<Client, ClientError> {
        let options::ParsedOptions {
            config,
            driver,
            should_reconnect,
        } = options::parse(options.into())?;
        let listeners = SharedListeners::default();
        let dispatcher = Dispatcher {
            listeners: listeners.clone(),
            kind_field: JsValue::from_str(&config.kind_field),
            should_reconnect,
        };
        let driver = Driver::new(config, Box::new(dispatcher), driver);
        Ok(Client { driver, listeners })
    }

    /// Refuses a registration of the wsnotify protocol (`name`) in generic
    /// mode, where it could never be called.
    fn wsnotify_only(&self, name: &'static str) -> Result<(), ClientError> {
        match self.driver.read(|engine| engine.config().mode) {
            Mode::Wsnotify => Ok(()),
            Mode::Generic => Err(SendError::Unsupported(name).into()),
        }
    }

    /// What `free()` does before the memory goes: no callback is called any
    /// more, and the connection and its timers stop at once, without another
    /// event. The package's wrapper calls it when `free()` comes from inside
    /// a callback, while this object is still in use, and frees it after.
    #[wasm_bindgen(js_name = "__stop")]
    pub fn stop(&self) {
        self.listeners.borrow_mut().clear();
        self.driver.stop();
    }

    /// Starts connecting from `idle` or `closed`; from `closing`, once the
    /// close is done; otherwise does nothing.
    pub fn connect(&self) {
        self.driver.with_engine(|engine| engine.connect());
    }

    /// Closes for good with `code` (default 1000; else 3000–4999) and
    /// `reason`; what is still queued is rejected, one `onError` per message.
    pub fn close(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "number | null")] code: Option<JsValue>,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] reason: Option<JsValue>,
    ) -> Result<(), ClientError> {
        let code = match code.filter(is_given).map(|code| code.as_f64()) {
            None => 1000,
            Some(Some(code)) if code.fract() == 0.0 && (0.0..=65535.0).contains(&code) => {
                code as u16
            }
            Some(_) => return Err(CloseError::NotACode.into()),
        };
        let reason = optional_string(reason, "reason must be a string")?.unwrap_or_default();
        self.driver
            .with_engine(|engine| engine.close(code, &reason))?;
        Ok(())
    }

    /// Reports an error of the package's own JavaScript (persistence) to
    /// the `onError` listeners, as the client's own errors are.
    #[wasm_bindgen(js_name = "__report")]
    pub fn report_error(&self, code: String, message: String) {
        super::events::report(
            &self.listeners,
            super::error::js_error(&code, &message, None),
        );
    }

    /// Queues again, with the same id, a chat whose delivery status is
    /// `failed`; its status starts again at `queued`. Throws
    /// `not_retryable` when no failed chat with `id` is kept, and what
    /// `sendChat` throws (`closed`, `outbox_full`).
    pub fn retry(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
    ) -> Result<(), ClientError> {
        let id = whole_name(&id, string(id.clone(), ID_MUST_BE)?)?;
        self.driver.with_engine(|engine| engine.retry(&id))?;
        Ok(())
    }

    /// Drops the current connection, if any, and connects again at once —
    /// in every state, after a terminal close or giving up too.
    pub fn reconnect(&self) {
        self.driver.with_engine(|engine| engine.reconnect());
    }

    /// Sends a chat to `toUserId` (everyone when `null`); returns its message
    /// id (`id` when given: 1-128 characters, never reused). While not open,
    /// the message is queued and sent after `init` on the next open; throws
    /// `outbox_full`, `frame_too_large`, `closed`, `invalid_recipient` or
    /// `invalid_id` instead of dropping it.
    #[wasm_bindgen(js_name = sendChat, unchecked_return_type = "string")]
    pub fn send_chat(
        &self,
        #[wasm_bindgen(js_name = toUserId, unchecked_param_type = "string | null | undefined")]
        to_user_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] message: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] id: Option<JsValue>,
    ) -> Result<JsValue, ClientError> {
        let to_user_id = optional_name(Some(to_user_id), "toUserId must be a string or null")?;
        let message = self.bounded_string(&message, "message must be a string", |len, max| {
            ClientError::MessageTooLarge { len, max }
        })?;
        let id = optional_name(id, ID_MUST_BE)?;
        let id = self
            .driver
            .with_engine(|engine| engine.send_chat_as(to_user_id.as_deref(), &message, id))?;
        Ok(js_string(&id))
    }

    /// Sends a JSON object as one frame; returns a local message id (`id`
    /// when given). Throws
    /// `not_serializable` for anything but a JSON-serialisable object.
    #[wasm_bindgen(js_name = sendJson, unchecked_return_type = "string")]
    pub fn send_json(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Record<string, unknown>")] value: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] id: Option<JsValue>,
    ) -> Result<JsValue, ClientError> {
        // What `JSON.stringify` made of the value (its `toJSON` included)
        // says whether the frame is an object: asking the value itself
        // (`Array.isArray`) could throw, for a revoked proxy.
        let text = js_sys::JSON::stringify(&value).map_err(|exception| {
            ClientError::NotSerializable(crate::browser::describe_exception(&exception))
        })?;
        let not_an_object = || ClientError::NotSerializable(NOT_AN_OBJECT.into());
        let text = self
            .bounded_string(&text, "", |len, max| {
                SendError::FrameTooLarge { len, max }.into()
            })
            .map_err(|error| match error {
                ClientError::InvalidArgument(_) => not_an_object(),
                error => error,
            })?;
        if !text.starts_with('{') {
            return Err(not_an_object());
        }
        // The value's `toJSON` or getters may have freed the client: a
        // stopped client writes nothing, and the id would name no message.
        if self.driver.is_stopped() {
            return Err(ClientError::Freed);
        }
        self.send(text, id)
    }

    /// Sends `text` as one frame, as it is; returns a local message id
    /// (`id` when given).
    #[wasm_bindgen(js_name = sendText, unchecked_return_type = "string")]
    pub fn send_text(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] id: Option<JsValue>,
    ) -> Result<JsValue, ClientError> {
        let text = self.bounded_string(&text, "text must be a string", |len, max| {
            SendError::FrameTooLarge { len, max }.into()
        })?;
        self.send(text, id)
    }

    /// `WebSocket.readyState` semantics: 0 connecting or waiting to
    /// reconnect, 1 open, 2 closing, 3 idle or closed.
    #[wasm_bindgen(getter, js_name = readyState)]
    pub fn ready_state(&self) -> u16 {
        self.driver.read(|engine| engine.state().ready_state())
    }

    /// `"idle"`, `"connecting"`, `"open"`, `"reconnecting"`, `"closing"` or `"closed"`.
    #[wasm_bindgen(getter, unchecked_return_type = "ConnectionState")]
    pub fn state(&self) -> JsValue {
        self.driver
            .read(|engine| js_string(engine.state().as_str()))
    }

    /// The retry number: 0 on a first connect, n for the n-th retry since the
    /// last stable connection.
    #[wasm_bindgen(getter)]
    pub fn attempt(&self) -> u32 {
        self.driver.read(|engine| engine.attempt())
    }

    /// The delivery guarantee in force: `"at-most-once"`, `"at-least-once"`,
    /// or `"unconfirmed"` when at-least-once was asked for but the server
    /// sends no acks.
    #[wasm_bindgen(getter, unchecked_return_type = "DeliveryState")]
    pub fn delivery(&self) -> JsValue {
        self.driver
            .read(|engine| js_string(engine.delivery().as_str()))
    }

    /// How many frames wait for the connection (or, with at-least-once
    /// delivery, for their ack).
    #[wasm_bindgen(getter)]
    pub fn queued(&self) -> u32 {
        self.driver.read(|engine| engine.queued()) as u32
    }

    /// `callback()` after each open (once `init` and the queue are sent).
    #[wasm_bindgen(js_name = onOpen)]
    pub fn on_open(&self, callback: VoidCallback) -> Result<Subscription, ClientError> {
        subscribe(&self.listeners, EventKind::Open, callback.into())
    }

    /// `callback({ code, reason, wasClean })` when a socket closes.
    #[wasm_bindgen(js_name = onClose)]
    pub fn on_close(&self, callback: CloseCallback) -> Result<Subscription, ClientError> {
        subscribe(&self.listeners, EventKind::Close, callback.into())
    }

    /// `callback(error)` for every problem that does not stop the client: an
    /// `Error` with `code` (and `id` when it is about one message).
    #[wasm_bindgen(js_name = onError)]
    pub fn on_error(&self, callback: ErrorCallback) -> Result<Subscription, ClientError> {
        subscribe(&self.listeners, EventKind::Error, callback.into())
    }

    /// `callback(chat)` for every valid chat message (wsnotify mode).
    #[wasm_bindgen(js_name = onChat)]
    pub fn on_chat(&self, callback: ChatCallback) -> Result<Subscription, ClientError> {
        self.wsnotify_only("onChat")?;
        subscribe(&self.listeners, EventKind::Chat, callback.into())
    }

    /// `callback(notification)` for every valid notification (wsnotify mode).
    #[wasm_bindgen(js_name = onNotification)]
    pub fn on_notification(
        &self,
        callback: NotificationCallback,
    ) -> Result<Subscription, ClientError> {
        self.wsnotify_only("onNotification")?;
        subscribe(&self.listeners, EventKind::Notification, callback.into())
    }

    /// `callback(message, { format, kind })` for every frame received: JSON
    /// as its parsed value, other text as the string, binary as it came.
    #[wasm_bindgen(js_name = onMessage)]
    pub fn on_message(&self, callback: MessageCallback) -> Result<Subscription, ClientError> {
        subscribe(&self.listeners, EventKind::Message, callback.into())
    }

    /// `callback(message)` for every JSON frame whose kind (the field
    /// `kindField` names, `type` by default) is `type`.
    pub fn on(
        &self,
        #[wasm_bindgen(js_name = type, unchecked_param_type = "string")] frame_type: JsValue,
        callback: KindCallback,
    ) -> Result<Subscription, ClientError> {
        let frame_type = string(frame_type, "type must be a string")?;
        subscribe(
            &self.listeners,
            EventKind::Type(frame_type),
            callback.into(),
        )
    }

    /// `callback({ state, attempt, nextDelayMs?, lastClose? })` on every transition.
    #[wasm_bindgen(js_name = onStateChange)]
    pub fn on_state_change(
        &self,
        callback: StateChangeCallback,
    ) -> Result<Subscription, ClientError> {
        subscribe(&self.listeners, EventKind::StateChange, callback.into())
    }

    /// `callback({ id, status, code? })` on every transition of a chat's
    /// delivery: `queued`, `sent`, then `acked` or `failed` (with `code`).
    #[wasm_bindgen(js_name = onDelivery)]
    pub fn on_delivery(&self, callback: DeliveryCallback) -> Result<Subscription, ClientError> {
        self.wsnotify_only("onDelivery")?;
        subscribe(&self.listeners, EventKind::Delivery, callback.into())
    }

    /// `callback({ retries })` when `reconnect.maxRetries` is exhausted.
    #[wasm_bindgen(js_name = onGiveUp)]
    pub fn on_give_up(&self, callback: GiveUpCallback) -> Result<Subscription, ClientError> {
        subscribe(&self.listeners, EventKind::GiveUp, callback.into())
    }
}

impl Client {
    /// Sends the frame `text` with the application's `id`, if given.
    fn send(&self, text: String, id: Option<JsValue>) -> Result<JsValue, ClientError> {
        let id = optional_name(id, ID_MUST_BE)?;
        let id = self
            .driver
            .with_engine(|engine| engine.send_text_as(text, id))?;
        Ok(js_string(&id))
    }

    /// A string argument that becomes (part of) a frame, copied into the
    /// module unless it is surely over the frame size limit: then the error
    /// `too_large` makes of its UTF-8 length and the limit (see
    /// [`text_within`]).
    fn bounded_string(
        &self,
        value: &JsValue,
        must_be: &'static str,
        too_large: impl FnOnce(usize, usize) -> ClientError,
    ) -> Result<String, ClientError> {
        if !value.is_string() {
            return Err(ClientError::InvalidArgument(must_be));
        }
        let max = self.driver.read(|engine| engine.config().max_frame_bytes);
        match text_within(value, max) {
            Some(Ok(text)) => Ok(text),
            Some(Err(len)) => Err(too_large(len, max)),
            None => Err(ClientError::InvalidArgument(must_be)),
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What a message id must be, for a non-string one.
const ID_MUST_BE: &str = "id must be a string of 1 to 128 characters";

/// Whether an optional argument was given: `undefined` and `null` are not.
fn is_given(value: &JsValue) -> bool {
    !(value.is_undefined() || value.is_null())
}

/// A string argument, checked here: JavaScript may pass anything where the
/// types say `string`, and the generated glue would hand the module a
/// number as if it were a string's address.
fn string(value: JsValue, must_be: &'static str) -> Result<String, ClientError> {
    value
        .as_string()
        .ok_or(ClientError::InvalidArgument(must_be))
}

/// An optional string argument (`undefined` and `null` are `None`), checked
/// as [`string`].
fn optional_string(
    value: Option<JsValue>,
    must_be: &'static str,
) -> Result<Option<String>, ClientError> {
    value
        .filter(is_given)
        .map(|value| string(value, must_be))
        .transpose()
}

/// An optional id or user id, checked as [`optional_string`] and for lone
/// surrogates: copied into the module, one would become U+FFFD, and so the
/// name of another message or user.
fn optional_name(
    value: Option<JsValue>,
    must_be: &'static str,
) -> Result<Option<String>, ClientError> {
    let name = optional_string(value.clone(), must_be)?;
    match (name, value) {
        (Some(name), Some(value)) => whole_name(&value, name).map(Some),
        (name, _) => Ok(name),
    }
}

#[wasm_bindgen]
extern "C" {
    /// A JavaScript string, for the one method read here.
    type Text;

    /// `String.prototype.isWellFormed`: no lone surrogate. Missing in older
    /// browsers, hence `catch`.
    #[wasm_bindgen(method, js_name = isWellFormed, catch)]
    fn is_well_formed(this: &Text) -> Result<bool, JsValue>;
}

/// `name`, copied from `value`, unless the copy replaced a lone surrogate.
fn whole_name(value: &JsValue, name: String) -> Result<String, ClientError> {
    // Only a copy that holds U+FFFD (bytes EF BF BD) can have replaced one,
    // so only a copy with an EF byte has the original asked (where it cannot
    // be, the copy is taken as it is). Bytes, not a `char` search, which
    // would link a searcher.
    let broken = name.bytes().any(|byte| byte == 0xEF)
        && value.unchecked_ref::<Text>().is_well_formed() == Ok(false);
    match broken {
        true => Err(ClientError::InvalidArgument(
            "an id or user id must not contain a lone surrogate",
        )),
        false => Ok(name),
    }
}
