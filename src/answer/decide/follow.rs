//! A follow-up decided by the ranking fitted on follow-up questions: the candidates of both its
//! readings and the lines right after the passage shown before, each described by where it lies
//! against that passage and by what the follow-up asks, scored, and the best answered when the
//! fitted decision (or the rules' answer/decline) says the interview answers it.

use super::{answerable, placement, ranking_of, Decision, Pick, Placement, CANDIDATES};
use crate::answer::fuse::{self, without_overlaps, Examined};
use crate::answer::narrow;
use crate::answer::state::rankings::{
    FollowUpRanking, QuestionSignals, FOLLOW_DECISION_FEATURES, FOLLOW_FEATURES, PASSAGE_FEATURES,
    UNKNOWN,
};
use crate::answer::state::State;
use crate::answer::understand::followup::{asks_before, asks_example, asks_why, FollowUp};
use crate::answer::understand::{Anchor, Question, Understood};
use crate::topics;

/// Position of the speaker feature in [`FOLLOW_FEATURES`].
const SPEAKER: usize = 8;
/// Position of the best window score by meaning among [`PASSAGE_FEATURES`].
const DENSE_WINDOW: usize = 5;

/// A passage offered for a follow-up, with what the follow-up ranking knows of it.
#[derive(Debug, Clone)]
pub struct Offered {
    /// The passage.
    pub pick: Pick,
    /// Its values of [`FOLLOW_FEATURES`].
    pub features: Vec<f32>,
}

/// Every passage offered for a follow-up: the best non-overlapping candidates of each reading,
/// and the lines right after the passage shown.
pub fn offered(
    state: &State,
    question: &Question,
    follow: &FollowUp,
    examined: &[Examined],
    anchor: Anchor,
) -> Vec<Offered> {
    let asks = |test: fn(&str) -> bool| question.readings.first().is_some_and(|r| test(&r.text));
    let (why, before, example) = (asks(asks_why), asks(asks_before), asks(asks_example));
    let completed = question.readings.len() - 1;
    let continuity = match examined {
        [alone, _completed] => continuity(alone, anchor),
        _ => UNKNOWN,
    };
    let bests: Vec<Vec<fuse::Scored>> = examined
        .iter()
        .map(|examined| {
            without_overlaps(examined.all.clone(), CANDIDATES, |s| {
                (s.candidate.transcript, s.candidate.start, s.candidate.end)
            })
        })
        .collect();
    let mut offered = Vec::new();
    for (reading, (examined, best)) in examined.iter().zip(&bests).enumerate() {
        let probability = answerable(ranking_of(state, examined), examined);
        let top = best.first().map_or(0.0, |s| s.score);
        for scored in best {
            let pick = Pick::of(state, scored);
            let context = Context {
                score_gap: scored.score - top,
                probability,
                completed: reading == completed && completed > 0,
                next_lines: false,
                why,
                before,
                example,
                agreement: agreement(&bests, reading, scored),
                continuity,
            };
            let features = features(state, &pick, anchor, follow, &context);
            offered.push(Offered { pick, features });
        }
    }
    if let Some(next) = super::next_lines(state, &anchor) {
        let context = Context {
            score_gap: 0.0,
            probability: 0.0,
            completed: false,
            next_lines: true,
            why,
            before,
            example,
            agreement: 0.0,
            continuity,
        };
        let features = features(state, &next, anchor, follow, &context);
        offered.push(Offered {
            pick: next,
            features,
        });
    }
    offered
}

/// What a passage's reading says of it.
struct Context {
    score_gap: f32,
    probability: f32,
    completed: bool,
    next_lines: bool,
    why: bool,
    before: bool,
    example: bool,
    /// How well the other reading ranks the same lines (see [`agreement`]).
    agreement: f32,
    /// How near the follow-up alone comes to the passage shown (see [`continuity`]).
    continuity: f32,
}

/// How near a follow-up read alone comes to the passage shown, by meaning: the best window
/// score (a z-score over the transcript) among that reading's candidates overlapping the shown
/// passage, less the best among all its candidates — 0 when the follow-up alone finds the shown
/// passage as well as any, far below when it changes the subject ("and how did Mark end up
/// joining OpenAI?" after a passage on his parents). Unknown without the semantic signal or when
/// no candidate overlaps the passage.
fn continuity(alone: &Examined, anchor: Anchor) -> f32 {
    if !alone.signals.semantic {
        return UNKNOWN;
    }
    alone
        .all
        .iter()
        .filter(|s| {
            s.candidate.transcript == anchor.transcript
                && s.candidate.start <= anchor.end
                && anchor.start <= s.candidate.end
        })
        .map(|s| s.features.values[DENSE_WINDOW])
        .reduce(f32::max)
        .map_or(UNKNOWN, |shown| {
            let best = alone
                .all
                .iter()
                .map(|s| s.features.values[DENSE_WINDOW])
                .fold(f32::NEG_INFINITY, f32::max);
            shown - best
        })
}

/// How well the other readings of the follow-up rank a candidate of reading `reading`: e to the
/// gap between the best of their candidates overlapping it and their top one (1 when it is their
/// top too), 0 when none overlaps it or the follow-up has one reading.
fn agreement(bests: &[Vec<fuse::Scored>], reading: usize, scored: &fuse::Scored) -> f32 {
    let c = &scored.candidate;
    bests
        .iter()
        .enumerate()
        .filter(|&(other, _)| other != reading)
        .filter_map(|(_, best)| {
            let top = best.first()?.score;
            best.iter()
                .filter(|s| {
                    s.candidate.transcript == c.transcript
                        && s.candidate.start <= c.end
                        && c.start <= s.candidate.end
                })
                .map(|s| (s.score - top).exp())
                .reduce(f32::max)
        })
        .fold(0.0, f32::max)
}

/// The values of [`FOLLOW_FEATURES`] for `pick`.
fn features(
    state: &State,
    pick: &Pick,
    anchor: Anchor,
    follow: &FollowUp,
    context: &Context,
) -> Vec<f32> {
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let near = |distance: usize| 1.0 / (1.0 + distance as f32);
    let (after, before, far, shown) = match placement(pick, Some(&anchor)) {
        Placement::After(distance) => (near(distance), 0.0, 0.0, 0.0),
        Placement::Before => (0.0, near(anchor.start - pick.end), 0.0, 0.0),
        Placement::Far => (0.0, 0.0, 1.0, 0.0),
        Placement::Shown => (0.0, 0.0, 0.0, 1.0),
    };
    let outline = &state.outlines[pick.transcript];
    let chapter = |line: usize| topics::topic_at(outline, line).map(|t| t.start);
    let same_chapter = pick.transcript == anchor.transcript
        && chapter(pick.anchor).is_some()
        && chapter(pick.anchor) == chapter(anchor.start);
    let speaker = match &follow.speaker {
        Some(asked) if pick.speaker.as_deref() == Some(asked.as_str()) => 1.0,
        Some(_) => -1.0,
        None => 0.0,
    };
    let values = vec![
        context.score_gap,
        context.probability,
        flag(context.completed),
        after,
        before,
        far,
        shown,
        flag(same_chapter),
        speaker,
        flag(follow.wants_next),
        flag(follow.elliptical),
        flag(context.why),
        flag(context.next_lines),
        context.agreement,
        flag(context.before),
        flag(context.example),
        context.continuity,
    ];
    debug_assert_eq!(values.len(), FOLLOW_FEATURES.len());
    debug_assert_eq!(FOLLOW_FEATURES[SPEAKER], "speaker");
    debug_assert_eq!(PASSAGE_FEATURES[DENSE_WINDOW], "dense_window");
    values
}

/// Offered passages scored under `ranking`, best first, without overlaps, with their scores.
pub fn ranked(offered: Vec<Offered>, ranking: &FollowUpRanking) -> Vec<(Offered, f32)> {
    let mut scored: Vec<(Offered, f32)> = offered
        .into_iter()
        .map(|o| {
            let score = ranking.score(&o.features);
            (o, score)
        })
        .collect();
    // a follow-up that names another speaker gets that speaker's passages first, as members
    // mean it ("那Nick呢？"): too few of the training follow-ups switch speakers for the fitted
    // score to learn it
    let other_speaker = |o: &Offered| o.features[SPEAKER] < 0.0;
    scored.sort_by(|a, b| {
        other_speaker(&a.0)
            .cmp(&other_speaker(&b.0))
            .then(b.1.total_cmp(&a.1))
            .then(a.0.pick.start.cmp(&b.0.pick.start))
    });
    without_overlaps(scored, CANDIDATES, |(o, _)| {
        (o.pick.transcript, o.pick.start, o.pick.end)
    })
}

/// The fitted decision's inputs for passages ranked best first (none without passages): the top
/// one's features, its probability and margin, what the follow-up alone asks for against what
/// that passage holds, and how near it comes to what the notes leave unanswered (`alone`: the
/// signals of the follow-up read alone).
pub fn decision_inputs(
    state: &State,
    question: &Question,
    alone: Option<&QuestionSignals>,
    ranked: &[(Offered, f32)],
) -> Option<Vec<f32>> {
    let (top, _) = ranked.first()?;
    let scores: Vec<f32> = ranked.iter().map(|(_, s)| *s).collect();
    let asked = asked_against(state, question, alone, &top.pick);
    Some(FollowUpRanking::decision_inputs(
        &scores,
        &top.features,
        &asked,
    ))
}

/// What the follow-up read alone asks for against what `pick` holds: a number, a time, a kind
/// of answer it lacks; the thing asked for or a name the corpus never mentions; the share of the
/// follow-up's weight the corpus lacks; how near it comes to the notes' unanswered questions and
/// to the chatter.
fn asked_against(
    state: &State,
    question: &Question,
    signals: Option<&QuestionSignals>,
    pick: &Pick,
) -> Vec<f32> {
    let held = narrow::span_holds(state, pick.transcript, pick.start, pick.end);
    match question.readings.first() {
        Some(alone) => asked_of(&alone.understood, held, signals),
        None => vec![0.0; FOLLOW_DECISION_FEATURES.len() - 2],
    }
}

/// What a follow-up understood alone asks for against what a passage holds, with its signals as
/// a question of its own (see [`asked_against`]).
fn asked_of(
    alone: &Understood,
    held: narrow::SpanHolds,
    signals: Option<&QuestionSignals>,
) -> Vec<f32> {
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let cues = alone.plan.cues;
    vec![
        flag(cues.number && !held.number),
        flag(cues.time && !held.time),
        flag(cues.kind.is_some_and(|kind| !held.kinds.holds(kind))),
        flag(fuse::focus_missing(&alone.plan)),
        fuse::absent_share(&alone.plan),
        flag(!alone.never_mentioned.is_empty()),
        signals.map_or(UNKNOWN, |s| s.unanswered_closest),
        signals.map_or(UNKNOWN, |s| s.unanswered_share),
        signals.map_or(UNKNOWN, |s| s.chatter_closest),
    ]
}

/// The reading shown as understood: the completed one for a follow-up leaning on the earlier
/// question, else the question alone.
fn reading_shown(question: &Question, follow: &FollowUp) -> usize {
    if follow.elliptical {
        question.readings.len() - 1
    } else {
        0
    }
}

/// Whether the rules answer a follow-up: its reading is answered as a question of its own, or it
/// asks what came next, or it leans wholly on the earlier question.
pub fn answered_by_rules(
    state: &State,
    question: &Question,
    follow: &FollowUp,
    examined: &[Examined],
) -> bool {
    let reading = &examined[reading_shown(question, follow)];
    super::answers(ranking_of(state, reading), reading) || follow.wants_next || !follow.own_content
}

/// The decision for a follow-up after the passage `anchor`, under the fitted follow-up ranking.
pub fn decide(
    state: &State,
    question: &Question,
    follow: &FollowUp,
    examined: &[Examined],
    anchor: Anchor,
    ranking: &FollowUpRanking,
    top_n: usize,
) -> Decision {
    let ranked = ranked(offered(state, question, follow, examined, anchor), ranking);
    let reading = reading_shown(question, follow);
    // answered when the fitted decision says so, or as the rules would (measured held out: the
    // fitted decision alone trades answered follow-ups for declined negatives about one for
    // one — docs/quality.md)
    let alone = examined.first().map(|e| &e.signals);
    let fitted = decision_inputs(state, question, alone, &ranked)
        .is_some_and(|inputs| ranking.answerable(&inputs) >= ranking.threshold);
    let answered = fitted || answered_by_rules(state, question, follow, examined);
    Decision {
        reading,
        answered,
        picks: ranked
            .into_iter()
            .take(top_n)
            .map(|(offered, score)| Pick {
                score: (score * 1000.0).round() / 1000.0,
                ..offered.pick
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::kinds::{AnswerKind, HeldKinds};
    use crate::answer::understand::query::{Cues, QueryPlan};

    fn understood(cues: Cues, never_mentioned: &[&str]) -> Understood {
        Understood {
            plan: QueryPlan {
                normalized: String::new(),
                concepts: Vec::new(),
                cues,
            },
            vector: None,
            never_mentioned: never_mentioned.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn holding(number: bool, person: bool) -> narrow::SpanHolds {
        narrow::SpanHolds {
            number,
            time: false,
            kinds: HeldKinds {
                person,
                ..HeldKinds::default()
            },
        }
    }

    fn scored(start: usize, end: usize, score: f32) -> fuse::Scored {
        fuse::Scored {
            candidate: narrow::Candidate::plain(0, start, end, start),
            features: Default::default(),
            score,
        }
    }

    fn by_meaning(start: usize, end: usize, window: f32) -> fuse::Scored {
        let mut scored = scored(start, end, 0.0);
        scored.features.values[DENSE_WINDOW] = window;
        scored
    }

    fn examined(all: Vec<fuse::Scored>, semantic: bool) -> Examined {
        Examined {
            ranked: all.clone(),
            all,
            signals: QuestionSignals {
                semantic,
                ..QuestionSignals::default()
            },
        }
    }

    #[test]
    fn a_follow_up_that_changes_the_subject_is_far_from_the_passage_shown() {
        let shown = Anchor {
            transcript: 0,
            start: 20,
            end: 25,
        };
        let on_it = examined(vec![by_meaning(18, 23, 2.5), by_meaning(90, 95, 2.0)], true);
        assert_eq!(continuity(&on_it, shown), 0.0);
        let elsewhere = examined(vec![by_meaning(21, 26, 0.5), by_meaning(90, 95, 3.0)], true);
        assert_eq!(continuity(&elsewhere, shown), -2.5);
        let none_near = examined(vec![by_meaning(90, 95, 3.0)], true);
        assert!(continuity(&none_near, shown).is_nan());
        assert!(continuity(&examined(vec![by_meaning(20, 25, 1.0)], false), shown).is_nan());
    }

    #[test]
    fn a_passage_the_other_reading_ranks_high_agrees_more() {
        let alone = vec![scored(10, 15, 3.0), scored(40, 45, 2.0)];
        let completed = vec![
            scored(41, 46, 5.0),
            scored(12, 17, 4.0),
            scored(80, 85, 1.0),
        ];
        let bests = [alone.clone(), completed.clone()];
        // the completed reading's top passage overlaps the second of the reading alone
        assert_eq!(agreement(&bests, 0, &alone[1]), 1.0);
        assert!((agreement(&bests, 0, &alone[0]) - (-1.0f32).exp()).abs() < 1e-6);
        assert_eq!(
            agreement(&bests, 1, &completed[2]),
            0.0,
            "not among the other's"
        );
        assert_eq!(agreement(&bests[..1], 0, &alone[0]), 0.0, "one reading");
    }

    #[test]
    fn a_follow_up_asking_how_much_is_told_when_the_passage_holds_no_number() {
        let how_much = understood(
            Cues {
                number: true,
                ..Cues::default()
            },
            &[],
        );
        assert_eq!(asked_of(&how_much, holding(false, false), None)[0], 1.0);
        assert_eq!(asked_of(&how_much, holding(true, false), None)[0], 0.0);
    }

    #[test]
    fn a_follow_up_asking_who_is_told_when_the_passage_names_no_one() {
        let who = understood(
            Cues {
                kind: Some(AnswerKind::Person),
                ..Cues::default()
            },
            &[],
        );
        assert_eq!(asked_of(&who, holding(false, false), None)[2], 1.0);
        assert_eq!(asked_of(&who, holding(false, true), None)[2], 0.0);
    }

    #[test]
    fn a_follow_up_naming_what_the_corpus_never_mentions_says_so() {
        let inputs = asked_of(
            &understood(Cues::default(), &["Trey Parker"]),
            holding(true, true),
            None,
        );
        assert_eq!(inputs.len(), FOLLOW_DECISION_FEATURES.len() - 2);
        assert_eq!(inputs[5], 1.0);
        assert_eq!(inputs[..3], [0.0, 0.0, 0.0], "nothing asked for is missing");
    }

    #[test]
    fn a_follow_up_near_an_unanswered_question_or_chatter_says_how_near() {
        let signals = QuestionSignals {
            unanswered_closest: 0.93,
            unanswered_share: 0.4,
            chatter_closest: 0.88,
            ..QuestionSignals::default()
        };
        let alone = understood(Cues::default(), &[]);
        let inputs = asked_of(&alone, holding(true, true), Some(&signals));
        assert_eq!(inputs[6..], [0.93, 0.4, 0.88]);
        let unknown = asked_of(&alone, holding(true, true), None);
        assert!(unknown[6..].iter().all(|v| v.is_nan()));
    }
}
