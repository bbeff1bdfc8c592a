//! Topic labels: the outline of a transcript from its curated chapters, or an automatic one found
//! by lexical cohesion (TextTiling over jieba words) and labelled with each segment's keywords.

use std::collections::HashSet;

use rustc_hash::FxHashMap as HashMap;

use crate::corpus::Transcript;
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
pub fn outline(transcript: &Transcript, analyzer: &Analyzer) -> Vec<Topic> {
    if transcript.chapters.is_empty() {
        auto_outline(transcript, analyzer)
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
/// three most distinctive words.
pub fn auto_outline(transcript: &Transcript, analyzer: &Analyzer) -> Vec<Topic> {
    let line_words: Vec<Vec<String>> = transcript
        .lines
        .iter()
        .map(|l| content_words(analyzer, &normalize(l)))
        .collect();
    let starts = segment_starts(&line_words, &transcript.lines);
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

/// First lines (1-based) of the segments, the first being 1.
fn segment_starts(line_words: &[Vec<String>], lines: &[String]) -> Vec<usize> {
    let n = line_words.len();
    if n < 2 * MIN_SEGMENT_LINES {
        return vec![1];
    }
    // cohesion across the gap after line i (0-based), i in 0..n-1
    let gaps: Vec<f32> = (0..n - 1)
        .map(|i| {
            let left = bag(&line_words[(i + 1).saturating_sub(BLOCK_LINES)..=i]);
            let right = bag(&line_words[i + 1..(i + 1 + BLOCK_LINES).min(n)]);
            cosine(&left, &right)
        })
        .collect();
    let smoothed: Vec<f32> = (0..gaps.len())
        .map(|i| {
            let lo = i.saturating_sub(1);
            let hi = (i + 1).min(gaps.len() - 1);
            gaps[lo..=hi].iter().sum::<f32>() / (hi - lo + 1) as f32
        })
        .collect();
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
            depth += 0.1;
        }
        if normalize(&lines[i]).ends_with('?') || next_line.ends_with('?') {
            depth += 0.05;
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
        let starts = segment_starts(&line_words, &lines);
        assert_eq!(starts[0], 1);
        assert!(
            starts.iter().any(|&s| s.abs_diff(change) <= 3),
            "boundary near {change}: {starts:?}"
        );
        let labels = label_segments(&line_words, &[(1, change - 1), (change, lines.len())]);
        assert!(labels[1].contains("足球"), "{labels:?}");
    }
}
