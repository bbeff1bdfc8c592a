//! Presenting: the decision turned into the answer a member sees — each passage with its line
//! range, text, speaker and topic label, and the same in every language its transcript is
//! rendered in — or, when the interview does not answer, the topics nearest to the question; and
//! the language to show it in.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use super::decide::{Decision, Pick};
use super::state::State;
use super::understand::{Question, Understood};
use crate::lexicon::english_words;
use crate::text::normalize;
use crate::{script, topics};

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
    /// Names in the question that no view of any transcript mentions in any form, as typed —
    /// said plainly when the interview does not answer.
    pub never_mentioned: Vec<String>,
    /// The language chosen to show it in (a language code).
    pub lang: String,
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
    /// A one-sentence summary of the stretch of the interview it is in, from the transcript's
    /// notes (none without notes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The passage in each language its transcript is rendered in, by language code.
    pub translations: BTreeMap<String, Translation>,
}

/// A passage in another language: its lines from the transcript's rendering, its topic and
/// speaker as named in that language (as in the original where the metadata gives no name) — or
/// in another script: the original in Traditional characters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Translation {
    /// The rendered lines, joined with newlines.
    pub text: String,
    /// The topic label in that language.
    pub topic: String,
    /// The speaker's name in that language.
    pub speaker: Option<String>,
    /// The summary in that language, when the notes give one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// What says which language an answer is shown in, besides the question itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Language<'a> {
    /// Asked for explicitly (a language code): it wins.
    pub requested: Option<&'a str>,
    /// The asker's own, used when the question's language is unclear.
    pub fallback: Option<&'a str>,
}

/// The answer to `question` as decided, to be shown in the `requested` language, else in the
/// question's language, else in the asker's (`fallback`), else in the language of the transcript
/// answering it.
pub fn present(
    state: &State,
    question: &Question,
    decision: Decision,
    Language {
        requested,
        fallback,
    }: Language,
) -> Answer {
    let text = question.readings[decision.reading].text.clone();
    let original = decision
        .picks
        .first()
        .map_or(crate::corpus::DEFAULT_LANGUAGE, |p| {
            state.corpus.transcripts[p.transcript].language.as_str()
        });
    let lang = requested
        .or(question.language)
        .or(fallback)
        .unwrap_or(original)
        .to_string();
    if decision.answered {
        let understood = &question.readings[decision.reading].understood;
        let mut results: Vec<Passage> = decision.picks.iter().map(|p| passage(state, p)).collect();
        for (result, pick) in results.iter_mut().zip(&decision.picks) {
            if let Some(translation) = script_translation(state, pick.transcript, result, &lang) {
                result.translations.insert(lang.clone(), translation);
            }
            result.matched_terms = words_to_mark(understood, &text, result);
        }
        Answer {
            question: text,
            answered: true,
            results,
            suggestions: Vec::new(),
            never_mentioned: Vec::new(),
            lang,
        }
    } else {
        let understood = &question.readings[decision.reading].understood;
        Answer {
            never_mentioned: understood.never_mentioned.clone(),
            question: text,
            answered: false,
            results: Vec::new(),
            suggestions: suggestions(state, &decision.picks),
            lang,
        }
    }
}

/// The question's words to highlight in a passage shown: the words its narrowing matched, or —
/// for a passage found by meaning, its English rendering or its notes, which nothing narrowed —
/// the words of the question's concepts (two characters or more) found in its lines; and the
/// question's English words found, by stem, in any of its texts (the rendering shown to an
/// English asker included).
fn words_to_mark(understood: &Understood, question: &str, passage: &Passage) -> Vec<String> {
    let mut words = passage.matched_terms.clone();
    if words.is_empty() {
        let lines = normalize(&passage.text);
        let found = understood
            .plan
            .concepts
            .iter()
            .flat_map(|c| &c.variants)
            .map(|v| &v.text)
            .filter(|v| v.chars().count() >= 2 && lines.contains(v.as_str()));
        words.extend(found.cloned());
    }
    let held: HashSet<String> = std::iter::once(&passage.text)
        .chain(passage.translations.values().map(|t| &t.text))
        .flat_map(|text| english_words(text))
        .collect();
    words.extend(
        english_words(question)
            .into_iter()
            .filter(|w| held.contains(w)),
    );
    let mut seen = HashSet::new();
    words.retain(|w| seen.insert(w.clone()));
    words
}

/// The renderings of lines `start..=end` of transcript `t`, with `topic` and `speaker` (as named
/// in the original) in each rendering's language.
pub fn translations(
    state: &State,
    t: usize,
    (start, end): (usize, usize),
    topic: &str,
    speaker: Option<&str>,
) -> BTreeMap<String, Translation> {
    let transcript = &state.corpus.transcripts[t];
    transcript
        .renderings
        .iter()
        .map(|rendering| {
            let language = rendering.language.as_str();
            let topic = transcript
                .chapters
                .iter()
                .find(|c| c.title == topic)
                .and_then(|c| c.title_in.get(language))
                .map_or(topic, String::as_str);
            let speaker = speaker.map(|name| {
                transcript
                    .speakers
                    .iter()
                    .find(|s| s.name == name)
                    .and_then(|s| s.name_in.get(language))
                    .map_or(name, String::as_str)
                    .to_string()
            });
            let translation = Translation {
                text: rendering.text(start, end),
                topic: topic.to_string(),
                speaker,
                summary: summary(state, t, (start, end), language),
            };
            (language.to_string(), translation)
        })
        .collect()
}

/// A chosen passage as shown: its lines, topic label and speaker.
pub fn passage(state: &State, pick: &Pick) -> Passage {
    let transcript = &state.corpus.transcripts[pick.transcript];
    let topic = topics::topic_at(&state.outlines[pick.transcript], pick.anchor)
        .map_or_else(String::new, |t| t.title.clone());
    Passage {
        translations: translations(
            state,
            pick.transcript,
            (pick.start, pick.end),
            &topic,
            pick.speaker.as_deref(),
        ),
        transcript: transcript.id.clone(),
        line_start: pick.start,
        line_end: pick.end,
        text: transcript.text(pick.start, pick.end),
        summary: summary(
            state,
            pick.transcript,
            (pick.start, pick.end),
            &transcript.language,
        ),
        topic,
        speaker: pick.speaker.clone(),
        score: pick.score,
        matched_terms: pick.matched.clone(),
    }
}

/// `passage` of transcript `t` in Traditional characters, when `language` asks for them, the
/// transcript is in Simplified Chinese and no rendering of it gives them.
pub fn script_translation(
    state: &State,
    t: usize,
    passage: &Passage,
    language: &str,
) -> Option<Translation> {
    let transcript = &state.corpus.transcripts[t];
    let wanted = script::converts(&transcript.language, language)
        && !passage.translations.contains_key(language);
    wanted.then(|| Translation {
        text: script::to_traditional(&passage.text),
        topic: script::to_traditional(&passage.topic),
        speaker: passage.speaker.as_deref().map(script::to_traditional),
        summary: passage.summary.as_deref().map(script::to_traditional),
    })
}

/// The gist, in `language`, of the noted stretch that shares the most lines with `start..=end`
/// of transcript `t` (none without notes or without a gist in that language).
pub fn summary(
    state: &State,
    t: usize,
    (start, end): (usize, usize),
    language: &str,
) -> Option<String> {
    let transcript = &state.corpus.transcripts[t];
    let note = transcript.notes.as_ref()?.covering(start, end)?;
    note.gist_in(language, &transcript.language)
        .map(str::to_string)
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
