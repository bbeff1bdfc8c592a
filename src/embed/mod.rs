//! Sentence embeddings: the encoder (crate `interview-bot-encoder`), getting its model file, and
//! the vectors of a transcript's passages.

pub mod fetch;
pub mod store;

pub use interview_bot_encoder::{cosine, normalized, Encoder, Role};
