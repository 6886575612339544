//! A chat page on the Rust client, in plain wasm-bindgen: a state badge, a
//! countdown to the next attempt while reconnecting, the chats, and a box to
//! send one. `npm run example:rust` builds it and serves it with the
//! reference server; `examples/rust-chat/README.md` says more.
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;

use gloo_events::EventListener;
use gloo_timers::callback::Interval;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlInputElement};
use wsnotify::client::{Client, Options, State, Subscription};

/// Everything the page keeps alive: dropping it would close the connection
/// and remove the listeners, so it lives as long as the page.
struct Page {
    _client: Rc<Client>,
    _subscriptions: Vec<Subscription>,
    _send: EventListener,
    _countdown: Interval,
}

thread_local!(static PAGE: std::cell::RefCell<Option<Page>> = const { std::cell::RefCell::new(None) });

fn element(document: &Document, id: &str) -> Result<Element, JsValue> {
    document
        .get_element_by_id(id)
        .ok_or_else(|| JsValue::from_str(&format!("no #{id} in the page")))
}

/// Appends a line of text (never HTML) to the log.
fn append(document: &Document, log: &Element, text: &str) -> Result<(), JsValue> {
    let line = document.create_element("li")?;
    line.set_text_content(Some(text));
    log.append_child(&line)?;
    Ok(())
}

#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let query = web_sys::UrlSearchParams::new_with_str(&window.location().search()?)?;
    let url = query.get("ws").ok_or("open the page with ?ws=…&user=…")?;
    let user = query.get("user").unwrap_or_else(|| "rust-user".into());
    let (badge, countdown, log) = (
        element(&document, "badge")?,
        element(&document, "countdown")?,
        element(&document, "log")?,
    );
    let input: HtmlInputElement = element(&document, "text")?.dyn_into()?;
    let send = element(&document, "send")?;

    let client = Rc::new(
        Client::new(Options {
            url: url.into(),
            user_id: Some(user),
            ..Options::default()
        })
        .map_err(|error| JsValue::from_str(&error.to_string()))?,
    );
    // When the next attempt is due, in ms since the epoch; 0 when none is.
    let next_attempt_at = Rc::new(Cell::new(0.0));

    let mut subscriptions = Vec::new();
    let (at, badge_) = (Rc::clone(&next_attempt_at), badge.clone());
    subscriptions.push(client.on_state_change(move |change| {
        badge_.set_text_content(Some(change.state.as_str()));
        at.set(match (change.state, change.next_delay_ms) {
            (State::Reconnecting, Some(delay)) => js_sys::Date::now() + f64::from(delay),
            _ => 0.0,
        });
    }));
    let (document_, log_) = (document.clone(), log.clone());
    subscriptions.push(client.on_chat(move |chat| {
        let _ = append(
            &document_,
            &log_,
            &format!("{}: {}", chat.from_user_id, chat.message),
        );
    }));
    let (document_, log_) = (document.clone(), log.clone());
    subscriptions.push(client.on_notification(move |notification| {
        let _ = append(&document_, &log_, &notification.message);
    }));
    let (document_, log_) = (document.clone(), log.clone());
    subscriptions.push(client.on_error(move |error| {
        let _ = append(
            &document_,
            &log_,
            &format!("error {}: {error}", error.code()),
        );
    }));

    let at = Rc::clone(&next_attempt_at);
    let countdown_timer = Interval::new(100, move || {
        let left = at.get() - js_sys::Date::now();
        let text = if left > 0.0 {
            format!("next attempt in {:.1} s", left / 1000.0)
        } else {
            String::new()
        };
        countdown.set_text_content(Some(&text));
    });

    let sender = Rc::clone(&client);
    let (document_, log_) = (document.clone(), log.clone());
    let send_listener = EventListener::new(&send, "click", move |_| {
        let text = input.value();
        if text.is_empty() {
            return;
        }
        // Queued while the connection is down, sent when it is back.
        if let Err(error) = sender.send_chat(None, &text) {
            let _ = append(
                &document_,
                &log_,
                &format!("not sent ({}): {error}", error.code()),
            );
        }
        input.set_value("");
    });

    client.connect();
    PAGE.with(|page| {
        *page.borrow_mut() = Some(Page {
            _client: client,
            _subscriptions: subscriptions,
            _send: send_listener,
            _countdown: countdown_timer,
        })
    });
    Ok(())
}
