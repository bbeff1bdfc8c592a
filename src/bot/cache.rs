//! The one bounded cache of the bot's short-lived state (the buttons' reply states, the channels'
//! conversations): an entry lasts `ttl` after it was last written; when the cache is full, the
//! expired entries go first, then the least recently written. Time is a parameter, so that
//! expiry is tested without waiting.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::time::{Duration, Instant};

/// Entries by key, at most `capacity` of them, each for `ttl` after its last write.
pub struct TtlCache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: HashMap<K, Slot<V>>,
    /// Keys by write time (and write number, which breaks ties), least recently written first.
    order: BTreeMap<(Instant, u64), K>,
    writes: u64,
}

struct Slot<V> {
    written: (Instant, u64),
    value: V,
}

impl<K: Eq + Hash + Clone, V> TtlCache<K, V> {
    /// An empty cache keeping at most `capacity` entries (at least one), each for `ttl` after
    /// its last write (`Duration::MAX`: until the cache is full).
    pub fn new(ttl: Duration, capacity: usize) -> TtlCache<K, V> {
        TtlCache {
            ttl,
            capacity: capacity.max(1),
            entries: HashMap::new(),
            order: BTreeMap::new(),
            writes: 0,
        }
    }

    /// The value of `key` while it is fresh at `now`.
    pub fn get(&self, key: &K, now: Instant) -> Option<&V> {
        self.entries
            .get(key)
            .filter(|slot| fresh(self.ttl, slot.written.0, now))
            .map(|slot| &slot.value)
    }

    /// Whether `key` is held, fresh or not yet dropped.
    pub fn contains_key(&self, key: &K) -> bool {
        self.entries.contains_key(key)
    }

    /// Removes `key`, returning its value if it was fresh at `now`.
    pub fn take(&mut self, key: &K, now: Instant) -> Option<V> {
        let slot = self.entries.remove(key)?;
        self.order.remove(&slot.written);
        fresh(self.ttl, slot.written.0, now).then_some(slot.value)
    }

    /// Writes `value` under `key` at `now`: it lasts `ttl` from now. Expired entries are dropped,
    /// and when the cache is full, the least recently written.
    pub fn insert(&mut self, key: K, value: V, now: Instant) {
        if let Some(old) = self.entries.remove(&key) {
            self.order.remove(&old.written);
        }
        let ttl = self.ttl;
        while let Some(entry) = self.order.first_entry() {
            let expired = !fresh(ttl, entry.key().0, now);
            if !expired && self.entries.len() < self.capacity {
                break;
            }
            let oldest = entry.remove();
            self.entries.remove(&oldest);
        }
        self.writes += 1;
        let written = (now, self.writes);
        self.order.insert(written, key.clone());
        self.entries.insert(key, Slot { written, value });
    }

    /// Number of entries held (expired ones included until a write drops them).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Whether an entry written at `written` is still fresh at `now`.
fn fresh(ttl: Duration, written: Instant, now: Instant) -> bool {
    now.saturating_duration_since(written) < ttl
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn an_entry_expires_ttl_after_its_write() {
        let mut cache = TtlCache::new(secs(60), 10);
        let start = Instant::now();
        cache.insert(1, "a", start);
        assert_eq!(cache.get(&1, start + secs(59)), Some(&"a"));
        assert_eq!(cache.get(&1, start + secs(60)), None);
    }

    #[test]
    fn a_write_starts_the_ttl_again() {
        let mut cache = TtlCache::new(secs(60), 10);
        let start = Instant::now();
        cache.insert(1, "a", start);
        cache.insert(1, "b", start + secs(50));
        assert_eq!(cache.get(&1, start + secs(100)), Some(&"b"));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn a_full_cache_drops_the_least_recently_written() {
        let mut cache = TtlCache::new(secs(600), 2);
        let now = Instant::now();
        cache.insert(1, "a", now);
        cache.insert(2, "b", now + secs(1));
        cache.insert(1, "c", now + secs(2));
        cache.insert(3, "d", now + secs(3));
        assert_eq!(cache.len(), 2);
        assert_eq!(
            cache.get(&2, now + secs(4)),
            None,
            "2 was written least recently"
        );
        assert_eq!(cache.get(&1, now + secs(4)), Some(&"c"));
    }

    #[test]
    fn entries_written_at_the_same_time_leave_in_write_order() {
        let mut cache = TtlCache::new(secs(600), 2);
        let now = Instant::now();
        cache.insert(1, "a", now);
        cache.insert(2, "b", now);
        cache.insert(3, "c", now);
        assert_eq!(cache.get(&1, now), None);
        assert!(cache.get(&2, now).is_some() && cache.get(&3, now).is_some());
    }

    #[test]
    fn expired_entries_are_dropped_on_write() {
        let mut cache = TtlCache::new(secs(60), 100);
        let now = Instant::now();
        cache.insert(1, "a", now);
        cache.insert(2, "b", now);
        cache.insert(3, "c", now + secs(61));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn take_gives_only_a_fresh_value_and_removes_it() {
        let mut cache = TtlCache::new(secs(60), 10);
        let now = Instant::now();
        cache.insert(1, "a", now);
        cache.insert(2, "b", now);
        assert_eq!(cache.take(&1, now + secs(1)), Some("a"));
        assert_eq!(cache.take(&2, now + secs(60)), None);
        assert!(cache.is_empty());
    }

    #[test]
    fn an_endless_ttl_keeps_entries_until_the_cache_is_full() {
        let mut cache = TtlCache::new(Duration::MAX, 1);
        let now = Instant::now();
        cache.insert(1, (), now);
        assert!(cache.get(&1, now + secs(365 * 24 * 3600)).is_some());
        cache.insert(2, (), now + secs(1));
        assert!(cache.get(&1, now + secs(1)).is_none());
    }
}
