//! Engine events turned into JavaScript values and delivered to listeners.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

use super::error::js_error;
use super::listeners::{EventKind, SharedListeners};
use crate::browser::describe_exception;
use crate::engine::{CloseInfo, Event, StateChange};
use crate::protocol::FrameType;

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

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `JSON.parse` of a string that is already a JavaScript value.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse_js_string(text: &JsValue) -> Result<JsValue, JsValue>;
}

/// Delivers one engine event to the listeners registered for it;
/// `frame_js` is the frame's JavaScript string when the driver has it.
pub(crate) fn dispatch(listeners: &SharedListeners, event: Event, frame_js: Option<&JsValue>) {
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
        Event::Frame { frame_type, text } => deliver_frame(listeners, &frame_type, &text, frame_js),
        Event::Error(error) => report(listeners, error.code(), &error.to_string(), error.id()),
        Event::SendFailed { id, error } => report(
            listeners,
            error.code(),
            &format!("message {id} was not sent: {error}"),
            Some(&id),
        ),
        Event::GiveUp { retries } => {
            call(
                listeners,
                &EventKind::GiveUp,
                &object(&[("retries", retries.into())]),
            );
        }
    }
}

/// Delivers a decoded frame. Its JS object comes from one `JSON.parse` of the
/// text the decoder has just validated (the original JS string when there is
/// one), rather than field by field across the wasm boundary: the same data,
/// at a fraction of the cost.
fn deliver_frame(
    listeners: &SharedListeners,
    frame_type: &FrameType,
    text: &str,
    frame_js: Option<&JsValue>,
) {
    let specific = match frame_type {
        FrameType::Chat => Some(EventKind::Chat),
        FrameType::Notification => Some(EventKind::Notification),
        _ => None,
    };
    let frame_type = frame_type.as_str();
    let wanted = {
        let registered = listeners.borrow();
        specific.as_ref().is_some_and(|kind| registered.wants(kind))
            || registered.wants(&EventKind::Message)
            || registered.wants_type(frame_type)
    };
    if !wanted {
        return;
    }
    let parsed = match frame_js {
        Some(js) => parse_js_string(js),
        None => js_sys::JSON::parse(text),
    };
    match parsed {
        Ok(value) => {
            if let Some(kind) = &specific {
                call(listeners, kind, &value);
            }
            call(listeners, &EventKind::Message, &value);
            let snapshot = listeners.borrow().snapshot();
            invoke(listeners, "on", false, snapshot.of_type(frame_type), &value);
        }
        // The decoder accepted this text, and JSON.parse accepts whatever it does.
        Err(exception) => report(
            listeners,
            "invalid_json",
            &describe_exception(&exception),
            None,
        ),
    }
}

/// Sends an `Error` with `code` to the `onError` listeners.
fn report(listeners: &SharedListeners, code: &str, message: &str, id: Option<&str>) {
    if listeners.borrow().wants(&EventKind::Error) {
        call(listeners, &EventKind::Error, &js_error(code, message, id));
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
        argument,
    );
}

/// Calls `callbacks` (registered with `registration`) with `argument`; see [`call`].
fn invoke<'a>(
    listeners: &SharedListeners,
    registration: &str,
    are_error_listeners: bool,
    callbacks: impl Iterator<Item = &'a js_sys::Function>,
    argument: &JsValue,
) {
    for callback in callbacks {
        let Err(exception) = callback.call1(&JsValue::NULL, argument) else {
            continue;
        };
        let message = format!(
            "the {registration} callback threw: {}",
            describe_exception(&exception)
        );
        if are_error_listeners {
            web_sys::console::error_2(&format!("wsnotify: {message}").into(), &exception);
        } else {
            let error = js_error("callback_failed", &message, None);
            let _ = js_sys::Reflect::set(&error, &"cause".into(), &exception);
            call(listeners, &EventKind::Error, &error);
        }
    }
}
