//! The multilingual-e5-small sentence encoder: its model file (memory-mapped), the tokenizer read
//! from it, and the forward pass to one unit vector per text. It is its own crate so that it alone
//! is compiled optimised in the test profile.

mod encoder;
mod error;
mod format;
mod kernels;
mod tokenizer;

pub use encoder::{cosine, normalized, Encoder, Role};
pub use error::{Error, Result};
