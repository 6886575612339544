//! # wsnotify
//!
//! A browser WebSocket client SDK written in Rust and compiled to
//! WebAssembly. JavaScript sees one class, [`api::Client`] (exported as
//! `Client`), which opens a WebSocket, reports its `readyState`, and calls the
//! callbacks registered with `onOpen`, `onMessage` and `onClose`.
//!
//! ```js
//! import init, { Client } from "wsnotify";
//! await init();
//! const client = new Client({ url: "ws://127.0.0.1:8080/ws" });
//! client.onOpen(() => console.log("open", client.readyState));
//! client.onMessage((text) => console.log("frame", text));
//! client.connect();
//! ```
//!
//! The browser-facing modules only exist on `wasm32`; everything else is
//! plain Rust that is tested natively.
#![deny(missing_docs)]

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod browser;
pub mod engine;
pub mod protocol;

/// The crate version, as the npm package reports it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
