//! The answering engine: a question walks down the stages once — understand → retrieve →
//! narrow → fuse → decide → present — over the engine's loaded state, and comes back as the
//! passages that answer it with their line ranges, speakers and topic labels, or as the topics
//! nearest to it when the interview does not cover it.
//!
//! | stage | owns |
//! |---|---|
//! | [`state`] | the loaded corpus, indexes, passage vectors, outlines and fitted rankings |
//! | [`understand`] | a question's plan and vector; a follow-up's readings in its context |
//! | [`retrieve`] | regions found by words and windows found by meaning, in the transcript and in its English rendering |
//! | [`narrow`] | regions cut to the spans that answer, within the longest passage |
//! | [`kinds`] | the kind of answer a question asks for (who, which company, where, which model) and the kinds a line holds |
//! | [`fuse`] | each candidate's features, the fitted ranking, the question's signals |
//! | [`decide`] | the fitted decision to answer, the reading answered, a follow-up's order |
//! | [`present`] | passages with lines, speaker, topic and renderings; the language shown |
//! | [`browse`], [`citation`] | outlines, topics, occurrences, citations, quotes, highlighting |

pub mod browse;
pub mod citation;
pub mod decide;
mod explain;
pub mod fuse;
pub mod kinds;
pub mod narrow;
pub mod present;
pub mod retrieve;
pub mod state;
pub mod understand;

pub use browse::{Occurrence, Outline, TopicMatch};
pub use present::{Answer, Passage, Translation};
pub use state::semantic::{Progress, ProgressEvent};
pub use state::{EngineOptions, State};
pub use understand::followup;

use crate::corpus::Transcript;
use crate::error::{Error, Result};
use crate::search::IndexOrigin;
use fuse::Examined;
use understand::query::QueryPlan;
use understand::{Anchor, Understood};

/// Per-question options.
#[derive(Debug, Clone, Default)]
pub struct AskOptions {
    /// Number of results (the configured default when `None`).
    pub top_n: Option<usize>,
    /// Only search this transcript.
    pub transcript: Option<String>,
    /// Answer by words alone even when the semantic signal is on.
    pub lexical_only: bool,
    /// Earlier questions and the passages shown: the question is then a follow-up.
    pub context: Option<followup::AskContext>,
    /// The language to show the answer in (a language code); the question's when `None`.
    pub language: Option<String>,
    /// The language to show the answer in when neither `language` nor the question says (a bare
    /// name such as "Codex"): the asker's own, e.g. from their Discord locale.
    pub fallback_language: Option<String>,
}

/// The answering engine. Synchronous, shareable across threads.
pub struct Engine {
    state: State,
}

impl Engine {
    /// Loads transcripts and dictionaries and opens (or builds) the index.
    pub fn open(options: &EngineOptions) -> Result<Engine> {
        Ok(Engine {
            state: State::open(options)?,
        })
    }

    /// Answers a question. Never fails: a question that cannot be searched is not answered.
    pub fn answer(&self, question: &str, options: &AskOptions) -> Answer {
        let state = &self.state;
        let top_n = options.top_n.unwrap_or(state.config.top_n).clamp(1, 25);
        let only = self.only(options);
        let question = understand::understand(state, question, options);
        let examined: Vec<Examined> = question
            .readings
            .iter()
            .map(|reading| examine(state, &reading.understood, only, question.anchor))
            .collect();
        let decision = decide::decide(state, &question, &examined, top_n);
        let language = present::Language {
            requested: options.language.as_deref(),
            fallback: options.fallback_language.as_deref(),
        };
        present::present(state, &question, decision, language)
    }

    /// The loaded state every stage reads (for fitting and diagnostics).
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The loaded transcripts.
    pub fn transcripts(&self) -> &[Transcript] {
        &self.state.corpus.transcripts
    }

    /// Files that could not be loaded, with reasons.
    pub fn problems(&self) -> &[Error] {
        &self.state.corpus.problems
    }

    /// Whether the index was built at start-up (rather than opened).
    pub fn index_was_built(&self) -> bool {
        self.state.index_origin == IndexOrigin::Built
    }

    /// Number of indexed passage windows.
    pub fn window_count(&self) -> u64 {
        self.state.index.window_count()
    }

    /// How a question is understood (for diagnostics and benchmarks).
    pub fn plan(&self, question: &str) -> QueryPlan {
        understand::plan(&self.state, question)
    }

    /// Which mode answers: hybrid, or lexical only and why.
    pub fn mode(&self) -> String {
        self.state.semantic.describe()
    }

    /// Whether the semantic signal is on.
    pub fn semantic_on(&self) -> bool {
        self.state.semantic.get().is_some()
    }

    fn only(&self, options: &AskOptions) -> Option<usize> {
        options
            .transcript
            .as_deref()
            .and_then(|id| self.transcripts().iter().position(|t| t.id == id))
    }
}

/// The middle of the walk for one reading: retrieve → narrow → fuse under the fitted ranking of
/// its mode; `only` restricts the search to one transcript; for a follow-up, the passages around
/// the one shown before (`anchor`) are candidates too.
pub fn examine(
    state: &State,
    understood: &Understood,
    only: Option<usize>,
    anchor: Option<Anchor>,
) -> Examined {
    let retrieved = retrieve::retrieve(state, understood, only);
    let narrowed = narrow::narrow(state, understood, &retrieved, anchor);
    let scored = fuse::features(state, understood, &retrieved, narrowed);
    fuse::rank(scored, understood, fuse::ranking_for(state, understood))
}
