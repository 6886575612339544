//! One test per rule of the connection engine (docs/PROTOCOL.md, docs/ARCHITECTURE.md).

mod common;

use common::*;
use wsnotify::engine::Config;
use wsnotify::engine::{
    delay_window_ms, ClosePolicy, Command, ErrorEvent, Event, HeartbeatConfig, Input, OutboxLimits,
    ReconnectPolicy, SendError, State, StateChange, TimerKind, Verdict, CLOSE_DEAD,
    CLOSE_PAGE_HIDDEN,
};
use wsnotify::protocol::{DecodeError, FrameType};

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
fn connect_while_closing_connects_once_the_close_is_done_unless_closed_again() {
    let mut h = Harness::new(config());
    h.open();
    h.engine.close(1000, "bye").unwrap();
    assert_eq!(h.engine.send_text("refused".into()), Err(SendError::Closed));
    h.connect();
    assert_eq!(
        h.engine.state(),
        State::Closing,
        "the close runs its course"
    );
    // Sent after the connect: held for the next connection, like any send
    // before an open.
    h.engine.send_text("held".into()).unwrap();
    assert!(frames(&h.commands()).is_empty());
    let commands = h.drop_with(1000);
    assert_eq!(states(&commands), [State::Closed, State::Connecting]);
    assert_eq!(opens(&commands), 1);
    let sent = frames(&h.input(Input::Opened));
    assert_eq!(sent.last().map(String::as_str), Some("held"));
    assert_eq!(h.engine.state(), State::Open);
    // A close after the connect is the latest word: it stays closed, and
    // what was sent in between fails.
    h.engine.close(1000, "").unwrap();
    h.connect();
    let id = h.engine.send_text("dropped".into()).unwrap();
    h.engine.close(1000, "").unwrap();
    let failed = events(&h.commands());
    assert!(failed.iter().any(|event| matches!(event,
        Event::SendFailed { id: failed_id, error: SendError::Closed } if *failed_id == id)));
    h.drop_with(1000);
    assert_eq!(h.engine.state(), State::Closed);
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
fn a_send_while_the_server_is_closing_the_socket_waits_for_the_next_connection() {
    let mut h = Harness::new(config());
    h.open();
    assert!(h.engine.writes_to_socket());
    h.input(Input::PeerClosing);
    assert!(!h.engine.writes_to_socket());
    let id = h.engine.send_chat(None, "while closing").unwrap();
    assert!(
        frames(&h.commands()).is_empty(),
        "nothing written into a closing socket"
    );
    assert_eq!(h.engine.queued(), 1);
    h.drop_with(1001);
    h.fire(TimerKind::Reconnect);
    let sent = frames(&h.input(Input::Opened));
    assert_eq!(sent.len(), 2, "init, then the chat");
    assert!(sent[1].contains(&id));
}

#[test]
fn a_socket_the_server_never_finishes_closing_is_dropped_after_the_connect_timeout() {
    let mut h = Harness::new(config());
    h.open();
    let commands = h.input(Input::PeerClosing);
    assert_eq!(
        timer_set(&commands, TimerKind::PeerClose),
        Some(config().connect_timeout_ms)
    );
    let commands = h.fire(TimerKind::PeerClose);
    assert!(commands
        .iter()
        .any(|command| matches!(command, Command::AbandonSocket { .. })));
    assert_eq!(h.engine.state(), State::Reconnecting);
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
fn a_send_that_awaits_no_ack_is_refused_when_the_sockets_backlog_would_pass_its_bound() {
    let mut cfg = config();
    cfg.max_buffered_bytes = 100;
    let mut h = Harness::new(cfg);
    h.open();
    // Nothing is held in the outbox on an open socket: the socket's own
    // buffer is what is bounded.
    h.input(Input::SocketBacklog(60));
    let error = h.engine.send_text("x".repeat(41)).unwrap_err();
    assert_eq!(
        error,
        SendError::SocketBacklog {
            bytes: 60,
            max: 100
        }
    );
    assert_eq!(error.code(), "outbox_full");
    assert!(frames(&h.commands()).is_empty(), "nothing written");
    h.engine.send_text("x".repeat(40)).unwrap();
    assert_eq!(frames(&h.commands()), ["x".repeat(40)]);
    // Once the socket has sent its bytes, the same frame goes.
    h.input(Input::SocketBacklog(0));
    h.engine.send_text("x".repeat(41)).unwrap();
    // A new connection starts with an empty socket.
    h.input(Input::SocketBacklog(100));
    h.drop_with(1006);
    h.fire(TimerKind::Reconnect);
    h.input(Input::Opened);
    h.engine.send_text("x".repeat(100)).unwrap();
}

#[test]
fn sends_made_before_the_driver_writes_count_toward_the_backlog_and_a_refused_chat_has_no_status() {
    let mut cfg = config();
    cfg.max_buffered_bytes = 100;
    let mut h = Harness::new(cfg);
    h.open();
    // As inside a callback: the driver reports the socket before each
    // call, but writes what was sent only once the callback returns.
    let now = h.now;
    h.engine.handle(now, Input::SocketBacklog(0));
    h.engine.send_text("x".repeat(60)).unwrap();
    h.engine.handle(now, Input::SocketBacklog(0));
    assert_eq!(
        h.engine.send_chat(None, "y".repeat(60).as_str()),
        Err(SendError::SocketBacklog {
            bytes: 60,
            max: 100
        })
    );
    // The driver takes the frame: the socket's own count covers it now.
    assert!(matches!(
        h.engine.poll_command(),
        Some(Command::SendFrame(_))
    ));
    h.engine.handle(now, Input::SocketBacklog(60));
    assert!(h.engine.send_text("x".repeat(41)).is_err());
    h.engine.handle(now, Input::SocketBacklog(0));
    h.engine.send_chat(None, "y".repeat(60).as_str()).unwrap();
    let commands = h.commands();
    let statuses = events(&commands)
        .into_iter()
        .filter(|event| matches!(event, Event::Delivery(_)))
        .count();
    assert_eq!(
        statuses, 2,
        "queued and sent for the chat that went; none for the refused one"
    );
    assert_eq!(frames(&commands).len(), 1);
}

#[test]
fn a_frame_larger_than_the_backlog_bound_goes_into_an_empty_socket() {
    let mut cfg = config();
    cfg.max_buffered_bytes = 10;
    let mut h = Harness::new(cfg);
    h.open();
    h.input(Input::SocketBacklog(0));
    h.engine.send_text("x".repeat(50)).unwrap();
    h.input(Input::SocketBacklog(50));
    assert!(h.engine.send_text("x".into()).is_err());
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
    assert!(events.iter().any(|e| matches!(e, Event::SendFailed { .. })));
    // The change to Closed comes last, after the give-up: what listens until
    // the client closes (the Rust client's event streams) sees both.
    let closed =
        |e: &&Event| matches!(e, Event::StateChange(change) if change.state == State::Closed);
    assert!(matches!(
        events.iter().rev().take(2).collect::<Vec<_>>()[..],
        [last, Event::GiveUp { retries: 2 }] if closed(&last)
    ));
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
    cfg.close_policy = ClosePolicy::Custom;
    let mut h = Harness::new(cfg.clone());
    h.open();
    let commands = h.drop_with(1000);
    assert!(commands.contains(&Command::DecideReconnect(close_info(1000))));
    // Until the answer, sends are queued: there is no socket to write to.
    h.engine.send_text("meanwhile".into()).unwrap();
    assert_eq!(h.engine.queued(), 1);
    h.input(Input::ReconnectDecided(Some(true)));
    assert_eq!(h.engine.state(), State::Reconnecting);
    let mut h = Harness::new(cfg.clone());
    h.open();
    h.drop_with(1006);
    h.input(Input::ReconnectDecided(Some(false)));
    assert_eq!(h.engine.state(), State::Closed);
    // No answer (the predicate threw): the standard policy.
    let mut h = Harness::new(cfg.clone());
    h.open();
    h.drop_with(4401);
    h.input(Input::ReconnectDecided(None));
    assert_eq!(h.engine.state(), State::Closed);
    // The user closed meanwhile: the late answer changes nothing.
    let mut h = Harness::new(cfg.clone());
    h.open();
    h.drop_with(1006);
    h.engine.close(1000, "").unwrap();
    h.input(Input::ReconnectDecided(Some(true)));
    assert_eq!(h.engine.state(), State::Closed);
    // A close the user asked for is not the application's to decide.
    let mut h = Harness::new(cfg);
    h.open();
    h.engine.close(1000, "").unwrap();
    let commands = h.drop_with(1000);
    assert!(!commands
        .iter()
        .any(|c| matches!(c, Command::DecideReconnect(_))));
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
fn reconnect_disabled_ends_on_every_failed_attempt_too() {
    let no_reconnect = |mut cfg: Config| {
        cfg.reconnect.enabled = false;
        Harness::new(cfg)
    };
    // The endpoint provider fails.
    let mut cfg = config();
    cfg.url_provided = true;
    let mut h = no_reconnect(cfg);
    h.connect();
    h.input(Input::EndpointFailed {
        reason: "401".into(),
    });
    assert_eq!(h.engine.state(), State::Closed, "endpoint failed");
    // The browser refuses the first URL of a list.
    let mut h = no_reconnect(two_urls());
    h.connect();
    h.input(Input::OpenFailed {
        reason: "SyntaxError".into(),
    });
    assert_eq!(h.engine.state(), State::Closed, "open failed");
    // A provided token makes `init` too large.
    let mut cfg = config();
    cfg.first_frame_provided = true;
    cfg.max_frame_bytes = 100;
    let mut h = no_reconnect(cfg);
    h.connect();
    h.input(Input::EndpointResolved {
        url: None,
        token: Some("t".repeat(200)),
        hello: None,
    });
    assert_eq!(h.engine.state(), State::Closed, "first frame too large");
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
        let commands = h.frame(r#"{"type":"pong"}"#).1;
        assert!(commands.contains(&Command::CancelTimer(TimerKind::HeartbeatTimeout)));
    }
    assert_eq!(h.engine.state(), State::Open);
}

#[test]
fn heartbeat_is_off_by_default() {
    let mut h = Harness::new(config());
    assert_eq!(timer_set(&h.open(), TimerKind::HeartbeatPing), None);
}

/// A ping and its pong: the server has shown that it answers pings.
fn answer_one_ping(h: &mut Harness) {
    h.advance(25_000);
    h.fire(TimerKind::HeartbeatPing);
    h.advance(20);
    h.frame(r#"{"type":"pong"}"#);
}

#[test]
fn silence_after_a_ping_closes_the_socket_as_dead_and_reconnects() {
    let mut h = Harness::new(heartbeat_config());
    h.open();
    answer_one_ping(&mut h);
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
    h.frame(r#"{"type":"notification","message":"hi"}"#);
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
    h.frame(r#"{"type":"pong"}"#);
    h.advance(10_000);
    assert!(h.fire(TimerKind::HeartbeatTimeout).is_empty());
    assert_eq!(h.engine.state(), State::Open);
}

#[test]
fn after_a_clock_jump_a_silent_connection_is_still_detected() {
    let mut h = Harness::new(heartbeat_config());
    h.open();
    answer_one_ping(&mut h);
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
        code: CLOSE_PAGE_HIDDEN,
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
    cfg.url_provided = true;
    cfg.first_frame_provided = true;
    cfg.token = Some("old".into());
    let mut h = Harness::new(cfg);
    assert!(!h.engine.awaits_endpoint());
    let commands = h.connect();
    assert!(commands.contains(&Command::ResolveEndpoint { attempt: 0 }));
    assert_eq!(opens(&commands), 0);
    assert!(h.engine.awaits_endpoint());
    let commands = h.input(Input::EndpointResolved {
        url: Some("ws://127.0.0.1:2/ws".into()),
        token: Some("fresh".into()),
        hello: None,
    });
    assert!(!h.engine.awaits_endpoint(), "answered");
    assert!(commands.contains(&Command::OpenSocket {
        url: "ws://127.0.0.1:2/ws".into()
    }));
    let sent = frames(&h.input(Input::Opened));
    assert_eq!(sent[0], r#"{"type":"init","userId":"ada","token":"fresh"}"#);
    h.drop_with(1006);
    let commands = h.fire(TimerKind::Reconnect);
    assert!(commands.contains(&Command::ResolveEndpoint { attempt: 1 }));
    // A provider with no token this time: `init` goes without one, not
    // with the token of the attempt before.
    h.input(Input::EndpointResolved {
        url: None,
        token: None,
        hello: None,
    });
    let sent = frames(&h.input(Input::Opened));
    assert_eq!(sent[0], r#"{"type":"init","userId":"ada","lastSeq":0}"#);
}

#[test]
fn a_failing_endpoint_provider_counts_as_a_failed_attempt() {
    let mut cfg = config();
    cfg.url_provided = true;
    let mut h = Harness::new(cfg);
    h.connect();
    let commands = h.input(Input::EndpointFailed {
        reason: "401".into(),
    });
    assert!(!h.engine.awaits_endpoint(), "failed");
    assert!(events(&commands).contains(&Event::Error(ErrorEvent::EndpointFailed("401".into()))));
    assert_eq!(h.engine.state(), State::Reconnecting);
    assert!(timer_set(&commands, TimerKind::Reconnect).is_some());
}

/// The error saying that a connection's first frame is over the limit, among `commands`.
fn first_frame_too_large(commands: &[Command]) -> Option<ErrorEvent> {
    events(commands).into_iter().find_map(|event| match event {
        Event::Error(error @ ErrorEvent::FirstFrameTooLarge { .. }) => Some(error),
        _ => None,
    })
}

#[test]
fn a_fixed_token_that_makes_init_too_large_is_never_sent_and_the_client_stops() {
    let mut cfg = config();
    cfg.token = Some("t".repeat(200));
    cfg.max_frame_bytes = 100;
    let mut h = Harness::new(cfg);
    let commands = h.connect();
    assert_eq!(
        opens(&commands),
        0,
        "a server would close with 1009 at every attempt"
    );
    let error = first_frame_too_large(&commands).expect("an error says why");
    assert_eq!(error.code(), "frame_too_large");
    assert!(matches!(error, ErrorEvent::FirstFrameTooLarge { len, max: 100 } if len > 200));
    assert_eq!(h.engine.state(), State::Closed);
}

#[test]
fn a_provided_token_that_makes_init_too_large_fails_the_attempt_and_the_next_is_asked_again() {
    let mut cfg = config();
    cfg.first_frame_provided = true;
    cfg.max_frame_bytes = 100;
    let mut h = Harness::new(cfg);
    h.connect();
    let resolved = |h: &mut Harness, token: String| {
        h.input(Input::EndpointResolved {
            url: None,
            token: Some(token),
            hello: None,
        })
    };
    let commands = resolved(&mut h, "t".repeat(200));
    assert_eq!(opens(&commands), 0);
    assert!(first_frame_too_large(&commands).is_some());
    assert_eq!(h.engine.state(), State::Reconnecting);
    assert!(h
        .fire(TimerKind::Reconnect)
        .contains(&Command::ResolveEndpoint { attempt: 1 }));
    assert_eq!(opens(&resolved(&mut h, "short".into())), 1);
    let sent = frames(&h.input(Input::Opened));
    assert_eq!(sent[0], r#"{"type":"init","userId":"ada","token":"short"}"#);
}

#[test]
fn a_fixed_token_too_large_with_a_url_provider_stops_the_client_too() {
    let mut cfg = config();
    cfg.url_provided = true;
    cfg.token = Some("t".repeat(200));
    cfg.max_frame_bytes = 100;
    let mut h = Harness::new(cfg);
    h.connect();
    let commands = h.input(Input::EndpointResolved {
        url: Some("ws://127.0.0.1:2/ws".into()),
        token: Some("t".repeat(200)),
        hello: None,
    });
    assert_eq!(opens(&commands), 0);
    assert_eq!(
        h.engine.state(),
        State::Closed,
        "a new URL does not shorten the token"
    );
}

#[test]
fn a_hello_over_the_frame_limit_is_never_sent() {
    let mut cfg = generic();
    cfg.hello = Some(format!(r#"{{"auth":"{}"}}"#, "h".repeat(200)));
    cfg.max_frame_bytes = 100;
    let mut h = Harness::new(cfg);
    let commands = h.connect();
    assert_eq!(opens(&commands), 0);
    assert!(first_frame_too_large(&commands).is_some());
    assert_eq!(h.engine.state(), State::Closed);
}

#[test]
fn a_connect_timeout_while_resolving_ends_the_wait_and_a_late_endpoint_opens_nothing() {
    let mut cfg = config();
    cfg.url_provided = true;
    let mut h = Harness::new(cfg);
    h.connect();
    h.fire(TimerKind::ConnectTimeout);
    assert!(!h.engine.awaits_endpoint());
    assert_eq!(h.engine.state(), State::Reconnecting);
    let late = h.input(Input::EndpointResolved {
        url: Some("ws://127.0.0.1:2/ws".into()),
        token: None,
        hello: None,
    });
    assert_eq!(opens(&late), 0);
}

#[test]
fn a_token_provider_with_a_list_of_urls_connects_to_each_url_in_turn() {
    let mut cfg = config();
    cfg.urls = vec!["ws://127.0.0.1:1/a".into(), "ws://127.0.0.1:2/b".into()];
    cfg.first_frame_provided = true;
    let mut h = Harness::new(cfg);
    h.connect();
    let resolved = |h: &mut Harness, token: &str| {
        h.input(Input::EndpointResolved {
            url: None,
            token: Some(token.into()),
            hello: None,
        })
    };
    assert!(resolved(&mut h, "t0").contains(&Command::OpenSocket {
        url: "ws://127.0.0.1:1/a".into()
    }));
    h.input(Input::OpenFailed {
        reason: "refused".into(),
    });
    assert!(h
        .fire(TimerKind::Reconnect)
        .contains(&Command::ResolveEndpoint { attempt: 1 }));
    assert!(resolved(&mut h, "t1").contains(&Command::OpenSocket {
        url: "ws://127.0.0.1:2/b".into()
    }));
    let sent = frames(&h.input(Input::Opened));
    assert_eq!(sent[0], r#"{"type":"init","userId":"ada","token":"t1"}"#);
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

#[test]
fn a_refused_url_ends_with_a_token_provider_too_and_is_retried_only_with_a_url_provider() {
    for (url_provided, first_frame_provided, then) in [
        (false, true, State::Closed),
        (true, false, State::Reconnecting),
        (true, true, State::Reconnecting),
    ] {
        let mut cfg = config();
        cfg.url_provided = url_provided;
        cfg.first_frame_provided = first_frame_provided;
        let mut h = Harness::new(cfg);
        h.connect();
        h.input(Input::EndpointResolved {
            url: url_provided.then(|| "ws://127.0.0.1:2/ws#fragment".into()),
            token: Some("t".into()),
            hello: None,
        });
        h.input(Input::OpenFailed {
            reason: "SyntaxError".into(),
        });
        assert_eq!(
            h.engine.state(),
            then,
            "url provided: {url_provided}, token provided: {first_frame_provided}"
        );
    }
}

// ── inbound frames ──────────────────────────────────────────────────────────

#[test]
fn every_frame_gets_a_verdict_and_bad_ones_an_error_without_breaking_the_connection() {
    let mut h = Harness::new(config());
    h.open();
    let mut verdicts = Vec::new();
    for text in [
        "not json",
        r#"{"type":"chat","message":1}"#,
        r#"{"message":"no type"}"#,
        r#"{"type":"typing","who":"bob"}"#,
        r#"{"type":"chat","fromUserId":"bob","message":"hi","timestamp":"t"}"#,
    ] {
        let (verdict, commands) = h.frame(text);
        assert!(events(&commands).is_empty(), "{text}: only the verdict");
        verdicts.push(verdict);
    }
    verdicts.push(h.engine.handle_binary(3));
    assert!(matches!(
        &verdicts[0],
        Verdict::Untyped(Some(ErrorEvent::Decode(DecodeError::InvalidJson { .. })))
    ));
    assert!(matches!(
        &verdicts[1],
        Verdict::Untyped(Some(ErrorEvent::Decode(DecodeError::MissingField {
            field: "fromUserId",
            ..
        })))
    ));
    assert_eq!(
        verdicts[2],
        Verdict::Untyped(Some(ErrorEvent::Decode(DecodeError::MissingType)))
    );
    assert!(matches!(
        &verdicts[3],
        Verdict::Typed(FrameType::Other(frame_type)) if frame_type == "typing"
    ));
    assert_eq!(verdicts[4], Verdict::Typed(FrameType::Chat));
    assert_eq!(
        verdicts[5],
        Verdict::Untyped(Some(ErrorEvent::BinaryFrame { len: 3 }))
    );
    assert_eq!(h.engine.state(), State::Open);
}

#[test]
fn oversized_frames_are_refused_not_parsed() {
    let mut cfg = config();
    cfg.max_frame_bytes = 32;
    let mut h = Harness::new(cfg);
    h.open();
    let too_large = Verdict::Refused(ErrorEvent::Decode(DecodeError::TooLarge {
        len: 33,
        max: 32,
    }));
    assert_eq!(h.frame(&"y".repeat(33)).0, too_large);
    assert_eq!(h.engine.handle_binary(33), too_large);
}

#[test]
fn frames_of_a_socket_no_longer_current_are_dropped() {
    let mut h = Harness::new(config());
    h.open();
    h.drop_with(1006);
    assert_eq!(h.frame(r#"{"type":"pong"}"#).0, Verdict::Dropped);
    assert_eq!(h.engine.handle_binary(1), Verdict::Dropped);
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

fn chat_frame(from: &str, id: &str, seq: Option<u64>) -> String {
    let seq = seq.map_or(String::new(), |seq| format!(r#","seq":{seq}"#));
    format!(
        r#"{{"type":"chat","fromUserId":"{from}","message":"m","timestamp":"t","id":"{id}"{seq}}}"#
    )
}

/// Whether the application gets the chat `text` (rather than a duplicate drop).
fn delivered(h: &mut Harness, text: &str) -> bool {
    match h.frame(text).0 {
        Verdict::Typed(FrameType::Chat) => true,
        Verdict::Dropped => false,
        other => panic!("unexpected verdict {other:?}"),
    }
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
    h.frame(&format!(r#"{{"type":"ack","id":"{first}"}}"#));
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
    let commands = h.frame(&format!(
        r#"{{"type":"error","code":"recipient_offline","message":"nobody is offline","id":"{id}"}}"#
    )).1;
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
    let commands = h
        .frame(r#"{"type":"error","code":"rate_limited","message":"slow down"}"#)
        .1;
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
    let commands = h.frame(&format!(r#"{{"type":"ack","id":"{id}"}}"#)).1;
    assert!(commands.contains(&Command::CancelTimer(TimerKind::AckTimeout)));
    assert!(h.fire(TimerKind::AckTimeout).is_empty());
    assert_eq!(h.engine.delivery().as_str(), "at-least-once");
}

#[test]
fn a_chat_delivered_twice_reaches_the_application_once() {
    let mut h = Harness::new(config());
    h.open();
    assert!(delivered(&mut h, &chat_frame("bob", "b-1", None)));
    assert!(!delivered(&mut h, &chat_frame("bob", "b-1", None)));
    assert!(
        delivered(&mut h, &chat_frame("eve", "b-1", None)),
        "ids are per sender"
    );
}

#[test]
fn init_resumes_from_the_last_seq_and_replays_are_not_delivered_twice() {
    let mut h = Harness::new(config());
    h.open();
    for (id, seq) in [("a", 1), ("b", 2), ("c", 3)] {
        h.frame(&chat_frame("bob", id, Some(seq)));
    }
    assert_eq!(h.engine.last_seq(), Some(3));
    h.drop_with(1006);
    h.fire(TimerKind::Reconnect);
    let init = &frames(&h.input(Input::Opened))[0];
    assert_eq!(init, r#"{"type":"init","userId":"ada","lastSeq":3}"#);
    // The server replays from 3 (overlapping) and on: only 4 is new.
    assert!(!delivered(&mut h, &chat_frame("bob", "c2", Some(3))));
    assert!(delivered(&mut h, &chat_frame("bob", "d", Some(4))));
    let resumed = h.frame(r#"{"type":"resumed","recovered":false}"#).0;
    assert_eq!(resumed, Verdict::Typed(FrameType::Resumed));
}

#[test]
fn an_unrecovered_resume_restarts_the_seq_baseline() {
    let mut h = Harness::new(config());
    h.open();
    h.frame(&chat_frame("bob", "a", Some(40)));
    h.drop_with(1006);
    h.fire(TimerKind::Reconnect);
    h.input(Input::Opened);
    // A restarted server without history numbers from 1 again.
    h.frame(r#"{"type":"resumed","recovered":false}"#);
    assert_eq!(h.engine.last_seq(), None);
    assert!(delivered(&mut h, &chat_frame("bob", "b", Some(1))));
    assert!(
        !delivered(&mut h, &chat_frame("bob", "a", Some(2))),
        "same id"
    );
}

fn chat_in_epoch(id: &str, seq: u64, epoch: &str) -> String {
    format!(
        r#"{{"type":"chat","fromUserId":"bob","message":"m","timestamp":"t","id":"{id}","seq":{seq},"epoch":"{epoch}"}}"#
    )
}

#[test]
fn a_sequence_restarted_under_a_new_epoch_is_delivered_not_dropped_as_replays() {
    let mut h = Harness::new(config());
    h.open();
    for seq in 1..=5 {
        assert!(delivered(
            &mut h,
            &chat_in_epoch(&format!("old-{seq}"), seq, "e1")
        ));
    }
    // The server lost this user's history while the connection stayed up
    // (or before a reconnect it could not resume): numbering starts again.
    for seq in 1..=5 {
        assert!(
            delivered(&mut h, &chat_in_epoch(&format!("new-{seq}"), seq, "e2")),
            "seq {seq} of the new epoch"
        );
    }
    assert!(
        !delivered(&mut h, &chat_in_epoch("new-5-again", 5, "e2")),
        "a replay in the same epoch"
    );
    assert_eq!(h.engine.last_seq(), Some(5));
}

#[test]
fn init_names_the_epoch_of_its_last_seq_as_resumed_told_it() {
    let mut h = Harness::new(config());
    h.open();
    h.frame(&chat_in_epoch("a", 3, "e1"));
    h.drop_with(1006);
    h.fire(TimerKind::Reconnect);
    let init = &frames(&h.input(Input::Opened))[0];
    assert_eq!(
        init,
        r#"{"type":"init","userId":"ada","lastSeq":3,"epoch":"e1"}"#
    );
    // The server answers with a new epoch and nothing recovered.
    h.frame(r#"{"type":"resumed","recovered":false,"epoch":"e9"}"#);
    assert_eq!(h.engine.last_seq(), None);
    assert!(delivered(&mut h, &chat_in_epoch("b", 1, "e9")));
    h.drop_with(1006);
    h.fire(TimerKind::Reconnect);
    let init = &frames(&h.input(Input::Opened))[0];
    assert_eq!(
        init,
        r#"{"type":"init","userId":"ada","lastSeq":1,"epoch":"e9"}"#
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

// ── generic mode and servers of other dialects ─────────────────────────────

fn generic() -> Config {
    Config::generic(URL)
}

#[test]
fn generic_mode_sends_nothing_of_its_own_and_hands_over_every_frame() {
    let mut h = Harness::new(generic());
    let queued = h.engine.send_text("hello server".into()).unwrap();
    assert!(!queued.is_empty());
    let sent = frames(&h.open());
    assert_eq!(sent, ["hello server"], "no init: only what the app sent");
    for text in [
        "plain text",
        r#"{"name":"ada","msg":"hi"}"#,
        r#"{"type":"chat","user":"ada","content":"hi"}"#,
        r#"{"type":"ack"}"#,
    ] {
        let (verdict, commands) = h.frame(text);
        assert_eq!(verdict, Verdict::Untyped(None), "{text}");
        assert!(
            commands.is_empty(),
            "{text}: nothing sent, nothing reported"
        );
    }
    assert_eq!(h.engine.handle_binary(8), Verdict::Untyped(None));
    assert!(matches!(
        h.engine.send_chat(None, "x"),
        Err(SendError::Unsupported("sendChat"))
    ));
}

#[test]
fn generic_mode_sends_the_hello_first_on_every_connection() {
    let mut cfg = generic();
    cfg.hello = Some(r#"{"join":"ada"}"#.into());
    let mut h = Harness::new(cfg);
    h.engine.send_text("queued".into()).unwrap();
    assert_eq!(frames(&h.open()), [r#"{"join":"ada"}"#, "queued"]);
    h.drop_with(1006);
    h.fire(TimerKind::Reconnect);
    assert_eq!(frames(&h.input(Input::Opened)), [r#"{"join":"ada"}"#]);
}

#[test]
fn a_hello_from_the_provider_replaces_the_configured_one() {
    let mut cfg = generic();
    cfg.first_frame_provided = true;
    let mut h = Harness::new(cfg);
    h.connect();
    h.input(Input::EndpointResolved {
        url: Some(URL.into()),
        token: None,
        hello: Some("hello #0".into()),
    });
    assert_eq!(frames(&h.input(Input::Opened)), ["hello #0"]);
}

#[test]
fn frames_over_the_limit_are_refused_in_generic_mode_too() {
    let mut cfg = generic();
    cfg.max_frame_bytes = 4;
    let mut h = Harness::new(cfg);
    h.open();
    assert!(
        matches!(h.frame("12345").0, Verdict::Refused(error) if error.code() == "frame_too_large")
    );
    assert_eq!(h.frame("1234").0, Verdict::Untyped(None));
}

fn heartbeat_of(mut cfg: Config) -> Config {
    cfg.heartbeat = Some(HeartbeatConfig::default());
    cfg
}

/// Opens, sends a ping and lets its timeout pass in silence.
fn silent_ping(h: &mut Harness) -> Vec<Command> {
    h.advance(25_000);
    h.fire(TimerKind::HeartbeatPing);
    h.advance(10_000);
    h.fire(TimerKind::HeartbeatTimeout)
}

#[test]
fn a_server_that_never_answered_a_ping_is_not_closed_for_its_silence() {
    for cfg in [heartbeat_of(config()), heartbeat_of(generic())] {
        let mut h = Harness::new(cfg);
        h.open();
        // Frames other than a pong keep it alive, but prove no ping support.
        h.advance(1_000);
        h.frame(r#"{"type":"notification","message":"hi"}"#);
        let commands = silent_ping(&mut h);
        assert_eq!(h.engine.state(), State::Open);
        assert!(!commands
            .iter()
            .any(|c| matches!(c, Command::AbandonSocket { .. })));
        assert_eq!(
            events(&commands),
            [Event::Error(ErrorEvent::HeartbeatUnsupported {
                ms: 10_000
            })]
        );
        assert!(commands.contains(&Command::CancelTimer(TimerKind::HeartbeatPing)));
        // Pinging has stopped: no more probes, on this or a later connection.
        h.drop_with(1006);
        h.fire(TimerKind::Reconnect);
        let commands = h.input(Input::Opened);
        assert_eq!(timer_set(&commands, TimerKind::HeartbeatPing), None);
        assert!(
            h.input(Input::Visible).is_empty(),
            "no probe on becoming visible"
        );
    }
}

#[test]
fn once_a_pong_was_heard_silence_after_a_ping_is_a_dead_link() {
    let mut h = Harness::new(heartbeat_of(config()));
    h.open();
    h.advance(25_000);
    h.fire(TimerKind::HeartbeatPing);
    h.frame(r#"{"type":"pong"}"#);
    let commands = silent_ping(&mut h);
    assert!(events(&commands).contains(&Event::Error(ErrorEvent::HeartbeatTimeout { ms: 10_000 })));
    assert_eq!(h.engine.state(), State::Reconnecting);
}

#[test]
fn the_ping_and_its_answer_are_configurable() {
    let mut cfg = generic();
    cfg.kind_field = "event".into();
    cfg.heartbeat = Some(HeartbeatConfig {
        ping: r#"{"event":"ping"}"#.into(),
        pong: "pong".into(),
        ..HeartbeatConfig::default()
    });
    // The answer is a frame whose kind is `pong`, or the text `pong` itself.
    for answer in [r#"{"event":"pong","at":1}"#, "pong"] {
        let mut h = Harness::new(cfg.clone());
        h.open();
        h.advance(25_000);
        let commands = h.fire(TimerKind::HeartbeatPing);
        assert_eq!(frames(&commands), [r#"{"event":"ping"}"#]);
        h.frame(answer);
        silent_ping(&mut h);
        assert_eq!(h.engine.state(), State::Reconnecting, "{answer} was a pong");
    }
    // `{"type":"pong"}` is not the answer when the kind is in `event`.
    let mut h = Harness::new(cfg);
    h.open();
    h.frame(r#"{"type":"pong"}"#);
    let commands = silent_ping(&mut h);
    assert_eq!(h.engine.state(), State::Open);
    assert_eq!(
        events(&commands)[0].clone(),
        Event::Error(ErrorEvent::HeartbeatUnsupported { ms: 10_000 })
    );
}

#[test]
fn an_attempt_that_fails_before_opening_is_a_connect_failed_error_with_its_number() {
    let mut h = Harness::new(config());
    h.connect();
    let mut delays = Vec::new();
    for attempt in 0..4 {
        // A refused handshake (HTTP 403) shows up as a close 1006 before open.
        let commands = h.drop_with(1006);
        assert_eq!(
            events(&commands)[0],
            Event::Error(ErrorEvent::ConnectFailed {
                attempt,
                code: 1006
            })
        );
        delays.push(timer_set(&commands, TimerKind::Reconnect).unwrap());
        h.fire(TimerKind::Reconnect);
    }
    // Backoff grows between failed attempts (jitter at most ±50 %).
    assert!(delays[3] > delays[0], "{delays:?}");
    // A close after open is a lost connection, not a failed attempt.
    h.input(Input::Opened);
    let commands = h.drop_with(1006);
    assert!(!events(&commands)
        .iter()
        .any(|e| matches!(e, Event::Error(_))));
}

// ── several URLs and draining servers ───────────────────────────────────────

fn two_urls() -> Config {
    let mut cfg = config();
    cfg.urls = vec!["ws://a/ws".into(), "ws://b/ws".into()];
    cfg
}

fn opened_url(commands: &[Command]) -> Option<String> {
    commands.iter().find_map(|command| match command {
        Command::OpenSocket { url } => Some(url.clone()),
        _ => None,
    })
}

#[test]
fn an_attempt_that_fails_moves_on_to_the_next_url_and_a_lost_connection_retries_the_same() {
    let mut h = Harness::new(two_urls());
    assert_eq!(opened_url(&h.connect()).as_deref(), Some("ws://a/ws"));
    h.drop_with(1006); // refused before opening
    assert_eq!(
        opened_url(&h.fire(TimerKind::Reconnect)).as_deref(),
        Some("ws://b/ws")
    );
    h.input(Input::Opened);
    h.drop_with(1006); // an open connection dropped: try where it was first
    assert_eq!(
        opened_url(&h.fire(TimerKind::Reconnect)).as_deref(),
        Some("ws://b/ws")
    );
    h.fire(TimerKind::ConnectTimeout); // this one hangs: next, and round again
    assert_eq!(
        opened_url(&h.fire(TimerKind::Reconnect)).as_deref(),
        Some("ws://a/ws")
    );
    // A URL the browser refuses outright ends a single-URL client, not a list.
    h.input(Input::OpenFailed {
        reason: "SyntaxError".into(),
    });
    assert_eq!(h.engine.state(), State::Reconnecting);
    assert_eq!(
        opened_url(&h.fire(TimerKind::Reconnect)).as_deref(),
        Some("ws://b/ws")
    );
}

#[test]
fn a_draining_server_is_left_within_its_window_for_the_next_url_without_error_or_backoff() {
    let mut h = Harness::new(two_urls());
    h.open();
    h.advance(u64::from(ReconnectPolicy::default().stable_after_ms));
    let commands = h.frame(r#"{"type":"reconnect","afterMs":2000}"#).1;
    let delay = timer_set(&commands, TimerKind::ServerReconnect).unwrap();
    assert!(delay <= 2000, "{delay}");
    assert_eq!(
        h.engine.state(),
        State::Open,
        "nothing happens before the moment"
    );
    h.advance(u64::from(delay));
    let commands = h.fire(TimerKind::ServerReconnect);
    assert!(commands.iter().any(|c| matches!(
        c,
        Command::AbandonSocket { code: 4001, reason } if reason == "server asked to reconnect"
    )));
    assert_eq!(
        opened_url(&commands).as_deref(),
        Some("ws://b/ws"),
        "at once, elsewhere"
    );
    assert!(!events(&commands)
        .iter()
        .any(|e| matches!(e, Event::Error(_))));
    assert_eq!(h.engine.attempt(), 0, "not counted as a retry");
    assert_eq!(h.engine.state(), State::Connecting);
}

#[test]
fn a_server_that_asks_every_new_connection_to_reconnect_meets_the_backoff() {
    let mut cfg = two_urls();
    cfg.reconnect.max_retries = Some(3);
    let mut h = Harness::new(cfg);
    h.open();
    let mut delays = Vec::new();
    for _ in 0..3 {
        h.frame(r#"{"type":"reconnect"}"#);
        let commands = h.fire(TimerKind::ServerReconnect);
        assert_eq!(opens(&commands), 0, "not at once");
        delays.push(timer_set(&commands, TimerKind::Reconnect).expect("a backoff"));
        h.fire(TimerKind::Reconnect);
        h.input(Input::Opened);
    }
    assert_eq!(h.engine.attempt(), 3, "each counted as a retry");
    assert!(delays[2] > delays[0], "{delays:?}");
    h.frame(r#"{"type":"reconnect"}"#);
    let commands = h.fire(TimerKind::ServerReconnect);
    assert!(events(&commands).contains(&Event::GiveUp { retries: 3 }));
    assert_eq!(h.engine.state(), State::Closed);
}

#[test]
fn drain_moments_are_spread_over_the_window() {
    let moments: Vec<u32> = (0..200u64)
        .map(|seed| {
            let mut h = Harness::new(config());
            h.engine = wsnotify::engine::Engine::new(config(), seed);
            h.open();
            let commands = h.frame(r#"{"type":"reconnect","afterMs":10000}"#).1;
            timer_set(&commands, TimerKind::ServerReconnect).unwrap()
        })
        .collect();
    // 200 clients over 10 s: no tenth of the window holds more than a
    // third of them, and every tenth holds some.
    let mut per_tenth = [0; 10];
    for moment in &moments {
        per_tenth[(*moment as usize / 1000).min(9)] += 1;
    }
    assert!(
        per_tenth.iter().all(|&n| (1..=66).contains(&n)),
        "{per_tenth:?}"
    );
}

#[test]
fn a_client_without_a_numbered_frame_resumes_from_zero_after_its_first_connection() {
    let mut h = Harness::new(config());
    let first = frames(&h.open());
    assert_eq!(
        first[0], r#"{"type":"init","userId":"ada"}"#,
        "a first connection asks for nothing"
    );
    // Chats numbered for it while it is away must not be missed.
    h.drop_with(1006);
    h.fire(TimerKind::Reconnect);
    let init = &frames(&h.input(Input::Opened))[0];
    assert_eq!(init, r#"{"type":"init","userId":"ada","lastSeq":0}"#);
}
