//! interview-bot: answers questions about interview transcripts with the passage that answers,
//! its line range, its speaker and its topic label.

pub mod answer;
pub mod bot;
pub mod chatter;
pub mod config;
pub mod corpus;
pub mod embed;
pub mod error;
pub mod eval;
pub mod leaks;
pub mod lexicon;
pub mod notes;
pub mod script;
pub mod search;
pub mod text;
pub mod topics;

pub use answer::{Answer, AskOptions, Engine, EngineOptions, Passage, Progress, ProgressEvent};
pub use config::Config;
pub use error::{Error, Result};
