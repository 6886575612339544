//! Per-message delivery status (`Event::Delivery`) and `retry`: every chat
//! reports exactly one `queued`, one `sent`, then one `acked` or `failed`.

mod common;

use std::collections::HashMap;

use common::*;
use wsnotify::engine::{Delivery, DeliveryStatus, DeliveryUpdate, Event, SendError, TimerKind};

fn at_least_once() -> wsnotify::engine::Config {
    let mut cfg = config();
    cfg.delivery = Delivery::AtLeastOnce;
    cfg
}

fn updates(commands: &[wsnotify::engine::Command]) -> Vec<DeliveryUpdate> {
    events(commands)
        .into_iter()
        .filter_map(|event| match event {
            Event::Delivery(update) => Some(update),
            _ => None,
        })
        .collect()
}

fn statuses(updates: &[DeliveryUpdate], id: &str) -> Vec<&'static str> {
    updates
        .iter()
        .filter(|update| update.id == id)
        .map(|update| update.status.as_str())
        .collect()
}

fn ack(h: &mut Harness, id: &str) -> Vec<wsnotify::engine::Command> {
    h.frame(&format!(r#"{{"type":"ack","id":"{id}"}}"#)).1
}

#[test]
fn a_chat_sent_while_open_reports_queued_sent_acked() {
    let mut h = Harness::new(at_least_once());
    h.open();
    let id = h.engine.send_chat(Some("bob"), "hi").unwrap();
    let mut seen = updates(&h.commands());
    seen.extend(updates(&ack(&mut h, &id)));
    assert_eq!(statuses(&seen, &id), ["queued", "sent", "acked"]);
    assert!(seen.iter().all(|update| update.code.is_none()));
}

#[test]
fn a_chat_queued_while_down_reports_sent_when_the_connection_opens() {
    let mut h = Harness::new(at_least_once());
    let id = h.engine.send_chat(None, "early").unwrap();
    let mut seen = updates(&h.commands());
    assert_eq!(statuses(&seen, &id), ["queued"]);
    seen.extend(updates(&h.open()));
    assert_eq!(statuses(&seen, &id), ["queued", "sent"]);
    seen.extend(updates(&ack(&mut h, &id)));
    assert_eq!(statuses(&seen, &id), ["queued", "sent", "acked"]);
}

#[test]
fn a_resend_after_a_reconnect_reports_no_second_sent() {
    let mut h = Harness::new(at_least_once());
    h.open();
    let id = h.engine.send_chat(None, "x").unwrap();
    let mut seen = updates(&h.commands());
    seen.extend(updates(&h.drop_with(1006)));
    seen.extend(updates(&h.fire(TimerKind::Reconnect)));
    let reopened = h.input(wsnotify::engine::Input::Opened);
    assert!(
        frames(&reopened).iter().any(|frame| frame.contains(&id)),
        "sent again"
    );
    seen.extend(updates(&reopened));
    seen.extend(updates(&ack(&mut h, &id)));
    assert_eq!(statuses(&seen, &id), ["queued", "sent", "acked"]);
}

#[test]
fn a_duplicate_ack_reports_nothing_more() {
    let mut h = Harness::new(at_least_once());
    h.open();
    let id = h.engine.send_chat(None, "x").unwrap();
    h.commands();
    assert_eq!(updates(&ack(&mut h, &id)).len(), 1);
    assert!(updates(&ack(&mut h, &id)).is_empty());
}

#[test]
fn a_refused_chat_reports_failed_with_the_servers_code_and_can_be_retried() {
    let mut h = Harness::new(at_least_once());
    h.open();
    let id = h.engine.send_chat(Some("nobody"), "hi").unwrap();
    let mut seen = updates(&h.commands());
    let refused = h
        .frame(&format!(
            r#"{{"type":"error","code":"recipient_offline","message":"offline","id":"{id}"}}"#
        ))
        .1;
    assert!(events(&refused)
        .iter()
        .any(|event| matches!(event, Event::SendFailed { id: failed, .. } if *failed == id)));
    seen.extend(updates(&refused));
    assert_eq!(statuses(&seen, &id), ["queued", "sent", "failed"]);
    assert_eq!(
        seen.last().unwrap().code.as_deref(),
        Some("recipient_offline")
    );

    h.engine.retry(&id).unwrap();
    let again = h.commands();
    assert!(
        frames(&again).iter().any(|frame| frame.contains(&id)),
        "the same id goes out again"
    );
    seen.extend(updates(&again));
    seen.extend(updates(&ack(&mut h, &id)));
    assert_eq!(
        statuses(&seen, &id),
        ["queued", "sent", "failed", "queued", "sent", "acked"]
    );
    assert_eq!(
        h.engine.retry(&id),
        Err(SendError::NotRetryable(id.clone())),
        "an acked chat is not retryable"
    );
}

#[test]
fn close_fails_every_queued_chat_and_retry_after_reconnect_queues_it_again() {
    let mut h = Harness::new(at_least_once());
    let id = h.engine.send_chat(None, "x").unwrap();
    let text = h.engine.send_text("{}".into()).unwrap();
    h.commands();
    h.engine.close(1000, "").unwrap();
    let closed = updates(&h.commands());
    assert_eq!(statuses(&closed, &id), ["failed"]);
    assert_eq!(closed[0].code.as_deref(), Some("closed"));
    assert!(
        statuses(&closed, &text).is_empty(),
        "only chats have a status"
    );
    assert!(matches!(h.engine.retry(&id), Err(SendError::Closed)));
    assert!(
        matches!(h.engine.retry(&text), Err(SendError::NotRetryable(_))),
        "a text frame has no status to retry"
    );
    h.engine.reconnect();
    h.commands();
    h.engine.retry(&id).unwrap();
    assert_eq!(statuses(&updates(&h.commands()), &id), ["queued"]);
}

#[test]
fn retry_of_an_unknown_or_pending_id_is_a_typed_error() {
    let mut h = Harness::new(at_least_once());
    h.open();
    let id = h.engine.send_chat(None, "x").unwrap();
    assert_eq!(h.engine.retry(&id).unwrap_err().code(), "not_retryable");
    assert_eq!(h.engine.retry("nope").unwrap_err().code(), "not_retryable");
}

#[test]
fn at_most_once_reports_queued_and_sent_only() {
    let mut h = Harness::new(config());
    h.open();
    let id = h.engine.send_chat(None, "x").unwrap();
    let seen = updates(&h.commands());
    assert_eq!(statuses(&seen, &id), ["queued", "sent"]);
    assert!(updates(&ack(&mut h, &id)).is_empty());
}

#[test]
fn the_failed_chats_kept_for_retry_are_bounded_like_the_outbox() {
    let mut cfg = at_least_once();
    cfg.outbox.max_frames = 3;
    let mut h = Harness::new(cfg);
    let mut ids = Vec::new();
    for round in 0..4 {
        h.engine.reconnect();
        ids.push(h.engine.send_chat(None, &format!("m{round}")).unwrap());
        h.engine.close(1000, "").unwrap();
    }
    h.commands();
    assert!(
        matches!(h.engine.retry(&ids[0]), Err(SendError::NotRetryable(_))),
        "the oldest is forgotten"
    );
    h.engine.reconnect();
    for id in &ids[1..] {
        h.engine.retry(id).unwrap();
    }
}

/// 1,000 chats with drops and reconnects between them: each reports exactly
/// one `queued`, one `sent` and one `acked`, in that order.
#[test]
fn the_status_sequence_of_1000_chats_is_queued_sent_acked_each() {
    let mut h = Harness::new(at_least_once());
    let mut seen = Vec::new();
    let mut ids = Vec::new();
    seen.extend(updates(&h.open()));
    for n in 0..1000 {
        ids.push(h.engine.send_chat(Some("bob"), &format!("m{n}")).unwrap());
        seen.extend(updates(&h.commands()));
        if n % 97 == 0 {
            seen.extend(updates(&h.drop_with(1006)));
            seen.extend(updates(&h.fire(TimerKind::Reconnect)));
            seen.extend(updates(&h.input(wsnotify::engine::Input::Opened)));
        }
        if n % 3 == 0 {
            for id in std::mem::take(&mut ids) {
                seen.extend(updates(&ack(&mut h, &id)));
            }
        }
    }
    for id in std::mem::take(&mut ids) {
        seen.extend(updates(&ack(&mut h, &id)));
    }
    let mut by_id: HashMap<&str, Vec<DeliveryStatus>> = HashMap::new();
    for update in &seen {
        by_id.entry(&update.id).or_default().push(update.status);
    }
    assert_eq!(by_id.len(), 1000);
    for (id, sequence) in by_id {
        assert_eq!(
            sequence,
            [
                DeliveryStatus::Queued,
                DeliveryStatus::Sent,
                DeliveryStatus::Acked
            ],
            "{id}"
        );
    }
}
