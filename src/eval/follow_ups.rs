//! Fitting the follow-up ranking on follow-up questions asked after their gold passages: a
//! listwise quadratic ranker over the passages offered for each follow-up, a logistic decision
//! over the top one and its threshold — cross-fitted over folds grouped by passage, which also
//! estimate how it does on follow-ups it has not seen.

use super::{answers, context_of, passage_groups, EvalQuestion, FOLDS};
use crate::answer::decide::follow::{self, Offered};
use crate::answer::followup::{AskContext, ContextTurn, ShownPassage};
use crate::answer::fuse::fit::{self, DecisionOutcome, RankingExample};
use crate::answer::state::rankings::{
    FollowUpRanking, PassageRanker, QuestionSignals, FOLLOW_DECISION_FEATURES, FOLLOW_FEATURES,
};
use crate::answer::state::State;
use crate::answer::understand::Question;
use crate::answer::{examine, understand, AskOptions, Engine};

/// Share of answerable follow-ups the decision may decline while fitting its threshold.
const MAX_FALSE_ABSTAIN: f32 = 0.05;

/// One follow-up as the fit sees it: the passages offered, which answer it, and its labels.
struct Case {
    question: Question,
    /// The signals of the follow-up read alone.
    alone: Option<QuestionSignals>,
    by_rules: bool,
    offered: Vec<Offered>,
    answering: Vec<bool>,
    answerable: bool,
    group: usize,
}

/// What the decision learns from one follow-up, scored by a ranker not fitted on it.
struct Row {
    inputs: Vec<f32>,
    by_rules: bool,
    answerable: bool,
    top_answers: bool,
    group: usize,
}

/// The follow-up ranking fitted on `questions` (each with its context), and a line saying what
/// it does on follow-ups held out: after their gold passages, and after the engine's own answers
/// to the turns before (as a member gets them).
pub fn fit_follow_ups(engine: &Engine, questions: &[EvalQuestion]) -> (FollowUpRanking, String) {
    let transcript = engine
        .transcripts()
        .first()
        .map(|t| t.id.clone())
        .unwrap_or_default();
    let groups = passage_groups(questions);
    let cases: Vec<Case> = questions
        .iter()
        .zip(&groups)
        .filter_map(|(q, &group)| case(engine, q, context_of(q, &transcript), group))
        .collect();
    let fold = |group: usize| group % FOLDS;
    // the decision learns from scores of a ranker fitted on the other folds
    let mut rows: Vec<Row> = Vec::new();
    let mut rankers = Vec::new();
    for f in 0..FOLDS {
        let ranker = fit_ranker(&cases, |c| fold(c.group) != f);
        let scoring = ranking(ranker.clone(), None, 0.0);
        for case in cases.iter().filter(|c| fold(c.group) == f) {
            if let Some(row) = row(engine.state(), case, &scoring) {
                rows.push(row);
            }
        }
        rankers.push(ranker);
    }
    // held out: each fold decided by a decision and threshold fitted on the others, alone and
    // as the engine decides (the fitted decision or the rules)
    let (mut alone, mut either) = (Tally::default(), Tally::default());
    let mut held_out = Vec::new();
    for (f, ranker) in rankers.into_iter().enumerate() {
        let (decision, threshold) = fit_decision(&rows, |r| fold(r.group) != f);
        let judge = ranking(ranker, Some(decision), threshold);
        for r in rows.iter().filter(|r| fold(r.group) == f) {
            let answered = judge.answerable(&r.inputs) >= threshold;
            alone.add(r.answerable, answered, r.top_answers);
            either.add(r.answerable, answered || r.by_rules, r.top_answers);
        }
        held_out.push(judge);
    }
    // the same folds asked after the engine's own answers to the earlier turns (a follow-up
    // among them decided by the fold's ranking too)
    let mut own = Tally::default();
    for (q, &group) in questions.iter().zip(&groups) {
        let judge = &held_out[fold(group)];
        let context = own_context_under(engine, q, judge);
        let (answered, right) = match case(engine, q, context.clone(), group) {
            Some(case) => decided(engine.state(), &case, judge),
            // nothing shown before (the earlier turn declined): answered as the engine does
            None => {
                let options = AskOptions {
                    context: Some(context),
                    ..AskOptions::default()
                };
                let answer = engine.answer(&q.q.replace('\n', " "), &options);
                let right = answer
                    .results
                    .first()
                    .is_some_and(|r| answers(q, r.line_start, r.line_end));
                (answer.answered, right)
            }
        };
        own.add(q.answerable, answered, right);
    }
    let ranker = fit_ranker(&cases, |_| true);
    let (decision, threshold) = fit_decision(&rows, |_| true);
    let summary = format!(
        "follow-ups: {} questions ({} answerable); {FOLDS}-fold estimate grouped by passage, \
         after the gold passages: hit1 {:.3}, declined negatives {:.3} (the fitted decision \
         alone), {:.3} and {:.3} (the fitted decision or the rules, as answered); after the \
         engine's own answers, as answered: hit1 {:.3}, declined negatives {:.3}; threshold \
         {threshold:.3}",
        questions.len(),
        own.positives,
        alone.hit1(),
        alone.declined(),
        either.hit1(),
        either.declined(),
        own.hit1(),
        own.declined(),
    );
    let mut fitted = ranking(ranker, Some(decision), threshold);
    fitted.semantic = engine.semantic_on();
    fitted.provenance = format!("interview-bot eval FOLLOW-UPS --fit: {summary}");
    (fitted, summary)
}

/// The context of a follow-up after the engine's own answers to its earlier turns, as a member
/// gets them — a turn that is itself a follow-up decided by `judge` (the ranking of the fold it
/// is held out in), not by the follow-up ranking loaded with the engine, which was fitted on it.
fn own_context_under(engine: &Engine, q: &EvalQuestion, judge: &FollowUpRanking) -> AskContext {
    let state = engine.state();
    let mut context = AskContext::default();
    for turn in &q.context {
        let text = turn.q.replace('\n', " ");
        let options = AskOptions {
            context: Some(context.clone()).filter(|c| !c.turns.is_empty()),
            ..AskOptions::default()
        };
        let question = understand::understand(state, &text, &options);
        let (Some(anchor), Some(follow)) = (question.anchor, question.follow.clone()) else {
            context = context.after(&engine.answer(&text, &options));
            continue;
        };
        let examined: Vec<_> = question
            .readings
            .iter()
            .map(|r| examine(state, &r.understood, None, Some(anchor)))
            .collect();
        let decision = follow::decide(state, &question, &follow, &examined, anchor, judge, 1);
        let top = decision.picks.first().filter(|_| decision.answered);
        context.push(ContextTurn {
            // as the engine's answer names it: the reading answered
            question: question.readings[decision.reading].text.clone(),
            shown: top.map(|p| ShownPassage {
                transcript: state.corpus.transcripts[p.transcript].id.clone(),
                line_start: p.start,
                line_end: p.end,
            }),
        });
    }
    context
}

/// A follow-up asked after `context`, through the engine's own stages (none when nothing was
/// shown before it).
fn case(engine: &Engine, q: &EvalQuestion, context: AskContext, group: usize) -> Option<Case> {
    let state = engine.state();
    let options = AskOptions {
        context: Some(context),
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
    let by_rules = follow::answered_by_rules(state, &question, &follow, &examined);
    let alone = examined.first().map(|e| e.signals);
    Some(Case {
        question,
        alone,
        by_rules,
        offered,
        answering,
        answerable: q.answerable,
        group,
    })
}

/// Whether `judge` answers a case as the engine would (its fitted decision or the rules), and
/// whether its top passage answers it.
fn decided(state: &State, case: &Case, judge: &FollowUpRanking) -> (bool, bool) {
    match row(state, case, judge) {
        Some(r) => (
            judge.answerable(&r.inputs) >= judge.threshold || r.by_rules,
            r.top_answers,
        ),
        None => (false, false),
    }
}

/// Hits among answerable follow-ups and declines among the others.
#[derive(Default)]
struct Tally {
    hits: usize,
    positives: usize,
    declined: usize,
    negatives: usize,
}

impl Tally {
    fn add(&mut self, answerable: bool, answered: bool, right: bool) {
        if answerable {
            self.positives += 1;
            self.hits += usize::from(answered && right);
        } else {
            self.negatives += 1;
            self.declined += usize::from(!answered);
        }
    }

    fn hit1(&self) -> f64 {
        self.hits as f64 / self.positives.max(1) as f64
    }

    fn declined(&self) -> f64 {
        self.declined as f64 / self.negatives.max(1) as f64
    }
}

/// The ranker fitted on the answerable cases `include` keeps.
fn fit_ranker(cases: &[Case], include: impl Fn(&Case) -> bool) -> PassageRanker {
    let examples: Vec<RankingExample> = cases
        .iter()
        .filter(|c| c.answerable && include(c))
        .map(|c| RankingExample {
            candidates: c.offered.iter().map(|o| o.features.clone()).collect(),
            answers: c.answering.clone(),
        })
        .collect();
    fit::fit_quadratic_ranking(&examples, FOLLOW_FEATURES.len(), 0)
}

/// A case's decision row under a ranking (none when nothing is offered).
fn row(state: &State, case: &Case, scoring: &FollowUpRanking) -> Option<Row> {
    let ranked = follow::ranked(case.offered.clone(), scoring);
    let inputs = follow::decision_inputs(state, &case.question, case.alone.as_ref(), &ranked)?;
    let top = &ranked.first()?.0.pick;
    let top_answers = case
        .offered
        .iter()
        .zip(&case.answering)
        .any(|(o, &a)| a && o.pick.start == top.start && o.pick.end == top.end);
    Some(Row {
        inputs,
        by_rules: case.by_rules,
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
        PassageRanker {
            mean: Vec::new(),
            deviation: Vec::new(),
            weights: Vec::new(),
            hidden: Default::default(),
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
    ranker: PassageRanker,
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
