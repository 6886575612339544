//! Retry delays: exponential backoff with jitter, and the random source.

use super::config::ReconnectPolicy;

/// The delay before retry number `retry` (1 for the first), before jitter,
/// capped at `max_delay_ms`.
pub fn nominal_delay_ms(policy: &ReconnectPolicy, retry: u32) -> f64 {
    let exponent = retry.saturating_sub(1).min(64) as i32;
    let delay = f64::from(policy.base_delay_ms) * policy.factor.max(1.0).powi(exponent);
    delay.min(f64::from(policy.max_delay_ms))
}

/// The window every delay for `retry` falls in: the nominal delay ±jitter,
/// never above `max_delay_ms`.
pub fn delay_window_ms(policy: &ReconnectPolicy, retry: u32) -> (u32, u32) {
    let nominal = nominal_delay_ms(policy, retry);
    let jitter = policy.jitter.clamp(0.0, 1.0);
    let low = (nominal * (1.0 - jitter)).floor();
    let high = (nominal * (1.0 + jitter))
        .ceil()
        .min(f64::from(policy.max_delay_ms));
    (low as u32, high.max(low) as u32)
}

/// The delay for `retry`, placed in its window by `unit`, a random number in `[0, 1)`.
pub fn delay_ms(policy: &ReconnectPolicy, retry: u32, unit: f64) -> u32 {
    let (low, high) = delay_window_ms(policy, retry);
    let spread = f64::from(high - low) * unit.clamp(0.0, 1.0);
    (low + spread as u32).min(high)
}

/// A small deterministic random source (SplitMix64), seeded by the driver,
/// so that the engine itself stays pure and tests are reproducible.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`.
    pub fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_500_ms_up_to_the_10_s_cap() {
        let policy = ReconnectPolicy::default();
        let nominal: Vec<f64> = (1..=7).map(|n| nominal_delay_ms(&policy, n)).collect();
        assert_eq!(
            nominal,
            [500.0, 1000.0, 2000.0, 4000.0, 8000.0, 10000.0, 10000.0]
        );
        assert_eq!(nominal_delay_ms(&policy, u32::MAX), 10000.0);
    }

    #[test]
    fn jitter_spreads_plus_minus_half_but_never_past_the_cap() {
        let policy = ReconnectPolicy::default();
        assert_eq!(delay_window_ms(&policy, 1), (250, 750));
        assert_eq!(delay_window_ms(&policy, 4), (2000, 6000));
        assert_eq!(delay_window_ms(&policy, 6), (5000, 10000));
        assert_eq!(delay_ms(&policy, 1, 0.0), 250);
        assert_eq!(delay_ms(&policy, 1, 0.999_999), 749);
        assert_eq!(delay_ms(&policy, 6, 1.0), 10000);
    }

    #[test]
    fn zero_jitter_gives_the_nominal_delay() {
        let policy = ReconnectPolicy {
            jitter: 0.0,
            ..ReconnectPolicy::default()
        };
        assert_eq!(delay_ms(&policy, 3, 0.7), 2000);
    }

    #[test]
    fn rng_is_deterministic_and_in_range() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..1000 {
            let x = a.next_unit();
            assert_eq!(x, b.next_unit());
            assert!((0.0..1.0).contains(&x));
        }
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    }
}
