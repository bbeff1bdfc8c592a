//! Start-up faults through the real binary (`interview-bot ask --json`, `serve`) with temp data,
//! index and config: broken transcripts are named with file and line while the others still
//! load; a corrupt index, or a build killed half-way with its writer lock left behind, is rebuilt;
//! two processes share an index dir; a bad config stops `serve` with one message naming file and
//! key, a missing or malformed token with one clear line, both with a non-zero exit.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use common::bot_process::loopback_only;
use common::fake_discord::FAKE_TOKEN;

const QUESTION: &str = "ChatGPT最早叫什么名字？";
const TRANSCRIPT: &str = "openai-podcast-ep2";

fn project_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// The binary with an empty config in `dir` and the given data and index dirs.
fn cli(dir: &Path, data: &Path, index: &Path) -> Command {
    // by words alone: these tests are about start-up faults, not the embedding model
    let config = dir.join("empty.toml");
    if !config.exists() {
        std::fs::write(&config, "[semantic]\nenabled = false\n").expect("write config");
    }
    let mut command = Command::new(env!("CARGO_BIN_EXE_interview-bot"));
    command
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(data)
        .arg("--index-dir")
        .arg(index)
        .env("RUST_LOG", "warn")
        .env_remove("DISCORD_TOKEN")
        .current_dir(dir)
        .stdin(Stdio::null());
    loopback_only(&mut command);
    command
}

fn ask(dir: &Path, data: &Path, index: &Path) -> Output {
    cli(dir, data, index)
        .args(["ask", "--json", QUESTION])
        .output()
        .expect("run the binary")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The JSON answer printed, checked to be the good transcript answering.
fn assert_answered(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what}: exit {}; stderr:\n{}",
        output.status,
        stderr(output)
    );
    let answer: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {:?}", output.stdout));
    assert_eq!(answer["answered"], true, "{what}: {answer}");
    assert_eq!(answer["results"][0]["transcript"], TRANSCRIPT, "{what}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// The index directory of the current data (the one fingerprint directory under `index`).
fn fingerprint_dir(index: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = std::fs::read_dir(index)
        .expect("index dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir() && !p.file_name().unwrap().to_string_lossy().starts_with("tmp-"))
        .collect();
    assert_eq!(dirs.len(), 1, "one index in {dirs:?}");
    dirs[0].clone()
}

#[test]
fn broken_transcripts_are_named_and_the_others_still_load() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    copy_dir(&project_data(), &data);
    let transcripts = data.join("transcripts");
    let mut invalid = "第一行\n第二行\n".as_bytes().to_vec();
    invalid.extend_from_slice(&[0xFF, 0xFE]);
    invalid.extend_from_slice("坏了\n".as_bytes());
    std::fs::write(transcripts.join("bad-utf8.txt"), invalid).unwrap();
    std::fs::write(transcripts.join("empty.txt"), "").unwrap();
    std::fs::write(transcripts.join("past-end.txt"), "一\n二\n三\n").unwrap();
    std::fs::write(
        transcripts.join("past-end.toml"),
        "[[chapters]]\nstart_line = 1\ntitle = \"开头\"\n\n[[chapters]]\nstart_line = 99\ntitle = \"过头\"\n",
    )
    .unwrap();
    std::fs::write(transcripts.join("out-of-order.txt"), "一\n二\n三\n四\n").unwrap();
    std::fs::write(
        transcripts.join("out-of-order.toml"),
        "[[chapters]]\nstart_line = 1\ntitle = \"一\"\n\n[[chapters]]\nstart_line = 3\ntitle = \"三\"\n\n[[chapters]]\nstart_line = 2\ntitle = \"二\"\n",
    )
    .unwrap();

    let output = ask(dir.path(), &data, &dir.path().join("index"));
    assert_answered(&output, "with broken transcripts beside");
    let log = stderr(&output);
    for (file_and_line, what) in [
        ("bad-utf8.txt:3:", "UTF-8"),
        ("empty.txt:", "empty"),
        ("past-end.toml:6:", "start_line 99 is outside"),
        ("out-of-order.toml:10:", "start_line 2 is not after"),
    ] {
        assert!(
            log.lines()
                .any(|l| l.contains(file_and_line) && l.contains(what)),
            "no error naming {file_and_line} ({what}) in:\n{log}"
        );
    }
}

#[test]
fn a_corrupt_index_is_rebuilt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let index = dir.path().join("index");
    assert_answered(&ask(dir.path(), &project_data(), &index), "first run");
    let built = fingerprint_dir(&index);
    let mut corrupted = 0;
    for entry in std::fs::read_dir(&built).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n != "complete") {
            std::fs::write(&path, b"\x00garbage\xFF not an index").unwrap();
            corrupted += 1;
        }
    }
    assert!(corrupted > 1, "index files corrupted: {corrupted}");

    let output = ask(dir.path(), &project_data(), &index);
    assert_answered(&output, "over a corrupt index");
    assert!(
        stderr(&output).contains("rebuilding"),
        "{}",
        stderr(&output)
    );
    let again = ask(dir.path(), &project_data(), &index);
    assert_answered(&again, "after the rebuild");
    assert!(!stderr(&again).contains("rebuilding"), "rebuilt for good");
}

#[test]
fn a_build_killed_half_way_is_rebuilt_despite_its_stale_lock() {
    // a complete index with a stale lock opens as is: the search module's unit test shows it
    let dir = tempfile::tempdir().expect("temp dir");
    let index = dir.path().join("index");
    assert_answered(&ask(dir.path(), &project_data(), &index), "first run");
    let built = fingerprint_dir(&index);

    // no completion marker, its lock and scratch dir left behind
    std::fs::write(built.join(".tantivy-writer.lock"), b"").unwrap();
    std::fs::remove_file(built.join("complete")).unwrap();
    let scratch = index.join("tmp-999999-1");
    std::fs::create_dir_all(&scratch).unwrap();
    std::fs::write(scratch.join(".tantivy-writer.lock"), b"").unwrap();
    let output = ask(dir.path(), &project_data(), &index);
    assert_answered(&output, "half-built index with a stale lock");
    assert!(
        stderr(&output).contains("rebuilding"),
        "{}",
        stderr(&output)
    );
    assert!(
        built.join("complete").exists(),
        "rebuilt and marked complete"
    );
}

#[test]
fn two_processes_share_one_index_dir() {
    let dir = tempfile::tempdir().expect("temp dir");
    let index = dir.path().join("index");

    // two processes started together on an empty index dir both build, and both answer
    let first = cli(dir.path(), &project_data(), &index)
        .args(["ask", "--json", QUESTION])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the first");
    let second = cli(dir.path(), &project_data(), &index)
        .args(["ask", "--json", QUESTION])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the second");
    assert_answered(&first.wait_with_output().unwrap(), "first of two");
    assert_answered(&second.wait_with_output().unwrap(), "second of two");

    // one process keeps the index open while another starts on it and answers
    let mut server = cli(dir.path(), &project_data(), &index)
        .args(["ask", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the long-running one");
    let mut input = server.stdin.take().expect("stdin");
    let mut lines = BufReader::new(server.stdout.take().expect("stdout")).lines();
    let mut ask_server = move |what: &str| {
        writeln!(input, "{QUESTION}").expect("write a question");
        input.flush().expect("flush");
        let line = lines.next().expect("an answer line").expect("read");
        let answer: Value = serde_json::from_str(&line).expect("JSON");
        assert_eq!(answer["answered"], true, "{what}: {answer}");
    };
    ask_server("long-running, before");
    assert_answered(
        &ask(dir.path(), &project_data(), &index),
        "while another holds the index",
    );
    ask_server("long-running, after");
    drop(ask_server); // closes its stdin: the process ends
    let status = server.wait().expect("wait");
    assert!(status.success(), "long-running exit {status}");
}

fn serve_with_config(dir: &Path, config: &str, token: Option<&str>) -> Output {
    let path = dir.join("bot.toml");
    std::fs::write(&path, config).expect("write config");
    let mut command = Command::new(env!("CARGO_BIN_EXE_interview-bot"));
    command
        .arg("--config")
        .arg(&path)
        .arg("serve")
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    loopback_only(&mut command);
    match token {
        Some(token) => command.env("DISCORD_TOKEN", token),
        None => command.env_remove("DISCORD_TOKEN"),
    };
    command.output().expect("run the binary")
}

#[test]
fn a_config_fault_stops_serve_with_one_message_naming_file_and_key() {
    // which key each kind of fault names is the config module's unit tests
    let dir = tempfile::tempdir().expect("temp dir");
    let data = format!("data_dir = {:?}\n", project_data().display().to_string());
    let config = format!("{data}[discord]\ncooldown_seconds = \"five\"\n");
    let output = serve_with_config(dir.path(), &config, Some(FAKE_TOKEN));
    let log = stderr(&output);
    assert!(!output.status.success(), "exit 0");
    assert!(
        log.contains("discord.cooldown_seconds"),
        "key not named in:\n{log}"
    );
    assert!(log.contains("bot.toml"), "file not named:\n{log}");
    assert!(!log.contains("panicked"), "panic:\n{log}");
    assert!(!log.contains(FAKE_TOKEN), "token shown");
}

#[test]
fn a_missing_or_malformed_token_stops_serve_with_one_clear_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = format!("data_dir = {:?}\n", project_data().display().to_string());
    for token in [None, Some(""), Some("not-a-token")] {
        let output = serve_with_config(dir.path(), &data, token);
        let log = stderr(&output);
        assert!(!output.status.success(), "token {token:?}: exit 0");
        assert!(log.contains("DISCORD_TOKEN"), "token {token:?}:\n{log}");
        assert_eq!(
            log.lines().count(),
            1,
            "one clear line for {token:?}:\n{log}"
        );
    }
}
