//! The `Client` class.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::Function;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use super::error::ClientError;
use super::listeners::{subscribe, EventKind, SharedListeners, Subscription};
use crate::browser::{ReadyState, Socket, SocketEvent};

/// Options accepted by `new Client(options)`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClientOptions {
    /// The `ws:`/`wss:` URL to connect to.
    url: String,
}

/// What `onClose` callbacks receive.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CloseInfo<'a> {
    code: u16,
    reason: &'a str,
    was_clean: bool,
}

struct Shared {
    url: String,
    socket: RefCell<Option<Socket>>,
    listeners: SharedListeners,
}

/// A WebSocket client.
///
/// Created idle; `connect()` opens the connection. Dropping the client (or
/// calling `free()` from JavaScript) detaches every listener and closes the
/// socket.
#[wasm_bindgen]
pub struct Client {
    shared: Rc<Shared>,
}

#[wasm_bindgen]
impl Client {
    /// Creates an idle client from `{ url }`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Client, ClientError> {
        let options: ClientOptions = serde_wasm_bindgen::from_value(options)
            .map_err(|error| ClientError::InvalidOptions(error.to_string()))?;
        Ok(Client {
            shared: Rc::new(Shared {
                url: options.url,
                socket: RefCell::new(None),
                listeners: SharedListeners::default(),
            }),
        })
    }

    /// Opens the connection. Does nothing while one is connecting or open.
    pub fn connect(&self) -> Result<(), ClientError> {
        if matches!(
            self.socket_state(),
            Some(ReadyState::Connecting | ReadyState::Open)
        ) {
            return Ok(());
        }
        let weak = Rc::downgrade(&self.shared);
        let socket = Socket::open(&self.shared.url, move |event| dispatch(&weak, event))
            .map_err(|exception| ClientError::from_socket_exception(&exception))?;
        // Replacing the previous socket drops it, which detaches its listeners.
        *self.shared.socket.borrow_mut() = Some(socket);
        Ok(())
    }

    /// Closes the connection with code 1000.
    pub fn close(&self) {
        if let Some(socket) = self.shared.socket.borrow().as_ref() {
            // Closing a closing or closed socket is a no-op, not an error.
            let _ = socket.close(1000, "");
        }
    }

    /// Sends a text frame; throws `not_open` unless the connection is open.
    #[wasm_bindgen(js_name = sendText)]
    pub fn send_text(&self, text: &str) -> Result<(), ClientError> {
        match self.shared.socket.borrow().as_ref() {
            Some(socket) if socket.ready_state() == ReadyState::Open => socket
                .send_text(text)
                .map_err(|exception| ClientError::from_socket_exception(&exception)),
            _ => Err(ClientError::NotOpen),
        }
    }

    /// `WebSocket.readyState` of the current connection: 0 connecting, 1 open,
    /// 2 closing, 3 closed (also before the first `connect()`).
    #[wasm_bindgen(getter, js_name = readyState)]
    pub fn ready_state(&self) -> u16 {
        self.socket_state().unwrap_or(ReadyState::Closed) as u16
    }

    /// `"idle"` before the first `connect()`, then `"connecting"`, `"open"`,
    /// `"closing"` or `"closed"`.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        match self.socket_state() {
            None => "idle",
            Some(ReadyState::Connecting) => "connecting",
            Some(ReadyState::Open) => "open",
            Some(ReadyState::Closing) => "closing",
            Some(ReadyState::Closed) => "closed",
        }
        .to_owned()
    }

    /// Calls `callback()` each time the connection opens.
    #[wasm_bindgen(js_name = onOpen)]
    pub fn on_open(&self, callback: Function) -> Subscription {
        subscribe(&self.shared.listeners, EventKind::Open, callback)
    }

    /// Calls `callback(text)` for every text frame received.
    #[wasm_bindgen(js_name = onMessage)]
    pub fn on_message(&self, callback: Function) -> Subscription {
        subscribe(&self.shared.listeners, EventKind::Message, callback)
    }

    /// Calls `callback({ code, reason, wasClean })` when the connection closes.
    #[wasm_bindgen(js_name = onClose)]
    pub fn on_close(&self, callback: Function) -> Subscription {
        subscribe(&self.shared.listeners, EventKind::Close, callback)
    }
}

impl Client {
    fn socket_state(&self) -> Option<ReadyState> {
        self.shared
            .socket
            .borrow()
            .as_ref()
            .map(Socket::ready_state)
    }
}

fn dispatch(shared: &Weak<Shared>, event: SocketEvent) {
    let Some(shared) = shared.upgrade() else {
        return;
    };
    let (kind, argument) = match &event {
        SocketEvent::Opened => (EventKind::Open, JsValue::UNDEFINED),
        SocketEvent::Text(text) => (EventKind::Message, JsValue::from_str(text)),
        // Binary frames are not part of the protocol; typed error events for
        // them arrive with the engine.
        SocketEvent::Binary { .. } => return,
        SocketEvent::Closed {
            code,
            reason,
            clean,
        } => {
            let info = CloseInfo {
                code: *code,
                reason,
                was_clean: *clean,
            };
            let argument = serde_wasm_bindgen::to_value(&info).unwrap_or(JsValue::UNDEFINED);
            (EventKind::Close, argument)
        }
    };
    let callbacks = shared.listeners.borrow().of(kind);
    for callback in callbacks {
        // A throwing callback must not stop the others from running.
        if let Err(exception) = callback.call1(&JsValue::NULL, &argument) {
            web_sys::console::error_2(&"wsnotify: a callback threw".into(), &exception);
        }
    }
}
