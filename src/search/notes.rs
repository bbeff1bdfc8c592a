//! The word index of one transcript's notes: each stretch's gists and questions as one small
//! document of words, character n-grams and English words, scored by BM25 — a few hundred short
//! texts, held in memory and built at start-up.

use std::collections::HashMap;

use super::{TermField, WeightedTerm};

/// BM25 term-frequency saturation.
const K1: f32 = 1.2;
/// BM25 length normalisation.
const B: f32 = 0.75;

/// Which terms of a note document a look-up reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Word,
    Gram,
    English,
}

/// The terms of one note (a stretch's gists and questions together).
#[derive(Debug, Clone, Default)]
pub struct NoteDoc {
    /// Words (as the transcript's lines are indexed).
    pub words: Vec<String>,
    /// Character n-grams.
    pub grams: Vec<String>,
    /// English words, lower-cased and stemmed.
    pub english: Vec<String>,
}

/// The terms of one field of one note: how often each occurs, and how many there are.
#[derive(Debug, Clone, Default)]
struct FieldTerms {
    counts: HashMap<String, u32>,
    length: usize,
}

/// BM25 over the notes of one transcript.
#[derive(Debug, Clone, Default)]
pub struct NoteIndex {
    /// Per note, per field: how often each term occurs, and the field's length.
    docs: Vec<HashMap<Field, FieldTerms>>,
    /// Notes holding each term.
    frequency: HashMap<(Field, String), usize>,
    /// Mean length of each field.
    mean_length: HashMap<Field, f32>,
}

impl NoteIndex {
    /// Indexes the notes' documents, in note order.
    pub fn build(docs: &[NoteDoc]) -> NoteIndex {
        let mut index = NoteIndex::default();
        let mut totals: HashMap<Field, usize> = HashMap::new();
        for doc in docs {
            let mut fields = HashMap::new();
            for (field, terms) in [
                (Field::Word, &doc.words),
                (Field::Gram, &doc.grams),
                (Field::English, &doc.english),
            ] {
                let mut counts: HashMap<String, u32> = HashMap::new();
                for term in terms {
                    *counts.entry(term.clone()).or_default() += 1;
                }
                for term in counts.keys() {
                    *index.frequency.entry((field, term.clone())).or_default() += 1;
                }
                *totals.entry(field).or_default() += terms.len();
                fields.insert(
                    field,
                    FieldTerms {
                        counts,
                        length: terms.len(),
                    },
                );
            }
            index.docs.push(fields);
        }
        let n = docs.len().max(1) as f32;
        index.mean_length = totals
            .into_iter()
            .map(|(field, total)| (field, total as f32 / n))
            .collect();
        index
    }

    /// Number of notes indexed.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether no note is indexed.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The BM25 score of every note for weighted words and n-grams and for English words (each
    /// English word weighing 1), in note order.
    pub fn scores(&self, terms: &[WeightedTerm], english: &[String]) -> Vec<f32> {
        let mut query: Vec<(Field, &str, f32)> = terms
            .iter()
            .map(|t| {
                let field = match t.field {
                    TermField::Word => Field::Word,
                    TermField::Gram => Field::Gram,
                };
                (field, t.text.as_str(), t.weight)
            })
            .collect();
        for word in english {
            if !query
                .iter()
                .any(|(f, w, _)| *f == Field::English && w == word)
            {
                query.push((Field::English, word.as_str(), 1.0));
            }
        }
        let n = self.docs.len() as f32;
        self.docs
            .iter()
            .map(|fields| {
                query
                    .iter()
                    .map(|&(field, term, weight)| {
                        let Some(terms) = fields.get(&field) else {
                            return 0.0;
                        };
                        let Some(&tf) = terms.counts.get(term) else {
                            return 0.0;
                        };
                        let df = self
                            .frequency
                            .get(&(field, term.to_string()))
                            .copied()
                            .unwrap_or(0) as f32;
                        let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                        let mean = self.mean_length.get(&field).copied().unwrap_or(1.0);
                        let tf = tf as f32;
                        let norm = K1 * (1.0 - B + B * terms.length as f32 / mean.max(1.0));
                        weight * idf * tf * (K1 + 1.0) / (tf + norm)
                    })
                    .sum()
            })
            .collect()
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
    fn no_notes_give_no_scores() {
        let index = NoteIndex::build(&[]);
        assert!(index.is_empty());
        assert!(index.scores(&[word("名字")], &[]).is_empty());
    }
}
