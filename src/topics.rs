//! Topic labels: the outline of a transcript from its curated chapters, or an automatic one found
//! by cohesion across each gap between lines (TextTiling over jieba words, and over the lines'
//! sentence vectors when they exist), labelled with each segment's keywords.

use std::collections::HashSet;

use rustc_hash::FxHashMap as HashMap;

use crate::corpus::Transcript;
use crate::embed::standardized;
use crate::embed::store::Vectors;
use crate::text::{is_cjk, normalize, Analyzer};

/// A part of a transcript with its label.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Topic {
    /// First line (1-based).
    pub start: usize,
    /// Last line (inclusive).
    pub end: usize,
    /// Label: the chapter title, or keywords for automatic segments.
    pub title: String,
    /// Whether the label was found automatically.
    pub automatic: bool,
}

/// The curated outline when the transcript has chapters, else the automatic one.
pub fn outline(
    transcript: &Transcript,
    analyzer: &Analyzer,
    line_vectors: Option<&Vectors>,
) -> Vec<Topic> {
    if transcript.chapters.is_empty() {
        auto_outline(transcript, analyzer, line_vectors)
    } else {
        curated_outline(transcript)
    }
}

/// Topics from the transcript's chapters.
pub fn curated_outline(transcript: &Transcript) -> Vec<Topic> {
    let last = transcript.line_count();
    transcript
        .chapters
        .iter()
        .enumerate()
        .map(|(i, c)| Topic {
            start: c.start_line,
            end: transcript
                .chapters
                .get(i + 1)
                .map_or(last, |next| next.start_line - 1),
            title: c.title.clone(),
            automatic: false,
        })
        .collect()
}

/// The topic holding `line`.
pub fn topic_at(outline: &[Topic], line: usize) -> Option<&Topic> {
    outline.iter().find(|t| t.start <= line && line <= t.end)
}

/// Depth added where a line opens with a transition word, as a share of the cohesion range.
const TRANSITION_BONUS: f32 = 0.1;
/// Depth added around a question, as a share of the cohesion range.
const QUESTION_BONUS: f32 = 0.05;
/// Lines compared on each side of a gap.
const BLOCK_LINES: usize = 10;
/// Average segment length aimed at, in lines.
const TARGET_SEGMENT_LINES: usize = 45;
/// Shortest segment allowed, in lines.
const MIN_SEGMENT_LINES: usize = 15;
/// Words opening a new subject in spoken retellings.
const TRANSITION_MARKERS: &[&str] = &[
    "那么",
    "接下来",
    "此外",
    "另外",
    "说到",
    "最后",
    "谈到",
    "关于",
];

/// Segments a transcript automatically (ignoring its chapters) and labels each segment with its
/// three most distinctive words. With the vectors of its lines, cohesion across each gap is
/// measured by meaning as well as by shared words.
pub fn auto_outline(
    transcript: &Transcript,
    analyzer: &Analyzer,
    line_vectors: Option<&Vectors>,
) -> Vec<Topic> {
    let line_words: Vec<Vec<String>> = transcript
        .lines
        .iter()
        .map(|l| content_words(analyzer, &normalize(l)))
        .collect();
    let mut gaps = lexical_cohesion(&line_words);
    if let Some(vectors) = line_vectors.filter(|v| v.len() == line_words.len()) {
        let by_meaning = standardized(&semantic_cohesion(vectors));
        let by_words = standardized(&gaps);
        gaps = by_meaning
            .iter()
            .zip(&by_words)
            .map(|(m, w)| MEANING_SHARE * m + (1.0 - MEANING_SHARE) * w)
            .collect();
    }
    let starts = segment_starts(&gaps, &transcript.lines);
    let last = transcript.line_count();
    let spans: Vec<(usize, usize)> = starts
        .iter()
        .enumerate()
        .map(|(i, &s)| (s, starts.get(i + 1).map_or(last, |n| n - 1)))
        .collect();
    let labels = label_segments(&line_words, &spans);
    spans
        .into_iter()
        .zip(labels)
        .map(|((start, end), title)| Topic {
            start,
            end,
            title,
            automatic: true,
        })
        .collect()
}

fn content_words(analyzer: &Analyzer, normalized: &str) -> Vec<String> {
    analyzer
        .query_words(normalized)
        .into_iter()
        .filter(|w| {
            let chars = w.chars().count();
            let cjk = w.chars().all(is_cjk);
            !analyzer.is_stopword(w)
                && !w.chars().all(|c| c.is_ascii_digit())
                && ((cjk && chars >= 2) || (!cjk && chars >= 3))
        })
        .collect()
}

/// Weight of cohesion by meaning against cohesion by words, when both are known.
const MEANING_SHARE: f32 = 0.5;

/// Cohesion by shared words across the gap after each line but the last (0-based `i`: between
/// lines `i` and `i + 1`).
fn lexical_cohesion(line_words: &[Vec<String>]) -> Vec<f32> {
    let n = line_words.len();
    (0..n.saturating_sub(1))
        .map(|i| {
            let left = bag(&line_words[(i + 1).saturating_sub(BLOCK_LINES)..=i]);
            let right = bag(&line_words[i + 1..(i + 1 + BLOCK_LINES).min(n)]);
            cosine(&left, &right)
        })
        .collect()
}

/// Cohesion by meaning across each gap: cosine of the mean line vectors on either side.
fn semantic_cohesion(vectors: &Vectors) -> Vec<f32> {
    let n = vectors.len();
    let mean = |range: std::ops::Range<usize>| {
        let mut total = vec![0f32; vectors.dimension];
        for i in range {
            for (t, v) in total.iter_mut().zip(vectors.row(i)) {
                *t += v;
            }
        }
        total
    };
    (0..n.saturating_sub(1))
        .map(|i| {
            let left = mean((i + 1).saturating_sub(BLOCK_LINES)..i + 1);
            let right = mean(i + 1..(i + 1 + BLOCK_LINES).min(n));
            let dot: f32 = left.iter().zip(&right).map(|(a, b)| a * b).sum();
            let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
            dot / (norm(&left) * norm(&right))
        })
        .collect()
}

/// Pk's sibling WindowDiff: the share of windows of `k` lines (k = half the reference's mean
/// segment length) in which the two segmentations put a different number of boundaries.
/// 0 is perfect; placing no boundary at all scores about the share of windows holding one.
pub fn window_diff(reference: &[usize], hypothesis: &[usize], lines: usize) -> f64 {
    if lines < 2 {
        return 0.0;
    }
    let k = ((lines as f64 / reference.len().max(1) as f64) / 2.0)
        .round()
        .max(1.0) as usize;
    let boundaries = |starts: &[usize]| {
        let mut marks = vec![0u32; lines + 2];
        for &s in starts.iter().filter(|&&s| s > 1 && s <= lines) {
            marks[s] = 1;
        }
        marks
    };
    let (r, h) = (boundaries(reference), boundaries(hypothesis));
    let windows = lines.saturating_sub(k).max(1);
    let mut differ = 0;
    for i in 1..=windows {
        let count = |m: &[u32]| m[i + 1..=(i + k).min(lines)].iter().sum::<u32>();
        if count(&r) != count(&h) {
            differ += 1;
        }
    }
    differ as f64 / windows as f64
}

/// First lines (1-based) of the segments, the first being 1, from the cohesion across each gap.
fn segment_starts(gaps: &[f32], lines: &[String]) -> Vec<usize> {
    let n = lines.len();
    if n < 2 * MIN_SEGMENT_LINES || gaps.len() + 1 != n {
        return vec![1];
    }
    let smoothed: Vec<f32> = (0..gaps.len())
        .map(|i| {
            let lo = i.saturating_sub(1);
            let hi = (i + 1).min(gaps.len() - 1);
            gaps[lo..=hi].iter().sum::<f32>() / (hi - lo + 1) as f32
        })
        .collect();
    // the cues below are worth a share of the cohesion values' own range
    let spread = smoothed.iter().copied().fold(f32::NEG_INFINITY, f32::max)
        - smoothed.iter().copied().fold(f32::INFINITY, f32::min);
    let mut candidates: Vec<(f32, usize)> = Vec::new();
    for i in 0..smoothed.len() {
        let value = smoothed[i];
        let left_peak =
            smoothed[..=i].iter().rev().copied().fold(
                value,
                |peak, v| {
                    if v >= peak {
                        v
                    } else {
                        peak
                    }
                },
            );
        let right_peak = smoothed[i..].iter().copied().fold(value, f32::max);
        let mut depth = (left_peak - value) + (right_peak - value);
        let next_line = normalize(&lines[i + 1]);
        if TRANSITION_MARKERS.iter().any(|m| next_line.starts_with(m)) {
            depth += TRANSITION_BONUS * spread;
        }
        if normalize(&lines[i]).ends_with('?') || next_line.ends_with('?') {
            depth += QUESTION_BONUS * spread;
        }
        candidates.push((depth, i + 2)); // the segment starts at 1-based line i+2
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let wanted = (n / TARGET_SEGMENT_LINES).clamp(1, 40);
    let mut starts = vec![1usize];
    for (_, start) in candidates {
        if starts.len() >= wanted {
            break;
        }
        let far_enough = starts
            .iter()
            .all(|&s| s.abs_diff(start) >= MIN_SEGMENT_LINES)
            && n + 1 - start >= MIN_SEGMENT_LINES;
        if far_enough {
            starts.push(start);
        }
    }
    starts.sort_unstable();
    starts
}

fn bag(lines: &[Vec<String>]) -> HashMap<&str, f32> {
    let mut counts = HashMap::default();
    for word in lines.iter().flatten() {
        *counts.entry(word.as_str()).or_insert(0.0) += 1.0;
    }
    counts
}

fn cosine(a: &HashMap<&str, f32>, b: &HashMap<&str, f32>) -> f32 {
    let dot: f32 = a.iter().filter_map(|(w, x)| b.get(w).map(|y| x * y)).sum();
    let norm = |m: &HashMap<&str, f32>| m.values().map(|v| v * v).sum::<f32>().sqrt();
    let denominator = norm(a) * norm(b);
    if denominator == 0.0 {
        0.0
    } else {
        dot / denominator
    }
}

/// Labels each span with its three most distinctive words (tf × inverse segment frequency).
fn label_segments(line_words: &[Vec<String>], spans: &[(usize, usize)]) -> Vec<String> {
    let bags: Vec<HashMap<&str, f32>> = spans
        .iter()
        .map(|&(s, e)| bag(&line_words[s - 1..e]))
        .collect();
    let mut segment_frequency: HashMap<&str, usize> = HashMap::default();
    for b in &bags {
        for word in b.keys() {
            *segment_frequency.entry(word).or_default() += 1;
        }
    }
    let segments = bags.len() as f32;
    bags.iter()
        .map(|b| {
            let mut scored: Vec<(f32, &str)> = b
                .iter()
                .map(|(w, tf)| {
                    let idf = (1.0 + segments / segment_frequency[w] as f32).ln();
                    (tf * idf * (w.chars().count() as f32).sqrt(), *w)
                })
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
            let mut chosen: Vec<&str> = Vec::new();
            let mut seen: HashSet<&str> = HashSet::new();
            for (_, w) in scored {
                if chosen.len() == 3 {
                    break;
                }
                if chosen.iter().any(|c| c.contains(w) || w.contains(c)) || !seen.insert(w) {
                    continue;
                }
                chosen.push(w);
            }
            if chosen.is_empty() {
                "其他".to_string()
            } else {
                chosen.join("、")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn analyzer() -> Analyzer {
        Analyzer::new(Arc::new(jieba_rs::Jieba::new()), HashSet::new())
    }

    #[test]
    fn segments_a_fixture_at_its_subject_change() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/two-topics.txt"
        ))
        .unwrap();
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let change = lines.iter().position(|l| l.contains("足球")).unwrap() + 1;
        let analyzer = analyzer();
        let line_words: Vec<Vec<String>> = lines
            .iter()
            .map(|l| content_words(&analyzer, &normalize(l)))
            .collect();
        let starts = segment_starts(&lexical_cohesion(&line_words), &lines);
        assert_eq!(starts[0], 1);
        assert!(
            starts.iter().any(|&s| s.abs_diff(change) <= 3),
            "boundary near {change}: {starts:?}"
        );
        let labels = label_segments(&line_words, &[(1, change - 1), (change, lines.len())]);
        assert!(labels[1].contains("足球"), "{labels:?}");
    }

    #[test]
    fn window_diff_is_zero_for_the_same_segmentation() {
        assert_eq!(window_diff(&[1, 20, 40], &[1, 20, 40], 60), 0.0);
    }

    #[test]
    fn window_diff_grows_with_misplaced_boundaries() {
        let near = window_diff(&[1, 20, 40], &[1, 22, 40], 60);
        let far = window_diff(&[1, 20, 40], &[1, 30, 50], 60);
        let none = window_diff(&[1, 20, 40], &[1], 60);
        assert!(0.0 < near && near < far, "{near} {far}");
        assert!(none > near, "{none}");
    }

    #[test]
    fn meaning_cohesion_drops_where_the_vectors_change() {
        let mut vectors = Vectors::new(2);
        for i in 0..30 {
            vectors.push(if i < 15 { &[1.0, 0.0] } else { &[0.0, 1.0] });
        }
        let gaps = semantic_cohesion(&vectors);
        let lowest = (0..gaps.len())
            .min_by(|&a, &b| gaps[a].total_cmp(&gaps[b]))
            .unwrap();
        assert_eq!(lowest, 14, "the gap between lines 15 and 16: {gaps:?}");
    }
}
