//! The answering engine on the real transcript: asserted line ranges, topics and speakers for
//! questions as users type them, honest abstention, and bad input answered without panic.

use std::path::PathBuf;
use std::sync::OnceLock;

use interview_bot::config::AnswerConfig;
use interview_bot::{Answer, AskOptions, Engine, EngineOptions};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let options = EngineOptions {
            data_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data"),
            index_dir: None,
            force_rebuild: false,
            answer: AnswerConfig::default(),
        };
        Engine::open(&options).expect("engine opens on the shipped data")
    })
}

fn ask(question: &str) -> Answer {
    engine().answer(question, &AskOptions::default())
}

fn overlaps(answer: &Answer, start: usize, end: usize) -> bool {
    answer
        .results
        .first()
        .is_some_and(|r| r.line_start <= end && start <= r.line_end)
}

#[test]
fn answers_with_line_range_topic_and_speaker() {
    // (question, gold start, gold end, a word the topic label holds)
    let cases = [
        ("ChatGPT最初叫什么？", 15, 19, "名字"),
        ("為什麼後來不叫Chat with GPT-3.5了？", 15, 19, "名字"),
        ("What is the Fail Whale?", 147, 164, "Fail Whale"),
        ("谄媚那事最先是谁发现的", 344, 351, "谄媚"),
        ("GPT的全称是什么", 80, 86, "GPT"),
        ("Ilya发布前一晚出了几道题", 196, 203, "Ilya"),
        ("临时聊天功能是干什么用的", 528, 537, "临时聊天"),
        ("Codex在OpenAI内部怎么用", 836, 849, "Codex"),
    ];
    for (question, start, end, topic) in cases {
        let answer = ask(question);
        assert!(answer.answered, "{question}: not answered");
        let top = &answer.results[0];
        assert!(
            overlaps(&answer, start, end),
            "{question}: got {}-{}, want overlap with {start}-{end}",
            top.line_start,
            top.line_end
        );
        assert!(top.topic.contains(topic), "{question}: topic {}", top.topic);
        assert!(top.line_end - top.line_start < 12, "{question}: too long");
        assert_eq!(top.transcript, "openai-podcast-ep2", "{question}");
    }
}

#[test]
fn speaker_is_who_reports_the_view() {
    let cases = [
        ("ChatGPT最开始的名字是什么", "Nick Turley"),
        ("谄媚问题最早是谁指出来的", "Mark Chen"),
        ("Fail Whale错误页面上有什么", "Nick Turley"),
        ("大飞今天要分享什么", "大飞"),
    ];
    for (question, speaker) in cases {
        let answer = ask(question);
        assert_eq!(
            answer.results[0].speaker.as_deref(),
            Some(speaker),
            "{question}"
        );
    }
}

#[test]
fn full_width_and_traditional_match_simplified() {
    let plain = ask("ChatGPT 最初叫什么");
    let folded = ask("ＣｈａｔＧＰＴ 最初叫什麼");
    assert_eq!(plain.answered, folded.answered);
    let range = |a: &Answer| {
        a.results
            .iter()
            .map(|r| (r.line_start, r.line_end))
            .collect::<Vec<_>>()
    };
    assert_eq!(range(&plain), range(&folded));
}

#[test]
fn questions_the_interview_does_not_cover_are_not_answered() {
    for question in [
        "ChatGPT Plus每个月订阅要多少钱？",
        "Mark Chen是哪所大学毕业的？",
        "OpenAI的GPU是从英伟达买的还是租微软Azure的？",
        "GPT-5预计什么时候发布？",
        "今天天气怎么样",
    ] {
        let answer = ask(question);
        assert!(
            !answer.answered && answer.results.is_empty(),
            "{question}: answered {:?}",
            answer.results.first().map(|r| (r.line_start, r.line_end))
        );
    }
    let answer = ask("Codex的API怎么收费？");
    assert!(!answer.answered);
    assert!(
        answer.suggestions.iter().any(|s| s.contains("Codex")),
        "suggestions point at the nearest topic: {:?}",
        answer.suggestions
    );
}

#[test]
fn results_are_best_first_and_never_overlap() {
    let answer = engine().answer(
        "ImageGen",
        &AskOptions {
            top_n: Some(10),
            ..Default::default()
        },
    );
    assert!(answer.results.len() >= 3);
    for pair in answer.results.windows(2) {
        assert!(pair[0].score >= pair[1].score);
    }
    for (i, a) in answer.results.iter().enumerate() {
        for b in &answer.results[i + 1..] {
            assert!(
                a.line_end < b.line_start || b.line_end < a.line_start,
                "{a:?} / {b:?}"
            );
        }
    }
}

#[test]
fn bad_input_is_answered_without_panic() {
    let long: String = "谄媚".repeat(5_000);
    let inputs = [
        "",
        "   ",
        "？？？！！",
        "😀😀😀",
        "\u{200B}",
        "\u{202E}ChatGPT",
        "title:\"a OR",
        "nofield:x AND (y OR",
        "*",
        "a~100000",
        "@everyone @here <@&123> <@456>",
        "日本語の質問です",
        "ما هو ChatGPT",
        long.as_str(),
    ];
    for input in inputs {
        let answer = ask(input);
        assert_eq!(answer.question, input);
        for r in &answer.results {
            assert!(r.line_start >= 1 && r.line_end >= r.line_start, "{input:?}");
        }
    }
    for empty in ["", "   ", "？？？！！", "\u{200B}"] {
        assert!(!ask(empty).answered, "{empty:?}");
    }
}

#[test]
fn outline_covers_the_transcript() {
    let outlines = engine().outlines(None).unwrap();
    let outline = &outlines[0];
    assert!((15..=25).contains(&outline.topics.len()));
    assert_eq!(outline.topics[0].start, 1);
    assert_eq!(outline.topics.last().unwrap().end, 1094);
    for pair in outline.topics.windows(2) {
        assert_eq!(pair[0].end + 1, pair[1].start);
    }
    let auto = engine().auto_outlines(None).unwrap();
    let curated: Vec<usize> = outline.topics.iter().map(|t| t.start).collect();
    let near = auto[0]
        .topics
        .iter()
        .skip(1)
        .filter(|t| curated.iter().any(|&c| c.abs_diff(t.start) <= 8))
        .count();
    assert!(
        near * 2 >= auto[0].topics.len() - 1,
        "automatic boundaries fall near curated ones: {near} of {}",
        auto[0].topics.len() - 1
    );
}
