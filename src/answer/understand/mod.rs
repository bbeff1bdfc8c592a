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
use followup::{AskContext, FollowUp};
use query::{QueryBuilder, QueryPlan};

/// A question as the pipeline understands it: its plan, and its vector when the semantic signal
/// is on.
pub struct Understood {
    /// Concepts, cues, speakers.
    pub plan: QueryPlan,
    /// The question's unit vector.
    pub vector: Option<Vec<f32>>,
    /// Names it asks about that no transcript mentions in any form, as typed (see
    /// [`never_mentioned`]).
    pub never_mentioned: Vec<String>,
}

/// One way of reading a question: the text searched for and how it is understood.
pub struct Reading {
    /// The text (the question itself, or completed from its context).
    pub text: String,
    /// Its plan and vector.
    pub understood: Understood,
}

/// The language a question is written in, read from most of its words: `zh` when it has more
/// CJK characters than Latin words (`zh-Hant` when most of its distinctive characters are
/// Traditional ones), `en` when it has more Latin words and at least one of them is an English
/// function word ("what", "the"); `None` when that is unclear — a bare keyword or name
/// ("Codex"), as many of each, or no letters at all.
pub fn language_of(question: &str) -> Option<&'static str> {
    let cjk = question.chars().filter(|&c| is_cjk(c)).count();
    let words: Vec<String> = question
        .split(|c: char| !c.is_ascii_alphabetic() && c != '\'')
        .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
        .map(str::to_ascii_lowercase)
        .collect();
    if cjk > words.len() {
        Some(if crate::script::is_traditional(question) {
            crate::script::TRADITIONAL
        } else {
            "zh"
        })
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
        language: follow_up_language(question, context),
    }
}

/// A follow-up's language: its own, except that Chinese with no character telling its script
/// keeps the script of the conversation's last question ("那Nick呢？" after a question written in
/// Traditional characters is answered in them too).
fn follow_up_language(question: &str, context: &AskContext) -> Option<&'static str> {
    let own = language_of(&strip_chatter(question));
    let earlier = context
        .turns
        .last()
        .and_then(|turn| language_of(&strip_chatter(&turn.question)));
    match (own, earlier) {
        (Some("zh"), Some(crate::script::TRADITIONAL))
            if !crate::script::is_simplified(question) =>
        {
            Some(crate::script::TRADITIONAL)
        }
        _ => own,
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
    let never_mentioned = never_mentioned(state, &plan, text);
    Understood {
        plan,
        vector,
        never_mentioned,
    }
}

/// The names `question` asks about (a proper noun by its tag, a Latin word with a capital or a
/// digit) that no transcript mentions in any form, each as typed in the
/// question. A Chinese name is mentioned when the concept is present (as written, through a
/// synonym, CC-CEDICT — 谷歌 for Google — or a speaker's alias) or a rendering holds it; a Latin
/// name when a transcript or a rendering holds the word itself or the thesaurus links it to the
/// corpus (a CC-CEDICT translation of an English word — "perplexity" as 困惑 — is no mention of
/// a product of that name).
pub fn never_mentioned(state: &State, plan: &QueryPlan, question: &str) -> Vec<String> {
    plan.concepts
        .iter()
        .filter(|c| c.name && c.label.chars().count() >= 2)
        .filter(|c| !c.label.chars().all(|ch| ch.is_ascii_digit()))
        .filter(|c| {
            if c.label.is_ascii() {
                !latin_mentioned(state, &c.label)
            } else {
                !c.present && !in_any_rendering(state, &c.label)
            }
        })
        .map(|c| as_typed(question, &c.label))
        .fold(Vec::new(), |mut names, name| {
            if !names.contains(&name) {
                names.push(name);
            }
            names
        })
}

/// Whether a Latin word is mentioned: as a whole word in a transcript's lines or a rendering's,
/// or linked by the thesaurus to words of the corpus.
fn latin_mentioned(state: &State, label: &str) -> bool {
    let in_lines = state
        .normalized_lines
        .iter()
        .flatten()
        .any(|line| crate::text::find_name(line, label).is_some());
    in_lines
        || in_any_rendering(state, label)
        || state
            .synonyms
            .get(label)
            .is_some_and(|words| !words.is_empty())
}

/// Whether a rendering of any transcript holds `label` (a normalised concept): a Latin word as a
/// whole word, ignoring case; other text as written (renderings are not normalised per question:
/// this runs on the question's path).
fn in_any_rendering(state: &State, label: &str) -> bool {
    let latin = label.is_ascii();
    state
        .corpus
        .transcripts
        .iter()
        .flat_map(|t| &t.renderings)
        .flat_map(|r| &r.lines)
        .any(|line| {
            if latin {
                crate::text::find_name(&line.to_lowercase(), label).is_some()
            } else {
                line.contains(label)
            }
        })
}

/// `label` (normalised: lower case, Simplified) as the question writes it, when it is found
/// there ignoring case; else as it is.
fn as_typed(question: &str, label: &str) -> String {
    let typed = label.is_ascii().then(|| {
        question
            .char_indices()
            .filter_map(|(at, _)| question.get(at..at + label.len()))
            .find(|candidate| candidate.eq_ignore_ascii_case(label))
    });
    typed.flatten().unwrap_or(label).to_string()
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
            ("為什麼後來不叫Chat with GPT-3.5了？", Some("zh-Hant")),
            ("为什么后来不叫Chat with GPT-3.5了？", Some("zh")),
            ("Codex", None),
            ("Fail Whale", None),
            ("？？", None),
        ];
        for (question, language) in cases {
            assert_eq!(language_of(question), language, "{question}");
        }
    }
}
