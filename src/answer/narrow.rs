//! Narrowing: each retrieved region cut to the span of lines that covers most of the question's
//! concepts (with answer-type and speaker cues), and each window found by meaning (or stretch
//! found by its notes) taken as it is — every candidate kept within the configured longest
//! passage.

use super::kinds::HeldKinds;
use super::retrieve::lexical::Region;
use super::retrieve::Retrieved;
use super::state::State;
use super::understand::query::{QueryPlan, GRAM_MATCH_WEIGHT};
use super::understand::{Anchor, Understood};
use crate::search::lines::{within, LineIndex, LineRef};
use crate::search::TermField;
use crate::text::char_grams;

/// Windows found by English words in the English renderings that stand as candidates of their
/// own.
const ENGLISH_WINDOWS: usize = 8;
/// Stretches whose notes come closest to the question by meaning that stand as candidates.
const NOTE_STRETCHES: usize = 3;
/// Stretches whose notes share the most words with the question that stand as candidates.
const NOTE_WORD_STRETCHES: usize = 2;
/// Lines either side of the passage shown before a follow-up whose spans stand as candidates: the
/// answer to a follow-up mostly lies close to what was shown.
const NEIGHBOURHOOD_LINES: usize = 30;
/// Lines of each span around the passage shown before.
const NEIGHBOUR_SPAN: usize = 6;
/// Lines between the starts of two such spans.
const NEIGHBOUR_STRIDE: usize = 3;
/// Lines looked at around a retrieved window.
const MARGIN_LINES: usize = 3;
/// Shortest passage returned (unless the configured longest is shorter): in a retelling what is
/// said about a subject often follows the line that names it. Chosen on the held-out training
/// figures (README, "Quality").
const MIN_LINES: usize = 5;
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
/// Share of credit for concepts found anywhere in the span's topic.
const TOPIC_WEIGHT: f32 = 0.25;

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
    /// Whether the span states a date or a time (looked at only for questions asking when).
    pub holds_time: bool,
    /// Full-text score of the region it was narrowed from, relative to the best region (0..=1).
    pub retrieval: f32,
    /// Whether the span's speaker is one the question names.
    pub speaker_named: bool,
}

impl Candidate {
    /// A span with no scores (for passages shown without a question).
    pub fn plain(transcript: usize, start: usize, end: usize, anchor: usize) -> Candidate {
        Candidate {
            transcript,
            start,
            end,
            anchor,
            score: 0.0,
            coverage: 0.0,
            evidence: 0.0,
            matched: Vec::new(),
            holds_number: false,
            holds_time: false,
            retrieval: 0.0,
            speaker_named: false,
        }
    }
}

/// The postings of every variant and n-gram of the question, looked up once per question.
struct QueryPostings<'a> {
    /// Per concept: (variant index, weight, lines holding it).
    variants: Vec<Vec<(usize, f32, &'a [LineRef])>>,
    /// Per concept: lines of each of its n-grams, and how many n-grams the word has.
    grams: Vec<(Vec<&'a [LineRef]>, usize)>,
}

impl<'a> QueryPostings<'a> {
    fn new(lines: &'a LineIndex, plan: &QueryPlan) -> Self {
        let variants = plan
            .concepts
            .iter()
            .map(|c| {
                if !c.present {
                    return Vec::new();
                }
                c.variants
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (i, v.weight, lines.lines_of(v.field, &v.text)))
                    .filter(|(_, _, found)| !found.is_empty())
                    .collect()
            })
            .collect();
        let grams = plan
            .concepts
            .iter()
            .map(|c| {
                let total = char_grams(&c.label).len();
                if !c.present || total < 2 {
                    return (Vec::new(), total);
                }
                let found = c
                    .grams
                    .iter()
                    .map(|g| lines.lines_of(TermField::Gram, g))
                    .collect();
                (found, total)
            })
            .collect();
        QueryPostings { variants, grams }
    }
}

/// A candidate span and its place among the candidates found by words (`None` for a window
/// found by meaning only).
#[derive(Debug, Clone)]
pub struct Narrowed {
    /// The span and its lexical facts.
    pub candidate: Candidate,
    /// Its rank among the lexical candidates.
    pub lexical_rank: Option<usize>,
}

/// The candidates of a question: every region found by words or meaning, or a stretch found by
/// its notes, narrowed to its best span (best first), then the windows found by meaning (in the
/// transcript and in its English rendering) and by English words, and the stretches found by
/// their notes, as they are; each cut to the configured longest passage.
pub fn narrow(
    state: &State,
    understood: &Understood,
    retrieved: &Retrieved,
    anchor: Option<Anchor>,
) -> Vec<Narrowed> {
    let plan = &understood.plan;
    let noted = noted_stretches(state, retrieved);
    let mut regions = retrieved.regions.clone();
    regions.extend(retrieved.dense_hits.iter().map(|h| Region {
        transcript: h.transcript,
        start: h.start,
        end: h.end,
        retrieval: 0.0,
    }));
    regions.extend(noted.iter().map(|&(transcript, start, end)| Region {
        transcript,
        start,
        end,
        retrieval: 0.0,
    }));
    let lexical = narrow_regions(state, plan, &regions);
    let mut candidates: Vec<Narrowed> = lexical
        .into_iter()
        .enumerate()
        .map(|(rank, candidate)| Narrowed {
            candidate,
            lexical_rank: Some(rank),
        })
        .collect();
    let english = retrieved.english.iter().take(ENGLISH_WINDOWS);
    let longest = state.config.max_passage_lines.max(1);
    // a stretch longer than a passage stands as its head and its tail
    let noted_spans = noted.iter().flat_map(|&(t, start, end)| {
        let tail = end.saturating_sub(longest - 1).max(start);
        std::iter::once((t, start, end)).chain((tail > start).then_some((t, tail, end)))
    });
    let spans = retrieved
        .dense_hits
        .iter()
        .chain(&retrieved.english_dense_hits)
        .map(|h| (h.transcript, h.start, h.end))
        .chain(english.map(|r| (r.transcript, r.start, r.end)))
        .chain(noted_spans)
        .chain(anchor.into_iter().flat_map(|a| neighbourhood(state, a)));
    for (t, start, end) in spans {
        let transcript = &state.corpus.transcripts[t];
        let mut candidate = Candidate::plain(t, start, end, start + 1);
        candidate.holds_number = (start..=end).any(|n| holds_number(transcript.line(n)));
        candidate.holds_time =
            plan.cues.time && (start..=end).any(|n| holds_time(transcript.line(n)));
        candidates.push(Narrowed {
            candidate,
            lexical_rank: None,
        });
    }
    for Narrowed { candidate, .. } in &mut candidates {
        candidate.end = candidate.end.min(candidate.start + longest - 1);
        candidate.anchor = candidate.anchor.min(candidate.end);
    }
    candidates
}

/// Spans of [`NEIGHBOUR_SPAN`] lines around the passage shown before a follow-up, every
/// [`NEIGHBOUR_STRIDE`] lines from [`NEIGHBOURHOOD_LINES`] before it to as many after it — across
/// chapter boundaries.
fn neighbourhood(state: &State, anchor: Anchor) -> Vec<(usize, usize, usize)> {
    let Some(transcript) = state.corpus.transcripts.get(anchor.transcript) else {
        return Vec::new();
    };
    let last_line = transcript.line_count();
    let first = anchor.start.saturating_sub(NEIGHBOURHOOD_LINES).max(1);
    let last_start = (anchor.end + NEIGHBOURHOOD_LINES).min(last_line);
    (first..=last_start)
        .step_by(NEIGHBOUR_STRIDE)
        .map(|start| {
            let end = (start + NEIGHBOUR_SPAN - 1).min(last_line);
            (anchor.transcript, start, end)
        })
        .collect()
}

/// The stretches (transcript, first and last line) whose notes come closest to the question:
/// the closest by meaning, then those sharing the most words, each once.
fn noted_stretches(state: &State, retrieved: &Retrieved) -> Vec<(usize, usize, usize)> {
    let mut closest: Vec<(f32, usize, usize)> = Vec::new();
    let mut wordiest: Vec<(f32, usize, usize)> = Vec::new();
    for (t, scores) in retrieved.notes.iter().enumerate() {
        let Some(scores) = scores else { continue };
        closest.extend(scores.cosine.iter().enumerate().map(|(n, &c)| (c, t, n)));
        wordiest.extend(
            scores
                .words
                .iter()
                .enumerate()
                .filter(|(_, &w)| w > 0.0)
                .map(|(n, &w)| (w, t, n)),
        );
    }
    let best_first = |a: &(f32, usize, usize), b: &(f32, usize, usize)| b.0.total_cmp(&a.0);
    closest.sort_by(best_first);
    wordiest.sort_by(best_first);
    let mut stretches: Vec<(usize, usize, usize)> = Vec::new();
    let picked = closest
        .iter()
        .take(NOTE_STRETCHES)
        .chain(wordiest.iter().take(NOTE_WORD_STRETCHES));
    for &(_, t, n) in picked {
        let Some(note) = state.corpus.transcripts[t]
            .notes
            .as_ref()
            .and_then(|notes| notes.notes.get(n))
        else {
            continue;
        };
        let stretch = (t, note.start, note.end);
        if !stretches.contains(&stretch) {
            stretches.push(stretch);
        }
    }
    stretches
}

/// Narrows each region to its best span and scores it; regions without any of the question's
/// words give nothing. Best first, overlapping spans included.
fn narrow_regions(state: &State, plan: &QueryPlan, regions: &[Region]) -> Vec<Candidate> {
    let postings = QueryPostings::new(&state.lines, plan);
    let total_importance: f32 = plan.concepts.iter().map(|c| c.importance).sum();
    let max_lines = state.config.max_passage_lines.max(1);
    let min_lines = MIN_LINES.min(max_lines);
    let mut topic_cache: Vec<(usize, usize, f32)> = Vec::new();
    let mut scored: Vec<Candidate> = Vec::with_capacity(regions.len());
    for region in regions {
        let transcript = &state.corpus.transcripts[region.transcript];
        let first = region.start.saturating_sub(MARGIN_LINES).max(1);
        let last = (region.end + MARGIN_LINES).min(transcript.line_count());
        if first > last {
            continue;
        }
        let matrix = match_matrix(&postings, region.transcript, first, last);
        let Some(mut candidate) = best_span(plan, &matrix, first, max_lines, total_importance)
        else {
            continue;
        };
        candidate.transcript = region.transcript;
        candidate.retrieval = region.retrieval;
        candidate.score += VICINITY_WEIGHT * vicinity_support(plan, &matrix, first, &candidate);
        if let Some(topic) =
            crate::topics::topic_at(&state.outlines[region.transcript], candidate.anchor)
        {
            let cached = topic_cache
                .iter()
                .find(|(t, start, _)| *t == region.transcript && *start == topic.start)
                .map(|(_, _, support)| *support);
            let support = cached.unwrap_or_else(|| {
                let support =
                    topic_support(plan, &postings, region.transcript, topic.start, topic.end);
                topic_cache.push((region.transcript, topic.start, support));
                support
            });
            candidate.score += TOPIC_WEIGHT * support;
        }
        follow_question(&mut candidate, transcript, max_lines);
        widen(&mut candidate, min_lines, transcript.line_count());
        candidate.score += RETRIEVAL_WEIGHT * region.retrieval * total_importance;
        candidate.holds_number =
            (candidate.start..=candidate.end).any(|n| holds_number(transcript.line(n)));
        if plan.cues.number && !candidate.holds_number {
            // the figure asked for often comes in the lines right after the words that match
            let limit = (candidate.end + ANSWER_LINES)
                .min(candidate.start + max_lines - 1)
                .min(transcript.line_count());
            if let Some(n) = (candidate.end + 1..=limit).find(|&n| holds_number(transcript.line(n)))
            {
                candidate.end = n;
                candidate.holds_number = true;
            }
        }
        if plan.cues.number && candidate.holds_number {
            candidate.score += NUMBER_BONUS * total_importance;
        }
        candidate.holds_time = plan.cues.time
            && (candidate.start..=candidate.end).any(|n| holds_time(transcript.line(n)));
        let speaker = transcript.speaker_of(candidate.start, candidate.end);
        candidate.speaker_named =
            speaker.is_some_and(|s| plan.speakers().any(|named| named == s.name));
        if candidate.speaker_named {
            candidate.score += SPEAKER_BONUS * total_importance;
        }
        candidate.matched = matched_terms(plan, &matrix, first, candidate.start, candidate.end);
        scored.push(candidate);
    }
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.start.cmp(&b.start)));
    scored
}

/// Importance of the concepts found in the looked-at lines around a span beyond what the span
/// itself holds: an answer sits where the question's words cluster.
fn vicinity_support(plan: &QueryPlan, matrix: &MatchMatrix, first: usize, span: &Candidate) -> f32 {
    let (a, b) = (span.start - first, span.end - first);
    plan.concepts
        .iter()
        .zip(matrix.rows())
        .map(|(concept, row)| {
            let inside = row[a..=b].iter().copied().fold(0.0, f32::max);
            let around = row.iter().copied().fold(0.0, f32::max);
            concept.importance * (around - inside).max(0.0)
        })
        .sum()
}

/// Importance of the question's concepts found anywhere in lines `first..=last`: a passage in the
/// part of the interview that is about the question's subject is likelier to answer it.
fn topic_support(
    plan: &QueryPlan,
    postings: &QueryPostings,
    transcript: usize,
    first: usize,
    last: usize,
) -> f32 {
    let t = transcript as u32;
    plan.concepts
        .iter()
        .zip(&postings.variants)
        .map(|(concept, variants)| {
            let best = variants
                .iter()
                .filter(|(_, _, found)| !within(found, t, first as u32, last as u32).is_empty())
                .map(|(_, weight, _)| *weight)
                .fold(0.0f32, f32::max);
            concept.importance * best
        })
        .sum()
}

/// Per concept, per line of `first..=last`: how well the line expresses the concept (0..=1), and
/// which variant did it. Stored flat, concept-major.
struct MatchMatrix {
    width: usize,
    values: Vec<f32>,
    variants: Vec<u16>,
}

/// Marks a cell no variant matched.
const NO_VARIANT: u16 = u16::MAX;

impl MatchMatrix {
    fn rows(&self) -> impl Iterator<Item = &[f32]> {
        self.values.chunks_exact(self.width.max(1))
    }

    fn matches_line(&self, i: usize) -> bool {
        self.rows().any(|r| r[i] > 0.0)
    }
}

fn match_matrix(
    postings: &QueryPostings,
    transcript: usize,
    first: usize,
    last: usize,
) -> MatchMatrix {
    let width = last - first + 1;
    let concepts = postings.variants.len();
    let mut values = vec![0.0f32; width * concepts];
    let mut variants = vec![NO_VARIANT; width * concepts];
    let mut counts = vec![0u16; width];
    let t = transcript as u32;
    for c in 0..concepts {
        let row = c * width;
        for &(index, weight, found) in &postings.variants[c] {
            for at in within(found, t, first as u32, last as u32) {
                let i = row + at.line as usize - first;
                if weight > values[i] {
                    values[i] = weight;
                    variants[i] = index.min(usize::from(NO_VARIANT - 1)) as u16;
                }
            }
        }
        // partial matches through character n-grams: the share of the word's n-grams on a line
        let (grams, total) = &postings.grams[c];
        if grams.is_empty() {
            continue;
        }
        counts.iter_mut().for_each(|n| *n = 0);
        for found in grams {
            for at in within(found, t, first as u32, last as u32) {
                counts[at.line as usize - first] += 1;
            }
        }
        for (i, &count) in counts.iter().enumerate() {
            let partial = GRAM_MATCH_WEIGHT * f32::from(count) / *total as f32;
            values[row + i] = values[row + i].max(partial);
        }
    }
    MatchMatrix {
        width,
        values,
        variants,
    }
}

fn best_span(
    plan: &QueryPlan,
    matrix: &MatchMatrix,
    first: usize,
    max_lines: usize,
    total_importance: f32,
) -> Option<Candidate> {
    let width = matrix.width;
    let matches_line = |i: usize| matrix.matches_line(i);
    let mut best: Option<(f32, f32, usize, usize)> = None; // (score, evidence, a, b)
    let mut maxima = vec![0.0f32; plan.concepts.len()];
    for a in (0..width).filter(|&a| matches_line(a)) {
        maxima.iter_mut().for_each(|m| *m = 0.0);
        for b in a..width.min(a + max_lines) {
            for (c, row) in matrix.rows().enumerate() {
                maxima[c] = maxima[c].max(row[b]);
            }
            // a span must start and end on a matching line
            if !matches_line(b) {
                continue;
            }
            let evidence: f32 = plan
                .concepts
                .iter()
                .zip(&maxima)
                .map(|(concept, m)| concept.importance * m)
                .sum();
            let score = evidence - LINE_PENALTY * total_importance * (b - a) as f32;
            if best.is_none_or(|(s, ..)| score > s) {
                best = Some((score, evidence, a, b));
            }
        }
    }
    let (score, evidence, a, b) = best?;
    let anchor = (a..=b)
        .max_by(|&x, &y| {
            line_value(plan, matrix, x)
                .total_cmp(&line_value(plan, matrix, y))
                .then(y.cmp(&x))
        })
        .unwrap_or(a);
    let mut candidate = Candidate::plain(0, first + a, first + b, first + anchor);
    candidate.score = score;
    candidate.evidence = evidence;
    candidate.coverage = if total_importance > 0.0 {
        evidence / total_importance
    } else {
        0.0
    };
    Some(candidate)
}

fn line_value(plan: &QueryPlan, matrix: &MatchMatrix, i: usize) -> f32 {
    plan.concepts
        .iter()
        .zip(matrix.rows())
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

/// What a span holds of the answers a question can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpanHolds {
    /// A number.
    pub number: bool,
    /// A date or a time.
    pub time: bool,
    /// Names and versions.
    pub kinds: HeldKinds,
}

/// What lines `start..=end` (1-based) of transcript `t` hold: a number, a time, names.
pub fn span_holds(state: &State, t: usize, start: usize, end: usize) -> SpanHolds {
    let transcript = &state.corpus.transcripts[t];
    let lines = start.max(1)..=end.min(transcript.line_count());
    SpanHolds {
        number: lines.clone().any(|n| holds_number(transcript.line(n))),
        time: lines.clone().any(|n| holds_time(transcript.line(n))),
        kinds: state.kinds_held(t, start, end),
    }
}

/// Whether text states a quantity: digits, or Chinese numerals other than 一 (which mostly means
/// "a"/"once" rather than a count).
fn holds_number(text: &str) -> bool {
    text.chars().any(|c| {
        c.is_ascii_digit()
            || matches!(
                c,
                '二' | '三'
                    | '四'
                    | '五'
                    | '六'
                    | '七'
                    | '八'
                    | '九'
                    | '十'
                    | '百'
                    | '千'
                    | '万'
                    | '亿'
                    | '两'
                    | '%'
                    | '％'
            )
    })
}

/// Units of time that, after a numeral or a word that points at one (这, 上, 去…), make a date
/// or a time: 7月, 两年, 上周, 第二天, 去年.
const TIME_UNITS: &[&str] = &[
    "年", "月", "日", "号", "周", "天", "星期", "礼拜", "小时", "分钟", "季度",
];
/// Words before a unit of time that make it one point or stretch of time.
const TIME_POINTERS: &[char] = &[
    '一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '两', '几', '半', '这', '那', '上',
    '下', '当', '同', '前', '后', '每', '第', '去', '今', '明', '昨', '个',
];
/// Words that are a time by themselves.
const TIME_WORDS: &[&str] = &[
    "周末",
    "凌晨",
    "假期",
    "圣诞",
    "yesterday",
    "today",
    "tomorrow",
    "weekend",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Whether text states a date or a time: a unit of time after a numeral or a pointing word
/// (7月1日, 两三年后, 上周, 第二天), a word such as 周末, or a year written 1900–2099.
fn holds_time(text: &str) -> bool {
    let lower = text.to_lowercase();
    if TIME_WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    let chars: Vec<char> = lower.chars().collect();
    let year = chars.windows(4).enumerate().any(|(i, w)| {
        w.iter().all(char::is_ascii_digit)
            && matches!((w[0], w[1]), ('1', '9') | ('2', '0'))
            && !chars.get(i + 4).is_some_and(char::is_ascii_digit)
            && !(i > 0 && chars[i - 1].is_ascii_digit())
    });
    year || TIME_UNITS.iter().any(|unit| {
        lower.match_indices(unit).any(|(at, _)| {
            lower[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_digit() || TIME_POINTERS.contains(&c))
        })
    })
}

/// The variants of the question found in lines `start..=end` (for highlighting).
fn matched_terms(
    plan: &QueryPlan,
    matrix: &MatchMatrix,
    first: usize,
    start: usize,
    end: usize,
) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (c, concept) in plan.concepts.iter().enumerate() {
        let row = &matrix.variants[c * matrix.width..(c + 1) * matrix.width];
        let from = start.saturating_sub(first).min(row.len());
        let to = (end + 1).saturating_sub(first).min(row.len());
        for &index in row[from..to].iter().filter(|&&i| i != NO_VARIANT) {
            let text = &concept.variants[usize::from(index)].text;
            if !found.contains(text) {
                found.push(text.clone());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: usize, end: usize) -> Candidate {
        Candidate::plain(0, start, end, start)
    }

    #[test]
    fn a_short_span_widens_after_then_before() {
        let mut c = span(5, 5);
        widen(&mut c, 3, 100);
        assert_eq!((c.start, c.end), (4, 6));
    }

    #[test]
    fn widening_stops_at_the_transcript_edges() {
        let mut c = span(1, 1);
        widen(&mut c, 3, 100);
        assert_eq!((c.start, c.end), (1, 3));
        let mut c = span(10, 10);
        widen(&mut c, 3, 10);
        assert_eq!((c.start, c.end), (8, 10));
    }

    #[test]
    fn numbers_are_digits_or_chinese_numerals_but_not_yi() {
        assert!(holds_number("问了十个问题"));
        assert!(holds_number("涨了 50%"));
        assert!(!holds_number("一个名字"));
    }

    #[test]
    fn a_date_or_a_stretch_of_time_is_a_time() {
        assert!(holds_time("7月1日发布"));
        assert!(holds_time("他对两三年后的未来充满了好奇"));
        assert!(holds_time("那个周末"));
        assert!(holds_time("released in 2022"));
        assert!(!holds_time("我们天天聊天"));
        assert!(!holds_time("年轻的团队"));
        assert!(!holds_time("about 20000 users"));
    }
}
