//! Property tests of the engine over random event sequences, and of the
//! frame encoder and the length limits over arbitrary text. Each property
//! runs 10,000 cases.
//! The decoder's properties are in `decode_reference.rs`.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};

use proptest::prelude::*;
use wsnotify::engine::{
    delay_window_ms, CloseInfo, ClosePolicy, Command, Config, Delivery, Engine, Event,
    HeartbeatConfig, Input, Mode, OutboxLimits, SendError, State, TimerKind, Verdict,
};
use wsnotify::protocol::{char_count, encode, ClientFrame, UserId};

const CASES: u32 = 10_000;

#[derive(Debug, Clone)]
enum Action {
    Connect,
    Close,
    Reconnect,
    SendChat(usize),
    SendText(usize),
    SocketOpened,
    SocketClosed(u16),
    /// The server starts the closing handshake (the socket turns `CLOSING`).
    PeerCloses,
    Frame(usize),
    Binary,
    OpenFailed,
    EndpointResolved,
    EndpointFailed,
    FireDue,
    StaleFire(TimerKind),
    Advance(u32),
    Online,
    Offline,
    Visible,
    PageHidden,
    /// The server acks the oldest chat sent on this socket and not yet settled.
    AckOldest,
    /// The server refuses the oldest such chat with an `error` naming its id.
    RejectOldest,
    /// The application answers the engine's question about a close.
    Decide(Option<bool>),
    /// The socket puts this many of the bytes it holds on the network.
    Drain(usize),
}

fn action() -> impl Strategy<Value = Action> {
    let timer = prop_oneof![
        Just(TimerKind::Reconnect),
        Just(TimerKind::ConnectTimeout),
        Just(TimerKind::HeartbeatPing),
        Just(TimerKind::HeartbeatTimeout),
    ];
    prop_oneof![
        2 => Just(Action::Connect),
        1 => Just(Action::Close),
        1 => Just(Action::Reconnect),
        4 => (0usize..40).prop_map(Action::SendChat),
        2 => (0usize..120).prop_map(Action::SendText),
        4 => Just(Action::SocketOpened),
        3 => prop::sample::select(vec![1000u16, 1001, 1006, 1008, 1011, 4401, 4500]).prop_map(Action::SocketClosed),
        1 => Just(Action::PeerCloses),
        3 => (0usize..FRAMES.len()).prop_map(Action::Frame),
        1 => Just(Action::Binary),
        1 => Just(Action::OpenFailed),
        2 => Just(Action::EndpointResolved),
        1 => Just(Action::EndpointFailed),
        5 => Just(Action::FireDue),
        1 => timer.prop_map(Action::StaleFire),
        2 => (0u32..30_000).prop_map(Action::Advance),
        1 => Just(Action::Online),
        1 => Just(Action::Offline),
        1 => Just(Action::Visible),
        1 => Just(Action::PageHidden),
        4 => Just(Action::AckOldest),
        1 => Just(Action::RejectOldest),
        2 => prop::option::of(any::<bool>()).prop_map(Action::Decide),
        2 => (0usize..400).prop_map(Action::Drain),
    ]
}

/// The hello frame of generic-mode configurations.
const HELLO: &str = r#"{"type":"hello"}"#;

const FRAMES: [&str; 6] = [
    r#"{"type":"chat","fromUserId":"bob","message":"hi","timestamp":"t"}"#,
    r#"{"type":"reconnect","afterMs":500}"#,
    r#"{"type":"notification","message":"bob joined","online":2}"#,
    r#"{"type":"pong"}"#,
    "{not json",
    r#"{"type":"typing"}"#,
];

fn config() -> impl Strategy<Value = Config> {
    (
        any::<bool>(),
        prop::option::of(0u32..4),
        any::<bool>(),
        1usize..6,
        40usize..400,
        prop::bool::weighted(0.9),
        any::<bool>(),
        prop::bool::weighted(0.25),
        prop::bool::weighted(0.25),
        60usize..1_500,
    )
        .prop_map(
            |(
                heartbeat,
                max_retries,
                resolve,
                max_frames,
                max_bytes,
                reconnect,
                acks,
                generic,
                custom,
                max_buffered_bytes,
            )| {
                let mut config = if generic {
                    let mut config = Config::generic(common::URL);
                    config.hello = Some(HELLO.into());
                    config
                } else {
                    common::config()
                };
                config.heartbeat = heartbeat.then_some(HeartbeatConfig {
                    interval_ms: 3_000,
                    timeout_ms: 1_000,
                    ..HeartbeatConfig::default()
                });
                config.reconnect.max_retries = max_retries;
                config.reconnect.enabled = reconnect;
                config.url_provided = resolve;
                config.outbox = OutboxLimits {
                    max_frames,
                    max_bytes,
                };
                config.max_buffered_bytes = max_buffered_bytes;
                if custom {
                    config.close_policy = ClosePolicy::Custom;
                }
                if acks && !generic {
                    config.delivery = Delivery::AtLeastOnce;
                    config.ack_timeout_ms = 5_000;
                }
                config
            },
        )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sock {
    None,
    Opening,
    Open,
    /// Closing at the server's request; nothing written to it arrives.
    PeerClosing,
    Closing,
}

/// A driver that behaves like the browser: it feeds only events a real
/// socket and real timers could produce, and checks every command.
struct World {
    engine: Engine,
    config: Config,
    now: u64,
    socket: Sock,
    resolving: bool,
    timers: HashMap<TimerKind, u64>,
    /// Ids `send_*` accepted, in call order.
    accepted: Vec<String>,
    /// Custom-frame reference → id, to recognise `send_text` frames on the wire.
    text_refs: HashMap<String, String>,
    /// (socket number, id) of every user frame written, in order.
    sent: Vec<(usize, String)>,
    rejected: Vec<String>,
    acked: HashSet<String>,
    /// Chats written to the current socket that the server has not settled.
    unsettled: Vec<String>,
    socket_no: usize,
    frames_on_socket: usize,
    /// Bytes written to the current socket and not yet drained: its
    /// `bufferedAmount`.
    buffered: usize,
    /// The engine asked whether to reconnect and has no answer yet.
    deciding: bool,
    next_ref: usize,
}

impl World {
    fn new(config: Config, seed: u64) -> Self {
        Self {
            engine: Engine::new(config.clone(), seed),
            config,
            now: 0,
            socket: Sock::None,
            resolving: false,
            timers: HashMap::new(),
            accepted: Vec::new(),
            text_refs: HashMap::new(),
            sent: Vec::new(),
            rejected: Vec::new(),
            acked: HashSet::new(),
            unsettled: Vec::new(),
            socket_no: 0,
            frames_on_socket: 0,
            buffered: 0,
            deciding: false,
            next_ref: 0,
        }
    }

    fn input(&mut self, input: Input) {
        self.engine.handle(self.now, input);
    }

    /// As the driver does before a call that may send: reports the
    /// socket's backlog while the engine writes to it. Returns the backlog.
    fn report_backlog(&mut self) -> usize {
        if self.engine.writes_to_socket() {
            self.input(Input::SocketBacklog(self.buffered));
        }
        self.buffered
    }

    fn apply(&mut self, action: Action) -> Result<(), TestCaseError> {
        let was_closed = self.engine.state() == State::Closed;
        let may_attempt = matches!(action, Action::Connect | Action::Reconnect);
        match action {
            Action::Connect => self.engine.connect(),
            Action::Close => {
                let _ = self.engine.close(1000, "");
            }
            Action::Reconnect => self.engine.reconnect(),
            Action::SendChat(len) => {
                let before = self.report_backlog();
                match self.engine.send_chat(None, &"m".repeat(len)) {
                    Ok(id) => self.accepted.push(id),
                    Err(SendError::SocketBacklog { bytes, .. }) => {
                        prop_assert!(
                            before > 0 && bytes == before,
                            "refused with {} held of {}",
                            bytes,
                            before
                        );
                    }
                    Err(_) => {}
                }
            }
            Action::SendText(pad) => {
                self.next_ref += 1;
                let reference = self.next_ref.to_string();
                let text = format!(
                    r#"{{"type":"custom","ref":"{reference}","pad":"{}"}}"#,
                    "p".repeat(pad)
                );
                let len = text.len();
                let direct = self.engine.writes_to_socket() && self.engine.state() == State::Open;
                let before = self.report_backlog();
                let max = self.config.max_buffered_bytes;
                match self.engine.send_text(text) {
                    Ok(id) => {
                        prop_assert!(
                            !direct || before == 0 || before + len <= max,
                            "{} + {} bytes past {}",
                            before,
                            len,
                            max
                        );
                        self.text_refs.insert(reference, id.clone());
                        self.accepted.push(id);
                    }
                    Err(SendError::SocketBacklog { bytes, .. }) => {
                        prop_assert!(
                            direct && before > 0 && bytes == before && before + len > max,
                            "refused wrongly: {} + {} of {}",
                            bytes,
                            len,
                            max
                        );
                    }
                    Err(_) => {}
                }
            }
            Action::SocketOpened if self.socket == Sock::Opening => {
                self.socket = Sock::Open;
                self.input(Input::Opened);
            }
            Action::PeerCloses if self.socket == Sock::Open => {
                self.socket = Sock::PeerClosing;
                self.input(Input::PeerClosing);
            }
            Action::SocketClosed(code) if self.socket != Sock::None => {
                self.socket = Sock::None;
                self.input(Input::Closed(CloseInfo {
                    code,
                    reason: String::new(),
                    clean: code != 1006,
                }));
            }
            Action::Frame(index)
                if matches!(self.socket, Sock::Open | Sock::PeerClosing | Sock::Closing) =>
            {
                let verdict = self.engine.handle_frame(FRAMES[index]);
                if self.config.mode == Mode::Generic {
                    prop_assert_eq!(
                        verdict,
                        Verdict::Untyped(None),
                        "generic mode validates nothing"
                    );
                }
            }
            Action::Binary if self.socket == Sock::Open => {
                self.engine.handle_binary(4);
            }
            Action::OpenFailed if self.socket == Sock::Opening => {
                self.socket = Sock::None;
                self.input(Input::OpenFailed {
                    reason: "SyntaxError".into(),
                });
            }
            Action::EndpointResolved if self.resolving => {
                self.resolving = false;
                self.input(Input::EndpointResolved {
                    url: Some(common::URL.into()),
                    token: Some("t".into()),
                    hello: self.config.hello.clone(),
                });
            }
            Action::EndpointFailed if self.resolving => {
                self.resolving = false;
                self.input(Input::EndpointFailed {
                    reason: "down".into(),
                });
            }
            Action::FireDue => {
                let due = self
                    .timers
                    .iter()
                    .min_by_key(|(_, due)| **due)
                    .map(|(k, d)| (*k, *d));
                if let Some((kind, due)) = due {
                    self.timers.remove(&kind);
                    self.now = self.now.max(due);
                    self.input(Input::TimerFired(kind));
                }
            }
            Action::StaleFire(kind) if !self.timers.contains_key(&kind) => {
                self.input(Input::TimerFired(kind));
                let commands: Vec<Command> = self.engine.drain_commands().collect();
                prop_assert!(
                    commands.is_empty(),
                    "a stale {kind:?} produced {commands:?}"
                );
            }
            Action::Advance(ms) => self.now += u64::from(ms),
            Action::Online => self.input(Input::Online),
            Action::Offline => self.input(Input::Offline),
            Action::Visible => self.input(Input::Visible),
            Action::PageHidden => self.input(Input::PageHidden),
            Action::AckOldest if self.socket == Sock::Open && !self.unsettled.is_empty() => {
                let id = self.unsettled.remove(0);
                self.acked.insert(id.clone());
                self.engine
                    .handle_frame(&format!(r#"{{"type":"ack","id":"{id}"}}"#));
            }
            Action::Drain(bytes) => self.buffered = self.buffered.saturating_sub(bytes),
            Action::Decide(answer) if self.deciding => {
                self.deciding = false;
                self.input(Input::ReconnectDecided(answer));
            }
            Action::RejectOldest if self.socket == Sock::Open && !self.unsettled.is_empty() => {
                let id = self.unsettled.remove(0);
                self.engine.handle_frame(&format!(
                    r#"{{"type":"error","code":"recipient_offline","message":"m","id":"{id}"}}"#
                ));
            }
            _ => {}
        }
        self.run_commands(was_closed && !may_attempt)
    }

    fn run_commands(&mut self, attempts_forbidden: bool) -> Result<(), TestCaseError> {
        let commands: Vec<Command> = self.engine.drain_commands().collect();
        for command in commands {
            match command {
                Command::OpenSocket { url } => {
                    prop_assert!(!attempts_forbidden, "an attempt after a terminal close");
                    prop_assert_eq!(self.socket, Sock::None, "a second socket");
                    prop_assert_eq!(url.as_str(), common::URL);
                    self.socket = Sock::Opening;
                    self.socket_no += 1;
                    self.unsettled.clear();
                    self.frames_on_socket = 0;
                    self.buffered = 0;
                }
                Command::ResolveEndpoint { .. } => {
                    prop_assert!(!attempts_forbidden, "an attempt after a terminal close");
                    prop_assert!(self.config.resolves_endpoint());
                    self.resolving = true;
                }
                Command::SendFrame(text) => {
                    prop_assert_eq!(self.socket, Sock::Open, "a frame into a socket not open");
                    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
                    if self.frames_on_socket == 0 {
                        let first = match self.config.mode {
                            Mode::Wsnotify => "init",
                            Mode::Generic => "hello",
                        };
                        prop_assert_eq!(&value["type"], first, "init or the hello must come first");
                    }
                    self.frames_on_socket += 1;
                    self.buffered += text.len();
                    let id = match value["type"].as_str() {
                        Some("chat") => value["id"].as_str().unwrap().to_owned(),
                        Some("custom") => self.text_refs[value["ref"].as_str().unwrap()].clone(),
                        _ => continue,
                    };
                    prop_assert!(!self.acked.contains(&id), "{} sent again after its ack", id);
                    if value["type"] == "chat" {
                        self.unsettled.push(id.clone());
                    }
                    self.sent.push((self.socket_no, id));
                }
                Command::CloseSocket { code, .. } | Command::AbandonSocket { code, .. }
                    if !(code == 1000 || (3000..=4999).contains(&code)) =>
                {
                    // `WebSocket.close` throws for any other code: the
                    // socket would stay open.
                    prop_assert!(false, "close code {} refused by browsers", code);
                }
                Command::CloseSocket { .. } => {
                    prop_assert!(matches!(
                        self.socket,
                        Sock::Opening | Sock::Open | Sock::PeerClosing
                    ));
                    self.socket = Sock::Closing;
                }
                Command::AbandonSocket { .. } => {
                    prop_assert_ne!(self.socket, Sock::None);
                    self.socket = Sock::None;
                }
                Command::SetTimer { kind, ms } => {
                    if kind == TimerKind::Reconnect {
                        let (low, high) =
                            delay_window_ms(&self.config.reconnect, self.engine.attempt());
                        prop_assert!(
                            (low..=high).contains(&ms),
                            "delay {} outside {}..={} for retry {}",
                            ms,
                            low,
                            high,
                            self.engine.attempt()
                        );
                    }
                    self.timers.insert(kind, self.now + u64::from(ms));
                }
                Command::CancelTimer(kind) => {
                    prop_assert!(
                        self.timers.remove(&kind).is_some(),
                        "cancelled {:?} twice",
                        kind
                    );
                }
                Command::DecideReconnect(_) => {
                    prop_assert_eq!(self.config.close_policy, ClosePolicy::Custom);
                    prop_assert_eq!(self.socket, Sock::None, "asked while a socket is up");
                    self.deciding = true;
                }
                Command::Emit(Event::SendFailed { id, .. }) => self.rejected.push(id),
                Command::Emit(_) => {}
            }
        }
        let limits = self.config.outbox;
        prop_assert!(self.engine.queued() <= limits.max_frames);
        prop_assert!(self.engine.queued_bytes() <= limits.max_bytes);
        Ok(())
    }

    /// Closes for good and checks that no accepted frame vanished (each was
    /// sent, or rejected with one event), none was rejected after its ack,
    /// and frames went out in the order they were accepted: once in all
    /// (at-most-once), or at most once per connection and never after their
    /// ack (at-least-once).
    fn finish(mut self) -> Result<(), TestCaseError> {
        let _ = self.engine.close(1000, "");
        self.run_commands(false)?;
        if self.socket == Sock::Closing {
            self.apply(Action::SocketClosed(1000))?;
        }
        prop_assert_eq!(self.engine.state(), State::Closed);
        prop_assert_eq!(self.engine.queued(), 0);
        let position: BTreeMap<&String, usize> = self
            .accepted
            .iter()
            .enumerate()
            .map(|(i, id)| (id, i))
            .collect();
        let at_least_once = self.config.delivery == Delivery::AtLeastOnce;
        let mut last: HashMap<usize, usize> = HashMap::new();
        let mut overall = None;
        for (socket, id) in &self.sent {
            let index = position.get(id).copied();
            prop_assert!(index.is_some(), "sent an id never accepted: {}", id);
            let index = index.unwrap();
            if at_least_once {
                let previous = last.insert(*socket, index);
                prop_assert!(previous < Some(index), "{} out of order on one socket", id);
            } else {
                prop_assert!(overall < Some(index), "out of order or sent twice: {}", id);
                overall = Some(index);
            }
        }
        let sent: HashSet<&String> = self.sent.iter().map(|(_, id)| id).collect();
        let mut rejected = HashSet::new();
        for id in &self.rejected {
            prop_assert!(rejected.insert(id), "{} rejected twice", id);
            prop_assert!(!self.acked.contains(id), "{} both acked and rejected", id);
        }
        for id in &self.accepted {
            prop_assert!(
                sent.contains(id) || rejected.contains(id),
                "{} vanished: neither sent nor rejected",
                id
            );
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn engine_invariants_hold_over_random_event_sequences(
        config in config(),
        seed in any::<u64>(),
        actions in prop::collection::vec(action(), 1..80),
    ) {
        let mut world = World::new(config, seed);
        for action in actions {
            world.apply(action)?;
        }
        world.finish()?;
    }

    #[test]
    fn encoded_chats_round_trip_any_text(message in any::<String>(), to in "[a-z]{1,64}") {
        let frame = ClientFrame::Chat {
            from_user_id: UserId::new("ada").unwrap(),
            to_user_id: Some(UserId::new(to.clone()).unwrap()),
            message: message.clone(),
            id: Some("x-1".into()),
        };
        let value: serde_json::Value = serde_json::from_str(&encode(&frame)).unwrap();
        prop_assert_eq!(value["message"].as_str(), Some(message.as_str()));
        prop_assert_eq!(value["toUserId"].as_str(), Some(to.as_str()));
    }

    #[test]
    fn length_limits_count_characters_of_any_text(text in any::<String>()) {
        prop_assert_eq!(char_count(&text), text.chars().count());
    }
}
