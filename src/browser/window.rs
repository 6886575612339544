//! The page-level signals the engine reacts to.

use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{PageTransitionEvent, VisibilityState};

use crate::engine::Input;

/// Listeners for `online`, `offline`, `visibilitychange` and `pageshow`,
/// removed when this value is dropped. Outside a window (a worker, Node) there
/// is nothing to listen to and the value holds no listener.
pub struct WindowSignals {
    _listeners: Vec<EventListener>,
}

impl WindowSignals {
    /// Reports each signal to `on_input`.
    pub fn new(on_input: impl Fn(Input) + Clone + 'static) -> Self {
        let Some(window) = web_sys::window() else {
            return Self {
                _listeners: Vec::new(),
            };
        };
        let mut listeners = Vec::with_capacity(4);

        let report = on_input.clone();
        listeners.push(EventListener::new(&window, "online", move |_| {
            report(Input::Online)
        }));
        let report = on_input.clone();
        listeners.push(EventListener::new(&window, "offline", move |_| {
            report(Input::Offline)
        }));
        // A page restored from the back/forward cache was frozen: whatever
        // socket it had is likely gone, so treat it like becoming visible.
        let report = on_input.clone();
        listeners.push(EventListener::new(&window, "pageshow", move |event| {
            let restored = event
                .dyn_ref::<PageTransitionEvent>()
                .is_some_and(PageTransitionEvent::persisted);
            if restored {
                report(Input::Visible);
            }
        }));
        if let Some(document) = window.document() {
            let watched = document.clone();
            listeners.push(EventListener::new(
                &document,
                "visibilitychange",
                move |_| {
                    if watched.visibility_state() == VisibilityState::Visible {
                        on_input(Input::Visible);
                    }
                },
            ));
        }
        Self {
            _listeners: listeners,
        }
    }
}
