//! Each member's chosen language for answers, set by the 中文 / English button under an answer
//! and used for that member's next answers; kept in memory ([`TtlCache`]) for
//! [`CHOICE_TTL`] after the last choice, the least recently chosen dropped first when full.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::cache::TtlCache;

/// How long a member's choice lasts after they made it.
pub const CHOICE_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// Languages (codes) chosen by members, by member id.
pub struct LanguageChoices {
    inner: Mutex<TtlCache<u64, String>>,
}

impl LanguageChoices {
    /// No choices yet; at most `capacity` members remembered.
    pub fn new(capacity: usize) -> LanguageChoices {
        LanguageChoices {
            inner: Mutex::new(TtlCache::new(CHOICE_TTL, capacity)),
        }
    }

    /// Remembers that `member` wants answers in `language`.
    pub fn choose(&self, member: u64, language: &str) {
        self.choose_at(member, language, Instant::now());
    }

    /// The language `member` chose, while the choice lasts.
    pub fn chosen(&self, member: u64) -> Option<String> {
        self.chosen_at(member, Instant::now())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TtlCache<u64, String>> {
        // a panic while holding the lock cannot leave the cache inconsistent in a harmful way
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn choose_at(&self, member: u64, language: &str, now: Instant) {
        self.lock().insert(member, language.to_string(), now);
    }

    fn chosen_at(&self, member: u64, now: Instant) -> Option<String> {
        self.lock().get(&member, now).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_members_choice_is_theirs_alone() {
        let choices = LanguageChoices::new(10);
        choices.choose(1, "en");
        assert_eq!(choices.chosen(1).as_deref(), Some("en"));
        assert_eq!(choices.chosen(2), None);
    }

    #[test]
    fn the_latest_choice_wins() {
        let choices = LanguageChoices::new(10);
        choices.choose(1, "en");
        choices.choose(1, "zh");
        assert_eq!(choices.chosen(1).as_deref(), Some("zh"));
    }

    #[test]
    fn a_choice_lapses_after_its_time() {
        let choices = LanguageChoices::new(10);
        let then = Instant::now();
        choices.choose_at(1, "en", then);
        assert_eq!(
            choices.chosen_at(1, then + CHOICE_TTL / 2).as_deref(),
            Some("en")
        );
        assert_eq!(
            choices.chosen_at(1, then + CHOICE_TTL + Duration::from_secs(1)),
            None
        );
    }
}
