//! The engine's side of a received frame: its verdict, and what a frame of
//! the protocol changes (an ack, a server's error or reconnect request,
//! resumption, a repeated chat).

use super::{Engine, Socket};
use crate::engine::config::Mode;
use crate::engine::delivery::Acks;
use crate::engine::errors::{ErrorEvent, SendError};
use crate::engine::inputs::TimerKind;
use crate::engine::outputs::{DeliveryStatus, Event, Verdict};
use crate::protocol::{check_size, decode_with_limit, DecodeError, ServerFrame};

impl Engine {
    /// Processes a received text frame and says what the application gets
    /// of it; what else it causes (a settled ack, a refused message) comes
    /// out as commands. Nothing about a frame depends on the time, so a
    /// driver need not read the clock for each one.
    pub fn handle_frame(&mut self, text: &str) -> Verdict {
        if !self.receiving() {
            return Verdict::Dropped;
        }
        self.saw_traffic(Some(text));
        if self.config.mode == Mode::Generic {
            return match check_size(text.len(), self.config.max_frame_bytes) {
                Ok(()) => Verdict::Untyped(None),
                Err(error) => Verdict::Refused(ErrorEvent::Decode(error)),
            };
        }
        match decode_with_limit(text, self.config.max_frame_bytes) {
            Ok(frame) => {
                let frame_type = frame.frame_type();
                if self.accept(frame) {
                    Verdict::Typed(frame_type)
                } else {
                    Verdict::Dropped
                }
            }
            Err(error @ DecodeError::TooLarge { .. }) => {
                Verdict::Refused(ErrorEvent::Decode(error))
            }
            Err(error) => Verdict::Untyped(Some(ErrorEvent::Decode(error))),
        }
    }

    /// Processes a received text frame of `len` bytes that the driver did
    /// not read: it had more UTF-16 code units than the size limit has
    /// bytes, so it is over the limit whatever it holds, and reading it
    /// would only have cost the copy.
    pub fn handle_text_over_limit(&mut self, len: usize) -> Verdict {
        if !self.receiving() {
            return Verdict::Dropped;
        }
        self.saw_traffic(None);
        Verdict::Refused(ErrorEvent::Decode(DecodeError::TooLarge {
            len,
            max: self.config.max_frame_bytes,
        }))
    }

    /// Processes a received binary frame of `len` bytes, as
    /// [`Engine::handle_frame`] does a text frame.
    pub fn handle_binary(&mut self, len: usize) -> Verdict {
        if !self.receiving() {
            return Verdict::Dropped;
        }
        self.saw_traffic(None);
        if let Err(error) = check_size(len, self.config.max_frame_bytes) {
            return Verdict::Refused(ErrorEvent::Decode(error));
        }
        match self.config.mode {
            Mode::Wsnotify => Verdict::Untyped(Some(ErrorEvent::BinaryFrame { len })),
            Mode::Generic => Verdict::Untyped(None),
        }
    }

    /// Whether frames of the current socket are still taken in.
    fn receiving(&self) -> bool {
        matches!(
            self.socket,
            Socket::Open { .. } | Socket::PeerClosing { .. } | Socket::Closing
        )
    }

    /// Acts on a frame; `false` when the application must not see it (a
    /// chat it has already been given).
    fn accept(&mut self, frame: ServerFrame<'_>) -> bool {
        match frame {
            ServerFrame::Ack(ack) => {
                self.delivery.acks = Acks::Confirmed;
                self.cancel_timer(TimerKind::AckTimeout);
                if let Some(settled) = self.outbox.settle(&ack.id) {
                    if settled.tracked {
                        self.report(settled.id, DeliveryStatus::Acked, None);
                    }
                }
            }
            ServerFrame::Error(error) => {
                let pending = error.id.as_deref().and_then(|id| self.outbox.settle(id));
                match pending {
                    Some(settled) => self.fail(
                        settled,
                        SendError::Rejected {
                            code: error.code.into_owned(),
                            message: error.message.into_owned(),
                        },
                    ),
                    None => self.emit(Event::Error(ErrorEvent::Server(error.into_owned()))),
                }
            }
            ServerFrame::Reconnect(request) => {
                // A random moment within the window the server gave, so that
                // a draining node's clients do not all arrive at once.
                let ms = (self.rng.next_unit() * request.after_ms as f64) as u64;
                self.set_timer(
                    TimerKind::ServerReconnect,
                    ms.min(u64::from(u32::MAX)) as u32,
                );
            }
            ServerFrame::Resumed(resumed) => self.delivery.resumed(resumed),
            ServerFrame::Chat(chat) => return self.delivery.is_new(&chat),
            _ => {}
        }
        true
    }

    /// Any inbound frame proves the connection alive.
    fn saw_traffic(&mut self, text: Option<&str>) {
        if self.heartbeat.saw_frame(text, &self.config.kind_field) {
            self.cancel_timer(TimerKind::HeartbeatTimeout);
        }
    }
}
