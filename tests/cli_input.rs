//! `ask --json -` keeps its promise whatever the bytes: a line that is not UTF-8, or longer than
//! 2,000 characters, or nothing but mentions, links and chatter, gets its own error object and
//! the questions after it are still answered.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

/// The JSON lines `ask --json -` prints for `input`, by words alone over the shipped data.
fn batch(input: &[u8]) -> Vec<Value> {
    let index = tempfile::tempdir().expect("a temporary directory");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_interview-bot"))
        .arg("--no-semantic")
        .arg("--config")
        .arg(root.join("config/bot.toml"))
        .arg("--data-dir")
        .arg(root.join("data"))
        .arg("--index-dir")
        .arg(index.path())
        .args(["ask", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("written");
    let out = child.wait_with_output().expect("finishes");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn a_line_that_is_not_utf8_gets_its_error_and_the_stream_goes_on() {
    let answers =
        batch(b"ChatGPT\xe6\x9c\x80\xe5\x88\x9d\n\xff\xfe broken\nWhat is the Fail Whale?\n");
    assert_eq!(answers.len(), 3);
    assert_eq!(answers[1]["answered"], false);
    let error = answers[1]["error"].as_str().unwrap_or_default();
    assert!(error.starts_with("line 2: not valid UTF-8"), "{error}");
    assert_eq!(answers[2]["question"], "What is the Fail Whale?");
    assert!(answers[2].get("error").is_none(), "{}", answers[2]);
}

#[test]
fn a_line_over_2000_characters_gets_its_error_and_the_stream_goes_on() {
    let mut input = "长".repeat(2_001).into_bytes();
    input.extend_from_slice("\nWhat is the Fail Whale?\n".as_bytes());
    let answers = batch(&input);
    assert_eq!(answers.len(), 2);
    let error = answers[0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("longer than 2000 characters"), "{error}");
    assert!(answers[1].get("error").is_none(), "{}", answers[1]);
}

#[test]
fn a_line_of_mentions_and_chatter_alone_is_an_empty_question() {
    let answers = batch("<@123456789> lol\n<@123456789> ChatGPT最初叫什么名字 lol\n".as_bytes());
    let error = answers[0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("问题是空的"), "{error}");
    assert_eq!(answers[1]["answered"], true, "{}", answers[1]);
}
