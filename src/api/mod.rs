//! The `#[wasm_bindgen]` surface that JavaScript sees.

mod client;
mod error;
mod listeners;

pub use client::Client;
pub use error::ClientError;
pub use listeners::Subscription;
