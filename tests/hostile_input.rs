//! Hostile input, fuzzed: 10,000 random strings (arbitrary Unicode, control, zero-width and bidi
//! characters, query syntax, mentions, markdown, 0–10,000 characters) through what a question
//! meets in the bot: cleaning, normalisation, query, answer and rendering (`/ask`, the raw engine
//! path, `/search`, `/topic`, @mentions, buttons). No panic; every reply fits Discord's limits,
//! is never empty, pings nobody and shows no bidi control.

mod common;

use std::sync::OnceLock;

use poise::serenity_prelude as serenity;
use proptest::prelude::*;
use serde_json::Value;

use interview_bot::bot::render::{self, Question};
use interview_bot::bot::replies::ReplyStore;
use interview_bot::bot::views::{self, View};
use interview_bot::config::AnswerConfig;
use interview_bot::{AskOptions, Engine, EngineOptions};

use common::checks::{assert_safe, rendered_texts};

/// Cases run in all (at least 10,000 unless PROPTEST_CASES asks for more), half by each of the two
/// properties below so that they run on two test threads at once.
const CASES: u32 = 10_000;
/// Longest string generated, in characters.
const MAX_CHARS: usize = 10_000;
/// The bot's user id in @mentions.
const BOT_ID: u64 = 900_000_000_000_000_002;

/// One engine for the whole run, its index in memory.
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Engine::open(&EngineOptions {
            data_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/data").into(),
            index_dir: Some(
                std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("lexical-index"),
            ),
            force_rebuild: false,
            answer: AnswerConfig::default(),
            // by words alone: 10,000 embeddings would dominate the suite; hostile text through the
            // encoder is tested in tests/answering.rs (`bad_input_is_answered_without_panic`)
            semantic: interview_bot::config::SemanticConfig {
                enabled: false,
                ..Default::default()
            },
            progress: interview_bot::Progress::default(),
        })
        .expect("the engine opens on the project's data")
    })
}

fn replies() -> &'static ReplyStore {
    static REPLIES: OnceLock<ReplyStore> = OnceLock::new();
    REPLIES.get_or_init(|| ReplyStore::new(std::time::Duration::from_secs(900), 1_000))
}

/// Fragments that have hurt chat bots and search engines.
const HOSTILE: &[&str] = &[
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@!42>",
    "<@&987>",
    "<#1>",
    "</ask:1>",
    "@\u{200B}everyone",
    "ev\u{200B}eryone",
    "```",
    "`",
    "[x](https://evil.example)",
    "https://evil.example/a_b",
    "# big",
    "> quote",
    "- item",
    "||spoiler||",
    "**",
    "__",
    "~~",
    "\\",
    "title:\"a OR",
    "nofield:x AND (y OR",
    "*",
    "a~100000",
    "+-&&||!(){}[]^\"~*?:\\/",
    "NOT",
    "\u{202E}",
    "\u{202A}",
    "\u{2066}",
    "\u{2069}",
    "\u{200B}",
    "\u{200D}",
    "\u{FEFF}",
    "\u{00A0}",
    "\u{3000}",
    "\u{0000}",
    "\u{001B}[31m",
    "\r\n",
    "\n",
    "\t",
    "👨‍👩‍👧‍👦",
    "🏳️‍🌈",
    "e\u{0301}\u{0301}\u{0301}",
    "\u{FFFD}",
    "\u{10FFFF}",
    "\u{E000}",
];

/// Words the interview contains, so random questions also reach real passages.
const WORDS: &[&str] = &[
    "ChatGPT",
    "ＣｈａｔＧＰＴ",
    "最初",
    "叫什么",
    "什麼",
    "名字",
    "记忆",
    "Codex",
    "Mark Chen",
    "Nick",
    "图像",
    "多少",
    "几个",
    "谁",
    "？",
    "。",
    "第 12 行",
    "的",
    " ",
];

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<char>().prop_map(String::from),
        2 => prop::sample::select(HOSTILE).prop_map(str::to_string),
        3 => prop::sample::select(WORDS).prop_map(str::to_string),
        1 => prop::char::range('\u{4E00}', '\u{9FFF}').prop_map(String::from),
    ]
}

/// Units repeated up to the cap.
const REPEATED: &[&str] = &["问", "a", "@", " ", "\u{202E}", "<@1>", "😀"];

/// Mostly short strings, some long, a few right at the cap. Long ones repeat a random run of
/// pieces, which keeps generating them cheap.
fn hostile_string() -> impl Strategy<Value = String> {
    let short = prop::collection::vec(piece(), 0..30).prop_map(|pieces| pieces.concat());
    let medium = prop::collection::vec(piece(), 30..200).prop_map(|pieces| pieces.concat());
    let long = (prop::collection::vec(piece(), 1..40), 2..2_000usize)
        .prop_map(|(pieces, times)| pieces.concat().repeat(times));
    let repeated =
        (0..=MAX_CHARS, prop::sample::select(REPEATED)).prop_map(|(n, unit)| unit.repeat(n));
    prop_oneof![12 => short, 4 => medium, 1 => long, 1 => repeated]
        .prop_map(|s| s.chars().take(MAX_CHARS).collect())
}

/// The message bodies Discord would get for a view: as a slash reply and as a button update.
fn bodies(view: &View) -> Vec<Value> {
    let reply = view
        .to_reply(false)
        .to_slash_initial_response(serenity::CreateInteractionResponseMessage::new());
    let update = view.to_update();
    vec![
        serde_json::to_value(reply).expect("reply serialises"),
        serde_json::to_value(update).expect("update serialises"),
    ]
}

fn check(view: &View, what: &str, input: &str) {
    let shown: String = input.chars().take(60).collect();
    for body in bodies(view) {
        assert_safe(&body, &format!("{what} for {shown:?}"));
        for text in rendered_texts(&body) {
            assert!(
                !text.contains("出错了") && !text.contains("search index"),
                "{what} for {shown:?}: error text {text:?}"
            );
        }
    }
}

/// One case: `input` through `/ask`, then through the entry point `entry` picks.
fn reply_is_safe(input: &str, entry: u8) -> Result<(), TestCaseError> {
    let engine = engine();
    let replies = replies();

    // `/ask` as the bot runs it: cleaned, capped, answered, rendered
    check(&views::ask_view(engine, replies, input), "/ask", input);

    // one more entry point per case (`/search` is the slowest, so the rarest)
    match entry {
        // the engine on the raw text (no cleaning, any length), rendered as the bot would
        0..=3 => {
            let answer = engine.answer(input, &AskOptions::default());
            let view = if answer.answered && !answer.results.is_empty() {
                let view = views::answer_page(engine, 1, &answer.results, 0);
                check(
                    &views::answer_context(engine, 1, &answer.results, 0),
                    "context",
                    input,
                );
                view
            } else {
                View::text(render::no_answer_text(
                    input,
                    &answer.never_mentioned,
                    &answer.suggestions,
                    &answer.lang,
                ))
            };
            check(&view, "raw answer", input);
        }
        4..=7 => check(&views::topic_view(engine, replies, input), "/topic", input),
        8 => check(
            &views::search_view(engine, replies, input),
            "/search",
            input,
        ),
        // an @mention: the bot's own mention goes, every other stays inert
        _ => {
            let message = format!("<@{BOT_ID}> {input} <@!{BOT_ID}>");
            let question = render::strip_bot_mention(&message, BOT_ID);
            prop_assert!(
                !question.contains(&BOT_ID.to_string()) || input.contains(&BOT_ID.to_string())
            );
            if let Question::Text(text) = render::clean_question(&question) {
                prop_assert!(text.chars().count() <= render::MAX_QUESTION_CHARS);
                prop_assert!(!text.chars().any(render::is_hidden_control));
                // the question's own words as names it never mentions: every one stays inert
                let names: Vec<String> = text.split_whitespace().map(str::to_string).collect();
                let echo = render::no_answer_text(&text, &names, &[], "zh");
                check(&View::text(echo), "@mention echo", input);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: CASES.max(ProptestConfig::default().cases) / 2,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_text_gets_a_safe_reply(input in hostile_string(), entry in 0..16u8) {
        reply_is_safe(&input, entry)?;
    }

    #[test]
    fn more_text_gets_a_safe_reply(input in hostile_string(), entry in 0..16u8) {
        reply_is_safe(&input, entry)?;
    }
}
