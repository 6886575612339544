//! Registered JavaScript callbacks and the handles that unregister them.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::Function;
use wasm_bindgen::prelude::*;

/// What a callback is registered for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EventKind {
    Open,
    Close,
    Error,
    Chat,
    Notification,
    Message,
    StateChange,
    GiveUp,
    Delivery,
    /// Frames whose `type` is this string (`on(type, cb)`).
    Type(String),
}

impl EventKind {
    /// The registration's name, for error messages.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::Open => "onOpen",
            Self::Close => "onClose",
            Self::Error => "onError",
            Self::Chat => "onChat",
            Self::Notification => "onNotification",
            Self::Message => "onMessage",
            Self::StateChange => "onStateChange",
            Self::GiveUp => "onGiveUp",
            Self::Delivery => "onDelivery",
            Self::Type(_) => "on",
        }
    }
}

/// One registered callback.
#[derive(Clone)]
struct Entry {
    id: u32,
    kind: EventKind,
    callback: Function,
}

/// Callbacks in registration order, each with the id its [`Subscription`] holds.
///
/// The list is shared copy-on-write: delivering an event takes a snapshot
/// (a reference count, not a copy) so that callbacks may register or
/// unregister others while it runs, and only such a change copies the list.
#[derive(Default)]
pub(crate) struct Listeners {
    next_id: u32,
    entries: Rc<Vec<Entry>>,
}

impl Listeners {
    fn add(&mut self, kind: EventKind, callback: Function) -> u32 {
        self.next_id = self.next_id.wrapping_add(1);
        let id = self.next_id;
        Rc::make_mut(&mut self.entries).push(Entry { id, kind, callback });
        id
    }

    fn remove(&mut self, id: u32) {
        if self.entries.iter().any(|entry| entry.id == id) {
            Rc::make_mut(&mut self.entries).retain(|entry| entry.id != id);
        }
    }

    /// Removes every registration.
    pub(crate) fn clear(&mut self) {
        self.entries = Rc::default();
    }

    /// Whether anything listens for `kind`.
    pub(crate) fn wants(&self, kind: &EventKind) -> bool {
        self.entries.iter().any(|entry| entry.kind == *kind)
    }

    /// Whether anything listens for frames of some kind (`on(kind)`).
    pub(crate) fn wants_any_type(&self) -> bool {
        self.entries
            .iter()
            .any(|entry| matches!(entry.kind, EventKind::Type(_)))
    }

    /// The registrations as they are now, unaffected by later changes.
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot(Rc::clone(&self.entries))
    }
}

/// The registrations at one moment; see [`Listeners::snapshot`].
pub(crate) struct Snapshot(Rc<Vec<Entry>>);

impl Snapshot {
    /// The callbacks for `kind`, in registration order.
    pub(crate) fn of<'a>(&'a self, kind: &'a EventKind) -> impl Iterator<Item = &'a Function> {
        self.matching(move |entry| entry == kind)
    }

    /// The `on(frame_type)` callbacks, in registration order.
    pub(crate) fn of_type<'a>(&'a self, frame_type: &'a str) -> impl Iterator<Item = &'a Function> {
        self.matching(move |entry| is_type(entry, frame_type))
    }

    fn matching<'a>(
        &'a self,
        wanted: impl Fn(&EventKind) -> bool + 'a,
    ) -> impl Iterator<Item = &'a Function> {
        self.0
            .iter()
            .filter(move |entry| wanted(&entry.kind))
            .map(|entry| &entry.callback)
    }
}

/// Whether `entry` is an `on(frame_type)` registration; compared by `&str`,
/// so a frame's type needs no allocation to be looked up.
fn is_type(entry: &EventKind, frame_type: &str) -> bool {
    matches!(entry, EventKind::Type(registered) if registered == frame_type)
}

/// Shared ownership of a client's [`Listeners`].
pub(crate) type SharedListeners = Rc<RefCell<Listeners>>;

/// Registers `callback` for `kind` and returns the handle that removes it.
pub(crate) fn subscribe(
    listeners: &SharedListeners,
    kind: EventKind,
    callback: JsValue,
) -> Result<Subscription, super::ClientError> {
    let Ok(callback) = callback.dyn_into::<Function>() else {
        return Err(super::ClientError::InvalidCallback(kind.name()));
    };
    let id = listeners.borrow_mut().add(kind, callback);
    Ok(Subscription {
        listeners: Rc::downgrade(listeners),
        id,
    })
}

/// Returned by every registration; `unsubscribe()` stops delivery.
///
/// The handle does not keep the client alive, and calling `unsubscribe()`
/// twice, or after the client was freed, does nothing.
#[wasm_bindgen]
pub struct Subscription {
    listeners: Weak<RefCell<Listeners>>,
    id: u32,
}

#[wasm_bindgen]
impl Subscription {
    /// Removes the callback; later events no longer reach it.
    pub fn unsubscribe(&self) {
        if let Some(listeners) = self.listeners.upgrade() {
            listeners.borrow_mut().remove(self.id);
        }
    }
}
