//! The decision: whether the best candidate of a reading answers the question (the fitted
//! decision), which reading of a follow-up is answered, and, for a follow-up, the order of the
//! passages around the one shown before.

pub mod follow;

use super::fuse::without_overlaps;
use super::fuse::{Examined, Scored};
use super::state::rankings::{self, Ranking};
use super::state::State;
use super::understand::followup::FollowUp;
use super::understand::{Anchor, Question};

/// Lines shown when a follow-up asks what comes next and no ranked passage follows.
pub const NEXT_LINES: usize = 6;
/// Lines a ranked passage may skip after the shown one and still be "what comes next"; beyond,
/// the lines right after the shown passage go first.
pub const NEXT_GAP: usize = 2;
/// A ranked passage starting at most this many lines after the shown one counts as following it.
pub const NEXT_WITHIN: usize = 40;
/// Share of the best score a passage following the shown one needs to be preferred, for a
/// question that does not lean on the earlier one.
pub const FOLLOWING_SCORE_SHARE: f32 = 0.5;
/// A passage ending at most this many lines before the shown one counts as near it.
pub const NEAR_LINES: usize = 25;
/// Candidates a follow-up's decision looks at, so re-ordering has passages near the shown one to
/// choose from.
pub const CANDIDATES: usize = 25;

/// A passage chosen to be shown: a span of a transcript, the line that decides its topic, its
/// score as shown and the question's terms it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Pick {
    /// Position of the transcript in the corpus.
    pub transcript: usize,
    /// First line.
    pub start: usize,
    /// Last line (inclusive).
    pub end: usize,
    /// The line whose topic labels the passage.
    pub anchor: usize,
    /// Score to three decimals, as shown (and compared when a follow-up re-orders).
    pub score: f32,
    /// Normalised terms of the question found in the passage.
    pub matched: Vec<String>,
    /// Whose view it reports.
    pub speaker: Option<String>,
}

impl Pick {
    /// The span `start..=end` of transcript `transcript` with its speaker, scored `score`.
    pub fn new(
        state: &State,
        transcript: usize,
        (start, end, anchor): (usize, usize, usize),
        score: f32,
        matched: Vec<String>,
    ) -> Pick {
        let speaker = state.corpus.transcripts[transcript]
            .speaker_of(start, end)
            .map(|s| s.name.clone());
        Pick {
            transcript,
            start,
            end,
            anchor,
            score: (score * 1000.0).round() / 1000.0,
            matched,
            speaker,
        }
    }

    /// The candidate as a passage to show.
    pub fn of(state: &State, scored: &Scored) -> Pick {
        let c = &scored.candidate;
        Pick::new(
            state,
            c.transcript,
            (c.start, c.end, c.anchor),
            scored.score,
            c.matched.clone(),
        )
    }
}

/// What was decided for a question: the reading answered, whether the interview answers it, and
/// the passages to show (best first) — or, when it does not answer, the candidates whose topics
/// are suggested instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Index of the reading (in `Question::readings`) the answer is for.
    pub reading: usize,
    /// Whether the interview answers it.
    pub answered: bool,
    /// The passages to show, or the candidates to suggest topics from.
    pub picks: Vec<Pick>,
}

/// The decision's inputs for what was examined (none without candidates).
pub fn decision_inputs(examined: &Examined) -> Option<Vec<f32>> {
    let top = examined.ranked.first()?;
    let scores: Vec<f32> = examined.ranked.iter().map(|s| s.score).collect();
    Some(rankings::decision_inputs(
        &scores,
        &top.features,
        &examined.signals,
    ))
}

/// The fitted decision of the mode the candidates were fused in.
pub fn ranking_of<'a>(state: &'a State, examined: &Examined) -> &'a Ranking {
    state.rankings.for_mode(examined.signals.semantic)
}

/// Probability that the best candidate answers the question, under `ranking`'s decision.
pub fn answerable(ranking: &Ranking, examined: &Examined) -> f32 {
    match decision_inputs(examined) {
        Some(inputs) => ranking.answerable(&inputs),
        None => 0.0,
    }
}

/// Whether the best candidate answers the question: the fitted probability reaches the fitted
/// threshold.
pub fn answers(ranking: &Ranking, examined: &Examined) -> bool {
    !examined.ranked.is_empty() && answerable(ranking, examined) >= ranking.threshold
}

/// Decides for `question`, whose readings were examined into `examined` (one per reading, in
/// order), showing at most `top_n` passages.
pub fn decide(state: &State, question: &Question, examined: &[Examined], top_n: usize) -> Decision {
    match &question.follow {
        None => decide_reading(state, examined, 0, top_n),
        Some(follow) => decide_follow_up(state, question, follow, examined, top_n),
    }
}

/// The decision for one reading: answered or not, and its best `shown` candidates.
fn decide_reading(state: &State, examined: &[Examined], reading: usize, shown: usize) -> Decision {
    let examined = &examined[reading];
    // the best candidates that do not overlap, beyond those fusion kept when more are wanted
    let best = if shown <= examined.ranked.len() {
        examined.ranked.iter().take(shown).cloned().collect()
    } else {
        without_overlaps(examined.all.clone(), shown, |s| {
            (s.candidate.transcript, s.candidate.start, s.candidate.end)
        })
    };
    Decision {
        reading,
        answered: answers(ranking_of(state, examined), examined),
        picks: best.iter().map(|s| Pick::of(state, s)).collect(),
    }
}

/// A follow-up: a question with words of its own is answered alone when it can be (a passage
/// right after the one shown still preferred when it answers nearly as well); otherwise its
/// completed reading is answered, re-ordered around the passage shown, and a follow-up about
/// the same thing that the search cannot place ("为啥啊", "后来呢") is answered with what comes
/// next.
fn decide_follow_up(
    state: &State,
    question: &Question,
    follow: &FollowUp,
    examined: &[Examined],
    top_n: usize,
) -> Decision {
    let anchor = question.anchor;
    // the fitted follow-up ranking, in the mode it was fitted in
    let mode = examined.first().is_some_and(|e| e.signals.semantic);
    let fitted = state
        .rankings
        .follow_up
        .as_ref()
        .filter(|ranking| ranking.semantic == mode);
    if let (Some(ranking), Some(shown)) = (fitted, anchor) {
        return follow::decide(state, question, follow, examined, shown, ranking, top_n);
    }
    let completed = question.readings.len() - 1;
    if !follow.elliptical {
        let mut alone = decide_reading(state, examined, 0, CANDIDATES);
        if alone.answered || completed == 0 {
            prefer_following(&mut alone.picks, anchor.as_ref());
            if alone.answered {
                alone.picks.truncate(top_n);
            }
            return alone;
        }
    }
    // leaning on the earlier question, or not answered alone: its completed reading
    let follow = FollowUp {
        elliptical: true,
        ..follow.clone()
    };
    let mut decision = decide_reading(state, examined, completed, CANDIDATES);
    let guess = follow.wants_next || (!decision.answered && !follow.own_content);
    let next = anchor
        .as_ref()
        .filter(|_| guess)
        .and_then(|a| next_lines(state, a));
    if !decision.answered {
        if let Some(next) = next {
            decision.answered = true;
            decision.picks = vec![next];
        }
    } else {
        decision.picks = reorder(
            std::mem::take(&mut decision.picks),
            &follow,
            anchor.as_ref(),
            next,
        );
        decision.picks.truncate(top_n);
    }
    decision
}

/// The lines right after a shown passage, when there are any.
pub fn next_lines(state: &State, shown: &Anchor) -> Option<Pick> {
    let line_count = state.corpus.transcripts[shown.transcript].line_count();
    let start = shown.end.saturating_add(1);
    if start > line_count {
        return None;
    }
    let end = (start + NEXT_LINES - 1).clamp(start, line_count);
    Some(Pick::new(
        state,
        shown.transcript,
        (start, end, (start + end) / 2),
        0.0,
        Vec::new(),
    ))
}

/// Where a ranked passage lies relative to the passage shown before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Placement {
    /// Starting after the shown passage (or running on past it), this many lines after its end.
    After(usize),
    /// Ending before the shown passage, within [`NEAR_LINES`].
    Before,
    /// Anywhere else.
    Far,
    /// Mostly the shown passage itself: already seen.
    Shown,
}

/// Where `p` lies against the passage shown before (`Far` without one).
pub fn placement(p: &Pick, anchor: Option<&Anchor>) -> Placement {
    let Some(anchor) = anchor.filter(|a| a.transcript == p.transcript) else {
        return Placement::Far;
    };
    let lines = p.end + 1 - p.start;
    let shared = (p.end.min(anchor.end) + 1).saturating_sub(p.start.max(anchor.start));
    if shared * 2 > lines {
        Placement::Shown
    } else if p.end > anchor.end && p.start <= anchor.end + NEXT_WITHIN {
        Placement::After(p.start.saturating_sub(anchor.end + 1))
    } else if p.end < anchor.start && anchor.start - p.end <= NEAR_LINES {
        Placement::Before
    } else {
        Placement::Far
    }
}

/// Re-orders ranked passages for a follow-up. In an interview the answer to a follow-up mostly
/// comes right after what was asked before, so: passages of the speaker it switches to first;
/// then passages following the shown one (closest first when it asks what comes next, else in the
/// engine's order), then those just before it, then the rest, and the shown passage itself last.
/// `next` (the lines right after the shown passage) goes first when it asks what comes next and no
/// ranked passage follows.
pub fn reorder(
    mut picks: Vec<Pick>,
    follow: &FollowUp,
    anchor: Option<&Anchor>,
    next: Option<Pick>,
) -> Vec<Pick> {
    if !follow.elliptical {
        return picks;
    }
    let key = |p: &Pick| -> (u8, u8, usize) {
        let speaker_rank = match &follow.speaker {
            Some(s) if p.speaker.as_deref() == Some(s.as_str()) => 0,
            Some(_) => 1,
            None => 0,
        };
        match placement(p, anchor) {
            Placement::After(distance) if follow.wants_next => (speaker_rank, 0, distance),
            Placement::After(_) => (speaker_rank, 0, 0),
            Placement::Before => (speaker_rank, 1, 0),
            Placement::Far => (speaker_rank, 2, 0),
            Placement::Shown => (speaker_rank, 3, 0),
        }
    };
    // a stable sort keeps the engine's order within each group
    picks.sort_by_key(key);
    if follow.wants_next {
        let follows = picks
            .first()
            .is_some_and(|p| matches!(placement(p, anchor), Placement::After(d) if d <= NEXT_GAP));
        if let Some(next) = next.filter(|_| !follows) {
            picks.retain(|p| !(p.start <= next.end && next.start <= p.end));
            picks.insert(0, next);
        }
    }
    picks
}

/// Moves the best passage following the shown one to the front, when it scores at least
/// [`FOLLOWING_SCORE_SHARE`] of the best passage — unless the best is the shown passage itself:
/// then the question is about what was shown (asked again, or in other words).
pub fn prefer_following(picks: &mut Vec<Pick>, anchor: Option<&Anchor>) {
    let Some(best) = picks.first() else {
        return;
    };
    if placement(best, anchor) == Placement::Shown {
        return;
    }
    let best = best.score;
    let found = picks.iter().position(|p| {
        matches!(placement(p, anchor), Placement::After(_))
            && p.score >= FOLLOWING_SCORE_SHARE * best
    });
    if let Some(at) = found.filter(|&at| at > 0) {
        let following = picks.remove(at);
        picks.insert(0, following);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::understand::followup::tests::speakers;
    use crate::answer::understand::followup::{understand, AskContext, ContextTurn, ShownPassage};

    /// A follow-up asked after `earlier`, whose shown passage was `start..=end` of transcript 0.
    fn follow_up(earlier: &str, question: &str, start: usize, end: usize) -> FollowUp {
        let context = AskContext {
            turns: vec![ContextTurn {
                question: earlier.into(),
                shown: Some(ShownPassage {
                    transcript: "t".into(),
                    line_start: start,
                    line_end: end,
                }),
            }],
        };
        understand(question, &context, &speakers())
    }

    fn anchor(start: usize, end: usize) -> Anchor {
        Anchor {
            transcript: 0,
            start,
            end,
        }
    }

    fn passage(start: usize, end: usize, speaker: &str, score: f32) -> Pick {
        Pick {
            transcript: 0,
            start,
            end,
            anchor: start,
            score,
            matched: Vec::new(),
            speaker: Some(speaker.into()),
        }
    }

    #[test]
    fn the_switched_speaker_goes_first() {
        let follow = follow_up("Mark怎么看待谄媚问题", "那Nick呢", 300, 305);
        let ranked = vec![
            passage(300, 305, "Mark Chen", 10.0),
            passage(500, 505, "Nick Turley", 8.0),
        ];
        let out = reorder(ranked, &follow, Some(&anchor(300, 305)), None);
        assert_eq!(out[0].start, 500);
    }

    #[test]
    fn what_comes_next_prefers_the_closest_passage_after() {
        let follow = follow_up("ChatGPT最初叫什么", "后来呢", 15, 19);
        let ranked = vec![
            passage(15, 19, "Nick Turley", 10.0),
            passage(200, 205, "Nick Turley", 9.0),
            passage(30, 35, "Nick Turley", 5.0),
            passage(22, 27, "Nick Turley", 4.0),
        ];
        let out = reorder(
            ranked,
            &follow,
            Some(&anchor(15, 19)),
            Some(passage(20, 25, "Nick Turley", 0.0)),
        );
        let starts: Vec<usize> = out.iter().map(|p| p.start).collect();
        assert_eq!(starts, [22, 30, 200, 15]);
    }

    #[test]
    fn what_comes_next_falls_back_to_the_following_lines() {
        let follow = follow_up("ChatGPT最初叫什么", "后来呢", 15, 19);
        let ranked = vec![
            passage(15, 19, "Nick Turley", 10.0),
            passage(400, 405, "x", 3.0),
        ];
        let out = reorder(
            ranked,
            &follow,
            Some(&anchor(15, 19)),
            Some(passage(20, 25, "Nick Turley", 0.0)),
        );
        assert_eq!(out[0].start, 20);
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn passages_after_the_shown_one_come_first() {
        let follow = follow_up("ChatGPT最初叫什么", "为什么", 15, 19);
        let ranked = vec![
            passage(400, 405, "x", 10.0),
            passage(5, 10, "x", 9.0),
            passage(15, 19, "x", 8.0),
            passage(26, 30, "x", 2.0),
            passage(20, 25, "x", 7.0),
        ];
        let starts: Vec<usize> = reorder(ranked, &follow, Some(&anchor(15, 19)), None)
            .iter()
            .map(|p| p.start)
            .collect();
        assert_eq!(starts, [26, 20, 5, 400, 15]);
    }

    #[test]
    fn passages_of_a_standalone_question_keep_their_order() {
        let follow = follow_up("ChatGPT最初叫什么", "GPT这三个字母的全称到底是什么", 15, 19);
        let ranked = vec![passage(80, 86, "x", 10.0), passage(15, 19, "x", 9.0)];
        let out = reorder(ranked, &follow, Some(&anchor(15, 19)), None);
        assert_eq!(out[0].start, 80);
    }

    #[test]
    fn a_following_passage_is_preferred_when_it_scores_close() {
        let shown = anchor(15, 19);
        let mut close = vec![passage(400, 405, "x", 10.0), passage(20, 25, "x", 6.0)];
        prefer_following(&mut close, Some(&shown));
        assert_eq!(close[0].start, 20);
        let mut weak = vec![passage(400, 405, "x", 10.0), passage(20, 25, "x", 3.0)];
        prefer_following(&mut weak, Some(&shown));
        assert_eq!(weak[0].start, 400);
    }

    #[test]
    fn asking_about_the_shown_passage_again_keeps_it() {
        let shown = anchor(15, 17);
        let mut again = vec![passage(15, 17, "x", 10.0), passage(27, 29, "x", 9.0)];
        prefer_following(&mut again, Some(&shown));
        assert_eq!(again[0].start, 15);
    }
}
