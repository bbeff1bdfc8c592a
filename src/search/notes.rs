//! The word index of one transcript's notes: each stretch's gists and questions as one small
//! document of words, character n-grams and English words, scored by BM25 — a few hundred short
//! texts, held in memory as postings.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{TermField, WeightedTerm};

/// BM25 term-frequency saturation.
const K1: f32 = 1.2;
/// BM25 length normalisation.
const B: f32 = 0.75;

/// The terms of one note (a stretch's gists and questions together).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NoteDoc {
    /// Words (as the transcript's lines are indexed).
    pub words: Vec<String>,
    /// Character n-grams.
    pub grams: Vec<String>,
    /// English words, lower-cased and stemmed.
    pub english: Vec<String>,
}

/// The postings of one field: for each term, the notes holding it and how often.
type Postings = HashMap<String, Vec<(u32, u32)>>;

/// One field of the index: its postings and each note's length in it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct FieldIndex {
    postings: Postings,
    lengths: Vec<u32>,
}

impl FieldIndex {
    fn build<'a>(terms_of: impl Iterator<Item = &'a [String]>) -> FieldIndex {
        let mut index = FieldIndex::default();
        for (doc, terms) in terms_of.enumerate() {
            let mut sorted: Vec<&str> = terms.iter().map(String::as_str).collect();
            sorted.sort_unstable();
            for run in sorted.chunk_by(|a, b| a == b) {
                index
                    .postings
                    .entry(run[0].to_string())
                    .or_default()
                    .push((doc as u32, run.len() as u32));
            }
            index.lengths.push(terms.len() as u32);
        }
        index
    }

    /// Adds each note's BM25 score for `term` (weighted) to `scores`.
    fn score_into(&self, term: &str, weight: f32, scores: &mut [f32]) {
        let Some(postings) = self.postings.get(term) else {
            return;
        };
        let n = self.lengths.len() as f32;
        let mean = (self.lengths.iter().map(|&l| l as f32).sum::<f32>() / n.max(1.0)).max(1.0);
        let df = postings.len() as f32;
        let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        for &(doc, tf) in postings {
            let (doc, tf) = (doc as usize, tf as f32);
            let length = self.lengths.get(doc).copied().unwrap_or(0) as f32;
            let norm = K1 * (1.0 - B + B * length / mean);
            if let Some(score) = scores.get_mut(doc) {
                *score += weight * idf * tf * (K1 + 1.0) / (tf + norm);
            }
        }
    }
}

/// BM25 over the notes of one transcript (kept beside the index with the derived results).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NoteIndex {
    words: FieldIndex,
    grams: FieldIndex,
    english: FieldIndex,
}

impl NoteIndex {
    /// Indexes the notes' documents, in note order.
    pub fn build(docs: &[NoteDoc]) -> NoteIndex {
        NoteIndex {
            words: FieldIndex::build(docs.iter().map(|d| d.words.as_slice())),
            grams: FieldIndex::build(docs.iter().map(|d| d.grams.as_slice())),
            english: FieldIndex::build(docs.iter().map(|d| d.english.as_slice())),
        }
    }

    /// Number of notes indexed.
    pub fn len(&self) -> usize {
        self.words.lengths.len()
    }

    /// Whether no note is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The BM25 score of every note for weighted words and n-grams and for English words (each
    /// English word weighing 1, each counted once), in note order.
    pub fn scores(&self, terms: &[WeightedTerm], english: &[String]) -> Vec<f32> {
        let mut scores = vec![0.0; self.len()];
        for term in terms {
            let field = match term.field {
                TermField::Word => &self.words,
                TermField::Gram => &self.grams,
            };
            field.score_into(&term.text, term.weight, &mut scores);
        }
        let mut seen: Vec<&str> = Vec::new();
        for word in english {
            if !seen.contains(&word.as_str()) {
                seen.push(word);
                self.english.score_into(word, 1.0, &mut scores);
            }
        }
        scores
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(words: &[&str], english: &[&str]) -> NoteDoc {
        NoteDoc {
            words: words.iter().map(|w| w.to_string()).collect(),
            grams: Vec::new(),
            english: english.iter().map(|w| w.to_string()).collect(),
        }
    }

    fn word(text: &str) -> WeightedTerm {
        WeightedTerm {
            text: text.into(),
            field: TermField::Word,
            weight: 1.0,
        }
    }

    #[test]
    fn the_note_holding_the_rarer_word_scores_higher() {
        let index = NoteIndex::build(&[
            doc(&["名字", "改名"], &[]),
            doc(&["名字", "发布"], &[]),
            doc(&["发布", "宕机"], &[]),
        ]);
        let scores = index.scores(&[word("改名"), word("名字")], &[]);
        assert!(scores[0] > scores[1], "{scores:?}");
        assert_eq!(scores[2], 0.0);
    }

    #[test]
    fn english_words_are_looked_up_in_the_english_field_only() {
        let index = NoteIndex::build(&[doc(&["name"], &[]), doc(&[], &["name"])]);
        let scores = index.scores(&[], &["name".to_string()]);
        assert_eq!(scores[0], 0.0);
        assert!(scores[1] > 0.0);
    }

    #[test]
    fn a_term_repeated_in_a_note_counts_more_than_once() {
        let index = NoteIndex::build(&[
            doc(&["名字", "名字", "发布"], &[]),
            doc(&["名字", "宕机", "发布"], &[]),
        ]);
        let scores = index.scores(&[word("名字")], &[]);
        assert!(scores[0] > scores[1], "{scores:?}");
    }

    #[test]
    fn no_notes_give_no_scores() {
        let index = NoteIndex::build(&[]);
        assert!(index.is_empty());
        assert_eq!(index.len(), 0);
        assert!(index.scores(&[word("名字")], &[]).is_empty());
    }
}
