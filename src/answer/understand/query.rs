//! Understanding a question: normalise it, split it into concepts (the user's content words), and
//! give each concept the variants it may appear as in the corpus — its parts, thesaurus synonyms,
//! CC-CEDICT translations and near-synonyms, character n-grams — each weighted below the word itself.

use std::collections::HashMap;

use crate::answer::kinds::{asked_kind, AnswerKind};
use crate::lexicon::{english_words, is_english_stopword, stem, Glossary};
use crate::search::lines::LineIndex;
use crate::search::{TermField, WeightedTerm};
use crate::text::{char_grams, find_name, is_cjk, normalize, Analyzer};

/// Questions longer than this (in characters, after normalisation) are cut.
pub const MAX_QUESTION_CHARS: usize = 300;

/// Weight of the user's own word.
const OWN_WORD: f32 = 1.0;
/// Weight of a thesaurus synonym.
const SYNONYM: f32 = 0.8;
/// Weight of a part of a longer word (南方公园 → 公园).
const PART: f32 = 0.6;
/// Weight of a CC-CEDICT translation or near-synonym (times its own confidence).
const GLOSSARY: f32 = 0.75;
/// Importance factor of a one-character Chinese word (often a function word or ambiguous).
const SINGLE_CHARACTER_IMPORTANCE: f32 = 0.5;
/// Variants weaker than this are not used to retrieve windows.
const RETRIEVAL_MIN_WEIGHT: f32 = 0.5;
/// Weight of a concept matched only through its character n-grams.
pub const GRAM_MATCH_WEIGHT: f32 = 0.7;

/// One way a concept may appear in the corpus.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Normalised term.
    pub text: String,
    /// Field it is matched in.
    pub field: TermField,
    /// Confidence that a match means the concept (0..=1).
    pub weight: f32,
}

/// A content word of the question with everything it may match.
#[derive(Debug, Clone)]
pub struct Concept {
    /// The word as the user wrote it (normalised).
    pub label: String,
    /// Word variants, the word itself first when it occurs in the corpus.
    pub variants: Vec<Variant>,
    /// Character n-grams of the word (partial matching).
    pub grams: Vec<String>,
    /// How informative the concept is (inverse line frequency of its best variant).
    pub importance: f32,
    /// Whether any variant occurs in the corpus.
    pub present: bool,
    /// Whether the question asks for this thing (the word after 什么/哪/几/多少).
    pub focus: bool,
    /// The speaker this concept names, if it is a speaker's name.
    pub speaker: Option<String>,
    /// Whether the word names a thing (a noun, or a product-like Latin name with capitals or
    /// digits): when such a word never occurs, the interview does not cover the question.
    pub entity: bool,
    /// Whether the word is a name: a proper noun (a person, place, organisation or other name by
    /// its tag) or a Latin word written with a capital or a digit.
    pub name: bool,
}

/// What kind of answer the question wants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cues {
    /// 几 / 多少 / how many: numbers.
    pub number: bool,
    /// 哪一年 / 什么时候 / when: a date or a time.
    pub time: bool,
    /// 谁 / 哪家公司 / 哪里 / 哪个版本: a person, an organisation, a place or a version.
    pub kind: Option<AnswerKind>,
}

/// A question turned into weighted concepts.
#[derive(Debug, Clone)]
pub struct QueryPlan {
    /// The normalised question.
    pub normalized: String,
    /// Content concepts, in question order.
    pub concepts: Vec<Concept>,
    /// Answer-type cues.
    pub cues: Cues,
}

impl QueryPlan {
    /// Whether nothing in the question can be searched.
    pub fn is_empty(&self) -> bool {
        self.concepts.is_empty()
    }

    /// All variants and n-grams as weighted search terms for the full-text index.
    pub fn search_terms(&self) -> Vec<WeightedTerm> {
        let mut terms: Vec<WeightedTerm> = Vec::new();
        let mut push = |text: &str, field: TermField, weight: f32| {
            if let Some(t) = terms
                .iter_mut()
                .find(|t| t.text == text && t.field == field)
            {
                t.weight = t.weight.max(weight);
            } else {
                terms.push(WeightedTerm {
                    text: text.to_string(),
                    field,
                    weight,
                });
            }
        };
        for concept in self.concepts.iter().filter(|c| c.present) {
            // weak variants still count when a passage is scored, but don't widen retrieval
            for v in concept
                .variants
                .iter()
                .filter(|v| v.weight >= RETRIEVAL_MIN_WEIGHT)
            {
                push(&v.text, v.field, v.weight);
            }
            // n-grams find words written differently; a word found as written needs none
            if concept.variants.iter().any(|v| v.text == concept.label) {
                continue;
            }
            let per_gram = GRAM_MATCH_WEIGHT / concept.grams.len().max(1) as f32;
            for g in &concept.grams {
                push(g, TermField::Gram, per_gram);
            }
        }
        terms
    }

    /// Speakers named in the question.
    pub fn speakers(&self) -> impl Iterator<Item = &str> {
        self.concepts.iter().filter_map(|c| c.speaker.as_deref())
    }
}

/// Everything needed to understand questions about one corpus.
pub struct QueryBuilder<'a> {
    /// Tokenizer and stop words.
    pub analyzer: &'a Analyzer,
    /// Line postings of the corpus.
    pub lines: &'a LineIndex,
    /// Thesaurus: word → the corpus words its group-mates are written with.
    pub synonyms: &'a HashMap<String, Vec<String>>,
    /// CC-CEDICT restricted to the corpus.
    pub glossary: &'a Glossary,
    /// Normalised alias → canonical speaker name, longest alias first.
    pub aliases: &'a [(String, String)],
}

const QUESTION_MARKERS: &[&str] = &[
    "谁", "什么", "哪", "哪个", "哪些", "哪里", "哪所", "哪家", "哪位", "几", "多少", "第几",
    "多久", "多长", "多大", "which", "what",
];
const MEASURE_WORDS: &[&str] = &[
    "个", "位", "条", "道", "种", "所", "家", "件", "次", "款", "名", "本", "部", "样", "些", "类",
];
const NUMBER_MARKERS: &[&str] = &[
    "几",
    "多少",
    "第几",
    "多长",
    "多久",
    "比例",
    "百分之",
    "how many",
    "how much",
    "how long",
];
const TIME_MARKERS: &[&str] = &[
    "哪一年",
    "哪年",
    "什么时候",
    "何时",
    "哪天",
    "哪一天",
    "哪个月",
    "几月",
    "几号",
    "几点",
    "what year",
    "which year",
    "what date",
    "what day",
    "when did",
    "when was",
    "when is",
    "when will",
    "when does",
    "when do",
];

impl QueryBuilder<'_> {
    /// Builds the plan for a question.
    pub fn plan(&self, question: &str) -> QueryPlan {
        let normalized: String = normalize(question)
            .chars()
            .take(MAX_QUESTION_CHARS)
            .collect();
        let cues = Cues {
            number: NUMBER_MARKERS.iter().any(|m| normalized.contains(m)),
            time: normalized.starts_with("when ")
                || TIME_MARKERS.iter().any(|m| normalized.contains(m)),
            kind: asked_kind(&normalized),
        };
        let mut concepts: Vec<Concept> = Vec::new();
        let mut rest = normalized.clone();
        for (alias, name) in self.aliases {
            if alias.chars().count() >= 2 && find_name(&rest, alias).is_some() {
                while let Some(at) = find_name(&rest, alias) {
                    rest.replace_range(at..at + alias.len(), " ");
                }
                if !concepts.iter().any(|c| c.speaker.as_deref() == Some(name)) {
                    concepts.push(self.speaker_concept(name));
                }
            }
        }
        let words = self.tagged_words(&rest);
        let mut after_marker = false;
        for (word, tag) in &words {
            let is_marker = QUESTION_MARKERS.contains(&word.as_str());
            if is_marker {
                after_marker = true;
                continue;
            }
            // 几季 / 多少钱 written as one word: the marker plus the thing asked for
            let (word, marked) = match QUESTION_MARKERS.iter().find(|m| {
                word.starts_with(**m)
                    && word.len() > m.len()
                    && !is_cjk_word_in_corpus(self.lines, word)
            }) {
                Some(m) => (&word[m.len()..], true),
                None => (word.as_str(), false),
            };
            let word = &word.to_string();
            after_marker |= marked;
            if self.analyzer.is_stopword(word)
                || is_english_stopword(word)
                || !word.chars().any(char::is_alphanumeric)
            {
                continue;
            }
            if after_marker && MEASURE_WORDS.contains(&word.as_str()) {
                continue;
            }
            if concepts.iter().any(|c| c.label == *word) {
                after_marker = false;
                continue;
            }
            let latin_name = word.is_ascii() && latin_looks_like_name(question, word);
            let entity = is_entity_tag(tag) || latin_name;
            let name = is_proper_noun_tag(tag) || latin_name;
            let cjk = word.chars().all(is_cjk);
            for mut concept in self.word_concepts(word) {
                concept.focus = after_marker && cjk;
                concept.entity = entity;
                concept.name = name;
                if !concepts.iter().any(|c| c.label == concept.label) {
                    concepts.push(concept);
                }
            }
            after_marker = false;
        }
        QueryPlan {
            normalized,
            concepts,
            cues,
        }
    }

    /// Words of the question with jieba's part-of-speech tags (Latin words tagged `eng`).
    fn tagged_words(&self, text: &str) -> Vec<(String, String)> {
        let mut tagged = Vec::new();
        for piece in self.analyzer.query_words(text) {
            if self.analyzer.is_stopword(&piece) {
                // a stop word such as 会不会 stays whole, so its parts don't count as content
                tagged.push((piece, "x".to_string()));
            } else if piece.chars().any(is_cjk) {
                // no HMM: unknown character sequences stay single characters instead of
                // becoming made-up words
                for tag in self.analyzer.jieba().tag(&piece, false) {
                    tagged.push((tag.word.to_string(), tag.tag.to_string()));
                }
            } else {
                let piece = piece.strip_suffix("'s").unwrap_or(&piece).to_string();
                tagged.push((piece, "eng".to_string()));
            }
        }
        tagged
    }

    /// Concepts of one word: the word itself, or — for a Chinese word of three or more characters
    /// that never occurs — its parts, each a concept of its own (大学毕业 → 大学, 毕业).
    fn word_concepts(&self, word: &str) -> Vec<Concept> {
        let whole = self.word_concept(word);
        let cjk = word.chars().all(is_cjk);
        let known = whole
            .variants
            .iter()
            .any(|v| v.text != word && v.weight >= SYNONYM);
        if cjk && word.chars().count() >= 3 && !is_cjk_word_in_corpus(self.lines, word) && !known {
            let parts: Vec<String> = self
                .analyzer
                .word_parts(word)
                .into_iter()
                .filter(|p| p.chars().count() >= 2)
                .collect();
            let minimal: Vec<&String> = parts
                .iter()
                .filter(|p| !parts.iter().any(|q| q != *p && p.contains(q.as_str())))
                .collect();
            if minimal.len() >= 2 {
                return minimal.into_iter().map(|p| self.word_concept(p)).collect();
            }
        }
        vec![whole]
    }

    fn speaker_concept(&self, name: &str) -> Concept {
        let mut variants = Vec::new();
        for (alias, canonical) in self.aliases {
            if canonical != name {
                continue;
            }
            for word in self.analyzer.index_words(alias) {
                let single_cjk = word.chars().count() == 1 && word.chars().all(is_cjk);
                if !single_cjk && !variants.iter().any(|v: &Variant| v.text == word) {
                    variants.push(Variant {
                        text: word,
                        field: TermField::Word,
                        weight: OWN_WORD,
                    });
                }
            }
        }
        self.finish(
            normalize(name),
            variants,
            Vec::new(),
            Some(name.to_string()),
        )
    }

    fn word_concept(&self, word: &str) -> Concept {
        let mut variants = vec![Variant {
            text: word.to_string(),
            field: TermField::Word,
            weight: OWN_WORD,
        }];
        let mut add = |text: &str, weight: f32| {
            if weight <= 0.0 || text.is_empty() {
                return;
            }
            match variants.iter_mut().find(|v| v.text == text) {
                Some(v) => v.weight = v.weight.max(weight),
                None => variants.push(Variant {
                    text: text.to_string(),
                    field: TermField::Word,
                    weight,
                }),
            }
        };
        let is_latin = word.is_ascii();
        let in_corpus = self.lines.frequency(TermField::Word, word) > 0;
        // a model name such as gpt-5 is not gpt-4: parts of an unknown Latin compound don't count
        let parts = if is_latin && !in_corpus {
            Vec::new()
        } else {
            self.analyzer.word_parts(word)
        };
        for part in parts {
            if part.chars().count() >= 2 || part.chars().all(|c| c.is_ascii_digit()) {
                add(&part, PART);
            }
        }
        for token in self.synonyms.get(word).into_iter().flatten() {
            add(token, SYNONYM);
        }
        if is_latin && !in_corpus {
            let stemmed = stem(word);
            for (target, confidence) in self.glossary.english(&stemmed) {
                add(target, GLOSSARY * confidence);
            }
            if stemmed != *word {
                add(&stemmed, OWN_WORD * 0.9);
            }
            for token in self.synonyms.get(&stemmed).into_iter().flatten() {
                add(token, SYNONYM);
            }
        } else {
            for (target, confidence) in self.glossary.chinese(word) {
                add(target, GLOSSARY * confidence);
            }
        }
        // English phrases inside synonyms arrive as several words; keep only content words
        variants.retain(|v| !english_words(&v.text).is_empty() || !v.text.is_ascii());
        let grams = if is_latin && word.len() < 4 {
            Vec::new()
        } else {
            char_grams(word)
        };
        self.finish(word.to_string(), variants, grams, None)
    }

    fn finish(
        &self,
        label: String,
        mut variants: Vec<Variant>,
        mut grams: Vec<String>,
        speaker: Option<String>,
    ) -> Concept {
        variants.retain(|v| self.lines.frequency(v.field, &v.text) > 0);
        grams.retain(|g| self.lines.frequency(TermField::Gram, g) > 0);
        let own_present = variants.iter().any(|v| v.text == label);
        // the concept's rarity: its own word's when the corpus has it, else the mean over the
        // ways it is written in the corpus, weighted by how surely each means it
        let best_idf = (!variants.is_empty()).then(|| {
            let weights: f32 = variants.iter().map(|v| v.weight).sum();
            variants
                .iter()
                .map(|v| v.weight * self.lines.idf(v.field, &v.text))
                .sum::<f32>()
                / weights.max(f32::EPSILON)
        });
        let total_grams = char_grams(&label).len().max(1);
        let gram_share = grams.len() as f32 / total_grams as f32;
        let single_cjk = label.chars().count() == 1 && label.chars().all(is_cjk);
        let present = !variants.is_empty()
            || gram_share >= 0.99
            || (single_cjk && label.chars().all(|c| self.lines.has_character(c)));
        let absent_idf = self.lines.idf(TermField::Word, "\u{0}");
        let importance = SINGLE_CHARACTER_IMPORTANCE.powi(i32::from(single_cjk))
            * match best_idf {
                // the concept's rarity is that of its most common variant, the word itself if present
                Some(_) if own_present => self.lines.idf(TermField::Word, &label),
                Some(idf) => idf,
                // a character that occurs only inside other words can be neither matched nor
                // missed: it does not weigh
                None if present && grams.is_empty() => 0.0,
                None if present => grams
                    .iter()
                    .map(|g| self.lines.idf(TermField::Gram, g))
                    .fold(absent_idf, f32::min),
                None => absent_idf,
            };
        Concept {
            label,
            variants,
            grams,
            importance,
            present,
            focus: false,
            speaker,
            entity: false,
            name: false,
        }
    }
}

/// Noun-like part-of-speech tags of jieba (nouns, names, places, organisations, other proper nouns).
fn is_entity_tag(tag: &str) -> bool {
    matches!(tag, "n" | "nr" | "nrt" | "nrfg" | "ns" | "nt" | "nz" | "vn")
}

/// Proper-noun tags of jieba (people, places, organisations, other proper nouns).
fn is_proper_noun_tag(tag: &str) -> bool {
    matches!(tag, "nr" | "nrt" | "nrfg" | "ns" | "nt" | "nz")
}

/// Whether a Latin word is written like a name in the question: with a capital or a digit.
fn latin_looks_like_name(question: &str, word: &str) -> bool {
    if word.chars().any(|c| c.is_ascii_digit()) {
        return true;
    }
    let original = crate::text::normalize_keep_case(question);
    original
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '+')))
        .any(|w| {
            w.eq_ignore_ascii_case(word) && w.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        })
}

fn is_cjk_word_in_corpus(lines: &LineIndex, word: &str) -> bool {
    lines.frequency(TermField::Word, word) > 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::lines::LineRef;
    use std::collections::HashSet;
    use std::sync::Arc;

    fn fixture() -> (Analyzer, LineIndex) {
        let analyzer = Analyzer::new(
            Arc::new(jieba_rs::Jieba::new()),
            ["什么", "的", "叫", "吗"]
                .iter()
                .map(|s| s.to_string())
                .collect::<HashSet<_>>(),
        );
        let mut lines = LineIndex::new();
        for (i, text) in ["chatgpt最开始的名字", "服务宕机了", "父母不再劝他"]
            .iter()
            .enumerate()
        {
            let n = normalize(text);
            lines.add_line(
                LineRef {
                    transcript: 0,
                    line: i as u32 + 1,
                },
                &analyzer.index_words(&n),
                &char_grams(&n),
            );
        }
        (analyzer, lines)
    }

    #[test]
    fn plan_table() {
        let synonyms: HashMap<String, Vec<String>> = [("挂".to_string(), vec!["宕机".to_string()])]
            .into_iter()
            .collect();
        let plan_of = |question: &str| plan_with(&synonyms, question);
        let cases: [(&str, &[&str]); 4] = [
            ("ChatGPT最初叫什麼名字？", &["chatgpt", "最初", "名字"]),
            ("ＣｈａｔＧＰＴ 名字", &["chatgpt", "名字"]),
            ("title:\"a OR", &["title"]),
            ("？？？", &[]),
        ];
        for (question, expected) in cases {
            let plan = plan_of(question);
            let labels: Vec<&str> = plan.concepts.iter().map(|c| c.label.as_str()).collect();
            for word in expected {
                assert!(
                    labels.contains(word),
                    "{question}: {word} missing from {labels:?}"
                );
            }
            if expected.is_empty() {
                assert!(plan.is_empty(), "{question}: {labels:?}");
            }
        }
        let plan = plan_of("为啥老挂");
        let gua = plan.concepts.iter().find(|c| c.label == "挂").expect("挂");
        assert!(
            gua.present && gua.variants.iter().any(|v| v.text == "宕机"),
            "{gua:?}"
        );
        let plan = plan_of("名字叫什么名字");
        assert_eq!(
            plan.concepts.iter().filter(|c| c.label == "名字").count(),
            1
        );
        let focus = plan_of("叫什么名字");
        assert!(focus.concepts.iter().any(|c| c.label == "名字" && c.focus));
    }

    /// The plan of a question over the fixture, with no thesaurus, glossary or speakers.
    fn plain_plan(question: &str) -> QueryPlan {
        plan_with(&HashMap::new(), question)
    }

    /// The plan of a question over the fixture with thesaurus `synonyms`, no glossary or speakers.
    fn plan_with(synonyms: &HashMap<String, Vec<String>>, question: &str) -> QueryPlan {
        let (analyzer, lines) = fixture();
        let glossary = Glossary::default();
        let builder = QueryBuilder {
            analyzer: &analyzer,
            lines: &lines,
            synonyms,
            glossary: &glossary,
            aliases: &[],
        };
        builder.plan(question)
    }

    /// The plan of a question over the fixture with the speakers Nick Turley and Mark Chen.
    fn plan_with_speakers(question: &str) -> QueryPlan {
        let (analyzer, lines) = fixture();
        let glossary = Glossary::default();
        let aliases = [
            ("nick".to_string(), "Nick Turley".to_string()),
            ("mark".to_string(), "Mark Chen".to_string()),
            ("马克".to_string(), "Mark Chen".to_string()),
        ];
        let builder = QueryBuilder {
            analyzer: &analyzer,
            lines: &lines,
            synonyms: &HashMap::new(),
            glossary: &glossary,
            aliases: &aliases,
        };
        builder.plan(question)
    }

    #[test]
    fn a_speaker_is_named_by_a_whole_word_only() {
        let cases = [
            ("what did nick say about names", vec!["Nick Turley"]),
            ("what's chatgpt's nickname", vec![]),
            ("which benchmark did they use", vec![]),
            ("was it marked as a research preview", vec![]),
            ("马克怎么看", vec!["Mark Chen"]),
            ("马克·扎克伯格怎么看", vec![]),
        ];
        for (question, speakers) in cases {
            let plan = plan_with_speakers(question);
            assert_eq!(plan.speakers().collect::<Vec<_>>(), speakers, "{question}");
        }
    }

    #[test]
    fn absent_words_are_marked_and_rare() {
        let plan = plain_plan("订阅多少钱");
        let sub = plan.concepts.iter().find(|c| c.label == "订阅").unwrap();
        assert!(!sub.present);
        assert!(plan.cues.number);
    }

    #[test]
    fn questions_asking_when_cue_a_time() {
        assert!(plain_plan("名字是哪一年定的").cues.time);
        assert!(plain_plan("When did it launch?").cues.time);
        assert!(!plain_plan("What happened when it launched?").cues.time);
        assert!(!plain_plan("名字是谁定的").cues.time);
    }
}
