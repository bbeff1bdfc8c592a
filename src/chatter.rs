//! Channel chatter (`chatter.txt` in the data directory): messages a community channel sees that
//! no interview answers — greetings, server questions, other products, coding help — one per
//! line, read here; the engine embeds them and tells a question that reads like them.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The file in the data directory that holds the chatter.
pub const CHATTER_FILE: &str = "chatter.txt";

/// The chatter messages and the file they were read from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chatter {
    /// The file (empty path when there is none).
    pub path: PathBuf,
    /// One message per non-empty line that is not a `#` comment, trimmed.
    pub messages: Vec<String>,
}

impl Chatter {
    /// Reads `chatter.txt` in `data_dir`; no file is no chatter. A file that is not UTF-8 is
    /// refused, naming its line.
    pub fn load(data_dir: &Path) -> Result<Chatter> {
        let path = data_dir.join(CHATTER_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Chatter::default()),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            Error::data(&path, line, "not valid UTF-8")
        })?;
        Ok(Chatter {
            messages: parse(&text),
            path,
        })
    }
}

/// The messages of a chatter file's text.
fn parse(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_line_is_a_message_and_comments_and_blank_lines_are_skipped() {
        let text = "# what a channel says\n\n  hi bot  \n今天天气咋样\n";
        assert_eq!(parse(text), ["hi bot", "今天天气咋样"]);
    }

    #[test]
    fn no_file_is_no_chatter() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Chatter::load(dir.path()).unwrap(), Chatter::default());
    }

    #[test]
    fn a_file_that_is_not_utf8_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CHATTER_FILE), b"hi\n\xff\n").unwrap();
        let message = Chatter::load(dir.path()).unwrap_err().to_string();
        assert!(message.contains("chatter.txt:2"), "{message}");
    }
}
