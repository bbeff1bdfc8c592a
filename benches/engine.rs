//! Criterion benchmarks of the answering engine on the project's own transcript: answering a dev
//! question, understanding a question (normalisation, segmentation, expansion), embedding a
//! question, and building or opening the index. Run with `cargo bench --bench engine`; the README's "Performance" section
//! quotes the figures.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

use interview_bot::config::AnswerConfig;
use interview_bot::text::normalize;
use interview_bot::{AskOptions, Engine, EngineOptions};

/// The development questions, relative to the crate root.
const QUESTIONS: &str = "../shared/eval/questions.jsonl";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn options(index_dir: Option<PathBuf>, force_rebuild: bool) -> EngineOptions {
    EngineOptions {
        data_dir: root().join("data"),
        index_dir,
        force_rebuild,
        answer: AnswerConfig::default(),
        semantic: interview_bot::config::SemanticConfig::default(),
        progress: interview_bot::Progress::default(),
    }
}

/// The `q` field of every line of the question file, or `None` (with a message) when the file is
/// absent or holds no question.
fn dev_questions() -> Option<Vec<String>> {
    let path = root().join(QUESTIONS);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!(
                "skipping question benchmarks: cannot read {}: {e}",
                path.display()
            );
            return None;
        }
    };
    let questions: Vec<String> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| v.get("q").and_then(|q| q.as_str()).map(str::to_string))
        .collect();
    if questions.is_empty() {
        eprintln!(
            "skipping question benchmarks: no questions in {}",
            path.display()
        );
        return None;
    }
    Some(questions)
}

/// Each iteration handles the next dev question in turn, so the reported time is the mean over the
/// whole set per question.
fn questions(c: &mut Criterion) {
    let Some(questions) = dev_questions() else {
        return;
    };
    let engine = Engine::open(&options(None, false)).expect("engine opens on data/");
    let ask = AskOptions::default();

    let mut group = c.benchmark_group("question");
    group.throughput(Throughput::Elements(1));
    group.bench_function("normalize", |b| {
        let mut next = questions.iter().cycle();
        b.iter(|| normalize(black_box(next.next().unwrap())));
    });
    group.bench_function("plan", |b| {
        let mut next = questions.iter().cycle();
        b.iter(|| engine.plan(black_box(next.next().unwrap())));
    });
    group.bench_function("answer", |b| {
        let mut next = questions.iter().cycle();
        b.iter(|| engine.answer(black_box(next.next().unwrap()), &ask));
    });
    group.finish();
}

/// Byte size of the transcripts the index is built from.
fn transcript_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "txt"))
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Whole start-up paths: building the index (in memory, or persisted with a forced rebuild) and
/// opening an already persisted one. Each includes loading the transcripts and dictionaries.
fn index(c: &mut Criterion) {
    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Bytes(transcript_bytes(
        &root().join("data/transcripts"),
    )));
    group.bench_function("build_in_memory", |b| {
        b.iter(|| Engine::open(&options(None, false)).expect("engine opens"));
    });
    group.bench_function("build_persisted", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("temp dir"),
            |dir| {
                let engine = Engine::open(&options(Some(dir.path().to_path_buf()), true))
                    .expect("engine builds its index");
                (engine, dir)
            },
            BatchSize::PerIteration,
        );
    });
    let dir = tempfile::tempdir().expect("temp dir");
    Engine::open(&options(Some(dir.path().to_path_buf()), true)).expect("engine builds its index");
    group.bench_function("open_persisted", |b| {
        b.iter(|| {
            let engine = Engine::open(&options(Some(dir.path().to_path_buf()), false))
                .expect("engine opens its index");
            assert!(!engine.index_was_built(), "the persisted index is reused");
            engine
        });
    });
    group.finish();
}

/// The sentence encoder alone: one dev question embedded as a query, on one and on two threads.
/// Skipped (with a message) when the model file has not been fetched.
fn embedding(c: &mut Criterion) {
    let Some(questions) = dev_questions() else {
        return;
    };
    let config = interview_bot::config::SemanticConfig::default();
    let path = interview_bot::embed::fetch::model_path(&root().join(&config.model_dir));
    let encoder = match interview_bot::embed::Encoder::open(&path) {
        Ok(encoder) => encoder,
        Err(e) => {
            eprintln!("skipping embedding benchmarks: {e} (run `interview-bot model fetch`)");
            return;
        }
    };
    let mut group = c.benchmark_group("embed");
    group.throughput(Throughput::Elements(1));
    for threads in [1, 2] {
        group.bench_function(format!("query_{threads}_threads"), |b| {
            let mut next = questions.iter().cycle();
            b.iter(|| {
                encoder.embed_on(
                    black_box(next.next().unwrap()),
                    interview_bot::embed::Role::Query,
                    threads,
                )
            });
        });
    }
    group.finish();
}

criterion_group!(benches, questions, embedding, index);
criterion_main!(benches);
