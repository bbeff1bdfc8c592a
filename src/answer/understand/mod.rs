//! Understanding a question: its plan (concepts with their variants, cues, speakers named), its
//! vector when the semantic signal is on, and — for a follow-up — the readings it can have: the
//! question alone and completed from the earlier one, both made here for the decision to choose
//! from.

pub mod followup;
pub mod query;

use super::state::State;
use super::AskOptions;
use crate::corpus::Speaker;
use followup::FollowUp;
use query::{QueryBuilder, QueryPlan};

/// A question as the pipeline understands it: its plan, and its vector when the semantic signal
/// is on.
pub struct Understood {
    /// Concepts, cues, speakers.
    pub plan: QueryPlan,
    /// The question's unit vector.
    pub vector: Option<Vec<f32>>,
}

/// One way of reading a question: the text searched for and how it is understood.
pub struct Reading {
    /// The text (the question itself, or completed from its context).
    pub text: String,
    /// Its plan and vector.
    pub understood: Understood,
}

/// A question with its readings: one for a question asked alone; for a follow-up that leans on
/// the earlier question its completed form; for one with words of its own, the question alone
/// first and its completed form second.
pub struct Question {
    /// The readings, in the order the decision tries them.
    pub readings: Vec<Reading>,
    /// How it follows on from its context, when it has one.
    pub follow: Option<FollowUp>,
}

/// Understands `question` with the options it is asked with (its context among them).
pub fn understand(state: &State, question: &str, options: &AskOptions) -> Question {
    let context = options.context.as_ref().filter(|c| !c.turns.is_empty());
    let Some(context) = context else {
        return Question {
            readings: vec![read(state, question, options.lexical_only)],
            follow: None,
        };
    };
    let speakers: Vec<Speaker> = state
        .corpus
        .transcripts
        .iter()
        .flat_map(|t| t.speakers.iter().cloned())
        .collect();
    let follow = followup::understand(question, context, &speakers);
    let texts: Vec<String> = if follow.elliptical {
        vec![follow.question.clone()]
    } else {
        std::iter::once(question.to_string())
            .chain(follow.completed.clone())
            .collect()
    };
    Question {
        readings: texts
            .into_iter()
            .map(|text| read(state, &text, options.lexical_only))
            .collect(),
        follow: Some(follow),
    }
}

/// One reading of `text`: its plan, and its vector unless `lexical_only`.
pub fn read(state: &State, text: &str, lexical_only: bool) -> Reading {
    Reading {
        text: text.to_string(),
        understood: understand_text(state, text, lexical_only),
    }
}

/// How a text is understood: its plan, and its vector unless `lexical_only`.
pub fn understand_text(state: &State, text: &str, lexical_only: bool) -> Understood {
    let plan = plan(state, text);
    let vector = match state.semantic.get() {
        // a question of punctuation or symbols alone has nothing to match by meaning
        Some(semantic) if !lexical_only && text.chars().any(char::is_alphanumeric) => {
            // the normalised question (full-width folded, Simplified): its variants embed alike
            Some(semantic.encoder.embed_on(
                &plan.normalized,
                crate::embed::Role::Query,
                semantic.threads,
            ))
        }
        _ => None,
    };
    Understood { plan, vector }
}

/// The plan of a text: its concepts with their variants, cues and the speakers it names.
pub fn plan(state: &State, text: &str) -> QueryPlan {
    QueryBuilder {
        analyzer: &state.analyzer,
        lines: &state.lines,
        synonyms: &state.synonyms,
        glossary: &state.glossary,
        aliases: &state.aliases,
    }
    .plan(text)
}
