//! Presenting: the decision turned into the answer a member sees — each passage with its line
//! range, text, speaker and topic label, or, when the interview does not answer, the topics
//! nearest to the question.

use serde::Serialize;

use super::decide::{Decision, Pick};
use super::state::State;
use super::understand::Question;
use crate::topics;

/// The engine's reply to a question.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// The question as asked.
    pub question: String,
    /// Whether the interview answers it.
    pub answered: bool,
    /// Best passages first, never overlapping (empty when not answered).
    pub results: Vec<Passage>,
    /// Nearest topics, when not answered.
    pub suggestions: Vec<String>,
}

/// A passage of a transcript.
#[derive(Debug, Clone, Serialize)]
pub struct Passage {
    /// Transcript id.
    pub transcript: String,
    /// First line (1-based).
    pub line_start: usize,
    /// Last line (inclusive).
    pub line_end: usize,
    /// The lines, joined with newlines.
    pub text: String,
    /// Topic label of the part of the interview it is in.
    pub topic: String,
    /// Whose view it reports.
    pub speaker: Option<String>,
    /// Relevance score (higher is better).
    pub score: f32,
    /// Normalised terms of the question found in the passage, for highlighting.
    #[serde(skip)]
    pub matched_terms: Vec<String>,
}

/// The answer to `question` as decided.
pub fn present(state: &State, question: &Question, decision: Decision) -> Answer {
    let text = question.readings[decision.reading].text.clone();
    if decision.answered {
        Answer {
            question: text,
            answered: true,
            results: decision.picks.iter().map(|p| passage(state, p)).collect(),
            suggestions: Vec::new(),
        }
    } else {
        Answer {
            question: text,
            answered: false,
            results: Vec::new(),
            suggestions: suggestions(state, &decision.picks),
        }
    }
}

/// A chosen passage as shown: its lines, topic label and speaker.
pub fn passage(state: &State, pick: &Pick) -> Passage {
    let transcript = &state.corpus.transcripts[pick.transcript];
    let topic = topics::topic_at(&state.outlines[pick.transcript], pick.anchor)
        .map_or_else(String::new, |t| t.title.clone());
    Passage {
        transcript: transcript.id.clone(),
        line_start: pick.start,
        line_end: pick.end,
        text: transcript.text(pick.start, pick.end),
        topic,
        speaker: pick.speaker.clone(),
        score: pick.score,
        matched_terms: pick.matched.clone(),
    }
}

/// The titles of the topics the nearest candidates are in, at most three, in order.
fn suggestions(state: &State, near: &[Pick]) -> Vec<String> {
    let mut titles: Vec<String> = Vec::new();
    for pick in near {
        if let Some(topic) = topics::topic_at(&state.outlines[pick.transcript], pick.anchor) {
            if !titles.contains(&topic.title) {
                titles.push(topic.title.clone());
            }
        }
    }
    titles.truncate(3);
    titles
}
