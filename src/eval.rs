//! Runs a question file in the evaluation format (`{"q", "gold", "kind", "answerable", "topic_any"}`
//! per line, plus `"context"` for follow-up questions) and computes the same metrics as the
//! reference scorer.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use crate::answer::fit::{self, DecisionOutcome, RankingExample};
use crate::answer::followup::{AskContext, ContextTurn, ShownPassage};
use crate::answer::fuse::{self, Ranking, Rankings};
use crate::answer::{decision_inputs, Answer, AskOptions, Engine};
use crate::error::{Error, Result};

/// Longest top result that still counts as a hit.
pub const MAX_HIT_LINES: usize = 12;

/// One evaluation question.
#[derive(Debug, Clone, Deserialize)]
pub struct EvalQuestion {
    /// Question id.
    pub id: String,
    /// The question.
    pub q: String,
    /// Gold line ranges.
    #[serde(default)]
    pub gold: Vec<(usize, usize)>,
    /// Keywords a good topic label contains.
    #[serde(default)]
    pub topic_any: Vec<String>,
    /// Kind of question.
    pub kind: String,
    /// Whether the transcript answers it.
    pub answerable: bool,
    /// For a follow-up: the earlier questions, oldest first, each with its gold lines.
    #[serde(default)]
    pub context: Vec<EvalTurn>,
}

/// An earlier question of a follow-up and the lines that answer it.
#[derive(Debug, Clone, Deserialize)]
pub struct EvalTurn {
    /// The earlier question.
    pub q: String,
    /// Its gold line ranges; the first is taken as the passage that was shown.
    #[serde(default)]
    pub gold: Vec<(usize, usize)>,
}

/// Reads a question file.
pub fn load_questions(path: &Path) -> Result<Vec<EvalQuestion>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| Error::data(path, i + 1, e.to_string())))
        .collect()
}

/// Aggregated metrics.
#[derive(Debug, Clone, Default)]
pub struct EvalReport {
    /// (hits + right abstentions) / questions.
    pub accuracy: f64,
    /// Share of answerable questions whose top result is a hit.
    pub hit1: f64,
    /// Share with a hit in the top 3.
    pub hit3: f64,
    /// Mean reciprocal rank over the top 5.
    pub mrr: f64,
    /// Share of negatives not answered.
    pub abstain_neg: f64,
    /// Share of answerable questions not answered.
    pub false_abstain: f64,
    /// Share of hits whose topic holds a keyword.
    pub topic: f64,
    /// Mean lines of answered top results.
    pub avg_lines: f64,
    /// Per kind: (questions, right).
    pub per_kind: BTreeMap<String, (usize, usize)>,
    /// Misses, one line each.
    pub misses: Vec<String>,
}

/// Answers every question and scores the answers.
pub fn evaluate(engine: &Engine, questions: &[EvalQuestion]) -> EvalReport {
    score(questions, |q| {
        engine.answer(&q.q.replace('\n', " "), &AskOptions::default())
    })
}

/// Scores follow-up questions asked alone (`with_context` false) or after their context: each
/// earlier question with its first gold range as the passage shown (in the first transcript).
pub fn evaluate_follow_ups(
    engine: &Engine,
    questions: &[EvalQuestion],
    with_context: bool,
) -> EvalReport {
    let transcript = engine
        .transcripts()
        .first()
        .map(|t| t.id.clone())
        .unwrap_or_default();
    score(questions, |q| {
        let context = with_context.then(|| context_of(q, &transcript));
        let options = AskOptions {
            context,
            ..AskOptions::default()
        };
        engine.answer(&q.q.replace('\n', " "), &options)
    })
}

/// The context of a follow-up as the engine gets it.
pub fn context_of(question: &EvalQuestion, transcript: &str) -> AskContext {
    let mut context = AskContext::default();
    for turn in &question.context {
        context.push(ContextTurn {
            question: turn.q.replace('\n', " "),
            shown: turn.gold.first().map(|&(s, e)| ShownPassage {
                transcript: transcript.to_string(),
                line_start: s,
                line_end: e,
            }),
        });
    }
    context
}

fn score(questions: &[EvalQuestion], answer_of: impl Fn(&EvalQuestion) -> Answer) -> EvalReport {
    let mut report = EvalReport::default();
    let (mut pos, mut neg, mut neg_ok, mut hit1, mut hit3, mut false_abstain, mut topic_ok) =
        (0usize, 0usize, 0usize, 0usize, 0usize, 0usize, 0usize);
    let (mut rr, mut lines, mut answered_pos) = (0.0f64, 0usize, 0usize);
    for q in questions {
        let answer = answer_of(q);
        let kind = report.per_kind.entry(q.kind.clone()).or_default();
        kind.0 += 1;
        let answered = answer.answered && !answer.results.is_empty();
        if !q.answerable {
            neg += 1;
            if answered {
                report.misses.push(format!(
                    "{} {} answered a negative {}",
                    q.id, q.q, answer.results[0].line_start
                ));
            } else {
                neg_ok += 1;
                kind.1 += 1;
            }
            continue;
        }
        pos += 1;
        if !answered {
            false_abstain += 1;
            report
                .misses
                .push(format!("{} {} abstained {:?}", q.id, q.q, q.gold));
            continue;
        }
        let is_hit = |r: &crate::answer::Passage| {
            r.line_end + 1 - r.line_start <= MAX_HIT_LINES
                && q.gold
                    .iter()
                    .any(|&(s, e)| r.line_start <= e && s <= r.line_end)
        };
        let top = &answer.results[0];
        lines += top.line_end + 1 - top.line_start;
        answered_pos += 1;
        if let Some(rank) = answer.results.iter().take(5).position(is_hit) {
            rr += 1.0 / (rank + 1) as f64;
            if rank < 3 {
                hit3 += 1;
            }
        }
        if is_hit(top) {
            hit1 += 1;
            kind.1 += 1;
            let label = top.topic.to_lowercase();
            if q.topic_any
                .iter()
                .any(|w| label.contains(&w.to_lowercase()))
            {
                topic_ok += 1;
            }
        } else {
            report.misses.push(format!(
                "{} {} got {}-{} {:?}",
                q.id, q.q, top.line_start, top.line_end, q.gold
            ));
        }
    }
    let share = |a: usize, b: usize| a as f64 / b.max(1) as f64;
    report.accuracy = share(hit1 + neg_ok, questions.len());
    report.hit1 = share(hit1, pos);
    report.hit3 = share(hit3, pos);
    report.mrr = rr / pos.max(1) as f64;
    report.abstain_neg = share(neg_ok, neg);
    report.false_abstain = share(false_abstain, pos);
    report.topic = share(topic_ok, hit1);
    report.avg_lines = lines as f64 / answered_pos.max(1) as f64;
    report
}

impl EvalReport {
    /// The per-kind table, the misses and the summary line, as the reference scorer prints them.
    pub fn render(&self) -> String {
        let mut out = format!("{:<12}{:>4}{:>5}{:>7}\n", "kind", "n", "ok", "rate");
        for (kind, (n, ok)) in &self.per_kind {
            let _ = writeln!(
                out,
                "{kind:<12}{n:>4}{ok:>5}{:>7.2}",
                *ok as f64 / *n as f64
            );
        }
        for miss in &self.misses {
            let _ = writeln!(out, "  miss {miss}");
        }
        let _ = writeln!(
            out,
            "accuracy={:.3} hit1={:.3} hit3={:.3} mrr={:.3} abstain_neg={:.3} false_abstain={:.3} topic={:.3} avg_lines={:.1}",
            self.accuracy, self.hit1, self.hit3, self.mrr, self.abstain_neg, self.false_abstain,
            self.topic, self.avg_lines
        );
        out
    }
}

/// Whether a span answers a question: it overlaps a gold range and is short enough to count.
fn answers(q: &EvalQuestion, start: usize, end: usize) -> bool {
    end + 1 - start <= MAX_HIT_LINES && q.gold.iter().any(|&(s, e)| start <= e && s <= end)
}

/// What fitting found, for the record and the user.
#[derive(Debug, Clone)]
pub struct FitSummary {
    /// Per mode: questions used for the ranker, and share of them whose answer was among the
    /// candidates at all.
    pub lines: Vec<String>,
}

/// Share of answerable questions the decision may abstain on while fitting its threshold.
const MAX_FALSE_ABSTAIN: f32 = 0.04;

/// Fits the ranking and the decision of both modes on training questions.
pub fn fit_rankings(engine: &Engine, questions: &[EvalQuestion]) -> (Rankings, FitSummary) {
    let mut summary = FitSummary { lines: Vec::new() };
    let semantic = if engine.semantic_on() {
        Some(fit_mode(engine, questions, false, &mut summary))
    } else {
        summary
            .lines
            .push("semantic signal off: only the lexical mode is fitted".into());
        None
    };
    let lexical = fit_mode(engine, questions, true, &mut summary);
    let rankings = Rankings {
        semantic: semantic.unwrap_or_else(|| lexical.clone()),
        lexical,
    };
    (rankings, summary)
}

fn fit_mode(
    engine: &Engine,
    questions: &[EvalQuestion],
    lexical_only: bool,
    summary: &mut FitSummary,
) -> Ranking {
    let mode = if lexical_only { "lexical" } else { "semantic" };
    let understood: Vec<_> = questions
        .iter()
        .map(|q| engine.understand(&q.q.replace('\n', " "), lexical_only))
        .collect();
    let unfitted = Ranking::lexical_only();
    let mut examples = Vec::new();
    let mut reachable = 0;
    let mut answerable = 0;
    for (q, u) in questions.iter().zip(&understood) {
        if !q.answerable {
            continue;
        }
        answerable += 1;
        let examined = engine.examine_with(u, None, &unfitted);
        let example = RankingExample {
            candidates: examined
                .all
                .iter()
                .map(|s| s.features.values.to_vec())
                .collect(),
            answers: examined
                .all
                .iter()
                .map(|s| answers(q, s.candidate.start, s.candidate.end))
                .collect(),
        };
        if example.answers.iter().any(|&a| a) {
            reachable += 1;
        }
        examples.push(example);
    }
    let mut ranking = unfitted.clone();
    let ranker = fit::fit_quadratic_ranking(&examples, fuse::PASSAGE_FEATURES.len());
    ranking.mean = ranker.mean;
    ranking.deviation = ranker.deviation;
    ranking.weights = ranker.weights;

    let mut rows = Vec::new();
    let mut outcomes_top = Vec::new();
    for (q, u) in questions.iter().zip(&understood) {
        let examined = engine.examine_with(u, None, &ranking);
        let top_answers = examined
            .ranked
            .first()
            .is_some_and(|s| answers(q, s.candidate.start, s.candidate.end));
        let inputs =
            decision_inputs(&examined).unwrap_or_else(|| vec![0.0; fuse::decision_names().len()]);
        rows.push((inputs, q.answerable));
        outcomes_top.push(top_answers);
    }
    let (weights, bias) = fit::fit_decision(&rows, fuse::decision_names().len());
    ranking.decision_weights = weights;
    ranking.decision_bias = bias;
    let outcomes: Vec<DecisionOutcome> = rows
        .iter()
        .zip(&outcomes_top)
        .map(|((inputs, answerable), &top_answers)| DecisionOutcome {
            probability: ranking.answerable(inputs),
            answerable: *answerable,
            top_answers,
        })
        .collect();
    ranking.threshold = fit::choose_threshold(&outcomes, MAX_FALSE_ABSTAIN);
    let top1 = outcomes_top
        .iter()
        .zip(questions)
        .filter(|(&t, q)| t && q.answerable)
        .count();
    let line = format!(
        "{mode}: {} questions ({answerable} answerable); answer among candidates {:.3}, top-1 {:.3}; threshold {:.3}",
        questions.len(),
        reachable as f64 / answerable.max(1) as f64,
        top1 as f64 / answerable.max(1) as f64,
        ranking.threshold
    );
    ranking.provenance = format!("interview-bot eval --fit; {line}");
    summary.lines.push(line);
    ranking
}
