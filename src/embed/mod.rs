//! Sentence embeddings: a multilingual encoder read from its model file, getting that file, and
//! the vectors of a transcript's passages.

mod encoder;
pub mod fetch;
mod format;
mod kernels;
pub mod store;
mod tokenizer;

pub use encoder::{cosine, normalized, Encoder, Role};
