//! A bounded memory of recently delivered message ids.

use std::collections::{HashSet, VecDeque};
use std::hash::BuildHasher;
use std::rc::Rc;

/// SipHash-2-4 with a key of this engine's: a keyed hash a server cannot
/// aim ids at without knowing the key, and the standard library's own, so
/// no hashing code of another crate is shipped.
#[derive(Debug, Clone, Copy)]
struct Keyed(u64, u64);

impl BuildHasher for Keyed {
    // `SipHasher` is deprecated in favour of `DefaultHasher`, whose key
    // cannot be chosen; a fixed key would let a server aim at one bucket.
    #[allow(deprecated)]
    type Hasher = std::hash::SipHasher;

    #[allow(deprecated)]
    fn build_hasher(&self) -> Self::Hasher {
        std::hash::SipHasher::new_with_keys(self.0, self.1)
    }
}

/// Remembers the last `capacity` keys; older ones are forgotten first.
///
/// A set answers "seen before?" and a queue of the same keys says which to
/// forget; both share one allocation per key. The set hashes with SipHash
/// keyed from the engine's seed, so that a server cannot pick ids that all
/// land in one bucket.
#[derive(Debug)]
pub struct RecentIds {
    capacity: usize,
    order: VecDeque<Rc<str>>,
    known: HashSet<Rc<str>, Keyed>,
}

impl RecentIds {
    /// An empty memory of `capacity` keys (at least one); `seed` keys the hash.
    pub fn new(capacity: usize, seed: u64) -> Self {
        Self {
            capacity: capacity.max(1),
            order: VecDeque::new(),
            // Two halves of the key from one seed: any fixed mix will do, the
            // secret is the seed.
            known: HashSet::with_hasher(Keyed(seed, !seed.rotate_left(32))),
        }
    }

    /// Records `key`; `false` when it was already there (a duplicate).
    pub fn insert(&mut self, key: String) -> bool {
        // One lookup that both checks and inserts: a key is hashed once
        // (and the oldest once more when it is forgotten).
        let key: Rc<str> = key.into();
        if !self.known.insert(Rc::clone(&key)) {
            return false;
        }
        if self.order.len() == self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.known.remove(&oldest);
            }
        }
        self.order.push_back(key);
        true
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
    fn ten_thousand_similar_ids_are_each_remembered_once() {
        let mut recent = RecentIds::new(10_000, 1);
        for n in 0..10_000 {
            assert!(recent.insert(format!("bench-server\0{n}-1")));
        }
        for n in 0..10_000 {
            assert!(!recent.insert(format!("bench-server\0{n}-1")), "{n}");
        }
        assert_eq!(recent.len(), 10_000);
    }
}
