//! One test per rule of the connection engine (shared/DESIGN.md §3).

mod common;

use std::rc::Rc;

use common::*;
use wsnotify::engine::{
    delay_window_ms, CloseInfo, ClosePolicy, Command, ErrorEvent, Event, HeartbeatConfig, Input,
    OutboxLimits, ReconnectPolicy, SendError, State, StateChange, TimerKind, CLOSE_DEAD,
};
use wsnotify::protocol::{decode, DecodeError, FrameType, ServerFrame};

// ── states ──────────────────────────────────────────────────────────────────

#[test]
fn walks_through_every_state_with_one_statechange_each() {
    let mut h = Harness::new(config());
    assert_eq!(h.engine.state(), State::Idle);
    assert_eq!(h.engine.state().ready_state(), 3);
    let mut seen = states(&h.connect());
    assert_eq!(h.engine.state().ready_state(), 0);
    seen.extend(states(&h.input(Input::Opened)));
    assert_eq!(h.engine.state().ready_state(), 1);
    seen.extend(states(&h.drop_with(1006)));
    assert_eq!(h.engine.state().ready_state(), 0);
    seen.extend(states(&h.fire(TimerKind::Reconnect)));
    seen.extend(states(&h.input(Input::Opened)));
    h.engine.close(1000, "bye").unwrap();
    seen.extend(states(&h.commands()));
    assert_eq!(h.engine.state().ready_state(), 2);
    seen.extend(states(&h.drop_with(1000)));
    assert_eq!(h.engine.state().ready_state(), 3);
    use State::*;
    assert_eq!(
        seen,
        [
            Connecting,
            Open,
            Reconnecting,
            Connecting,
            Open,
            Closing,
            Closed
        ]
    );
}

#[test]
fn statechange_carries_attempt_next_delay_and_last_close() {
    let mut h = Harness::new(config());
    h.open();
    let commands = h.drop_with(1011);
    let change = events(&commands)
        .into_iter()
        .find_map(|event| match event {
            Event::StateChange(change) => Some(change),
            _ => None,
        })
        .unwrap();
    let delay = timer_set(&commands, TimerKind::Reconnect).unwrap();
    assert_eq!(
        change,
        StateChange {
            state: State::Reconnecting,
            attempt: 1,
            next_delay_ms: Some(delay),
            last_close: Some(close_info(1011)),
        }
    );
}

// ── init and the outbox ─────────────────────────────────────────────────────

#[test]
fn init_is_the_first_frame_then_the_queue_in_order() {
    let mut h = Harness::new(config());
    let first = h.engine.send_chat(Some("bob"), "one").unwrap();
    let second = h.engine.send_text(r#"{"type":"custom"}"#.into()).unwrap();
    h.connect();
    let third = h.engine.send_chat(None, "three").unwrap();
    assert_eq!(h.engine.queued(), 3);
    let sent = frames(&h.input(Input::Opened));
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[0], r#"{"type":"init","userId":"ada"}"#);
    assert!(sent[1].contains(&first) && sent[1].contains(r#""toUserId":"bob""#));
    assert_eq!(sent[2], r#"{"type":"custom"}"#);
    assert!(sent[3].contains(&third));
    assert_ne!(first, second);
    assert_eq!(h.engine.queued(), 0);
}

#[test]
fn init_is_sent_again_first_on_every_reconnect() {
    let mut h = Harness::new(config());
    h.open();
    h.drop_with(1006);
    h.engine.send_chat(None, "while away").unwrap();
    h.fire(TimerKind::Reconnect);
    let sent = frames(&h.input(Input::Opened));
    assert_eq!(
        sent.iter().map(|f| frame_type(f)).collect::<Vec<_>>(),
        ["init", "chat"]
    );
}

#[test]
fn sends_while_open_go_straight_out() {
    let mut h = Harness::new(config());
    h.open();
    h.engine.send_chat(None, "now").unwrap();
    assert_eq!(h.engine.queued(), 0);
    assert_eq!(frame_type(&frames(&h.commands())[0]), "chat");
}

#[test]
fn the_outbox_refuses_past_its_frame_bound_with_a_typed_error() {
    let mut cfg = config();
    cfg.outbox = OutboxLimits {
        max_frames: 2,
        max_bytes: 1 << 20,
    };
    let mut h = Harness::new(cfg);
    h.engine.send_chat(None, "1").unwrap();
    h.engine.send_chat(None, "2").unwrap();
    let error = h.engine.send_chat(None, "3").unwrap_err();
    assert!(matches!(error, SendError::OutboxFull { frames: 2, .. }));
    assert_eq!(error.code(), "outbox_full");
    assert_eq!(h.engine.queued(), 2);
}

#[test]
fn the_outbox_refuses_past_its_byte_bound() {
    let mut cfg = config();
    cfg.outbox = OutboxLimits {
        max_frames: 100,
        max_bytes: 100,
    };
    let mut h = Harness::new(cfg);
    h.engine.send_text("x".repeat(60)).unwrap();
    assert!(matches!(
        h.engine.send_text("x".repeat(41)),
        Err(SendError::OutboxFull { bytes: 60, .. })
    ));
    h.engine.send_text("x".repeat(40)).unwrap();
    assert_eq!(h.engine.queued_bytes(), 100);
}

#[test]
fn a_frame_over_the_size_limit_is_refused() {
    let mut cfg = config();
    cfg.max_frame_bytes = 64;
    let mut h = Harness::new(cfg);
    h.open();
    let error = h.engine.send_text("x".repeat(65)).unwrap_err();
    assert_eq!(error, SendError::FrameTooLarge { len: 65, max: 64 });
    assert!(frames(&h.commands()).is_empty());
}

#[test]
fn an_invalid_recipient_is_refused() {
    let mut h = Harness::new(config());
    assert_eq!(
        h.engine.send_chat(Some(""), "hi").unwrap_err().code(),
        "invalid_recipient"
    );
}

#[test]
fn user_close_rejects_every_queued_frame_with_one_event_each() {
    let mut h = Harness::new(config());
    h.open();
    h.drop_with(1006);
    let ids: Vec<String> = (0..3)
        .map(|n| h.engine.send_chat(None, &n.to_string()).unwrap())
        .collect();
    h.engine.close(1000, "").unwrap();
    let failed: Vec<String> = events(&h.commands())
        .into_iter()
        .filter_map(|event| match event {
            Event::SendFailed { id, error } => {
                assert_eq!(error, SendError::Closed);
                Some(id)
            }
            _ => None,
        })
        .collect();
    assert_eq!(failed, ids);
    assert_eq!(h.engine.state(), State::Closed);
    assert_eq!(h.engine.send_chat(None, "late"), Err(SendError::Closed));
}

// ── backoff ─────────────────────────────────────────────────────────────────

#[test]
fn retry_delays_grow_exponentially_inside_their_jitter_windows() {
    let mut h = Harness::new(config());
    h.connect();
    let policy = ReconnectPolicy::default();
    let mut delays = Vec::new();
    for retry in 1..=8u32 {
        let commands = h.drop_with(1006);
        let delay = timer_set(&commands, TimerKind::Reconnect).unwrap();
        let (low, high) = delay_window_ms(&policy, retry);
        assert!(
            (low..=high).contains(&delay),
            "retry {retry}: {delay} not in {low}..={high}"
        );
        assert!(delay <= 10_000);
        assert_eq!(h.engine.attempt(), retry);
        delays.push(delay);
        h.advance(u64::from(delay));
        assert_eq!(opens(&h.fire(TimerKind::Reconnect)), 1);
    }
    assert_eq!(delay_window_ms(&policy, 1), (250, 750));
    assert_eq!(delay_window_ms(&policy, 8), (5_000, 10_000));
}

#[test]
fn backoff_resets_only_after_five_seconds_of_uptime() {
    let mut h = Harness::new(config());
    h.open();
    h.drop_with(1006);
    assert_eq!(h.engine.attempt(), 1);
    h.fire(TimerKind::Reconnect);
    h.input(Input::Opened);
    h.advance(4_999);
    h.drop_with(1006);
    assert_eq!(h.engine.attempt(), 2, "4.999 s of uptime is not stable");
    h.fire(TimerKind::Reconnect);
    h.input(Input::Opened);
    h.advance(5_000);
    h.drop_with(1006);
    assert_eq!(h.engine.attempt(), 1, "5 s of uptime resets the backoff");
}

#[test]
fn an_attempt_that_does_not_open_within_the_connect_timeout_is_retried() {
    let mut h = Harness::new(config());
    let commands = h.connect();
    assert_eq!(timer_set(&commands, TimerKind::ConnectTimeout), Some(5_000));
    h.advance(5_000);
    let commands = h.fire(TimerKind::ConnectTimeout);
    assert!(commands.iter().any(|c| matches!(
        c,
        Command::AbandonSocket {
            code: CLOSE_DEAD,
            ..
        }
    )));
    let events = events(&commands);
    assert!(events.contains(&Event::Error(ErrorEvent::ConnectTimeout { ms: 5_000 })));
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::Close(info) if info.code == 1006)));
    assert_eq!(h.engine.state(), State::Reconnecting);
    // The abandoned socket's late events are ignored.
    assert!(h.input(Input::Opened).is_empty());
}

#[test]
fn opening_cancels_the_connect_timeout() {
    let mut h = Harness::new(config());
    let commands = h.open();
    assert!(commands.contains(&Command::CancelTimer(TimerKind::ConnectTimeout)));
    assert!(h.fire(TimerKind::ConnectTimeout).is_empty(), "stale timer");
}

#[test]
fn max_retries_ends_in_giveup_and_no_further_attempt() {
    let mut cfg = config();
    cfg.reconnect.max_retries = Some(2);
    let mut h = Harness::new(cfg);
    h.connect();
    h.engine.send_chat(None, "queued").unwrap();
    h.drop_with(1006);
    h.fire(TimerKind::Reconnect);
    h.drop_with(1006);
    h.fire(TimerKind::Reconnect);
    let commands = h.drop_with(1006);
    let events = events(&commands);
    assert!(events.contains(&Event::GiveUp { retries: 2 }));
    assert!(events.iter().any(|e| matches!(e, Event::SendFailed { .. })));
    assert_eq!(h.engine.state(), State::Closed);
    assert_eq!(timer_set(&commands, TimerKind::Reconnect), None);
    assert!(h.fire(TimerKind::Reconnect).is_empty());
    // reconnect() works after giving up.
    h.engine.reconnect();
    assert_eq!(opens(&h.commands()), 1);
    assert_eq!(h.engine.attempt(), 0);
}

/// Brings a fresh harness into one state.
type Setup = fn(&mut Harness);

#[test]
fn reconnect_works_in_every_state() {
    let setups: Vec<(&str, Setup)> = vec![
        ("idle", |_| {}),
        ("connecting", |h| {
            h.connect();
        }),
        ("open", |h| {
            h.open();
        }),
        ("reconnecting", |h| {
            h.open();
            h.drop_with(1006);
        }),
        ("closing", |h| {
            h.open();
            h.engine.close(1000, "").unwrap();
        }),
        ("closed", |h| {
            h.open();
            h.drop_with(1008);
        }),
    ];
    for (name, setup) in setups {
        let mut h = Harness::new(config());
        setup(&mut h);
        h.commands();
        h.engine.reconnect();
        let commands = h.commands();
        assert_eq!(opens(&commands), 1, "{name}");
        assert_eq!(h.engine.state(), State::Connecting, "{name}");
        // A socket that existed is abandoned first, never left beside the new one.
        let abandon = commands
            .iter()
            .position(|c| matches!(c, Command::AbandonSocket { .. }));
        let open = commands
            .iter()
            .position(|c| matches!(c, Command::OpenSocket { .. }));
        if let Some(abandon) = abandon {
            assert!(abandon < open.unwrap(), "{name}");
        }
        assert_eq!(
            abandon.is_some(),
            matches!(name, "connecting" | "open" | "closing"),
            "{name}"
        );
    }
}

// ── close codes ─────────────────────────────────────────────────────────────

#[test]
fn terminal_close_codes_do_not_reconnect() {
    for code in [1000, 1008, 4400, 4401, 4499] {
        let mut h = Harness::new(config());
        h.open();
        let commands = h.drop_with(code);
        assert_eq!(h.engine.state(), State::Closed, "{code}");
        assert_eq!(timer_set(&commands, TimerKind::Reconnect), None, "{code}");
    }
}

#[test]
fn other_close_codes_reconnect() {
    for code in [1001, 1006, 1011, 1012, 4000, 4500] {
        let mut h = Harness::new(config());
        h.open();
        let commands = h.drop_with(code);
        assert_eq!(h.engine.state(), State::Reconnecting, "{code}");
        assert!(
            timer_set(&commands, TimerKind::Reconnect).is_some(),
            "{code}"
        );
    }
}

#[test]
fn the_users_own_close_is_terminal() {
    let mut h = Harness::new(config());
    h.open();
    h.engine.close(4000, "done").unwrap();
    let commands = h.commands();
    assert!(commands.contains(&Command::CloseSocket {
        code: 4000,
        reason: "done".into()
    }));
    // The server answers with the same non-terminal code: still no reconnect.
    h.drop_with(4000);
    assert_eq!(h.engine.state(), State::Closed);
}

#[test]
fn a_user_predicate_overrides_the_close_policy() {
    let mut cfg = config();
    cfg.close_policy = ClosePolicy::Custom(Rc::new(|info: &CloseInfo| info.reason == "restart"));
    let mut h = Harness::new(cfg.clone());
    h.open();
    h.input(Input::Closed(CloseInfo {
        code: 1000,
        reason: "restart".into(),
        clean: true,
    }));
    assert_eq!(h.engine.state(), State::Reconnecting);
    let mut h = Harness::new(cfg);
    h.open();
    h.drop_with(1006);
    assert_eq!(h.engine.state(), State::Closed);
}

#[test]
fn reconnect_disabled_ends_on_the_first_drop() {
    let mut cfg = config();
    cfg.reconnect.enabled = false;
    let mut h = Harness::new(cfg);
    h.open();
    h.drop_with(1006);
    assert_eq!(h.engine.state(), State::Closed);
}

#[test]
fn close_validates_code_and_reason() {
    let mut h = Harness::new(config());
    h.open();
    assert_eq!(
        h.engine.close(1001, "").unwrap_err().code(),
        "invalid_close_code"
    );
    assert_eq!(
        h.engine.close(1000, &"x".repeat(124)).unwrap_err().code(),
        "close_reason_too_long"
    );
    assert_eq!(h.engine.state(), State::Open);
}

// ── heartbeat ───────────────────────────────────────────────────────────────

fn heartbeat_config() -> wsnotify::engine::Config {
    let mut cfg = config();
    cfg.heartbeat = Some(HeartbeatConfig::default());
    cfg
}

#[test]
fn heartbeat_pings_every_interval_while_open() {
    let mut h = Harness::new(heartbeat_config());
    let commands = h.open();
    assert_eq!(timer_set(&commands, TimerKind::HeartbeatPing), Some(25_000));
    for _ in 0..3 {
        h.advance(25_000);
        let commands = h.fire(TimerKind::HeartbeatPing);
        assert_eq!(frames(&commands), [r#"{"type":"ping"}"#]);
        assert_eq!(timer_set(&commands, TimerKind::HeartbeatPing), Some(25_000));
        assert_eq!(
            timer_set(&commands, TimerKind::HeartbeatTimeout),
            Some(10_000)
        );
        h.advance(20);
        let commands = h.input(Input::Frame(r#"{"type":"pong"}"#.into()));
        assert!(commands.contains(&Command::CancelTimer(TimerKind::HeartbeatTimeout)));
    }
    assert_eq!(h.engine.state(), State::Open);
}

#[test]
fn heartbeat_is_off_by_default() {
    let mut h = Harness::new(config());
    assert_eq!(timer_set(&h.open(), TimerKind::HeartbeatPing), None);
}

#[test]
fn silence_after_a_ping_closes_the_socket_as_dead_and_reconnects() {
    let mut h = Harness::new(heartbeat_config());
    h.open();
    h.advance(25_000);
    h.fire(TimerKind::HeartbeatPing);
    h.advance(10_000);
    let commands = h.fire(TimerKind::HeartbeatTimeout);
    assert!(commands.iter().any(|c| matches!(
        c,
        Command::AbandonSocket { code: CLOSE_DEAD, reason } if reason == "heartbeat timeout"
    )));
    assert!(events(&commands).contains(&Event::Error(ErrorEvent::HeartbeatTimeout { ms: 10_000 })));
    assert_eq!(h.engine.state(), State::Reconnecting);
    assert!(timer_set(&commands, TimerKind::Reconnect).is_some());
}

#[test]
fn any_frame_after_a_ping_counts_as_alive() {
    let mut h = Harness::new(heartbeat_config());
    h.open();
    h.advance(25_000);
    h.fire(TimerKind::HeartbeatPing);
    h.advance(5_000);
    h.input(Input::Frame(
        r#"{"type":"notification","message":"hi"}"#.into(),
    ));
    h.advance(5_000);
    // The timeout was cancelled; had the driver fired it anyway, it is stale.
    assert!(h.fire(TimerKind::HeartbeatTimeout).is_empty());
    assert_eq!(h.engine.state(), State::Open);
}

#[test]
fn a_clock_jump_reprobes_instead_of_closing_while_frames_still_arrive() {
    let mut h = Harness::new(heartbeat_config());
    h.open();
    h.advance(25_000);
    h.fire(TimerKind::HeartbeatPing);
    // The machine sleeps for an hour; on wake the timeout fires at once.
    h.advance(3_600_000);
    let commands = h.fire(TimerKind::HeartbeatTimeout);
    assert_eq!(h.engine.state(), State::Open, "no false close after sleep");
    assert_eq!(frames(&commands), [r#"{"type":"ping"}"#], "a fresh probe");
    assert_eq!(
        timer_set(&commands, TimerKind::HeartbeatTimeout),
        Some(10_000)
    );
    // The connection survived: its frames keep it open.
    h.advance(50);
    h.input(Input::Frame(r#"{"type":"pong"}"#.into()));
    h.advance(10_000);
    assert!(h.fire(TimerKind::HeartbeatTimeout).is_empty());
    assert_eq!(h.engine.state(), State::Open);
}

#[test]
fn after_a_clock_jump_a_silent_connection_is_still_detected() {
    let mut h = Harness::new(heartbeat_config());
    h.open();
    h.fire(TimerKind::HeartbeatPing);
    h.advance(3_600_000);
    h.fire(TimerKind::HeartbeatTimeout);
    h.advance(10_000);
    h.fire(TimerKind::HeartbeatTimeout);
    assert_eq!(h.engine.state(), State::Reconnecting);
}

// ── online, offline, visible ────────────────────────────────────────────────

#[test]
fn offline_pauses_attempts_and_online_retries_at_once() {
    let mut h = Harness::new(config());
    h.open();
    h.drop_with(1006);
    let commands = h.input(Input::Offline);
    assert!(commands.contains(&Command::CancelTimer(TimerKind::Reconnect)));
    let paused = events(&commands);
    assert!(paused.iter().any(|e| matches!(
        e,
        Event::StateChange(StateChange {
            state: State::Reconnecting,
            next_delay_ms: None,
            ..
        })
    )));
    assert!(h.fire(TimerKind::Reconnect).is_empty(), "cancelled timer");
    // Further drops while offline stay paused.
    assert_eq!(opens(&h.input(Input::Online)), 1);
    assert_eq!(h.engine.state(), State::Connecting);
}

#[test]
fn a_drop_while_offline_waits_for_online() {
    let mut h = Harness::new(config());
    h.open();
    h.input(Input::Offline);
    let commands = h.drop_with(1006);
    assert_eq!(timer_set(&commands, TimerKind::Reconnect), None);
    assert_eq!(h.engine.state(), State::Reconnecting);
    assert_eq!(opens(&h.input(Input::Online)), 1);
}

#[test]
fn connect_while_offline_waits_for_online() {
    let mut h = Harness::new(config());
    h.input(Input::Offline);
    assert_eq!(opens(&h.connect()), 0);
    assert_eq!(h.engine.state(), State::Reconnecting);
    assert_eq!(opens(&h.input(Input::Online)), 1);
}

#[test]
fn becoming_visible_retries_at_once() {
    let mut h = Harness::new(config());
    h.open();
    h.drop_with(1006);
    let commands = h.input(Input::Visible);
    assert_eq!(opens(&commands), 1);
    assert!(commands.contains(&Command::CancelTimer(TimerKind::Reconnect)));
}

#[test]
fn becoming_visible_while_open_probes_the_connection() {
    let mut h = Harness::new(heartbeat_config());
    h.open();
    assert_eq!(frames(&h.input(Input::Visible)), [r#"{"type":"ping"}"#]);
}

#[test]
fn a_page_frozen_into_the_cache_releases_its_socket_and_reconnects_when_shown() {
    let mut h = Harness::new(heartbeat_config());
    h.open();
    h.engine.send_chat(None, "kept").unwrap();
    let commands = h.input(Input::PageHidden);
    assert!(commands.contains(&Command::AbandonSocket {
        code: 1001,
        reason: "page hidden".into()
    }));
    assert!(commands.contains(&Command::CancelTimer(TimerKind::HeartbeatPing)));
    assert_eq!(h.engine.state(), State::Reconnecting);
    assert_eq!(h.engine.attempt(), 0, "freezing is not a failure");
    // Frozen: coming online does not connect, showing the page does.
    assert_eq!(opens(&h.input(Input::Online)), 0);
    assert_eq!(opens(&h.input(Input::Visible)), 1);
    assert_eq!(
        frames(&h.input(Input::Opened))
            .iter()
            .map(|f| frame_type(f))
            .collect::<Vec<_>>(),
        ["init"]
    );
}

#[test]
fn a_hidden_page_while_reconnecting_pauses_its_retry() {
    let mut h = Harness::new(config());
    h.open();
    h.drop_with(1006);
    let commands = h.input(Input::PageHidden);
    assert!(commands.contains(&Command::CancelTimer(TimerKind::Reconnect)));
    assert!(h.fire(TimerKind::Reconnect).is_empty());
    assert_eq!(opens(&h.input(Input::Visible)), 1);
}

#[test]
fn a_hidden_page_leaves_a_closed_client_closed() {
    let mut h = Harness::new(config());
    h.open();
    h.drop_with(1008);
    assert!(h.input(Input::PageHidden).is_empty());
    assert!(h.input(Input::Visible).is_empty());
    assert_eq!(h.engine.state(), State::Closed);
}

// ── endpoint hook ───────────────────────────────────────────────────────────

#[test]
fn a_fresh_url_and_token_are_resolved_before_each_attempt() {
    let mut cfg = config();
    cfg.resolve_endpoint = true;
    cfg.token = Some("old".into());
    let mut h = Harness::new(cfg);
    let commands = h.connect();
    assert!(commands.contains(&Command::ResolveEndpoint { attempt: 0 }));
    assert_eq!(opens(&commands), 0);
    let commands = h.input(Input::EndpointResolved {
        url: "ws://127.0.0.1:2/ws".into(),
        token: Some("fresh".into()),
    });
    assert!(commands.contains(&Command::OpenSocket {
        url: "ws://127.0.0.1:2/ws".into()
    }));
    let sent = frames(&h.input(Input::Opened));
    assert_eq!(sent[0], r#"{"type":"init","userId":"ada","token":"fresh"}"#);
    h.drop_with(1006);
    let commands = h.fire(TimerKind::Reconnect);
    assert!(commands.contains(&Command::ResolveEndpoint { attempt: 1 }));
}

#[test]
fn a_failing_endpoint_provider_counts_as_a_failed_attempt() {
    let mut cfg = config();
    cfg.resolve_endpoint = true;
    let mut h = Harness::new(cfg);
    h.connect();
    let commands = h.input(Input::EndpointFailed {
        reason: "401".into(),
    });
    assert!(events(&commands).contains(&Event::Error(ErrorEvent::EndpointFailed("401".into()))));
    assert_eq!(h.engine.state(), State::Reconnecting);
    assert!(timer_set(&commands, TimerKind::Reconnect).is_some());
}

#[test]
fn a_url_the_browser_refuses_ends_in_closed_with_an_error() {
    let mut h = Harness::new(config());
    h.connect();
    let commands = h.input(Input::OpenFailed {
        reason: "SyntaxError".into(),
    });
    assert!(events(&commands).contains(&Event::Error(ErrorEvent::OpenFailed("SyntaxError".into()))));
    assert_eq!(h.engine.state(), State::Closed);
}

// ── inbound frames ──────────────────────────────────────────────────────────

#[test]
fn frames_are_decoded_and_bad_ones_reported_without_breaking_the_connection() {
    let mut h = Harness::new(config());
    h.open();
    let mut seen = Vec::new();
    for text in [
        "not json",
        r#"{"type":"chat","message":1}"#,
        r#"{"type":"typing","who":"bob"}"#,
        r#"{"type":"chat","fromUserId":"bob","message":"hi","timestamp":"t"}"#,
    ] {
        seen.extend(events(&h.input(Input::Frame(text.into()))));
    }
    seen.extend(events(&h.input(Input::BinaryFrame { len: 3 })));
    assert!(matches!(
        &seen[0],
        Event::Error(ErrorEvent::Decode(DecodeError::InvalidJson { .. }))
    ));
    assert!(matches!(
        &seen[1],
        Event::Error(ErrorEvent::Decode(DecodeError::MissingField {
            field: "fromUserId",
            ..
        }))
    ));
    assert!(matches!(
        &seen[2],
        Event::Frame {
            frame_type: FrameType::Other(frame_type),
            ..
        } if frame_type == "typing"
    ));
    assert!(
        matches!(&seen[3], Event::Frame { frame_type: FrameType::Chat, text }
            if matches!(decode(text), Ok(ServerFrame::Chat(chat)) if chat.message == "hi"))
    );
    assert_eq!(seen[4], Event::Error(ErrorEvent::BinaryFrame { len: 3 }));
    assert_eq!(seen.len(), 5);
    assert_eq!(h.engine.state(), State::Open);
}

#[test]
fn oversized_frames_are_reported_not_parsed() {
    let mut cfg = config();
    cfg.max_frame_bytes = 32;
    let mut h = Harness::new(cfg);
    h.open();
    let seen = events(&h.input(Input::Frame("y".repeat(33))));
    assert_eq!(
        seen,
        [Event::Error(ErrorEvent::Decode(DecodeError::TooLarge {
            len: 33,
            max: 32
        }))]
    );
}

#[test]
fn every_opened_socket_ends_with_one_close_event() {
    let mut h = Harness::new(heartbeat_config());
    h.open();
    let closes = |commands: &[Command]| {
        events(commands)
            .iter()
            .filter(|e| matches!(e, Event::Close(_)))
            .count()
    };
    assert_eq!(closes(&h.drop_with(1006)), 1);
    h.fire(TimerKind::Reconnect);
    h.input(Input::Opened);
    h.engine.reconnect();
    assert_eq!(closes(&h.commands()), 1, "abandoned by reconnect()");
    // The abandoned socket's close, reported late, is not counted twice.
    h.input(Input::Opened);
    h.engine.close(1000, "").unwrap();
    h.commands();
    assert_eq!(closes(&h.drop_with(1000)), 1);
    assert_eq!(closes(&h.drop_with(1000)), 0);
}

// ── delivery ────────────────────────────────────────────────────────────────

fn at_least_once() -> wsnotify::engine::Config {
    let mut cfg = config();
    cfg.delivery = wsnotify::engine::Delivery::AtLeastOnce;
    cfg
}

fn chat_frame(from: &str, id: &str, seq: Option<u64>) -> Input {
    let seq = seq.map_or(String::new(), |seq| format!(r#","seq":{seq}"#));
    Input::Frame(format!(
        r#"{{"type":"chat","fromUserId":"{from}","message":"m","timestamp":"t","id":"{id}"{seq}}}"#
    ))
}

fn delivered_frames(commands: &[Command]) -> usize {
    events(commands)
        .iter()
        .filter(|e| matches!(e, Event::Frame { .. }))
        .count()
}

#[test]
fn at_most_once_settles_a_chat_when_it_is_written() {
    let mut h = Harness::new(config());
    h.open();
    h.engine.send_chat(None, "gone").unwrap();
    assert_eq!(h.engine.queued(), 0);
    h.drop_with(1006);
    h.fire(TimerKind::Reconnect);
    assert_eq!(frames(&h.input(Input::Opened)).len(), 1, "only init");
}

#[test]
fn at_least_once_holds_a_chat_until_acked_and_resends_it_after_a_reconnect() {
    let mut h = Harness::new(at_least_once());
    h.open();
    let first = h.engine.send_chat(Some("bob"), "one").unwrap();
    let second = h.engine.send_chat(Some("bob"), "two").unwrap();
    assert_eq!(frames(&h.commands()).len(), 2);
    assert_eq!(h.engine.queued(), 2, "sent but not yet acked");
    h.input(Input::Frame(format!(r#"{{"type":"ack","id":"{first}"}}"#)));
    assert_eq!(h.engine.queued(), 1);

    h.drop_with(1006);
    h.engine.send_chat(Some("bob"), "three").unwrap();
    h.fire(TimerKind::Reconnect);
    let resent = frames(&h.input(Input::Opened));
    assert_eq!(frame_type(&resent[0]), "init");
    assert!(resent[1].contains(&second), "the unacked one first");
    assert!(resent[2].contains("three"));
    assert_eq!(resent.len(), 3, "the acked one is not sent again");
}

#[test]
fn unacked_chats_count_toward_the_outbox_bounds() {
    let mut cfg = at_least_once();
    cfg.outbox.max_frames = 2;
    let mut h = Harness::new(cfg);
    h.open();
    h.engine.send_chat(None, "1").unwrap();
    h.engine.send_chat(None, "2").unwrap();
    assert!(matches!(
        h.engine.send_chat(None, "3"),
        Err(SendError::OutboxFull { frames: 2, .. })
    ));
}

#[test]
fn a_server_error_naming_a_pending_chat_settles_it_as_failed() {
    let mut h = Harness::new(at_least_once());
    h.open();
    let id = h.engine.send_chat(Some("nobody"), "hi").unwrap();
    let commands = h.input(Input::Frame(format!(
        r#"{{"type":"error","code":"recipient_offline","message":"nobody is offline","id":"{id}"}}"#
    )));
    let failure = events(&commands)
        .into_iter()
        .find_map(|e| match e {
            Event::SendFailed { id, error } => Some((id, error)),
            _ => None,
        })
        .unwrap();
    assert_eq!(failure.0, id);
    assert_eq!(failure.1.code(), "recipient_offline");
    assert_eq!(h.engine.queued(), 0, "not sent again");
}

#[test]
fn a_server_error_about_nothing_pending_is_an_error_event() {
    let mut h = Harness::new(config());
    h.open();
    let commands = h.input(Input::Frame(
        r#"{"type":"error","code":"rate_limited","message":"slow down"}"#.into(),
    ));
    let error = events(&commands)
        .into_iter()
        .find_map(|e| match e {
            Event::Error(error) => Some(error),
            _ => None,
        })
        .unwrap();
    assert_eq!(error.code(), "rate_limited");
}

#[test]
fn a_server_without_acks_degrades_to_at_most_once_and_says_so() {
    let mut h = Harness::new(at_least_once());
    h.open();
    assert_eq!(h.engine.delivery().as_str(), "at-least-once");
    h.engine.send_chat(None, "hello?").unwrap();
    let commands = h.commands();
    assert_eq!(timer_set(&commands, TimerKind::AckTimeout), Some(10_000));
    h.advance(10_000);
    let commands = h.fire(TimerKind::AckTimeout);
    assert!(events(&commands)
        .iter()
        .any(|e| matches!(e, Event::Error(error) if error.code() == "acks_unsupported")));
    assert_eq!(h.engine.delivery().as_str(), "unconfirmed");
    assert_eq!(
        h.engine.queued(),
        0,
        "no hang waiting for acks that never come"
    );
    h.engine.send_chat(None, "later").unwrap();
    assert_eq!(h.engine.queued(), 0);
}

#[test]
fn a_first_ack_confirms_acks_and_stops_the_ack_timer() {
    let mut h = Harness::new(at_least_once());
    h.open();
    let id = h.engine.send_chat(None, "x").unwrap();
    h.commands();
    let commands = h.input(Input::Frame(format!(r#"{{"type":"ack","id":"{id}"}}"#)));
    assert!(commands.contains(&Command::CancelTimer(TimerKind::AckTimeout)));
    assert!(h.fire(TimerKind::AckTimeout).is_empty());
    assert_eq!(h.engine.delivery().as_str(), "at-least-once");
}

#[test]
fn a_chat_delivered_twice_reaches_the_application_once() {
    let mut h = Harness::new(config());
    h.open();
    assert_eq!(
        delivered_frames(&h.input(chat_frame("bob", "b-1", None))),
        1
    );
    assert_eq!(
        delivered_frames(&h.input(chat_frame("bob", "b-1", None))),
        0
    );
    assert_eq!(
        delivered_frames(&h.input(chat_frame("eve", "b-1", None))),
        1,
        "ids are per sender"
    );
}

#[test]
fn init_resumes_from_the_last_seq_and_replays_are_not_delivered_twice() {
    let mut h = Harness::new(config());
    h.open();
    for (id, seq) in [("a", 1), ("b", 2), ("c", 3)] {
        h.input(chat_frame("bob", id, Some(seq)));
    }
    assert_eq!(h.engine.last_seq(), Some(3));
    h.drop_with(1006);
    h.fire(TimerKind::Reconnect);
    let init = &frames(&h.input(Input::Opened))[0];
    assert_eq!(init, r#"{"type":"init","userId":"ada","lastSeq":3}"#);
    // The server replays from 3 (overlapping) and on: only 4 is new.
    assert_eq!(
        delivered_frames(&h.input(chat_frame("bob", "c2", Some(3)))),
        0
    );
    assert_eq!(
        delivered_frames(&h.input(chat_frame("bob", "d", Some(4)))),
        1
    );
    let resumed = h.input(Input::Frame(
        r#"{"type":"resumed","recovered":false}"#.into(),
    ));
    assert!(events(&resumed).iter().any(|e| matches!(
        e,
        Event::Frame { frame_type: FrameType::Resumed, text }
            if matches!(decode(text), Ok(ServerFrame::Resumed(r)) if !r.recovered)
    )));
}

#[test]
fn an_unrecovered_resume_restarts_the_seq_baseline() {
    let mut h = Harness::new(config());
    h.open();
    h.input(chat_frame("bob", "a", Some(40)));
    h.drop_with(1006);
    h.fire(TimerKind::Reconnect);
    h.input(Input::Opened);
    // A restarted server without history numbers from 1 again.
    h.input(Input::Frame(
        r#"{"type":"resumed","recovered":false}"#.into(),
    ));
    assert_eq!(h.engine.last_seq(), None);
    assert_eq!(
        delivered_frames(&h.input(chat_frame("bob", "b", Some(1)))),
        1
    );
    assert_eq!(
        delivered_frames(&h.input(chat_frame("bob", "a", Some(2)))),
        0,
        "same id"
    );
}

#[test]
fn a_page_shown_after_a_close_while_frozen_connects_normally_again() {
    let mut h = Harness::new(config());
    h.open();
    h.input(Input::PageHidden);
    h.engine.close(1000, "").unwrap();
    h.input(Input::Visible);
    assert_eq!(h.engine.state(), State::Closed);
    assert_eq!(opens(&h.connect()), 1, "not left paused by the old freeze");
}

#[test]
fn reconnect_unfreezes_a_frozen_page() {
    let mut h = Harness::new(config());
    h.open();
    h.input(Input::PageHidden);
    h.engine.reconnect();
    h.commands();
    // Had the freeze survived, this drop would wait for `Visible` instead.
    let commands = h.drop_with(1006);
    assert!(timer_set(&commands, TimerKind::Reconnect).is_some());
    assert_eq!(opens(&h.fire(TimerKind::Reconnect)), 1);
}
