//! The command line as a user runs it: the JSON contract of `ask --json` (one question, and one
//! per stdin line), `topics`, `index` rebuilding when a transcript changes or the index is
//! corrupted, `eval`, and clear errors for bad options.

#[path = "common/data.rs"]
mod data;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_interview-bot"))
}

/// A copy of the shipped data in a temporary directory, with its own index directory.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
        copy_dir(&root, &dir.path().join("data"));
        Sandbox { dir }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn index(&self) -> PathBuf {
        self.dir.path().join("index")
    }

    /// Runs the binary by words alone (each sandbox has its own index: embedding the
    /// transcript for every test would dominate the suite; the hybrid mode has its own tests).
    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut command = binary();
        command
            .arg("--no-semantic")
            .arg("--data-dir")
            .arg(self.data())
            .arg("--index-dir")
            .arg(self.index())
            .arg("--config")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("config/bot.toml"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        {
            use std::io::Write;
            let mut input = child.stdin.take().unwrap();
            input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn a_name_the_interview_never_mentions_is_said_plainly() {
    let sandbox = Sandbox::new();
    let out = stdout(&sandbox.run(&["ask", "--json", "Perplexity最近怎么样？"], None));
    let answer: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(answer["answered"], false, "{answer}");
    assert_eq!(answer["never_mentioned"], serde_json::json!(["Perplexity"]));
    let readable = stdout(&sandbox.run(&["ask", "Perplexity最近怎么样？"], None));
    assert!(
        readable.starts_with("访谈里没有提到 Perplexity。"),
        "{readable}"
    );
    assert!(
        readable.contains("可以看看这些话题"),
        "suggestions kept: {readable}"
    );
}

#[test]
fn a_name_the_interview_mentions_is_never_said_to_be_missing() {
    let sandbox = Sandbox::new();
    // "Google" occurs once in the transcript, in Latin letters
    let out = stdout(&sandbox.run(&["ask", "--json", "Google最近怎么样？"], None));
    let answer: Value = serde_json::from_str(out.trim()).unwrap();
    assert!(answer.get("never_mentioned").is_none(), "{answer}");
}

#[test]
fn ask_json_has_the_exact_schema() {
    let sandbox = Sandbox::new();
    let out = stdout(&sandbox.run(&["ask", "--json", "ChatGPT最早叫什么名字？"], None));
    let answer: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        keys(&answer),
        ["answered", "lang", "question", "results", "suggestions"]
    );
    assert_eq!(
        answer["lang"], "zh",
        "a Chinese question is shown in Chinese"
    );
    assert_eq!(answer["question"], "ChatGPT最早叫什么名字？");
    assert_eq!(answer["answered"], true);
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "default top 3");
    for r in results {
        assert_eq!(
            keys(r),
            [
                "line_end",
                "line_start",
                "score",
                "speaker",
                "summary",
                "text",
                "topic",
                "transcript",
                "translations"
            ]
        );
        assert_eq!(
            keys(&r["translations"]["en"]),
            ["speaker", "summary", "text", "topic"],
            "the English rendering of the passage"
        );
        assert!(r["line_start"].as_u64().unwrap() <= r["line_end"].as_u64().unwrap());
        assert!(r["score"].is_f64());
        assert!(r["speaker"].is_string() || r["speaker"].is_null());
    }
    let top = &results[0];
    assert!(top["line_start"].as_u64().unwrap() <= 19 && top["line_end"].as_u64().unwrap() >= 15);
    assert!(top["text"].as_str().unwrap().contains("Chat with GPT-3.5"));

    let out = stdout(&sandbox.run(&["ask", "--json", "--top", "1", "ChatGPT的名字"], None));
    let answer: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(answer["results"].as_array().unwrap().len(), 1);
}

#[test]
fn ask_json_stdin_answers_every_line_in_order() {
    let sandbox = Sandbox::new();
    let questions = [
        "What is the Fail Whale?",
        "",
        "微软投资了OpenAI多少钱？",
        "title:\"a OR",
    ];
    let input = questions.join("\n") + "\n";
    let out = stdout(&sandbox.run(&["ask", "--json", "-"], Some(&input)));
    let answers: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), questions.len());
    for (answer, question) in answers.iter().zip(questions) {
        assert_eq!(answer["question"], question);
    }
    assert_eq!(answers[0]["answered"], true);
    assert_eq!(answers[1]["answered"], false);
    assert_eq!(answers[2]["answered"], false);
    assert!(!answers[2]["suggestions"].as_array().unwrap().is_empty());
}

#[test]
fn readable_answer_names_topic_speaker_and_lines() {
    let sandbox = Sandbox::new();
    let out = stdout(&sandbox.run(&["ask", "ChatGPT最早叫什么名字？"], None));
    assert!(out.contains("话题：ChatGPT名字由来"), "{out}");
    assert!(out.contains("发言：Nick Turley"), "{out}");
    let range = out
        .split_once("第 ")
        .and_then(|(_, rest)| rest.split_once(" 行"))
        .and_then(|(range, _)| range.split_once('–'))
        .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)));
    let (start, end) = range.unwrap_or_else(|| panic!("a line range: {out}"));
    assert!(
        start <= 16 && 16 <= end,
        "the range holds the answer (line 16): {out}"
    );
    assert!(out.contains("【"), "matched words are marked: {out}");
    assert!(out.contains("其他结果"), "{out}");
    let out = stdout(&sandbox.run(&["ask", "红烧肉怎么做"], None));
    assert!(out.contains("访谈里没有找到相关内容"), "{out}");
}

#[test]
fn index_is_rebuilt_when_a_transcript_changes() {
    let sandbox = Sandbox::new();
    assert!(stdout(&sandbox.run(&["index"], None)).contains("built"));
    assert!(stdout(&sandbox.run(&["index"], None)).contains("up to date"));

    let transcript = sandbox.data().join("transcripts/openai-podcast-ep2.txt");
    let mut text = std::fs::read_to_string(&transcript).unwrap();
    text.push_str("最后，大飞提到了一只会飞的企鹅\n");
    std::fs::write(&transcript, text).unwrap();
    assert!(stdout(&sandbox.run(&["index"], None)).starts_with("index built"));
    let out = stdout(&sandbox.run(&["ask", "--json", "会飞的企鹅"], None));
    let answer: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(answer["answered"], true, "{answer}");
    assert_eq!(answer["results"][0]["line_end"], 1095);

    assert!(stdout(&sandbox.run(&["index"], None)).contains("up to date"));
    assert!(stdout(&sandbox.run(&["index", "--force"], None)).contains("built"));
}

#[test]
fn topics_print_the_outline() {
    let sandbox = Sandbox::new();
    let out = stdout(&sandbox.run(&["topics", "--json"], None));
    let outlines: Value = serde_json::from_str(&out).unwrap();
    let topics = outlines[0]["topics"].as_array().unwrap();
    assert_eq!(topics[0]["start"], 1);
    assert_eq!(topics.last().unwrap()["end"], 1094);
    assert!(topics.iter().all(|t| t["automatic"] == false));
    let automatic = sandbox.run(
        &["topics", "--auto", "--transcript", "openai-podcast-ep2"],
        None,
    );
    let report = String::from_utf8_lossy(&automatic.stderr).to_string();
    assert!(
        report.contains("WindowDiff against its 25 chapters"),
        "{report}"
    );
    let out = stdout(&automatic);
    assert!(out.lines().count() > 5, "{out}");
    let failed = sandbox.run(&["topics", "--transcript", "nope"], None);
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("unknown transcript 'nope'"));
}

#[test]
fn a_transcript_without_metadata_gets_automatic_topics() {
    let sandbox = Sandbox::new();
    let text =
        std::fs::read_to_string(sandbox.data().join("transcripts/openai-podcast-ep2.txt")).unwrap();
    std::fs::write(sandbox.data().join("transcripts/second.txt"), text).unwrap();
    let out = stdout(&sandbox.run(
        &[
            "ask",
            "--json",
            "--transcript",
            "second",
            "What is the Fail Whale?",
        ],
        None,
    ));
    let answer: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(answer["answered"], true);
    let top = &answer["results"][0];
    assert_eq!(top["transcript"], "second");
    assert!(top["speaker"].is_null(), "no speakers without metadata");
    assert!(!top["topic"].as_str().unwrap().is_empty());
}

#[test]
fn eval_prints_the_scorer_metrics() {
    let sandbox = Sandbox::new();
    let file = sandbox.dir.path().join("questions.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"id":"a","q":"ChatGPT最早叫什么名字？","gold":[[15,16]],"topic_any":["名字"],"kind":"fact","answerable":true}"#,
            "\n",
            r#"{"id":"b","q":"微软投资了OpenAI多少钱？","gold":[],"topic_any":[],"kind":"negative","answerable":false}"#,
            "\n"
        ),
    )
    .unwrap();
    let out = stdout(&sandbox.run(&["eval", file.to_str().unwrap()], None));
    assert!(out.contains("accuracy=1.000 hit1=1.000"), "{out}");
    assert!(out.contains("abstain_neg=1.000"), "{out}");
}

#[test]
fn bad_options_get_a_clear_message() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["ask", "--top", "0", "问题"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--top"));
    let out = binary()
        .args(["--data-dir", "/nonexistent/dir", "ask", "问题"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/dir"));
}

#[test]
fn an_empty_question_is_refused_with_a_clear_message() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["ask", "  "], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("问题是空的"));
}

/// The shipped data with the index shared by the in-process tests, whose passage vectors are
/// then already saved.
fn hybrid(args: &[&str]) -> Output {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    binary()
        .arg("--data-dir")
        .arg(root.join("data"))
        .arg("--index-dir")
        .arg(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("shared-index"))
        .arg("--config")
        .arg(root.join("config/bot.toml"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn index_reports_the_hybrid_mode() {
    let out = hybrid(&["index"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("mode: hybrid"), "{stdout}");
}

#[test]
fn no_semantic_reports_the_lexical_mode() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["index"], None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("mode: lexical only (turned off)"),
        "{stdout}"
    );
}

#[test]
fn explain_says_which_mode_answers() {
    let out = hybrid(&["ask", "--explain", "ChatGPT最早叫什么名字？"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("mode: hybrid"), "{stderr}");
    assert!(stderr.contains("dense_window="), "{stderr}");
}

#[test]
fn explain_says_how_near_the_question_comes_to_the_notes_unanswered_questions() {
    let out = hybrid(&["ask", "--explain", "OpenAI现在有多少员工？"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unanswered closest 0."), "{stderr}");
    assert!(stderr.contains("share of the 10 nearest texts"), "{stderr}");
}

/// The share printed by `ask --explain` for the texts nearest a question.
fn nearest_unanswered_share(explained: &str) -> f32 {
    let line = explained
        .lines()
        .find(|l| l.starts_with("notes:"))
        .expect("a notes line");
    let share = line.rsplit(' ').next().expect("a share");
    share.parse().expect("a number")
}

#[test]
fn by_words_alone_the_texts_nearest_a_question_are_found_by_its_words() {
    let sandbox = Sandbox::new();
    let explain = |question: &str| {
        let out = sandbox.run(&["ask", "--explain", question], None);
        nearest_unanswered_share(&String::from_utf8_lossy(&out.stderr))
    };
    let small_talk = explain("今天天气不错啊大家");
    let covered = explain("ChatGPT最早叫什么名字？");
    assert!(small_talk > covered, "{small_talk} vs {covered}");
}

/// A sandbox holding the shipped interview and, beside it, a seven-line one without notes.
fn sandbox_beside_another_interview() -> Sandbox {
    let sandbox = Sandbox::new();
    std::fs::write(
        sandbox.data().join("transcripts/antarctic.txt"),
        data::ANTARCTIC,
    )
    .unwrap();
    sandbox
}

#[test]
fn an_interview_dropped_in_without_notes_answers_beside_one_with_notes() {
    let sandbox = sandbox_beside_another_interview();
    let out = stdout(&sandbox.run(&["ask", "--json", "企鹅的数量比十年前少了多少？"], None));
    let answer: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(answer["answered"], true, "{answer}");
    assert_eq!(answer["results"][0]["transcript"], "antarctic", "{answer}");
}

#[test]
fn explain_names_each_candidates_transcript_beside_another_interview() {
    let sandbox = sandbox_beside_another_interview();
    let out = sandbox.run(&["ask", "--explain", "科考队的船叫什么名字？"], None);
    let explained = String::from_utf8_lossy(&out.stderr);
    let candidates: Vec<&str> = explained
        .lines()
        .filter(|l| l.starts_with("  -> "))
        .collect();
    assert!(
        candidates[0].starts_with("  -> antarctic#1-"),
        "{explained}"
    );
    assert!(
        candidates
            .iter()
            .any(|l| l.starts_with("  -> openai-podcast-ep2#")),
        "{explained}"
    );
}

#[test]
fn more_results_from_another_interview_name_it() {
    let sandbox = sandbox_beside_another_interview();
    let out = stdout(&sandbox.run(&["ask", "科考队的船叫什么名字？"], None));
    assert!(out.contains("antarctic 第 1–5 行"), "{out}");
    let more = out.split("其他结果：").nth(1).expect("more results");
    assert!(more.contains("openai-podcast-ep2 第 "), "{out}");
}
