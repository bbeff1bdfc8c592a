//! Retrieval: the places a question's answer may be, found by its words (the full-text index's
//! windows) and by its meaning (the passage vectors closest to its vector), in every view: the
//! transcript, its English rendering, its notes.

pub mod dense;
pub mod lexical;
pub mod notes;

use super::state::semantic::Semantic;
use super::state::vectors::TranscriptVectors;
use super::state::State;
use super::understand::Understood;
use dense::{DenseHit, DenseScores};
use lexical::Region;
use notes::NoteScores;

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
    /// The question's similarities with each transcript's English rendering (`None` without one).
    pub english_dense: Vec<Option<DenseScores>>,
    /// The best windows of the English renderings found by meaning, best first.
    pub english_dense_hits: Vec<DenseHit>,
    /// What each transcript's notes say of the question (`None` without notes, or outside
    /// `only`).
    pub notes: Vec<Option<NoteScores>>,
    /// The question's cosines with the channel chatter messages closest to it, closest first (at
    /// most [`notes::NEAREST_TEXTS`]; none without chatter or the semantic signal).
    pub chatter: Vec<f32>,
    /// Without the semantic signal, the share of unanswered texts among the texts closest to
    /// the question by its words (see
    /// [`TextIndex::unanswered_share`](crate::search::texts::TextIndex::unanswered_share)); 1 when
    /// it shares no word with any, none with the semantic signal.
    pub unanswered_by_words: Option<f32>,
}

/// Retrieves by words and by meaning; `only` restricts the search to one transcript.
pub fn retrieve(state: &State, understood: &Understood, only: Option<usize>) -> Retrieved {
    let vector = understood.vector.as_deref();
    let dense = dense_scores(state, vector, only, |s, t| Some(&s.vectors[t]));
    let dense_hits = dense::best_windows(&dense, DENSE_WINDOWS);
    let english_dense = dense_scores(state, vector, only, |s, t| s.english[t].as_ref());
    let english_dense_hits = dense::best_windows(&english_dense, DENSE_WINDOWS);
    let regions = lexical::retrieve(&state.index, &state.corpus, &understood.plan, only);
    let english = lexical::retrieve_english(&state.index, &state.corpus, &understood.plan, only);
    let terms = understood.plan.search_terms();
    let english_words = crate::lexicon::english_words(&understood.plan.normalized);
    let notes = note_scores(state, understood, (&terms, &english_words), only);
    let unanswered_by_words = match vector {
        Some(_) => None,
        None => Some(
            state
                .text_index()
                .unanswered_share(&terms, &english_words, only, notes::NEAREST_TEXTS)
                .unwrap_or(1.0),
        ),
    };
    let chatter = match (
        state.semantic.get().and_then(|s| s.chatter.as_ref()),
        vector,
    ) {
        (Some(messages), Some(vector)) => notes::closest(messages.similarities(vector)),
        _ => Vec::new(),
    };
    Retrieved {
        regions,
        english,
        dense,
        dense_hits,
        english_dense,
        english_dense_hits,
        notes,
        chatter,
        unanswered_by_words,
    }
}

/// What every transcript's notes say of the question: closeness by meaning (with the semantic
/// signal) and by its words (`terms`, and its English words); the question's vector and words
/// were made once, each transcript's notes cost a scan of their vectors and a look-up in their
/// word index.
fn note_scores(
    state: &State,
    understood: &Understood,
    (terms, english): (&[crate::search::WeightedTerm], &[String]),
    only: Option<usize>,
) -> Vec<Option<NoteScores>> {
    let mut scores: Vec<Option<NoteScores>> = state
        .note_indexes
        .iter()
        .enumerate()
        .map(|(t, index)| {
            let index = index.as_ref().filter(|_| only.is_none_or(|o| o == t))?;
            let vectors = state.semantic.get().and_then(|s| s.notes[t].as_ref());
            let words = index.scores(terms, english);
            Some(notes::score(
                index,
                vectors,
                understood.vector.as_deref(),
                words,
            ))
        })
        .collect();
    notes::relative_words(&mut scores);
    scores
}

/// The question's similarities with one view of each transcript (`view` picks its vectors; none
/// for a transcript without that view, outside `only`, or without the semantic signal). The
/// question was embedded once; each view costs a scan of its vectors.
fn dense_scores(
    state: &State,
    vector: Option<&[f32]>,
    only: Option<usize>,
    view: impl Fn(&Semantic, usize) -> Option<&TranscriptVectors>,
) -> Vec<Option<DenseScores>> {
    let semantic = state.semantic.get();
    (0..state.corpus.transcripts.len())
        .map(|t| {
            let (semantic, vector) = (semantic?, vector?);
            if only.is_some_and(|o| o != t) {
                return None;
            }
            Some(dense::score(view(semantic, t)?, vector))
        })
        .collect()
}
