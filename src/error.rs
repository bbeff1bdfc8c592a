//! The one error type of the answering core and its `Result` alias.

use std::path::PathBuf;

/// Everything that can go wrong while loading data, indexing or answering.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    // the cause is part of the message, not a `source`: a report of the chain would say it twice
    #[error("{path}: {cause}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// What the operating system said.
        cause: std::io::Error,
    },
    /// A data file (transcript, metadata, dictionary) is malformed.
    #[error("{path}:{line}: {message}")]
    Data {
        /// The file involved.
        path: PathBuf,
        /// 1-based line of the problem (0 when it concerns the whole file).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The configuration is invalid.
    #[error("config {path}: {message}")]
    Config {
        /// The config file.
        path: PathBuf,
        /// What is wrong, naming the key.
        message: String,
    },
    /// No transcript could be loaded.
    #[error("no transcripts found in {0}")]
    NoTranscripts(PathBuf),
    /// A transcript id that does not exist was asked for.
    #[error("unknown transcript '{0}'")]
    UnknownTranscript(String),
    /// The embedding model is missing, cannot be fetched or is malformed.
    #[error("embedding model: {0}")]
    Model(String),
    /// A citation (`openai-podcast-ep2#L150-156`) that is malformed or names no passage; the
    /// message says which, for the person who typed it.
    #[error("{0}")]
    Citation(String),
    /// The search index failed.
    #[error("search index: {0}")]
    Index(String),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            cause,
        }
    }

    /// A data error at a line of a file.
    pub fn data(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Error::Data {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}

impl From<tantivy::TantivyError> for Error {
    fn from(error: tantivy::TantivyError) -> Self {
        Error::Index(error.to_string())
    }
}

impl From<interview_bot_encoder::Error> for Error {
    fn from(error: interview_bot_encoder::Error) -> Self {
        Error::Model(error.to_string())
    }
}

/// The core's result type.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_error_reported_with_its_chain_names_the_cause_once() {
        let cause = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let report = format!("{:#}", anyhow::Error::from(Error::io("data/x.txt", cause)));
        assert_eq!(report, "data/x.txt: no such file");
    }
}
