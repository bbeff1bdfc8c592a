//! The notes view of retrieval: how close a question comes to what each stretch's notes say and
//! ask — by meaning (its vector against every gist and question) and by words (the notes' word
//! index).

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
}

/// The notes' scores for a question: `vectors` (when the semantic signal is on) against its
/// vector, `index` for its words.
pub fn score(
    index: &NoteIndex,
    vectors: Option<&NoteVectors>,
    vector: Option<&[f32]>,
    word_scores: Vec<f32>,
) -> NoteScores {
    let cosine = match (vectors, vector) {
        (Some(v), Some(q)) => best_per_note(v, q, index.len()),
        _ => Vec::new(),
    };
    let closeness = standardized(&cosine);
    let rank = ranks(&cosine);
    NoteScores {
        cosine,
        closeness,
        rank,
        words: word_scores,
    }
}

/// The best cosine of `query` with the texts of each of `notes` notes.
fn best_per_note(vectors: &NoteVectors, query: &[f32], notes: usize) -> Vec<f32> {
    let mut best = vec![f32::NEG_INFINITY; notes];
    for (similarity, &note) in vectors
        .texts
        .similarities(query)
        .into_iter()
        .zip(&vectors.note_of)
    {
        if let Some(b) = best.get_mut(note) {
            *b = b.max(similarity);
        }
    }
    best.iter()
        .map(|&b| if b.is_finite() { b } else { 0.0 })
        .collect()
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

    fn vectors(rows: &[[f32; 2]], note_of: &[usize]) -> NoteVectors {
        let mut texts = Vectors::new(2);
        for row in rows {
            texts.push(row);
        }
        NoteVectors {
            texts,
            note_of: note_of.to_vec(),
        }
    }

    #[test]
    fn a_note_is_as_close_as_its_closest_text() {
        let v = vectors(&[[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], &[0, 0, 1]);
        assert_eq!(best_per_note(&v, &[0.0, 1.0], 2), vec![1.0, 0.8]);
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
