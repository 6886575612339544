//! # wsnotify
//!
//! A browser WebSocket client written in Rust and compiled to WebAssembly:
//! sends that never go into a dead socket (a bounded outbox), reconnection
//! with backoff that heals by itself, a heartbeat that cannot kill a healthy
//! link, typed and validated frames of the wsnotify protocol with acks,
//! resume and de-duplication, or, in generic mode, a reliable WebSocket for
//! any server.
//!
//! JavaScript uses it through the npm package built from this crate, whose
//! README documents the API:
//!
//! ```js
//! import { createClient } from "wsnotify";
//!
//! const client = await createClient({ url: "wss://example.com/socket", mode: "generic" });
//! client.onMessage((message, { format, kind }) => console.log(format, kind, message));
//! client.connect();
//! client.sendJson({ type: "hello" }); // queued until open
//! ```
//!
//! Rust web apps use the same client from `wsnotify::client` (wasm32 only):
//!
//! ```no_run
//! # #[cfg(target_arch = "wasm32")]
//! # fn run() -> Result<(), wsnotify::client::Error> {
//! use wsnotify::client::{Client, Options};
//!
//! let client = Client::new(Options {
//!     url: "ws://127.0.0.1:8080/ws".into(),
//!     user_id: Some("ada".into()),
//!     ..Options::default()
//! })?;
//! // Dropping a subscription unregisters its callback; dropping the client
//! // closes the socket.
//! let _chats = client.on_chat(|chat| {
//!     web_sys::console::log_1(&format!("{}: {}", chat.from_user_id, chat.message).into());
//! });
//! client.connect();
//! client.send_chat(Some("bob"), "hi")?; // queued until open
//! # Ok(()) }
//! ```
//!
//! The crate's layers, each using only the ones below it
//! (`docs/ARCHITECTURE.md` follows one frame through them):
//!
//! - [`protocol`]: the frames of the wire protocol (`docs/PROTOCOL.md`),
//!   their validating decoder and their encoder.
//! - [`engine`]: the connection as a pure state machine (events in, commands
//!   out), tested natively; usable on its own to drive a socket elsewhere.
//! - `browser` (wasm32 only): the WebSocket, timers and page signals, each
//!   an RAII value, driving the engine.
//! - `api` (wasm32 only): the `#[wasm_bindgen]` `Client` that JavaScript sees.
//! - `client` (wasm32 only): the same client for Rust, with callbacks,
//!   subscriptions and a stream of events.
#![deny(missing_docs)]

/// The module's allocator: talc, smaller than Rust's default for wasm.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod client;
pub mod engine;
mod message;
pub mod protocol;

/// The crate version, as the npm package reports it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
