//! The application side of the driver for Rust: registered callbacks and
//! open event streams.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use wasm_bindgen::JsValue;

use super::error::Error;
use super::events::{Chat, Event, Message, Notification};
use super::options::ClosePredicate;
use super::stream::Queue;
use crate::browser::{read_frame, Application};
use crate::engine::{self, CloseInfo, State, Verdict};
use crate::protocol::FrameType;

/// A registered callback; it sees every event and picks its own.
pub(super) type Callback = Rc<dyn Fn(&Event)>;

/// The callbacks and streams of one client.
#[derive(Default)]
pub(super) struct Registry {
    next_id: u32,
    /// Shared copy-on-write, so that a callback may register or unregister
    /// others while an event is delivered.
    callbacks: Rc<Vec<(u32, Callback)>>,
    streams: Vec<Weak<RefCell<Queue>>>,
}

impl Registry {
    pub(super) fn add(&mut self, callback: Callback) -> u32 {
        self.next_id = self.next_id.wrapping_add(1);
        Rc::make_mut(&mut self.callbacks).push((self.next_id, callback));
        self.next_id
    }

    /// Takes callback `id` out and returns it: the caller drops it once the
    /// registry is no longer borrowed, since what it captured (another
    /// [`Subscription`](super::Subscription), the client) may unregister too.
    pub(super) fn remove(&mut self, id: u32) -> Option<Callback> {
        let index = self.callbacks.iter().position(|(entry, _)| *entry == id)?;
        Some(Rc::make_mut(&mut self.callbacks).remove(index).1)
    }

    pub(super) fn add_stream(&mut self, queue: &Rc<RefCell<Queue>>) {
        self.streams.retain(|stream| stream.strong_count() > 0);
        self.streams.push(Rc::downgrade(queue));
    }

    /// Nothing is delivered any more, and every stream ends; returns the
    /// callbacks, for the caller to drop once the registry is no longer
    /// borrowed (see [`Registry::remove`]).
    pub(super) fn close(&mut self) -> Rc<Vec<(u32, Callback)>> {
        for stream in self.streams.drain(..).filter_map(|stream| stream.upgrade()) {
            stream.borrow_mut().end();
        }
        std::mem::take(&mut self.callbacks)
    }
}

pub(super) type SharedRegistry = Rc<RefCell<Registry>>;

/// Hands `event` to every callback and stream; a client closed for good
/// ends its streams after this last event.
pub(super) fn deliver(registry: &SharedRegistry, event: Event) {
    let (callbacks, streams) = {
        let registry = registry.borrow();
        (Rc::clone(&registry.callbacks), registry.streams.clone())
    };
    for (_, callback) in callbacks.iter() {
        callback(&event);
    }
    let ends = matches!(&event, Event::StateChange(change) if change.state == State::Closed);
    for stream in streams.iter().filter_map(Weak::upgrade) {
        let mut stream = stream.borrow_mut();
        stream.push(event.clone());
        if ends {
            stream.end();
        }
    }
}

/// The driver's application for the Rust client.
pub(super) struct RustApplication {
    pub registry: SharedRegistry,
    /// The field that names a JSON frame's kind, as a JavaScript string.
    pub kind_field: JsValue,
    pub should_reconnect: Option<ClosePredicate>,
}

impl Application for RustApplication {
    fn event(&self, event: engine::Event) {
        let event = match event {
            engine::Event::StateChange(change) => Event::StateChange(change),
            engine::Event::Open => Event::Open,
            engine::Event::Close(close) => Event::Close(close),
            engine::Event::Error(error) => Event::Error(Error::Connection(error)),
            engine::Event::SendFailed { id, error } => Event::Error(Error::NotSent { id, error }),
            engine::Event::GiveUp { retries } => Event::GiveUp { retries },
            engine::Event::Delivery(update) => Event::Delivery(update),
        };
        deliver(&self.registry, event);
    }

    fn frame(&self, data: &JsValue, verdict: Verdict) {
        let typed = match verdict {
            Verdict::Dropped => return,
            Verdict::Refused(error) => {
                let frame = data.clone();
                deliver(&self.registry, Event::Error(Error::Frame { error, frame }));
                return;
            }
            Verdict::Untyped(error) => {
                if let Some(error) = error {
                    let frame = data.clone();
                    deliver(&self.registry, Event::Error(Error::Frame { error, frame }));
                }
                None
            }
            Verdict::Typed(frame_type) => Some(frame_type),
        };
        let received = read_frame(data, Some(&self.kind_field));
        match typed {
            Some(FrameType::Chat) => {
                deliver(&self.registry, Event::Chat(Chat::from_js(&received.value)));
            }
            Some(FrameType::Notification) => deliver(
                &self.registry,
                Event::Notification(Notification::from_js(&received.value)),
            ),
            _ => {}
        }
        deliver(
            &self.registry,
            Event::Message(Message {
                value: received.value,
                format: received.format,
                kind: received.kind,
            }),
        );
    }

    fn should_reconnect(&self, close: &CloseInfo) -> Option<bool> {
        self.should_reconnect
            .as_ref()
            .map(|predicate| predicate(close))
    }
}
