//! Line-level postings kept in memory: which lines hold a term, and how rare the term is. Used to
//! narrow a retrieved window to the lines that answer, and to weigh a question's words.

use std::collections::HashSet;

use rustc_hash::FxHashMap;

use super::TermField;

/// A line of a transcript in the corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineRef {
    /// Position of the transcript in the corpus.
    pub transcript: u32,
    /// Line number (1-based).
    pub line: u32,
}

/// Postings from term to the lines holding it, over all transcripts.
#[derive(Debug, Default)]
pub struct LineIndex {
    words: FxHashMap<String, Vec<LineRef>>,
    grams: FxHashMap<String, Vec<LineRef>>,
    characters: HashSet<char>,
    line_count: usize,
}

impl LineIndex {
    /// An empty index.
    pub fn new() -> Self {
        LineIndex::default()
    }

    /// Records the terms of one line; lines must be added in (transcript, line) order.
    pub fn add_line(&mut self, at: LineRef, words: &[String], grams: &[String]) {
        self.line_count += 1;
        self.characters.extend(words.iter().flat_map(|w| w.chars()));
        for (postings, terms) in [(&mut self.words, words), (&mut self.grams, grams)] {
            for term in terms {
                match postings.get_mut(term.as_str()) {
                    Some(list) => {
                        if list.last() != Some(&at) {
                            list.push(at);
                        }
                    }
                    None => {
                        postings.insert(term.clone(), vec![at]);
                    }
                }
            }
        }
    }

    /// Whether a character occurs anywhere in the corpus.
    pub fn has_character(&self, c: char) -> bool {
        self.characters.contains(&c)
    }

    /// Number of lines indexed.
    pub fn line_count(&self) -> usize {
        self.line_count
    }

    /// Number of lines holding the term.
    pub fn frequency(&self, field: TermField, term: &str) -> usize {
        self.lines_of(field, term).len()
    }

    /// Inverse line frequency of a term; terms absent from the corpus get the highest value.
    pub fn idf(&self, field: TermField, term: &str) -> f32 {
        let n = self.line_count as f32;
        let df = self.frequency(field, term) as f32;
        ((n + 1.0) / (df + 0.5)).ln().max(0.05)
    }

    /// The lines holding the term, in order.
    pub fn lines_of(&self, field: TermField, term: &str) -> &[LineRef] {
        let postings = match field {
            TermField::Word => &self.words,
            TermField::Gram => &self.grams,
        };
        postings.get(term).map_or(&[], Vec::as_slice)
    }

    /// The lines holding the term within `first..=last` of one transcript.
    pub fn lines_between(
        &self,
        field: TermField,
        term: &str,
        transcript: u32,
        first: u32,
        last: u32,
    ) -> &[LineRef] {
        within(self.lines_of(field, term), transcript, first, last)
    }

    /// Every word in the corpus (for restricting dictionaries to it).
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.words.keys().map(String::as_str)
    }
}

/// The part of sorted postings within `first..=last` of one transcript.
pub fn within(postings: &[LineRef], transcript: u32, first: u32, last: u32) -> &[LineRef] {
    let lo = postings.partition_point(|r| (r.transcript, r.line) < (transcript, first));
    let hi = lo + postings[lo..].partition_point(|r| (r.transcript, r.line) <= (transcript, last));
    &postings[lo..hi]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_between_selects_range() {
        let mut index = LineIndex::new();
        for line in 1..=10 {
            let words = if line % 3 == 0 {
                vec!["x".to_string()]
            } else {
                vec![]
            };
            index.add_line(
                LineRef {
                    transcript: 0,
                    line,
                },
                &words,
                &[],
            );
        }
        let found = index.lines_between(TermField::Word, "x", 0, 4, 9);
        assert_eq!(found.iter().map(|r| r.line).collect::<Vec<_>>(), [6, 9]);
        assert_eq!(index.frequency(TermField::Word, "x"), 3);
        assert!(index.idf(TermField::Word, "absent") > index.idf(TermField::Word, "x"));
    }
}
