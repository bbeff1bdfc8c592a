//! Lexical retrieval: the full-text index's best windows for a question's search terms, and for
//! its English words in the English renderings, as regions of lines.

use crate::answer::understand::query::QueryPlan;
use crate::corpus::Corpus;
use crate::lexicon::english_words;
use crate::search::{SearchIndex, WindowHit};

/// Windows fetched from the full-text index before narrowing.
const RETRIEVED_WINDOWS: usize = 24;

/// A region of a transcript to narrow, with its full-text score relative to the best (0..=1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    /// Position of the transcript in the corpus.
    pub transcript: usize,
    /// First line.
    pub start: usize,
    /// Last line.
    pub end: usize,
    /// Full-text score relative to the best region.
    pub retrieval: f32,
}

/// The windows the full-text index finds for a plan, best first; `only` restricts to one
/// transcript.
pub fn retrieve(
    index: &SearchIndex,
    corpus: &Corpus,
    plan: &QueryPlan,
    only: Option<usize>,
) -> Vec<Region> {
    regions(
        corpus,
        index.search(&plan.search_terms(), RETRIEVED_WINDOWS, only),
    )
}

/// The windows of the English renderings that the question's English words find, best first
/// (none for a question without English words); `only` restricts to one transcript.
pub fn retrieve_english(
    index: &SearchIndex,
    corpus: &Corpus,
    plan: &QueryPlan,
    only: Option<usize>,
) -> Vec<Region> {
    let words = english_words(&plan.normalized);
    regions(
        corpus,
        index.search_english(&words, RETRIEVED_WINDOWS, only),
    )
}

/// Hits as regions scored relative to the best; a failed search gives none.
fn regions(corpus: &Corpus, hits: crate::error::Result<Vec<WindowHit>>) -> Vec<Region> {
    let hits = match hits {
        Ok(hits) => hits,
        Err(e) => {
            tracing::warn!(error = %e, "search failed");
            return Vec::new();
        }
    };
    // a damaged index may name lines the corpus does not have: such hits are dropped
    let hits: Vec<_> = hits
        .into_iter()
        .filter(|hit| {
            corpus
                .transcripts
                .get(hit.transcript)
                .is_some_and(|t| t.holds(hit.start, hit.end))
        })
        .collect();
    let best = hits.iter().map(|h| h.score).fold(0.0f32, f32::max);
    hits.iter()
        .map(|hit| Region {
            transcript: hit.transcript,
            start: hit.start,
            end: hit.end,
            retrieval: if best > 0.0 { hit.score / best } else { 0.0 },
        })
        .collect()
}
