//! The training questions against the development questions: none of them is a development
//! question reworded, trimmed or translated (`interview-bot leaks` lists the closest pairs).

use std::path::Path;

use interview_bot::embed::{fetch, Encoder};
use interview_bot::eval::load_questions;
use interview_bot::leaks::score_pairs_with;

#[test]
fn no_training_question_copies_a_development_question() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dev_path = root.join("../shared/eval/questions.jsonl");
    if !dev_path.exists() {
        eprintln!(
            "skipped: no development questions at {}",
            dev_path.display()
        );
        return;
    }
    let train = load_questions(&root.join("eval/train.jsonl")).expect("training questions");
    let dev = load_questions(&dev_path).expect("development questions");
    let model =
        fetch::ensure(&root.join(".model"), "python3", |note| eprintln!("{note}")).expect("model");
    let encoder = Encoder::open(&model).expect("model opens");
    let leaks: Vec<String> = score_pairs_with(&encoder, 1, &train, &dev)
        .into_iter()
        .filter(|pair| pair.leak)
        .map(|pair| {
            format!(
                "{} {:?} copies {} {:?} ({:?})",
                pair.train_id, pair.train_question, pair.dev_id, pair.dev_question, pair.closeness
            )
        })
        .collect();
    assert!(
        leaks.is_empty(),
        "{} training questions copy a development question:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}
