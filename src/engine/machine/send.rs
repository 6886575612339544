//! The engine's sends: the message id, the size and backlog checks, the
//! socket or the outbox, and what becomes of a frame that fails.

use super::{Engine, Socket, MAX_MESSAGE_ID_CHARS};
use crate::engine::config::Mode;
use crate::engine::errors::SendError;
use crate::engine::outbox::QueuedFrame;
use crate::engine::outputs::{DeliveryState, DeliveryStatus, Event, State};
use crate::message::push_decimal;
use crate::protocol::{char_count, encode_chat, UserId};

impl Engine {
    /// Sends a chat from this client's user to `to` (everyone when `None`).
    /// Returns the message id, which the frame carries as `id`.
    /// In generic mode there is no chat frame: [`SendError::Unsupported`].
    pub fn send_chat(&mut self, to: Option<&str>, message: &str) -> Result<String, SendError> {
        self.send_chat_as(to, message, None)
    }

    /// [`Engine::send_chat`] with the application's own message `id` (1 to
    /// [`MAX_MESSAGE_ID_CHARS`] characters; it must not repeat another
    /// message's id: the receiver and the server drop repeats).
    pub fn send_chat_as(
        &mut self,
        to: Option<&str>,
        message: &str,
        id: Option<String>,
    ) -> Result<String, SendError> {
        if self.config.mode != Mode::Wsnotify {
            return Err(SendError::Unsupported("sendChat"));
        }
        let to_user_id = to.map(UserId::new).transpose()?;
        let id = self.message_id(id)?;
        // Wsnotify mode always has a user id (`Config::new` takes one).
        let Some(from) = &self.config.user_id else {
            return Err(SendError::Unsupported("sendChat"));
        };
        let text = encode_chat(from, to_user_id.as_ref(), message, Some(&id));
        let awaits_ack = self.delivery() == DeliveryState::AtLeastOnce;
        self.enqueue(id, text, awaits_ack, true)
    }

    /// Queues again, with the same id, a chat whose status went to
    /// [`DeliveryStatus::Failed`]; its status starts again at `Queued`.
    /// [`SendError::NotRetryable`] when no failed chat with `id` is kept
    /// (the last [`OutboxLimits`](crate::engine::OutboxLimits) worth are).
    pub fn retry(&mut self, id: &str) -> Result<(), SendError> {
        let Some(index) = self.failed.iter().position(|frame| frame.id == id) else {
            return Err(SendError::NotRetryable(id.to_owned()));
        };
        let Some(frame) = self.failed.remove(index) else {
            return Err(SendError::NotRetryable(id.to_owned()));
        };
        let awaits_ack = self.delivery() == DeliveryState::AtLeastOnce;
        match self.enqueue(frame.id.clone(), frame.text.clone(), awaits_ack, true) {
            Ok(_) => Ok(()),
            Err(error) => {
                // Still failed: it stays retryable.
                self.failed.insert(index, frame);
                Err(error)
            }
        }
    }

    /// Sends `text` as one frame, as it is. Returns a local id for
    /// [`Event::SendFailed`].
    pub fn send_text(&mut self, text: String) -> Result<String, SendError> {
        self.send_text_as(text, None)
    }

    /// [`Engine::send_text`] with the application's own local `id`.
    pub fn send_text_as(&mut self, text: String, id: Option<String>) -> Result<String, SendError> {
        let id = self.message_id(id)?;
        self.enqueue(id, text, false, false)
    }

    /// The application's id, checked, or a new one.
    fn message_id(&mut self, id: Option<String>) -> Result<String, SendError> {
        match id {
            None => Ok(self.next_message_id()),
            Some(id) if (1..=MAX_MESSAGE_ID_CHARS).contains(&char_count(&id)) => Ok(id),
            Some(id) => Err(SendError::InvalidId(char_count(&id))),
        }
    }

    fn next_message_id(&mut self) -> String {
        self.next_id += 1;
        let mut id = String::with_capacity(self.id_prefix.len() + 21);
        id.push_str(&self.id_prefix);
        id.push('-');
        push_decimal(&mut id, self.next_id);
        id
    }

    /// Sends `text` now or queues it; `tracked`: a chat, whose delivery
    /// status is reported.
    fn enqueue(
        &mut self,
        id: String,
        text: String,
        awaits_ack: bool,
        tracked: bool,
    ) -> Result<String, SendError> {
        let max = self.config.max_frame_bytes;
        if text.len() > max {
            return Err(SendError::FrameTooLarge {
                len: text.len(),
                max,
            });
        }
        match self.state {
            State::Closing if !self.connect_when_closed => Err(SendError::Closed),
            State::Closed => Err(SendError::Closed),
            // Still `Open` while the application decides about a close:
            // there is no socket to write to.
            State::Open if matches!(self.socket, Socket::Open { .. }) => {
                if awaits_ack {
                    // Held until acked, so unacked sends count toward the bounds.
                    self.outbox.push(QueuedFrame {
                        id: id.clone(),
                        text: text.clone(),
                        awaits_ack,
                        tracked,
                        sent: true,
                    })?;
                } else {
                    // Held by the socket alone: what it will hold once what
                    // is queued is written is what the bound is on. Into an
                    // empty socket, even a frame larger than the bound goes.
                    let held = self.socket_backlog.saturating_add(self.unwritten_bytes);
                    let max = self.config.max_buffered_bytes;
                    if held > 0 && held.saturating_add(text.len()) > max {
                        return Err(SendError::SocketBacklog { bytes: held, max });
                    }
                }
                self.write(text);
                if tracked {
                    self.report(id.clone(), DeliveryStatus::Queued, None);
                    self.report(id.clone(), DeliveryStatus::Sent, None);
                }
                if awaits_ack {
                    self.await_first_ack();
                }
                Ok(id)
            }
            // `Closing` here: a `connect()` follows the close.
            State::Open
            | State::Idle
            | State::Connecting
            | State::Reconnecting
            | State::Closing => {
                self.outbox.push(QueuedFrame {
                    id: id.clone(),
                    text,
                    awaits_ack,
                    tracked,
                    sent: false,
                })?;
                if tracked {
                    self.report(id.clone(), DeliveryStatus::Queued, None);
                }
                Ok(id)
            }
        }
    }

    pub(super) fn reject_outbox(&mut self) {
        for frame in self.outbox.take_all() {
            self.fail(frame, SendError::Closed);
        }
    }

    /// A queued frame will never be sent: for a chat its `Failed` status,
    /// after which it is kept for [`Engine::retry`], then the error. The
    /// status comes first so that whoever routes the error by id (the
    /// shared tabs) still knows the id when the status arrives.
    pub(super) fn fail(&mut self, frame: QueuedFrame, error: SendError) {
        let id = frame.id.clone();
        if frame.tracked {
            self.report(
                id.clone(),
                DeliveryStatus::Failed,
                Some(error.code().to_owned()),
            );
            self.keep_failed(frame);
        }
        self.emit(Event::SendFailed { id, error });
    }

    /// Keeps a failed chat for [`Engine::retry`], forgetting the oldest
    /// beyond the outbox's bounds.
    fn keep_failed(&mut self, frame: QueuedFrame) {
        let limits = self.config.outbox;
        self.failed.push_back(QueuedFrame {
            awaits_ack: false,
            sent: false,
            ..frame
        });
        let mut bytes: usize = self.failed.iter().map(|kept| kept.text.len()).sum();
        while self.failed.len() > limits.max_frames || bytes > limits.max_bytes {
            match self.failed.pop_front() {
                Some(forgotten) => bytes -= forgotten.text.len(),
                None => break,
            }
        }
    }
}
