//! Fitting the follow-up ranking on follow-up questions asked after their gold passages: a
//! listwise quadratic ranker over the passages offered for each follow-up, a logistic decision
//! over the top one and its threshold — cross-fitted over folds grouped by passage, which also
//! estimate how it does on follow-ups it has not seen.

use super::{answers, context_of, passage_groups, EvalQuestion, FOLDS};
use crate::answer::decide::follow::{self, Offered};
use crate::answer::fuse::fit::{self, DecisionOutcome, RankingExample};
use crate::answer::state::rankings::{FollowUpRanking, FOLLOW_DECISION_FEATURES, FOLLOW_FEATURES};
use crate::answer::{examine, understand, AskOptions, Engine};

/// Share of answerable follow-ups the decision may decline while fitting its threshold.
const MAX_FALSE_ABSTAIN: f32 = 0.05;

/// One follow-up as the fit sees it: the passages offered, which answer it, and its labels.
struct Case {
    offered: Vec<Offered>,
    answering: Vec<bool>,
    answerable: bool,
    group: usize,
}

/// What the decision learns from one follow-up, scored by a ranker not fitted on it.
struct Row {
    inputs: Vec<f32>,
    answerable: bool,
    top_answers: bool,
    group: usize,
}

/// The follow-up ranking fitted on `questions` (each with its context), and a line saying what
/// it does on follow-ups held out.
pub fn fit_follow_ups(engine: &Engine, questions: &[EvalQuestion]) -> (FollowUpRanking, String) {
    let cases = cases(engine, questions);
    let fold = |group: usize| group % FOLDS;
    // the decision learns from scores of a ranker fitted on the other folds
    let mut rows: Vec<Row> = Vec::new();
    for f in 0..FOLDS {
        let ranker = fit_ranker(&cases, |c| fold(c.group) != f);
        let scoring = ranking(ranker, None, 0.0);
        for case in cases.iter().filter(|c| fold(c.group) == f) {
            if let Some(row) = row(case, &scoring) {
                rows.push(row);
            }
        }
    }
    // held out: each fold decided by a decision and threshold fitted on the others
    let (mut hits, mut positives, mut declined, mut negatives) = (0, 0, 0, 0);
    for f in 0..FOLDS {
        let (decision, threshold) = fit_decision(&rows, |r| fold(r.group) != f);
        let judge = ranking(
            fit::QuadraticRanker {
                mean: Vec::new(),
                deviation: Vec::new(),
                weights: Vec::new(),
            },
            Some(decision),
            threshold,
        );
        for r in rows.iter().filter(|r| fold(r.group) == f) {
            let answered = judge.answerable(&r.inputs) >= threshold;
            if r.answerable {
                positives += 1;
                hits += usize::from(answered && r.top_answers);
            } else {
                negatives += 1;
                declined += usize::from(!answered);
            }
        }
    }
    let ranker = fit_ranker(&cases, |_| true);
    let (decision, threshold) = fit_decision(&rows, |_| true);
    let share = |a: usize, b: usize| a as f64 / b.max(1) as f64;
    let summary = format!(
        "follow-ups: {} questions ({} answerable) after their gold passages; {FOLDS}-fold \
         estimate grouped by passage: hit1 {:.3}, declined negatives {:.3}; threshold {threshold:.3}",
        cases.len(),
        positives,
        share(hits, positives),
        share(declined, negatives),
    );
    let mut fitted = ranking(ranker, Some(decision), threshold);
    fitted.semantic = engine.semantic_on();
    fitted.provenance = format!("interview-bot eval FOLLOW-UPS --fit: {summary}");
    (fitted, summary)
}

/// Every follow-up asked after its gold passages, through the engine's own stages.
fn cases(engine: &Engine, questions: &[EvalQuestion]) -> Vec<Case> {
    let state = engine.state();
    let transcript = engine
        .transcripts()
        .first()
        .map(|t| t.id.clone())
        .unwrap_or_default();
    let groups = passage_groups(questions);
    questions
        .iter()
        .zip(groups)
        .filter_map(|(q, group)| {
            let options = AskOptions {
                context: Some(context_of(q, &transcript)),
                ..AskOptions::default()
            };
            let question = understand::understand(state, &q.q.replace('\n', " "), &options);
            let (anchor, follow) = (question.anchor?, question.follow.clone()?);
            let examined: Vec<_> = question
                .readings
                .iter()
                .map(|r| examine(state, &r.understood, None, Some(anchor)))
                .collect();
            let offered = follow::offered(state, &question, &follow, &examined, anchor);
            let answering = offered
                .iter()
                .map(|o| answers(q, o.pick.start, o.pick.end))
                .collect();
            Some(Case {
                offered,
                answering,
                answerable: q.answerable,
                group,
            })
        })
        .collect()
}

/// The ranker fitted on the answerable cases `include` keeps.
fn fit_ranker(cases: &[Case], include: impl Fn(&Case) -> bool) -> fit::QuadraticRanker {
    let examples: Vec<RankingExample> = cases
        .iter()
        .filter(|c| c.answerable && include(c))
        .map(|c| RankingExample {
            candidates: c.offered.iter().map(|o| o.features.clone()).collect(),
            answers: c.answering.clone(),
        })
        .collect();
    fit::fit_quadratic_ranking(&examples, FOLLOW_FEATURES.len())
}

/// A case's decision row under a ranking (none when nothing is offered).
fn row(case: &Case, scoring: &FollowUpRanking) -> Option<Row> {
    let ranked = follow::ranked(case.offered.clone(), scoring);
    let inputs = follow::decision_inputs(&ranked)?;
    let top = &ranked.first()?.0.pick;
    let top_answers = case
        .offered
        .iter()
        .zip(&case.answering)
        .any(|(o, &a)| a && o.pick.start == top.start && o.pick.end == top.end);
    Some(Row {
        inputs,
        answerable: case.answerable,
        top_answers,
        group: case.group,
    })
}

/// The decision and its threshold fitted on the rows `include` keeps.
fn fit_decision(rows: &[Row], include: impl Fn(&Row) -> bool) -> (fit::FittedDecision, f32) {
    let chosen: Vec<&Row> = rows.iter().filter(|r| include(r)).collect();
    let training: Vec<(Vec<f32>, bool)> = chosen
        .iter()
        .map(|r| (r.inputs.clone(), r.answerable))
        .collect();
    let width = FOLLOW_FEATURES.len() + FOLLOW_DECISION_FEATURES.len();
    let decision = fit::fit_decision(&training, width);
    let judge = ranking(
        fit::QuadraticRanker {
            mean: Vec::new(),
            deviation: Vec::new(),
            weights: Vec::new(),
        },
        Some(decision.clone()),
        0.0,
    );
    let outcomes: Vec<DecisionOutcome> = chosen
        .iter()
        .map(|r| DecisionOutcome {
            probability: judge.answerable(&r.inputs),
            answerable: r.answerable,
            top_answers: r.top_answers,
        })
        .collect();
    let threshold = fit::choose_threshold(&outcomes, MAX_FALSE_ABSTAIN);
    (decision, threshold)
}

/// A follow-up ranking from a fitted ranker and decision (an empty decision answers nothing).
fn ranking(
    ranker: fit::QuadraticRanker,
    decision: Option<fit::FittedDecision>,
    threshold: f32,
) -> FollowUpRanking {
    let decision = decision.unwrap_or(fit::FittedDecision {
        mean: Vec::new(),
        deviation: Vec::new(),
        weights: Vec::new(),
        bias: 0.0,
    });
    FollowUpRanking {
        features: FOLLOW_FEATURES.iter().map(|s| s.to_string()).collect(),
        mean: ranker.mean,
        deviation: ranker.deviation,
        weights: ranker.weights,
        decision_mean: decision.mean,
        decision_deviation: decision.deviation,
        decision_weights: decision.weights,
        decision_bias: decision.bias,
        threshold,
        semantic: true,
        provenance: String::new(),
    }
}
