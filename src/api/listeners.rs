//! Registered JavaScript callbacks and the handles that unregister them.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::Function;
use wasm_bindgen::prelude::*;

/// The events a callback can be registered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    Open,
    Message,
    Close,
}

/// Callbacks in registration order, each with the id its [`Subscription`] holds.
#[derive(Default)]
pub(crate) struct Listeners {
    next_id: u32,
    entries: Vec<(u32, EventKind, Function)>,
}

impl Listeners {
    fn add(&mut self, kind: EventKind, callback: Function) -> u32 {
        self.next_id = self.next_id.wrapping_add(1);
        self.entries.push((self.next_id, kind, callback));
        self.next_id
    }

    fn remove(&mut self, id: u32) {
        self.entries.retain(|(entry_id, _, _)| *entry_id != id);
    }

    /// The callbacks for `kind`, copied so that a callback may register or
    /// unregister others while it runs.
    pub(crate) fn of(&self, kind: EventKind) -> Vec<Function> {
        self.entries
            .iter()
            .filter(|(_, entry_kind, _)| *entry_kind == kind)
            .map(|(_, _, callback)| callback.clone())
            .collect()
    }
}

/// Shared ownership of a client's [`Listeners`].
pub(crate) type SharedListeners = Rc<RefCell<Listeners>>;

/// Registers `callback` and returns the handle that removes it.
pub(crate) fn subscribe(
    listeners: &SharedListeners,
    kind: EventKind,
    callback: Function,
) -> Subscription {
    let id = listeners.borrow_mut().add(kind, callback);
    Subscription {
        listeners: Rc::downgrade(listeners),
        id,
    }
}

/// Returned by every `on…` registration; `unsubscribe()` stops delivery.
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
