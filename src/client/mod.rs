//! The client for Rust web apps (Leptos, Yew, Dioxus or plain
//! wasm-bindgen): the engine and the driver the JavaScript API runs on, with
//! Rust callbacks, RAII subscriptions and a [`Stream`](futures_core::Stream)
//! of events.
//!
//! ```no_run
//! use wsnotify::client::{Client, Options};
//!
//! let client = Client::new(Options {
//!     url: "wss://example.com/ws".into(),
//!     user_id: Some("ada".into()),
//!     ..Options::default()
//! })?;
//! // Registrations return a guard: dropping it unregisters the callback.
//! let _chats = client.on_chat(|chat| {
//!     web_sys::console::log_1(&format!("{}: {}", chat.from_user_id, chat.message).into());
//! });
//! client.connect();
//! client.send_chat(Some("bob"), "hi")?; // queued until open, never into a dead socket
//! # Ok::<(), wsnotify::client::Error>(())
//! ```
//!
//! The same events as a stream, for `async` code:
//!
//! ```no_run
//! # async fn run(client: wsnotify::client::Client) {
//! use futures_util::StreamExt;
//! use wsnotify::client::Event;
//!
//! let mut events = client.events();
//! while let Some(event) = events.next().await {
//!     if let Event::Chat(chat) = event {
//!         web_sys::console::log_1(&chat.message.into());
//!     }
//! }
//! # }
//! ```
//!
//! With the `serde` feature, frames of the application's own types go out
//! and come in through `serde` (see [`Client::send_json`] and [`Client::on`]).

mod dispatch;
mod error;
mod events;
mod handle;
mod options;
mod stream;
#[cfg(feature = "serde")]
mod typed;

pub use error::Error;
pub use events::{Chat, Event, Message, Notification};
pub use handle::{Client, Subscription};
pub use options::{ClosePredicate, Options, PerAttempt, Resume, TextProvider, Url, UrlProvider};
pub use stream::{Events, STREAM_CAPACITY};

pub use crate::browser::Format;
pub use crate::engine::{
    CloseInfo, Delivery, DeliveryState, DeliveryStatus, DeliveryUpdate, HeartbeatConfig, Mode,
    OutboxLimits, ReconnectPolicy, State, StateChange,
};
