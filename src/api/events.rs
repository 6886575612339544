//! Engine events turned into JavaScript values and delivered to listeners.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use super::error::js_error;
use super::listeners::{EventKind, SharedListeners};
use crate::browser::{describe_exception, read_frame, Application, Received};
use crate::engine::{CloseInfo, ErrorEvent, Event, StateChange, Verdict};
use crate::message::Message;
use crate::protocol::FrameType;

#[wasm_bindgen]
extern "C" {
    /// `console.error`, which an application may have replaced by a
    /// function that throws (as test setups that fail on console errors do).
    #[wasm_bindgen(js_namespace = console, js_name = error, catch)]
    fn console_error(label: &JsValue, value: &JsValue) -> Result<(), JsValue>;
}

/// Writes `value` to the console, the last resort for an error nobody
/// listens to; a console that throws leaves nowhere else to report it.
fn to_console(label: &str, value: &JsValue) {
    let _ = console_error(&label.into(), value);
}

/// A plain object of `fields`, built in place: these objects are a handful
/// of keys, for which a serialiser would cost more code than it saves.
fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in fields {
        // Setting a data property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}

/// What `onClose` callbacks (and `shouldReconnect`) receive:
/// `{ code, reason, wasClean }`.
pub(crate) fn close_info_to_js(info: &CloseInfo) -> JsValue {
    object(&[
        ("code", info.code.into()),
        ("reason", JsValue::from_str(&info.reason)),
        ("wasClean", info.clean.into()),
    ])
}

/// What `onStateChange` callbacks receive:
/// `{ state, attempt, nextDelayMs?, lastClose? }`.
fn state_change_to_js(change: &StateChange) -> JsValue {
    let mut fields = vec![
        ("state", JsValue::from_str(change.state.as_str())),
        ("attempt", change.attempt.into()),
    ];
    if let Some(delay) = change.next_delay_ms {
        fields.push(("nextDelayMs", delay.into()));
    }
    if let Some(close) = &change.last_close {
        fields.push(("lastClose", close_info_to_js(close)));
    }
    object(&fields)
}

/// Where the driver's output reaches the application: the listeners, and
/// what reading a frame and deciding a close take.
pub(crate) struct Dispatcher {
    pub listeners: SharedListeners,
    /// The field that names a JSON frame's kind, as a JavaScript string.
    pub kind_field: JsValue,
    /// The `shouldReconnect` option.
    pub should_reconnect: Option<js_sys::Function>,
}

impl Application for Dispatcher {
    fn event(&self, event: Event) {
        dispatch(&self.listeners, event);
    }

    /// Asks `shouldReconnect`; an answer that is not a boolean, or an
    /// exception (reported as `callback_failed`), leaves the decision to the
    /// standard policy.
    fn should_reconnect(&self, close: &CloseInfo) -> Option<bool> {
        let predicate = self.should_reconnect.as_ref()?;
        call_user(
            &self.listeners,
            "shouldReconnect",
            false,
            predicate,
            &[&close_info_to_js(close)],
        )?
        .as_bool()
    }

    /// Delivers a frame as the socket gave it: a string that is JSON as its
    /// parsed value (one `JSON.parse`, of the string the socket gave), other
    /// text as the string, binary as it came. The engine's verdict says
    /// whether it goes to the typed callbacks too, or to nobody, and which
    /// error, carrying the raw frame, comes with it.
    fn frame(&self, data: &JsValue, verdict: Verdict) {
        let typed = match verdict {
            Verdict::Dropped => return,
            Verdict::Refused(error) => {
                report(&self.listeners, error_to_js(&error, Some(data)));
                return;
            }
            Verdict::Untyped(error) => {
                if let Some(error) = error {
                    report(&self.listeners, error_to_js(&error, Some(data)));
                }
                None
            }
            Verdict::Typed(FrameType::Chat) => Some(EventKind::Chat),
            Verdict::Typed(FrameType::Notification) => Some(EventKind::Notification),
            Verdict::Typed(_) => None,
        };
        let (wants_typed, wants_message, wants_kinds) = {
            let registered = self.listeners.borrow();
            (
                typed.as_ref().is_some_and(|kind| registered.wants(kind)),
                registered.wants(&EventKind::Message),
                registered.wants_any_type(),
            )
        };
        if !(wants_typed || wants_message || wants_kinds) {
            return;
        }
        let Received {
            value,
            format,
            kind,
        } = read_frame(
            data,
            (wants_message || wants_kinds).then_some(&self.kind_field),
        );
        if let (true, Some(typed)) = (wants_typed, &typed) {
            call(&self.listeners, typed, &value);
        }
        if wants_message {
            let mut meta = vec![
                ("format", JsValue::from_str(format.as_str())),
                ("data", data.clone()),
            ];
            if let Some(kind) = &kind {
                meta.push(("kind", JsValue::from_str(kind)));
            }
            let snapshot = self.listeners.borrow().snapshot();
            invoke(
                &self.listeners,
                "onMessage",
                false,
                snapshot.of(&EventKind::Message),
                &[&value, &object(&meta)],
            );
        }
        if let (true, Some(kind)) = (wants_kinds, &kind) {
            let snapshot = self.listeners.borrow().snapshot();
            invoke(
                &self.listeners,
                "on",
                false,
                snapshot.of_type(kind),
                &[&value],
            );
        }
    }
}

/// Delivers one engine event to the listeners registered for it.
fn dispatch(listeners: &SharedListeners, event: Event) {
    match event {
        Event::StateChange(change) => {
            if listeners.borrow().wants(&EventKind::StateChange) {
                call(
                    listeners,
                    &EventKind::StateChange,
                    &state_change_to_js(&change),
                );
            }
        }
        Event::Open => call(listeners, &EventKind::Open, &JsValue::UNDEFINED),
        Event::Close(info) => call(listeners, &EventKind::Close, &close_info_to_js(&info)),
        Event::Error(error) => report(listeners, error_to_js(&error, None)),
        Event::SendFailed { id, error } => report(
            listeners,
            js_error(
                error.code(),
                &Message::new("message ")
                    .text(&id)
                    .text(" was not sent: ")
                    .text(&error.message())
                    .done(),
                Some(&id),
            ),
        ),
        Event::Delivery(update) => {
            if listeners.borrow().wants(&EventKind::Delivery) {
                let mut fields = vec![
                    ("id", JsValue::from_str(&update.id)),
                    ("status", JsValue::from_str(update.status.as_str())),
                ];
                if let Some(code) = &update.code {
                    fields.push(("code", JsValue::from_str(code)));
                }
                call(listeners, &EventKind::Delivery, &object(&fields));
            }
        }
        Event::GiveUp { retries } => {
            call(
                listeners,
                &EventKind::GiveUp,
                &object(&[("retries", retries.into())]),
            );
        }
    }
}

/// An `Error` with `code` (and `id`, `attempt`, and the raw `frame` it is
/// about, when there are such).
fn error_to_js(error: &ErrorEvent, frame: Option<&JsValue>) -> JsValue {
    let js = js_error(error.code(), &error.message(), error.id());
    // Setting properties on a fresh Error object cannot fail.
    if let Some(attempt) = error.attempt() {
        let _ = Reflect::set(&js, &"attempt".into(), &attempt.into());
    }
    if let Some(frame) = frame {
        let _ = Reflect::set(&js, &"frame".into(), frame);
    }
    js
}

/// Sends `error` to the `onError` listeners; with none registered, to the
/// console, so that no error goes unseen.
pub(crate) fn report(listeners: &SharedListeners, error: JsValue) {
    if listeners.borrow().wants(&EventKind::Error) {
        call(listeners, &EventKind::Error, &error);
    } else {
        to_console("wsnotify:", &error);
    }
}

/// Calls every listener of `kind` with `argument`. A callback that throws is
/// reported to `onError` as `callback_failed` (or, for an `onError` callback,
/// to the console) and the remaining callbacks still run.
fn call(listeners: &SharedListeners, kind: &EventKind, argument: &JsValue) {
    let snapshot = listeners.borrow().snapshot();
    invoke(
        listeners,
        kind.name(),
        *kind == EventKind::Error,
        snapshot.of(kind),
        &[argument],
    );
}

/// Calls `callbacks` (registered with `registration`) with `arguments` (one
/// or two); see [`call`].
fn invoke<'a>(
    listeners: &SharedListeners,
    registration: &str,
    are_error_listeners: bool,
    callbacks: impl Iterator<Item = &'a js_sys::Function>,
    arguments: &[&JsValue],
) {
    for callback in callbacks {
        call_user(
            listeners,
            registration,
            are_error_listeners,
            callback,
            arguments,
        );
    }
}

/// Calls one application function with `arguments` (one or two) and
/// returns what it returned; if it throws, reports `callback_failed` (for
/// an `onError` callback: to the console) and returns `None`.
fn call_user(
    listeners: &SharedListeners,
    registration: &str,
    are_error_listeners: bool,
    callback: &js_sys::Function,
    arguments: &[&JsValue],
) -> Option<JsValue> {
    let called = match arguments {
        [first, second] => callback.call2(&JsValue::NULL, first, second),
        [first, ..] => callback.call1(&JsValue::NULL, first),
        [] => callback.call0(&JsValue::NULL),
    };
    let exception = match called {
        Ok(value) => return Some(value),
        Err(exception) => exception,
    };
    let message = Message::new("the ")
        .text(registration)
        .text(" callback threw: ")
        .text(&describe_exception(&exception))
        .done();
    if are_error_listeners {
        to_console(
            &Message::new("wsnotify: ").text(&message).done(),
            &exception,
        );
    } else {
        let error = js_error("callback_failed", &message, None);
        let _ = js_sys::Reflect::set(&error, &"cause".into(), &exception);
        report(listeners, error);
    }
    None
}
