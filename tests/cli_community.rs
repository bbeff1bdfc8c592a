//! The command line's community parts as a user runs them: `show CITATION`, follow-ups in
//! `ask --json -` lines and in the prompt (`:new` starts afresh), `eval` on a follow-up file, and
//! `feedback report`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

/// The index every test here uses: the one `tests/answering.rs` and `tests/cli.rs` share, so the
/// transcript is embedded once per build directory; built here first when missing (processes that
/// build the same directory at once wait for each other).
fn index_dir() -> &'static Path {
    static INDEX: OnceLock<PathBuf> = OnceLock::new();
    INDEX.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("shared-index");
        let out = run_in(&dir, &["index"], None);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
}

fn run_in(index: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_interview-bot"))
        .arg("--data-dir")
        .arg(root.join("data"))
        .arg("--index-dir")
        .arg(index)
        .arg("--config")
        .arg(root.join("config/bot.toml"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the binary");
    {
        use std::io::Write;
        let mut input = child.stdin.take().expect("stdin");
        input
            .write_all(stdin.unwrap_or("").as_bytes())
            .expect("write stdin");
    }
    child.wait_with_output().expect("wait")
}

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    run_in(index_dir(), args, stdin)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json_lines(out: &Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn show_prints_the_cited_passage_with_topic_and_speaker() {
    let out = run(&["show", "openai-podcast-ep2#L15-17"], None);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.starts_with("openai-podcast-ep2#L15-17\n"), "{text}");
    assert!(text.contains("话题："), "{text}");
    assert!(text.contains("发言：Nick Turley"), "{text}");
    assert!(text.contains("   15 │ "), "{text}");
    assert!(text.contains("   17 │ "), "{text}");
    assert!(!text.contains("   18 │ "), "{text}");
}

#[test]
fn show_json_is_the_result_object() {
    let out = run(&["show", "--json", "openai-podcast-ep2#L15-17"], None);
    let value: Value = serde_json::from_str(stdout(&out).trim()).expect("json");
    assert_eq!(value["line_start"], 15);
    assert_eq!(value["line_end"], 17);
    assert_eq!(value["speaker"], "Nick Turley");
}

#[test]
fn show_explains_a_citation_out_of_range_or_malformed() {
    for (citation, expected) in [
        ("openai-podcast-ep2#L5000-5001", "超出了范围"),
        ("openai-podcast-ep2#L9-3", "结束行不能小于起始行"),
        ("openai-podcast-ep2", "openai-podcast-ep2#L150-156"),
        ("nope#L1-2", "没有名为"),
    ] {
        let out = run(&["show", citation], None);
        assert!(!out.status.success(), "{citation}");
        let error = String::from_utf8_lossy(&out.stderr);
        assert!(error.contains(expected), "{citation}: {error}");
        assert!(!error.contains("panicked"), "{citation}: {error}");
    }
}

#[test]
fn json_lines_take_a_context_per_line() {
    let input = concat!(
        r#"{"question": "那Nick呢？", "context": [{"question": "Mark怎么看记忆功能", "citation": "openai-podcast-ep2#L503-506"}]}"#,
        "\n",
        "那Nick呢？\n",
    );
    let lines = json_lines(&run(&["ask", "--json", "-"], Some(input)));
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["question"], "那Nick呢？");
    let understood = lines[0]["understood_as"].as_str().unwrap_or("");
    assert!(understood.contains("记忆"), "{}", lines[0]);
    assert_eq!(lines[0]["results"][0]["speaker"], "Nick Turley");
    assert!(lines[1].get("understood_as").is_none(), "{}", lines[1]);
}

#[test]
fn a_bad_json_line_is_reported_and_the_rest_answered() {
    let input = "{\"question\": 1}\nChatGPT最早叫什么名字？\n";
    let out = run(&["ask", "--json", "-"], Some(input));
    assert!(out.status.success());
    let answers = json_lines(&out);
    assert_eq!(answers.len(), 2, "one output line per input line");
    assert_eq!(answers[0]["answered"], false);
    assert!(answers[0]["error"].as_str().unwrap().contains("line 1"));
    assert_eq!(answers[1]["answered"], true);
    assert!(answers[1].get("error").is_none());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
}

#[test]
fn a_context_outside_the_transcript_is_reported_and_the_rest_answered() {
    let input = concat!(
        r#"{"q": "后来呢", "context": [{"q": "x", "line_start": 18446744073709551615}]}"#,
        "\nChatGPT最早叫什么名字？\n"
    );
    let out = run(&["ask", "--json", "-"], Some(input));
    assert!(out.status.success());
    assert_eq!(json_lines(&out)[0]["answered"], false);
    assert_eq!(json_lines(&out)[1]["answered"], true);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 1") && stderr.contains("not in"),
        "{stderr}"
    );
}

#[test]
fn the_prompt_keeps_context_until_new() {
    let input = "Mark怎么看记忆功能\n那Nick呢？\n:new\n那Nick呢？\n";
    let lines = json_lines(&run(&["ask", "--json"], Some(input)));
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[1]["understood_as"].is_string(), "{}", lines[1]);
    assert!(lines[2].get("understood_as").is_none(), "{}", lines[2]);
}

#[test]
fn eval_scores_follow_ups_without_and_with_context() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("followups.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"id": "t1", "context": [{"q": "ChatGPT最早叫什么名字？", "gold": [[15, 17]]}], "q": "后来呢", "gold": [[18, 22]], "topic_any": ["名字"], "kind": "followup", "answerable": true}"#,
            "\n"
        ),
    )
    .expect("write");
    let out = run(&["eval", file.to_str().expect("path")], None);
    assert!(out.status.success());
    let text = stdout(&out);
    let without = text.find("== without context").expect("without");
    let with = text.find("== with context").expect("with");
    assert!(without < with, "{text}");
    assert!(text[with..].contains("accuracy=1.000"), "{text}");
}

#[test]
fn feedback_report_lists_votes_and_unanswered_questions() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("feedback.log");
    std::fs::write(
        &log,
        concat!(
            r#"{"time":"t","question":"谁起的名字","transcript":"openai-podcast-ep2","line_start":15,"line_end":17,"vote":"down"}"#,
            "\n",
            r#"{"time":"t","question":"名字","transcript":"openai-podcast-ep2","line_start":15,"line_end":17,"vote":"up"}"#,
            "\n",
            r#"{"date":"2025-01-01","unanswered":"火星上有什么"}"#,
            "\n"
        ),
    )
    .expect("write");
    let out = run(
        &["feedback", "report", "--file", log.to_str().expect("path")],
        None,
    );
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains("openai-podcast-ep2#L15-17  👍 1  👎 1"),
        "{text}"
    );
    assert!(text.contains("1× 谁起的名字"), "{text}");
    assert!(text.contains("1× 火星上有什么"), "{text}");
}
