//! Browser tests of the JS-facing `Client`, run by `wasm-bindgen-test` in
//! headless Chromium against a WebSocket echo server on loopback.
//!
//! The harness (`scripts/test.mjs`) starts the echo server on a free port and
//! passes its URL at compile time as `WSNOTIFY_ECHO_URL`.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use wsnotify::api::Client;

wasm_bindgen_test_configure!(run_in_browser);

const WAIT_MS: u32 = 5_000;

fn echo_url() -> &'static str {
    match option_env!("WSNOTIFY_ECHO_URL") {
        Some(url) => url,
        None => panic!("run through `npm test`, which sets WSNOTIFY_ECHO_URL"),
    }
}

fn client_for(url: &str) -> Result<Client, JsValue> {
    let options = js_sys::Object::new();
    Reflect::set(&options, &"url".into(), &url.into())?;
    Client::new(options.into()).map_err(JsValue::from)
}

/// A promise with the functions that settle it.
fn settleable() -> (Promise, Function, Function) {
    let settlers = Rc::new(RefCell::new(None));
    let slot = settlers.clone();
    let promise = Promise::new(&mut |resolve, reject| *slot.borrow_mut() = Some((resolve, reject)));
    let (resolve, reject) = settlers
        .borrow_mut()
        .take()
        .expect("Promise runs its executor at once");
    (promise, resolve, reject)
}

/// A promise and the function that resolves it; the function is what gets
/// registered as a callback, so awaiting the promise awaits the event.
fn deferred() -> (Promise, Function) {
    let (promise, resolve, _reject) = settleable();
    (promise, resolve)
}

/// Awaits `promise`, failing the test after `ms` milliseconds.
async fn within(ms: u32, what: &str, promise: Promise) -> JsValue {
    let (deadline, _resolve, reject) = settleable();
    let message = format!("timed out after {ms} ms waiting for {what}");
    // Dropped (and so cleared) when this function returns.
    let _timer = Timeout::new(ms, move || {
        let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&message));
    });
    let race = Promise::race(&js_sys::Array::of2(&promise, &deadline));
    JsFuture::from(race)
        .await
        .unwrap_or_else(|error| panic!("{error:?}"))
}

#[wasm_bindgen_test]
async fn opens_and_reports_ready_state() {
    let client = client_for(echo_url()).unwrap();
    assert_eq!(client.state(), "idle");
    assert_eq!(client.ready_state(), 3);

    let (opened, on_open) = deferred();
    let _subscription = client.on_open(on_open);
    client.connect().unwrap();
    assert_eq!(client.ready_state(), 0);
    assert_eq!(client.state(), "connecting");

    within(WAIT_MS, "open", opened).await;
    assert_eq!(client.ready_state(), 1);
    assert_eq!(client.state(), "open");
}

#[wasm_bindgen_test]
async fn echoes_a_text_frame_to_on_message() {
    let client = client_for(echo_url()).unwrap();
    let (opened, on_open) = deferred();
    let (received, on_message) = deferred();
    let _open = client.on_open(on_open);
    let _message = client.on_message(on_message);
    client.connect().unwrap();
    within(WAIT_MS, "open", opened).await;

    client.send_text(r#"{"type":"ping"}"#).unwrap();
    let echoed = within(WAIT_MS, "the echo", received).await;
    assert_eq!(echoed.as_string().as_deref(), Some(r#"{"type":"ping"}"#));
}

#[wasm_bindgen_test]
async fn close_reports_code_and_ends_in_closed() {
    let client = client_for(echo_url()).unwrap();
    let (opened, on_open) = deferred();
    let (closed, on_close) = deferred();
    let _open = client.on_open(on_open);
    let _close = client.on_close(on_close);
    client.connect().unwrap();
    within(WAIT_MS, "open", opened).await;

    client.close();
    let info = within(WAIT_MS, "close", closed).await;
    assert_eq!(Reflect::get(&info, &"code".into()).unwrap(), 1000);
    assert_eq!(Reflect::get(&info, &"wasClean".into()).unwrap(), true);
    assert_eq!(client.ready_state(), 3);
    assert_eq!(client.state(), "closed");
}

#[wasm_bindgen_test]
async fn unsubscribed_callback_is_not_called() {
    let client = client_for(echo_url()).unwrap();
    let calls = Rc::new(RefCell::new(0u32));
    let counter = calls.clone();
    let counting = Closure::<dyn Fn()>::new(move || *counter.borrow_mut() += 1);
    let subscription = client.on_open(counting.as_ref().unchecked_ref::<Function>().clone());
    subscription.unsubscribe();

    let (opened, on_open) = deferred();
    let _open = client.on_open(on_open);
    client.connect().unwrap();
    within(WAIT_MS, "open", opened).await;
    assert_eq!(*calls.borrow(), 0);
}

#[wasm_bindgen_test]
async fn a_throwing_callback_does_not_stop_the_next() {
    let client = client_for(echo_url()).unwrap();
    let thrower = Function::new_no_args("throw new Error('boom')");
    let _thrower = client.on_open(thrower);
    let (opened, on_open) = deferred();
    let _open = client.on_open(on_open);
    client.connect().unwrap();
    within(WAIT_MS, "open after a throwing callback", opened).await;
}

#[wasm_bindgen_test]
fn sending_before_open_is_a_typed_error() {
    let client = client_for(echo_url()).unwrap();
    let error = JsValue::from(client.send_text("hello").unwrap_err());
    assert_eq!(Reflect::get(&error, &"code".into()).unwrap(), "not_open");
    assert!(error.is_instance_of::<js_sys::Error>());
}

#[wasm_bindgen_test]
fn a_malformed_url_is_a_typed_error_not_a_panic() {
    let client = client_for("http://[not a url").unwrap();
    let error = JsValue::from(client.connect().unwrap_err());
    assert_eq!(Reflect::get(&error, &"code".into()).unwrap(), "invalid_url");
    assert_eq!(client.state(), "idle");
}

#[wasm_bindgen_test]
fn options_of_the_wrong_shape_are_a_typed_error() {
    let error = JsValue::from(Client::new(JsValue::from_f64(42.0)).err().unwrap());
    assert_eq!(
        Reflect::get(&error, &"code".into()).unwrap(),
        "invalid_options"
    );
}
