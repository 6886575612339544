//! A chat component on `wsnotify::client` in Leptos: a state badge, a
//! countdown to the next attempt while reconnecting, the chats, and a box to
//! send one (queued while the connection is down).

use std::rc::Rc;

use gloo_timers::callback::Interval;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wsnotify::client::{Client, Options, State};

#[component]
fn Chat(url: String, user: String) -> impl IntoView {
    let (state, set_state) = signal("idle");
    let (next_attempt_at, set_next_attempt_at) = signal(0.0_f64);
    let (now, set_now) = signal(js_sys::Date::now());
    let (lines, set_lines) = signal(Vec::<String>::new());
    let (text, set_text) = signal(String::new());

    let client = Rc::new(
        Client::new(Options {
            url: url.into(),
            user_id: Some(user),
            ..Options::default()
        })
        .expect("the options are valid"),
    );
    let subscriptions = vec![
        client.on_state_change(move |change| {
            set_state.set(change.state.as_str());
            set_next_attempt_at.set(match (change.state, change.next_delay_ms) {
                (State::Reconnecting, Some(delay)) => js_sys::Date::now() + f64::from(delay),
                _ => 0.0,
            });
        }),
        client.on_chat(move |chat| {
            set_lines.update(|lines| lines.push(format!("{}: {}", chat.from_user_id, chat.message)))
        }),
        client.on_notification(move |notification| {
            set_lines.update(|lines| lines.push(notification.message.clone()))
        }),
    ];
    client.connect();
    let ticker = Interval::new(100, move || set_now.set(js_sys::Date::now()));
    let sender = SendWrapper::new(Rc::clone(&client));
    // The client, its subscriptions and the ticker live as long as the
    // component: dropped with it, they close the socket and unregister.
    let kept = SendWrapper::new((client, subscriptions, ticker));
    on_cleanup(move || drop(kept));

    let countdown = move || {
        let left = next_attempt_at.get() - now.get();
        (left > 0.0).then(|| format!("next attempt in {:.1} s", left / 1000.0))
    };
    let send = move |_| {
        let message = text.get();
        if !message.is_empty() {
            if let Err(error) = sender.send_chat(None, &message) {
                set_lines
                    .update(|lines| lines.push(format!("not sent ({}): {error}", error.code())));
            }
            set_text.set(String::new());
        }
    };
    view! {
        <p>"State: " <span class="badge">{move || state.get()}</span> " " {countdown}</p>
        <ul>{move || lines.get().into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ul>
        <input prop:value=move || text.get() on:input=move |event| set_text.set(event_target_value(&event))/>
        <button on:click=send>"Send to everyone"</button>
    }
}

fn main() {
    let query = window().location().search().unwrap_or_default();
    let params = web_sys::UrlSearchParams::new_with_str(&query).expect("a query string");
    let url = params
        .get("ws")
        .unwrap_or_else(|| "ws://127.0.0.1:8080/ws".into());
    let user = params.get("user").unwrap_or_else(|| "leptos-user".into());
    mount_to_body(move || view! { <Chat url user/> });
}
