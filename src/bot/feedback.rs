//! The 👍/👎 feedback log: one JSON object per line, appended to the configured file.

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
    pub fn append(&self, entry: &FeedbackEntry) -> std::io::Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_appended_as_json_lines() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("logs/feedback.log");
        let log = FeedbackLog::new(&path);
        for vote in ["up", "down"] {
            log.append(&FeedbackEntry {
                time: "2025-01-01T00:00:00Z".into(),
                question: "ChatGPT最初叫什么\n\"x\"".into(),
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
        assert_eq!(lines[0]["question"], "ChatGPT最初叫什么\n\"x\"");
    }
}
