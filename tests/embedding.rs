//! The encoder against vectors written by the model's own package
//! (`scripts/reference_vectors.py`): every text, in every script and length, within cosine 0.999.

use std::path::Path;

use interview_bot::embed::{cosine, fetch, Encoder, Role};
use serde_json::Value;

fn encoder() -> Encoder {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(".model");
    let path = fetch::ensure(&dir, "python3", |note| eprintln!("{note}")).expect("model");
    Encoder::open(&path).expect("model opens")
}

#[test]
fn vectors_match_the_reference_implementation() {
    let encoder = encoder();
    let fixture = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/embed_reference.json"
    ))
    .expect("fixture");
    let cases: Vec<Value> = serde_json::from_str(&fixture).expect("fixture is JSON");
    assert!(cases.len() >= 40, "{} reference texts", cases.len());
    let mut worst = (1.0f32, String::new());
    for case in &cases {
        let text = case["text"].as_str().expect("text");
        let role = match case["role"].as_str() {
            Some("query") => Role::Query,
            _ => Role::Passage,
        };
        let expected: Vec<f32> = case["vector"]
            .as_array()
            .expect("vector")
            .iter()
            .map(|v| v.as_f64().expect("number") as f32)
            .collect();
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
    let encoder = encoder();
    let long = "模型在发布之后迅速走红。".repeat(200);
    assert!(encoder.tokenize(&long, Role::Passage).len() > 510);
    let v = encoder.embed(&long, Role::Passage);
    assert!((cosine(&v, &v) - 1.0).abs() < 1e-4);
}
