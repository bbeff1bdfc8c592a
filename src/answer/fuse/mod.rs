//! Fusion: each candidate's features from both retrievers, scored by the one fitted ranking of
//! the question's mode, ordered best first without overlaps, with what the question itself shows
//! for the decision.

pub mod fit;

use super::narrow::{Candidate, Narrowed};
use super::retrieve::dense::DenseScores;
use super::retrieve::lexical::Region;
use super::retrieve::{notes, Retrieved};
use super::state::rankings::{Features, QuestionSignals, Ranking, PASSAGE_FEATURES, UNKNOWN};
use super::state::{State, ENGLISH};
use super::understand::query::{Cues, QueryPlan};
use super::understand::Understood;
use crate::topics;

/// Candidates kept after fusion (for the answer's results and the decision's margin).
const KEPT_CANDIDATES: usize = 8;

/// A candidate passage with its features and fused score.
#[derive(Debug, Clone)]
pub struct Scored {
    /// The span and its lexical facts.
    pub candidate: Candidate,
    /// Its features.
    pub features: Features,
    /// Its fused score (beside transcripts with other views, placed against theirs: see
    /// [`place_on_common_ground`]).
    pub score: f32,
}

/// Every candidate of a question with its features, not yet scored, and how close the question
/// comes to the closest note.
#[derive(Debug, Clone)]
pub struct Featured {
    /// The candidates.
    pub candidates: Vec<Scored>,
    /// See [`note_closest`].
    pub note_closest: f32,
    /// See [`unanswered_closest`].
    pub unanswered_closest: f32,
    /// See [`unanswered_share`].
    pub unanswered_share: f32,
    /// See [`chatter_closest`].
    pub chatter_closest: f32,
    /// Whether the question names something no view of any transcript mentions.
    pub name_absent: bool,
}

/// What fusion found for a question: candidates best first and the question's own signals.
pub struct Examined {
    /// Candidates, best first, not overlapping.
    pub ranked: Vec<Scored>,
    /// Every candidate in the order scored (for fitting), overlapping ones included.
    pub all: Vec<Scored>,
    /// What the question itself shows.
    pub signals: QuestionSignals,
}

impl Examined {
    /// The candidates as featured before scoring (to score them again under another ranking).
    pub fn featured(&self) -> Featured {
        Featured {
            candidates: self.all.clone(),
            note_closest: self.signals.note_closest,
            unanswered_closest: self.signals.unanswered_closest,
            unanswered_share: self.signals.unanswered_share,
            chatter_closest: self.signals.chatter_closest,
            name_absent: self.signals.name_absent,
        }
    }
}

/// The fitted ranking of the question's mode: hybrid when it has a vector, words alone otherwise.
pub fn ranking_for<'a>(state: &'a State, understood: &Understood) -> &'a Ranking {
    state.rankings.for_mode(understood.vector.is_some())
}

/// The features of every candidate (not yet scored): its lexical facts, its dense scores and
/// those of its topic.
pub fn features(
    state: &State,
    understood: &Understood,
    retrieved: &Retrieved,
    narrowed: Vec<Narrowed>,
) -> Featured {
    let best_lexical = narrowed
        .iter()
        .find(|n| n.lexical_rank == Some(0))
        .map_or(0.0, |n| n.candidate.score);
    let best_window = retrieved
        .dense
        .iter()
        .map(|d| {
            d.as_ref().map_or(0.0, |d| {
                d.windows.iter().copied().fold(f32::NEG_INFINITY, f32::max)
            })
        })
        .fold(f32::NEG_INFINITY, f32::max);
    let best_english_window = retrieved
        .english_dense
        .iter()
        .flatten()
        .flat_map(|d| d.windows.iter().copied())
        .fold(f32::NEG_INFINITY, f32::max);
    let candidates = narrowed
        .into_iter()
        .map(
            |Narrowed {
                 candidate,
                 lexical_rank,
             }| {
                let scores = retrieved.dense[candidate.transcript]
                    .as_ref()
                    .map(|d| (d, best_window));
                let topic =
                    topics::topic_at(&state.outlines[candidate.transcript], candidate.start)
                        .map_or((candidate.start, candidate.end), |t| (t.start, t.end));
                let features = passage_features(
                    &candidate,
                    lexical_rank,
                    best_lexical,
                    understood.plan.cues,
                    scores,
                    topic,
                    Views {
                        english: english_view(state, retrieved, best_english_window, &candidate),
                        notes: notes_view(state, retrieved, &candidate),
                    },
                );
                Scored {
                    candidate,
                    features,
                    score: 0.0,
                }
            },
        )
        .collect();
    Featured {
        candidates,
        note_closest: note_closest(state, retrieved),
        unanswered_closest: unanswered_closest(state, retrieved),
        unanswered_share: unanswered_share(state, retrieved),
        chatter_closest: chatter_closest(state, retrieved),
        name_absent: !understood.never_mentioned.is_empty(),
    }
}

/// Scores candidates under `ranking` (comparably across transcripts with different views),
/// orders them best first, keeps the best ones that do not overlap, and reads the question's
/// signals (one of which looks at the top passage).
pub fn rank(featured: Featured, understood: &Understood, ranking: &Ranking) -> Examined {
    let plan = &understood.plan;
    let mut all = featured.candidates;
    for scored in &mut all {
        scored.score = ranking.score(&scored.features);
    }
    place_on_common_ground(&mut all, ranking);
    all.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.candidate.start.cmp(&b.candidate.start))
    });
    let ranked = without_overlaps(all.clone(), KEPT_CANDIDATES, |s| {
        (s.candidate.transcript, s.candidate.start, s.candidate.end)
    });
    let signals = QuestionSignals {
        focus_missing: focus_missing(plan),
        entity_missing: entity_missing(plan),
        number_missing: plan.cues.number
            && !ranked.first().is_some_and(|s| s.candidate.holds_number),
        time_missing: plan.cues.time && !ranked.first().is_some_and(|s| s.candidate.holds_time),
        importance: plan.concepts.iter().map(|c| c.importance).sum(),
        absent_share: absent_share(plan),
        semantic: understood.vector.is_some(),
        note_closest: featured.note_closest,
        unanswered_closest: featured.unanswered_closest,
        unanswered_share: featured.unanswered_share,
        chatter_closest: featured.chatter_closest,
        name_absent: featured.name_absent,
    };
    Examined {
        ranked,
        all,
        signals,
    }
}

/// Makes the scores of candidates from transcripts with different views comparable (one with
/// notes or an English rendering, another without: a view a transcript lacks scores as the
/// training mean, which a transcript with the view may fall below). A view is known for all of a
/// transcript's candidates or for none of them. Each transcript's scores are shifted alike, so
/// that its top score equals the highest score any of its candidates gets with the features some
/// transcript lacks read as unknown (by the ranker fitted with the views, so that every
/// transcript is placed on one scale); the transcript that then leads keeps its scores as fitted
/// and the others are placed against it. When every transcript among the candidates has the same
/// views nothing changes.
fn place_on_common_ground(all: &mut [Scored], ranking: &Ranking) {
    // the common case, one transcript among the candidates, costs one pass
    let Some(first) = all.first().map(|s| s.candidate.transcript) else {
        return;
    };
    if all.iter().all(|s| s.candidate.transcript == first) {
        return;
    }
    let mut transcripts: Vec<usize> = all.iter().map(|s| s.candidate.transcript).collect();
    transcripts.sort_unstable();
    transcripts.dedup();
    let lacks = |transcript: usize, feature: usize| {
        all.iter()
            .filter(|s| s.candidate.transcript == transcript)
            .all(|s| s.features.values[feature].is_nan())
    };
    let uncommon: Vec<usize> = (0..PASSAGE_FEATURES.len())
        .filter(|&f| {
            let lacking = transcripts.iter().filter(|&&t| lacks(t, f)).count();
            lacking > 0 && lacking < transcripts.len()
        })
        .collect();
    if uncommon.is_empty() {
        return;
    }
    let common_score = |scored: &Scored| {
        let mut common = scored.features;
        for &f in &uncommon {
            common.values[f] = UNKNOWN;
        }
        ranking.score_on_common_ground(&common)
    };
    // (transcript, its top score on common ground, the shift that places it there)
    let placed: Vec<(usize, f32, f32)> = transcripts
        .iter()
        .map(|&transcript| {
            let of_transcript = || all.iter().filter(|s| s.candidate.transcript == transcript);
            let top = of_transcript()
                .map(|s| s.score)
                .fold(f32::NEG_INFINITY, f32::max);
            let top_common = of_transcript()
                .map(common_score)
                .fold(f32::NEG_INFINITY, f32::max);
            (transcript, top_common, top_common - top)
        })
        .collect();
    let leading_shift = placed
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(0.0, |&(_, _, shift)| shift);
    for (transcript, _, shift) in placed {
        for scored in all
            .iter_mut()
            .filter(|s| s.candidate.transcript == transcript)
        {
            scored.score += shift - leading_shift;
        }
    }
}

/// Share of the question's importance carried by concepts the corpus never mentions.
pub fn absent_share(plan: &QueryPlan) -> f32 {
    let total: f32 = plan.concepts.iter().map(|c| c.importance).sum();
    let absent: f32 = plan
        .concepts
        .iter()
        .filter(|c| !c.present)
        .map(|c| c.importance)
        .sum();
    if total > 0.0 {
        absent / total
    } else {
        0.0
    }
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

/// Spans best first, dropping any that overlaps a better one, at most `top_n`.
pub fn without_overlaps<T>(
    ranked: Vec<T>,
    top_n: usize,
    span: impl Fn(&T) -> (usize, usize, usize),
) -> Vec<T> {
    let mut chosen: Vec<T> = Vec::new();
    for item in ranked {
        let (t, start, end) = span(&item);
        let overlaps = chosen.iter().any(|c| {
            let (ct, cs, ce) = span(c);
            ct == t && cs <= end && start <= ce
        });
        if !overlaps {
            chosen.push(item);
            if chosen.len() == top_n {
                break;
            }
        }
    }
    chosen
}

/// The features of a candidate: its lexical facts (`lexical_rank` is its place among the
/// lexical candidates, `None` for a passage found by meaning only), the best lexical score among
/// the candidates, what kind of answer the question asks for, and the dense scores of its
/// transcript with the best window z-score over the corpus, the lines of the topic that holds
/// the candidate, and how well its lines match the question's English words in the English
/// rendering (the best such window over it, relative to the best anywhere; 0 without one).
pub fn passage_features(
    candidate: &Candidate,
    lexical_rank: Option<usize>,
    best_lexical_score: f32,
    cues: Cues,
    dense: Option<(&DenseScores, f32)>,
    topic: (usize, usize),
    Views { english, notes }: Views,
) -> Features {
    let (start, end) = (candidate.start, candidate.end);
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let lexical_score = if best_lexical_score > 0.0 {
        (candidate.score / best_lexical_score).max(0.0)
    } else {
        0.0
    };
    let (window, window_rank, line, mean_line, gap, cosine, topic_score) = match dense {
        Some((scores, best_window)) => {
            let (first, last) = (
                start.saturating_sub(1).max(1),
                end.saturating_sub(1).max(start),
            );
            let (window, rank) = scores.best_window_in(first, last);
            let line = scores.best_line_in(start, end);
            let mean_line = scores.mean_line_in(start, end);
            let cosine = scores.best_cosine_in(first, last);
            let topic_score = scores.top_windows_mean_in(topic.0, topic.1, TOPIC_WINDOWS);
            (
                window,
                Some(rank),
                line,
                mean_line,
                window - best_window,
                cosine,
                topic_score,
            )
        }
        None => (0.0, None, 0.0, 0.0, 0.0, 0.0, 0.0),
    };
    let held = |asked: bool, holds: bool| match (asked, holds) {
        (true, true) => 1.0,
        (true, false) => -1.0,
        _ => 0.0,
    };
    Features {
        values: [
            lexical_score,
            candidate.coverage,
            (1.0 + candidate.evidence.max(0.0)).ln(),
            lexical_rank.map_or(0.0, |r| 1.0 / (1.0 + r as f32)),
            candidate.retrieval,
            finite(window),
            finite(line),
            finite(mean_line),
            window_rank.map_or(0.0, |r| 1.0 / (1.0 + r as f32)),
            finite(gap),
            finite(cosine),
            finite(topic_score),
            flag(candidate.speaker_named),
            held(cues.number, candidate.holds_number),
            held(cues.time, candidate.holds_time),
            (end + 1 - start) as f32 / 12.0,
            english.score,
            english.window,
            english.line,
            notes.closeness,
            notes.rank,
            notes.neighbour,
            notes.words,
            english.rank,
            english.gap,
            english.cosine,
        ],
    }
}

/// What a transcript's notes say of a candidate: how close the question comes to the notes of
/// the stretches it lies in (by meaning, as a z-score over the notes, and as a rank) and of the
/// stretches either side, and how many of its words the notes share.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NotesView {
    /// The best closeness of the stretches it lies in.
    pub closeness: f32,
    /// The best of their ranks as 1 / (1 + rank).
    pub rank: f32,
    /// The best closeness of the stretch before and the stretch after them.
    pub neighbour: f32,
    /// The best relative word score of the stretches it lies in.
    pub words: f32,
}

/// The notes view of a candidate ([`NotesView::UNKNOWN`] when its transcript has no notes; the
/// meaning half 0 without the semantic signal).
fn notes_view(state: &State, retrieved: &Retrieved, candidate: &Candidate) -> NotesView {
    let t = candidate.transcript;
    let Some(notes) = state.corpus.transcripts[t].notes.as_ref() else {
        return NotesView::UNKNOWN;
    };
    let Some(Some(scores)) = retrieved.notes.get(t) else {
        return NotesView::default();
    };
    let within: Vec<usize> = (0..notes.notes.len())
        .filter(|&n| notes.notes[n].overlaps(candidate.start, candidate.end))
        .collect();
    let (Some(&first), Some(&last)) = (within.first(), within.last()) else {
        return NotesView::default();
    };
    let best = |values: &[f32], notes: &mut dyn Iterator<Item = usize>| {
        let best = notes
            .filter_map(|n| values.get(n).copied())
            .fold(f32::NEG_INFINITY, f32::max);
        finite(best)
    };
    let rank = within
        .iter()
        .filter_map(|&n| scores.rank.get(n))
        .map(|&r| 1.0 / (1.0 + r as f32))
        .fold(0.0f32, f32::max);
    let mut neighbours = [first.checked_sub(1), Some(last + 1)].into_iter().flatten();
    NotesView {
        closeness: best(&scores.closeness, &mut within.iter().copied()),
        rank,
        neighbour: best(&scores.closeness, &mut neighbours),
        words: best(&scores.words, &mut within.iter().copied()),
    }
}

/// How close the question comes to the closest note anywhere (raw cosine; 0 without the
/// semantic signal, unknown when no transcript has notes): a question near a note's question is
/// well covered, one far from every note likely is not.
pub fn note_closest(state: &State, retrieved: &Retrieved) -> f32 {
    if state.corpus.transcripts.iter().all(|t| t.notes.is_none()) {
        return UNKNOWN;
    }
    retrieved
        .notes
        .iter()
        .flatten()
        .flat_map(|s| s.cosine.iter().copied())
        .fold(0.0f32, f32::max)
}

/// How close the question comes to the closest question the notes say the interview leaves
/// unanswered or to the closest chatter message (raw cosine; 0 without the semantic signal,
/// unknown when there are neither): a question near one of them asks what is not given.
pub fn unanswered_closest(state: &State, retrieved: &Retrieved) -> f32 {
    if !state.knows_unanswered {
        return UNKNOWN;
    }
    retrieved
        .notes
        .iter()
        .flatten()
        .flat_map(|s| s.unanswered.iter().copied())
        .chain(retrieved.chatter.iter().copied())
        .fold(0.0f32, f32::max)
}

/// Share of questions no passage answers (the notes' unanswered ones, channel chatter) among the
/// note texts and chatter closest to the question — by meaning, or by words without the semantic
/// signal (unknown when there are neither): a question whose nearest neighbours go unanswered
/// asks what the interview does not say.
pub fn unanswered_share(state: &State, retrieved: &Retrieved) -> f32 {
    if !state.knows_unanswered {
        return UNKNOWN;
    }
    notes::unanswered_share(&retrieved.notes, &retrieved.chatter)
        .or(retrieved.unanswered_by_words)
        .unwrap_or(0.0)
}

/// How close the question comes to the closest chatter message alone (raw cosine; 0 without
/// the semantic signal, unknown without chatter): the decision weighs chatter apart from the
/// notes' unanswered questions.
pub fn chatter_closest(state: &State, retrieved: &Retrieved) -> f32 {
    if state.chatter.messages.is_empty() {
        return UNKNOWN;
    }
    retrieved.chatter.first().copied().unwrap_or(0.0)
}

/// What the views beside the transcript's own lines say of a candidate.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Views {
    /// The English rendering's view.
    pub english: EnglishView,
    /// The notes' view.
    pub notes: NotesView,
}

impl NotesView {
    /// The view of a transcript without notes: nothing known.
    pub const UNKNOWN: NotesView = NotesView {
        closeness: UNKNOWN,
        rank: UNKNOWN,
        neighbour: UNKNOWN,
        words: UNKNOWN,
    };
}

/// What the English rendering says of a candidate: how well its words match the question's
/// English words, and how close its windows and lines come to the question's meaning.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EnglishView {
    /// The best relative BM25 score of the English windows over it (0 when none is).
    pub score: f32,
    /// The best z-score of its English windows against the question's vector.
    pub window: f32,
    /// The best z-score of its English lines against the question's vector.
    pub line: f32,
    /// Its best English window's place among its transcript's English windows by meaning, as
    /// 1 / (1 + rank).
    pub rank: f32,
    /// How far its best English window falls below the best English window anywhere.
    pub gap: f32,
    /// The raw cosine of its best English window.
    pub cosine: f32,
}

/// The English view of a candidate ([`EnglishView::UNKNOWN`] when its transcript has no English
/// rendering; the meaning half 0 without the semantic signal).
fn english_view(
    state: &State,
    retrieved: &Retrieved,
    best_window: f32,
    candidate: &Candidate,
) -> EnglishView {
    if state.corpus.transcripts[candidate.transcript]
        .rendering(ENGLISH)
        .is_none()
    {
        return EnglishView::UNKNOWN;
    }
    let dense = retrieved.english_dense[candidate.transcript].as_ref();
    EnglishView {
        score: english_score(&retrieved.english, candidate),
        ..english_meaning(dense, best_window, candidate.start, candidate.end)
    }
}

/// The meaning half of the English view of the lines `start..=end`: the best z-score of its
/// English windows (those starting in the span or the line before) and lines, that window's
/// place among the transcript's windows, and how far it falls below `best_window`, the best
/// English window anywhere (all 0 without the semantic signal).
fn english_meaning(
    dense: Option<&DenseScores>,
    best_window: f32,
    start: usize,
    end: usize,
) -> EnglishView {
    let Some(dense) = dense else {
        return EnglishView::default();
    };
    let (first, last) = (
        start.saturating_sub(1).max(1),
        end.saturating_sub(1).max(start),
    );
    let (window, rank) = dense.best_window_in(first, last);
    EnglishView {
        score: 0.0,
        window: finite(window),
        line: finite(dense.best_line_in(start, end)),
        rank: 1.0 / (1.0 + rank as f32),
        gap: finite(window - best_window),
        cosine: finite(dense.best_cosine_in(first, last)),
    }
}

impl EnglishView {
    /// The view of a transcript without an English rendering: nothing known.
    pub const UNKNOWN: EnglishView = EnglishView {
        score: UNKNOWN,
        window: UNKNOWN,
        line: UNKNOWN,
        rank: UNKNOWN,
        gap: UNKNOWN,
        cosine: UNKNOWN,
    };
}

/// The English view's support for a candidate: the best relative score of the windows found by
/// English words that overlap it (0 when none does).
fn english_score(english: &[Region], candidate: &Candidate) -> f32 {
    english
        .iter()
        .filter(|r| {
            r.transcript == candidate.transcript
                && r.start <= candidate.end
                && candidate.start <= r.end
        })
        .map(|r| r.retrieval)
        .fold(0.0, f32::max)
}

/// How many of a topic's best windows say how much the topic is about the question.
const TOPIC_WINDOWS: usize = 3;

fn finite(v: f32) -> f32 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(start: usize, end: usize, score: f32) -> Candidate {
        let mut c = Candidate::plain(0, start, end, start);
        c.score = score;
        c
    }

    /// A ranking that adds the lexical score (feature 0) and the closeness of the notes.
    fn lexical_and_notes_ranking() -> (Ranking, usize) {
        let note = PASSAGE_FEATURES
            .iter()
            .position(|&f| f == "note_closeness")
            .unwrap();
        let mut ranking = Ranking::lexical_only();
        ranking.weights[note] = 1.0;
        (ranking, note)
    }

    /// A candidate of `transcript` scored under [`lexical_and_notes_ranking`].
    fn scored(transcript: usize, start: usize, lexical: f32, closeness: f32) -> Scored {
        let (ranking, note) = lexical_and_notes_ranking();
        let mut features = Features::default();
        features.values[0] = lexical;
        features.values[note] = closeness;
        Scored {
            candidate: Candidate::plain(transcript, start, start + 4, start),
            features,
            score: ranking.score(&features),
        }
    }

    fn scores(all: &[Scored]) -> Vec<f32> {
        all.iter().map(|s| s.score).collect()
    }

    #[test]
    fn a_transcript_without_notes_competes_with_a_noted_one_on_common_ground() {
        let (ranking, _) = lexical_and_notes_ranking();
        // the noted transcript's best owes its lead to its notes alone
        let mut all = vec![
            scored(0, 10, 0.2, 5.0),
            scored(0, 40, 0.5, 0.0),
            scored(1, 1, 1.0, UNKNOWN),
        ];
        place_on_common_ground(&mut all, &ranking);
        let [noted_best, noted_second, bare] = scores(&all)[..] else {
            panic!("{all:?}");
        };
        assert_eq!(bare, 1.0, "the leading transcript keeps its score: {all:?}");
        assert!(
            (noted_best - 0.5).abs() < 1e-6,
            "placed at its strongest candidate on common ground: {all:?}"
        );
        assert!((noted_best - noted_second - 4.7).abs() < 1e-5, "{all:?}");
    }

    #[test]
    fn a_noted_transcript_that_leads_on_common_ground_keeps_its_scores() {
        let (ranking, _) = lexical_and_notes_ranking();
        let mut all = vec![scored(0, 10, 2.0, 5.0), scored(1, 1, 1.0, UNKNOWN)];
        place_on_common_ground(&mut all, &ranking);
        assert_eq!(all[0].score, 7.0, "{all:?}");
        assert!((all[1].score - 6.0).abs() < 1e-6, "{all:?}");
    }

    #[test]
    fn transcripts_with_the_same_views_keep_their_scores() {
        let (ranking, _) = lexical_and_notes_ranking();
        let mut all = vec![scored(0, 10, 0.2, 5.0), scored(1, 1, 1.0, 0.0)];
        let before = scores(&all);
        place_on_common_ground(&mut all, &ranking);
        assert_eq!(scores(&all), before);
    }

    #[test]
    fn one_transcript_keeps_its_scores() {
        let (ranking, _) = lexical_and_notes_ranking();
        let mut all = vec![scored(0, 10, 0.2, 5.0), scored(0, 40, 1.0, UNKNOWN)];
        let before = scores(&all);
        place_on_common_ground(&mut all, &ranking);
        assert_eq!(scores(&all), before);
    }

    #[test]
    fn lexical_features_are_relative_to_the_best_candidate() {
        let f = passage_features(
            &candidate(1, 3, 2.0),
            Some(1),
            4.0,
            Cues::default(),
            None,
            (1, 3),
            Views::default(),
        );
        assert_eq!(f.values[0], 0.5);
        assert_eq!(f.values[3], 0.5, "second lexical candidate");
        assert_eq!(f.values[5], 0.0, "no dense scores, no dense features");
    }

    /// Scores by meaning of a four-line transcript whose second window is the best.
    fn four_lines_by_meaning() -> DenseScores {
        DenseScores {
            lines: vec![0.0, 1.0, 2.0, -1.0],
            windows: vec![0.5, 1.5, 0.2, 0.0],
            window_rank: vec![1, 0, 2, 3],
            window_cosines: vec![0.8, 0.9, 0.7, 0.6],
        }
    }

    #[test]
    fn dense_features_read_the_span_and_the_gap_to_the_best_window() {
        let scores = four_lines_by_meaning();
        let f = passage_features(
            &candidate(2, 4, 0.0),
            None,
            0.0,
            Cues::default(),
            Some((&scores, 1.5)),
            (1, 4),
            Views::default(),
        );
        assert_eq!(
            f.values[5], 1.5,
            "best window starting in the span or the line before"
        );
        assert_eq!(f.values[6], 2.0, "best line");
        assert!((f.values[7] - 2.0 / 3.0).abs() < 1e-6, "mean line");
        assert_eq!(f.values[8], 1.0, "rank 0");
        assert_eq!(f.values[9], 0.0, "the best window itself");
        assert_eq!(f.values[10], 0.9, "its raw cosine");
        let topic = (1.5 + 0.5 + 0.2) / 3.0;
        assert!(
            (f.values[11] - topic).abs() < 1e-6,
            "mean of the topic's three best windows"
        );
    }

    #[test]
    fn the_english_meaning_reads_the_span_its_rank_cosine_and_gap_to_the_best_english_window() {
        let scores = four_lines_by_meaning();
        let view = english_meaning(Some(&scores), 2.5, 3, 4);
        assert_eq!(
            view.window, 1.5,
            "the window of the line before the span counts"
        );
        assert_eq!(view.line, 2.0);
        assert_eq!(view.rank, 1.0, "rank 0");
        assert_eq!(view.cosine, 0.9, "that window's raw cosine");
        assert_eq!(
            view.gap, -1.0,
            "below the best English window of another transcript"
        );
        let later = english_meaning(Some(&scores), 1.5, 4, 4);
        assert_eq!(
            (later.window, later.rank, later.cosine),
            (0.2, 1.0 / 3.0, 0.7)
        );
        assert_eq!(
            english_meaning(None, 1.5, 1, 4),
            EnglishView::default(),
            "nothing by meaning without the semantic signal"
        );
    }

    #[test]
    fn a_number_question_marks_spans_without_a_number() {
        let cues = Cues {
            number: true,
            ..Cues::default()
        };
        let f = passage_features(
            &candidate(1, 3, 1.0),
            Some(0),
            1.0,
            cues,
            None,
            (1, 3),
            Views::default(),
        );
        assert_eq!(f.values[13], -1.0);
        assert_eq!(f.values[14], 0.0, "no time asked for");
    }

    #[test]
    fn a_time_question_marks_spans_with_a_time() {
        let cues = Cues {
            time: true,
            ..Cues::default()
        };
        let mut held = candidate(1, 3, 1.0);
        held.holds_time = true;
        let f = passage_features(&held, Some(0), 1.0, cues, None, (1, 3), Views::default());
        assert_eq!(f.values[14], 1.0);
    }

    #[test]
    fn overlapping_spans_give_way_to_better_ones() {
        let ranked = vec![(0, 10, 14), (0, 12, 16), (1, 12, 16), (0, 20, 22)];
        let kept = without_overlaps(ranked, 5, |&(t, s, e)| (t, s, e));
        assert_eq!(kept, vec![(0, 10, 14), (1, 12, 16), (0, 20, 22)]);
    }

    #[test]
    fn at_most_top_n_spans_are_kept() {
        let ranked = vec![(0, 1, 2), (0, 5, 6), (0, 9, 9)];
        assert_eq!(without_overlaps(ranked, 2, |&(t, s, e)| (t, s, e)).len(), 2);
    }

    #[test]
    fn the_english_view_scores_a_candidate_by_the_best_window_over_it() {
        let region = |start: usize, end: usize, retrieval: f32| Region {
            transcript: 0,
            start,
            end,
            retrieval,
        };
        let english = [
            region(10, 15, 1.0),
            region(14, 19, 0.4),
            region(40, 45, 0.9),
        ];
        assert_eq!(english_score(&english, &candidate(15, 18, 0.0)), 1.0);
        assert_eq!(english_score(&english, &candidate(16, 20, 0.0)), 0.4);
        assert_eq!(english_score(&english, &candidate(25, 30, 0.0)), 0.0);
    }
}
