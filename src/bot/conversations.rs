//! Conversations per channel or thread: the last questions answered there and the passages shown,
//! kept for a while so that the next question can be a follow-up; and the threads the bot opened,
//! where every question is one. Bounded in memory ([`TtlCache`]): the least recently answered
//! are dropped first.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::cache::TtlCache;
use crate::answer::followup::{AskContext, ContextTurn};

/// How long a channel's context lasts after its last answer.
pub const CONTEXT_TTL: Duration = Duration::from_secs(15 * 60);

/// Contexts by channel id, at most `capacity`, each for `ttl` after its last answer; and the
/// threads the bot opened (as many), known until the least recently answered make room.
pub struct Conversations {
    inner: Mutex<Inner>,
}

struct Inner {
    contexts: TtlCache<u64, AskContext>,
    bot_threads: TtlCache<u64, ()>,
}

impl Conversations {
    /// A store keeping at most `capacity` channels, each for `ttl`.
    pub fn new(ttl: Duration, capacity: usize) -> Conversations {
        Conversations {
            inner: Mutex::new(Inner {
                contexts: TtlCache::new(ttl, capacity),
                bot_threads: TtlCache::new(Duration::MAX, capacity),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // a panic while holding the lock cannot leave the caches inconsistent in a harmful way
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The context of `channel`, when it is still fresh.
    pub fn context(&self, channel: u64) -> Option<AskContext> {
        self.context_at(channel, Instant::now())
    }

    /// [`Conversations::context`] at a given time.
    pub fn context_at(&self, channel: u64, now: Instant) -> Option<AskContext> {
        self.lock()
            .contexts
            .get(&channel, now)
            .filter(|c| !c.turns.is_empty())
            .cloned()
    }

    /// Whether the bot opened `channel` as a discussion thread.
    pub fn is_bot_thread(&self, channel: u64) -> bool {
        self.lock()
            .bot_threads
            .get(&channel, Instant::now())
            .is_some()
    }

    /// Adds an answered turn to `channel`'s context (a stale context starts afresh).
    pub fn remember(&self, channel: u64, turn: ContextTurn) {
        self.remember_at(channel, turn, false, Instant::now());
    }

    /// Marks `channel` as a thread the bot opened, starting its context with `turn`.
    pub fn open_thread(&self, channel: u64, turn: ContextTurn) {
        self.remember_at(channel, turn, true, Instant::now());
    }

    /// [`Conversations::remember`] at a given time; `bot_thread` marks a thread the bot opened.
    pub fn remember_at(&self, channel: u64, turn: ContextTurn, bot_thread: bool, now: Instant) {
        let mut inner = self.lock();
        let mut context = inner.contexts.take(&channel, now).unwrap_or_default();
        context.push(turn);
        inner.contexts.insert(channel, context, now);
        // a thread answered in recently is kept before one long quiet
        if bot_thread || inner.bot_threads.contains_key(&channel) {
            inner.bot_threads.insert(channel, (), now);
        }
    }

    /// Number of channels whose context is held.
    pub fn len(&self) -> usize {
        self.lock().contexts.len()
    }

    /// Whether no channel's context is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(question: &str) -> ContextTurn {
        ContextTurn {
            question: question.into(),
            shown: None,
        }
    }

    #[test]
    fn a_context_expires_after_its_ttl() {
        let store = Conversations::new(Duration::from_secs(900), 10);
        let start = Instant::now();
        store.remember_at(1, turn("a"), false, start);
        let later = start + Duration::from_secs(899);
        assert_eq!(store.context_at(1, later).map(|c| c.turns.len()), Some(1));
        assert!(store
            .context_at(1, start + Duration::from_secs(900))
            .is_none());
    }

    #[test]
    fn a_stale_context_starts_afresh() {
        let store = Conversations::new(Duration::from_secs(60), 10);
        let start = Instant::now();
        store.remember_at(1, turn("old"), false, start);
        let later = start + Duration::from_secs(61);
        store.remember_at(1, turn("new"), false, later);
        let context = store.context_at(1, later).expect("fresh");
        assert_eq!(context.turns, vec![turn("new")]);
    }

    #[test]
    fn channels_are_kept_apart() {
        let store = Conversations::new(Duration::from_secs(60), 10);
        let now = Instant::now();
        store.remember_at(1, turn("a"), false, now);
        assert!(store.context_at(2, now).is_none());
    }

    #[test]
    fn capacity_drops_the_least_recently_used() {
        let store = Conversations::new(Duration::from_secs(600), 2);
        let now = Instant::now();
        store.remember_at(1, turn("a"), false, now);
        store.remember_at(2, turn("b"), false, now + Duration::from_secs(1));
        store.remember_at(1, turn("c"), false, now + Duration::from_secs(2));
        store.remember_at(3, turn("d"), false, now + Duration::from_secs(3));
        assert_eq!(store.len(), 2);
        let at = now + Duration::from_secs(4);
        assert!(
            store.context_at(2, at).is_none(),
            "2 was used least recently"
        );
        assert!(store.context_at(1, at).is_some());
    }

    #[test]
    fn a_thread_the_bot_opened_stays_known_after_its_context_expires() {
        let store = Conversations::new(Duration::from_secs(60), 10);
        let start = Instant::now();
        store.remember_at(7, turn("a"), true, start);
        assert!(store
            .context_at(7, start + Duration::from_secs(61))
            .is_none());
        assert!(store.is_bot_thread(7));
    }

    #[test]
    fn threads_the_bot_opened_are_known() {
        let store = Conversations::new(Duration::from_secs(60), 10);
        store.open_thread(7, turn("a"));
        store.remember(8, turn("b"));
        assert!(store.is_bot_thread(7));
        assert!(!store.is_bot_thread(8));
    }
}
