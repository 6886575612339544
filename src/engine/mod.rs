//! The sans-IO connection engine: a pure state machine.
//!
//! The engine never touches a socket or a clock. The driver tells it what
//! happened ([`Input`], user calls such as [`Engine::send_chat`]), each with
//! the current time in milliseconds, and carries out the [`Command`]s it
//! returns: open or close a socket, send a frame, set or cancel a timer, emit
//! an event to the application. Randomness (jitter, message ids) comes from a
//! seed given at construction, so every behaviour is reproducible in tests.
//!
//! ```
//! use wsnotify::engine::{Command, Config, Engine, Event, Input, State};
//! use wsnotify::protocol::UserId;
//!
//! let config = Config::new("ws://127.0.0.1:8080/ws", UserId::new("ada").unwrap());
//! let mut engine = Engine::new(config, 42);
//!
//! // Sent before the connection exists: queued, not dropped.
//! let id = engine.send_chat(None, "hello").unwrap();
//! engine.connect();
//! assert!(engine
//!     .drain_commands()
//!     .any(|c| matches!(c, Command::OpenSocket { .. })));
//!
//! engine.handle(10, Input::Opened);
//! let frames: Vec<String> = engine
//!     .drain_commands()
//!     .filter_map(|c| match c {
//!         Command::SendFrame(text) => Some(text),
//!         _ => None,
//!     })
//!     .collect();
//! assert_eq!(frames[0], r#"{"type":"init","userId":"ada"}"#); // init comes first
//! assert!(frames[1].contains(&id)); // then the queue, in order
//! assert_eq!(engine.state(), State::Open);
//!
//! // The server goes away: the engine schedules a retry with backoff.
//! engine.handle(20, Input::Closed(wsnotify::engine::CloseInfo {
//!     code: 1006, reason: String::new(), clean: false,
//! }));
//! assert_eq!(engine.state(), State::Reconnecting);
//! # let _ = Event::Open;
//! ```
#![deny(missing_docs)]

mod backoff;
mod config;
mod dedupe;
mod delivery;
mod errors;
mod heartbeat;
mod inputs;
mod machine;
mod outbox;
mod outputs;

pub use backoff::{delay_ms, delay_window_ms, nominal_delay_ms, Rng};
pub use config::{
    is_terminal_code, ClosePolicy, Config, Delivery, HeartbeatConfig, Mode, OutboxLimits,
    ReconnectPolicy, Setting, LAST_SEQ_RANGE,
};
pub use dedupe::RecentIds;
pub use errors::{CloseError, ErrorEvent, SendError};
pub use inputs::{CloseInfo, Input, TimerKind};
pub use machine::{Engine, CLOSE_DEAD, CLOSE_PAGE_HIDDEN, CLOSE_RECONNECT, MAX_MESSAGE_ID_CHARS};
pub use outbox::{Outbox, Outgoing, QueuedFrame};
pub use outputs::{
    Command, DeliveryState, DeliveryStatus, DeliveryUpdate, Event, State, StateChange, Verdict,
};
