//! Passage notes (`<id>.notes.jsonl` beside a transcript): for each stretch of lines, in order
//! and covering every line, a one-sentence gist of what it states and the questions it answers
//! (in its language and others), and questions a reader might ask of it that the interview does
//! not answer — read and checked here, searched as a view of their own by the engine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// The file name suffix of a transcript's notes: `<id>.notes.jsonl`.
pub const NOTES_SUFFIX: &str = ".notes.jsonl";

/// Most questions one stretch may carry (4–8 are advised).
pub const MAX_QUESTIONS: usize = 24;

/// What is noted of one stretch of a transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// First line of the stretch (1-based).
    pub start: usize,
    /// Last line of the stretch.
    pub end: usize,
    /// One plain sentence saying what the stretch states, in the transcript's language.
    pub gist: String,
    /// The gist in other languages, by language code.
    pub gist_in: BTreeMap<String, String>,
    /// Questions the stretch answers, as members would ask them.
    pub questions: Vec<String>,
    /// More questions it answers, asked in other languages, by language code.
    pub questions_in: BTreeMap<String, Vec<String>>,
    /// Questions about what the stretch speaks of that nothing in the interview answers (a
    /// number, a date, a name or a reason it never gives), in any language.
    pub unanswered: Vec<String>,
}

impl Note {
    /// The gist in `language` when the note has one (`original` is the transcript's language).
    pub fn gist_in(&self, language: &str, original: &str) -> Option<&str> {
        if language == original {
            Some(&self.gist)
        } else {
            self.gist_in.get(language).map(String::as_str)
        }
    }

    /// Every text of the note that is searched: the gist in each language, then the questions,
    /// then the questions in other languages.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.gist.as_str())
            .chain(self.gist_in.values().map(String::as_str))
            .chain(self.questions.iter().map(String::as_str))
            .chain(self.questions_in.values().flatten().map(String::as_str))
    }

    /// Whether the stretch shares a line with `start..=end`.
    pub fn overlaps(&self, start: usize, end: usize) -> bool {
        self.start <= end && start <= self.end
    }
}

/// The notes of one transcript and the file they were read from.
#[derive(Debug, Clone)]
pub struct Notes {
    /// The `.notes.jsonl` file.
    pub path: PathBuf,
    /// The stretches, in order, covering every line once.
    pub notes: Vec<Note>,
}

impl Notes {
    /// Reads the notes at `path` for a transcript of `line_count` lines, refusing a file that is
    /// not one valid entry per line, or whose stretches do not cover the lines in order without
    /// overlap — naming the file and the line.
    pub fn load(path: &Path, line_count: usize) -> Result<Notes> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            Error::data(path, line, "not valid UTF-8")
        })?;
        Notes::parse(path, &text, line_count)
    }

    /// Notes from the text of a notes file (see [`Notes::load`]).
    pub fn parse(path: &Path, text: &str, line_count: usize) -> Result<Notes> {
        let mut notes: Vec<Note> = Vec::new();
        let mut last_line = 0;
        for (i, line) in text.lines().enumerate() {
            let at = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            last_line = at;
            let entry: NoteEntry = serde_json::from_str(line)
                .map_err(|e| Error::data(path, at, format!("not a note entry: {e}")))?;
            let note = entry.checked(path, at)?;
            let expected = notes.last().map_or(1, |n| n.end + 1);
            if note.start != expected {
                let why = if note.start < expected {
                    "overlaps the stretch before"
                } else {
                    "leaves a gap after the stretch before"
                };
                return Err(Error::data(
                    path,
                    at,
                    format!(
                        "starts at line {}, but the stretches cover the lines in order: it should \
                         start at line {expected} ({why})",
                        note.start
                    ),
                ));
            }
            if note.end > line_count {
                return Err(Error::data(
                    path,
                    at,
                    format!(
                        "ends at line {}, past the transcript's {line_count} lines",
                        note.end
                    ),
                ));
            }
            notes.push(note);
        }
        let covered = notes.last().map_or(0, |n| n.end);
        if covered != line_count {
            return Err(Error::data(
                path,
                last_line,
                format!(
                    "the stretches end at line {covered}, but the transcript has {line_count} \
                     lines: every line belongs to one stretch"
                ),
            ));
        }
        Ok(Notes {
            path: path.to_path_buf(),
            notes,
        })
    }

    /// The note whose stretch shares the most lines with `start..=end` (the first on a tie).
    pub fn covering(&self, start: usize, end: usize) -> Option<&Note> {
        self.notes
            .iter()
            .filter(|n| n.overlaps(start, end))
            .max_by_key(|n| {
                let shared = n.end.min(end) + 1 - n.start.max(start);
                (shared, std::cmp::Reverse(n.start))
            })
    }
}

/// The notes file beside a transcript `.txt`: `<stem>.notes.jsonl`.
pub fn notes_path(transcript: &Path) -> PathBuf {
    let stem = transcript
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    transcript.with_file_name(format!("{stem}{NOTES_SUFFIX}"))
}

/// One line of a notes file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteEntry {
    lines: [usize; 2],
    gist: String,
    #[serde(default)]
    gist_in: BTreeMap<String, String>,
    #[serde(default)]
    questions: Vec<String>,
    #[serde(default)]
    questions_in: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    unanswered: Vec<String>,
}

impl NoteEntry {
    /// The entry as a note, refusing a backwards range, an empty gist or question, or no
    /// questions at all.
    fn checked(self, path: &Path, at: usize) -> Result<Note> {
        let [start, end] = self.lines;
        let fail = |message: String| Err(Error::data(path, at, message));
        if start == 0 || end < start {
            return fail(format!(
                "lines [{start}, {end}] is not a range: first and last line, 1-based"
            ));
        }
        if self.gist.trim().is_empty() {
            return fail("the gist is empty".into());
        }
        if let Some((language, _)) = self.gist_in.iter().find(|(_, g)| g.trim().is_empty()) {
            return fail(format!("the {language} gist is empty"));
        }
        if let Some(code) = self
            .gist_in
            .keys()
            .find(|c| !crate::corpus::is_language_code(c))
        {
            return fail(format!("'{code}' in gist_in is not a language code"));
        }
        if self.questions.is_empty() || self.questions.len() > MAX_QUESTIONS {
            return fail(format!(
                "{} questions: a stretch carries 1 to {MAX_QUESTIONS} (4–8 advised)",
                self.questions.len()
            ));
        }
        if let Some(n) = self.questions.iter().position(|q| q.trim().is_empty()) {
            return fail(format!("question {} is empty", n + 1));
        }
        for (code, questions) in &self.questions_in {
            if !crate::corpus::is_language_code(code) {
                return fail(format!("'{code}' in questions_in is not a language code"));
            }
            if questions.is_empty() || questions.len() > MAX_QUESTIONS {
                return fail(format!(
                    "{} {code} questions: a stretch carries 1 to {MAX_QUESTIONS} per language",
                    questions.len()
                ));
            }
            if let Some(n) = questions.iter().position(|q| q.trim().is_empty()) {
                return fail(format!("{code} question {} is empty", n + 1));
            }
        }
        if self.unanswered.len() > MAX_QUESTIONS {
            return fail(format!(
                "{} unanswered questions: a stretch carries at most {MAX_QUESTIONS}",
                self.unanswered.len()
            ));
        }
        if let Some(n) = self.unanswered.iter().position(|q| q.trim().is_empty()) {
            return fail(format!("unanswered question {} is empty", n + 1));
        }
        Ok(Note {
            start,
            end,
            gist: self.gist.trim().to_string(),
            gist_in: self
                .gist_in
                .into_iter()
                .map(|(k, v)| (k, v.trim().to_string()))
                .collect(),
            questions: self
                .questions
                .into_iter()
                .map(|q| q.trim().to_string())
                .collect(),
            questions_in: self
                .questions_in
                .into_iter()
                .map(|(code, questions)| {
                    let questions = questions.into_iter().map(|q| q.trim().to_string());
                    (code, questions.collect())
                })
                .collect(),
            unanswered: self
                .unanswered
                .into_iter()
                .map(|q| q.trim().to_string())
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, line_count: usize) -> Result<Notes> {
        Notes::parse(Path::new("t.notes.jsonl"), text, line_count)
    }

    const GOOD: &str = r#"{"lines":[1,2],"gist":"甲说了名字","gist_in":{"en":"A gives the name"},"questions":["叫什么？","What name?"]}
{"lines":[3,5],"gist":"乙说了原因","questions":["为什么？"]}
"#;

    #[test]
    fn stretches_that_cover_every_line_in_order_are_read() {
        let notes = parse(GOOD, 5).expect("valid notes");
        assert_eq!(notes.notes.len(), 2);
        assert_eq!((notes.notes[1].start, notes.notes[1].end), (3, 5));
        assert_eq!(notes.notes[0].gist_in("en", "zh"), Some("A gives the name"));
        assert_eq!(notes.notes[1].gist_in("en", "zh"), None);
        assert_eq!(notes.notes[1].gist_in("zh", "zh"), Some("乙说了原因"));
    }

    #[test]
    fn a_gap_between_stretches_is_reported_with_its_line() {
        let text = GOOD.replace("[3,5]", "[4,5]");
        let message = parse(&text, 5).unwrap_err().to_string();
        assert!(message.starts_with("t.notes.jsonl:2:"), "{message}");
        assert!(message.contains("gap"), "{message}");
    }

    #[test]
    fn overlapping_stretches_are_reported() {
        let text = GOOD.replace("[3,5]", "[2,5]");
        let message = parse(&text, 5).unwrap_err().to_string();
        assert!(message.contains("overlaps"), "{message}");
    }

    #[test]
    fn stretches_that_stop_short_of_the_end_are_reported() {
        let message = parse(GOOD, 7).unwrap_err().to_string();
        assert!(message.contains("end at line 5"), "{message}");
        assert!(message.contains("7 lines"), "{message}");
    }

    #[test]
    fn a_stretch_past_the_end_is_reported() {
        let message = parse(GOOD, 4).unwrap_err().to_string();
        assert!(message.starts_with("t.notes.jsonl:2:"), "{message}");
        assert!(message.contains("past"), "{message}");
    }

    #[test]
    fn a_line_that_is_not_an_entry_names_its_line() {
        let text = format!("{GOOD}{{\"lines\":[6,6]}}\n");
        let message = parse(&text, 6).unwrap_err().to_string();
        assert!(message.starts_with("t.notes.jsonl:3:"), "{message}");
    }

    #[test]
    fn a_note_without_questions_is_refused() {
        let text = GOOD.replace(r#""questions":["为什么？"]"#, r#""questions":[]"#);
        let message = parse(&text, 5).unwrap_err().to_string();
        assert!(message.contains("0 questions"), "{message}");
    }

    #[test]
    fn questions_in_other_languages_are_searched_too() {
        let text = GOOD.replace(
            r#""questions":["为什么？"]"#,
            r#""questions":["为什么？"],"questions_in":{"en":["Why?","How come?"]}"#,
        );
        let notes = parse(&text, 5).expect("valid notes");
        let texts: Vec<&str> = notes.notes[1].texts().collect();
        assert_eq!(texts, ["乙说了原因", "为什么？", "Why?", "How come?"]);
    }

    #[test]
    fn an_empty_list_of_questions_in_a_language_is_refused() {
        let text = GOOD.replace(
            r#""questions":["为什么？"]"#,
            r#""questions":["为什么？"],"questions_in":{"en":[]}"#,
        );
        let message = parse(&text, 5).unwrap_err().to_string();
        assert!(message.contains("0 en questions"), "{message}");
    }

    #[test]
    fn unanswered_questions_are_kept_apart_from_the_searched_texts() {
        let text = GOOD.replace(
            r#""questions":["为什么？"]"#,
            r#""questions":["为什么？"],"unanswered":[" 花了多少钱？ "]"#,
        );
        let notes = parse(&text, 5).expect("valid notes");
        assert_eq!(notes.notes[1].unanswered, ["花了多少钱？"]);
        assert!(notes.notes[1].texts().all(|t| t != "花了多少钱？"));
        assert!(notes.notes[0].unanswered.is_empty());
    }

    #[test]
    fn an_empty_unanswered_question_is_refused() {
        let text = GOOD.replace(
            r#""questions":["为什么？"]"#,
            r#""questions":["为什么？"],"unanswered":["几点？",""]"#,
        );
        let message = parse(&text, 5).unwrap_err().to_string();
        assert!(
            message.contains("unanswered question 2 is empty"),
            "{message}"
        );
    }

    #[test]
    fn a_backwards_range_is_refused() {
        let text = GOOD.replace("[3,5]", "[5,3]");
        let message = parse(&text, 5).unwrap_err().to_string();
        assert!(message.contains("not a range"), "{message}");
    }

    #[test]
    fn the_covering_note_shares_the_most_lines() {
        let notes = parse(GOOD, 5).unwrap();
        assert_eq!(notes.covering(2, 4).map(|n| n.start), Some(3));
        assert_eq!(notes.covering(1, 1).map(|n| n.start), Some(1));
        assert_eq!(notes.covering(9, 9), None);
    }
}
