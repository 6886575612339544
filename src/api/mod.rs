//! The `#[wasm_bindgen]` surface that JavaScript sees: the `Client` class,
//! its options, events and errors.

mod client;
mod error;
mod events;
mod listeners;
mod options;
mod types;

pub use client::Client;
pub use error::ClientError;
pub use listeners::Subscription;
pub use types::*;
