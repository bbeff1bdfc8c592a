//! The encoder against vectors written by the model's own package
//! (`scripts/reference_vectors.py`): every text, in every script and length, within cosine 0.999;
//! a text longer than the model's window is embedded whole, its tail included.

use std::path::Path;

use interview_bot::embed::{cosine, fetch, Encoder, Role};
use serde_json::Value;

fn encoder() -> Encoder {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(".model");
    let path = fetch::ensure(&dir, "python3", |note| eprintln!("{note}")).expect("model");
    Encoder::open(&path).expect("model opens")
}

/// The reference texts with their vectors.
fn reference_cases() -> Vec<Value> {
    let fixture = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/embed_reference.json"
    ))
    .expect("fixture");
    serde_json::from_str(&fixture).expect("fixture is JSON")
}

fn vector(case: &Value) -> Vec<f32> {
    case["vector"]
        .as_array()
        .expect("vector")
        .iter()
        .map(|v| v.as_f64().expect("number") as f32)
        .collect()
}

#[test]
fn vectors_match_the_reference_implementation() {
    let encoder = encoder();
    let cases = reference_cases();
    assert!(cases.len() >= 40, "{} reference texts", cases.len());
    let mut worst = (1.0f32, String::new());
    for case in &cases {
        let text = case["text"].as_str().expect("text");
        let role = match case["role"].as_str() {
            Some("query") => Role::Query,
            _ => Role::Passage,
        };
        let expected = vector(case);
        let got = encoder.embed(text, role);
        let similarity = cosine(&got, &expected);
        if similarity < worst.0 {
            worst = (similarity, text.chars().take(40).collect());
        }
        assert!(
            similarity >= 0.999,
            "{role:?} {:?}: cosine {similarity}",
            text.chars().take(60).collect::<String>()
        );
    }
    eprintln!("worst cosine {:.5} for {:?}", worst.0, worst.1);
}

#[test]
fn a_text_longer_than_the_model_window_is_embedded_whole() {
    // a head that alone fills the model's 510-token window, then a tail from another chapter
    // about as long: a truncating encoder would give the head's vector
    let encoder = encoder();
    let case = reference_cases()
        .into_iter()
        .find(|c| c.get("head").is_some())
        .expect("a long reference text with its head");
    let (text, head) = (
        case["text"].as_str().unwrap(),
        case["head"].as_str().unwrap(),
    );
    assert!(text.starts_with(head) && text.len() > head.len());
    assert!(encoder.tokenize(head, Role::Passage).len() >= 510);
    assert!(encoder.tokenize(text, Role::Passage).len() >= 2 * 510);
    let whole = encoder.embed(text, Role::Passage);
    let head_alone = encoder.embed(head, Role::Passage);
    let moved = cosine(&whole, &head_alone);
    assert!(
        moved < 0.995,
        "the tail changes the vector: cosine {moved} to the head's"
    );
    let similarity = cosine(&whole, &vector(&case));
    assert!(similarity >= 0.999, "cosine {similarity} to the reference");
}
