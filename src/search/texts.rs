//! The word index of the texts that say what is asked of an interview: each note's gists and
//! questions one by one, the questions the notes leave unanswered and the channel chatter, each a
//! document of its own marked answered or not — so that the texts closest to a question by its
//! words can be counted as those closest by meaning are.

use serde::{Deserialize, Serialize};

use super::notes::{NoteDoc, NoteIndex};
use super::WeightedTerm;

/// One text to index: its terms, the transcript whose notes hold it (`None` for chatter, which
/// serves every transcript) and whether no passage answers it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextDoc {
    /// Its words, n-grams and English words.
    pub terms: NoteDoc,
    /// The transcript whose notes hold it; `None` for a chatter message.
    pub transcript: Option<usize>,
    /// Whether no passage answers it (an unanswered question, a chatter message).
    pub unanswered: bool,
}

/// BM25 over every text, one document each, with what each one is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TextIndex {
    index: NoteIndex,
    transcript: Vec<Option<usize>>,
    unanswered: Vec<bool>,
}

impl TextIndex {
    /// Indexes `docs`, in order.
    pub fn build(docs: Vec<TextDoc>) -> TextIndex {
        let terms: Vec<NoteDoc> = docs.iter().map(|d| d.terms.clone()).collect();
        TextIndex {
            index: NoteIndex::build(&terms),
            transcript: docs.iter().map(|d| d.transcript).collect(),
            unanswered: docs.iter().map(|d| d.unanswered).collect(),
        }
    }

    /// Number of texts indexed.
    pub fn len(&self) -> usize {
        self.unanswered.len()
    }

    /// Whether no text is indexed.
    pub fn is_empty(&self) -> bool {
        self.unanswered.is_empty()
    }

    /// Share of unanswered texts among the `nearest` texts that score highest for the question's
    /// words (`terms`, `english`), counting only texts sharing a word with it and, with `only`,
    /// the texts of that transcript and the chatter. `None` when no text shares a word (or none
    /// is to be counted).
    pub fn unanswered_share(
        &self,
        terms: &[WeightedTerm],
        english: &[String],
        only: Option<usize>,
        nearest: usize,
    ) -> Option<f32> {
        let scores = self.index.scores(terms, english);
        let scored: Vec<(f32, bool)> = scores
            .into_iter()
            .enumerate()
            .filter(|&(i, score)| {
                score > 0.0 && only.is_none_or(|o| self.transcript[i].is_none_or(|t| t == o))
            })
            .map(|(i, score)| (score, self.unanswered[i]))
            .collect();
        let scored = super::first_n(scored, nearest, |a, b| b.0.total_cmp(&a.0));
        if scored.is_empty() {
            return None;
        }
        let unanswered = scored.iter().filter(|(_, u)| *u).count();
        Some(unanswered as f32 / scored.len() as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::TermField;

    fn text(words: &[&str], transcript: Option<usize>, unanswered: bool) -> TextDoc {
        TextDoc {
            terms: NoteDoc {
                words: words.iter().map(|w| w.to_string()).collect(),
                ..NoteDoc::default()
            },
            transcript,
            unanswered,
        }
    }

    fn word(text: &str) -> WeightedTerm {
        WeightedTerm {
            text: text.into(),
            field: TermField::Word,
            weight: 1.0,
        }
    }

    fn index() -> TextIndex {
        TextIndex::build(vec![
            text(&["工资", "多少"], Some(0), true),
            text(&["名字", "改名"], Some(0), false),
            text(&["名字", "发布"], Some(0), false),
            text(&["工资", "天气"], None, true),
            text(&["工资"], Some(1), false),
        ])
    }

    #[test]
    fn only_texts_sharing_a_word_are_counted() {
        let share = index().unanswered_share(&[word("名字")], &[], None, 10);
        assert_eq!(share, Some(0.0));
        let share = index()
            .unanswered_share(&[word("工资")], &[], None, 10)
            .unwrap();
        assert!((share - 2.0 / 3.0).abs() < 1e-6, "{share}");
    }

    #[test]
    fn the_nearest_are_the_highest_scoring() {
        // 工资 and 多少 both match the first text only: it alone is the nearest one
        let share = index().unanswered_share(&[word("工资"), word("多少")], &[], None, 1);
        assert_eq!(share, Some(1.0));
        let share = index().unanswered_share(&[word("改名"), word("名字")], &[], None, 1);
        assert_eq!(share, Some(0.0));
    }

    #[test]
    fn one_transcript_keeps_its_own_texts_and_the_chatter() {
        let share = index().unanswered_share(&[word("工资")], &[], Some(1), 10);
        assert_eq!(share, Some(0.5));
    }

    #[test]
    fn no_shared_word_is_no_share() {
        assert_eq!(
            index().unanswered_share(&[word("宕机")], &[], None, 10),
            None
        );
        assert_eq!(
            TextIndex::default().unanswered_share(&[word("工资")], &[], None, 10),
            None
        );
        assert_eq!(
            index().unanswered_share(&[word("工资")], &[], None, 0),
            None
        );
        assert!(TextIndex::default().is_empty());
        assert_eq!(index().len(), 5);
    }
}
