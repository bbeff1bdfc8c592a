//! Conversations per channel or thread: the last questions answered there and the passages shown,
//! kept for a while so that the next question can be a follow-up; and the threads the bot opened,
//! where every question is one. Bounded in memory: the least recently used are dropped first.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::answer::followup::{AskContext, ContextTurn};

/// How long a channel's context lasts after its last answer.
pub const CONTEXT_TTL: Duration = Duration::from_secs(15 * 60);

struct Entry {
    context: AskContext,
    /// When the last turn was added.
    touched: Instant,
    /// Whether the bot opened this channel as a discussion thread.
    bot_thread: bool,
}

/// Contexts by channel id, at most `capacity`, each for `ttl` after its last answer.
pub struct Conversations {
    ttl: Duration,
    capacity: usize,
    inner: Mutex<HashMap<u64, Entry>>,
}

impl Conversations {
    /// A store keeping at most `capacity` channels, each for `ttl`.
    pub fn new(ttl: Duration, capacity: usize) -> Conversations {
        Conversations {
            ttl,
            capacity: capacity.max(1),
            inner: Mutex::new(HashMap::new()),
        }
    }

    /// The context of `channel`, when it is still fresh.
    pub fn context(&self, channel: u64) -> Option<AskContext> {
        self.context_at(channel, Instant::now())
    }

    /// [`Conversations::context`] at a given time.
    pub fn context_at(&self, channel: u64, now: Instant) -> Option<AskContext> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .get(&channel)
            .filter(|e| now.duration_since(e.touched) < self.ttl && !e.context.turns.is_empty())
            .map(|e| e.context.clone())
    }

    /// Whether the bot opened `channel` as a discussion thread.
    pub fn is_bot_thread(&self, channel: u64) -> bool {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.get(&channel).is_some_and(|e| e.bot_thread)
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
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let ttl = self.ttl;
        let entry = inner.entry(channel).or_insert_with(|| Entry {
            context: AskContext::default(),
            touched: now,
            bot_thread,
        });
        if now.duration_since(entry.touched) >= ttl {
            entry.context = AskContext::default();
        }
        entry.context.push(turn);
        entry.touched = now;
        entry.bot_thread |= bot_thread;
        if inner.len() > self.capacity {
            // drop stale contexts first, then the least recently used
            inner.retain(|_, e| now.duration_since(e.touched) < ttl || e.bot_thread);
            while inner.len() > self.capacity {
                let Some(oldest) = inner
                    .iter()
                    .min_by_key(|(_, e)| e.touched)
                    .map(|(id, _)| *id)
                else {
                    break;
                };
                inner.remove(&oldest);
            }
        }
    }

    /// Number of channels remembered.
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether no channel is remembered.
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
    fn threads_the_bot_opened_are_known() {
        let store = Conversations::new(Duration::from_secs(60), 10);
        store.open_thread(7, turn("a"));
        store.remember(8, turn("b"));
        assert!(store.is_bot_thread(7));
        assert!(!store.is_bot_thread(8));
    }
}
