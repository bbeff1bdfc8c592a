//! Browsing the interview without a question: outlines and topics, the lines where a keyword
//! occurs, a passage by its lines (citations) and in another language, a random quote, and the
//! byte ranges to highlight.

use serde::Serialize;

use super::decide::Pick;
use super::present::{self, Passage, Translation};
use super::state::line_vectors;
use super::Engine;
use crate::corpus::Transcript;
use crate::error::{Error, Result};
use crate::lexicon::stem;
use crate::text::{normalize, normalize_mapped};
use crate::topics::{self, Topic};

/// A line where a keyword occurs.
#[derive(Debug, Clone, Serialize)]
pub struct Occurrence {
    /// Transcript id.
    pub transcript: String,
    /// Line number.
    pub line: usize,
    /// The line.
    pub text: String,
}

/// A transcript's outline.
#[derive(Debug, Clone, Serialize)]
pub struct Outline {
    /// Transcript id.
    pub transcript: String,
    /// Transcript title.
    pub title: String,
    /// Topics in order.
    pub topics: Vec<Topic>,
}

/// A topic found by name.
#[derive(Debug, Clone)]
pub struct TopicMatch {
    /// Transcript id.
    pub transcript: String,
    /// The topic.
    pub topic: Topic,
}

/// Says what a rendering is, wherever one is shown: a translation of the transcript, not the
/// speakers' own words.
pub fn translation_note(original: &str, language: &str) -> String {
    format!(
        "Our {} translation of the {} text, not the speakers' own words.",
        language_name(language),
        language_name(original)
    )
}

/// The English name of a language code (the code itself for one not listed).
pub fn language_name(code: &str) -> &str {
    match code.split('-').next().unwrap_or(code) {
        "zh" => "Chinese",
        "en" => "English",
        "ja" => "Japanese",
        "ko" => "Korean",
        "fr" => "French",
        "de" => "German",
        "es" => "Spanish",
        _ => code,
    }
}

impl Engine {
    /// The language `passage`'s transcript is written in (the default for an unknown one).
    pub fn original_language(&self, passage: &Passage) -> &str {
        self.transcripts()
            .iter()
            .find(|t| t.id == passage.transcript)
            .map_or(crate::corpus::DEFAULT_LANGUAGE, |t| t.language.as_str())
    }

    /// `passage` in `language`: `None` when its transcript has no rendering in that language.
    pub fn translate(&self, passage: &Passage, language: &str) -> Option<Translation> {
        let t = self
            .transcripts()
            .iter()
            .position(|t| t.id == passage.transcript)?;
        let span = (passage.line_start, passage.line_end);
        let speaker = passage.speaker.as_deref();
        present::translations(&self.state, t, span, &passage.topic, speaker)
            .remove(language)
            .or_else(|| present::script_translation(&self.state, t, passage, language))
    }

    /// A topic title in `language`: the title a curated chapter gives it there, else as it is.
    pub fn topic_title_in(&self, title: &str, language: &str) -> String {
        self.transcripts()
            .iter()
            .flat_map(|t| &t.chapters)
            .find(|c| c.title == title)
            .and_then(|c| c.title_in.get(language))
            .map_or_else(|| title.to_string(), String::clone)
    }

    /// Outlines of all transcripts, or of one.
    pub fn outlines(&self, transcript: Option<&str>) -> Result<Vec<Outline>> {
        self.select(transcript, |t, i| Outline {
            transcript: t.id.clone(),
            title: t.title.clone(),
            topics: self.state.outlines[i].clone(),
        })
    }

    /// Automatic outlines (ignoring curated chapters), for starting a chapter list.
    pub fn auto_outlines(&self, transcript: Option<&str>) -> Result<Vec<Outline>> {
        self.select(transcript, |t, i| Outline {
            transcript: t.id.clone(),
            title: t.title.clone(),
            topics: topics::auto_outline(
                t,
                &self.state.analyzer,
                line_vectors(&self.state.semantic, i),
            ),
        })
    }

    fn select<T>(
        &self,
        transcript: Option<&str>,
        make: impl Fn(&Transcript, usize) -> T,
    ) -> Result<Vec<T>> {
        match transcript {
            Some(id) => {
                let i = self
                    .state
                    .corpus
                    .transcripts
                    .iter()
                    .position(|t| t.id == id)
                    .ok_or_else(|| Error::UnknownTranscript(id.to_string()))?;
                Ok(vec![make(&self.state.corpus.transcripts[i], i)])
            }
            None => Ok(self
                .state
                .corpus
                .transcripts
                .iter()
                .enumerate()
                .map(|(i, t)| make(t, i))
                .collect()),
        }
    }

    /// Topics whose title contains `query` (Simplified or Traditional, any case), at most `limit`.
    pub fn find_topics(&self, query: &str, limit: usize) -> Vec<TopicMatch> {
        let needle = normalize(query);
        let mut found = Vec::new();
        for (t, outline) in self.state.outlines.iter().enumerate() {
            for topic in outline {
                if needle.is_empty() || normalize(&topic.title).contains(&needle) {
                    found.push(TopicMatch {
                        transcript: self.state.corpus.transcripts[t].id.clone(),
                        topic: topic.clone(),
                    });
                }
            }
        }
        found.truncate(limit);
        found
    }

    /// Lines where a keyword occurs (as written, after normalisation; else lines holding all its
    /// words), in order, at most `limit`.
    pub fn find_occurrences(&self, keyword: &str, limit: usize) -> Vec<Occurrence> {
        let needle: String = normalize(keyword).chars().take(100).collect();
        if needle.trim().is_empty() {
            return Vec::new();
        }
        let words: Vec<String> = self
            .state
            .analyzer
            .query_words(&needle)
            .into_iter()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .collect();
        let mut exact = Vec::new();
        let mut all_words = Vec::new();
        for (transcript, normalized_lines) in self
            .state
            .corpus
            .transcripts
            .iter()
            .zip(&self.state.normalized_lines)
        {
            for (i, (line, normalized)) in transcript.lines.iter().zip(normalized_lines).enumerate()
            {
                if exact.len() >= limit {
                    break;
                }
                let occurrence = || Occurrence {
                    transcript: transcript.id.clone(),
                    line: i + 1,
                    text: line.clone(),
                };
                if normalized.contains(needle.as_str()) {
                    exact.push(occurrence());
                } else if !words.is_empty() && words.iter().all(|w| normalized.contains(w.as_str()))
                {
                    all_words.push(occurrence());
                }
            }
        }
        if exact.is_empty() {
            exact = all_words;
        }
        exact.truncate(limit);
        exact
    }

    /// A passage of given lines with its topic and speaker (for showing more context).
    pub fn passage_at(&self, transcript: &str, start: usize, end: usize) -> Result<Passage> {
        let t = self
            .state
            .corpus
            .transcripts
            .iter()
            .position(|x| x.id == transcript)
            .ok_or_else(|| Error::UnknownTranscript(transcript.to_string()))?;
        let tr = &self.state.corpus.transcripts[t];
        let start = start.clamp(1, tr.line_count());
        let end = end.clamp(start, tr.line_count());
        let pick = Pick::new(
            &self.state,
            t,
            (start, end, (start + end) / 2),
            0.0,
            Vec::new(),
        );
        Ok(present::passage(&self.state, &pick))
    }

    /// A passage of about `lines` lines starting at a random sentence start, chosen by `pick`
    /// (a number in `0..n` for `n` choices).
    pub fn quote(&self, lines: usize, pick: impl FnOnce(usize) -> usize) -> Passage {
        let starts: Vec<(usize, usize)> = self
            .state
            .corpus
            .transcripts
            .iter()
            .enumerate()
            .flat_map(|(t, tr)| {
                (1..=tr
                    .line_count()
                    .saturating_sub(lines.saturating_sub(1))
                    .max(1))
                    .filter(move |&n| n == 1 || ends_sentence(tr.line(n - 1)))
                    .map(move |n| (t, n))
            })
            .collect();
        let (t, start) = starts[pick(starts.len()).min(starts.len() - 1)];
        let tr = &self.state.corpus.transcripts[t];
        let end = (start + lines.max(1) - 1).min(tr.line_count());
        let shown = Pick::new(&self.state, t, (start, end, start), 0.0, Vec::new());
        present::passage(&self.state, &shown)
    }

    /// Byte ranges of `text` to highlight for `terms`, merged and in order (see [`marked`]).
    pub fn highlight(&self, text: &str, terms: &[String]) -> Vec<std::ops::Range<usize>> {
        marked(text, terms)
    }

    /// Byte ranges of `text` where a keyword (normalised) occurs, inside words too, merged and
    /// in order: what `find_occurrences` found it by.
    pub fn highlight_keyword(&self, text: &str, keyword: &str) -> Vec<std::ops::Range<usize>> {
        merged(occurrences(text, &[normalize(keyword)]))
    }
}

/// Byte ranges of `text` where any of `terms` occur, merged and in order. A term that is one
/// English word (Latin letters, digits, an apostrophe) marks each word of `text` with its stem —
/// "outage" marks "outages", "launch" marks "launched", and "chat" does not mark the "Chat" of
/// "ChatGPT"; any other term (Chinese words, names such as "gpt-3.5") marks wherever its
/// normalised form occurs.
pub fn marked(text: &str, terms: &[String]) -> Vec<std::ops::Range<usize>> {
    let (words, others): (Vec<&String>, Vec<&String>) = terms
        .iter()
        .filter(|t| !t.is_empty())
        .partition(|t| is_english_word(t));
    let stems: Vec<String> = words.iter().map(|w| stem(w)).collect();
    let mut ranges = occurrences(text, &others);
    ranges.extend(
        english_word_ranges(text).filter(|range| stems.contains(&stem(&text[range.clone()]))),
    );
    merged(ranges)
}

/// Whether a term is one English word as [`english_word_ranges`] cuts them.
fn is_english_word(term: &str) -> bool {
    term.chars().all(|c| c.is_ascii_alphanumeric() || c == '\'')
        && term.chars().any(|c| c.is_ascii_alphabetic())
}

/// The byte ranges of the runs of Latin letters, digits and apostrophes in `text`.
fn english_word_ranges(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '\'';
    text.char_indices()
        .filter(move |&(at, c)| is_word(c) && !text[..at].ends_with(is_word))
        .map(move |(start, _)| {
            let end = text[start..]
                .find(|c: char| !is_word(c))
                .map_or(text.len(), |n| start + n);
            start..end
        })
}

/// Byte ranges of `text` where the normalised form of any of `terms` occurs.
fn occurrences<T: AsRef<str>>(text: &str, terms: &[T]) -> Vec<std::ops::Range<usize>> {
    let (normalized, origin) = normalize_mapped(text);
    let mut ranges = Vec::new();
    for term in terms.iter().map(AsRef::as_ref).filter(|t| !t.is_empty()) {
        for (at, _) in normalized.match_indices(term) {
            let end = at + term.len() - 1;
            if let (Some(a), Some(b)) = (origin.get(at), origin.get(end)) {
                ranges.push(a.start..b.end);
            }
        }
    }
    ranges
}

/// `ranges` in order, overlapping ones merged.
fn merged(mut ranges: Vec<std::ops::Range<usize>>) -> Vec<std::ops::Range<usize>> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<std::ops::Range<usize>> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

fn ends_sentence(line: &str) -> bool {
    let line = line.trim_end();
    line.is_empty()
        || line.ends_with(['。', '？', '！', '?', '!', '.', '”', '"', '，', ','])
        || line.chars().count() < 30
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks<'a>(text: &'a str, terms: &[&str]) -> Vec<&'a str> {
        let terms: Vec<String> = terms.iter().map(|t| t.to_string()).collect();
        marked(text, &terms).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn an_english_word_marks_the_words_with_its_stem() {
        assert_eq!(
            marks("the frequent outages made it worse", &["outage"]),
            vec!["outages"]
        );
        assert_eq!(marks("They launched it", &["launch"]), vec!["launched"]);
    }

    #[test]
    fn an_english_word_does_not_mark_inside_another_word() {
        assert!(marks("ChatGPT went out of stock", &["chat", "go"]).is_empty());
        assert_eq!(
            marks("ChatGPT's original name", &["chatgpt"]),
            vec!["ChatGPT's"]
        );
    }

    #[test]
    fn other_terms_mark_wherever_they_occur() {
        assert_eq!(
            marks(
                "他们设计了一个名为Fail Whale的页面",
                &["名为", "fail", "whale"]
            ),
            vec!["名为Fail", "Whale"]
        );
        assert_eq!(marks("“Chat with GPT-3.5”", &["gpt-3.5"]), vec!["GPT-3.5"]);
    }
}
