//! Server-side state of replies with buttons: a bounded cache with a time to live ([`TtlCache`]),
//! and the `custom_id` format that carries only the reply's id, the action and a page number.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::cache::TtlCache;
use crate::answer::Passage;

/// What a reply shows and can page through.
#[derive(Debug, Clone)]
pub enum ReplyState {
    /// An answer to a question: its passages, best first.
    Answer(AnswerState),
    /// A chapter read page by page.
    Chapter {
        /// Transcript id.
        transcript: String,
        /// First line of the chapter.
        start: usize,
        /// Last line of the chapter.
        end: usize,
    },
    /// Pre-rendered pages (outline, search results).
    Pages(Vec<super::render::EmbedSpec>),
}

/// Who sees an answer, which decides the buttons under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Posted in a channel: it can start a discussion thread.
    Public,
    /// Only the asker sees it: it can be posted to the channel.
    Private,
    /// Posted in a thread (or a DM), where no thread can be started.
    Nested,
}

/// An answer behind buttons.
#[derive(Debug, Clone)]
pub struct AnswerState {
    /// The question as asked (cleaned), for the feedback log, the embed and a thread's name.
    pub question: String,
    /// The question as understood, when it was a follow-up completed from its context.
    pub understood: Option<String>,
    /// The passages.
    pub passages: Vec<Passage>,
    /// Who sees it.
    pub reach: Reach,
    /// The language it is shown in (a language code; empty: each transcript's own).
    pub lang: String,
}

/// What a button does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonAction {
    /// Show page `n`.
    Page,
    /// Show more lines around page `n`'s passage.
    Context,
    /// Vote page `n` helpful.
    Upvote,
    /// Vote page `n` unhelpful.
    Downvote,
    /// Start a public discussion thread from the answer message, on page `n`'s passage.
    Thread,
    /// Post page `n` of a private answer to the channel.
    Share,
    /// Show page `n` in the other language (中文 / English) to whoever clicks, privately.
    Language,
}

impl ButtonAction {
    fn code(self) -> &'static str {
        match self {
            ButtonAction::Page => "p",
            ButtonAction::Context => "c",
            ButtonAction::Upvote => "u",
            ButtonAction::Downvote => "d",
            ButtonAction::Thread => "t",
            ButtonAction::Share => "s",
            ButtonAction::Language => "l",
        }
    }

    fn from_code(code: &str) -> Option<ButtonAction> {
        match code {
            "p" => Some(ButtonAction::Page),
            "c" => Some(ButtonAction::Context),
            "u" => Some(ButtonAction::Upvote),
            "d" => Some(ButtonAction::Downvote),
            "t" => Some(ButtonAction::Thread),
            "s" => Some(ButtonAction::Share),
            "l" => Some(ButtonAction::Language),
            _ => None,
        }
    }
}

/// A decoded button `custom_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ButtonId {
    /// Id of the reply's state in the [`ReplyStore`].
    pub reply: u64,
    /// What the button does.
    pub action: ButtonAction,
    /// The page it acts on.
    pub page: usize,
}

/// Prefix of every `custom_id` this bot makes.
const CUSTOM_ID_PREFIX: &str = "ib";

impl ButtonId {
    /// The `custom_id` text (well under Discord's 100 characters).
    pub fn encode(&self) -> String {
        format!(
            "{CUSTOM_ID_PREFIX}:{:x}:{}:{}",
            self.reply,
            self.action.code(),
            self.page
        )
    }

    /// Parses a `custom_id`; `None` when it is not one of ours.
    pub fn decode(custom_id: &str) -> Option<ButtonId> {
        let mut parts = custom_id.split(':');
        if parts.next()? != CUSTOM_ID_PREFIX {
            return None;
        }
        let reply = u64::from_str_radix(parts.next()?, 16).ok()?;
        let action = ButtonAction::from_code(parts.next()?)?;
        let page = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(ButtonId {
            reply,
            action,
            page,
        })
    }
}

/// Reply states by id, at most `capacity` of them, each for `ttl` after it was stored.
pub struct ReplyStore {
    inner: Mutex<TtlCache<u64, Arc<ReplyState>>>,
}

impl ReplyStore {
    /// An empty store.
    pub fn new(ttl: Duration, capacity: usize) -> ReplyStore {
        ReplyStore {
            inner: Mutex::new(TtlCache::new(ttl, capacity)),
        }
    }

    /// Stores a state and returns its new random id.
    pub fn insert(&self, state: ReplyState) -> u64 {
        self.insert_at(state, Instant::now())
    }

    /// The state of `id` while it is fresh.
    pub fn get(&self, id: u64) -> Option<Arc<ReplyState>> {
        self.get_at(id, Instant::now())
    }

    /// Number of states kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no state is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TtlCache<u64, Arc<ReplyState>>> {
        // a panic while holding the lock cannot leave the cache inconsistent in a harmful way
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn insert_at(&self, state: ReplyState, now: Instant) -> u64 {
        let mut cache = self.lock();
        let mut id = rand::random::<u64>();
        while cache.contains_key(&id) {
            id = rand::random::<u64>();
        }
        cache.insert(id, Arc::new(state), now);
        id
    }

    fn get_at(&self, id: u64, now: Instant) -> Option<Arc<ReplyState>> {
        self.lock().get(&id, now).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(n: usize) -> ReplyState {
        ReplyState::Pages(vec![Default::default(); n])
    }

    #[test]
    fn custom_ids_round_trip_and_stay_short() {
        for action in [
            ButtonAction::Page,
            ButtonAction::Context,
            ButtonAction::Upvote,
            ButtonAction::Downvote,
            ButtonAction::Thread,
            ButtonAction::Share,
            ButtonAction::Language,
        ] {
            let id = ButtonId {
                reply: u64::MAX,
                action,
                page: 24,
            };
            let text = id.encode();
            assert!(text.len() <= 100, "{text}");
            assert_eq!(ButtonId::decode(&text), Some(id), "{text}");
        }
    }

    #[test]
    fn foreign_custom_ids_are_rejected() {
        for text in [
            "",
            "ib",
            "ib:zz:p:1",
            "ib:1:x:1",
            "ib:1:p:-1",
            "xx:1:p:1",
            "ib:1:p:1:2",
        ] {
            assert_eq!(ButtonId::decode(text), None, "{text}");
        }
    }

    #[test]
    fn states_expire_after_ttl() {
        let store = ReplyStore::new(Duration::from_secs(15 * 60), 10);
        let start = Instant::now();
        let id = store.insert_at(pages(1), start);
        assert!(store
            .get_at(id, start + Duration::from_secs(14 * 60))
            .is_some());
        assert!(store
            .get_at(id, start + Duration::from_secs(15 * 60))
            .is_none());
    }

    #[test]
    fn capacity_evicts_the_oldest() {
        let store = ReplyStore::new(Duration::from_secs(60), 2);
        let now = Instant::now();
        let first = store.insert_at(pages(1), now);
        let second = store.insert_at(pages(2), now);
        let third = store.insert_at(pages(3), now);
        assert_eq!(store.len(), 2);
        assert!(store.get_at(first, now).is_none());
        assert!(store.get_at(second, now).is_some());
        assert!(store.get_at(third, now).is_some());
    }

    #[test]
    fn expired_states_are_dropped_on_insert() {
        let store = ReplyStore::new(Duration::from_secs(60), 100);
        let now = Instant::now();
        store.insert_at(pages(1), now);
        store.insert_at(pages(1), now);
        store.insert_at(pages(1), now + Duration::from_secs(61));
        assert_eq!(store.len(), 1);
    }
}
