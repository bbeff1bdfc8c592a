//! Passage notes: the shipped interview's notes cover every line with a gist in Chinese and
//! English and questions of every kind; `index` lists notes or reports a file that does not fit
//! while the transcript still answers; a transcript without notes answers without a summary; an
//! answer leads with its stretch's gist.

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
fn the_shipped_notes_cover_every_line_with_a_gist_and_questions_in_both_languages() {
    let corpus = shipped();
    assert!(corpus.problems.is_empty(), "{:?}", corpus.problems);
    let transcript = &corpus.transcripts[0];
    let notes = transcript.notes.as_ref().expect("notes");
    assert_eq!(notes.notes.first().map(|n| n.start), Some(1));
    assert_eq!(
        notes.notes.last().map(|n| n.end),
        Some(transcript.line_count())
    );
    for note in &notes.notes {
        let english = note.gist_in.get("en").expect("an English gist");
        assert!(
            english.is_ascii() || !english.chars().any(is_han),
            "{english}"
        );
        assert!((4..=16).contains(&note.questions.len()), "{note:?}");
        assert!(
            note.questions.iter().any(|q| !q.chars().any(is_han)),
            "one question in English: {note:?}"
        );
        let english = note.questions_in.get("en").expect("questions in English");
        assert!((6..=16).contains(&english.len()), "{note:?}");
        assert!(
            english.iter().all(|q| !q.chars().any(is_han)),
            "written in English: {english:?}"
        );
        assert!(
            note.end + 1 - note.start <= 15,
            "a stretch of about ten lines"
        );
    }
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

#[test]
fn the_notes_of_the_naming_stretch_say_what_it_says() {
    let corpus = shipped();
    let notes = corpus.transcripts[0].notes.as_ref().expect("notes");
    let naming = notes.covering(16, 16).expect("line 16 is noted");
    assert!(naming.gist.contains("Chat with GPT-3.5"), "{}", naming.gist);
}

/// A data directory holding one transcript of four lines, and `notes` as its notes when given.
fn data_with_notes(notes: Option<&str>) -> tempfile::TempDir {
    let (dir, transcripts) = data::with_dictionaries();
    std::fs::write(
        transcripts.join("talk.txt"),
        "大飞说模型发布了\n谄媚问题很严重\n团队修复了奖励模型\n记忆功能上线\n",
    )
    .expect("written");
    if let Some(notes) = notes {
        std::fs::write(transcripts.join("talk.notes.jsonl"), notes).expect("written");
    }
    dir
}

const NOTES: &str = r#"{"lines":[1,2],"gist":"大飞说模型发布后出现了谄媚问题。","gist_in":{"en":"Da Fei says the model shipped and became sycophantic."},"questions":["模型出了什么问题？","Why was the model sycophantic?"]}
{"lines":[3,4],"gist":"团队修好了奖励模型，记忆功能也上线了。","questions":["团队怎么修的？","记忆功能上线了吗？"]}
"#;

/// The binary by words alone over the data made by [`data_with_notes`].
fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_interview-bot"))
        .arg("--no-semantic")
        .arg("--config")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("config/bot.toml"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--index-dir")
        .arg(dir.join("index"))
        .args(args)
        .output()
        .expect("runs")
}

fn answer(dir: &Path, question: &str) -> serde_json::Value {
    let out = run(dir, &["ask", "--json", question]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn index_lists_the_notes_it_found() {
    let dir = data_with_notes(Some(NOTES));
    let out = run(dir.path(), &["index"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(stdout.contains("notes: talk (2 stretches"), "{stdout}");
}

#[test]
fn index_lists_the_channel_chatter() {
    let dir = data_with_notes(Some(NOTES));
    std::fs::write(
        dir.path().join("data/chatter.txt"),
        "# messages no interview answers\nhi bot\n今天天气咋样\n",
    )
    .expect("written");
    let out = run(dir.path(), &["index"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        stdout.contains("chatter: 2 messages no interview answers"),
        "{stdout}"
    );
}

#[test]
fn index_counts_the_questions_the_notes_leave_unanswered() {
    let notes = NOTES.replace(
        r#""questions":["团队怎么修的？","记忆功能上线了吗？"]"#,
        r#""questions":["团队怎么修的？","记忆功能上线了吗？"],"unanswered":["修了几天？","Who fixed it?"]"#,
    );
    let dir = data_with_notes(Some(&notes));
    let out = run(dir.path(), &["index"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        stdout.contains("7 texts answered, 2 questions unanswered"),
        "{stdout}"
    );
}

#[test]
fn notes_with_a_gap_are_reported_and_the_transcript_still_answers() {
    let dir = data_with_notes(Some(&NOTES.replace("[3,4]", "[4,4]")));
    let out = run(dir.path(), &["index"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("talk.notes.jsonl:2"), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("notes:"));
    let answer = answer(dir.path(), "谄媚问题");
    assert_eq!(answer["answered"], true, "{answer}");
}

#[test]
fn a_transcript_without_notes_answers_without_a_summary() {
    let dir = data_with_notes(None);
    let answer = answer(dir.path(), "谄媚问题");
    assert_eq!(answer["answered"], true, "{answer}");
    assert!(answer["results"][0].get("summary").is_none(), "{answer}");
}

#[test]
fn an_answer_carries_its_stretchs_gist_as_summary() {
    let dir = data_with_notes(Some(NOTES));
    let answer = answer(dir.path(), "谄媚问题");
    let best = &answer["results"][0];
    assert_eq!(
        best["summary"], "大飞说模型发布后出现了谄媚问题。",
        "{answer}"
    );
}

#[test]
fn the_readable_answer_leads_with_the_summary_then_the_passage() {
    let dir = data_with_notes(Some(NOTES));
    let out = run(dir.path(), &["ask", "谄媚问题"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("要点：大飞说模型发布后出现了谄媚问题。\n"),
        "{stdout}"
    );
    assert!(stdout.contains("很严重"), "the passage follows: {stdout}");
}
