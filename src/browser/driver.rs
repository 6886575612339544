//! Runs the engine in the browser: executes its commands with a WebSocket,
//! timers and page signals, and feeds their events back.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use wasm_bindgen::JsValue;
use web_sys::BinaryType;

use crate::engine::{CloseInfo, Command, Config, Engine, Event, Input, Verdict};
use crate::message::Message;

use super::socket::{ReadyState, Socket, SocketEvent};
use super::timers::Timers;
use super::window::WindowSignals;

/// What one attempt connects with, produced before it by the application's
/// providers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Where to connect, when there is a URL provider; `None` keeps the
    /// configured URLs.
    pub url: Option<String>,
    /// The token for `init`: the configured one, or what the token provider
    /// produced; `None` for none.
    pub token: Option<String>,
    /// The hello frame (generic mode): the configured one, or what the hello
    /// provider produced; `None` for none.
    pub hello: Option<String>,
}

/// Starts producing the endpoint for attempt `n` (see
/// `Command::ResolveEndpoint`) and gives it to the [`EndpointAnswer`], at
/// once or later. A provider answers through the handle rather than as a
/// future, so that a build whose providers are JavaScript promises links no
/// futures executor.
pub type EndpointProvider = Box<dyn Fn(u32, EndpointAnswer)>;

/// Where the endpoint of one round of [`EndpointProvider`] goes.
///
/// It holds the driver weakly. A round ends when the driver stops, when the
/// engine stops waiting for an endpoint (a close, a timeout) or when another
/// round starts (`reconnect()`); its answer is then dropped, and a provider
/// that produces in steps should stop asking ([`EndpointAnswer::is_awaited`]).
#[must_use = "the attempt waits for its endpoint until it times out"]
pub struct EndpointAnswer {
    driver: Weak<Driver>,
    round: u32,
}

impl EndpointAnswer {
    /// Whether the driver still waits for this round's endpoint.
    pub fn is_awaited(&self) -> bool {
        self.driver
            .upgrade()
            .is_some_and(|driver| driver.awaits_round(self.round))
    }

    /// Fails the round: the provider of option `name` (`url`, `token`,
    /// `hello`) produced nothing usable, for reason `why`.
    pub fn provider_failed(self, name: &str, why: &str) {
        self.give(Err(Message::new(name).text(": ").text(why).done()));
    }

    /// Gives the endpoint, or why there is none; dropped if the round is over.
    pub fn give(self, endpoint: Result<Endpoint, String>) {
        let Some(driver) = self.driver.upgrade() else {
            return;
        };
        if driver.awaits_round(self.round) {
            driver.answered_round.set(self.round);
            driver.input(match endpoint {
                Ok(Endpoint { url, token, hello }) => Input::EndpointResolved { url, token, hello },
                Err(reason) => Input::EndpointFailed { reason },
            });
        }
    }
}

/// The application's side of the driver: where its output goes, and whom it
/// asks. The driver calls these with no borrow of the engine held, before or
/// after an engine step, never during one, so the application may call back
/// into the client from any of them.
pub trait Application {
    /// An engine event.
    fn event(&self, event: Event);
    /// A received frame, as the socket gave it (a string, an `ArrayBuffer`
    /// or a `Blob`), with the engine's verdict on it.
    fn frame(&self, data: &JsValue, verdict: Verdict);
    /// Under [`ClosePolicy::Custom`](crate::engine::ClosePolicy::Custom):
    /// whether to reconnect after `close`; `None` leaves it to the standard
    /// policy.
    fn should_reconnect(&self, close: &CloseInfo) -> Option<bool>;
}

/// How the driver talks to the browser, besides the engine's configuration.
pub struct DriverOptions {
    /// The providers called before each attempt, when
    /// [`Config::resolves_endpoint`](crate::engine::Config::resolves_endpoint).
    pub endpoint: Option<EndpointProvider>,
    /// How binary frames arrive.
    pub binary_type: BinaryType,
}

/// The current time for the engine: wall-clock milliseconds, so that a
/// suspended page shows up as a jump.
fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// The browser resources of one client.
#[derive(Default)]
struct Io {
    socket: Option<Socket>,
    /// The number of the current socket (counted from 1): events of any
    /// other socket are stale.
    socket_number: u32,
    timers: Timers,
    /// A round of the providers put off to a task of its own (see
    /// `Driver::resolve_endpoint`).
    deferred_round: Option<Timeout>,
}

/// The engine with its socket, timers and page listeners.
///
/// Every callback registered with the browser holds only a `Weak` reference
/// to the driver, and every registration is owned by it: dropping the driver
/// detaches and frees them all. The one callback it cannot take back is the
/// answer a provider's promise settles into (see [`EndpointAnswer`]), which
/// does nothing once the driver is gone and is freed when the promise
/// settles or is collected.
pub struct Driver {
    me: Weak<Driver>,
    engine: RefCell<Engine>,
    io: RefCell<Io>,
    app: Box<dyn Application>,
    options: DriverOptions,
    /// Set while commands are being carried out, so that a callback that
    /// calls back into the client does not reorder events.
    pumping: Cell<bool>,
    /// Set by [`Driver::stop`]: nothing more happens.
    stopped: Cell<bool>,
    /// The number of the last round of endpoint resolution (see
    /// [`EndpointAnswer`]).
    endpoint_round: Cell<u32>,
    /// The number of the last round that was answered.
    answered_round: Cell<u32>,
    _signals: WindowSignals,
}

impl Driver {
    /// A driver for `config`; `options.endpoint` is required when
    /// `config.resolves_endpoint()`.
    pub fn new(config: Config, app: Box<dyn Application>, options: DriverOptions) -> Rc<Self> {
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        Rc::new_cyclic(|me: &Weak<Driver>| {
            let signals_target = me.clone();
            Self {
                me: me.clone(),
                engine: RefCell::new(Engine::new(config, seed)),
                io: RefCell::new(Io::default()),
                app,
                options,
                pumping: Cell::new(false),
                stopped: Cell::new(false),
                endpoint_round: Cell::new(0),
                answered_round: Cell::new(0),
                _signals: WindowSignals::new(move |input| feed(&signals_target, input)),
            }
        })
    }

    /// Runs `action` on the engine (a user call), then carries out what it produced.
    pub fn with_engine<T>(&self, action: impl FnOnce(&mut Engine) -> T) -> T {
        self.notice_socket();
        let result = action(&mut self.engine.borrow_mut());
        self.pump();
        result
    }

    /// Tells the engine what only the socket knows, before a user call,
    /// which may send: whether the server has started closing it (the
    /// browser makes the socket `CLOSING` at once but reports nothing until
    /// the closing handshake ends, and meanwhile drops what is sent to it
    /// without a word), and otherwise how many bytes it still holds.
    fn notice_socket(&self) {
        if !self.engine.borrow().writes_to_socket() {
            return;
        }
        let input = match &self.io.borrow().socket {
            Some(socket) if socket.ready_state() != ReadyState::Open => Input::PeerClosing,
            Some(socket) => Input::SocketBacklog(socket.buffered_amount()),
            None => return,
        };
        self.engine.borrow_mut().handle(now(), input);
    }

    /// Reads the engine without changing it.
    pub fn read<T>(&self, read: impl FnOnce(&Engine) -> T) -> T {
        read(&self.engine.borrow())
    }

    /// Reports an input at the current time.
    pub fn input(&self, input: Input) {
        if self.stopped.get() {
            return;
        }
        self.engine.borrow_mut().handle(now(), input);
        self.pump();
    }

    /// Stops for good, without another event: the socket is dropped
    /// (detached, then closed with 1000) and every timer cancelled. The
    /// client's `free()` comes here, possibly from inside a callback of
    /// this driver.
    pub fn stop(&self) {
        self.stopped.set(true);
        let Io {
            socket,
            timers,
            deferred_round,
            ..
        } = std::mem::take(&mut *self.io.borrow_mut());
        drop(socket);
        drop(timers);
        drop(deferred_round);
    }

    /// Whether [`Driver::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.stopped.get()
    }

    /// Whether the engine still waits for the endpoint of `round`.
    fn awaits_round(&self, round: u32) -> bool {
        !self.stopped.get()
            && self.endpoint_round.get() == round
            && self.engine.borrow().awaits_endpoint()
    }

    /// Whether socket `number` is still the current one.
    fn is_current(&self, number: u32) -> bool {
        !self.stopped.get() && self.io.borrow().socket_number == number
    }

    /// Reports an event of socket `number`. A frame goes to the engine for
    /// its verdict, then what the engine produced (acks settled, errors) is
    /// carried out, and then the frame, as the socket gave it, goes to the
    /// application.
    fn socket_event(&self, number: u32, event: SocketEvent) {
        if !self.is_current(number) {
            return;
        }
        let (verdict, data) = match event {
            SocketEvent::Text(text, data) => (self.engine.borrow_mut().handle_frame(&text), data),
            SocketEvent::TextOverLimit { len, data } => {
                (self.engine.borrow_mut().handle_text_over_limit(len), data)
            }
            SocketEvent::Binary { len, data } => {
                (self.engine.borrow_mut().handle_binary(len), data)
            }
            SocketEvent::Opened => return self.input(Input::Opened),
            SocketEvent::Closed {
                code,
                reason,
                clean,
            } => {
                return self.input(Input::Closed(CloseInfo {
                    code,
                    reason,
                    clean,
                }))
            }
        };
        self.pump();
        // What the frame caused (an ack's delivery status, an error) may
        // have had the application free the client.
        if !self.stopped.get() {
            self.app.frame(&data, verdict);
        }
    }

    fn pump(&self) {
        if self.pumping.replace(true) {
            return;
        }
        while !self.stopped.get() {
            let command = self.engine.borrow_mut().poll_command();
            match command {
                None => break,
                // No borrow is held while application code runs.
                Some(Command::Emit(event)) => self.app.event(event),
                Some(command) => self.execute(command),
            }
        }
        self.pumping.set(false);
    }

    fn execute(&self, command: Command) {
        match command {
            Command::OpenSocket { url } => {
                let me = self.me.clone();
                let number = self.io.borrow().socket_number.wrapping_add(1);
                let on_event = move |event| {
                    if let Some(driver) = me.upgrade() {
                        driver.socket_event(number, event);
                    }
                };
                let max_text_bytes = self.engine.borrow().config().max_frame_bytes;
                match Socket::open(&url, self.options.binary_type, max_text_bytes, on_event) {
                    Ok(socket) => {
                        let mut io = self.io.borrow_mut();
                        io.socket = Some(socket);
                        io.socket_number = number;
                    }
                    Err(exception) => self.engine.borrow_mut().handle(
                        now(),
                        Input::OpenFailed {
                            reason: describe_exception(&exception),
                        },
                    ),
                }
            }
            Command::SendFrame(text) => {
                if let Some(socket) = &self.io.borrow().socket {
                    // The engine sends only to a socket it takes for open
                    // (see `notice_socket`).
                    let _ = socket.send_text(&text);
                }
            }
            Command::CloseSocket { code, reason } => {
                if let Some(socket) = &self.io.borrow().socket {
                    let _ = socket.close(code, &reason);
                }
            }
            Command::AbandonSocket { code, reason } => {
                let socket = self.io.borrow_mut().socket.take();
                if let Some(socket) = socket {
                    socket.abandon(code, &reason);
                }
            }
            Command::SetTimer { kind, ms } => {
                let me = self.me.clone();
                self.io
                    .borrow_mut()
                    .timers
                    .set(kind, ms, move || feed(&me, Input::TimerFired(kind)));
            }
            Command::CancelTimer(kind) => self.io.borrow_mut().timers.cancel(kind),
            Command::ResolveEndpoint { attempt } => self.resolve_endpoint(attempt),
            Command::DecideReconnect(close) => {
                // The engine is not borrowed: the application may call back
                // into the client (even free it) before it answers.
                let answer = self.app.should_reconnect(&close);
                if !self.stopped.get() {
                    self.engine
                        .borrow_mut()
                        .handle(now(), Input::ReconnectDecided(answer));
                }
            }
            Command::Emit(event) => self.app.event(event),
        }
    }

    fn resolve_endpoint(&self, attempt: u32) {
        if self.options.endpoint.is_none() {
            self.engine.borrow_mut().handle(
                now(),
                Input::EndpointFailed {
                    reason: "no endpoint provider".into(),
                },
            );
            return;
        }
        let unanswered = self.endpoint_round.get() != self.answered_round.get();
        let round = self.endpoint_round.get().wrapping_add(1);
        self.endpoint_round.set(round);
        if unanswered {
            // The round before was never answered: the application started
            // this attempt from inside a provider, or while one was pending.
            // Asked at once, a provider that always does so would loop
            // without end inside one call; asked in a task of its own, it
            // leaves the page running between rounds.
            let me = self.me.clone();
            let ask = move || {
                if let Some(driver) = me.upgrade() {
                    driver.ask(round, attempt);
                }
            };
            self.io.borrow_mut().deferred_round = Some(Timeout::new(0, ask));
            return;
        }
        self.ask(round, attempt);
    }

    /// Asks the providers for the endpoint of attempt `attempt`, if round
    /// `round` is still awaited.
    fn ask(&self, round: u32, attempt: u32) {
        let Some(provider) = &self.options.endpoint else {
            return;
        };
        if self.awaits_round(round) {
            let answer = EndpointAnswer {
                driver: self.me.clone(),
                round,
            };
            provider(attempt, answer);
        }
    }
}

/// Delivers `input` if the driver still exists.
fn feed(driver: &Weak<Driver>, input: Input) {
    if let Some(driver) = driver.upgrade() {
        driver.input(input);
    }
}

/// `"SecurityError: …"` for a DOMException or Error; for any other thrown
/// value, the value itself as a string or as JSON, else its `typeof`.
///
/// The value is the application's, and describing it must not throw: its
/// fields are read through `Reflect`, so that a getter that throws, or a
/// `name` or `message` that is not a string, only makes the description
/// plainer. (A JavaScript exception unwinding through the module would leave
/// the client's state borrowed, and the client stuck.)
pub fn describe_exception(exception: &JsValue) -> String {
    use wasm_bindgen::JsCast;
    let field = |key: &str| {
        js_sys::Reflect::get(exception, &JsValue::from_str(key))
            .ok()?
            .as_string()
    };
    if exception.is_instance_of::<js_sys::Error>() {
        let name = field("name").unwrap_or_else(|| "Error".into());
        return match field("message") {
            Some(message) => Message::new(&name).text(": ").text(&message).done(),
            None => name,
        };
    }
    exception
        .as_string()
        .or_else(|| js_sys::JSON::stringify(exception).ok()?.as_string())
        .or_else(|| exception.js_typeof().as_string())
        .unwrap_or_default()
}
