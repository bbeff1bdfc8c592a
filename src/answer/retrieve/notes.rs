//! The notes view of retrieval: how close a question comes to what each stretch's notes say and
//! ask — by meaning (its vector against every gist and question) and by words (the notes' word
//! index) — and how close it comes to the questions the notes say go unanswered.

use super::dense::ranks;
use crate::answer::state::semantic::NoteVectors;
use crate::embed::standardized;
use crate::search::notes::NoteIndex;

/// What the notes of one transcript say of a question, per note (in note order).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NoteScores {
    /// The best cosine of the question with the note's gists and questions (empty without the
    /// semantic signal).
    pub cosine: Vec<f32>,
    /// That cosine as a z-score over the transcript's notes.
    pub closeness: Vec<f32>,
    /// Rank of each note by that cosine (0 = closest).
    pub rank: Vec<usize>,
    /// The note's BM25 score for the question's words, relative to the best note anywhere
    /// (0..=1; filled in across transcripts by [`relative_words`]).
    pub words: Vec<f32>,
    /// The best cosine of the question with the note's unanswered questions (empty without the
    /// semantic signal or without unanswered questions).
    pub unanswered: Vec<f32>,
    /// The [`NEAREST_TEXTS`] note texts closest to the question, answered and unanswered
    /// together, closest first: each one's cosine and whether it is an unanswered question
    /// (empty without the semantic signal).
    pub nearest: Vec<(f32, bool)>,
}

/// How many of the note texts closest to a question are looked at to see what share of them the
/// notes say go unanswered.
pub const NEAREST_TEXTS: usize = 10;

/// The notes' scores for a question: `vectors` (when the semantic signal is on) against its
/// vector, `index` for its words.
pub fn score(
    index: &NoteIndex,
    vectors: Option<&NoteVectors>,
    vector: Option<&[f32]>,
    word_scores: Vec<f32>,
) -> NoteScores {
    let (answered, unanswered_rows) = match (vectors, vector) {
        (Some(v), Some(q)) => (v.texts.similarities(q), v.unanswered.similarities(q)),
        _ => (Vec::new(), Vec::new()),
    };
    let (cosine, unanswered, nearest) = match vectors {
        Some(v) if !answered.is_empty() => (
            best_per_note(&answered, &v.note_of, index.len()),
            best_per_note(&unanswered_rows, &v.unanswered_of, index.len()),
            nearest_texts(&answered, &unanswered_rows),
        ),
        _ => (Vec::new(), Vec::new(), Vec::new()),
    };
    let closeness = standardized(&cosine);
    let rank = ranks(&cosine);
    NoteScores {
        cosine,
        closeness,
        rank,
        words: word_scores,
        unanswered,
        nearest,
    }
}

/// The best of the `similarities` of each of `notes` notes (`note_of` naming each row's note);
/// none when there are no rows.
fn best_per_note(similarities: &[f32], note_of: &[usize], notes: usize) -> Vec<f32> {
    if similarities.is_empty() {
        return Vec::new();
    }
    let mut best = vec![f32::NEG_INFINITY; notes];
    for (&similarity, &note) in similarities.iter().zip(note_of) {
        if let Some(b) = best.get_mut(note) {
            *b = b.max(similarity);
        }
    }
    best.iter()
        .map(|&b| if b.is_finite() { b } else { 0.0 })
        .collect()
}

/// The [`NEAREST_TEXTS`] closest of the answered and unanswered texts' similarities, closest
/// first, each marked `true` when unanswered.
fn nearest_texts(answered: &[f32], unanswered: &[f32]) -> Vec<(f32, bool)> {
    let all: Vec<(f32, bool)> = answered
        .iter()
        .map(|&c| (c, false))
        .chain(unanswered.iter().map(|&c| (c, true)))
        .collect();
    highest(all, |a, b| b.0.total_cmp(&a.0))
}

/// The [`NEAREST_TEXTS`] highest of `similarities`, highest first.
pub fn closest(similarities: Vec<f32>) -> Vec<f32> {
    highest(similarities, |a, b| b.total_cmp(a))
}

/// The first [`NEAREST_TEXTS`] of `items` in the order `first` gives, in that order.
fn highest<T>(items: Vec<T>, first: impl Fn(&T, &T) -> std::cmp::Ordering) -> Vec<T> {
    crate::search::first_n(items, NEAREST_TEXTS, first)
}

/// Share of questions no passage answers among the [`NEAREST_TEXTS`] texts closest to the
/// question: the notes' texts of every transcript (answered and unanswered) and the channel
/// chatter (`chatter`, closest first) together (`None` when there is nothing to compare).
pub fn unanswered_share(scores: &[Option<NoteScores>], chatter: &[f32]) -> Option<f32> {
    let mut nearest: Vec<(f32, bool)> = scores
        .iter()
        .flatten()
        .flat_map(|s| s.nearest.iter().copied())
        .chain(chatter.iter().map(|&c| (c, true)))
        .collect();
    if nearest.is_empty() {
        return None;
    }
    nearest.sort_by(|a, b| b.0.total_cmp(&a.0));
    nearest.truncate(NEAREST_TEXTS);
    let unanswered = nearest.iter().filter(|(_, u)| *u).count();
    Some(unanswered as f32 / nearest.len() as f32)
}

/// Turns every transcript's raw word scores into shares of the best one anywhere.
pub fn relative_words(scores: &mut [Option<NoteScores>]) {
    let best = scores
        .iter()
        .flatten()
        .flat_map(|s| s.words.iter().copied())
        .fold(0.0f32, f32::max);
    for s in scores.iter_mut().flatten() {
        for w in &mut s.words {
            *w = if best > 0.0 { *w / best } else { 0.0 };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::store::Vectors;
    use crate::search::notes::NoteDoc;

    fn rows(values: &[[f32; 2]]) -> Vectors {
        let mut rows = Vectors::new(2);
        for row in values {
            rows.push(row);
        }
        rows
    }

    fn vectors(answered: &[[f32; 2]], note_of: &[usize], unanswered: &[[f32; 2]]) -> NoteVectors {
        NoteVectors {
            texts: rows(answered),
            note_of: note_of.to_vec(),
            unanswered: rows(unanswered),
            unanswered_of: vec![0; unanswered.len()],
        }
    }

    #[test]
    fn a_note_is_as_close_as_its_closest_text() {
        let v = vectors(&[[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], &[0, 0, 1], &[]);
        let similarities = v.texts.similarities(&[0.0, 1.0]);
        assert_eq!(best_per_note(&similarities, &v.note_of, 2), vec![1.0, 0.8]);
    }

    #[test]
    fn unanswered_questions_are_scored_apart_from_the_answered_ones() {
        let v = vectors(&[[1.0, 0.0], [0.6, 0.8]], &[0, 1], &[[0.0, 1.0]]);
        let index = NoteIndex::build(&[NoteDoc::default(), NoteDoc::default()]);
        let scores = score(&index, Some(&v), Some(&[0.0, 1.0]), vec![0.0, 0.0]);
        assert_eq!(scores.cosine, vec![0.0, 0.8]);
        assert_eq!(scores.unanswered, vec![1.0, 0.0]);
    }

    #[test]
    fn notes_without_unanswered_questions_score_none() {
        let v = vectors(&[[1.0, 0.0]], &[0], &[]);
        let index = NoteIndex::build(&[NoteDoc::default()]);
        let scores = score(&index, Some(&v), Some(&[1.0, 0.0]), vec![0.0]);
        assert_eq!(scores.cosine, vec![1.0]);
        assert!(scores.unanswered.is_empty());
        assert_eq!(unanswered_share(&[Some(scores)], &[]), Some(0.0));
        assert_eq!(unanswered_share(&[None], &[]), None);
    }

    #[test]
    fn the_unanswered_share_counts_the_closest_texts_of_every_transcript() {
        let answered: Vec<f32> = (0..12).map(|i| 0.5 + i as f32 * 0.01).collect();
        let first = NoteScores {
            nearest: nearest_texts(&answered, &[0.99, 0.2]),
            ..NoteScores::default()
        };
        assert_eq!(first.nearest.len(), NEAREST_TEXTS);
        assert_eq!(first.nearest[0], (0.99, true));
        let second = NoteScores {
            nearest: vec![(0.98, true), (0.1, false)],
            ..NoteScores::default()
        };
        let share = unanswered_share(&[Some(first), None, Some(second)], &[]).unwrap();
        assert!((share - 0.2).abs() < 1e-6, "{share}");
    }

    #[test]
    fn chatter_counts_among_the_nearest_as_unanswered() {
        let only_answered = NoteScores {
            nearest: nearest_texts(&[0.9, 0.8], &[]),
            ..NoteScores::default()
        };
        let share = unanswered_share(&[Some(only_answered)], &closest(vec![0.7, 0.95, 0.1]));
        assert_eq!(share, Some(0.6));
        assert_eq!(unanswered_share(&[None], &[0.5]), Some(1.0));
    }

    #[test]
    fn the_closest_similarities_are_kept_highest_first() {
        let many: Vec<f32> = (0..30).map(|i| i as f32 / 100.0).collect();
        let kept = closest(many);
        assert_eq!(kept.len(), NEAREST_TEXTS);
        assert_eq!(kept[0], 0.29);
    }

    #[test]
    fn without_vectors_the_notes_have_no_closeness() {
        let scores = score(&NoteIndex::default(), None, Some(&[1.0]), vec![2.0]);
        assert!(scores.cosine.is_empty() && scores.closeness.is_empty());
        assert_eq!(scores.words, vec![2.0]);
    }

    #[test]
    fn word_scores_become_shares_of_the_best_anywhere() {
        let mut scores = vec![
            Some(NoteScores {
                words: vec![2.0, 1.0],
                ..NoteScores::default()
            }),
            None,
            Some(NoteScores {
                words: vec![4.0],
                ..NoteScores::default()
            }),
        ];
        relative_words(&mut scores);
        assert_eq!(scores[0].as_ref().unwrap().words, vec![0.5, 0.25]);
        assert_eq!(scores[2].as_ref().unwrap().words, vec![1.0]);
    }
}
