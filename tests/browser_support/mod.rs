//! What the browser tests share: the test server's URLs and control API,
//! unique user ids, and polling with a deadline.
//!
//! `npm test` starts `tests/support/test-server.mjs` on free ports and passes
//! its URLs at compile time: `WSNOTIFY_TEST_WS` (the WebSocket endpoint) and
//! `WSNOTIFY_TEST_CONTROL` (an HTTP API to inspect and steer the server).
#![allow(dead_code)]

use std::cell::Cell;
use std::future::Future;

use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Function, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

pub const WAIT_MS: u32 = 5_000;

pub fn ws_url() -> &'static str {
    match option_env!("WSNOTIFY_TEST_WS") {
        Some(url) => url,
        None => panic!("run through `npm test`, which sets WSNOTIFY_TEST_WS"),
    }
}

pub fn control_url() -> &'static str {
    match option_env!("WSNOTIFY_TEST_CONTROL") {
        Some(url) => url,
        None => panic!("run through `npm test`, which sets WSNOTIFY_TEST_CONTROL"),
    }
}

thread_local!(static NEXT_USER: Cell<u32> = const { Cell::new(0) });

/// A user id no other test uses, so that tests do not see each other's traffic.
pub fn unique_user(name: &str) -> String {
    let n = NEXT_USER.with(|next| {
        next.set(next.get() + 1);
        next.get()
    });
    format!("{name}-{n}-{}", (js_sys::Math::random() * 1e6) as u32)
}

/// Calls the test server's control API; resolves to the parsed JSON answer.
pub async fn control(method: &str, path: &str, body: Option<&str>) -> JsValue {
    let request = Function::new_with_args(
        "url, method, body",
        "return fetch(url, { method, body: body ?? undefined }).then((r) => r.json())",
    );
    let url = format!("{}{path}", control_url());
    let body = body.map_or(JsValue::UNDEFINED, JsValue::from_str);
    let promise: Promise = request
        .call3(&JsValue::NULL, &url.into(), &method.into(), &body)
        .unwrap()
        .unchecked_into();
    JsFuture::from(promise).await.unwrap()
}

/// Every text frame the server received from `user`, in order.
pub async fn frames_from(user: &str) -> Vec<String> {
    let state = control("GET", "/state", None).await;
    let frames = Reflect::get(
        &Reflect::get(&state, &"frames".into()).unwrap(),
        &user.into(),
    )
    .unwrap();
    if frames.is_undefined() {
        return Vec::new();
    }
    Array::from(&frames)
        .iter()
        .map(|f| f.as_string().unwrap())
        .collect()
}

pub async fn server_connections() -> u32 {
    let state = control("GET", "/state", None).await;
    Reflect::get(&state, &"connections".into())
        .unwrap()
        .as_f64()
        .unwrap() as u32
}

/// Sends raw frames to `user`'s connections from the server.
pub async fn server_sends(user: &str, frames: &[&str], binary: bool) {
    let body = Object::new();
    let list: Array = frames.iter().map(|f| JsValue::from_str(f)).collect();
    Reflect::set(&body, &"frames".into(), &list).unwrap();
    Reflect::set(&body, &"binary".into(), &binary.into()).unwrap();
    let body = JSON::stringify(&body).unwrap().as_string().unwrap();
    control("POST", &format!("/send?user={user}"), Some(&body)).await;
}

/// Polls `condition` every `every_ms`; fails the test after `ms`.
pub async fn poll<F: Future<Output = bool>>(
    what: &str,
    ms: u32,
    every_ms: u32,
    mut condition: impl FnMut() -> F,
) {
    let deadline = js_sys::Date::now() + f64::from(ms);
    while !condition().await {
        assert!(
            js_sys::Date::now() < deadline,
            "timed out after {ms} ms waiting for {what}"
        );
        TimeoutFuture::new(every_ms).await;
    }
}

/// Waits for a condition on this page's state, checked every 5 ms.
pub async fn wait_for(what: &str, ms: u32, mut condition: impl FnMut() -> bool) {
    poll(what, ms, 5, || std::future::ready(condition())).await;
}

/// Waits for a condition that needs the server, asked every 20 ms.
pub async fn wait_for_async<F: Future<Output = bool>>(
    what: &str,
    ms: u32,
    condition: impl FnMut() -> F,
) {
    poll(what, ms, 20, condition).await;
}

/// The size of this module's linear memory, in bytes.
pub fn wasm_memory_bytes() -> u32 {
    wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length()
}
