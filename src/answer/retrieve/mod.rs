//! Retrieval: the places a question's answer may be, found by its words (the full-text index's
//! windows) and by its meaning (the passage vectors closest to its vector).

pub mod dense;
pub mod lexical;

use super::state::State;
use super::understand::Understood;
use dense::{DenseHit, DenseScores};
use lexical::Region;

/// Windows found by meaning that join the lexical regions.
const DENSE_WINDOWS: usize = 8;

/// What retrieval found for a question.
pub struct Retrieved {
    /// Regions found by words, best first.
    pub regions: Vec<Region>,
    /// Regions found by the question's English words in the English renderings, best first.
    pub english: Vec<Region>,
    /// The question's similarities with each transcript's passages (`None` for a transcript not
    /// searched, or without the semantic signal).
    pub dense: Vec<Option<DenseScores>>,
    /// The best windows found by meaning, best first.
    pub dense_hits: Vec<DenseHit>,
}

/// Retrieves by words and by meaning; `only` restricts the search to one transcript.
pub fn retrieve(state: &State, understood: &Understood, only: Option<usize>) -> Retrieved {
    let dense = dense_scores(state, understood.vector.as_deref(), only);
    let dense_hits = dense::best_windows(&dense, DENSE_WINDOWS);
    let regions = lexical::retrieve(&state.index, &state.corpus, &understood.plan, only);
    let english = lexical::retrieve_english(&state.index, &state.corpus, &understood.plan, only);
    Retrieved {
        regions,
        english,
        dense,
        dense_hits,
    }
}

fn dense_scores(
    state: &State,
    vector: Option<&[f32]>,
    only: Option<usize>,
) -> Vec<Option<DenseScores>> {
    let semantic = state.semantic.get();
    (0..state.corpus.transcripts.len())
        .map(|t| {
            let (semantic, vector) = (semantic?, vector?);
            if only.is_some_and(|o| o != t) {
                return None;
            }
            Some(dense::score(&semantic.vectors[t], vector))
        })
        .collect()
}
