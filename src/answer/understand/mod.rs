//! Understanding a question: its plan (concepts with their variants, cues, speakers named), its
//! vector when the semantic signal is on, and — for a follow-up — the readings it can have: the
//! question alone and completed from the earlier one, both made here for the decision to choose
//! from.

pub mod followup;
pub mod query;

use super::state::State;
use super::AskOptions;
use crate::corpus::Speaker;
use crate::lexicon::is_english_stopword;
use crate::text::{is_cjk, strip_chatter};
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

/// The language a question is written in, read from most of its words: `zh` when it has more
/// CJK characters than Latin words, `en` when it has more Latin words and at least one of them is
/// an English function word ("what", "the"); `None` when that is unclear — a bare keyword or
/// name ("Codex"), as many of each, or no letters at all.
pub fn language_of(question: &str) -> Option<&'static str> {
    let cjk = question.chars().filter(|&c| is_cjk(c)).count();
    let words: Vec<String> = question
        .split(|c: char| !c.is_ascii_alphabetic() && c != '\'')
        .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
        .map(str::to_ascii_lowercase)
        .collect();
    if cjk > words.len() {
        Some("zh")
    } else if words.len() > cjk && words.iter().any(|w| is_english_stopword(w)) {
        Some("en")
    } else {
        None
    }
}

/// The passage shown before a follow-up, in the corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    /// Position of the transcript in the corpus.
    pub transcript: usize,
    /// First line.
    pub start: usize,
    /// Last line.
    pub end: usize,
}

/// A question with its readings: one for a question asked alone; for a follow-up that leans on
/// the earlier question its completed form; for one with words of its own, the question alone
/// first and its completed form second.
pub struct Question {
    /// The readings, in the order the decision tries them.
    pub readings: Vec<Reading>,
    /// How it follows on from its context, when it has one.
    pub follow: Option<FollowUp>,
    /// The passage shown before it, when it follows one that is in the corpus.
    pub anchor: Option<Anchor>,
    /// The language it is written in, when clear (see [`language_of`]).
    pub language: Option<&'static str>,
}

/// Understands `question` with the options it is asked with (its context among them).
pub fn understand(state: &State, question: &str, options: &AskOptions) -> Question {
    let context = options.context.as_ref().filter(|c| !c.turns.is_empty());
    let Some(context) = context else {
        return Question {
            readings: vec![read(state, question, options.lexical_only)],
            follow: None,
            anchor: None,
            language: language_of(&strip_chatter(question)),
        };
    };
    let speakers: Vec<Speaker> = state
        .corpus
        .transcripts
        .iter()
        .flat_map(|t| t.speakers.iter().cloned())
        .collect();
    let follow = followup::understand(question, context, &speakers);
    let anchor = follow.anchor.as_ref().and_then(|shown| {
        let transcript = state
            .corpus
            .transcripts
            .iter()
            .position(|t| t.id == shown.transcript)?;
        state.corpus.transcripts[transcript]
            .holds(shown.line_start, shown.line_end)
            .then_some(Anchor {
                transcript,
                start: shown.line_start,
                end: shown.line_end,
            })
    });
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
        anchor,
        language: language_of(&strip_chatter(question)),
    }
}

/// One reading of `text`: its plan, and its vector unless `lexical_only`.
pub fn read(state: &State, text: &str, lexical_only: bool) -> Reading {
    Reading {
        text: text.to_string(),
        understood: understand_text(state, text, lexical_only),
    }
}

/// How a text is understood, once what Discord adds around it is stripped (mentions, links,
/// "lol"): its plan, and its vector unless `lexical_only`.
pub fn understand_text(state: &State, text: &str, lexical_only: bool) -> Understood {
    let text = &strip_chatter(text);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_is_in_the_language_of_most_of_its_words() {
        let cases = [
            ("ChatGPT最初叫什么？", Some("zh")),
            ("Nick预测consumer端会出现async workflow", Some("zh")),
            ("What is the Fail Whale?", Some("en")),
            ("why did they drop chat with gpt-3.5", Some("en")),
            ("what did Mark say about 谄媚", Some("en")),
            ("為什麼後來不叫Chat with GPT-3.5了？", Some("zh")),
            ("Codex", None),
            ("Fail Whale", None),
            ("？？", None),
        ];
        for (question, language) in cases {
            assert_eq!(language_of(question), language, "{question}");
        }
    }
}
