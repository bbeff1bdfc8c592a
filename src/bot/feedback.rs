//! The feedback log: one JSON object per line, appended to the configured file — 👍/👎 votes on
//! passages and, when `discord.log_unanswered` is on, questions the interview did not answer —
//! and the report a maintainer reads from it.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

/// One vote on one passage.
#[derive(Debug, Clone, Serialize)]
pub struct FeedbackEntry {
    /// When the vote was cast (RFC 3339, UTC).
    pub time: String,
    /// The question that was answered.
    pub question: String,
    /// Transcript id of the passage.
    pub transcript: String,
    /// First line of the passage.
    pub line_start: usize,
    /// Last line of the passage.
    pub line_end: usize,
    /// "up" or "down".
    pub vote: &'static str,
}

/// A question that was not answered: its text and the day, nothing about who asked.
#[derive(Debug, Clone, Serialize)]
pub struct UnansweredEntry {
    /// The day it was asked (YYYY-MM-DD, UTC).
    pub date: String,
    /// The question.
    pub unanswered: String,
}

/// The feedback file, opened on the first vote. Writes are blocking: call from blocking threads.
pub struct FeedbackLog {
    path: PathBuf,
    writer: Mutex<Option<BufWriter<File>>>,
}

impl FeedbackLog {
    /// A log appending to `path`.
    pub fn new(path: &Path) -> FeedbackLog {
        FeedbackLog {
            path: path.to_path_buf(),
            writer: Mutex::new(None),
        }
    }

    /// Appends one entry and flushes it to the file.
    pub fn append<T: Serialize>(&self, entry: &T) -> std::io::Result<()> {
        let mut line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if writer.is_none() {
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?;
            *writer = Some(BufWriter::new(file));
        }
        let file = writer.as_mut().expect("opened above");
        file.write_all(line.as_bytes())?;
        file.flush()
    }

    /// Flushes buffered entries (at shutdown).
    pub fn flush(&self) -> std::io::Result<()> {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        match writer.as_mut() {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

/// Votes on one passage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassageVotes {
    /// Transcript id.
    pub transcript: String,
    /// First line.
    pub line_start: usize,
    /// Last line.
    pub line_end: usize,
    /// 👍 count.
    pub up: usize,
    /// 👎 count.
    pub down: usize,
}

/// What the feedback log says, for a maintainer: the passages voted on, the questions whose
/// answers were voted down and the questions not answered, each with how often.
#[derive(Debug, Clone, Default)]
pub struct FeedbackReport {
    /// Every passage voted on.
    pub passages: Vec<PassageVotes>,
    /// Questions whose answer got 👎, with counts, most first.
    pub voted_down: Vec<(String, usize)>,
    /// Questions not answered (logged with `discord.log_unanswered`), with counts, most first.
    pub unanswered: Vec<(String, usize)>,
    /// Lines that were not feedback entries.
    pub skipped: usize,
}

impl FeedbackReport {
    /// Reads the log's text; lines that are not entries are counted, not fatal.
    pub fn from_log(text: &str) -> FeedbackReport {
        let mut report = FeedbackReport::default();
        let mut down: Vec<(String, usize)> = Vec::new();
        let mut unanswered: Vec<(String, usize)> = Vec::new();
        let bump = |list: &mut Vec<(String, usize)>, question: &str| match list
            .iter_mut()
            .find(|(q, _)| q == question)
        {
            Some((_, n)) => *n += 1,
            None => list.push((question.to_string(), 1)),
        };
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
                report.skipped += 1;
                continue;
            };
            if let Some(question) = value["unanswered"].as_str() {
                bump(&mut unanswered, question);
                continue;
            }
            let (Some(vote), Some(transcript), Some(start), Some(end)) = (
                value["vote"].as_str(),
                value["transcript"].as_str(),
                value["line_start"].as_u64(),
                value["line_end"].as_u64(),
            ) else {
                report.skipped += 1;
                continue;
            };
            let (start, end) = (start as usize, end as usize);
            let at = match report.passages.iter().position(|p| {
                p.transcript == transcript && p.line_start == start && p.line_end == end
            }) {
                Some(at) => at,
                None => {
                    report.passages.push(PassageVotes {
                        transcript: transcript.to_string(),
                        line_start: start,
                        line_end: end,
                        ..PassageVotes::default()
                    });
                    report.passages.len() - 1
                }
            };
            match vote {
                "up" => report.passages[at].up += 1,
                "down" => {
                    report.passages[at].down += 1;
                    bump(&mut down, value["question"].as_str().unwrap_or(""));
                }
                _ => report.skipped += 1,
            }
        }
        // most first; ties in the order first seen
        down.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        unanswered.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        report.voted_down = down;
        report.unanswered = unanswered;
        report
    }

    /// The report as text, at most `top` rows per list.
    pub fn render(&self, top: usize) -> String {
        let mut out = String::new();
        let mut list = |title: &str, rows: Vec<String>| {
            out.push_str(title);
            out.push('\n');
            if rows.is_empty() {
                out.push_str("  (none)\n");
            }
            for row in rows {
                out.push_str("  ");
                out.push_str(&row);
                out.push('\n');
            }
        };
        let passage_rows = |key: fn(&PassageVotes) -> usize| {
            let mut sorted: Vec<&PassageVotes> =
                self.passages.iter().filter(|p| key(p) > 0).collect();
            sorted.sort_by_key(|p| std::cmp::Reverse(key(p)));
            sorted
                .into_iter()
                .take(top)
                .map(|p| {
                    format!(
                        "{}#L{}-{}  👍 {}  👎 {}",
                        p.transcript, p.line_start, p.line_end, p.up, p.down
                    )
                })
                .collect::<Vec<_>>()
        };
        list("passages with most 👍:", passage_rows(|p| p.up));
        list("passages with most 👎:", passage_rows(|p| p.down));
        let question_rows = |rows: &[(String, usize)]| {
            rows.iter()
                .take(top)
                .map(|(q, n)| format!("{n:>3}× {}", q.replace('\n', " ")))
                .collect::<Vec<_>>()
        };
        list("questions voted down:", question_rows(&self.voted_down));
        list(
            "questions not answered (discord.log_unanswered):",
            question_rows(&self.unanswered),
        );
        if self.skipped > 0 {
            out.push_str(&format!(
                "({} lines skipped: not feedback entries)\n",
                self.skipped
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_ranks_passages_and_lists_questions_voted_down() {
        let log = [
            r#"{"time":"t","question":"名字","transcript":"ep2","line_start":15,"line_end":19,"vote":"up"}"#,
            r#"{"time":"t","question":"名字?","transcript":"ep2","line_start":15,"line_end":19,"vote":"up"}"#,
            r#"{"time":"t","question":"谁发明的","transcript":"ep2","line_start":80,"line_end":86,"vote":"down"}"#,
            r#"{"time":"t","question":"谁发明的","transcript":"ep2","line_start":80,"line_end":86,"vote":"down"}"#,
            r#"{"date":"2025-01-01","unanswered":"火星上有什么"}"#,
            "not json",
        ]
        .join("\n");
        let report = FeedbackReport::from_log(&log);
        assert_eq!(report.passages.len(), 2);
        assert_eq!(report.passages[0].up, 2);
        assert_eq!(report.voted_down, vec![("谁发明的".to_string(), 2)]);
        assert_eq!(report.unanswered, vec![("火星上有什么".to_string(), 1)]);
        assert_eq!(report.skipped, 1);
        let text = report.render(10);
        assert!(text.contains("ep2#L15-19  👍 2  👎 0"), "{text}");
        assert!(text.contains("  2× 谁发明的"), "{text}");
        assert!(text.contains("火星上有什么"), "{text}");
    }

    #[test]
    fn unanswered_entries_hold_no_user() {
        let entry = UnansweredEntry {
            date: "2025-01-01".into(),
            unanswered: "火星上有什么".into(),
        };
        let value = serde_json::to_value(&entry).expect("json");
        let keys: Vec<&String> = value.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["date", "unanswered"]);
    }

    #[test]
    fn entries_are_appended_as_json_lines() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("logs/feedback.log");
        let log = FeedbackLog::new(&path);
        for vote in ["up", "down"] {
            log.append(&FeedbackEntry {
                time: "2025-01-01T00:00:00Z".into(),
                question: "ChatGPT最早叫什么名字\n\"x\"".into(),
                transcript: "t".into(),
                line_start: 15,
                line_end: 19,
                vote,
            })
            .expect("append");
        }
        log.flush().expect("flush");
        let text = std::fs::read_to_string(&path).expect("log written");
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["vote"], "up");
        assert_eq!(lines[1]["vote"], "down");
        assert_eq!(lines[1]["line_start"], 15);
        assert_eq!(lines[0]["question"], "ChatGPT最早叫什么名字\n\"x\"");
    }
}
