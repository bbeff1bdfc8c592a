//! Ranking: full-text retrieval of windows, then narrowing each window to the span of lines that
//! covers most of the question's concepts, with answer-type and speaker cues; scores of the spans,
//! best first and never overlapping.

use super::Engine;
use crate::search::query::{Concept, QueryPlan};
use crate::search::TermField;
use crate::text::char_grams;

/// Windows fetched from the full-text index before narrowing.
const RETRIEVED_WINDOWS: usize = 40;
/// Lines looked at around a retrieved window.
const MARGIN_LINES: usize = 3;
/// Shortest passage returned.
const MIN_LINES: usize = 3;
/// Cost of each extra line in a span, as a share of the question's total importance.
const LINE_PENALTY: f32 = 0.015;
/// Weight of the full-text score (normalised to the best window) in the final score.
const RETRIEVAL_WEIGHT: f32 = 0.15;
/// Bonus share for a span holding a number when the question asks for one.
const NUMBER_BONUS: f32 = 0.06;
/// Bonus share for a span spoken by the speaker the question names.
const SPEAKER_BONUS: f32 = 0.08;

/// Share of credit for concepts matched just around a span rather than in it.
const VICINITY_WEIGHT: f32 = 0.4;

/// Importance of the concepts found in the looked-at lines around a span beyond what the span
/// itself holds: an answer sits where the question's words cluster.
fn vicinity_support(plan: &QueryPlan, matrix: &MatchMatrix, first: usize, span: &Candidate) -> f32 {
    let (a, b) = (span.start - first, span.end - first);
    plan.concepts
        .iter()
        .zip(&matrix.values)
        .map(|(concept, row)| {
            let inside = row[a..=b].iter().copied().fold(0.0, f32::max);
            let around = row.iter().copied().fold(0.0, f32::max);
            concept.importance * (around - inside).max(0.0)
        })
        .sum()
}

/// Share of credit for concepts found anywhere in the span's topic.
const TOPIC_WEIGHT: f32 = 0.25;

/// Importance of the question's concepts found anywhere in lines `first..=last`: a passage in the
/// part of the interview that is about the question's subject is likelier to answer it.
fn topic_support(
    engine: &Engine,
    plan: &QueryPlan,
    transcript: usize,
    first: usize,
    last: usize,
) -> f32 {
    let t = transcript as u32;
    plan.concepts
        .iter()
        .filter(|c| c.present)
        .map(|concept| {
            let best = concept
                .variants
                .iter()
                .filter(|v| {
                    !engine
                        .lines
                        .lines_between(v.field, &v.text, t, first as u32, last as u32)
                        .is_empty()
                })
                .map(|v| v.weight)
                .fold(0.0f32, f32::max);
            concept.importance * best
        })
        .sum()
}

/// A scored span of lines.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Position of the transcript in the corpus.
    pub transcript: usize,
    /// First line.
    pub start: usize,
    /// Last line.
    pub end: usize,
    /// The line that matched best (decides the topic).
    pub anchor: usize,
    /// Final score.
    pub score: f32,
    /// Share of the question's importance covered by the span (0..=1).
    pub coverage: f32,
    /// Importance covered, in absolute terms.
    pub evidence: f32,
    /// Matched terms for highlighting.
    pub matched: Vec<String>,
    /// Whether the span holds a number (for questions asking how many).
    pub holds_number: bool,
}

/// Whether the thing the question asks for (the word after 什么/几/多少…) never occurs in the
/// corpus: then nothing can answer it.
pub fn focus_missing(plan: &QueryPlan) -> bool {
    plan.concepts.iter().any(|c| c.focus && !c.present)
}

/// Whether the question names a thing (a noun, a product name) that never occurs in the corpus.
pub fn entity_missing(plan: &QueryPlan) -> bool {
    plan.concepts.iter().any(|c| c.entity && !c.present)
}

/// Ranks spans for a plan; `only` restricts to one transcript.
pub fn rank(
    engine: &Engine,
    plan: &QueryPlan,
    only: Option<usize>,
    top_n: usize,
) -> Vec<Candidate> {
    let terms = plan.search_terms();
    let hits = match engine.index.search(&terms, RETRIEVED_WINDOWS) {
        Ok(hits) => hits,
        Err(e) => {
            tracing::warn!(error = %e, "search failed");
            return Vec::new();
        }
    };
    let best_retrieval = hits.iter().map(|h| h.score).fold(0.0f32, f32::max);
    let total_importance: f32 = plan.concepts.iter().map(|c| c.importance).sum();
    let max_lines = engine.config.max_passage_lines.max(MIN_LINES);
    let mut candidates: Vec<Candidate> = Vec::new();
    for hit in hits
        .iter()
        .filter(|h| only.is_none_or(|t| t == h.transcript))
    {
        let transcript = &engine.corpus.transcripts[hit.transcript];
        let first = hit.start.saturating_sub(MARGIN_LINES).max(1);
        let last = (hit.end + MARGIN_LINES).min(transcript.line_count());
        let matrix = match_matrix(engine, plan, hit.transcript, first, last);
        let Some(mut candidate) = best_span(plan, &matrix, first, max_lines, total_importance)
        else {
            continue;
        };
        candidate.score += VICINITY_WEIGHT * vicinity_support(plan, &matrix, first, &candidate);
        if let Some(topic) =
            crate::topics::topic_at(&engine.outlines[hit.transcript], candidate.anchor)
        {
            candidate.score +=
                TOPIC_WEIGHT * topic_support(engine, plan, hit.transcript, topic.start, topic.end);
        }
        candidate.transcript = hit.transcript;
        follow_question(&mut candidate, transcript, max_lines);
        widen(&mut candidate, MIN_LINES, transcript.line_count());
        let retrieval = if best_retrieval > 0.0 {
            hit.score / best_retrieval
        } else {
            0.0
        };
        candidate.score += RETRIEVAL_WEIGHT * retrieval * total_importance;
        candidate.holds_number = holds_number(&transcript.text(candidate.start, candidate.end));
        if plan.cues.number && candidate.holds_number {
            candidate.score += NUMBER_BONUS * total_importance;
        }
        let speaker = transcript.speaker_of(candidate.start, candidate.end);
        if speaker.is_some_and(|s| plan.speakers().any(|named| named == s.name)) {
            candidate.score += SPEAKER_BONUS * total_importance;
        }
        candidate.matched = matched_terms(plan, &matrix, first, candidate.start, candidate.end);
        candidates.push(candidate);
    }
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.start.cmp(&b.start)));
    let mut chosen: Vec<Candidate> = Vec::new();
    for candidate in candidates {
        let overlaps = chosen.iter().any(|c| {
            c.transcript == candidate.transcript
                && c.start <= candidate.end
                && candidate.start <= c.end
        });
        if !overlaps {
            chosen.push(candidate);
        }
        if chosen.len() == top_n {
            break;
        }
    }
    chosen
}

/// Per concept, per line of `first..=last`: how well the line expresses the concept (0..=1), and
/// which variant did it.
struct MatchMatrix {
    values: Vec<Vec<f32>>,
    terms: Vec<Vec<Option<String>>>,
}

fn match_matrix(
    engine: &Engine,
    plan: &QueryPlan,
    transcript: usize,
    first: usize,
    last: usize,
) -> MatchMatrix {
    let width = last - first + 1;
    let mut values = vec![vec![0.0f32; width]; plan.concepts.len()];
    let mut terms = vec![vec![None; width]; plan.concepts.len()];
    let t = transcript as u32;
    for (c, concept) in plan.concepts.iter().enumerate().filter(|(_, c)| c.present) {
        for variant in &concept.variants {
            for at in engine.lines.lines_between(
                variant.field,
                &variant.text,
                t,
                first as u32,
                last as u32,
            ) {
                let i = at.line as usize - first;
                if variant.weight > values[c][i] {
                    values[c][i] = variant.weight;
                    terms[c][i] = Some(variant.text.clone());
                }
            }
        }
        gram_matches(engine, concept, t, first, last, &mut values[c]);
    }
    MatchMatrix { values, terms }
}

/// Partial matches through character n-grams: the share of the concept's n-grams on the line.
fn gram_matches(
    engine: &Engine,
    concept: &Concept,
    t: u32,
    first: usize,
    last: usize,
    row: &mut [f32],
) {
    let total = char_grams(&concept.label).len();
    if total < 2 || concept.grams.is_empty() {
        return;
    }
    let mut counts = vec![0usize; row.len()];
    for gram in &concept.grams {
        for at in engine
            .lines
            .lines_between(TermField::Gram, gram, t, first as u32, last as u32)
        {
            counts[at.line as usize - first] += 1;
        }
    }
    for (value, count) in row.iter_mut().zip(counts) {
        let partial = crate::search::query::GRAM_MATCH_WEIGHT * count as f32 / total as f32;
        *value = value.max(partial);
    }
}

fn best_span(
    plan: &QueryPlan,
    matrix: &MatchMatrix,
    first: usize,
    max_lines: usize,
    total_importance: f32,
) -> Option<Candidate> {
    let width = matrix.values.first().map_or(0, Vec::len);
    let mut best: Option<Candidate> = None;
    for a in 0..width {
        let mut maxima = vec![0.0f32; plan.concepts.len()];
        for b in a..width.min(a + max_lines) {
            for (c, row) in matrix.values.iter().enumerate() {
                maxima[c] = maxima[c].max(row[b]);
            }
            // a span must start and end on a matching line
            let edges_match = matrix.values.iter().any(|r| r[a] > 0.0)
                && matrix.values.iter().any(|r| r[b] > 0.0);
            if !edges_match {
                continue;
            }
            let evidence: f32 = plan
                .concepts
                .iter()
                .zip(&maxima)
                .map(|(concept, m)| concept.importance * m)
                .sum();
            let score = evidence - LINE_PENALTY * total_importance * (b - a) as f32;
            if best.as_ref().is_none_or(|c| score > c.score) {
                let anchor = (a..=b)
                    .max_by(|&x, &y| {
                        line_value(plan, matrix, x)
                            .total_cmp(&line_value(plan, matrix, y))
                            .then(y.cmp(&x))
                    })
                    .unwrap_or(a);
                best = Some(Candidate {
                    transcript: 0,
                    start: first + a,
                    end: first + b,
                    anchor: first + anchor,
                    score,
                    coverage: if total_importance > 0.0 {
                        evidence / total_importance
                    } else {
                        0.0
                    },
                    evidence,
                    matched: Vec::new(),
                    holds_number: false,
                });
            }
        }
    }
    best
}

fn line_value(plan: &QueryPlan, matrix: &MatchMatrix, i: usize) -> f32 {
    plan.concepts
        .iter()
        .zip(&matrix.values)
        .map(|(c, row)| c.importance * row[i])
        .sum()
}

/// Lines added after a span that ends on a question, so the reply to it is included.
const ANSWER_LINES: usize = 4;

/// Words by which a retelling reports that someone was asked something.
const ASKED_MARKERS: &[&str] = &[
    "问到", "问道", "追问", "被问", "问起", "提问", "问他", "问她",
];

/// In an interview the words of a question often match the question itself; when a span's last
/// lines ask something (a question mark, or "当被问到…时"), extend it over the lines that answer.
fn follow_question(
    candidate: &mut Candidate,
    transcript: &crate::corpus::Transcript,
    max_lines: usize,
) {
    let tail_start = candidate.end.saturating_sub(1).max(candidate.start);
    let asks = (tail_start..=candidate.end).any(|n| {
        let line = transcript.line(n).trim_end();
        line.ends_with(['？', '?']) || ASKED_MARKERS.iter().any(|m| line.contains(m))
    });
    if !asks {
        return;
    }
    let limit = (candidate.start + max_lines - 1).min(transcript.line_count());
    candidate.end = (candidate.end + ANSWER_LINES).min(limit).max(candidate.end);
}

/// Widens a span to at least `min_lines`, alternating after and before (what answers a mention
/// tends to follow it), within the transcript.
fn widen(candidate: &mut Candidate, min_lines: usize, line_count: usize) {
    let mut before = false;
    while candidate.end - candidate.start + 1 < min_lines.min(line_count) {
        if before && candidate.start > 1 {
            candidate.start -= 1;
        } else if !before && candidate.end < line_count {
            candidate.end += 1;
        } else if candidate.start > 1 {
            candidate.start -= 1;
        } else {
            candidate.end += 1;
        }
        before = !before;
    }
}

/// Whether text states a quantity: digits, or Chinese numerals other than 一 (which mostly means
/// "a"/"once" rather than a count).
fn holds_number(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_ascii_digit() || "二三四五六七八九十百千万亿两%％".contains(c))
}

fn matched_terms(
    plan: &QueryPlan,
    matrix: &MatchMatrix,
    first: usize,
    start: usize,
    end: usize,
) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for row in &matrix.terms {
        for term in row
            [start.saturating_sub(first).min(row.len())..(end + 1 - first).min(row.len())]
            .iter()
            .flatten()
        {
            if !found.contains(term) {
                found.push(term.clone());
            }
        }
    }
    let _ = plan;
    found
}
