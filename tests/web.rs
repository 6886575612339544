//! Browser tests of the JS API, run by `wasm-bindgen-test` in headless
//! Chromium against the reference server on loopback (see `browser_support`).
#![cfg(target_arch = "wasm32")]

mod browser_support;

use browser_support::*;
use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Function, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use wsnotify::api::Client;

wasm_bindgen_test_configure!(run_in_browser);

/// A client for `user`; `extra` is a JSON object of further options.
fn client(user: &str, extra: &str) -> Client {
    let options = JSON::parse(extra).unwrap();
    Reflect::set(&options, &"url".into(), &ws_url().into()).unwrap();
    Reflect::set(&options, &"userId".into(), &user.into()).unwrap();
    Client::new(options.unchecked_into())
        .map_err(JsValue::from)
        .unwrap()
}

/// A JS array and a function that appends its first argument to it.
struct Recorder {
    log: Array,
    push: Function,
}

impl Recorder {
    fn new() -> Self {
        let log = Array::new();
        let push = Function::new_with_args("value", "this.push(value)").bind0(&log);
        Self { log, push }
    }

    fn callback<T: JsCast>(&self) -> T {
        self.push.clone().unchecked_into()
    }

    fn len(&self) -> u32 {
        self.log.length()
    }

    fn get(&self, index: u32) -> JsValue {
        self.log.get(index)
    }

    fn field(&self, index: u32, field: &str) -> JsValue {
        Reflect::get(&self.get(index), &field.into()).unwrap()
    }
}

fn frame_type(frame: &str) -> String {
    let value = JSON::parse(frame).unwrap();
    Reflect::get(&value, &"type".into())
        .unwrap()
        .as_string()
        .unwrap()
}

fn frame_field(frame: &str, field: &str) -> JsValue {
    Reflect::get(&JSON::parse(frame).unwrap(), &field.into()).unwrap()
}

async fn open(client: &Client) {
    client.connect();
    wait_for("open", WAIT_MS, || client.state() == "open").await;
}

#[wasm_bindgen_test]
async fn init_first_then_chat_notification_and_unknown_types_arrive_typed() {
    let user = unique_user("ada");
    let client = client(&user, "{}");
    let (chats, notes, messages, typing) = (
        Recorder::new(),
        Recorder::new(),
        Recorder::new(),
        Recorder::new(),
    );
    let _c = client.on_chat(chats.callback()).unwrap();
    let _n = client.on_notification(notes.callback()).unwrap();
    let _m = client.on_message(messages.callback()).unwrap();
    let _t = client.on("typing".into(), typing.callback()).unwrap();
    assert_eq!(client.state(), "idle");
    assert_eq!(client.ready_state(), 3);
    client.connect();
    assert_eq!(client.ready_state(), 0);
    wait_for("open", WAIT_MS, || client.state() == "open").await;
    assert_eq!(client.ready_state(), 1);

    wait_for_async("init at the server", WAIT_MS, || async {
        !frames_from(&user).await.is_empty()
    })
    .await;
    let init = &frames_from(&user).await[0];
    assert_eq!(init, &format!(r#"{{"type":"init","userId":"{user}"}}"#));

    wait_for("the join notification", WAIT_MS, || notes.len() >= 1).await;
    assert_eq!(
        notes.field(0, "message").as_string().unwrap(),
        format!("{user} joined")
    );
    assert!(notes.field(0, "online").as_f64().unwrap() >= 1.0);

    let id = client
        .send_chat(user.as_str().into(), "hello".into(), None)
        .map_err(JsValue::from)
        .unwrap()
        .as_string()
        .expect("sendChat returns a string id");
    wait_for("the chat to come back", WAIT_MS, || chats.len() >= 1).await;
    assert_eq!(chats.field(0, "type"), "chat");
    assert_eq!(chats.field(0, "fromUserId").as_string().unwrap(), user);
    assert_eq!(chats.field(0, "message"), "hello");
    assert_eq!(chats.field(0, "id").as_string().unwrap(), id);
    assert!(chats
        .field(0, "timestamp")
        .as_string()
        .unwrap()
        .contains('T'));

    server_sends(
        &user,
        &[r#"{"type":"typing","who":"bob","depth":{"n":[1,2]}}"#],
        false,
    )
    .await;
    wait_for("the unknown frame", WAIT_MS, || typing.len() >= 1).await;
    assert_eq!(typing.field(0, "who"), "bob");
    // onMessage has it too. Not necessarily last: the join and leave
    // notifications of other tests' users may arrive at any moment.
    let types: Vec<JsValue> = (0..messages.len())
        .map(|index| messages.field(index, "type"))
        .collect();
    assert!(
        types.iter().any(|kind| kind == "typing"),
        "onMessage got {types:?}"
    );
}

/// Frames and ids reach JavaScript by two routes (`browser::text`): short
/// ASCII through `String.fromCharCode`, everything else through wasm-bindgen's
/// decoder. Each kind of text must arrive exactly as it was sent.
#[wasm_bindgen_test]
async fn chats_of_every_kind_of_text_arrive_as_they_were_sent() {
    let user = unique_user("texts");
    let client = client(&user, "{}");
    let chats = Recorder::new();
    let _c = client.on_chat(chats.callback()).unwrap();
    client.connect();
    wait_for("open", WAIT_MS, || client.state() == "open").await;
    let texts = [
        "plain ascii".to_owned(),
        "quotes \" and \\ and\ncontrol \u{1} <b>".to_owned(),
        "accents é, emoji 😀, CJK 漢字".to_owned(),
        "a".repeat(5_000),
        format!("{}é", "b".repeat(3_000)),
    ];
    let mut ids = Vec::new();
    for text in &texts {
        let id = client
            .send_chat(user.as_str().into(), text.as_str().into(), None)
            .map_err(JsValue::from)
            .unwrap();
        ids.push(id.as_string().expect("sendChat returns a string id"));
    }
    wait_for("the chats to come back", WAIT_MS, || {
        chats.len() >= texts.len() as u32
    })
    .await;
    for (index, (text, id)) in texts.iter().zip(&ids).enumerate() {
        let index = index as u32;
        assert_eq!(
            chats.field(index, "message").as_string().as_ref(),
            Some(text)
        );
        assert_eq!(chats.field(index, "id").as_string().as_ref(), Some(id));
    }
}

#[wasm_bindgen_test]
async fn sends_while_connecting_and_reconnecting_are_flushed_in_order_after_init() {
    let user = unique_user("queue");
    let client = client(&user, r#"{"reconnect":{"baseDelayMs":800,"jitter":0}}"#);
    let send = |text: &str| {
        client
            .send_chat(user.as_str().into(), text.into(), None)
            .map_err(JsValue::from)
            .unwrap()
    };
    send("q1");
    send("q2");
    client.connect();
    assert_eq!(client.state(), "connecting");
    send("q3");
    assert_eq!(client.queued(), 3);
    wait_for("open", WAIT_MS, || client.state() == "open").await;
    wait_for_async("four frames", WAIT_MS, || async {
        frames_from(&user).await.len() >= 4
    })
    .await;

    control("POST", &format!("/drop?user={user}"), None).await;
    wait_for("reconnecting", WAIT_MS, || client.state() == "reconnecting").await;
    assert_eq!(client.attempt(), 1);
    send("q4");
    send("q5");
    send("q6");
    assert_eq!(client.queued(), 3);
    wait_for("open again", WAIT_MS, || client.state() == "open").await;
    wait_for_async("eight frames", WAIT_MS, || async {
        frames_from(&user).await.len() >= 8
    })
    .await;

    let frames = frames_from(&user).await;
    let summary: Vec<String> = frames
        .iter()
        .map(|f| match frame_type(f).as_str() {
            "chat" => frame_field(f, "message").as_string().unwrap(),
            other => other.to_owned(),
        })
        .collect();
    assert_eq!(
        summary,
        ["init", "q1", "q2", "q3", "init", "q4", "q5", "q6"]
    );
    assert_eq!(client.queued(), 0);
}

#[wasm_bindgen_test]
async fn a_policy_close_1008_does_not_reconnect() {
    let user = unique_user("policy");
    let client = client(&user, r#"{"reconnect":{"baseDelayMs":50}}"#);
    let closes = Recorder::new();
    let _c = client.on_close(closes.callback()).unwrap();
    open(&client).await;
    control(
        "POST",
        &format!("/close?user={user}&code=1008&reason=policy"),
        None,
    )
    .await;
    wait_for("closed", WAIT_MS, || client.state() == "closed").await;
    assert_eq!(closes.field(0, "code"), 1008);
    assert_eq!(closes.field(0, "reason"), "policy");
    TimeoutFuture::new(500).await;
    assert_eq!(client.state(), "closed", "no reconnect after 1008");
    assert!(frames_from(&user).await.len() == 1, "only the first init");
}

#[wasm_bindgen_test]
async fn malformed_frames_each_raise_one_typed_error_with_the_frame_and_still_reach_on_message() {
    let user = unique_user("fuzz");
    let client = client(&user, "{}");
    let (errors, chats, messages) = (Recorder::new(), Recorder::new(), Recorder::new());
    let _e = client.on_error(errors.callback()).unwrap();
    let _c = client.on_chat(chats.callback()).unwrap();
    open(&client).await;
    let _m = client.on_message(messages.callback()).unwrap();
    let oversized = format!(r#"{{"type":"chat","message":"{}"}}"#, "x".repeat(70_000));
    server_sends(
        &user,
        &[
            "not json",
            r#"{"type":"chat","fromUserId":"bob"}"#,
            "[1,2]",
            &oversized,
        ],
        false,
    )
    .await;
    server_sends(&user, &["\u{1}binary"], true).await;
    server_sends(
        &user,
        &[r#"{"type":"chat","fromUserId":"bob","message":"still here","timestamp":"2026-01-01T00:00:00Z"}"#],
        false,
    )
    .await;
    wait_for("the valid chat", WAIT_MS, || chats.len() >= 1).await;
    let codes: Vec<String> = (0..errors.len())
        .map(|i| errors.field(i, "code").as_string().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "invalid_json",
            "invalid_frame",
            "invalid_frame",
            "frame_too_large",
            "binary_frame"
        ]
    );
    assert!(errors.get(0).is_instance_of::<js_sys::Error>());
    // Each error carries the frame as received; only the oversized one,
    // never parsed, does not reach onMessage.
    assert_eq!(errors.field(0, "frame"), "not json");
    assert_eq!(
        errors.field(3, "frame").as_string().map(|f| f.len()),
        Some(oversized.len())
    );
    assert!(errors
        .field(4, "frame")
        .is_instance_of::<js_sys::ArrayBuffer>());
    // The server's presence notices (other tests' users joining) may come
    // in between: they are not part of this test.
    let messages: Vec<JsValue> = (0..messages.len())
        .map(|i| messages.get(i))
        .filter(|message| {
            Reflect::get(message, &"type".into())
                .ok()
                .and_then(|t| t.as_string())
                != Some("notification".into())
        })
        .collect();
    let field = |i: usize, name: &str| Reflect::get(&messages[i], &name.into()).unwrap();
    assert_eq!(messages.len(), 5, "every frame but the oversized one");
    assert_eq!(messages[0], "not json");
    assert_eq!(field(1, "fromUserId"), "bob");
    assert!(Array::is_array(&messages[2]));
    assert!(messages[3].is_instance_of::<js_sys::ArrayBuffer>());
    assert_eq!(field(4, "message"), "still here");
    assert_eq!(chats.len(), 1, "onChat gets only the valid chat");
    assert_eq!(chats.field(0, "message"), "still here");
    assert_eq!(client.state(), "open");
}

#[wasm_bindgen_test]
async fn unsubscribe_stops_delivery_and_a_throwing_callback_does_not_stop_the_next() {
    let user = unique_user("subs");
    let client = client(&user, "{}");
    let (kept, dropped, errors) = (Recorder::new(), Recorder::new(), Recorder::new());
    let thrower: Function = Function::new_no_args("throw new Error('boom')");
    let _throwing = client.on_notification(thrower.unchecked_into()).unwrap();
    let _kept = client.on_notification(kept.callback()).unwrap();
    let _errors = client.on_error(errors.callback()).unwrap();
    let subscription = client.on_notification(dropped.callback()).unwrap();
    subscription.unsubscribe();
    subscription.unsubscribe();
    open(&client).await;
    wait_for("the join notification", WAIT_MS, || kept.len() >= 1).await;
    assert_eq!(dropped.len(), 0);
    assert_eq!(errors.field(0, "code"), "callback_failed");
    assert!(errors
        .field(0, "message")
        .as_string()
        .unwrap()
        .contains("boom"));
}

#[wasm_bindgen_test]
async fn providers_give_the_url_and_a_token_that_travels_in_init_only() {
    let user = unique_user("token");
    let options = Object::new();
    let url_provider = Function::new_with_args(
        "attempt",
        &format!("return Promise.resolve('{}')", ws_url()),
    );
    Reflect::set(&options, &"url".into(), &url_provider).unwrap();
    Reflect::set(&options, &"userId".into(), &user.as_str().into()).unwrap();
    Reflect::set(
        &options,
        &"token".into(),
        &Function::new_no_args("return 's3cret'"),
    )
    .unwrap();
    let client = Client::new(options.unchecked_into())
        .map_err(JsValue::from)
        .unwrap();
    open(&client).await;
    wait_for_async("init", WAIT_MS, || async {
        !frames_from(&user).await.is_empty()
    })
    .await;
    assert_eq!(frame_field(&frames_from(&user).await[0], "token"), "s3cret");
}

#[wasm_bindgen_test]
async fn a_provider_that_fails_fails_its_attempt_with_endpoint_failed_and_the_next_one_connects() {
    // Each case: the mode, its providers (bodies of `(attempt) => …`; on
    // attempt 0 one of them fails, on the retry they all succeed) and what
    // the error says. Every case has a token or hello provider after the
    // url provider, which counts how often it is asked.
    let url = ws_url();
    let good_url = format!("return '{url}'");
    let counted = |produced: &str| format!("globalThis.laterAsks += 1; return {produced}");
    for (mode, providers, expected, later_asks) in [
        (
            "wsnotify",
            [
                format!("if (attempt === 0) return Promise.reject(new RangeError('no url yet')); return '{url}'"),
                counted("'t'"),
            ],
            "url: RangeError: no url yet",
            1,
        ),
        (
            "wsnotify",
            [
                format!("if (attempt === 0) throw 'thrown'; return '{url}'"),
                counted("'t'"),
            ],
            "url: thrown",
            1,
        ),
        (
            "wsnotify",
            [
                format!("return attempt === 0 ? 42 : '{url}'"),
                counted("'t'"),
            ],
            "url: the provider must produce a string",
            1,
        ),
        (
            "wsnotify",
            [good_url.clone(), counted("attempt === 0 ? 42 : 't'")],
            "token: the provider must produce a string, undefined or null",
            2,
        ),
        (
            "wsnotify",
            [
                good_url.clone(),
                counted("attempt === 0 ? Promise.reject(new Error('expired')) : 't'"),
            ],
            "token: Error: expired",
            2,
        ),
        (
            "generic",
            [
                good_url.clone(),
                counted("attempt === 0 ? Promise.reject(new Error('no hello')) : { type: 'hi' }"),
            ],
            "hello: Error: no hello",
            2,
        ),
        (
            "generic",
            [good_url.clone(), counted("attempt === 0 ? Symbol('x') : 'hi'")],
            "hello: the provider must produce a string or a JSON-serialisable value",
            2,
        ),
    ] {
        Reflect::set(&js_sys::global(), &"laterAsks".into(), &0.into()).unwrap();
        let options = JSON::parse(
            r#"{"reconnect":{"baseDelayMs":10,"maxDelayMs":10,"jitter":0}}"#,
        )
        .unwrap();
        let set = |key: &str, value: &JsValue| {
            Reflect::set(&options, &key.into(), value).unwrap();
        };
        let provider = |body: &str| JsValue::from(Function::new_with_args("attempt", body));
        set("mode", &mode.into());
        set("url", &provider(&providers[0]));
        match mode {
            "generic" => set("hello", &provider(&providers[1])),
            _ => {
                set("token", &provider(&providers[1]));
                set("userId", &unique_user("provider").into());
            }
        }
        let client = Client::new(options.unchecked_into())
            .map_err(JsValue::from)
            .unwrap();
        let errors = Recorder::new();
        let _e = client.on_error(errors.callback()).unwrap();
        open(&client).await;
        assert_eq!(errors.len(), 1, "{expected}");
        assert_eq!(errors.field(0, "code"), "endpoint_failed", "{expected}");
        let message = errors.field(0, "message").as_string().unwrap();
        assert!(message.ends_with(expected), "{message} for {expected}");
        // A provider is asked once the one before it has produced what it
        // must: after a failing url provider, the later one is not asked.
        let asked = Reflect::get(&js_sys::global(), &"laterAsks".into()).unwrap();
        assert_eq!(asked, later_asks, "later provider asked for {expected}");
    }
}

#[wasm_bindgen_test]
async fn a_url_the_browser_refuses_is_a_typed_error_not_a_panic() {
    let options = JSON::parse(r#"{"url":"http://[not a url","userId":"x"}"#).unwrap();
    let client = Client::new(options.unchecked_into())
        .map_err(JsValue::from)
        .unwrap();
    let errors = Recorder::new();
    let _e = client.on_error(errors.callback()).unwrap();
    client.connect();
    assert_eq!(errors.field(0, "code"), "open_failed");
    assert!(errors
        .field(0, "message")
        .as_string()
        .unwrap()
        .contains("SyntaxError"));
    assert_eq!(client.state(), "closed");
}

#[wasm_bindgen_test]
fn invalid_options_and_sends_are_typed_errors() {
    let code = |error: JsValue| Reflect::get(&error, &"code".into()).unwrap();
    for options in [
        "42",
        r#"{"userId":"x"}"#,
        r#"{"url":"ws://x","userId":""}"#,
        r#"{"url":"ws://x","userId":"x","reconnect":{"factor":0.5}}"#,
        r#"{"url":"ws://x","userId":"x","heartbeat":{"intervalMs":0}}"#,
        r#"{"url":"ws://x","userId":"x","typo":1}"#,
        r#"{"url":"ws://x","userId":"x","reconnect":{"maxRetry":3}}"#,
    ] {
        let Err(error) = Client::new(JSON::parse(options).unwrap().unchecked_into()) else {
            panic!("options accepted: {options}");
        };
        assert_eq!(code(error.into()), "invalid_options", "{options}");
    }
    let client = client("x", r#"{"outbox":{"maxFrames":1}}"#);
    client
        .send_text("{}".into(), None)
        .map_err(JsValue::from)
        .unwrap();
    assert_eq!(
        code(client.send_text("{}".into(), None).unwrap_err().into()),
        "outbox_full"
    );
    assert_eq!(
        code(client.send_json(JsValue::from(5), None).unwrap_err().into()),
        "not_serializable"
    );
    assert_eq!(
        code(client.close(Some(1001.into()), None).unwrap_err().into()),
        "invalid_close_code"
    );
    assert_eq!(
        code(
            client
                .on_chat(JsValue::from(1).unchecked_into())
                .err()
                .unwrap()
                .into()
        ),
        "invalid_callback"
    );
}

/// With several problems in the options, the error names the first one the
/// parser meets (it reads `mode`, `userId`, `url`, … `persist`, then looks
/// for unknown keys, then checks the ranges of the numbers it read),
/// whatever else is wrong after it.
#[wasm_bindgen_test]
fn invalid_options_name_their_first_problem() {
    for (options, message) in [
        (
            r#"{"mode":"nope","userId":"","typo":1}"#,
            r#"mode must be "wsnotify" or "generic""#,
        ),
        (
            r#"{"url":"ws://x","userId":"x","reconnect":{"factor":0.5,"jitter":2}}"#,
            "reconnect.factor must be a finite number >= 1",
        ),
        (
            r#"{"url":"ws://x","userId":"x","reconnect":{"factor":0.5},"typo":1}"#,
            "unknown option `typo`",
        ),
        (
            r#"{"url":"ws://x","userId":"x","connectTimeout":0,"reconnect":{"baseDelayMs":9,"maxDelayMs":8}}"#,
            "connectTimeout must be greater than 0",
        ),
        (
            r#"{"url":"ws://x","userId":"x","reconnect":{"baseDelayMs":9,"maxDelayMs":8}}"#,
            "reconnect.maxDelayMs must be at least the base delay",
        ),
        (
            r#"{"url":[],"userId":"x","heartbeat":{"intervalMs":0}}"#,
            "url must be a string, a non-empty array of strings or a function",
        ),
        (
            r#"{"url":"ws://x","userId":"x","reconnect":{"maxRetry":3},"outbox":5}"#,
            "unknown option `reconnect.maxRetry`",
        ),
        (
            r#"{"url":"ws://x","userId":"x","resume":{"lastSeq":-1}}"#,
            "resume.lastSeq must be a whole number from 0 to 2^53 - 1",
        ),
        (
            r#"{"url":"ws://x","userId":"x","resume":{"lastSeq":9007199254740992}}"#,
            "resume.lastSeq must be a whole number from 0 to 2^53 - 1",
        ),
        (
            r#"{"url":"ws://x","userId":"x","resume":{"lastSeq":1e300}}"#,
            "resume.lastSeq must be a whole number from 0 to 2^53 - 1",
        ),
        (
            r#"{"url":"ws://x","mode":"generic","delivery":"at-least-once","persist":true}"#,
            r#"delivery "at-least-once" needs the acks of the wsnotify mode"#,
        ),
    ] {
        let Err(error) = Client::new(JSON::parse(options).unwrap().unchecked_into()) else {
            panic!("options accepted: {options}");
        };
        let error = JsValue::from(error);
        assert_eq!(
            Reflect::get(&error, &"message".into()).unwrap(),
            format!("invalid client options: {message}"),
            "{options}"
        );
    }
}

/// Past the first problem, the parser reads nothing more from the options
/// object: an application's getter (or proxy trap) after it does not run.
#[wasm_bindgen_test]
fn invalid_options_read_nothing_past_the_first_problem() {
    let url_reads = |mode: &str| {
        let counter = JSON::parse(r#"{"reads":0}"#).unwrap();
        let getter = Function::new_with_args("", "this.reads++; return 'ws://x'").bind0(&counter);
        let options = JSON::parse(&format!(r#"{{"mode":"{mode}","userId":"x"}}"#)).unwrap();
        let descriptor = JSON::parse(r#"{"enumerable":true}"#).unwrap();
        Reflect::set(&descriptor, &"get".into(), &getter).unwrap();
        Object::define_property(
            options.unchecked_ref::<Object>(),
            &"url".into(),
            descriptor.unchecked_ref::<Object>(),
        );
        let created = Client::new(options.unchecked_into()).map_err(JsValue::from);
        let reads = Reflect::get(&counter, &"reads".into()).unwrap();
        (created.is_ok(), reads.as_f64().unwrap())
    };
    assert_eq!(
        url_reads("wsnotify"),
        (true, 1.0),
        "the getter is read once"
    );
    assert_eq!(
        url_reads("nope"),
        (false, 0.0),
        "nothing is read past a bad mode"
    );
}

#[wasm_bindgen_test]
async fn close_rejects_what_is_queued_with_one_error_each() {
    let client = client(&unique_user("reject"), "{}");
    let errors = Recorder::new();
    let _e = client.on_error(errors.callback()).unwrap();
    let ids: Vec<String> = (0..3)
        .map(|n| {
            client
                .send_chat(JsValue::NULL, n.to_string().into(), None)
                .map_err(JsValue::from)
                .unwrap()
                .as_string()
                .expect("sendChat returns a string id")
        })
        .collect();
    client.close(None, None).map_err(JsValue::from).unwrap();
    assert_eq!(errors.len(), 3);
    for (index, id) in ids.iter().enumerate() {
        assert_eq!(errors.field(index as u32, "code"), "closed");
        assert_eq!(
            errors.field(index as u32, "id").as_string().as_ref(),
            Some(id)
        );
    }
}

#[wasm_bindgen_test]
async fn heartbeat_keeps_a_healthy_connection_open() {
    let user = unique_user("heart");
    let client = client(&user, r#"{"heartbeat":{"intervalMs":100,"timeoutMs":300}}"#);
    let states = Recorder::new();
    let _s = client.on_state_change(states.callback()).unwrap();
    open(&client).await;
    TimeoutFuture::new(800).await;
    assert_eq!(client.state(), "open");
    let pings = frames_from(&user)
        .await
        .iter()
        .filter(|f| frame_type(f) == "ping")
        .count();
    assert!(pings >= 4, "{pings} pings");
    assert_eq!(states.len(), 2, "connecting, open and nothing else");
    assert_eq!(states.field(1, "state"), "open");
}

#[wasm_bindgen_test]
async fn a_thousand_connect_close_cycles_leak_neither_memory_nor_connections() {
    let user = unique_user("cycle");
    let cycle = || async {
        let client = client(&user, "{}");
        let opened = Recorder::new();
        let closed = Recorder::new();
        let _o = client.on_open(opened.callback()).unwrap();
        let _c = client.on_close(closed.callback()).unwrap();
        client.connect();
        wait_for("open", WAIT_MS, || opened.len() == 1).await;
        client.close(None, None).map_err(JsValue::from).unwrap();
        wait_for("close", WAIT_MS, || closed.len() == 1).await;
    };
    for _ in 0..20 {
        cycle().await;
    }
    let before = wasm_memory_bytes();
    for _ in 0..1_000 {
        cycle().await;
    }
    let grown = wasm_memory_bytes() - before;
    assert!(grown < 64 * 1024, "wasm memory grew by {grown} bytes");
    // The server counts a socket until its close completes; on a loaded
    // machine the last of a thousand may take longer than one usual wait.
    wait_for_async("no connection left", 3 * WAIT_MS, || async {
        server_connections().await == 0
    })
    .await;
}
