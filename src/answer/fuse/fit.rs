//! Fitting the fusion's parameters from training questions: a listwise softmax ranker (quadratic
//! in the features, with hidden tanh units beside it) over the candidates of each question, a
//! logistic decision (quadratic in its inputs) over the top passage, and the threshold.

use crate::answer::state::rankings::{
    dot, quadratic_terms, quadratic_width, sigmoid, softmax, view_features, HiddenUnits,
    PassageRanker, UNKNOWN,
};

/// The candidates of one training question, with which of them answer it.
#[derive(Debug, Clone)]
pub struct RankingExample {
    /// Feature values of each candidate.
    pub candidates: Vec<Vec<f32>>,
    /// Whether each candidate answers the question.
    pub answers: Vec<bool>,
}

impl RankingExample {
    /// The same candidates as a transcript without an English rendering or notes gives them:
    /// the features of those views unknown.
    pub fn without_views(&self) -> RankingExample {
        let views: Vec<usize> = view_features().collect();
        let candidates = self
            .candidates
            .iter()
            .map(|x| {
                let mut x = x.clone();
                for &f in &views {
                    if let Some(v) = x.get_mut(f) {
                        *v = UNKNOWN;
                    }
                }
                x
            })
            .collect();
        RankingExample {
            candidates,
            answers: self.answers.clone(),
        }
    }
}

/// Adam's first step size; later steps shrink along a half cosine to nothing at the last
/// step, so that the fit ends at the optimum instead of circling it. At a constant step size the
/// loss reached its floor within 300 steps and then jumped off it and back (by up to 8 %), and a
/// fit ended wherever the last jump left it.
const LEARNING_RATE: f32 = 0.05;
/// Full-batch steps: with the step size decaying, 600 end within 1e-8 of the loss's minimum on
/// the shipped training questions (for the rankers and the decision alike).
const STEPS: usize = 600;
/// Strength of the L2 penalty on the weights of single features (and of the decision). Chosen,
/// with `L2_PAIRS`, by the held-out top-1 of `eval --fit`'s folds on the training questions.
const L2: f32 = 0.03;
/// Strength of the L2 penalty on the weights of products of two features: there are many more
/// of them than questions to learn them from (351 for 26 features). Chosen by the held-out
/// accuracy of `eval --fit`'s four fold assignments (0.1: 0.810, 0.3: 0.814, 1: 0.811), and
/// kept when chosen again once every fit ended at the loss's floor (docs/quality.md).
const L2_PAIRS: f32 = 0.3;
/// Hidden units of the hybrid passage ranking beside its quadratic terms: held out over the four
/// fold assignments, accuracy 0.816 → 0.823 and top-1 0.874 → 0.884 (docs/quality.md).
pub const HIDDEN_UNITS: usize = 16;
/// Strength of the L2 penalty on the hidden units' weights (in and out).
const L2_HIDDEN: f32 = 0.01;
/// Seed of the hidden units' first weights, so that a fit is the same on every run.
const HIDDEN_SEED: u64 = 0x5eed;

/// Strength of the L2 penalty on the decision's products of two inputs. Chosen by the held-out
/// accuracy of `eval --fit`'s folds (0.1 to 10 tried; 1 best, and above a linear decision).
const L2_DECISION_PAIRS: f32 = 1.0;

/// The quadratic ranker (with `hidden_units` tanh units beside it) minimising the listwise loss
/// −log Σ_{answering} softmax(score(x)) over the examples that have at least one answering
/// candidate.
pub fn fit_quadratic_ranking(
    examples: &[RankingExample],
    width: usize,
    hidden_units: usize,
) -> PassageRanker {
    let all: Vec<&[f32]> = examples
        .iter()
        .flat_map(|e| e.candidates.iter().map(Vec::as_slice))
        .collect();
    let scaling = Scaling::of(&all, width);
    let expanded: Vec<RankingExample> = examples
        .iter()
        .map(|e| RankingExample {
            candidates: e
                .candidates
                .iter()
                .map(|x| quadratic_terms(&scaling.apply(x)))
                .collect(),
            answers: e.answers.clone(),
        })
        .collect();
    let (weights, hidden) = fit_standardized(&expanded, width, hidden_units);
    PassageRanker {
        mean: scaling.mean,
        deviation: scaling.deviation,
        weights,
        hidden,
    }
}

/// Where each part of a ranker sits in the one parameter vector Adam steps: the quadratic
/// terms' weights, then the hidden units' weights, biases and weights in the score.
struct Layout {
    features: usize,
    terms: usize,
    units: usize,
}

impl Layout {
    fn len(&self) -> usize {
        self.terms + self.units * (self.features + 2)
    }

    fn hidden(&self, params: &[f32]) -> HiddenUnits {
        let (inputs, rest) = params[self.terms..].split_at(self.units * self.features);
        let (bias, out) = rest.split_at(self.units);
        HiddenUnits {
            weights: inputs.to_vec(),
            bias: bias.to_vec(),
            out: out.to_vec(),
        }
    }

    /// The L2 penalty of parameter `k`: single features, products, hidden weights; none for
    /// the hidden biases.
    fn penalty(&self, k: usize) -> f32 {
        let biases = self.terms + self.units * self.features;
        if k < self.features {
            L2
        } else if k < self.terms {
            L2_PAIRS
        } else if (biases..biases + self.units).contains(&k) {
            0.0
        } else {
            L2_HIDDEN
        }
    }
}

/// The first parameters: the quadratic weights at zero, the hidden units' input weights spread
/// evenly with variance 1 / features (a fixed sequence, the same on every run), their biases and
/// their weights in the score at zero.
fn initial_parameters(layout: &Layout) -> Vec<f32> {
    let mut params = vec![0.0; layout.len()];
    let reach = (3.0 / layout.features.max(1) as f32).sqrt();
    let mut state = HIDDEN_SEED;
    for p in &mut params[layout.terms..layout.terms + layout.units * layout.features] {
        // splitmix64
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        let unit = (z >> 40) as f32 / (1u64 << 24) as f32;
        *p = reach * (2.0 * unit - 1.0);
    }
    params
}

/// The listwise fit itself, on features already on comparable scales (each candidate given as
/// its quadratic terms, the standardised features first).
fn fit_standardized(
    examples: &[RankingExample],
    features: usize,
    units: usize,
) -> (Vec<f32>, HiddenUnits) {
    let layout = Layout {
        features,
        terms: quadratic_width(features),
        units,
    };
    let usable: Vec<&RankingExample> = examples
        .iter()
        .filter(|e| e.answers.iter().any(|&a| a) && e.candidates.len() > 1)
        .collect();
    let mut adam = Adam::new(layout.len(), STEPS);
    let mut params = initial_parameters(&layout);
    let biases = layout.terms + units * features;
    for _ in 0..STEPS {
        let mut gradient = vec![0.0; layout.len()];
        let hidden = layout.hidden(&params);
        for e in &usable {
            // each candidate's hidden activations, computed once for its score and its gradient
            let activations: Vec<Vec<f32>> = e
                .candidates
                .iter()
                .map(|x| hidden.activations(&x[..features]))
                .collect();
            let scores: Vec<f32> = e
                .candidates
                .iter()
                .zip(&activations)
                .map(|(x, a)| dot(&params[..layout.terms], x) + dot(&hidden.out, a))
                .collect();
            let p = softmax(&scores);
            let positive: f32 = p
                .iter()
                .zip(&e.answers)
                .filter(|(_, &a)| a)
                .map(|(p, _)| p)
                .sum();
            // d(−log Σ_pos p)/d score_i = p_i − [i answers] p_i / Σ_pos p
            for (((x, &pi), &answers), activations) in e
                .candidates
                .iter()
                .zip(&p)
                .zip(&e.answers)
                .zip(&activations)
            {
                let coefficient = pi
                    - if answers {
                        pi / positive.max(1e-12)
                    } else {
                        0.0
                    };
                for (g, v) in gradient[..layout.terms].iter_mut().zip(x) {
                    *g += coefficient * v;
                }
                let z = &x[..features];
                for (u, &a) in activations.iter().enumerate() {
                    gradient[biases + units + u] += coefficient * a;
                    let inner = coefficient * hidden.out[u] * (1.0 - a * a);
                    gradient[biases + u] += inner;
                    let row = layout.terms + u * features;
                    for (g, v) in gradient[row..row + features].iter_mut().zip(z) {
                        *g += inner * v;
                    }
                }
            }
        }
        let n = usable.len().max(1) as f32;
        for (k, (g, p)) in gradient.iter_mut().zip(&params).enumerate() {
            *g = *g / n + layout.penalty(k) * p;
        }
        adam.step(&mut params, &gradient);
    }
    let hidden = layout.hidden(&params);
    params.truncate(layout.terms);
    (params, hidden)
}

/// A fitted decision: P(answerable) is the logistic of its weights over the quadratic terms of
/// the inputs standardised by `mean` and `deviation`, plus `bias`.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedDecision {
    /// Mean of each input over the training rows.
    pub mean: Vec<f32>,
    /// Deviation of each input over the training rows.
    pub deviation: Vec<f32>,
    /// Weight of each quadratic term.
    pub weights: Vec<f32>,
    /// The bias.
    pub bias: f32,
}

/// Logistic regression over the inputs and their pairwise products: P(answerable | inputs).
pub fn fit_decision(rows: &[(Vec<f32>, bool)], width: usize) -> FittedDecision {
    let raw: Vec<&[f32]> = rows.iter().map(|(x, _)| x.as_slice()).collect();
    let scaling = Scaling::of(&raw, width);
    let rows: Vec<(Vec<f32>, bool)> = rows
        .iter()
        .map(|(x, label)| (quadratic_terms(&scaling.apply(x)), *label))
        .collect();
    let terms = quadratic_width(width);
    let mut adam = Adam::new(terms + 1, STEPS);
    let mut params = vec![0.0; terms + 1];
    let n = rows.len().max(1) as f32;
    for _ in 0..STEPS {
        let mut gradient = vec![0.0; terms + 1];
        for (x, label) in &rows {
            let p = sigmoid(dot(&params[..terms], x) + params[terms]);
            let error = p - if *label { 1.0 } else { 0.0 };
            for (g, v) in gradient.iter_mut().zip(x) {
                *g += error * v;
            }
            gradient[terms] += error;
        }
        for (i, g) in gradient.iter_mut().enumerate() {
            *g /= n;
            if i < terms {
                *g += if i < width { L2 } else { L2_DECISION_PAIRS } * params[i];
            }
        }
        adam.step(&mut params, &gradient);
    }
    let bias = params.pop().unwrap_or(0.0);
    FittedDecision {
        mean: scaling.mean,
        deviation: scaling.deviation,
        weights: params,
        bias,
    }
}

/// Per-feature mean and deviation over training rows, over the known values of each feature
/// (an unknown one, [`UNKNOWN`](crate::answer::state::rankings::UNKNOWN), stands at the mean).
struct Scaling {
    mean: Vec<f32>,
    deviation: Vec<f32>,
}

impl Scaling {
    fn of(rows: &[&[f32]], width: usize) -> Scaling {
        let mut known = vec![0.0f32; width];
        let mut mean = vec![0.0f32; width];
        for row in rows {
            for ((m, k), v) in mean.iter_mut().zip(&mut known).zip(row.iter()) {
                if !v.is_nan() {
                    *m += v;
                    *k += 1.0;
                }
            }
        }
        for (m, k) in mean.iter_mut().zip(&known) {
            *m /= k.max(1.0);
        }
        let mut deviation = vec![0.0f32; width];
        for row in rows {
            for ((d, v), m) in deviation.iter_mut().zip(row.iter()).zip(&mean) {
                if !v.is_nan() {
                    *d += (v - m) * (v - m);
                }
            }
        }
        // a constant feature keeps deviation 1 (its weight then stays near 0)
        let deviation = deviation
            .into_iter()
            .zip(&known)
            .map(|(d, k)| d / k.max(1.0))
            .map(|d| if d > 1e-12 { d.sqrt() } else { 1.0 })
            .collect();
        Scaling { mean, deviation }
    }

    fn apply(&self, x: &[f32]) -> Vec<f32> {
        x.iter()
            .zip(&self.mean)
            .zip(&self.deviation)
            .map(|((v, m), d)| if v.is_nan() { 0.0 } else { (v - m) / d })
            .collect()
    }
}

/// One training question seen by the decision: its probability of being answerable, whether it
/// is, and whether the passage that would be shown answers it.
#[derive(Debug, Clone, Copy)]
pub struct DecisionOutcome {
    /// The decision's probability.
    pub probability: f32,
    /// Whether the question is answerable.
    pub answerable: bool,
    /// Whether the top passage answers it.
    pub top_answers: bool,
}

/// The threshold with the best accuracy (right answers + right abstentions) among those that
/// abstain on at most `max_false_abstain` of the answerable questions.
pub fn choose_threshold(outcomes: &[DecisionOutcome], max_false_abstain: f32) -> f32 {
    let positives = outcomes.iter().filter(|o| o.answerable).count().max(1) as f32;
    let mut candidates: Vec<f32> = outcomes.iter().map(|o| o.probability).collect();
    candidates.push(0.0);
    candidates.sort_by(f32::total_cmp);
    candidates.dedup();
    let mut best = (f32::NEG_INFINITY, 0.0);
    for &threshold in &candidates {
        let mut correct = 0usize;
        let mut false_abstain = 0usize;
        for o in outcomes {
            let answers = o.probability >= threshold;
            match (o.answerable, answers) {
                (false, false) => correct += 1,
                (true, true) if o.top_answers => correct += 1,
                (true, false) => false_abstain += 1,
                _ => {}
            }
        }
        if false_abstain as f32 / positives > max_false_abstain {
            continue;
        }
        if correct as f32 > best.0 {
            best = (correct as f32, threshold);
        }
    }
    // halfway down to the next lower probability, so the boundary is not on a training point
    let below = candidates
        .iter()
        .copied()
        .filter(|&p| p < best.1)
        .fold(0.0f32, f32::max);
    (best.1 + below) / 2.0
}

/// Adam over full batches, its step size decaying from [`LEARNING_RATE`] to nothing over
/// `steps` steps.
struct Adam {
    m: Vec<f32>,
    v: Vec<f32>,
    t: i32,
    steps: usize,
}

impl Adam {
    fn new(n: usize, steps: usize) -> Adam {
        Adam {
            m: vec![0.0; n],
            v: vec![0.0; n],
            t: 0,
            steps,
        }
    }

    /// The step size of step `t` (counted from 1) of `steps`.
    fn step_size(t: i32, steps: usize) -> f32 {
        let progress = t as f32 / steps.max(1) as f32;
        LEARNING_RATE * 0.5 * (1.0 + (std::f32::consts::PI * progress.min(1.0)).cos())
    }

    fn step(&mut self, params: &mut [f32], gradient: &[f32]) {
        const B1: f32 = 0.9;
        const B2: f32 = 0.999;
        self.t += 1;
        let size = Adam::step_size(self.t, self.steps);
        for i in 0..params.len() {
            self.m[i] = B1 * self.m[i] + (1.0 - B1) * gradient[i];
            self.v[i] = B2 * self.v[i] + (1.0 - B2) * gradient[i] * gradient[i];
            let m = self.m[i] / (1.0 - B1.powi(self.t));
            let v = self.v[i] / (1.0 - B2.powi(self.t));
            params[i] -= size * m / (v.sqrt() + 1e-8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_stand_at_the_mean_of_the_known_ones() {
        let rows: Vec<&[f32]> = vec![&[1.0, f32::NAN], &[3.0, f32::NAN], &[f32::NAN, f32::NAN]];
        let scaling = Scaling::of(&rows, 2);
        assert_eq!(scaling.mean, vec![2.0, 0.0]);
        assert_eq!(scaling.deviation, vec![1.0, 1.0]);
        assert_eq!(scaling.apply(&[f32::NAN, f32::NAN]), vec![0.0, 0.0]);
        assert_eq!(scaling.apply(&[3.0, 5.0]), vec![1.0, 5.0]);
    }

    #[test]
    fn an_example_without_views_has_only_the_english_and_notes_features_unknown() {
        let width = crate::answer::state::rankings::PASSAGE_FEATURES.len();
        let example = RankingExample {
            candidates: vec![vec![1.0; width], vec![2.0; width]],
            answers: vec![false, true],
        };
        let bare = example.without_views();
        let views: Vec<usize> = view_features().collect();
        assert!(!views.is_empty());
        assert_eq!(bare.answers, example.answers);
        for (candidate, original) in bare.candidates.iter().zip(&example.candidates) {
            for (f, (value, was)) in candidate.iter().zip(original).enumerate() {
                if views.contains(&f) {
                    assert!(value.is_nan(), "feature {f} should be unknown");
                } else {
                    assert_eq!(value, was);
                }
            }
        }
    }

    #[test]
    fn the_ranker_learns_which_feature_marks_the_answer() {
        // feature 1 marks the answer; feature 0 is noise that often favours a wrong candidate
        let examples: Vec<RankingExample> = (0..40)
            .map(|i| {
                let noise = (i % 7) as f32 / 7.0;
                RankingExample {
                    candidates: vec![vec![noise, 1.0], vec![1.0 - noise, 0.0], vec![0.5, 0.1]],
                    answers: vec![true, false, false],
                }
            })
            .collect();
        let ranker = fit_quadratic_ranking(&examples, 2, 0);
        assert!(ranker.weights[1] > ranker.weights[0].abs(), "{ranker:?}");
        let right = examples
            .iter()
            .filter(|e| {
                let s: Vec<f32> = e.candidates.iter().map(|x| ranker.score(x)).collect();
                s[0] > s[1] && s[0] > s[2]
            })
            .count();
        assert_eq!(right, examples.len());
    }

    #[test]
    fn the_quadratic_ranker_learns_an_interaction() {
        // the answer is the candidate whose two features agree; neither feature alone tells it
        let examples: Vec<RankingExample> = (0..40)
            .map(|i| {
                let a = 0.5 + (i % 5) as f32 / 10.0;
                RankingExample {
                    candidates: vec![vec![a, a], vec![a, -a], vec![-a, a]],
                    answers: vec![true, false, false],
                }
            })
            .collect();
        let ranker = fit_quadratic_ranking(&examples, 2, 0);
        for e in &examples {
            let s: Vec<f32> = e.candidates.iter().map(|x| ranker.score(x)).collect();
            assert!(s[0] > s[1] && s[0] > s[2], "{s:?}");
        }
    }

    #[test]
    fn hidden_units_fit_beside_the_quadratic_terms_the_same_on_every_run() {
        // the answer is the candidate whose first feature is largest among those whose second
        // is positive
        let examples: Vec<RankingExample> = (0..40)
            .map(|i| {
                let a = (i % 5) as f32 / 5.0;
                RankingExample {
                    candidates: vec![vec![1.0 + a, 1.0], vec![3.0 + a, -1.0], vec![a, 1.0]],
                    answers: vec![true, false, false],
                }
            })
            .collect();
        let ranker = fit_quadratic_ranking(&examples, 2, 4);
        assert_eq!(ranker.hidden.out.len(), 4);
        assert!(
            ranker.hidden.out.iter().any(|&w| w.abs() > 0.01),
            "{ranker:?}"
        );
        for e in &examples {
            let s: Vec<f32> = e.candidates.iter().map(|x| ranker.score(x)).collect();
            assert!(s[0] > s[1] && s[0] > s[2], "{s:?}");
        }
        assert_eq!(ranker, fit_quadratic_ranking(&examples, 2, 4));
    }

    #[test]
    fn the_decision_separates_answerable_questions() {
        let rows: Vec<(Vec<f32>, bool)> = (0..50)
            .map(|i| {
                let x = i as f32 / 50.0;
                (vec![x], x > 0.4)
            })
            .collect();
        let fitted = fit_decision(&rows, 1);
        let p = |x: f32| {
            let z = (x - fitted.mean[0]) / fitted.deviation[0];
            sigmoid(dot(&fitted.weights, &quadratic_terms(&[z])) + fitted.bias)
        };
        assert!(p(0.9) > 0.7);
        assert!(p(0.1) < 0.3);
    }

    #[test]
    fn the_step_size_decays_from_the_learning_rate_to_nothing() {
        let sizes: Vec<f32> = (1..=100).map(|t| Adam::step_size(t, 100)).collect();
        assert!((sizes[0] - LEARNING_RATE).abs() < 1e-3);
        assert!(sizes.windows(2).all(|w| w[1] <= w[0]));
        assert!(sizes[99].abs() < 1e-9);
    }

    #[test]
    fn the_decision_ends_where_its_loss_is_flat() {
        // overlapping classes: the optimum is inside, where every gradient component is zero
        let rows: Vec<(Vec<f32>, bool)> = (0..60)
            .map(|i| {
                let x = (i % 20) as f32 / 20.0;
                (vec![x], (i * 7) % 10 < (x * 10.0) as usize)
            })
            .collect();
        let fitted = fit_decision(&rows, 1);
        let mut gradient = [0.0f32; 3];
        for (x, label) in &rows {
            let terms = quadratic_terms(&[(x[0] - fitted.mean[0]) / fitted.deviation[0]]);
            let p = sigmoid(dot(&fitted.weights, &terms) + fitted.bias);
            let error = p - if *label { 1.0 } else { 0.0 };
            gradient[0] += error * terms[0] / rows.len() as f32;
            gradient[1] += error * terms[1] / rows.len() as f32;
            gradient[2] += error / rows.len() as f32;
        }
        gradient[0] += L2 * fitted.weights[0];
        gradient[1] += L2_DECISION_PAIRS * fitted.weights[1];
        assert!(gradient.iter().all(|g| g.abs() < 1e-4), "{gradient:?}");
    }

    #[test]
    fn the_threshold_abstains_on_negatives_within_the_false_abstain_bound() {
        let outcome = |probability, answerable| DecisionOutcome {
            probability,
            answerable,
            top_answers: answerable,
        };
        let outcomes = [
            outcome(0.9, true),
            outcome(0.3, true),
            outcome(0.5, false),
            outcome(0.5, false),
            outcome(0.1, false),
        ];
        let strict = choose_threshold(&outcomes, 0.0);
        assert!(strict <= 0.3 && strict > 0.1, "{strict}");
        let loose = choose_threshold(&outcomes, 0.5);
        assert!(loose > 0.5 && loose <= 0.9, "{loose}");
    }
}
