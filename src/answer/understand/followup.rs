//! Follow-up questions read in their context: a question asked after earlier ones ("那Nick呢",
//! "后来呢", "why?") has terms carried over from the earlier question when it is elliptical, the
//! speaker switched when it names another person, and the passage shown before as its anchor.

use crate::answer::Answer;
use crate::corpus::Speaker;
use crate::text::{find_name, is_cjk, normalize};

/// Most earlier turns a context keeps (the oldest are dropped first).
pub const MAX_TURNS: usize = 3;
/// Words that only say "tell me more / what next": nothing to search for.
const NEXT_CUES: &[&str] = &[
    "后来呢",
    "然后呢",
    "接着呢",
    "结果呢",
    "结果如何",
    "结果怎么样",
    "还有呢",
    "之后呢",
    "接下来呢",
    "再后来",
    "后来",
    "然后",
    "接下来",
    "之后",
    "展开说说",
    "展开讲讲",
    "展开",
    "详细说说",
    "详细讲讲",
    "具体说说",
    "多说点",
    "继续",
    "what happened next",
    "what happened then",
    "and then",
    "what next",
    "go on",
    "tell me more",
    "more",
    "continue",
    "next",
];

/// Words that refer back to the earlier question's subject.
const BACK_REFERENCES: &[&str] = &[
    "他们",
    "她们",
    "他",
    "她",
    "它",
    "这个",
    "那个",
    "这件事",
    "这事",
    "此事",
    "this",
    "that",
    "it",
    "he",
    "she",
    "they",
    "him",
    "her",
    "them",
];

/// Framing words of a follow-up that carry no topic.
const FILLERS: &[&str] = &[
    "怎么看",
    "怎么说",
    "怎么想",
    "怎么讲",
    "的看法",
    "的观点",
    "看法",
    "观点",
    "说了什么",
    "说什么",
    "又",
    "呢",
    "吗",
    "啊",
    "呀",
    "吧",
    "嘛",
    "那么",
    "那",
    "说说",
    "讲讲",
    "what about",
    "how about",
    "and",
    "what",
    "about",
    "think",
    "say",
    "said",
    "does",
    "did",
    "do",
];

/// Openings that frame a question as following on from the last one.
const FRAMES: &[&str] = &["那", "what about", "how about", "and "];

/// A bare "why", asking for the reason behind the last answer.
const WHY_WORDS: &[&str] = &[
    "为什么",
    "为啥",
    "怎么会",
    "怎么回事",
    "原因",
    "why",
    "how come",
];

/// Words asking what came before the last answer.
const BEFORE_WORDS: &[&str] = &[
    "之前呢",
    "在那之前",
    "此前",
    "之前",
    "以前",
    "起初",
    "一开始",
    "before that",
    "before",
    "earlier",
    "at first",
];

/// Words asking for an example or the details of the last answer.
const EXAMPLE_WORDS: &[&str] = &[
    "举个例子",
    "举例",
    "例子",
    "比如",
    "例如",
    "具体",
    "细节",
    "for example",
    "for instance",
    "example",
    "such as",
    "specifically",
    "details",
];

/// Whether a question asks what came before ("之前呢", "before that"), anywhere in it.
pub fn asks_before(question: &str) -> bool {
    let normalized = normalize(question);
    BEFORE_WORDS.iter().any(|w| normalized.contains(w))
}

/// Whether a question asks for an example or details ("比如呢", "for example"), anywhere in it.
pub fn asks_example(question: &str) -> bool {
    let normalized = normalize(question);
    EXAMPLE_WORDS.iter().any(|w| normalized.contains(w))
}

/// Whether a question asks for a reason ("为啥", "why"), anywhere in it.
pub fn asks_why(question: &str) -> bool {
    let normalized = normalize(question);
    WHY_WORDS.iter().any(|w| normalized.contains(w))
}

/// Below this many CJK characters (or two Latin words) of its own, a question is elliptical.
const ELLIPTICAL_CJK_CHARS: usize = 4;

/// A passage shown with an earlier answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownPassage {
    /// Transcript id.
    pub transcript: String,
    /// First line.
    pub line_start: usize,
    /// Last line (inclusive).
    pub line_end: usize,
}

/// One earlier question and the passage shown for it (none when it was not answered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextTurn {
    /// The question as it was understood (already completed when it was itself a follow-up).
    pub question: String,
    /// The passage shown.
    pub shown: Option<ShownPassage>,
}

/// Earlier turns of a conversation, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AskContext {
    /// The turns, at most [`MAX_TURNS`].
    pub turns: Vec<ContextTurn>,
}

impl AskContext {
    /// Adds a turn, dropping the oldest beyond [`MAX_TURNS`].
    pub fn push(&mut self, turn: ContextTurn) {
        self.turns.push(turn);
        if self.turns.len() > MAX_TURNS {
            let extra = self.turns.len() - MAX_TURNS;
            self.turns.drain(..extra);
        }
    }

    /// The context after answering `answer`: its question and top passage appended.
    pub fn after(&self, answer: &Answer) -> AskContext {
        let mut next = self.clone();
        next.push(ContextTurn {
            question: answer.question.clone(),
            shown: answer.results.first().map(|p| ShownPassage {
                transcript: p.transcript.clone(),
                line_start: p.line_start,
                line_end: p.line_end,
            }),
        });
        next
    }
}

/// How a question is understood in its context.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp {
    /// The question to search for (the question itself when it stands alone).
    pub question: String,
    /// Whether it leaned on the earlier question.
    pub elliptical: bool,
    /// Whether it asks what comes next ("后来呢", "展开", "what happened next").
    pub wants_next: bool,
    /// The speaker it switches to, when it names one the earlier question did not.
    pub speaker: Option<String>,
    /// The passage shown before, that "next" and "near" are measured from.
    pub anchor: Option<ShownPassage>,
    /// Whether it names something of its own to look for (beyond cues, names and pointers back).
    pub own_content: bool,
    /// For a question that stands alone: the question completed from the earlier one anyway, to
    /// try when it cannot be answered alone.
    pub completed: Option<String>,
}

/// Understands `question` after `context`. `speakers` are the corpus's speakers, whose names and
/// aliases are recognised. A question that stands alone comes back unchanged.
pub fn understand(question: &str, context: &AskContext, speakers: &[Speaker]) -> FollowUp {
    let question = question.trim();
    let alone = FollowUp {
        question: question.to_string(),
        elliptical: false,
        wants_next: false,
        speaker: None,
        anchor: None,
        own_content: true,
        completed: None,
    };
    let Some(last) = context.turns.last() else {
        return alone;
    };
    let normalized = normalize(question);
    let named = speakers_named(&normalized, speakers);
    let (rest, cues) = remove_words(&normalized, NEXT_CUES);
    let wants_next = cues > 0;
    let without_speakers = remove_aliases(&rest, speakers);
    let (without_refs, refs) = remove_words(&without_speakers, BACK_REFERENCES);
    let (content, _) = remove_words(&without_refs, FILLERS);
    // a short question leans on the earlier one only when something says so: a cue, a word
    // pointing back, a frame such as "那…呢" or "what about", a bare "why", or a speaker's name
    let framed = FRAMES
        .iter()
        .any(|f| normalized.trim_start().starts_with(f))
        || normalized.contains('呢');
    let bare_why = WHY_WORDS.contains(&strip_punctuation(&content).as_str());
    let elliptical = wants_next
        || (refs > 0 && short(&content, 2 * ELLIPTICAL_CJK_CHARS))
        || ((framed || bare_why || !named.is_empty()) && short(&content, ELLIPTICAL_CJK_CHARS));
    let earlier_named = speakers_named(&normalize(&last.question), speakers);
    let speaker = named
        .iter()
        .find(|n| !earlier_named.contains(n))
        .cloned()
        .or_else(|| named.first().cloned());
    let switching = speaker.as_ref().is_some_and(|s| !earlier_named.contains(s));
    let carried = if switching {
        remove_aliases(&normalize(&last.question), speakers)
    } else {
        normalize(&last.question)
    };
    let mut parts: Vec<String> = Vec::new();
    if let Some(name) = &speaker {
        parts.push(name.clone());
    }
    let kept = strip_punctuation(&content);
    if !kept.is_empty() {
        parts.push(kept);
    }
    let carried = strip_punctuation(&carried);
    if !carried.is_empty() {
        parts.push(carried);
    }
    let completed = parts.join(" ");
    if !elliptical {
        return FollowUp {
            anchor: last.shown.clone(),
            completed: Some(completed),
            ..alone
        };
    }
    FollowUp {
        question: completed,
        elliptical: true,
        wants_next,
        speaker,
        anchor: last.shown.clone(),
        own_content: !short(&content, 2),
        completed: None,
    }
}

/// Canonical names of the speakers `normalized` names, in order of first mention.
fn speakers_named(normalized: &str, speakers: &[Speaker]) -> Vec<String> {
    let mut found: Vec<(usize, String)> = Vec::new();
    for speaker in speakers.iter().filter(|s| !s.is_narrator()) {
        let at = aliases_of(speaker)
            .filter_map(|alias| find_name(normalized, &alias))
            .min();
        if let Some(at) = at {
            if !found.iter().any(|(_, n)| *n == speaker.name) {
                found.push((at, speaker.name.clone()));
            }
        }
    }
    found.sort();
    found.into_iter().map(|(_, name)| name).collect()
}

fn aliases_of(speaker: &Speaker) -> impl Iterator<Item = String> + '_ {
    speaker
        .aliases
        .iter()
        .chain(std::iter::once(&speaker.name))
        .map(|a| normalize(a))
        .filter(|a| !a.is_empty())
}

/// `text` without any alias of any speaker (longest first).
fn remove_aliases(text: &str, speakers: &[Speaker]) -> String {
    let mut aliases: Vec<String> = speakers.iter().flat_map(aliases_of).collect();
    aliases.sort_by_key(|a| std::cmp::Reverse(a.chars().count()));
    remove_words(
        text,
        &aliases.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .0
}

/// `text` with every occurrence of `words` (longest first; Latin words only whole) replaced by a
/// space, and how many were removed.
fn remove_words<S: AsRef<str>>(text: &str, words: &[S]) -> (String, usize) {
    let mut sorted: Vec<&str> = words.iter().map(AsRef::as_ref).collect();
    sorted.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    let mut out = text.to_string();
    let mut removed = 0;
    for word in sorted {
        while let Some(at) = find_name(&out, word) {
            out.replace_range(at..at + word.len(), " ");
            removed += 1;
        }
    }
    (out, removed)
}

fn short(content: &str, cjk_limit: usize) -> bool {
    let cjk = content.chars().filter(|&c| is_cjk(c)).count();
    let latin_words = content
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && !crate::lexicon::is_english_stopword(w))
        .count();
    cjk < cjk_limit && latin_words < 2
}

fn strip_punctuation(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '.' || c == '-' || c == '+' {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The interview's speakers as the tests know them (the narrator included).
    pub(crate) fn speakers() -> Vec<Speaker> {
        let speaker = |name: &str, aliases: &[&str], role: &str| Speaker {
            name: name.into(),
            role: role.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            ..Speaker::default()
        };
        vec![
            speaker("Mark Chen", &["马克·陈", "Mark Chen", "Mark"], "首席研究官"),
            speaker(
                "Nick Turley",
                &["尼克·特利", "Nick Turley", "Nick"],
                "负责人",
            ),
            speaker("大飞", &["大飞"], "解说"),
        ]
    }

    fn context(question: &str, start: usize, end: usize) -> AskContext {
        AskContext {
            turns: vec![ContextTurn {
                question: question.into(),
                shown: Some(ShownPassage {
                    transcript: "t".into(),
                    line_start: start,
                    line_end: end,
                }),
            }],
        }
    }

    #[test]
    fn a_question_without_context_is_unchanged() {
        let follow = understand("那Nick呢", &AskContext::default(), &speakers());
        assert_eq!(follow.question, "那Nick呢");
        assert!(!follow.elliptical);
    }

    #[test]
    fn a_question_that_stands_alone_is_unchanged() {
        let ctx = context("Mark怎么看待谄媚问题", 300, 305);
        for question in [
            "ChatGPT最初叫什么名字？",
            "GPT这三个字母的全称到底是什么",
            "What did they say about the image generation launch?",
        ] {
            let follow = understand(question, &ctx, &speakers());
            assert_eq!(follow.question, question, "{question}");
            assert!(!follow.elliptical, "{question}");
        }
    }

    #[test]
    fn naming_another_speaker_switches_and_carries_the_topic() {
        let ctx = context("Mark怎么看待谄媚问题", 300, 305);
        let follow = understand("那Nick呢？", &ctx, &speakers());
        assert!(follow.elliptical);
        assert_eq!(follow.speaker.as_deref(), Some("Nick Turley"));
        assert!(follow.question.contains("谄媚"), "{}", follow.question);
        assert!(!follow.question.contains("mark"), "{}", follow.question);
    }

    #[test]
    fn traditional_and_full_width_follow_ups_are_understood() {
        let ctx = context("Mark怎么看待谄媚问题", 300, 305);
        let follow = understand("那Ｎｉｃｋ呢？", &ctx, &speakers());
        assert_eq!(follow.speaker.as_deref(), Some("Nick Turley"));
        let follow = understand("後來呢", &ctx, &speakers());
        assert!(follow.wants_next, "後來呢");
    }

    #[test]
    fn a_pronoun_keeps_the_earlier_speaker() {
        let ctx = context("Nick怎么评价ChatGPT的名字", 15, 19);
        let follow = understand("他后来怎么说？", &ctx, &speakers());
        assert!(follow.elliptical);
        assert!(follow.wants_next);
        assert!(follow.question.contains("nick"), "{}", follow.question);
        assert!(follow.question.contains("名字"), "{}", follow.question);
        assert_eq!(follow.speaker, None);
    }

    #[test]
    fn what_comes_next_is_recognised_in_both_languages() {
        let ctx = context("ChatGPT最初叫什么", 15, 19);
        for question in [
            "后来呢",
            "然后呢？",
            "展开说说",
            "What happened next?",
            "tell me more",
        ] {
            let follow = understand(question, &ctx, &speakers());
            assert!(follow.wants_next, "{question}");
            assert_eq!(follow.anchor.as_ref().map(|a| a.line_end), Some(19));
            assert!(
                follow.question.contains("chatgpt"),
                "{question}: {}",
                follow.question
            );
        }
    }

    #[test]
    fn a_follow_up_asking_what_came_before_or_for_an_example_is_told() {
        for question in [
            "那在那之前呢",
            "一开始是怎么回事",
            "what happened before that",
        ] {
            assert!(asks_before(question), "{question}");
        }
        for question in ["比如呢", "能舉個例子嗎", "any examples?", "such as?"] {
            assert!(asks_example(question), "{question}");
        }
        for question in ["后来呢", "为啥", "what about Mark"] {
            assert!(
                !asks_before(question) && !asks_example(question),
                "{question}"
            );
        }
    }

    #[test]
    fn a_bare_why_carries_the_earlier_question() {
        let ctx = context("ChatGPT最初叫什么", 15, 19);
        let follow = understand("why?", &ctx, &speakers());
        assert!(follow.elliptical);
        assert!(!follow.wants_next);
        assert!(follow.question.starts_with("why"), "{}", follow.question);
        assert!(
            follow.question.contains("最初叫什么"),
            "{}",
            follow.question
        );
        let follow = understand("为什么？", &ctx, &speakers());
        assert!(follow.question.contains("为什么"), "{}", follow.question);
    }

    #[test]
    fn a_short_question_without_a_cue_stands_alone() {
        let ctx = context("ChatGPT最初叫什么", 15, 19);
        for question in ["Codex", "title:\"a OR", "*", "GPT-4o"] {
            let follow = understand(question, &ctx, &speakers());
            assert!(!follow.elliptical, "{question}");
            assert_eq!(follow.question, question);
        }
    }

    #[test]
    fn the_narrator_is_not_a_speaker_to_switch_to() {
        let ctx = context("Mark怎么看待谄媚问题", 300, 305);
        let follow = understand("大飞呢", &ctx, &speakers());
        assert_eq!(follow.speaker, None);
    }

    #[test]
    fn latin_aliases_match_whole_words_only() {
        assert_eq!(
            speakers_named("benchmark 是什么", &speakers()),
            Vec::<String>::new()
        );
        assert_eq!(
            speakers_named("mark 和 nick", &speakers()),
            ["Mark Chen", "Nick Turley"]
        );
    }

    #[test]
    fn context_keeps_the_last_turns_only() {
        let mut ctx = AskContext::default();
        for i in 0..5 {
            ctx.push(ContextTurn {
                question: format!("q{i}"),
                shown: None,
            });
        }
        assert_eq!(ctx.turns.len(), MAX_TURNS);
        assert_eq!(ctx.turns[0].question, "q2");
    }
}
