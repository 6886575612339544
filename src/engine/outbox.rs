//! The bounded queue of frames waiting for an open connection.

use std::collections::VecDeque;

use super::config::OutboxLimits;
use super::io::SendError;

/// A frame waiting to be sent, with the id its sender was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedFrame {
    /// The id `send` returned.
    pub id: String,
    /// The encoded frame.
    pub text: String,
}

/// A FIFO bounded in frames and in bytes.
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

    /// Removes and returns every frame, oldest first.
    pub fn take_all(&mut self) -> VecDeque<QueuedFrame> {
        self.bytes = 0;
        std::mem::take(&mut self.frames)
    }

    /// How many frames are queued.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// How many bytes are queued.
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
}
