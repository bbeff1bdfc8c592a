//! The encoder's error type: the model file cannot be read or is not what it should be.

use std::path::PathBuf;

/// Everything that can go wrong while opening a model file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or mapped.
    // the cause is part of the message, not a `source`: a report of the chain would say it twice
    #[error("{path}: {cause}")]
    Io {
        /// The model file.
        path: PathBuf,
        /// What the operating system said.
        cause: std::io::Error,
    },
    /// The file is not a model file of the expected layout.
    #[error("{path}: {message}")]
    Malformed {
        /// The model file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A tensor the encoder needs is missing or of the wrong type or size.
    #[error("model tensor {name}: {message}")]
    Tensor {
        /// The tensor's name in the file.
        name: String,
        /// What is wrong.
        message: String,
    },
}

/// The encoder's result type.
pub type Result<T> = std::result::Result<T, Error>;
