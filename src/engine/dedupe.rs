//! A bounded memory of recently delivered message ids.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};

/// Remembers the last `capacity` keys; older ones are forgotten first.
///
/// Each key is stored once, in arrival order and next to its hash, and the
/// table holds only hashes. A new key then costs one allocation and a few
/// cache lines: a set of strings beside a queue of the same strings cost
/// three allocations, and forgetting the oldest key read its text again,
/// long gone from the cache on a page busy with other work (the receive
/// benchmark measured about 3 µs a chat more).
#[derive(Debug)]
pub struct RecentIds {
    capacity: usize,
    order: VecDeque<(u64, Box<str>)>,
    /// How many remembered keys have each hash: one, unless keys collide.
    /// Its hasher also hashes the keys.
    hashes: HashMap<u64, u32, SeededHash>,
}

impl RecentIds {
    /// An empty memory of `capacity` keys (at least one); `seed` keys the
    /// hash, so that a server cannot choose ids that all collide.
    pub fn new(capacity: usize, seed: u64) -> Self {
        Self {
            capacity: capacity.max(1),
            order: VecDeque::new(),
            hashes: HashMap::with_hasher(SeededHash(seed)),
        }
    }

    /// Records `key`; `false` when it was already there (a duplicate).
    pub fn insert(&mut self, key: String) -> bool {
        let hash = self.hashes.hasher().hash_one(key.as_str());
        self.insert_hashed(hash, key)
    }

    fn insert_hashed(&mut self, hash: u64, key: String) -> bool {
        match self.hashes.get_mut(&hash) {
            // A duplicate, or another key with the same hash: only the keys
            // tell, and this is the one case that reads them.
            Some(count) => {
                let known =
                    |(other_hash, other): &(u64, Box<str>)| *other_hash == hash && **other == *key;
                if self.order.iter().any(known) {
                    return false;
                }
                *count += 1;
            }
            None => {
                self.hashes.insert(hash, 1);
            }
        }
        if self.order.len() == self.capacity {
            self.forget_oldest();
        }
        self.order.push_back((hash, key.into_boxed_str()));
        true
    }

    fn forget_oldest(&mut self) {
        let Some((hash, _)) = self.order.pop_front() else {
            return;
        };
        if let Some(count) = self.hashes.get_mut(&hash) {
            *count -= 1;
            if *count == 0 {
                self.hashes.remove(&hash);
            }
        }
    }

    /// How many keys are remembered.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// Builds [`WordHasher`]s starting from a per-engine random seed.
///
/// The standard SipHash was a fifth of the wasm time spent on each received
/// chat; keys are short ids, for which a multiply-shift hash over 8-byte
/// words is enough. It hashes the keys, and again (one word) the table of
/// their hashes.
#[derive(Debug, Clone, Copy)]
struct SeededHash(u64);

impl BuildHasher for SeededHash {
    type Hasher = WordHasher;

    fn build_hasher(&self) -> WordHasher {
        WordHasher(self.0)
    }
}

/// Folds the input 8 bytes at a time: xor, multiply, and shift the high
/// half down, since a multiplication alone carries differences upwards only
/// (FxHash's step, without that shift, collided on ids that differ in
/// their digits).
struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        let mixed = (self.0 ^ word).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = mixed ^ (mixed >> 32);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut buffer = [0; 8];
            buffer.copy_from_slice(word);
            self.add(u64::from_le_bytes(buffer));
        }
        let mut buffer = [0; 8];
        let tail = words.remainder();
        buffer[..tail.len()].copy_from_slice(tail);
        self.add(u64::from_le_bytes(buffer));
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        // hashbrown picks buckets with the low bits and control bytes with
        // the top seven: one more multiply-shift spreads every input bit to both.
        let mixed = self.0.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        mixed ^ (mixed >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_duplicates_and_forgets_the_oldest_past_capacity() {
        let mut recent = RecentIds::new(2, 7);
        assert!(recent.insert("a".into()));
        assert!(!recent.insert("a".into()));
        assert!(recent.insert("b".into()));
        assert!(recent.insert("c".into()));
        assert_eq!(recent.len(), 2);
        assert!(recent.insert("a".into()), "a was forgotten");
        assert!(!recent.insert("c".into()));
    }

    #[test]
    fn keys_that_share_a_hash_are_told_apart() {
        let mut recent = RecentIds::new(3, 7);
        assert!(recent.insert_hashed(1, "x".into()));
        assert!(recent.insert_hashed(1, "y".into()), "y is not x");
        assert!(!recent.insert_hashed(1, "x".into()));
        assert!(!recent.insert_hashed(1, "y".into()));
        assert!(recent.insert_hashed(2, "z".into()));
        // Forgetting x leaves y, whose hash is still remembered.
        assert!(recent.insert_hashed(3, "w".into()));
        assert!(recent.insert_hashed(1, "x".into()), "x was forgotten");
        assert!(!recent.insert_hashed(1, "x".into()));
        assert_eq!(recent.len(), 3);
        assert_eq!(recent.hashes.values().sum::<u32>(), 3);
    }

    #[test]
    fn the_hash_spreads_similar_keys_and_depends_on_the_seed() {
        use std::collections::HashSet;
        let hash = |seed: u64, key: &str| SeededHash(seed).hash_one(key);
        // Ids a server hands out differ in a digit or two, often in the
        // last word only: each must still land on its own hash and bucket.
        let keys: Vec<String> = (0..10_000)
            .map(|n| format!("bench-server\0{n}-1"))
            .collect();
        let hashes: HashSet<u64> = keys.iter().map(|key| hash(1, key)).collect();
        assert_eq!(hashes.len(), keys.len());
        let low_bits: HashSet<u64> = hashes.iter().map(|hash| hash & 0x3fff).collect();
        assert!(
            low_bits.len() > 5_000,
            "{} of 16,384 buckets",
            low_bits.len()
        );
        assert_ne!(hash(1, "a\0b"), hash(2, "a\0b"));
    }
}
