//! One browser timeout per engine timer kind.

use gloo_timers::callback::Timeout;

use crate::engine::TimerKind;

/// The engine's timers as `setTimeout` handles. Setting a kind replaces (and
/// so clears) its previous timeout; dropping `Timers` clears them all.
#[derive(Default)]
pub struct Timers {
    slots: [Option<Timeout>; TimerKind::ALL.len()],
}

impl Timers {
    /// Starts `kind` to call `on_fire` after `ms` milliseconds.
    pub fn set(&mut self, kind: TimerKind, ms: u32, on_fire: impl FnOnce() + 'static) {
        // `setTimeout` holds at most 2^31 - 1 ms (some 24.8 days) and fires
        // a longer delay at once; the options allow up to 2^32 - 1.
        let ms = ms.min(i32::MAX as u32);
        self.slots[kind as usize] = Some(Timeout::new(ms, on_fire));
    }

    /// Stops `kind`, if it is pending.
    pub fn cancel(&mut self, kind: TimerKind) {
        self.slots[kind as usize] = None;
    }
}
