//! The page-level signals the engine reacts to.

use gloo_events::EventListener;
use wasm_bindgen::prelude::*;
use web_sys::{PageTransitionEvent, VisibilityState, Window};

use crate::engine::Input;

#[wasm_bindgen]
extern "C" {
    /// `globalThis`, read directly: `web_sys::window()` looks for the global
    /// object four ways (`globalThis`, `self`, `window`, `global`), code and
    /// imports the module pays for, while every engine the package runs on
    /// (its JavaScript uses class static blocks) has `globalThis`.
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    static GLOBAL_THIS: JsValue;
}

/// Listeners for `online`, `offline`, `visibilitychange`, `pagehide` and `pageshow`,
/// removed when this value is dropped. Outside a window (a worker, Node) there
/// is nothing to listen to and the value holds no listener.
pub struct WindowSignals {
    _listeners: Vec<EventListener>,
}

impl WindowSignals {
    /// Reports each signal to `on_input`.
    pub fn new(on_input: impl Fn(Input) + Clone + 'static) -> Self {
        let Some(window) = GLOBAL_THIS.with(|global| global.dyn_ref::<Window>().cloned()) else {
            return Self {
                _listeners: Vec::new(),
            };
        };
        let mut listeners = Vec::with_capacity(5);

        let report = on_input.clone();
        listeners.push(EventListener::new(&window, "online", move |_| {
            report(Input::Online)
        }));
        let report = on_input.clone();
        listeners.push(EventListener::new(&window, "offline", move |_| {
            report(Input::Offline)
        }));
        // A page going into the back/forward cache releases its socket (an
        // open one would keep it out of the cache, or die frozen); restored,
        // it connects again at once.
        let report = on_input.clone();
        listeners.push(EventListener::new(&window, "pagehide", move |event| {
            if persisted(event) {
                report(Input::PageHidden);
            }
        }));
        let report = on_input.clone();
        listeners.push(EventListener::new(&window, "pageshow", move |event| {
            if persisted(event) {
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

/// Whether a `pagehide`/`pageshow` concerns the back/forward cache.
fn persisted(event: &web_sys::Event) -> bool {
    event
        .dyn_ref::<PageTransitionEvent>()
        .is_some_and(PageTransitionEvent::persisted)
}
