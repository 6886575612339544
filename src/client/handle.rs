//! The Rust [`Client`] and its subscriptions.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use wasm_bindgen::JsValue;

use super::dispatch::{Callback, Registry, RustApplication, SharedRegistry};
use super::error::Error;
use super::events::{Chat, Event, Message, Notification};
use super::options::{Options, Parts};
use super::stream::{Events, Queue};
use crate::browser::Driver;
use crate::engine::{CloseInfo, DeliveryState, DeliveryUpdate, State, StateChange};

/// A WebSocket client that reconnects by itself, queues what is sent while
/// the connection is down, and delivers typed messages: the JavaScript
/// API's client, for Rust.
///
/// Created idle; [`Client::connect`] starts it. Dropping it closes the
/// socket, cancels its timers, removes its listeners and ends its event
/// streams.
///
/// ```no_run
/// use wsnotify::client::{Client, Options};
/// let client = Client::new(Options {
///     url: "ws://127.0.0.1:8080/ws".into(),
///     user_id: Some("ada".into()),
///     ..Options::default()
/// })?;
/// let _state = client.on_state_change(|change| {
///     web_sys::console::log_1(&change.state.as_str().into());
/// });
/// client.connect();
/// # Ok::<(), wsnotify::client::Error>(())
/// ```
pub struct Client {
    driver: Rc<Driver>,
    registry: SharedRegistry,
}

/// Returned by every registration; dropping it unregisters the callback.
///
/// It does not keep the client alive; dropping it after the client is a
/// no-op.
///
/// ```no_run
/// # fn run(client: &wsnotify::client::Client) {
/// let subscription = client.on_open(|| web_sys::console::log_1(&"open".into()));
/// drop(subscription); // unregistered
/// # }
/// ```
#[must_use = "dropping a Subscription unregisters its callback at once"]
pub struct Subscription {
    registry: Weak<RefCell<Registry>>,
    id: u32,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(registry) = self.registry.upgrade() {
            let removed = registry.borrow_mut().remove(self.id);
            drop(removed);
        }
    }
}

impl Client {
    /// A client for `options`, idle until [`Client::connect`]; an error
    /// (`invalid_options`) when they are invalid.
    pub fn new(options: Options) -> Result<Self, Error> {
        let Parts {
            config,
            driver,
            should_reconnect,
        } = options.into_parts()?;
        let registry = SharedRegistry::default();
        let application = RustApplication {
            registry: Rc::clone(&registry),
            kind_field: JsValue::from_str(&config.kind_field),
            should_reconnect,
        };
        let driver = Driver::new(config, Box::new(application), driver);
        Ok(Self { driver, registry })
    }

    /// Starts connecting from idle or closed; from closing, once the close is
    /// done; otherwise does nothing.
    pub fn connect(&self) {
        self.driver.with_engine(|engine| engine.connect());
    }

    /// Closes for good with `code` (1000 or 3000-4999) and `reason`; what is
    /// still queued fails, one [`Error::NotSent`] each.
    ///
    /// ```no_run
    /// # fn run(client: wsnotify::client::Client) -> Result<(), wsnotify::client::Error> {
    /// client.close(1000, "bye")?;
    /// # Ok(()) }
    /// ```
    pub fn close(&self, code: u16, reason: &str) -> Result<(), Error> {
        self.driver
            .with_engine(|engine| engine.close(code, reason))?;
        Ok(())
    }

    /// Drops the connection, if any, and connects again at once, in any state.
    pub fn reconnect(&self) {
        self.driver.with_engine(|engine| engine.reconnect());
    }

    /// Sends a chat to `to` (everyone when `None`); returns its message id.
    /// While not open it is queued; an error instead of a silent drop.
    ///
    /// ```no_run
    /// # fn run(client: wsnotify::client::Client) -> Result<(), wsnotify::client::Error> {
    /// let id = client.send_chat(Some("bob"), "hi")?;
    /// # Ok(()) }
    /// ```
    pub fn send_chat(&self, to: Option<&str>, message: &str) -> Result<String, Error> {
        Ok(self
            .driver
            .with_engine(|engine| engine.send_chat(to, message))?)
    }

    /// [`Client::send_chat`] under the application's own message `id` (1 to
    /// 128 characters, never reused: the server and the receiver drop a
    /// repeat), e.g. one stored with the message so that a send after a
    /// reload is recognised as the same message; `invalid_id` otherwise.
    ///
    /// ```no_run
    /// # fn run(client: wsnotify::client::Client) -> Result<(), wsnotify::client::Error> {
    /// client.send_chat_with_id(Some("bob"), "hi", "draft-17")?;
    /// # Ok(()) }
    /// ```
    pub fn send_chat_with_id(
        &self,
        to: Option<&str>,
        message: &str,
        id: &str,
    ) -> Result<String, Error> {
        let id = Some(id.to_owned());
        Ok(self
            .driver
            .with_engine(|engine| engine.send_chat_as(to, message, id))?)
    }

    /// Queues again, with the same id, a chat whose delivery status
    /// ([`Event::Delivery`]) went to `failed`; `not_retryable` otherwise.
    ///
    /// ```no_run
    /// # fn run(client: wsnotify::client::Client, id: &str) -> Result<(), wsnotify::client::Error> {
    /// client.retry(id)?;
    /// # Ok(()) }
    /// ```
    pub fn retry(&self, id: &str) -> Result<(), Error> {
        Ok(self.driver.with_engine(|engine| engine.retry(id))?)
    }

    /// Sends `text` as one frame, as it is; returns a local id.
    pub fn send_text(&self, text: impl Into<String>) -> Result<String, Error> {
        let text = text.into();
        Ok(self.driver.with_engine(|engine| engine.send_text(text))?)
    }

    /// [`Client::send_text`] under the application's own local `id` (1 to
    /// 128 characters), which [`Error::NotSent`] names if it is never sent.
    pub fn send_text_with_id(&self, text: impl Into<String>, id: &str) -> Result<String, Error> {
        let (text, id) = (text.into(), Some(id.to_owned()));
        Ok(self
            .driver
            .with_engine(|engine| engine.send_text_as(text, id))?)
    }

    /// The connection state.
    pub fn state(&self) -> State {
        self.driver.read(|engine| engine.state())
    }

    /// The retry number: 0 on a first connect, n for the n-th retry.
    pub fn attempt(&self) -> u32 {
        self.driver.read(|engine| engine.attempt())
    }

    /// The delivery guarantee chats have now: at-least-once turns into
    /// [`DeliveryState::Unconfirmed`] when the server sends no acks.
    pub fn delivery(&self) -> DeliveryState {
        self.driver.read(|engine| engine.delivery())
    }

    /// Frames waiting for the connection (or, at-least-once, for their ack).
    pub fn queued(&self) -> usize {
        self.driver.read(|engine| engine.queued())
    }

    fn subscribe(&self, callback: Callback) -> Subscription {
        let id = self.registry.borrow_mut().add(callback);
        Subscription {
            registry: Rc::downgrade(&self.registry),
            id,
        }
    }

    /// `callback(event)` for every event.
    pub fn on_event(&self, callback: impl Fn(&Event) + 'static) -> Subscription {
        self.subscribe(Rc::new(callback))
    }

    /// `callback(chat)` for every valid chat (wsnotify mode).
    ///
    /// ```no_run
    /// # fn run(client: wsnotify::client::Client) {
    /// let subscription = client.on_chat(|chat| {
    ///     web_sys::console::log_1(&chat.message.as_str().into());
    /// });
    /// drop(subscription); // no more chats reach the callback
    /// # }
    /// ```
    pub fn on_chat(&self, callback: impl Fn(&Chat) + 'static) -> Subscription {
        self.on_event(move |event| {
            if let Event::Chat(chat) = event {
                callback(chat);
            }
        })
    }

    /// `callback(notification)` for every valid notification (wsnotify mode).
    pub fn on_notification(&self, callback: impl Fn(&Notification) + 'static) -> Subscription {
        self.on_event(move |event| {
            if let Event::Notification(notification) = event {
                callback(notification);
            }
        })
    }

    /// `callback(message)` for every frame, as it came.
    pub fn on_message(&self, callback: impl Fn(&Message) + 'static) -> Subscription {
        self.on_event(move |event| {
            if let Event::Message(message) = event {
                callback(message);
            }
        })
    }

    /// `callback(message)` for every JSON frame of kind `kind`.
    pub fn on_kind(&self, kind: &str, callback: impl Fn(&Message) + 'static) -> Subscription {
        let kind = kind.to_owned();
        self.on_message(move |message| {
            if message.kind.as_deref() == Some(kind.as_str()) {
                callback(message);
            }
        })
    }

    /// `callback(change)` on every state transition.
    pub fn on_state_change(&self, callback: impl Fn(&StateChange) + 'static) -> Subscription {
        self.on_event(move |event| {
            if let Event::StateChange(change) = event {
                callback(change);
            }
        })
    }

    /// `callback(error)` for everything that goes wrong without ending the client.
    pub fn on_error(&self, callback: impl Fn(&Error) + 'static) -> Subscription {
        self.on_event(move |event| {
            if let Event::Error(error) = event {
                callback(error);
            }
        })
    }

    /// `callback()` after each open.
    pub fn on_open(&self, callback: impl Fn() + 'static) -> Subscription {
        self.on_event(move |event| {
            if let Event::Open = event {
                callback();
            }
        })
    }

    /// `callback(update)` for every change of a chat's delivery status.
    pub fn on_delivery(&self, callback: impl Fn(&DeliveryUpdate) + 'static) -> Subscription {
        self.on_event(move |event| {
            if let Event::Delivery(update) = event {
                callback(update);
            }
        })
    }

    /// `callback(retries)` when retries are exhausted and the client closes.
    pub fn on_give_up(&self, callback: impl Fn(u32) + 'static) -> Subscription {
        self.on_event(move |event| {
            if let Event::GiveUp { retries } = event {
                callback(*retries);
            }
        })
    }

    /// `callback(close)` when a socket closes.
    pub fn on_close(&self, callback: impl Fn(&CloseInfo) + 'static) -> Subscription {
        self.on_event(move |event| {
            if let Event::Close(close) = event {
                callback(close);
            }
        })
    }

    /// Every event from now on, as a stream that ends when the client
    /// closes for good or is dropped (see [`Events`]).
    pub fn events(&self) -> Events {
        let queue = Rc::new(RefCell::new(Queue::default()));
        if self.state() == State::Closed {
            queue.borrow_mut().end();
        }
        self.registry.borrow_mut().add_stream(&queue);
        Events { queue }
    }

    #[cfg(feature = "serde")]
    pub(super) fn registry(&self) -> &SharedRegistry {
        &self.registry
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let callbacks = self.registry.borrow_mut().close();
        self.driver.stop();
        drop(callbacks);
    }
}
