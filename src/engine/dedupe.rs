//! A bounded memory of recently delivered message ids.

use std::collections::{HashSet, VecDeque};

/// Remembers the last `capacity` keys; older ones are forgotten first.
#[derive(Debug)]
pub struct RecentIds {
    capacity: usize,
    seen: HashSet<String>,
    order: VecDeque<String>,
}

impl RecentIds {
    /// An empty memory of `capacity` keys (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            seen: HashSet::new(),
            order: VecDeque::new(),
        }
    }

    /// Records `key`; `false` when it was already there (a duplicate).
    pub fn insert(&mut self, key: String) -> bool {
        if self.seen.contains(&key) {
            return false;
        }
        if self.order.len() == self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.seen.remove(&oldest);
            }
        }
        self.seen.insert(key.clone());
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
        let mut recent = RecentIds::new(2);
        assert!(recent.insert("a".into()));
        assert!(!recent.insert("a".into()));
        assert!(recent.insert("b".into()));
        assert!(recent.insert("c".into()));
        assert_eq!(recent.len(), 2);
        assert!(recent.insert("a".into()), "a was forgotten");
        assert!(!recent.insert("c".into()));
    }
}
