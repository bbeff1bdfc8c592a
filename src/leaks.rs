//! Leak checking: finds training questions that are a development question reworded, trimmed or
//! translated, by the characters the two share and by the closeness of their meaning, judged more
//! strictly when the same lines answer both.
//!
//! The thresholds below were read off the 44,820 pairs of the 747 training and 60 development
//! questions of `eval/` before they were cleaned: the pairs above them, and the closest few hundred
//! below, were read and judged a copy (the same question in other words, or one part of it) or not
//! (another fact, even of the same lines). Of the 68 pairs they flagged, 57 were copies and 5 close
//! calls. They do not find every copy: a question reworded with none of the same words, or
//! translated, can score no higher than two questions asking different facts of one passage, so
//! the closest unflagged pairs (`interview-bot leaks --closest N`) are there to be read.

use std::collections::HashSet;

use serde::Serialize;

use crate::embed::{cosine, Encoder, Role};
use crate::eval::EvalQuestion;
use crate::text::{is_cjk, normalize};

/// Character similarity at which two questions answered by different lines (or not answered) are
/// a copy: the two pairs above it were one question with a word changed (0.76, 0.80); the
/// closest pair below it that was no copy shared only names (two English questions about one
/// event, 0.65).
pub const CHAR_COPY: f32 = 0.70;
/// Character similarity at which two questions answered by overlapping lines are a copy: all 26
/// such pairs from 0.40 up were copies; the first below (0.39) asked another fact of the same lines.
pub const CHAR_COPY_SAME_LINES: f32 = 0.40;
/// Cosine at which two questions answered by different lines (or not answered) are a copy.
/// Negatives about one subject sit high (0.93–0.95 for two questions about one show that ask
/// different facts), so only 0.96 and up counts: 5 of the 6 pairs there were copies.
pub const EMBEDDING_COPY: f32 = 0.96;
/// Cosine at which two questions answered by overlapping lines are a copy: from 0.92 up 42 of the
/// 52 pairs were copies and 5 close calls; between 0.90 and 0.92 only about half were (18 of 34),
/// and copies in wholly other words of the same language go on down to 0.88.
pub const EMBEDDING_COPY_SAME_LINES: f32 = 0.92;
/// What is added to the cosine of a question without Chinese and one with: the encoder places a
/// translation about 0.05 lower than a reworded question in the same language (two English
/// translations of development questions scored 0.88 and 0.89, Chinese rewordings of the same two
/// 0.93 and 0.94).
pub const CROSS_LANGUAGE_BONUS: f32 = 0.05;

/// How close two questions are, by characters, by meaning and by the lines that answer them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Closeness {
    /// Dice coefficient of the two normalised questions' character bigrams (0–1).
    pub char_similarity: f32,
    /// Cosine of the two questions' vectors, each embedded as the engine embeds a question.
    pub embedding_similarity: f32,
    /// Whether a gold line range of one shares a line with a gold line range of the other
    /// (never for a question without gold lines).
    pub gold_overlap: bool,
    /// Whether one question has Chinese in it and the other has none.
    pub cross_language: bool,
}

impl Closeness {
    /// Whether the two questions are one question reworded, trimmed or translated.
    pub fn is_leak(&self) -> bool {
        self.nearness() >= 1.0
    }

    /// How near the pair comes to being a leak: its larger similarity as a share of the threshold
    /// that applies to it (1 or more is a leak).
    pub fn nearness(&self) -> f32 {
        let (char_limit, embedding_limit) = if self.gold_overlap {
            (CHAR_COPY_SAME_LINES, EMBEDDING_COPY_SAME_LINES)
        } else {
            (CHAR_COPY, EMBEDDING_COPY)
        };
        let embedding = if self.cross_language {
            self.embedding_similarity + CROSS_LANGUAGE_BONUS
        } else {
            self.embedding_similarity
        };
        (self.char_similarity / char_limit).max(embedding / embedding_limit)
    }
}

/// How close one training question comes to one development question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairScore {
    /// Id of the training question.
    pub train_id: String,
    /// Id of the development question.
    pub dev_id: String,
    /// The similarities.
    #[serde(flatten)]
    pub closeness: Closeness,
    /// Whether the pair is a leak.
    pub leak: bool,
    /// The training question.
    pub train_question: String,
    /// The development question.
    pub dev_question: String,
}

/// Dice coefficient of the character bigrams of two questions, normalised (full-width, case,
/// Traditional → Simplified) and with punctuation and spaces left out.
pub fn char_similarity(a: &str, b: &str) -> f32 {
    dice(&bigrams(a), &bigrams(b))
}

fn dice(a: &HashSet<(char, char)>, b: &HashSet<(char, char)>) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.intersection(b).count();
    2.0 * shared as f32 / (a.len() + b.len()) as f32
}

/// The adjacent letter, digit and ideograph pairs of a normalised text; a text of one such
/// character is its own single pair.
fn bigrams(text: &str) -> HashSet<(char, char)> {
    let chars: Vec<char> = normalize(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    match chars.as_slice() {
        [] => HashSet::new(),
        [only] => HashSet::from([(*only, *only)]),
        _ => chars.windows(2).map(|w| (w[0], w[1])).collect(),
    }
}

/// Whether any line range of `a` shares a line with any range of `b`.
pub fn gold_overlap(a: &[(usize, usize)], b: &[(usize, usize)]) -> bool {
    a.iter().any(|&(a_start, a_end)| {
        b.iter()
            .any(|&(b_start, b_end)| a_start <= b_end && b_start <= a_end)
    })
}

/// Scores every pair of a training and a development question, nearest to a leak first; `embed`
/// gives a question's unit vector.
pub fn score_pairs(
    train: &[EvalQuestion],
    dev: &[EvalQuestion],
    mut embed: impl FnMut(&str) -> Vec<f32>,
) -> Vec<PairScore> {
    let mut features = |q: &EvalQuestion| {
        let chinese = q.q.chars().any(is_cjk);
        (bigrams(&q.q), embed(&q.q), chinese)
    };
    let train_features: Vec<_> = train.iter().map(&mut features).collect();
    let dev_features: Vec<_> = dev.iter().map(&mut features).collect();
    let mut pairs = Vec::with_capacity(train.len() * dev.len());
    for (t, (t_bigrams, t_vector, t_chinese)) in train.iter().zip(&train_features) {
        for (d, (d_bigrams, d_vector, d_chinese)) in dev.iter().zip(&dev_features) {
            let closeness = Closeness {
                char_similarity: dice(t_bigrams, d_bigrams),
                embedding_similarity: cosine(t_vector, d_vector),
                gold_overlap: gold_overlap(&t.gold, &d.gold),
                cross_language: t_chinese != d_chinese,
            };
            pairs.push(PairScore {
                train_id: t.id.clone(),
                dev_id: d.id.clone(),
                closeness,
                leak: closeness.is_leak(),
                train_question: t.q.clone(),
                dev_question: d.q.clone(),
            });
        }
    }
    pairs.sort_by(|a, b| b.closeness.nearness().total_cmp(&a.closeness.nearness()));
    pairs
}

/// Scores every pair with the sentence encoder, each question embedded as the engine embeds one
/// (normalised, as a query) on up to `threads` threads.
pub fn score_pairs_with(
    encoder: &Encoder,
    threads: usize,
    train: &[EvalQuestion],
    dev: &[EvalQuestion],
) -> Vec<PairScore> {
    score_pairs(train, dev, |question| {
        encoder.embed_on(&normalize(question), Role::Query, threads)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(id: &str, q: &str, gold: &[(usize, usize)]) -> EvalQuestion {
        EvalQuestion {
            id: id.to_string(),
            q: q.to_string(),
            gold: gold.to_vec(),
            topic_any: Vec::new(),
            kind: "fact".to_string(),
            answerable: !gold.is_empty(),
            context: Vec::new(),
        }
    }

    /// Scores one pair with the development question at [1, 0] and the training question at the
    /// given cosine from it.
    fn score(train: &EvalQuestion, dev: &EvalQuestion, cosine: f32) -> PairScore {
        let dev_text = dev.q.clone();
        let mut pairs = score_pairs(
            std::slice::from_ref(train),
            std::slice::from_ref(dev),
            |q| {
                if q == dev_text {
                    vec![1.0, 0.0]
                } else {
                    vec![cosine, (1.0 - cosine * cosine).sqrt()]
                }
            },
        );
        pairs.remove(0)
    }

    #[test]
    fn a_reworded_copy_on_the_same_lines_is_flagged() {
        let dev = question("d1", "那只橘猫最后被取了什么名字？", &[(10, 13)]);
        let train = question("t1", "橘猫最后叫什么名字？", &[(11, 13)]);
        let pair = score(&train, &dev, 0.95);
        assert!(pair.closeness.gold_overlap);
        assert!(pair.leak, "{pair:?}");
    }

    #[test]
    fn another_fact_of_the_same_passage_is_not_flagged() {
        let dev = question("d1", "那只橘猫最后被取了什么名字？", &[(10, 13)]);
        let train = question("t1", "收养橘猫的那天下着什么天气？", &[(10, 11)]);
        let pair = score(&train, &dev, 0.90);
        assert!(pair.closeness.gold_overlap);
        assert!(!pair.leak, "{pair:?}");
    }

    #[test]
    fn overlapping_lines_make_the_check_stricter() {
        let dev = question("d1", "那只橘猫最后被取了什么名字？", &[(10, 13)]);
        let same_lines = question("t1", "大家管那只猫叫啥？", &[(12, 12)]);
        let other_lines = question("t2", "大家管那只猫叫啥？", &[(40, 42)]);
        assert!(score(&same_lines, &dev, 0.93).leak);
        assert!(!score(&other_lines, &dev, 0.93).leak);
    }

    #[test]
    fn negatives_are_judged_by_similarity_alone() {
        let dev = question("d1", "那只橘猫今年几岁？", &[]);
        let copy = question("t1", "那只橘猫今年多大了？", &[]);
        let other = question("t2", "橘猫一般能活多少年？", &[]);
        assert!(!score(&copy, &dev, 0.97).closeness.gold_overlap);
        assert!(score(&copy, &dev, 0.97).leak);
        assert!(!score(&other, &dev, 0.93).leak);
    }

    #[test]
    fn a_translation_is_judged_with_the_cross_language_bonus() {
        let dev = question("d1", "那只橘猫最后被取了什么名字？", &[(10, 13)]);
        let english = question("t1", "What was the orange cat finally named?", &[(11, 13)]);
        let chinese = question("t2", "后来大家怎么称呼它？", &[(11, 13)]);
        let translated = score(&english, &dev, 0.88);
        assert!(translated.closeness.cross_language);
        assert!(translated.leak, "{translated:?}");
        assert!(!score(&chinese, &dev, 0.88).leak);
    }

    #[test]
    fn char_similarity_folds_width_case_and_traditional_script() {
        assert_eq!(
            char_similarity("ＧＰＴ的全稱是什麼？", "gpt的全称是什么"),
            1.0
        );
        assert_eq!(char_similarity("猫", "猫！"), 1.0);
        assert_eq!(char_similarity("？", "猫"), 0.0);
    }

    #[test]
    fn char_similarity_of_a_trimmed_question_is_high_and_of_another_low() {
        let dev = "那只橘猫最后被取了什么名字？";
        let trimmed = char_similarity("橘猫最后取了什么名字", dev);
        let other = char_similarity("收养那天下着什么天气", dev);
        assert!(trimmed >= CHAR_COPY_SAME_LINES, "{trimmed}");
        assert!(other < 0.2, "{other}");
    }

    #[test]
    fn gold_ranges_overlap_when_they_share_a_line() {
        assert!(gold_overlap(&[(10, 12)], &[(12, 20)]));
        assert!(gold_overlap(&[(1, 2), (30, 31)], &[(31, 31)]));
        assert!(!gold_overlap(&[(10, 12)], &[(13, 20)]));
        assert!(!gold_overlap(&[], &[(1, 2)]));
    }
}
