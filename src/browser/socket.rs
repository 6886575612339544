//! One WebSocket and the listeners attached to it.

use gloo_events::EventListener;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

use super::text::{js_string, text_within};

#[wasm_bindgen]
extern "C" {
    /// A WebSocket seen only as something to send strings with.
    #[wasm_bindgen(js_name = WebSocket)]
    type StringSender;

    /// `WebSocket.send` with a string that is already a JavaScript value
    /// (web-sys's `send_with_str` would convert a `&str` the slow way).
    #[wasm_bindgen(method, catch)]
    fn send(this: &StringSender, data: &JsValue) -> Result<(), JsValue>;
}

/// What a [`Socket`] reports to its owner.
#[derive(Debug, Clone, PartialEq)]
pub enum SocketEvent {
    /// The handshake completed.
    Opened,
    /// A text frame arrived: as Rust text, and as the JavaScript string it was.
    Text(String, JsValue),
    /// A text frame over the socket's size limit arrived, and was not
    /// copied out of JavaScript.
    TextOverLimit {
        /// Its size in UTF-8 bytes.
        len: usize,
        /// The frame, a string.
        data: JsValue,
    },
    /// A binary frame arrived, as an `ArrayBuffer` or a `Blob` (the
    /// socket's `binaryType`).
    Binary {
        /// Size of the frame in bytes.
        len: usize,
        /// The frame.
        data: JsValue,
    },
    /// The socket closed (or failed to open).
    Closed {
        /// The close code (1006 when the connection dropped without a close frame).
        code: u16,
        /// The close reason sent by the peer, possibly empty.
        reason: String,
        /// Whether the closing handshake completed.
        clean: bool,
    },
}

/// The four states of `WebSocket.readyState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadyState {
    /// `0`: the handshake is in progress.
    Connecting = 0,
    /// `1`: frames can be sent.
    Open = 1,
    /// `2`: a close was started.
    Closing = 2,
    /// `3`: closed, or never opened.
    Closed = 3,
}

impl ReadyState {
    fn from_raw(raw: u16) -> Self {
        match raw {
            WebSocket::CONNECTING => Self::Connecting,
            WebSocket::OPEN => Self::Open,
            WebSocket::CLOSING => Self::Closing,
            _ => Self::Closed,
        }
    }
}

/// A WebSocket together with its four listeners.
///
/// Dropping a `Socket` detaches the listeners first (so a replaced socket can
/// never call back into its former owner) and then closes the connection if
/// it is still connecting or open.
pub struct Socket {
    ws: WebSocket,
    listeners: Vec<EventListener>,
}

impl Socket {
    /// Opens a WebSocket to `url` and routes its events to `on_event`;
    /// binary frames arrive as `binary_type`, and text frames over
    /// `max_text_bytes` as [`SocketEvent::TextOverLimit`].
    ///
    /// Fails with the browser's exception (a `SyntaxError` for a malformed
    /// URL, a `SecurityError` for e.g. `ws://` from an `https:` page).
    pub fn open(
        url: &str,
        binary_type: BinaryType,
        max_text_bytes: usize,
        on_event: impl Fn(SocketEvent) + 'static,
    ) -> Result<Self, JsValue> {
        let ws = WebSocket::new(url)?;
        ws.set_binary_type(binary_type);
        let on_event = std::rc::Rc::new(on_event);

        let handler = on_event.clone();
        let open = EventListener::new(&ws, "open", move |_| handler(SocketEvent::Opened));

        let handler = on_event.clone();
        let message = EventListener::new(&ws, "message", move |event| {
            // A WebSocket's `message` events are MessageEvents; skipping the
            // `instanceof` check saves a call into JavaScript per frame.
            let data = event.unchecked_ref::<MessageEvent>().data();
            let reported = match text_within(&data, max_text_bytes) {
                Some(Ok(text)) => SocketEvent::Text(text, data),
                Some(Err(len)) => SocketEvent::TextOverLimit { len, data },
                None => SocketEvent::Binary {
                    len: binary_len(&data),
                    data,
                },
            };
            handler(reported);
        });

        let handler = on_event.clone();
        let close = EventListener::new(&ws, "close", move |event| {
            let (code, reason, clean) = match event.dyn_ref::<CloseEvent>() {
                Some(close) => (close.code(), close.reason(), close.was_clean()),
                None => (1006, String::new(), false),
            };
            handler(SocketEvent::Closed {
                code,
                reason,
                clean,
            });
        });

        // A failed connection fires `error` and then `close`; the close carries
        // the information, so `error` is only observed to keep the browser from
        // logging it as unhandled.
        let error = EventListener::new(&ws, "error", |_| {});

        Ok(Self {
            ws,
            listeners: vec![open, message, close, error],
        })
    }

    /// The socket's current `readyState`.
    pub fn ready_state(&self) -> ReadyState {
        ReadyState::from_raw(self.ws.ready_state())
    }

    /// Bytes sent to the socket that it has not yet put on the network.
    pub fn buffered_amount(&self) -> usize {
        self.ws.buffered_amount() as usize
    }

    /// Sends a text frame. Fails if the socket is not open.
    pub fn send_text(&self, text: &str) -> Result<(), JsValue> {
        self.ws
            .unchecked_ref::<StringSender>()
            .send(&js_string(text))
    }

    /// Detaches the listeners and closes with `code` and `reason`: nothing
    /// about this socket is reported any more.
    pub fn abandon(mut self, code: u16, reason: &str) {
        self.listeners.clear();
        // Closing makes the socket `CLOSING`, so `Drop` does not close it again.
        let _ = self.ws.close_with_code_and_reason(code, reason);
    }

    /// Starts the closing handshake with `code` and `reason`.
    pub fn close(&self, code: u16, reason: &str) -> Result<(), JsValue> {
        self.ws.close_with_code_and_reason(code, reason)
    }
}

/// The size of a binary frame, an `ArrayBuffer` or a `Blob`.
fn binary_len(data: &JsValue) -> usize {
    match data.dyn_ref::<js_sys::ArrayBuffer>() {
        Some(buffer) => buffer.byte_length() as usize,
        None => data
            .dyn_ref::<web_sys::Blob>()
            .map_or(0, |blob| blob.size() as usize),
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // The listeners are dropped after this body runs, but the close event
        // is dispatched asynchronously, so by then they are already detached.
        if matches!(
            self.ready_state(),
            ReadyState::Connecting | ReadyState::Open
        ) {
            let _ = self.ws.close_with_code_and_reason(1000, "client dropped");
        }
    }
}
