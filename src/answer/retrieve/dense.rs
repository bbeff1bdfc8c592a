//! Dense retrieval: the question's vector against the vectors of every line and every window of
//! lines, as per-question scores and as the best windows.

use crate::answer::state::vectors::TranscriptVectors;
use crate::answer::state::vectors::WINDOW_LINES;
use crate::embed::standardized;

/// Similarities of one question with one transcript, standardised over the transcript.
#[derive(Debug, Clone)]
pub struct DenseScores {
    /// Cosine per line, as z-scores over the transcript's lines.
    pub lines: Vec<f32>,
    /// Cosine per window, as z-scores over the transcript's windows.
    pub windows: Vec<f32>,
    /// Rank of each window by similarity (0 = best).
    pub window_rank: Vec<usize>,
    /// Raw cosine per window.
    pub window_cosines: Vec<f32>,
}

impl DenseScores {
    /// Best window z-score among windows that start within `start..=end` (1-based lines).
    pub fn best_window_in(&self, start: usize, end: usize) -> (f32, usize) {
        (start..=end.min(self.windows.len()))
            .map(|line| (self.windows[line - 1], self.window_rank[line - 1]))
            .fold((f32::NEG_INFINITY, usize::MAX), |best, w| {
                if w.0 > best.0 {
                    w
                } else {
                    best
                }
            })
    }

    /// Best raw window cosine among windows that start within `start..=end`.
    pub fn best_cosine_in(&self, start: usize, end: usize) -> f32 {
        (start..=end.min(self.window_cosines.len()))
            .map(|line| self.window_cosines[line - 1])
            .fold(f32::NEG_INFINITY, f32::max)
    }

    /// Best line z-score within `start..=end`.
    pub fn best_line_in(&self, start: usize, end: usize) -> f32 {
        (start..=end.min(self.lines.len()))
            .map(|line| self.lines[line - 1])
            .fold(f32::NEG_INFINITY, f32::max)
    }

    /// Mean of the `k` best window z-scores among windows that start within `start..=end`: how
    /// much a whole stretch (a topic) is about the question.
    pub fn top_windows_mean_in(&self, start: usize, end: usize, k: usize) -> f32 {
        let end = end.min(self.windows.len());
        if end < start || k == 0 {
            return 0.0;
        }
        let mut stretch = self.windows[start - 1..end].to_vec();
        stretch.sort_by(|a, b| b.total_cmp(a));
        stretch.truncate(k);
        stretch.iter().sum::<f32>() / stretch.len() as f32
    }

    /// Mean line z-score within `start..=end`.
    pub fn mean_line_in(&self, start: usize, end: usize) -> f32 {
        let end = end.min(self.lines.len());
        if end < start {
            return 0.0;
        }
        self.lines[start - 1..end].iter().sum::<f32>() / (end - start + 1) as f32
    }
}

/// Ranks of values, highest first (0 = highest).
pub fn ranks(values: &[f32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    let mut rank = vec![0; values.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r;
    }
    rank
}

/// Scores a question's vector against a transcript's vectors.
pub fn score(vectors: &TranscriptVectors, query: &[f32]) -> DenseScores {
    let window_cosines = vectors.windows.similarities(query);
    let windows = standardized(&window_cosines);
    DenseScores {
        lines: standardized(&vectors.lines.similarities(query)),
        window_rank: ranks(&windows),
        windows,
        window_cosines,
    }
}

/// A span found by dense retrieval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DenseHit {
    /// Position of the transcript in the corpus.
    pub transcript: usize,
    /// First line (1-based).
    pub start: usize,
    /// Last line.
    pub end: usize,
}

/// The `k` best windows over all transcripts, never overlapping, best first.
pub fn best_windows(scores: &[Option<DenseScores>], k: usize) -> Vec<DenseHit> {
    let mut all: Vec<(f32, usize, usize)> = scores
        .iter()
        .enumerate()
        .filter_map(|(t, s)| s.as_ref().map(|s| (t, s)))
        .flat_map(|(t, s)| {
            s.windows
                .iter()
                .enumerate()
                .map(move |(i, &z)| (z, t, i + 1))
        })
        .collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.2.cmp(&b.2)));
    let mut chosen: Vec<DenseHit> = Vec::with_capacity(k);
    for (_, transcript, start) in all {
        if chosen.len() == k {
            break;
        }
        let line_count = scores[transcript].as_ref().map_or(0, |s| s.lines.len());
        let end = (start + WINDOW_LINES - 1).min(line_count);
        let overlaps = chosen
            .iter()
            .any(|c| c.transcript == transcript && c.start <= end && start <= c.end);
        if !overlaps {
            chosen.push(DenseHit {
                transcript,
                start,
                end,
            });
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stretch_is_scored_by_its_best_windows() {
        let scores = DenseScores {
            lines: vec![0.0; 5],
            windows: vec![3.0, -1.0, 1.0, 0.0, 5.0],
            window_rank: vec![1, 4, 2, 3, 0],
            window_cosines: vec![0.9; 5],
        };
        assert_eq!(scores.top_windows_mean_in(1, 4, 2), 2.0);
        assert_eq!(scores.top_windows_mean_in(2, 2, 3), -1.0);
        assert_eq!(scores.top_windows_mean_in(4, 3, 2), 0.0, "an empty stretch");
    }

    fn scores(windows: Vec<f32>) -> DenseScores {
        DenseScores {
            lines: windows.clone(),
            window_rank: ranks(&windows),
            window_cosines: windows.clone(),
            windows,
        }
    }

    #[test]
    fn best_windows_do_not_overlap() {
        let s = scores(vec![0.1, 0.9, 0.8, 0.2, 0.1, 0.7, 0.0]);
        let hits = best_windows(&[Some(s)], 2);
        assert_eq!(hits[0].start, 2);
        assert_eq!(hits[1].start, 6, "windows at 3 and 4 overlap the best");
    }

    #[test]
    fn asked_for_no_windows_none_come() {
        assert!(best_windows(&[Some(scores(vec![0.5, 0.1]))], 0).is_empty());
    }

    #[test]
    fn transcripts_without_vectors_are_skipped() {
        let hits = best_windows(&[None, Some(scores(vec![0.5, 0.1, 0.0]))], 3);
        assert!(hits.iter().all(|h| h.transcript == 1));
    }

    #[test]
    fn best_window_in_a_span_reports_its_rank() {
        let s = scores(vec![0.1, 0.9, 0.8, 0.2]);
        assert_eq!(s.best_window_in(3, 4), (0.8, 1));
    }
}
