//! Engine events turned into JavaScript values and delivered to listeners.

use serde::Serialize;
use wasm_bindgen::JsValue;

use super::error::js_error;
use super::listeners::{EventKind, SharedListeners};
use crate::browser::describe_exception;
use crate::engine::{CloseInfo, Event, StateChange};
use crate::protocol::ServerFrame;

/// What `onClose` callbacks (and `shouldReconnect`) receive.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CloseInfoJs<'a> {
    code: u16,
    reason: &'a str,
    was_clean: bool,
}

impl<'a> From<&'a CloseInfo> for CloseInfoJs<'a> {
    fn from(info: &'a CloseInfo) -> Self {
        Self {
            code: info.code,
            reason: &info.reason,
            was_clean: info.clean,
        }
    }
}

/// What `onStateChange` callbacks receive.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StateChangeJs<'a> {
    state: &'static str,
    attempt: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_delay_ms: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_close: Option<CloseInfoJs<'a>>,
}

#[derive(Serialize)]
struct GiveUpJs {
    retries: u32,
}

/// Plain JS objects; numbers as numbers, maps as objects.
fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, serde_wasm_bindgen::Error> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
}

pub(crate) fn close_info_to_js(info: &CloseInfo) -> JsValue {
    // A struct of a number, a string and a boolean always converts.
    to_js(&CloseInfoJs::from(info)).unwrap_or(JsValue::UNDEFINED)
}

fn state_change_to_js(change: &StateChange) -> JsValue {
    let value = StateChangeJs {
        state: change.state.as_str(),
        attempt: change.attempt,
        next_delay_ms: change.next_delay_ms,
        last_close: change.last_close.as_ref().map(CloseInfoJs::from),
    };
    to_js(&value).unwrap_or(JsValue::UNDEFINED)
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
        Event::Frame { frame, text } => deliver_frame(listeners, &frame, &text, frame_js),
        Event::Error(error) => report(listeners, error.code(), &error.to_string(), error.id()),
        Event::SendFailed { id, error } => report(
            listeners,
            error.code(),
            &format!("message {id} was not sent: {error}"),
            Some(&id),
        ),
        Event::GiveUp { retries } => {
            let value = to_js(&GiveUpJs { retries }).unwrap_or(JsValue::UNDEFINED);
            call(listeners, &EventKind::GiveUp, &value);
        }
    }
}

/// Delivers a decoded frame. Its JS object comes from one `JSON.parse` of the
/// text the decoder has just validated (the original JS string when there is
/// one), rather than field by field across the wasm boundary: the same data,
/// at a fraction of the cost.
fn deliver_frame(
    listeners: &SharedListeners,
    frame: &ServerFrame,
    text: &str,
    frame_js: Option<&JsValue>,
) {
    let specific = match frame {
        ServerFrame::Chat(_) => Some(EventKind::Chat),
        ServerFrame::Notification(_) => Some(EventKind::Notification),
        _ => None,
    };
    let frame_type = frame.type_name();
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
            let by_type = listeners.borrow().of_type(frame_type);
            invoke(listeners, "on", false, by_type, &value);
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
    let callbacks = listeners.borrow().of(kind);
    invoke(
        listeners,
        kind.name(),
        *kind == EventKind::Error,
        callbacks,
        argument,
    );
}

/// Calls `callbacks` (registered with `registration`) with `argument`; see [`call`].
fn invoke(
    listeners: &SharedListeners,
    registration: &str,
    are_error_listeners: bool,
    callbacks: Vec<js_sys::Function>,
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
