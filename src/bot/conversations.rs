//! Conversations: each member's last questions answered in a channel and the passages shown,
//! kept for a while so that that member's next question there can be a follow-up (another
//! member's question never is); and the threads the bot opened from an answer, where every
//! question, whoever asks it, follows the thread's conversation. Bounded in memory
//! ([`TtlCache`]): the least recently answered are dropped first.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::cache::TtlCache;
use crate::answer::followup::{AskContext, ContextTurn};

/// How long a channel's context lasts after its last answer.
pub const CONTEXT_TTL: Duration = Duration::from_secs(15 * 60);

/// Contexts by channel and member (by thread in a thread the bot opened), at most `capacity`,
/// each for `ttl` after its last answer; and the threads the bot opened (as many), known until
/// the least recently answered make room.
pub struct Conversations {
    inner: Mutex<Inner>,
}

/// Whose conversation a context is: a member's in a channel, or a whole thread's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Owner {
    Member { channel: u64, member: u64 },
    Thread(u64),
}

struct Inner {
    contexts: TtlCache<Owner, AskContext>,
    bot_threads: TtlCache<u64, ()>,
}

impl Inner {
    /// Whose conversation a question by `member` in `channel` belongs to.
    fn owner(&self, channel: u64, member: u64) -> Owner {
        if self.bot_threads.contains_key(&channel) {
            Owner::Thread(channel)
        } else {
            Owner::Member { channel, member }
        }
    }
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

    /// The context a question by `member` in `channel` follows, when it is still fresh: that
    /// member's own conversation there, or the thread's in a thread the bot opened.
    pub fn context(&self, channel: u64, member: u64) -> Option<AskContext> {
        self.context_at(channel, member, Instant::now())
    }

    /// [`Conversations::context`] at a given time.
    pub fn context_at(&self, channel: u64, member: u64, now: Instant) -> Option<AskContext> {
        let inner = self.lock();
        let owner = inner.owner(channel, member);
        inner
            .contexts
            .get(&owner, now)
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

    /// Adds a turn `member` had answered in `channel` to the context it follows (a stale
    /// context starts afresh).
    pub fn remember(&self, channel: u64, member: u64, turn: ContextTurn) {
        self.remember_at(channel, member, turn, Instant::now());
    }

    /// Marks `thread` as a thread the bot opened, starting its context with `turn`.
    pub fn open_thread(&self, thread: u64, turn: ContextTurn) {
        self.open_thread_at(thread, turn, Instant::now());
    }

    /// [`Conversations::open_thread`] at a given time.
    pub fn open_thread_at(&self, thread: u64, turn: ContextTurn, now: Instant) {
        self.lock().bot_threads.insert(thread, (), now);
        // the member does not matter in a thread the bot opened
        self.remember_at(thread, 0, turn, now);
    }

    /// [`Conversations::remember`] at a given time.
    pub fn remember_at(&self, channel: u64, member: u64, turn: ContextTurn, now: Instant) {
        let mut inner = self.lock();
        let owner = inner.owner(channel, member);
        let mut context = inner.contexts.take(&owner, now).unwrap_or_default();
        context.push(turn);
        inner.contexts.insert(owner, context, now);
        // a thread answered in recently is kept before one long quiet
        if let Owner::Thread(thread) = owner {
            inner.bot_threads.insert(thread, (), now);
        }
    }

    /// Number of conversations held.
    pub fn len(&self) -> usize {
        self.lock().contexts.len()
    }

    /// Whether no conversation is held.
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

    const MEMBER: u64 = 100;
    const OTHER_MEMBER: u64 = 200;

    #[test]
    fn a_context_expires_after_its_ttl() {
        let store = Conversations::new(Duration::from_secs(900), 10);
        let start = Instant::now();
        store.remember_at(1, MEMBER, turn("a"), start);
        let later = start + Duration::from_secs(899);
        assert_eq!(
            store.context_at(1, MEMBER, later).map(|c| c.turns.len()),
            Some(1)
        );
        assert!(store
            .context_at(1, MEMBER, start + Duration::from_secs(900))
            .is_none());
    }

    #[test]
    fn a_stale_context_starts_afresh() {
        let store = Conversations::new(Duration::from_secs(60), 10);
        let start = Instant::now();
        store.remember_at(1, MEMBER, turn("old"), start);
        let later = start + Duration::from_secs(61);
        store.remember_at(1, MEMBER, turn("new"), later);
        let context = store.context_at(1, MEMBER, later).expect("fresh");
        assert_eq!(context.turns, vec![turn("new")]);
    }

    #[test]
    fn channels_are_kept_apart() {
        let store = Conversations::new(Duration::from_secs(60), 10);
        let now = Instant::now();
        store.remember_at(1, MEMBER, turn("a"), now);
        assert!(store.context_at(2, MEMBER, now).is_none());
    }

    #[test]
    fn another_members_question_in_the_same_channel_starts_its_own_conversation() {
        let store = Conversations::new(Duration::from_secs(60), 10);
        let now = Instant::now();
        store.remember_at(1, MEMBER, turn("a"), now);
        assert!(store.context_at(1, OTHER_MEMBER, now).is_none());
        store.remember_at(1, OTHER_MEMBER, turn("b"), now);
        let mine = store.context_at(1, MEMBER, now).expect("still mine");
        assert_eq!(mine.turns, vec![turn("a")]);
    }

    #[test]
    fn in_a_thread_the_bot_opened_everyone_follows_the_threads_conversation() {
        let store = Conversations::new(Duration::from_secs(60), 10);
        let now = Instant::now();
        store.open_thread_at(7, turn("opened"), now);
        let context = store
            .context_at(7, OTHER_MEMBER, now)
            .expect("the thread's");
        assert_eq!(context.turns, vec![turn("opened")]);
        store.remember_at(7, OTHER_MEMBER, turn("next"), now);
        assert_eq!(
            store.context_at(7, MEMBER, now).map(|c| c.turns.len()),
            Some(2)
        );
    }

    #[test]
    fn capacity_drops_the_least_recently_used() {
        let store = Conversations::new(Duration::from_secs(600), 2);
        let now = Instant::now();
        store.remember_at(1, MEMBER, turn("a"), now);
        store.remember_at(2, MEMBER, turn("b"), now + Duration::from_secs(1));
        store.remember_at(1, MEMBER, turn("c"), now + Duration::from_secs(2));
        store.remember_at(3, MEMBER, turn("d"), now + Duration::from_secs(3));
        assert_eq!(store.len(), 2);
        let at = now + Duration::from_secs(4);
        assert!(
            store.context_at(2, MEMBER, at).is_none(),
            "2 was used least recently"
        );
        assert!(store.context_at(1, MEMBER, at).is_some());
    }

    #[test]
    fn a_thread_the_bot_opened_stays_known_after_its_context_expires() {
        let store = Conversations::new(Duration::from_secs(60), 10);
        let start = Instant::now();
        store.open_thread_at(7, turn("a"), start);
        assert!(store
            .context_at(7, MEMBER, start + Duration::from_secs(61))
            .is_none());
        assert!(store.is_bot_thread(7));
    }

    #[test]
    fn threads_the_bot_opened_are_known() {
        let store = Conversations::new(Duration::from_secs(60), 10);
        store.open_thread(7, turn("a"));
        store.remember(8, MEMBER, turn("b"));
        assert!(store.is_bot_thread(7));
        assert!(!store.is_bot_thread(8));
    }
}
