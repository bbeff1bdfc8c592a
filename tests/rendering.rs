//! The English rendering of the shipped interview: it fits the transcript line for line, names
//! what its lines name, gives every chapter an English title; `index` lists a rendering, or
//! reports one that does not fit while the transcript still answers; `show` and `ask` show
//! passages in the asker's language and script, and JSON carries every rendering.

#[path = "common/data.rs"]
mod data;

use std::path::Path;
use std::process::Command;

use interview_bot::corpus::Corpus;

fn shipped() -> Corpus {
    Corpus::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/transcripts"))
        .expect("the shipped transcripts load")
}

#[test]
fn the_english_rendering_fits_the_interview_line_for_line() {
    let corpus = shipped();
    assert!(corpus.problems.is_empty(), "{:?}", corpus.problems);
    let transcript = &corpus.transcripts[0];
    let english = transcript.rendering("en").expect("an English rendering");
    assert_eq!(english.lines.len(), transcript.line_count());
    assert!(english.lines.iter().all(|l| !l.trim().is_empty()));
}

#[test]
fn anchor_lines_say_what_the_interview_says_there() {
    let corpus = shipped();
    let english = corpus.transcripts[0].rendering("en").expect("rendered");
    assert!(
        english.lines[15].contains("Chat with GPT-3.5"),
        "{}",
        english.lines[15]
    );
    assert!(
        english.lines[0].contains("Best Partners"),
        "{}",
        english.lines[0]
    );
}

#[test]
fn every_line_naming_a_thing_names_it_in_english_too() {
    let corpus = shipped();
    let transcript = &corpus.transcripts[0];
    let english = transcript.rendering("en").expect("rendered");
    let names = [
        "ChatGPT",
        "GPT-3.5",
        "GPT-4",
        "Fail Whale",
        "ImageGen",
        "Codex",
        "RLHF",
        "Grok",
        "Sora",
        "Mark Chen",
        "Nick Turley",
        "Andrew Mayne",
        "OpenAI",
    ];
    for (n, (line, rendered)) in transcript.lines.iter().zip(&english.lines).enumerate() {
        for name in names.iter().filter(|name| line.contains(*name)) {
            assert!(
                rendered.contains(name),
                "line {}: {line} / {rendered} lacks {name}",
                n + 1
            );
        }
    }
}

#[test]
fn every_chapter_has_an_english_title() {
    let corpus = shipped();
    let transcript = &corpus.transcripts[0];
    assert!(transcript.title_in.contains_key("en"));
    for chapter in &transcript.chapters {
        let title = chapter.title_in.get("en");
        assert!(title.is_some_and(|t| t.is_ascii()), "{}", chapter.title);
    }
}

/// A data directory holding one transcript of four lines and `rendering` as its English one.
fn data_with_rendering(rendering: &str) -> tempfile::TempDir {
    let (dir, transcripts) = data::with_dictionaries();
    std::fs::write(
        transcripts.join("talk.txt"),
        "大飞说模型发布了\n谄媚问题很严重\n团队修复了奖励模型\n记忆功能上线\n",
    )
    .expect("written");
    std::fs::write(transcripts.join("talk.en.txt"), rendering).expect("written");
    dir
}

/// `index` over the data directory made by [`data_with_rendering`].
fn index(dir: &Path) -> std::process::Output {
    run_over(&dir.join("data"), &dir.join("index"), "index", &[])
}

/// The binary by words alone over `data`, with its index in `index`.
fn run_over(data: &Path, index: &Path, command: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_interview-bot"))
        .arg("--no-semantic")
        .arg("--config")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("config/bot.toml"))
        .arg("--data-dir")
        .arg(data)
        .arg("--index-dir")
        .arg(index)
        .arg(command)
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn index_lists_the_renderings_it_found() {
    let dir = data_with_rendering("Da Fei said\nsycophancy\nfixed\nmemory\n");
    let out = index(dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("rendering: talk in en (4 lines"),
        "{stdout}"
    );
}

#[test]
fn index_reports_a_rendering_that_does_not_fit_and_indexes_the_transcript() {
    let dir = data_with_rendering("Da Fei said\nsycophancy\n");
    let out = index(dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("2 lines, but talk.txt has 4"), "{stderr}");
    assert!(stdout.contains("1 transcripts"), "{stdout}");
    assert!(!stdout.contains("rendering:"), "{stdout}");
}

/// `show` over the shipped data by words alone, with its own index directory.
fn show(args: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    run("show", args)
}

/// `ask` over the shipped data by words alone, with its own index directory.
fn ask(args: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    run("ask", args)
}

/// A command over the shipped data by words alone, with its own index directory.
fn run(command: &str, args: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    let index = tempfile::tempdir().expect("a temporary directory");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    (run_over(&data, index.path(), command, args), index)
}

#[test]
fn show_in_english_prints_the_rendered_lines_and_says_what_they_are() {
    let (out, _index) = show(&["openai-podcast-ep2#L15-19", "--lang", "en"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("   16 │ that ChatGPT's original name was actually \"Chat with GPT-3.5\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("Topic: How ChatGPT Got Its Name"),
        "{stdout}"
    );
    assert!(stdout.contains("not the speakers' own words"), "{stdout}");
}

#[test]
fn show_json_in_english_keeps_the_original_and_adds_the_translation() {
    let (out, _index) = show(&["openai-podcast-ep2#L16-16", "--lang", "en", "--json"]);
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(
        value["text"]
            .as_str()
            .is_some_and(|t| t.contains("最开始的名字")),
        "{value}"
    );
    let english = &value["translations"]["en"];
    assert!(
        english["text"]
            .as_str()
            .is_some_and(|t| t.contains("original name")),
        "{value}"
    );
    assert!(
        english["topic"]
            .as_str()
            .is_some_and(|t| t.starts_with("How ChatGPT")),
        "{value}"
    );
}

#[test]
fn show_in_a_language_without_a_rendering_says_so() {
    let (out, _index) = show(&["openai-podcast-ep2#L16-16", "--lang", "fr"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no rendering in 'fr'"), "{stderr}");
}

#[test]
fn an_english_question_is_answered_in_english() {
    let (out, _index) = ask(&["What was ChatGPT called before it launched?"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("In short: "),
        "led by the summary: {stdout}"
    );
    assert!(
        stdout.contains("\nTopic: How ChatGPT Got Its Name"),
        "{stdout}"
    );
    assert!(stdout.contains("not the speakers' own words"), "{stdout}");
    assert!(
        stdout.contains("--lang zh"),
        "the original is one step away: {stdout}"
    );
}

#[test]
fn an_english_question_marks_its_words_in_the_english_lines() {
    let (out, _index) = ask(&["What was ChatGPT called before it launched?"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("day of the 【launch】"),
        "\"launched\" marks \"launch\": {stdout}"
    );
}

#[test]
fn a_chinese_question_is_answered_in_chinese() {
    let (out, _index) = ask(&["ChatGPT一开始的名字是什么"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("要点："), "led by the summary: {stdout}");
    assert!(stdout.contains("\n话题：ChatGPT名字由来"), "{stdout}");
    assert!(!stdout.contains("translation"), "{stdout}");
}

#[test]
fn both_shows_each_line_with_its_rendering_under_it() {
    let (out, _index) = ask(&["ChatGPT一开始的名字是什么", "--lang", "both"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("   16 │ ") && l.contains("其实是“Chat with GPT-3.5”"))
        .expect("line 16 in Chinese");
    let under = lines.get(at + 1).copied().unwrap_or_default();
    assert!(
        under.starts_with("      │ ") && under.contains("original name was actually"),
        "{stdout}"
    );
}

#[test]
fn json_keeps_the_original_and_adds_translations_and_the_language_shown() {
    let (out, _index) = ask(&["--json", "--lang", "en", "ChatGPT一开始的名字是什么"]);
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(value["lang"], "en", "{value}");
    let first = &value["results"][0];
    assert!(
        first["text"].as_str().is_some_and(|t| t.contains("名字")),
        "{value}"
    );
    let english = &first["translations"]["en"];
    assert!(
        english["text"]
            .as_str()
            .is_some_and(|t| t.contains("Chat with GPT-3.5")),
        "{value}"
    );
    assert!(
        english["topic"]
            .as_str()
            .is_some_and(|t| t.starts_with("How ChatGPT")),
        "{value}"
    );
}

#[test]
fn a_traditional_question_is_answered_in_traditional_characters() {
    let (out, _index) = ask(&["為什麼ChatGPT一開始的名字後來不用了？"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("要點："), "led by the summary: {stdout}");
    assert!(stdout.contains("\n話題：ChatGPT名字由來"), "{stdout}");
    assert!(stdout.contains("\n發言："), "{stdout}");
    assert!(stdout.contains("其實是“Chat with GPT-3.5”"), "{stdout}");
    assert!(
        !stdout.contains("其实是"),
        "no Simplified line left: {stdout}"
    );
}

#[test]
fn json_of_a_traditional_question_adds_the_passage_in_traditional_characters() {
    let (out, _index) = ask(&["--json", "ChatGPT一開始叫什麼名字"]);
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(value["lang"], "zh-Hant", "{value}");
    let first = &value["results"][0];
    assert!(
        first["text"].as_str().is_some_and(|t| t.contains("最开始")),
        "the original stays as written: {value}"
    );
    let traditional = &first["translations"]["zh-Hant"];
    assert!(
        traditional["text"]
            .as_str()
            .is_some_and(|t| t.contains("最開始")),
        "{value}"
    );
    assert!(
        traditional["topic"]
            .as_str()
            .is_some_and(|t| t.contains("名字由來")),
        "{value}"
    );
}

#[test]
fn show_in_traditional_characters_converts_the_original() {
    let (out, _index) = show(&["openai-podcast-ep2#L16-16", "--lang", "zh-Hant"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("   16 │ ChatGPT最開始的名字其實是“Chat with GPT-3.5”。"),
        "{stdout}"
    );
    assert!(stdout.contains("話題："), "{stdout}");
}

#[test]
fn a_language_that_is_no_code_is_refused_clearly() {
    let (out, _index) = ask(&["--lang", "english", "hello"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--lang must be auto, both or a language code"),
        "{stderr}"
    );
}
