//! The connection state machine: its state, the user calls that steer the
//! connection, the inputs, the attempts and the timers. Sends and received
//! frames have a file each.

mod receive;
mod send;

use std::collections::VecDeque;

use super::backoff::{delay_ms, Rng};
use super::config::{is_terminal_code, ClosePolicy, Config, Delivery, Mode};
use super::delivery::{Acks, Ledger};
use super::errors::{CloseError, ErrorEvent};
use super::heartbeat::{Heartbeat, Silence};
use super::inputs::{CloseInfo, Input, TimerKind};
use super::outbox::{Outbox, QueuedFrame};
use super::outputs::{
    Command, DeliveryState, DeliveryStatus, DeliveryUpdate, Event, State, StateChange,
};
use crate::message::hex8;
use crate::protocol::{encode, ClientFrame};

/// The close code the client uses when it drops a socket it judged dead.
pub const CLOSE_DEAD: u16 = 4000;
/// The close code the client uses when `reconnect()` replaces a socket.
pub const CLOSE_RECONNECT: u16 = 4001;
/// The close code the client uses when it releases the socket of a page
/// going into the back/forward cache. Not 1001 ("going away"): a browser
/// lets a page close only with 1000 or 3000–4999.
pub const CLOSE_PAGE_HIDDEN: u16 = 4002;
/// The longest message id, in characters: what the reference server accepts.
pub const MAX_MESSAGE_ID_CHARS: usize = 128;
/// The longest close reason a browser accepts, in bytes.
const MAX_CLOSE_REASON_BYTES: usize = 123;

/// The socket, as far as the engine knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Socket {
    /// No socket.
    None,
    /// Waiting for the endpoint provider; no socket yet.
    Resolving,
    /// `OpenSocket` was issued; the handshake is under way.
    Opening,
    /// Open since `since` (ms).
    Open { since: u64 },
    /// Open since `since`, until the server started the closing handshake
    /// ([`Input::PeerClosing`]): frames still arrive, none can be sent.
    PeerClosing { since: u64 },
    /// `CloseSocket` was issued; waiting for its close.
    Closing,
    /// Closed unasked; the application decides whether to reconnect. The
    /// socket had been open since `opened_at`, if it opened.
    Deciding { opened_at: Option<u64> },
}

/// How long a connection open since `opened_at` (if it opened) lasted until `now`.
fn lasted(now: u64, opened_at: Option<u64>) -> Option<u64> {
    opened_at.map(|since| now.saturating_sub(since))
}

/// The sans-IO connection engine.
///
/// Feed it user calls and [`Input`]s, each with the current time in
/// milliseconds; then take the [`Command`]s it produced with
/// [`Engine::poll_command`] and carry them out.
#[derive(Debug)]
pub struct Engine {
    config: Config,
    state: State,
    retry: u32,
    next_delay_ms: Option<u32>,
    last_close: Option<CloseInfo>,
    socket: Socket,
    /// The open socket's backlog, as last reported ([`Input::SocketBacklog`]).
    socket_backlog: usize,
    /// Bytes of the `SendFrame` commands not yet taken by the driver: a
    /// send made inside a callback is written only once the callback
    /// returns, so the socket's backlog does not count it yet.
    unwritten_bytes: usize,
    offline: bool,
    /// The page is in the back/forward cache: no connection until it returns.
    frozen: bool,
    /// Where the next attempt connects.
    url: String,
    /// The position of `url` in the configured list.
    url_index: usize,
    token: Option<String>,
    /// The hello frame of the current attempt (generic mode).
    hello: Option<String>,
    outbox: Outbox,
    /// Chats that failed, oldest first, kept for [`Engine::retry`]; bounded
    /// like the outbox, the oldest forgotten first.
    failed: VecDeque<QueuedFrame>,
    heartbeat: Heartbeat,
    armed_timers: u8,
    /// `connect()` came while the socket this client closed was still
    /// closing: the close runs its course, then a new attempt starts.
    connect_when_closed: bool,
    delivery: Ledger,
    rng: Rng,
    id_prefix: String,
    next_id: u64,
    commands: VecDeque<Command>,
}

impl Engine {
    /// An idle engine. `seed` feeds the jitter and the message ids.
    pub fn new(config: Config, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let id_prefix = hex8(rng.next_u64() as u32);
        let dedupe_seed = rng.next_u64();
        Self {
            url: config.urls[0].clone(),
            url_index: 0,
            token: config.token.clone(),
            hello: config.hello.clone(),
            outbox: Outbox::new(config.outbox),
            failed: VecDeque::new(),
            delivery: Ledger::new(
                config.dedupe_capacity,
                dedupe_seed,
                config.resume_from.clone(),
            ),
            heartbeat: Heartbeat::new(config.heartbeat.clone()),
            config,
            state: State::Idle,
            retry: 0,
            next_delay_ms: None,
            last_close: None,
            socket: Socket::None,
            socket_backlog: 0,
            unwritten_bytes: 0,
            offline: false,
            frozen: false,
            armed_timers: 0,
            connect_when_closed: false,
            rng,
            id_prefix,
            next_id: 0,
            commands: VecDeque::new(),
        }
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Whether frames are written to the socket as they are sent: it is
    /// open, and the server has not started closing it (as far as the
    /// engine knows: see [`Input::PeerClosing`]).
    pub fn writes_to_socket(&self) -> bool {
        matches!(self.socket, Socket::Open { .. })
    }

    /// Whether the engine waits for the answer to its last
    /// [`Command::ResolveEndpoint`].
    pub fn awaits_endpoint(&self) -> bool {
        self.socket == Socket::Resolving
    }

    /// The retry number (see [`StateChange::attempt`]).
    pub fn attempt(&self) -> u32 {
        self.retry
    }

    /// Frames waiting in the outbox.
    pub fn queued(&self) -> usize {
        self.outbox.len()
    }

    /// Bytes waiting in the outbox.
    pub fn queued_bytes(&self) -> usize {
        self.outbox.bytes()
    }

    /// The delivery guarantee in force.
    pub fn delivery(&self) -> DeliveryState {
        match (self.config.delivery, self.delivery.acks) {
            (Delivery::AtMostOnce, _) => DeliveryState::AtMostOnce,
            (Delivery::AtLeastOnce, Acks::Absent) => DeliveryState::Unconfirmed,
            (Delivery::AtLeastOnce, _) => DeliveryState::AtLeastOnce,
        }
    }

    /// The highest server sequence number received.
    pub fn last_seq(&self) -> Option<u64> {
        self.delivery.last_seq()
    }

    /// How the last socket closed.
    pub fn last_close(&self) -> Option<&CloseInfo> {
        self.last_close.as_ref()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The next command to carry out, oldest first.
    pub fn poll_command(&mut self) -> Option<Command> {
        let command = self.commands.pop_front();
        if let Some(Command::SendFrame(text)) = &command {
            self.unwritten_bytes -= text.len();
        }
        command
    }

    /// Every pending command, oldest first.
    pub fn drain_commands(&mut self) -> std::collections::vec_deque::Drain<'_, Command> {
        self.unwritten_bytes = 0;
        self.commands.drain(..)
    }

    /// Starts connecting from `Idle` or `Closed`; from `Closing`, once the
    /// close is done; otherwise does nothing.
    pub fn connect(&mut self) {
        match self.state {
            State::Idle | State::Closed => {
                self.retry = 0;
                if self.paused() {
                    self.transition(State::Reconnecting, None);
                } else {
                    self.begin_attempt();
                }
            }
            State::Closing => self.connect_when_closed = true,
            State::Connecting | State::Open | State::Reconnecting => {}
        }
    }

    /// Closes for good: the socket with `code` and `reason`, every timer, and
    /// every queued frame (one [`Event::SendFailed`] each).
    pub fn close(&mut self, code: u16, reason: &str) -> Result<(), CloseError> {
        if code != 1000 && !(3000..=4999).contains(&code) {
            return Err(CloseError::InvalidCode(code));
        }
        if reason.len() > MAX_CLOSE_REASON_BYTES {
            return Err(CloseError::ReasonTooLong(reason.len()));
        }
        if matches!(self.state, State::Closing | State::Closed) {
            // The latest word wins: a close after `connect()` keeps it
            // closed, and what was sent in between fails.
            if std::mem::take(&mut self.connect_when_closed) {
                self.reject_outbox();
            }
            return Ok(());
        }
        self.cancel_all_timers();
        self.reject_outbox();
        match self.socket {
            Socket::Opening | Socket::Open { .. } | Socket::PeerClosing { .. } => {
                self.socket = Socket::Closing;
                self.commands.push_back(Command::CloseSocket {
                    code,
                    reason: reason.to_owned(),
                });
                self.transition(State::Closing, None);
            }
            Socket::None | Socket::Resolving | Socket::Closing | Socket::Deciding { .. } => {
                self.socket = Socket::None;
                self.transition(State::Closed, None);
            }
        }
        Ok(())
    }

    /// Drops the current socket, if any, and starts a fresh attempt at once,
    /// whatever the state: after a terminal close and after giving up too.
    pub fn reconnect(&mut self) {
        // Asking to reconnect means the page is in use.
        self.frozen = false;
        self.cancel_all_timers();
        self.connect_when_closed = false;
        self.abandon_socket(CLOSE_RECONNECT, "reconnect");
        self.retry = 0;
        self.begin_attempt();
    }

    /// Processes one input at time `now` (ms).
    pub fn handle(&mut self, now: u64, input: Input) {
        match input {
            Input::Opened => self.on_opened(now),
            Input::PeerClosing => {
                if let Socket::Open { since } = self.socket {
                    self.socket = Socket::PeerClosing { since };
                    // No ping can probe it now: its close is waited for as
                    // long as an attempt may take to open, and no longer.
                    self.set_timer(TimerKind::PeerClose, self.config.connect_timeout_ms);
                }
            }
            Input::SocketBacklog(bytes) => {
                if matches!(self.socket, Socket::Open { .. }) {
                    self.socket_backlog = bytes;
                }
            }
            Input::Closed(info) => self.on_closed(now, info),
            Input::ReconnectDecided(answer) => {
                if let Socket::Deciding { opened_at } = self.socket {
                    self.socket = Socket::None;
                    let close = self.last_close.as_ref().map_or(1006, |close| close.code);
                    if answer.unwrap_or_else(|| !is_terminal_code(close)) {
                        self.retry_later(lasted(now, opened_at));
                    } else {
                        self.end(None);
                    }
                }
            }
            Input::OpenFailed { reason } => self.on_open_failed(reason),
            Input::EndpointResolved { url, token, hello } => {
                if self.socket == Socket::Resolving {
                    if let Some(url) = url {
                        self.url = url;
                    }
                    self.token = token;
                    self.hello = hello;
                    self.open_socket();
                }
            }
            Input::EndpointFailed { reason } => {
                if self.socket == Socket::Resolving {
                    self.socket = Socket::None;
                    self.cancel_timer(TimerKind::ConnectTimeout);
                    self.emit(Event::Error(ErrorEvent::EndpointFailed(reason)));
                    self.retry_or_end(None);
                }
            }
            Input::TimerFired(kind) => {
                if self.armed_timers & kind.bit() != 0 {
                    self.armed_timers &= !kind.bit();
                    self.on_timer(now, kind);
                }
            }
            Input::Online => {
                self.offline = false;
                if self.state == State::Reconnecting && !self.paused() {
                    self.begin_attempt();
                }
            }
            Input::Offline => {
                self.offline = true;
                if self.state == State::Reconnecting {
                    self.cancel_timer(TimerKind::Reconnect);
                    self.transition(State::Reconnecting, None);
                }
            }
            Input::PageHidden => self.freeze(),
            Input::Visible => {
                // Whatever the state, a shown page is no longer frozen.
                self.frozen = false;
                self.on_visible(now);
            }
        }
    }

    fn on_visible(&mut self, now: u64) {
        match self.state {
            State::Reconnecting if !self.paused() => self.begin_attempt(),
            // A page back from the background may hold a connection that
            // died meanwhile: probe it now rather than at the next interval.
            State::Open
                if !self.heartbeat.awaiting()
                    && self.heartbeat.running().is_some()
                    && matches!(self.socket, Socket::Open { .. }) =>
            {
                self.send_ping(now);
            }
            _ => {}
        }
    }

    fn on_opened(&mut self, now: u64) {
        if self.socket != Socket::Opening {
            return;
        }
        self.socket = Socket::Open { since: now };
        self.socket_backlog = 0;
        self.cancel_timer(TimerKind::ConnectTimeout);
        let first = self.first_frame();
        self.delivery.opened();
        if let Some(first) = first {
            self.write(first);
        }
        // What is still unacked from earlier connections goes first, in order.
        for frame in self.outbox.send_all() {
            self.write(frame.text);
            if let Some(id) = frame.first_sent {
                self.report(id, DeliveryStatus::Sent, None);
            }
        }
        self.await_first_ack();
        if let Some(heartbeat) = self.heartbeat.running() {
            let interval = heartbeat.interval_ms;
            self.set_timer(TimerKind::HeartbeatPing, interval);
        }
        self.transition(State::Open, None);
        self.emit(Event::Open);
    }

    fn on_closed(&mut self, now: u64, info: CloseInfo) {
        let opened_at = match self.socket {
            Socket::None | Socket::Resolving | Socket::Deciding { .. } => return,
            Socket::Open { since } | Socket::PeerClosing { since } => Some(since),
            Socket::Opening | Socket::Closing => None,
        };
        let user_closed = self.socket == Socket::Closing;
        if self.socket == Socket::Opening {
            // Browsers report a refused handshake only as a close: say that
            // this attempt failed, not that a connection was lost.
            self.emit(Event::Error(ErrorEvent::ConnectFailed {
                attempt: self.retry,
                code: info.code,
            }));
            self.next_url();
        }
        self.socket = Socket::None;
        self.stop_connection_timers();
        self.last_close = Some(info.clone());
        self.emit(Event::Close(info.clone()));
        if user_closed {
            self.transition(State::Closed, None);
            if std::mem::take(&mut self.connect_when_closed) {
                self.connect();
            }
        } else if !self.config.reconnect.enabled {
            self.end(None);
        } else if self.config.close_policy == ClosePolicy::Custom {
            self.socket = Socket::Deciding { opened_at };
            self.commands.push_back(Command::DecideReconnect(info));
        } else if !is_terminal_code(info.code) {
            self.retry_later(lasted(now, opened_at));
        } else {
            self.end(None);
        }
    }

    fn on_open_failed(&mut self, reason: String) {
        if self.socket != Socket::Opening {
            return;
        }
        self.socket = Socket::None;
        self.cancel_timer(TimerKind::ConnectTimeout);
        self.emit(Event::Error(ErrorEvent::OpenFailed(reason)));
        // A fixed URL the browser refused is refused again; a URL provider,
        // or the next URL of a list, may do better (a token or hello
        // provider cannot).
        if self.config.url_provided || self.config.urls.len() > 1 {
            self.next_url();
            self.retry_or_end(None);
        } else {
            self.end(None);
        }
    }

    fn on_timer(&mut self, now: u64, kind: TimerKind) {
        match kind {
            TimerKind::Reconnect => {
                if self.state == State::Reconnecting {
                    self.begin_attempt();
                }
            }
            TimerKind::ConnectTimeout => {
                if matches!(self.socket, Socket::Opening | Socket::Resolving) {
                    let ms = self.config.connect_timeout_ms;
                    self.emit(Event::Error(ErrorEvent::ConnectTimeout { ms }));
                    self.next_url();
                    self.drop_dead_socket(now, "connect timeout");
                }
            }
            TimerKind::HeartbeatPing => {
                if let (Socket::Open { .. }, Some(heartbeat)) =
                    (self.socket, self.heartbeat.running())
                {
                    let interval = heartbeat.interval_ms;
                    self.set_timer(TimerKind::HeartbeatPing, interval);
                    if !self.heartbeat.awaiting() {
                        self.send_ping(now);
                    }
                }
            }
            TimerKind::HeartbeatTimeout => self.on_heartbeat_timeout(now),
            TimerKind::PeerClose => {
                if matches!(self.socket, Socket::PeerClosing { .. }) {
                    self.drop_dead_socket(now, "the server did not finish closing");
                }
            }
            TimerKind::ServerReconnect => {
                if let Socket::Open { since } = self.socket {
                    self.stop_connection_timers();
                    self.abandon_socket(CLOSE_RECONNECT, "server asked to reconnect");
                    self.next_url();
                    // Asked for, not a failure: a stable connection leaves at
                    // once, counting no retry. One that was not stable yet
                    // goes through the backoff like a lost one, so that a
                    // server that asks at every connection cannot make the
                    // client reconnect as fast as handshakes complete.
                    let lasted_ms = now.saturating_sub(since);
                    match lasted_ms >= u64::from(self.config.reconnect.stable_after_ms) {
                        true => self.begin_attempt(),
                        false => self.retry_or_end(Some(lasted_ms)),
                    }
                }
            }
            TimerKind::AckTimeout => {
                if self.delivery.acks == Acks::Unknown && matches!(self.socket, Socket::Open { .. })
                {
                    // Everything held was written to this open socket; without
                    // acks there is nothing more to learn about it.
                    self.delivery.acks = Acks::Absent;
                    self.outbox.stop_awaiting_acks();
                    self.outbox.send_all();
                    let ms = self.config.ack_timeout_ms;
                    self.emit(Event::Error(ErrorEvent::AcksUnsupported { ms }));
                }
            }
        }
    }

    fn on_heartbeat_timeout(&mut self, now: u64) {
        let ms = self.heartbeat.timeout_ms();
        match self.heartbeat.timed_out(now) {
            None => {}
            // The silence says nothing about the connection yet: probe once
            // more before judging it.
            Some(Silence::Suspended) => self.send_ping(now),
            // Silence from a server that has never answered a ping says
            // nothing about the link: it may not know pings at all.
            Some(Silence::Unsupported) => {
                self.cancel_timer(TimerKind::HeartbeatPing);
                self.emit(Event::Error(ErrorEvent::HeartbeatUnsupported { ms }));
            }
            Some(Silence::Dead) => {
                self.emit(Event::Error(ErrorEvent::HeartbeatTimeout { ms }));
                self.drop_dead_socket(now, "heartbeat timeout");
            }
        }
    }

    /// Gives up on a socket that did not open in time or fell silent, and
    /// retries (unless reconnecting is off).
    fn drop_dead_socket(&mut self, now: u64, reason: &str) {
        let opened_at = match self.socket {
            Socket::Open { since } | Socket::PeerClosing { since } => Some(since),
            _ => None,
        };
        self.stop_connection_timers();
        self.abandon_socket(CLOSE_DEAD, reason);
        self.retry_or_end(lasted(now, opened_at));
    }

    /// Detaches the current socket; a socket that existed gets a synthetic
    /// close event, since its real one will never be reported.
    fn abandon_socket(&mut self, code: u16, reason: &str) {
        match std::mem::replace(&mut self.socket, Socket::None) {
            Socket::None | Socket::Resolving | Socket::Deciding { .. } => {}
            Socket::Opening
            | Socket::Open { .. }
            | Socket::PeerClosing { .. }
            | Socket::Closing => {
                self.commands.push_back(Command::AbandonSocket {
                    code,
                    reason: reason.to_owned(),
                });
                let info = CloseInfo {
                    code: 1006,
                    reason: reason.to_owned(),
                    clean: false,
                };
                self.last_close = Some(info.clone());
                self.emit(Event::Close(info));
            }
        }
    }

    fn begin_attempt(&mut self) {
        self.cancel_timer(TimerKind::Reconnect);
        self.transition(State::Connecting, None);
        let timeout = self.config.connect_timeout_ms;
        self.set_timer(TimerKind::ConnectTimeout, timeout);
        if self.config.resolves_endpoint() {
            self.socket = Socket::Resolving;
            self.commands.push_back(Command::ResolveEndpoint {
                attempt: self.retry,
            });
        } else {
            self.open_socket();
        }
    }

    /// The frame a connection starts with: `init` in the wsnotify mode, the
    /// hello (if any) in the generic mode.
    fn first_frame(&self) -> Option<String> {
        match (self.config.mode, &self.config.user_id) {
            (Mode::Wsnotify, Some(user_id)) => {
                let (last_seq, epoch) = self.delivery.resume_from();
                Some(encode(&ClientFrame::Init {
                    user_id: user_id.clone(),
                    token: self.token.clone(),
                    last_seq,
                    epoch,
                }))
            }
            _ => self.hello.clone(),
        }
    }

    fn open_socket(&mut self) {
        // A server closes a connection whose first frame is over its limit
        // (1009), at every attempt alike: such a frame is not sent at all.
        let max = self.config.max_frame_bytes;
        if let Some(len) = self
            .first_frame()
            .map(|frame| frame.len())
            .filter(|len| *len > max)
        {
            self.socket = Socket::None;
            self.cancel_timer(TimerKind::ConnectTimeout);
            self.emit(Event::Error(ErrorEvent::FirstFrameTooLarge { len, max }));
            // A provider may give a shorter token or hello next time; a
            // fixed one never will.
            match self.config.first_frame_provided {
                true => self.retry_or_end(None),
                false => self.end(None),
            }
            return;
        }
        self.socket = Socket::Opening;
        self.heartbeat.reset();
        self.commands.push_back(Command::OpenSocket {
            url: self.url.clone(),
        });
    }

    /// After a lost or failed connection: the next attempt, or the end when
    /// reconnecting is off.
    fn retry_or_end(&mut self, lasted_ms: Option<u64>) {
        match self.config.reconnect.enabled {
            true => self.retry_later(lasted_ms),
            false => self.end(None),
        }
    }

    /// Schedules the next attempt after a lost or failed connection; `lasted_ms`
    /// is how long the connection had been open (`None`: it never opened).
    fn retry_later(&mut self, lasted_ms: Option<u64>) {
        let policy = &self.config.reconnect;
        let stable = lasted_ms.is_some_and(|ms| ms >= u64::from(policy.stable_after_ms));
        if stable {
            self.retry = 0;
        }
        if policy.max_retries.is_some_and(|max| self.retry >= max) {
            let retries = self.retry;
            self.end(Some(retries));
            return;
        }
        self.retry += 1;
        if self.paused() {
            self.transition(State::Reconnecting, None);
            return;
        }
        let unit = self.rng.next_unit();
        let delay = delay_ms(&self.config.reconnect, self.retry, unit);
        self.set_timer(TimerKind::Reconnect, delay);
        self.transition(State::Reconnecting, Some(delay));
    }

    /// Ends in `Closed` without the user asking: terminal close, refused
    /// URL, or (`gave_up_after`) exhausted retries, reported before the
    /// state change, so that the change to `Closed` is the last event.
    fn end(&mut self, gave_up_after: Option<u32>) {
        self.cancel_all_timers();
        self.reject_outbox();
        if let Some(retries) = gave_up_after {
            self.emit(Event::GiveUp { retries });
        }
        self.transition(State::Closed, None);
    }

    /// Moves on to the next configured URL (a URL provider replaces it at
    /// the next attempt).
    fn next_url(&mut self) {
        self.url_index = (self.url_index + 1) % self.config.urls.len();
        self.url = self.config.urls[self.url_index].clone();
    }

    /// Attempts wait for the network, or for a frozen page to return.
    fn paused(&self) -> bool {
        self.offline || self.frozen
    }

    /// Releases the connection of a page going into the back/forward cache;
    /// it is not a failure, so the retry count stays as it is.
    fn freeze(&mut self) {
        if !matches!(
            self.state,
            State::Connecting | State::Open | State::Reconnecting
        ) {
            return;
        }
        self.frozen = true;
        self.cancel_all_timers();
        self.abandon_socket(CLOSE_PAGE_HIDDEN, "page hidden");
        self.transition(State::Reconnecting, None);
    }

    fn send_ping(&mut self, now: u64) {
        // A socket the server is closing answers nothing; its close follows.
        if !self.writes_to_socket() {
            return;
        }
        if let Some((ping, timeout)) = self.heartbeat.ping(now) {
            self.write(ping);
            self.set_timer(TimerKind::HeartbeatTimeout, timeout);
        }
    }

    fn transition(&mut self, state: State, next_delay_ms: Option<u32>) {
        if self.state == state && self.next_delay_ms == next_delay_ms {
            return;
        }
        self.state = state;
        self.next_delay_ms = next_delay_ms;
        self.emit(Event::StateChange(StateChange {
            state,
            attempt: self.retry,
            next_delay_ms,
            last_close: self.last_close.clone(),
        }));
    }

    /// With at-least-once delivery and no ack seen yet, starts waiting for
    /// the first one while something awaits it.
    fn await_first_ack(&mut self) {
        let waiting = self.delivery.acks == Acks::Unknown
            && self.config.delivery == Delivery::AtLeastOnce
            && !self.outbox.is_empty()
            && self.armed_timers & TimerKind::AckTimeout.bit() == 0;
        if waiting {
            let ms = self.config.ack_timeout_ms;
            self.set_timer(TimerKind::AckTimeout, ms);
        }
    }

    /// Reports a chat's new delivery status.
    fn report(&mut self, id: String, status: DeliveryStatus, code: Option<String>) {
        self.emit(Event::Delivery(DeliveryUpdate { id, status, code }));
    }

    /// Writes `text` to the socket (a `SendFrame` command), counted as
    /// unwritten until the driver takes the command.
    fn write(&mut self, text: String) {
        self.unwritten_bytes += text.len();
        self.commands.push_back(Command::SendFrame(text));
    }

    fn emit(&mut self, event: Event) {
        self.commands.push_back(Command::Emit(event));
    }

    fn set_timer(&mut self, kind: TimerKind, ms: u32) {
        self.armed_timers |= kind.bit();
        self.commands.push_back(Command::SetTimer { kind, ms });
    }

    fn cancel_timer(&mut self, kind: TimerKind) {
        if self.armed_timers & kind.bit() != 0 {
            self.armed_timers &= !kind.bit();
            self.commands.push_back(Command::CancelTimer(kind));
        }
    }

    fn stop_connection_timers(&mut self) {
        self.heartbeat.reset();
        for kind in [
            TimerKind::ConnectTimeout,
            TimerKind::HeartbeatPing,
            TimerKind::HeartbeatTimeout,
            TimerKind::AckTimeout,
            TimerKind::ServerReconnect,
            TimerKind::PeerClose,
        ] {
            self.cancel_timer(kind);
        }
    }

    fn cancel_all_timers(&mut self) {
        self.stop_connection_timers();
        // Every kind, so that a timer kind added later cannot be forgotten;
        // cancelling one already stopped does nothing.
        for kind in TimerKind::ALL {
            self.cancel_timer(kind);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Config, Engine};
    use crate::protocol::UserId;

    #[test]
    fn a_configured_resume_position_is_where_init_resumes_from() {
        let mut config = Config::new("ws://x", UserId::new("ada").unwrap());
        config.resume_from = Some((7, Some("e1".into())));
        let engine = Engine::new(config, 1);
        assert_eq!(engine.last_seq(), Some(7));
        assert_eq!(engine.delivery.resume_from(), (Some(7), Some("e1".into())));
    }
}
