//! The bounded queue of frames not yet settled: waiting for an open
//! connection, or (with at-least-once delivery) sent and waiting for an ack.

use std::collections::VecDeque;

use super::config::OutboxLimits;
use super::errors::SendError;

/// A frame waiting to be sent or acknowledged, with the id its sender was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedFrame {
    /// The id `send` returned.
    pub id: String,
    /// The encoded frame.
    pub text: String,
    /// Settled only by the server's `ack` (or its `error`) for `id`; until
    /// then it is sent again on every new connection.
    pub awaits_ack: bool,
    /// A chat, whose delivery status is reported ([`Event::Delivery`](super::Event::Delivery)).
    pub tracked: bool,
    /// Written to a socket at least once: its `sent` status was reported,
    /// and a resend after a reconnect reports nothing new.
    pub sent: bool,
}

/// A frame written by [`Outbox::send_all`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The encoded frame.
    pub text: String,
    /// The id of a tracked frame written for the first time, whose `sent`
    /// status is now due.
    pub first_sent: Option<String>,
}

/// A FIFO bounded in frames and in bytes; sent frames that await an ack stay
/// in it, in order, and count toward the bounds.
#[derive(Debug)]
pub struct Outbox {
    limits: OutboxLimits,
    frames: VecDeque<QueuedFrame>,
    bytes: usize,
}

impl Outbox {
    /// An empty outbox with `limits`.
    pub fn new(limits: OutboxLimits) -> Self {
        Self {
            limits,
            frames: VecDeque::new(),
            bytes: 0,
        }
    }

    /// Appends `frame`, or refuses it when either bound would be exceeded.
    pub fn push(&mut self, frame: QueuedFrame) -> Result<(), SendError> {
        if self.frames.len() >= self.limits.max_frames
            || self.bytes + frame.text.len() > self.limits.max_bytes
        {
            return Err(SendError::OutboxFull {
                frames: self.frames.len(),
                bytes: self.bytes,
            });
        }
        self.bytes += frame.text.len();
        self.frames.push_back(frame);
        Ok(())
    }

    /// Every frame, oldest first, for a new connection: frames that need no
    /// ack leave the outbox, the others stay until acked.
    pub fn send_all(&mut self) -> Vec<Outgoing> {
        let mut texts = Vec::with_capacity(self.frames.len());
        self.frames.retain_mut(|frame| {
            let first_sent = (frame.tracked && !frame.sent).then(|| frame.id.clone());
            frame.sent = true;
            texts.push(Outgoing {
                text: frame.text.clone(),
                first_sent,
            });
            frame.awaits_ack
        });
        self.bytes = self.frames.iter().map(|frame| frame.text.len()).sum();
        texts
    }

    /// Removes the frame with `id`, if it is here.
    pub fn settle(&mut self, id: &str) -> Option<QueuedFrame> {
        let index = self.frames.iter().position(|frame| frame.id == id)?;
        let frame = self.frames.remove(index)?;
        self.bytes -= frame.text.len();
        Some(frame)
    }

    /// Stops waiting for acks: frames already sent count as delivered and
    /// leave; the rest no longer wait for an ack once sent.
    pub fn stop_awaiting_acks(&mut self) {
        for frame in &mut self.frames {
            frame.awaits_ack = false;
        }
    }

    /// Removes and returns every frame, oldest first.
    pub fn take_all(&mut self) -> VecDeque<QueuedFrame> {
        self.bytes = 0;
        std::mem::take(&mut self.frames)
    }

    /// How many frames are held.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// How many bytes are held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(id: &str, len: usize) -> QueuedFrame {
        QueuedFrame {
            id: id.into(),
            text: "x".repeat(len),
            awaits_ack: false,
            tracked: true,
            sent: false,
        }
    }

    fn acked(id: &str, len: usize) -> QueuedFrame {
        QueuedFrame {
            awaits_ack: true,
            ..frame(id, len)
        }
    }

    #[test]
    fn keeps_order_and_counts_bytes() {
        let mut outbox = Outbox::new(OutboxLimits::default());
        outbox.push(frame("a", 3)).unwrap();
        outbox.push(frame("b", 4)).unwrap();
        assert_eq!((outbox.len(), outbox.bytes()), (2, 7));
        let ids: Vec<_> = outbox.take_all().into_iter().map(|f| f.id).collect();
        assert_eq!(ids, ["a", "b"]);
        assert!(outbox.is_empty());
        assert_eq!(outbox.bytes(), 0);
    }

    #[test]
    fn refuses_past_the_frame_bound() {
        let mut outbox = Outbox::new(OutboxLimits {
            max_frames: 2,
            max_bytes: 100,
        });
        outbox.push(frame("a", 1)).unwrap();
        outbox.push(frame("b", 1)).unwrap();
        assert_eq!(
            outbox.push(frame("c", 1)),
            Err(SendError::OutboxFull {
                frames: 2,
                bytes: 2
            })
        );
        assert_eq!(outbox.len(), 2);
    }

    #[test]
    fn refuses_past_the_byte_bound() {
        let mut outbox = Outbox::new(OutboxLimits {
            max_frames: 10,
            max_bytes: 10,
        });
        outbox.push(frame("a", 6)).unwrap();
        assert!(outbox.push(frame("b", 5)).is_err());
        outbox.push(frame("c", 4)).unwrap();
        assert_eq!(outbox.bytes(), 10);
    }

    #[test]
    fn frames_awaiting_an_ack_stay_until_settled_and_are_sent_again() {
        let mut outbox = Outbox::new(OutboxLimits::default());
        outbox.push(acked("a", 1)).unwrap();
        outbox.push(frame("b", 2)).unwrap();
        outbox.push(acked("c", 3)).unwrap();
        let first: Vec<_> = outbox
            .send_all()
            .into_iter()
            .map(|f| f.first_sent)
            .collect();
        assert_eq!(
            first,
            [Some("a".into()), Some("b".into()), Some("c".into())]
        );
        assert_eq!((outbox.len(), outbox.bytes()), (2, 4));
        let again = outbox.send_all();
        assert_eq!(again.len(), 2, "sent again on the next connection");
        assert!(
            again.iter().all(|f| f.first_sent.is_none()),
            "a resend is not a first send"
        );
        assert_eq!(outbox.settle("a").map(|f| f.id), Some("a".into()));
        assert_eq!(outbox.settle("a"), None);
        assert_eq!((outbox.len(), outbox.bytes()), (1, 3));
        outbox.stop_awaiting_acks();
        outbox.send_all();
        assert!(outbox.is_empty());
    }
}
