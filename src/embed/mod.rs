//! Sentence embeddings: the encoder (crate `interview-bot-encoder`), getting its model file, and
//! the vectors of a transcript's passages.

pub mod fetch;
pub mod store;

pub use interview_bot_encoder::{cosine, normalized, Encoder, Role};

/// Cosines turned into z-scores (mean 0, deviation 1): raw cosines of this model bunch in a
/// narrow band whose place varies from question to question.
pub fn standardized(similarities: &[f32]) -> Vec<f32> {
    if similarities.is_empty() {
        return Vec::new();
    }
    let n = similarities.len() as f32;
    let mean = similarities.iter().sum::<f32>() / n;
    let variance = similarities
        .iter()
        .map(|s| (s - mean) * (s - mean))
        .sum::<f32>()
        / n;
    let deviation = variance.sqrt().max(1e-6);
    similarities
        .iter()
        .map(|s| (s - mean) / deviation)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardized_scores_have_zero_mean_and_unit_deviation() {
        let z = standardized(&[0.8, 0.85, 0.9]);
        assert!(z.iter().sum::<f32>().abs() < 1e-5);
        assert!((z[2] - 1.2247).abs() < 1e-3, "{z:?}");
    }
}
