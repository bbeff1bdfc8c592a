//! The fitted rankings, part of the loaded state: the features' names, the score over a
//! passage's features (quadratic, with hidden units beside it; read by fusion) and the logistic
//! decision to answer or abstain (read by the decision), for each mode, loaded from
//! `data/ranking.json`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The value of a feature nothing is known of: that of a view the transcript does not have
/// (notes, an English rendering). A ranking scores it as the mean of its training rows.
pub const UNKNOWN: f32 = f32::NAN;

/// Names of the passage features, in the order of `Features::values`.
pub const PASSAGE_FEATURES: [&str; 26] = [
    "lexical_score",
    "lexical_coverage",
    "lexical_evidence",
    "lexical_rank",
    "retrieval_score",
    "dense_window",
    "dense_line",
    "dense_mean_line",
    "dense_rank",
    "dense_gap",
    "dense_cosine",
    "dense_topic",
    "speaker_named",
    "number_held",
    "time_held",
    "span_lines",
    "english_score",
    "english_window",
    "english_line",
    "note_closeness",
    "note_rank",
    "note_neighbour",
    "note_words",
    "english_rank",
    "english_gap",
    "english_cosine",
];

/// The passage features read from a transcript's English rendering or its notes: unknown for a
/// transcript that has neither.
pub fn view_features() -> impl Iterator<Item = usize> {
    PASSAGE_FEATURES
        .iter()
        .enumerate()
        .filter(|(_, name)| name.starts_with("english_") || name.starts_with("note_"))
        .map(|(i, _)| i)
}

/// Names of the question-level features the decision adds, after the top passage's features.
pub const DECISION_FEATURES: [&str; 14] = [
    "top_probability",
    "margin",
    "focus_missing",
    "entity_missing",
    "number_missing",
    "time_missing",
    "question_importance",
    "absent_share",
    "semantic_on",
    "note_closest",
    "name_absent",
    "unanswered_closest",
    "unanswered_share",
    "chatter_closest",
];

/// Names of what the follow-up ranking knows of a passage offered for a follow-up: its fused
/// score against the best of its reading, that reading's probability of being answered and
/// whether it is the completed one, where it lies against the passage shown before (just after,
/// just before, far, the shown one itself; same chapter), whether its speaker is the one asked
/// for, what the follow-up asks (what came next, leaning on the earlier question, a reason),
/// whether it is the plain "lines after the shown passage", how well the other reading ranks the
/// same lines, whether the follow-up asks what came before or for an example, and how near the
/// follow-up read alone comes to the passage shown against its best passage (far below when it
/// changes the subject).
pub const FOLLOW_FEATURES: [&str; 17] = [
    "score_gap",
    "reading_probability",
    "completed_reading",
    "after",
    "before",
    "far",
    "shown",
    "same_chapter",
    "speaker",
    "wants_next",
    "elliptical",
    "asks_why",
    "next_lines",
    "agreement",
    "asks_before",
    "asks_example",
    "continuity",
];

/// Names of the follow-up decision's inputs after the top passage's follow-up features: its
/// softmax probability and margin, then what the follow-up alone asks for against what the top
/// passage holds (a number, a time, a person or other kind), what it names that the corpus
/// lacks, and how near it comes to the questions the notes leave unanswered and to the chatter.
pub const FOLLOW_DECISION_FEATURES: [&str; 11] = [
    "top_probability",
    "margin",
    "number_missing",
    "time_missing",
    "kind_missing",
    "focus_missing",
    "absent_share",
    "name_absent",
    "unanswered_closest",
    "unanswered_share",
    "chatter_closest",
];

/// The ranking fitted on follow-up questions (`eval FILE --fit` on a file of follow-ups): a
/// quadratic score over [`FOLLOW_FEATURES`] and a logistic decision over the top passage's
/// features, its softmax probability and its margin.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FollowUpRanking {
    /// Feature names the weights were fitted for (checked at load).
    pub features: Vec<String>,
    /// Mean of each feature over the training candidates.
    pub mean: Vec<f32>,
    /// Deviation of each feature.
    pub deviation: Vec<f32>,
    /// Weight of each quadratic term.
    pub weights: Vec<f32>,
    /// Mean of each decision input over the training follow-ups.
    pub decision_mean: Vec<f32>,
    /// Deviation of each decision input.
    pub decision_deviation: Vec<f32>,
    /// Weight of each quadratic term of the decision inputs.
    pub decision_weights: Vec<f32>,
    /// Bias of the decision.
    pub decision_bias: f32,
    /// Probability from which a follow-up is answered.
    pub threshold: f32,
    /// Whether it was fitted on scores of the semantic mode (it is used in that mode only).
    pub semantic: bool,
    /// How it was fitted, for the record.
    pub provenance: String,
}

impl FollowUpRanking {
    /// Whether it was fitted for the features this engine computes.
    pub fn fits(&self) -> bool {
        let width = FOLLOW_FEATURES.len();
        let decision = width + FOLLOW_DECISION_FEATURES.len();
        self.features.iter().map(String::as_str).eq(FOLLOW_FEATURES)
            && self.mean.len() == width
            && self.deviation.len() == width
            && self.weights.len() == quadratic_width(width)
            && self.decision_mean.len() == decision
            && self.decision_deviation.len() == decision
            && self.decision_weights.len() == quadratic_width(decision)
    }

    /// The score of a passage offered for a follow-up.
    pub fn score(&self, features: &[f32]) -> f32 {
        quadratic_score(&self.weights, &self.mean, &self.deviation, features)
    }

    /// The decision's inputs: the top passage's features, its softmax probability among the
    /// scores (best first) and its margin over the second, then `asked` (the rest of
    /// [`FOLLOW_DECISION_FEATURES`]).
    pub fn decision_inputs(scores: &[f32], top: &[f32], asked: &[f32]) -> Vec<f32> {
        let probabilities = softmax(scores);
        let mut inputs = top.to_vec();
        inputs.push(probabilities.first().copied().unwrap_or(0.0));
        inputs.push(match scores {
            [a, b, ..] => a - b,
            _ => 1.0,
        });
        inputs.extend_from_slice(asked);
        debug_assert_eq!(
            inputs.len(),
            FOLLOW_FEATURES.len() + FOLLOW_DECISION_FEATURES.len()
        );
        inputs
    }

    /// Probability that the follow-up is answered by the top passage.
    pub fn answerable(&self, inputs: &[f32]) -> f32 {
        let score = quadratic_score(
            &self.decision_weights,
            &self.decision_mean,
            &self.decision_deviation,
            inputs,
        );
        sigmoid(score + self.decision_bias)
    }
}

/// What is known of one candidate passage, as numbers on comparable scales.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Features {
    /// The values, named by `PASSAGE_FEATURES`.
    pub values: [f32; PASSAGE_FEATURES.len()],
}

/// What the question itself shows, for the decision.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct QuestionSignals {
    /// The thing asked for (after 什么/几/多少) never occurs in the corpus.
    pub focus_missing: bool,
    /// A named thing of the question never occurs in the corpus.
    pub entity_missing: bool,
    /// The question asks for a number and the passage holds none.
    pub number_missing: bool,
    /// The question asks when and the passage states no date or time.
    pub time_missing: bool,

    /// Summed rarity of the question's words.
    pub importance: f32,
    /// Share of that rarity carried by words that never occur in the corpus.
    pub absent_share: f32,
    /// Whether dense features are available.
    pub semantic: bool,
    /// The best cosine of the question with any note's gist or question (0 without notes).
    pub note_closest: f32,
    /// The question names something no view of any transcript mentions in any form.
    pub name_absent: bool,
    /// The best cosine of the question with any question the notes leave unanswered (0 without
    /// the semantic signal, unknown without such notes).
    pub unanswered_closest: f32,
    /// Share of unanswered questions among the note texts closest to the question.
    pub unanswered_share: f32,
    /// The best cosine of the question with any chatter message.
    pub chatter_closest: f32,
}

/// The fitted parameters: a quadratic score over standardised passage features (each feature
/// and each product of two), and a logistic decision.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Ranking {
    /// Feature names the weights were fitted for (checked at load).
    pub features: Vec<String>,
    /// Mean of each passage feature over the training candidates.
    pub mean: Vec<f32>,
    /// Deviation of each passage feature over the training candidates.
    pub deviation: Vec<f32>,
    /// Weight of each term of `quadratic_terms`.
    pub weights: Vec<f32>,
    /// Hidden units over the standardised features, added to the quadratic score.
    #[serde(default)]
    pub hidden: HiddenUnits,
    /// The ranker for passages of a transcript with neither an English rendering nor notes
    /// (their features unknown), fitted on the training candidates read that way; such passages
    /// are scored as fitted above when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub without_views: Option<PassageRanker>,
    /// Feature names of the decision.
    pub decision_features: Vec<String>,
    /// Mean of each decision feature over the training questions.
    pub decision_mean: Vec<f32>,
    /// Deviation of each decision feature over the training questions.
    pub decision_deviation: Vec<f32>,
    /// Weight of each term of `quadratic_terms` of the decision features.
    pub decision_weights: Vec<f32>,
    /// Bias of the decision.
    pub decision_bias: f32,
    /// Probability of being answerable from which the engine answers.
    pub threshold: f32,
    /// How the parameters were fitted (command, question file, figures), for the record.
    pub provenance: String,
}

/// Hidden units of a ranking: tanh units over the standardised features, each weighed into the
/// score, so that the score can bend where a quadratic one cannot (a signal that counts only past
/// some level of another). None by default: a ranking without them is quadratic.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct HiddenUnits {
    /// Each unit's weights over the standardised features, one unit after another.
    pub weights: Vec<f32>,
    /// Each unit's bias.
    pub bias: Vec<f32>,
    /// Each unit's weight in the score.
    pub out: Vec<f32>,
}

impl HiddenUnits {
    /// Whether they were fitted for `features` features (none are, for any number).
    pub fn fits(&self, features: usize) -> bool {
        self.weights.len() == self.bias.len() * features && self.out.len() == self.bias.len()
    }

    /// Each unit's activation for the standardised features `z`.
    pub fn activations(&self, z: &[f32]) -> Vec<f32> {
        self.weights
            .chunks_exact(z.len().max(1))
            .zip(&self.bias)
            .map(|(w, b)| (dot(w, z) + b).tanh())
            .collect()
    }

    /// Their part of the score of the standardised features `z`.
    pub fn score(&self, z: &[f32]) -> f32 {
        dot(&self.out, &self.activations(z))
    }
}

/// A fitted passage ranker: the features' mean and deviation over the training candidates, the
/// weights of the `quadratic_terms` of the standardised features, and hidden units beside them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PassageRanker {
    /// Mean of each feature.
    pub mean: Vec<f32>,
    /// Deviation of each feature.
    pub deviation: Vec<f32>,
    /// Weight of each term.
    pub weights: Vec<f32>,
    /// Hidden units over the standardised features (none for a quadratic ranker alone).
    #[serde(default)]
    pub hidden: HiddenUnits,
}

impl PassageRanker {
    /// The score of one candidate's raw features.
    pub fn score(&self, x: &[f32]) -> f32 {
        passage_score(&self.mean, &self.deviation, &self.weights, &self.hidden, x)
    }

    /// Whether it was fitted for `features` features.
    fn fits(&self, features: usize) -> bool {
        self.mean.len() == features
            && self.deviation.len() == features
            && self.weights.len() == quadratic_width(features)
            && self.hidden.fits(features)
    }
}

/// The score of raw features `x` under a ranker's parameters: the weighted quadratic terms of the
/// standardised features plus the hidden units' part.
fn passage_score(
    mean: &[f32],
    deviation: &[f32],
    weights: &[f32],
    hidden: &HiddenUnits,
    x: &[f32],
) -> f32 {
    let z = standardized(x, mean, deviation);
    dot(weights, &quadratic_terms(&z)) + hidden.score(&z)
}

/// The file in the data directory that holds the fitted parameters.
pub const RANKING_FILE: &str = "ranking.json";

/// Fitted parameters for each mode: with the semantic signal, and by words alone.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Rankings {
    /// Used when passage vectors are available.
    pub semantic: Ranking,
    /// Used when they are not.
    pub lexical: Ranking,
    /// Used for follow-ups after a passage shown, when fitted (the rules of `decide` otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<FollowUpRanking>,
}

impl Rankings {
    /// Reads fitted parameters, refusing a file fitted for other features.
    pub fn load(path: &Path) -> Result<Rankings> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let rankings: Rankings =
            serde_json::from_str(&text).map_err(|e| Error::data(path, e.line(), e.to_string()))?;
        if !rankings.semantic.fits() || !rankings.lexical.fits() {
            return Err(Error::data(
                path,
                0,
                "fitted for other features; run `interview-bot eval --fit`",
            ));
        }
        let mut rankings = rankings;
        if rankings.follow_up.as_ref().is_some_and(|f| !f.fits()) {
            tracing::warn!(
                "{}: the follow-up ranking was fitted for other features; follow-ups ordered by \
                 rules until `interview-bot eval FOLLOW-UPS --fit`",
                path.display()
            );
            rankings.follow_up = None;
        }
        Ok(rankings)
    }

    /// Writes the parameters as JSON.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(|e| Error::Index(e.to_string()))?;
        std::fs::write(path, text + "\n").map_err(|e| Error::io(path, e))
    }

    /// The ranking of a mode: hybrid when the question has a vector, words alone otherwise.
    pub fn for_mode(&self, semantic: bool) -> &Ranking {
        if semantic {
            &self.semantic
        } else {
            &self.lexical
        }
    }

    /// Unfitted parameters for both modes.
    pub fn unfitted() -> Rankings {
        Rankings {
            semantic: Ranking::lexical_only(),
            lexical: Ranking::lexical_only(),
            follow_up: None,
        }
    }
}

impl Ranking {
    /// Whether the parameters were fitted for the features this engine computes.
    fn fits(&self) -> bool {
        let same = |names: &[String], expected: &[String]| names == expected;
        let passage: Vec<String> = PASSAGE_FEATURES.iter().map(|s| s.to_string()).collect();
        same(&self.features, &passage)
            && self.mean.len() == PASSAGE_FEATURES.len()
            && self.deviation.len() == PASSAGE_FEATURES.len()
            && self.weights.len() == quadratic_width(PASSAGE_FEATURES.len())
            && self.hidden.fits(PASSAGE_FEATURES.len())
            && self
                .without_views
                .as_ref()
                .is_none_or(|r| r.fits(PASSAGE_FEATURES.len()))
            && same(&self.decision_features, &decision_names())
            && self.decision_mean.len() == decision_names().len()
            && self.decision_deviation.len() == decision_names().len()
            && self.decision_weights.len() == quadratic_width(decision_names().len())
    }

    /// Parameters that rank by the lexical score alone and always answer (before any fit).
    pub fn lexical_only() -> Ranking {
        let mut weights = vec![0.0; quadratic_width(PASSAGE_FEATURES.len())];
        weights[0] = 1.0;
        Ranking {
            features: PASSAGE_FEATURES.iter().map(|s| s.to_string()).collect(),
            mean: vec![0.0; PASSAGE_FEATURES.len()],
            deviation: vec![1.0; PASSAGE_FEATURES.len()],
            weights,
            hidden: HiddenUnits::default(),
            without_views: None,
            decision_features: decision_names(),
            decision_mean: vec![0.0; decision_names().len()],
            decision_deviation: vec![1.0; decision_names().len()],
            decision_weights: vec![0.0; quadratic_width(decision_names().len())],
            decision_bias: 1.0,
            threshold: 0.5,
            provenance: "unfitted".into(),
        }
    }

    /// The fused score of a passage: by the ranker fitted without views when none of the
    /// passage's English and notes features is known and there is one.
    pub fn score(&self, features: &Features) -> f32 {
        match &self.without_views {
            Some(ranker) if view_features().all(|f| features.values[f].is_nan()) => {
                ranker.score(&features.values)
            }
            _ => self.score_on_common_ground(features),
        }
    }

    /// The score of a passage by the ranker fitted with the views, whichever of them are
    /// unknown: the one scale on which transcripts with different views are placed.
    pub fn score_on_common_ground(&self, features: &Features) -> f32 {
        passage_score(
            &self.mean,
            &self.deviation,
            &self.weights,
            &self.hidden,
            &features.values,
        )
    }

    /// Probability that the question is answered by the best passage.
    pub fn answerable(&self, decision: &[f32]) -> f32 {
        let score = quadratic_score(
            &self.decision_weights,
            &self.decision_mean,
            &self.decision_deviation,
            decision,
        );
        sigmoid(score + self.decision_bias)
    }
}

/// The terms a ranking weighs: the features themselves, then the product of each pair (a
/// feature with itself included), so that one signal can count for more when another is strong.
pub fn quadratic_terms(x: &[f32]) -> Vec<f32> {
    let mut terms = Vec::with_capacity(quadratic_width(x.len()));
    terms.extend_from_slice(x);
    for i in 0..x.len() {
        for j in i..x.len() {
            terms.push(x[i] * x[j]);
        }
    }
    terms
}

/// The weighted sum of the quadratic terms of `x` standardised by `mean` and `deviation`. An
/// unknown value ([`UNKNOWN`]: a view the transcript does not have) stands at the mean, so that
/// it counts for nothing, alone or in a product.
pub fn quadratic_score(weights: &[f32], mean: &[f32], deviation: &[f32], x: &[f32]) -> f32 {
    dot(weights, &quadratic_terms(&standardized(x, mean, deviation)))
}

/// `x` standardised by `mean` and `deviation`, an unknown value ([`UNKNOWN`]) at the mean.
pub fn standardized(x: &[f32], mean: &[f32], deviation: &[f32]) -> Vec<f32> {
    x.iter()
        .zip(mean)
        .zip(deviation)
        .map(|((v, m), d)| if v.is_nan() { 0.0 } else { (v - m) / d })
        .collect()
}

/// Number of `quadratic_terms` of `n` features.
pub fn quadratic_width(n: usize) -> usize {
    n + n * (n + 1) / 2
}

/// All decision feature names: the top passage's features, then the question's.
pub fn decision_names() -> Vec<String> {
    PASSAGE_FEATURES
        .iter()
        .chain(DECISION_FEATURES.iter())
        .map(|s| s.to_string())
        .collect()
}

/// Position of the notes' word score among [`PASSAGE_FEATURES`]: unknown for a passage of a
/// transcript without notes.
const NOTE_WORDS: usize = 22;

/// The decision's inputs: the top passage's features, its softmax probability among the
/// candidates and its margin over the second, and the question's signals. How near the question
/// comes to the notes' texts speaks of the transcript those notes are about: when the top passage
/// lies in a transcript without notes, those signals are unknown (a question about an interview
/// dropped in without notes is not declined for being far from another interview's notes).
pub fn decision_inputs(scores: &[f32], top: &Features, question: &QuestionSignals) -> Vec<f32> {
    let probabilities = softmax(scores);
    let top_probability = probabilities.first().copied().unwrap_or(0.0);
    let margin = match scores {
        [a, b, ..] => a - b,
        _ => 1.0,
    };
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let noted = !top.values[NOTE_WORDS].is_nan();
    let of_notes = |value: f32| if noted { value } else { UNKNOWN };
    let mut inputs = top.values.to_vec();
    inputs.extend([
        top_probability,
        margin,
        flag(question.focus_missing),
        flag(question.entity_missing),
        flag(question.number_missing),
        flag(question.time_missing),
        (1.0 + question.importance).ln(),
        question.absent_share,
        flag(question.semantic),
        of_notes(question.note_closest),
        flag(question.name_absent),
        of_notes(question.unanswered_closest),
        of_notes(question.unanswered_share),
        question.chatter_closest,
    ]);
    inputs
}

/// The sum of the products of two rows of weights or features.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The logistic function.
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Softmax of scores (empty for none).
pub fn softmax(scores: &[f32]) -> Vec<f32> {
    let largest = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = scores.iter().map(|s| (s - largest).exp()).collect();
    let total: f32 = exps.iter().sum();
    exps.iter().map(|e| e / total).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_features_are_the_english_and_notes_ones() {
        let names: Vec<&str> = view_features().map(|f| PASSAGE_FEATURES[f]).collect();
        assert_eq!(
            names,
            [
                "english_score",
                "english_window",
                "english_line",
                "note_closeness",
                "note_rank",
                "note_neighbour",
                "note_words",
                "english_rank",
                "english_gap",
                "english_cosine",
            ]
        );
    }

    #[test]
    fn an_unknown_value_counts_as_the_mean() {
        let weights = vec![1.0; quadratic_width(2)];
        let (mean, deviation) = ([0.5, 2.0], [1.0, 1.0]);
        let at_mean = quadratic_score(&weights, &mean, &deviation, &[0.5, 3.0]);
        let unknown = quadratic_score(&weights, &mean, &deviation, &[UNKNOWN, 3.0]);
        assert_eq!(unknown, at_mean);
        assert!(unknown.is_finite());
    }

    #[test]
    fn lexical_only_ranks_by_the_lexical_score() {
        let ranking = Ranking::lexical_only();
        let mut a = Features::default();
        let mut b = Features::default();
        a.values[0] = 0.9;
        b.values[0] = 0.4;
        b.values[5] = 3.0;
        assert!(ranking.score(&a) > ranking.score(&b));
    }

    #[test]
    fn saved_parameters_load_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ranking.json");
        Rankings::unfitted().save(&path).unwrap();
        assert_eq!(Rankings::load(&path).unwrap(), Rankings::unfitted());
    }

    #[test]
    fn hidden_units_add_each_unit_weighed_into_the_score() {
        let hidden = HiddenUnits {
            weights: vec![1.0, 0.0, 0.0, 2.0],
            bias: vec![0.0, -1.0],
            out: vec![2.0, -1.0],
        };
        assert!(hidden.fits(2));
        let expected = 2.0 * 0.5f32.tanh() - (2.0f32 * 1.0 - 1.0).tanh();
        assert!((hidden.score(&[0.5, 1.0]) - expected).abs() < 1e-6);
        assert_eq!(HiddenUnits::default().score(&[0.5, 1.0]), 0.0);
    }

    #[test]
    fn a_ranking_saved_without_hidden_units_loads_as_quadratic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ranking.json");
        let mut json = serde_json::to_value(Rankings::unfitted()).unwrap();
        json["semantic"].as_object_mut().unwrap().remove("hidden");
        std::fs::write(&path, json.to_string()).unwrap();
        let loaded = Rankings::load(&path).unwrap();
        assert_eq!(loaded.semantic.hidden, HiddenUnits::default());
    }

    #[test]
    fn hidden_units_for_other_features_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ranking.json");
        let mut rankings = Rankings::unfitted();
        rankings.semantic.hidden = HiddenUnits {
            weights: vec![0.0; 3],
            bias: vec![0.0],
            out: vec![1.0],
        };
        rankings.save(&path).unwrap();
        assert!(Rankings::load(&path).is_err());
    }

    /// A ranker over the passage features that scores by one feature alone.
    fn ranker_by(feature: usize) -> PassageRanker {
        let width = PASSAGE_FEATURES.len();
        let mut weights = vec![0.0; quadratic_width(width)];
        weights[feature] = 1.0;
        PassageRanker {
            mean: vec![0.0; width],
            deviation: vec![1.0; width],
            weights,
            hidden: HiddenUnits::default(),
        }
    }

    #[test]
    fn a_passage_without_views_is_scored_by_the_ranker_fitted_without_them() {
        let mut ranking = Ranking::lexical_only();
        ranking.without_views = Some(ranker_by(1));
        let mut features = Features {
            values: [0.0; PASSAGE_FEATURES.len()],
        };
        features.values[0] = 3.0;
        features.values[1] = 5.0;
        // with its views known: the ranking's own weights (feature 0)
        assert_eq!(ranking.score(&features), 3.0);
        // with every view unknown: the ranker fitted without them (feature 1)
        for f in view_features() {
            features.values[f] = UNKNOWN;
        }
        assert_eq!(ranking.score(&features), 5.0);
        // transcripts with different views are placed by the ranking's own weights
        assert_eq!(ranking.score_on_common_ground(&features), 3.0);
        // one view known (an English rendering, no notes): the ranking's own weights again
        features.values[view_features().next().unwrap()] = 0.0;
        assert_eq!(ranking.score(&features), 3.0);
    }

    #[test]
    fn a_ranker_without_views_for_other_features_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ranking.json");
        let mut rankings = Rankings::unfitted();
        let mut ranker = ranker_by(0);
        ranker.mean.pop();
        rankings.semantic.without_views = Some(ranker);
        rankings.save(&path).unwrap();
        assert!(Rankings::load(&path).is_err());
    }

    #[test]
    fn parameters_for_other_features_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ranking.json");
        let mut rankings = Rankings::unfitted();
        rankings.semantic.features.pop();
        rankings.save(&path).unwrap();
        let err = Rankings::load(&path).unwrap_err();
        assert!(err.to_string().contains("--fit"), "{err}");
    }

    #[test]
    fn a_follow_up_ranking_for_other_features_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ranking.json");
        let mut rankings = Rankings::unfitted();
        rankings.follow_up = Some(FollowUpRanking {
            features: vec!["something else".into()],
            mean: Vec::new(),
            deviation: Vec::new(),
            weights: Vec::new(),
            decision_mean: Vec::new(),
            decision_deviation: Vec::new(),
            decision_weights: Vec::new(),
            decision_bias: 0.0,
            threshold: 0.5,
            semantic: true,
            provenance: String::new(),
        });
        rankings.save(&path).unwrap();
        let loaded = Rankings::load(&path).expect("the single-question rankings still load");
        assert!(loaded.follow_up.is_none());
    }

    #[test]
    fn decision_inputs_hold_the_margin_and_flags() {
        let signals = QuestionSignals {
            focus_missing: true,
            ..Default::default()
        };
        let inputs = decision_inputs(&[2.0, 1.5], &Features::default(), &signals);
        assert_eq!(inputs.len(), decision_names().len());
        let at = |name: &str| inputs[decision_names().iter().position(|n| n == name).unwrap()];
        assert!((at("margin") - 0.5).abs() < 1e-6);
        assert_eq!(at("focus_missing"), 1.0);
        assert_eq!(at("entity_missing"), 0.0);
    }

    #[test]
    fn the_notes_signals_are_unknown_for_a_top_passage_of_a_transcript_without_notes() {
        assert_eq!(PASSAGE_FEATURES[NOTE_WORDS], "note_words");
        let signals = QuestionSignals {
            unanswered_share: 0.9,
            chatter_closest: 0.8,
            ..Default::default()
        };
        let mut unnoted = Features::default();
        unnoted.values[NOTE_WORDS] = UNKNOWN;
        let names = decision_names();
        let at = |inputs: &[f32], name: &str| inputs[names.iter().position(|n| n == name).unwrap()];
        let noted = decision_inputs(&[1.0], &Features::default(), &signals);
        assert_eq!(at(&noted, "unanswered_share"), 0.9);
        let inputs = decision_inputs(&[1.0], &unnoted, &signals);
        assert!(at(&inputs, "unanswered_share").is_nan());
        assert!(at(&inputs, "note_closest").is_nan());
        assert_eq!(at(&inputs, "chatter_closest"), 0.8);
    }

    #[test]
    fn quadratic_terms_hold_the_features_and_their_products() {
        let terms = quadratic_terms(&[2.0, 3.0]);
        assert_eq!(terms, vec![2.0, 3.0, 4.0, 6.0, 9.0]);
        assert_eq!(quadratic_width(2), terms.len());
    }

    #[test]
    fn softmax_of_equal_scores_is_uniform() {
        assert_eq!(softmax(&[1.0, 1.0]), vec![0.5, 0.5]);
        assert!(softmax(&[]).is_empty());
    }
}
