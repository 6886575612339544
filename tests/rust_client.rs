//! Browser tests of the Rust client (`wsnotify::client`), run by
//! `wasm-bindgen-test` in headless Chromium against the reference server on
//! loopback (see `browser_support`); `npm test` runs them with the `serde`
//! feature, for the typed frames.
#![cfg(target_arch = "wasm32")]

mod browser_support;

use std::cell::RefCell;
use std::rc::Rc;

use browser_support::*;
use futures_util::StreamExt;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen_test::*;
use wsnotify::client::{
    Chat, Client, Delivery, DeliveryState, DeliveryStatus, DeliveryUpdate, Error, Event, Events,
    HeartbeatConfig, Mode, Options, OutboxLimits, PerAttempt, ReconnectPolicy, Resume, State,
    Subscription, TextProvider,
};

wasm_bindgen_test_configure!(run_in_browser);

fn options(user: &str) -> Options {
    Options {
        url: ws_url().into(),
        user_id: Some(user.to_owned()),
        ..Options::default()
    }
}

/// A list the callbacks append to, shared with the test.
fn recorder<T>() -> Rc<RefCell<Vec<T>>> {
    Rc::new(RefCell::new(Vec::new()))
}

/// What `events` yields until it ends (at most 50 events).
async fn until_ended(events: &mut Events) -> Vec<Event> {
    let mut seen = Vec::new();
    for _ in 0..50 {
        let Some(event) = events.next().await else {
            break;
        };
        seen.push(event);
    }
    seen
}

async fn open(client: &Client) {
    client.connect();
    wait_for("open", WAIT_MS, || client.state() == State::Open).await;
}

#[wasm_bindgen_test]
async fn two_rust_clients_chat_both_ways() {
    let (ada, bob) = (unique_user("rust-ada"), unique_user("rust-bob"));
    let (a, b) = (
        Client::new(options(&ada)).unwrap(),
        Client::new(options(&bob)).unwrap(),
    );
    let (to_a, to_b) = (recorder::<Chat>(), recorder::<Chat>());
    let record = |list: &Rc<RefCell<Vec<Chat>>>| {
        let list = Rc::clone(list);
        move |chat: &Chat| list.borrow_mut().push(chat.clone())
    };
    let _a = a.on_chat(record(&to_a));
    let _b = b.on_chat(record(&to_b));
    open(&a).await;
    open(&b).await;
    a.send_chat(Some(&bob), "hello bob").unwrap();
    b.send_chat(Some(&ada), "hello ada").unwrap();
    let from = |list: &Rc<RefCell<Vec<Chat>>>, sender: &str, text: &str| {
        list.borrow()
            .iter()
            .any(|chat| chat.from_user_id == sender && chat.message == text)
    };
    wait_for("bob's chat at ada", WAIT_MS, || {
        from(&to_a, &bob, "hello ada")
    })
    .await;
    wait_for("ada's chat at bob", WAIT_MS, || {
        from(&to_b, &ada, "hello bob")
    })
    .await;
    let chat = to_b
        .borrow()
        .iter()
        .find(|chat| chat.from_user_id == ada)
        .cloned()
        .unwrap();
    assert_eq!(chat.to_user_id.as_deref(), Some(bob.as_str()));
    assert!(chat.seq.is_some() && chat.epoch.is_some() && !chat.timestamp.is_empty());
}

#[wasm_bindgen_test]
async fn a_client_resumes_after_its_last_chat_and_chats_keep_the_ids_the_application_chose() {
    let (ada, bob) = (
        unique_user("rust-resume-ada"),
        unique_user("rust-resume-bob"),
    );
    let a = Client::new(Options {
        delivery: Delivery::AtLeastOnce,
        ..options(&ada)
    })
    .unwrap();
    assert_eq!(a.delivery(), DeliveryState::AtLeastOnce);
    let statuses = recorder::<DeliveryUpdate>();
    let _statuses = a.on_delivery({
        let statuses = Rc::clone(&statuses);
        move |update| statuses.borrow_mut().push(update.clone())
    });
    let chats = recorder::<Chat>();
    let record = || {
        let chats = Rc::clone(&chats);
        move |chat: &Chat| chats.borrow_mut().push(chat.clone())
    };
    let first_bob = Client::new(options(&bob)).unwrap();
    let subscription = first_bob.on_chat(record());
    open(&a).await;
    open(&first_bob).await;

    let id = a
        .send_chat_with_id(Some(&bob), "seen", "rust-chosen-1")
        .unwrap();
    assert_eq!(id, "rust-chosen-1");
    wait_for("the first chat at bob", WAIT_MS, || {
        chats.borrow().len() == 1
    })
    .await;
    let seen = chats.borrow()[0].clone();
    assert_eq!(seen.id.as_deref(), Some("rust-chosen-1"));
    wait_for("its ack", WAIT_MS, || {
        statuses
            .borrow()
            .iter()
            .any(|update| update.id == id && update.status == DeliveryStatus::Acked)
    })
    .await;
    drop(subscription);
    drop(first_bob);

    // Bob is away: the server keeps what comes for him.
    a.send_chat_with_id(Some(&bob), "missed", "rust-chosen-2")
        .unwrap();
    wait_for("the second ack", WAIT_MS, || {
        statuses
            .borrow()
            .iter()
            .any(|update| update.id == "rust-chosen-2" && update.status == DeliveryStatus::Acked)
    })
    .await;
    let bob_again = Client::new(Options {
        resume: Some(Resume {
            last_seq: seen.seq.unwrap(),
            epoch: seen.epoch.clone(),
        }),
        ..options(&bob)
    })
    .unwrap();
    let _chats = bob_again.on_chat(record());
    open(&bob_again).await;
    wait_for("the missed chat at bob", WAIT_MS, || {
        chats.borrow().len() == 2
    })
    .await;
    let missed = chats.borrow()[1].clone();
    assert_eq!(
        missed.message, "missed",
        "only what came after the position"
    );
    assert_eq!(missed.id.as_deref(), Some("rust-chosen-2"));
    assert_eq!(missed.seq, seen.seq.map(|seq| seq + 1));

    let error = a.send_chat_with_id(None, "no id", "").unwrap_err();
    assert_eq!(error.code(), "invalid_id");
}

#[cfg(feature = "serde")]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Custom {
    r#type: String,
    n: u32,
    text: String,
}

#[cfg(feature = "serde")]
#[wasm_bindgen_test]
async fn a_typed_frame_round_trips_and_a_frame_of_the_wrong_shape_is_one_error() {
    let user = unique_user("rust-typed");
    let client = Client::new(options(&user)).unwrap();
    use wsnotify::client::Error;
    let (typed, errors) = (recorder::<Custom>(), recorder::<Error>());
    let sink = Rc::clone(&typed);
    let _typed = client.on::<Custom>("custom", move |frame| sink.borrow_mut().push(frame));
    let sink = Rc::clone(&errors);
    let _errors = client.on_error(move |error| sink.borrow_mut().push(error.clone()));
    open(&client).await;
    let sent = Custom {
        r#type: "custom".into(),
        n: 7,
        text: "héllo \"you\"".into(),
    };
    client.send_json(&sent).unwrap();
    let user_ = user.clone();
    wait_for_async("the frame at the server", WAIT_MS, move || {
        let user = user_.clone();
        async move {
            frames_from(&user)
                .await
                .iter()
                .any(|f| f.contains("custom"))
        }
    })
    .await;
    let text = frames_from(&user)
        .await
        .into_iter()
        .find(|frame| frame.contains("custom"))
        .unwrap();
    // The server sends it back as it was sent, after one of the wrong shape.
    server_sends(&user, &[r#"{"type":"custom","n":"seven"}"#, &text], false).await;
    wait_for("the typed frame", WAIT_MS, || !typed.borrow().is_empty()).await;
    assert_eq!(*typed.borrow(), [sent]);
    // The reference server refuses the custom frame (`invalid_message`);
    // the frame of the wrong shape is one mismatch.
    let errors = errors.borrow();
    let mismatches: Vec<&Error> = errors
        .iter()
        .filter(|error| error.code() == "invalid_frame")
        .collect();
    assert_eq!(mismatches.len(), 1, "{errors:?}");
    assert!(matches!(mismatches[0], Error::Mismatch { kind, .. } if kind == "custom"));
    assert_eq!(client.state(), State::Open);
}

#[wasm_bindgen_test]
async fn a_dropped_subscription_stops_its_callback() {
    let user = unique_user("rust-subs");
    let client = Client::new(options(&user)).unwrap();
    let (kept, dropped) = (recorder::<String>(), recorder::<String>());
    let sink = Rc::clone(&kept);
    let _kept = client.on_kind("ping-test", move |_| sink.borrow_mut().push("kept".into()));
    let sink = Rc::clone(&dropped);
    let subscription = client.on_kind("ping-test", move |_| {
        sink.borrow_mut().push("dropped".into())
    });
    drop(subscription);
    open(&client).await;
    server_sends(&user, &[r#"{"type":"ping-test"}"#], false).await;
    wait_for("the frame", WAIT_MS, || !kept.borrow().is_empty()).await;
    TimeoutFuture::new(50).await;
    assert!(dropped.borrow().is_empty());
}

#[wasm_bindgen_test]
async fn dropping_the_client_closes_its_socket() {
    let user = unique_user("rust-drop");
    let client = Client::new(options(&user)).unwrap();
    open(&client).await;
    let before = server_connections().await;
    drop(client);
    wait_for_async("the server to see the close", WAIT_MS, || async move {
        server_connections().await < before
    })
    .await;
}

#[wasm_bindgen_test]
async fn the_event_stream_ends_when_the_client_closes() {
    let user = unique_user("rust-stream");
    let client = Client::new(options(&user)).unwrap();
    let mut events = client.events();
    open(&client).await;
    client.close(1000, "done").unwrap();
    let seen = until_ended(&mut events).await;
    assert!(
        matches!(seen.first(), Some(Event::StateChange(change)) if change.state == State::Connecting)
    );
    assert!(seen.iter().any(|event| matches!(event, Event::Open)));
    assert!(
        matches!(seen.last(), Some(Event::StateChange(change)) if change.state == State::Closed),
        "{seen:?}"
    );
    assert!(events.next().await.is_none(), "ended for good");
}

#[wasm_bindgen_test]
async fn a_thousand_clients_created_and_dropped_leave_memory_flat() {
    let cycle = || {
        let client = Client::new(Options {
            url: "ws://127.0.0.1:9/unused".into(),
            user_id: Some("cycle".into()),
            ..Options::default()
        })
        .unwrap();
        let _chats = client.on_chat(|_| {});
        let _events = client.events();
        client.connect();
        client.send_chat(None, "queued").unwrap();
    };
    for _ in 0..100 {
        cycle();
    }
    TimeoutFuture::new(100).await;
    let before = wasm_memory_bytes();
    for _ in 0..1_000 {
        cycle();
    }
    TimeoutFuture::new(100).await;
    assert_eq!(wasm_memory_bytes(), before, "wasm memory grew");
}

#[wasm_bindgen_test]
fn a_callback_that_owns_subscriptions_can_be_dropped_and_can_drop_its_own() {
    let client = Client::new(options(&unique_user("rust-owns"))).unwrap();
    // A callback holding another subscription (a component's list of them).
    let inner = client.on_open(|| {});
    let outer = client.on_event(move |_| {
        let _ = &inner;
    });
    drop(outer);
    // A callback that unsubscribes itself ("once"), dropped with the client.
    let slot: Rc<RefCell<Option<Subscription>>> = Rc::new(RefCell::new(None));
    let me = Rc::clone(&slot);
    *slot.borrow_mut() = Some(client.on_open(move || {
        me.borrow_mut().take();
    }));
    drop(slot);
    drop(client);
}

#[wasm_bindgen_test]
async fn a_once_callback_unsubscribes_itself_when_it_runs() {
    let client = Client::new(options(&unique_user("rust-once"))).unwrap();
    let calls = recorder::<()>();
    let slot: Rc<RefCell<Option<Subscription>>> = Rc::new(RefCell::new(None));
    let (me, seen) = (Rc::clone(&slot), Rc::clone(&calls));
    *slot.borrow_mut() = Some(client.on_state_change(move |_| {
        seen.borrow_mut().push(());
        me.borrow_mut().take();
    }));
    open(&client).await;
    assert_eq!(calls.borrow().len(), 1, "called once, then unsubscribed");
}

#[wasm_bindgen_test]
async fn the_event_stream_sees_the_give_up_before_it_ends() {
    let client = Client::new(Options {
        url: "ws://127.0.0.1:9/nothing".into(),
        reconnect: Some(ReconnectPolicy {
            max_retries: Some(1),
            base_delay_ms: 10,
            max_delay_ms: 20,
            ..ReconnectPolicy::default()
        }),
        ..options("rust-gives-up")
    })
    .unwrap();
    let mut events = client.events();
    client.connect();
    let seen = until_ended(&mut events).await;
    let gave_up = seen
        .iter()
        .position(|event| matches!(event, Event::GiveUp { retries: 1 }));
    assert_eq!(gave_up, Some(seen.len() - 2), "{seen:?}");
    assert!(
        matches!(seen.last(), Some(Event::StateChange(change)) if change.state == State::Closed),
        "{seen:?}"
    );
}

#[wasm_bindgen_test]
fn options_out_of_range_are_refused_as_the_javascript_api_refuses_them() {
    let base = || options("rust-options");
    let reconnect = |policy: ReconnectPolicy| Some(policy);
    let cases = [
        (
            "connect_timeout_ms",
            Options {
                connect_timeout_ms: 0,
                ..base()
            },
        ),
        (
            "max_frame_bytes",
            Options {
                max_frame_bytes: 0,
                ..base()
            },
        ),
        (
            "max_buffered_bytes",
            Options {
                max_buffered_bytes: 0,
                ..base()
            },
        ),
        (
            "ack_timeout_ms",
            Options {
                ack_timeout_ms: 0,
                ..base()
            },
        ),
        (
            "outbox.max_frames",
            Options {
                outbox: OutboxLimits {
                    max_frames: 0,
                    ..OutboxLimits::default()
                },
                ..base()
            },
        ),
        (
            "reconnect.jitter",
            Options {
                reconnect: reconnect(ReconnectPolicy {
                    jitter: 5.0,
                    ..Default::default()
                }),
                ..base()
            },
        ),
        (
            "reconnect.factor",
            Options {
                reconnect: reconnect(ReconnectPolicy {
                    factor: f64::NAN,
                    ..Default::default()
                }),
                ..base()
            },
        ),
        (
            "reconnect.base_delay_ms",
            Options {
                reconnect: reconnect(ReconnectPolicy {
                    base_delay_ms: 0,
                    ..Default::default()
                }),
                ..base()
            },
        ),
        (
            "reconnect.max_delay_ms",
            Options {
                reconnect: reconnect(ReconnectPolicy {
                    base_delay_ms: 5_000,
                    max_delay_ms: 10,
                    ..Default::default()
                }),
                ..base()
            },
        ),
        (
            "heartbeat.interval_ms",
            Options {
                heartbeat: Some(HeartbeatConfig {
                    interval_ms: 0,
                    ..HeartbeatConfig::default()
                }),
                ..base()
            },
        ),
        (
            "resume.last_seq",
            Options {
                resume: Some(Resume {
                    last_seq: 1 << 53,
                    epoch: None,
                }),
                ..base()
            },
        ),
        (
            "url",
            Options {
                url: Default::default(),
                ..base()
            },
        ),
        (
            "list",
            Options {
                url: vec![ws_url().to_owned(), String::new()].into(),
                ..base()
            },
        ),
    ];
    for (field, options) in cases {
        match Client::new(options) {
            Err(error) => {
                assert_eq!(error.code(), "invalid_options", "{field}: {error}");
                assert!(error.to_string().contains(field), "{field}: {error}");
            }
            Ok(_) => panic!("{field}: accepted"),
        }
    }
    assert!(Client::new(base()).is_ok(), "the defaults are in range");
}

#[cfg(feature = "serde")]
#[wasm_bindgen_test]
fn send_json_refuses_anything_but_an_object() {
    let client = Client::new(options(&unique_user("rust-json"))).unwrap();
    let refused = [
        client.send_json(&42),
        client.send_json(&[1, 2]),
        client.send_json("text"),
    ];
    for result in refused {
        assert_eq!(
            result.map_err(|error| error.code().to_owned()),
            Err("not_serializable".to_owned())
        );
    }
    let object = std::collections::BTreeMap::from([("type", "typing")]);
    assert!(client.send_json(&object).is_ok(), "an object is sent");
}

/// A provider of `text(attempt)`, failing on the attempts in `failing`;
/// records every attempt it is asked for.
fn numbered(
    text: impl Fn(u32) -> String + 'static,
    failing: &'static [u32],
    asked: &Rc<RefCell<Vec<u32>>>,
) -> TextProvider {
    let asked = Rc::clone(asked);
    Rc::new(move |attempt| {
        asked.borrow_mut().push(attempt);
        let produced = match failing.contains(&attempt) {
            true => Err("no session yet".to_owned()),
            false => Ok(Some(text(attempt))),
        };
        Box::pin(async move {
            TimeoutFuture::new(10).await;
            produced
        })
    })
}

fn quick_reconnect() -> Option<ReconnectPolicy> {
    Some(ReconnectPolicy {
        base_delay_ms: 20,
        max_delay_ms: 100,
        ..ReconnectPolicy::default()
    })
}

#[wasm_bindgen_test]
async fn a_token_provider_is_asked_before_each_attempt_and_a_failure_is_endpoint_failed() {
    let user = unique_user("rust-token");
    let asked = recorder::<u32>();
    let client = Client::new(Options {
        token: PerAttempt::Provider(numbered(|n| format!("token-{n}"), &[1], &asked)),
        reconnect: quick_reconnect(),
        ..options(&user)
    })
    .unwrap();
    let errors = recorder::<Error>();
    let _errors = client.on_error({
        let errors = Rc::clone(&errors);
        move |error| errors.borrow_mut().push(error.clone())
    });
    open(&client).await;
    let inits = || {
        let user = user.clone();
        async move {
            frames_from(&user)
                .await
                .iter()
                .filter(|frame| frame.contains(r#""type":"init""#))
                .filter_map(|frame| {
                    let start = frame.find(r#""token":""#)? + 9;
                    Some(frame[start..start + frame[start..].find('"')?].to_owned())
                })
                .collect::<Vec<String>>()
        }
    };
    // The server knows the socket by its user once it has read the init.
    wait_for_async("the first init at the server", WAIT_MS, || async {
        inits().await.len() == 1
    })
    .await;
    control("POST", &format!("/drop?user={user}"), None).await;
    wait_for_async("the second init at the server", WAIT_MS, || async {
        inits().await.len() == 2
    })
    .await;
    assert_eq!(
        inits().await,
        ["token-0", "token-2"],
        "a fresh token each time"
    );
    assert_eq!(*asked.borrow(), [0, 1, 2]);
    let failed: Vec<String> = errors
        .borrow()
        .iter()
        .filter(|error| error.code() == "endpoint_failed")
        .map(Error::to_string)
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].contains("token: no session yet"), "{failed:?}");
}

#[wasm_bindgen_test]
async fn a_hello_provider_gives_the_generic_mode_a_first_frame_per_attempt() {
    let user = unique_user("rust-hello");
    let asked = recorder::<u32>();
    // The reference server takes an `init` as the first frame.
    let hello = numbered(
        {
            let user = user.clone();
            move |n| format!(r#"{{"type":"init","userId":"{user}","token":"hello-{n}"}}"#)
        },
        &[],
        &asked,
    );
    let client = Client::new(Options {
        url: ws_url().into(),
        mode: Mode::Generic,
        hello: PerAttempt::Provider(hello),
        reconnect: quick_reconnect(),
        ..Options::default()
    })
    .unwrap();
    open(&client).await;
    wait_for_async("the first hello at the server", WAIT_MS, || {
        let user = user.clone();
        async move { !frames_from(&user).await.is_empty() }
    })
    .await;
    control("POST", &format!("/drop?user={user}"), None).await;
    wait_for_async("both hellos at the server", WAIT_MS, || {
        let user = user.clone();
        async move {
            let frames = frames_from(&user).await;
            frames
                .iter()
                .filter(|frame| frame.contains("hello-"))
                .count()
                == 2
        }
    })
    .await;
    let frames = frames_from(&user).await;
    let hellos: Vec<&String> = frames
        .iter()
        .filter(|frame| frame.contains("hello-"))
        .collect();
    assert!(
        hellos[0].contains("hello-0") && hellos[1].contains("hello-1"),
        "{hellos:?}"
    );

    assert_eq!(*asked.borrow(), [0, 1]);

    let refused = Client::new(Options {
        hello: PerAttempt::Provider(numbered(|n| format!("hello-{n}"), &[], &asked)),
        ..options(&unique_user("rust-hello-wsnotify"))
    });
    assert_eq!(
        refused
            .err()
            .map(|error| error.code().to_owned())
            .as_deref(),
        Some("invalid_options"),
        "the wsnotify mode sends init, not a hello"
    );
}
