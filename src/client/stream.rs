//! The events of a client as a [`Stream`].

use std::cell::RefCell;
use std::collections::VecDeque;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_core::Stream;

use super::events::Event;

/// How many events a stream holds for a reader that does not keep up; older
/// ones are dropped first, and [`Events::lagged`] counts them.
pub const STREAM_CAPACITY: usize = 1024;

/// The shared end of a stream: the client pushes, the reader takes.
#[derive(Default)]
pub(super) struct Queue {
    events: VecDeque<Event>,
    waker: Option<Waker>,
    ended: bool,
    lagged: u64,
}

impl Queue {
    pub(super) fn push(&mut self, event: Event) {
        if self.ended {
            return;
        }
        if self.events.len() == STREAM_CAPACITY {
            self.events.pop_front();
            self.lagged += 1;
        }
        self.events.push_back(event);
        self.wake();
    }

    /// No more events: the client closed or was dropped.
    pub(super) fn end(&mut self) {
        self.ended = true;
        self.wake();
    }

    fn wake(&mut self) {
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }
}

/// Every [`Event`] of a client, in order, until the client closes for good
/// (state `Closed`, its last event, after a give-up) or is dropped; then the
/// stream ends. Made by [`Client::events`](super::Client::events). A client
/// started again after that (`connect`, `reconnect`) needs a new stream.
///
/// ```no_run
/// # async fn run(client: wsnotify::client::Client) {
/// use futures_util::StreamExt;
/// let mut events = client.events();
/// while let Some(event) = events.next().await {
///     web_sys::console::log_1(&format!("{event:?}").into());
/// }
/// // The client closed for good.
/// # }
/// ```
#[must_use = "a stream does nothing unless polled"]
pub struct Events {
    pub(super) queue: Rc<RefCell<Queue>>,
}

impl Events {
    /// How many events were dropped because the reader fell more than
    /// [`STREAM_CAPACITY`] events behind.
    pub fn lagged(&self) -> u64 {
        self.queue.borrow().lagged
    }
}

impl Stream for Events {
    type Item = Event;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        let mut queue = self.queue.borrow_mut();
        if let Some(event) = queue.events.pop_front() {
            return Poll::Ready(Some(event));
        }
        if queue.ended {
            return Poll::Ready(None);
        }
        queue.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}
