//! The passage vectors of a transcript: one per line and one per window of lines, the windows
//! embedded at every other line and those between filled in from their neighbours.

use crate::embed::store::Vectors;

/// Lines per embedded window.
pub const WINDOW_LINES: usize = 3;

/// The passage vectors of one transcript.
#[derive(Debug, Clone)]
pub struct TranscriptVectors {
    /// One row per line.
    pub lines: Vectors,
    /// One row per window; window `i` covers lines `i + 1 ..= i + WINDOW_LINES`.
    pub windows: Vectors,
}

/// Windows of `lines` as the text embedded for each: `WINDOW_LINES` lines joined, one window
/// starting at every line (the last ones shorter).
pub fn window_texts(lines: &[String]) -> Vec<String> {
    (0..lines.len()).map(|i| window_text(lines, i)).collect()
}

/// The text of the window starting at 0-based line `i`.
fn window_text(lines: &[String], i: usize) -> String {
    lines[i..(i + WINDOW_LINES).min(lines.len())].join("")
}

/// Windows are embedded at every `EMBEDDED_WINDOW_STRIDE`-th line; a window between two embedded
/// ones shares all but one line with each, so its vector is their normalised mean.
pub const EMBEDDED_WINDOW_STRIDE: usize = 2;

/// The texts of the windows that are embedded (every `EMBEDDED_WINDOW_STRIDE`-th window).
pub fn embedded_window_texts(lines: &[String]) -> Vec<String> {
    (0..lines.len())
        .step_by(EMBEDDED_WINDOW_STRIDE)
        .map(|i| window_text(lines, i))
        .collect()
}

/// A vector for every window of a transcript of `line_count` lines from the vectors of the
/// embedded ones: each window between two embedded windows gets their normalised mean, one
/// after the last embedded window gets that window's vector.
pub fn all_windows(embedded: &[Vec<f32>], line_count: usize, dimension: usize) -> Vectors {
    let mut windows = Vectors::new(dimension);
    for i in 0..line_count {
        let (before, offset) = (i / EMBEDDED_WINDOW_STRIDE, i % EMBEDDED_WINDOW_STRIDE);
        match (embedded.get(before), embedded.get(before + 1)) {
            (Some(v), _) if offset == 0 => windows.push(v),
            (Some(a), Some(b)) => {
                let share = offset as f32 / EMBEDDED_WINDOW_STRIDE as f32;
                let mixed: Vec<f32> = a
                    .iter()
                    .zip(b)
                    .map(|(x, y)| (1.0 - share) * x + share * y)
                    .collect();
                windows.push(&crate::embed::normalized(mixed));
            }
            (Some(v), None) => windows.push(v),
            (None, _) => windows.push(&vec![0.0; dimension]),
        }
    }
    windows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_between_embedded_ones_are_their_normalised_mean() {
        let embedded = vec![vec![1.0, 0.0], vec![0.0, 1.0]];
        let windows = all_windows(&embedded, 4, 2);
        assert_eq!(windows.len(), 4);
        assert_eq!(windows.row(0), &[1.0, 0.0]);
        let half = std::f32::consts::FRAC_1_SQRT_2;
        assert!((windows.row(1)[0] - half).abs() < 1e-6 && (windows.row(1)[1] - half).abs() < 1e-6);
        assert_eq!(windows.row(2), &[0.0, 1.0]);
        assert_eq!(
            windows.row(3),
            &[0.0, 1.0],
            "after the last embedded window"
        );
    }

    #[test]
    fn every_other_window_is_embedded() {
        let lines: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        assert_eq!(embedded_window_texts(&lines), vec!["abc", "cde", "e"]);
    }

    #[test]
    fn windows_start_at_every_line() {
        let lines: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        assert_eq!(window_texts(&lines), vec!["abc", "bcd", "cd", "d"]);
    }
}
