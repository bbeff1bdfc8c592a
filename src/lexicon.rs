//! Dictionaries under `data/dict/`: the jieba user dictionary, stop words, the synonym thesaurus
//! and the CC-CEDICT glossary that maps English and Chinese words onto the corpus vocabulary.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::text::normalize;

/// File names inside the dictionary directory.
pub const USER_DICT: &str = "user.dict";
/// Stop words, one per line.
pub const STOPWORDS: &str = "stopwords.txt";
/// Synonym groups.
pub const SYNONYMS: &str = "synonyms.toml";
/// CC-CEDICT, gzipped.
pub const CEDICT: &str = "cedict/cedict_ts.u8.gz";

/// The raw dictionary files, read once.
pub struct Lexicon {
    /// `word freq tag` lines for jieba.
    pub user_dict: String,
    /// Normalised stop words.
    pub stopwords: HashSet<String>,
    /// Normalised synonym groups.
    pub synonym_groups: Vec<Vec<String>>,
    /// The CC-CEDICT file, when present (parsed only when a glossary must be built).
    pub cedict: Option<PathBuf>,
    /// The files read, for change detection.
    pub files: Vec<PathBuf>,
}

/// One CC-CEDICT entry: a Simplified word and its English senses.
#[derive(Debug, Clone)]
pub struct CedictEntry {
    /// Simplified form.
    pub word: String,
    /// Cleaned senses (lower case, parentheses and "to " removed).
    pub senses: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymsFile {
    groups: Vec<Vec<String>>,
}

impl Lexicon {
    /// Reads the dictionaries in `dict_dir`; each file is optional.
    pub fn load(dict_dir: &Path) -> Result<Lexicon> {
        let mut files = Vec::new();
        let mut read = |name: &str| -> Result<Option<String>> {
            let path = dict_dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    files.push(path);
                    Ok(Some(text))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(Error::io(path, e)),
            }
        };
        let user_dict = read(USER_DICT)?.unwrap_or_default();
        check_user_dict(&user_dict, &dict_dir.join(USER_DICT))?;
        let stopwords = read(STOPWORDS)?
            .unwrap_or_default()
            .lines()
            .map(|l| normalize(l.trim()))
            .filter(|w| !w.is_empty() && !w.starts_with('#'))
            .collect();
        let synonym_groups = match read(SYNONYMS)? {
            Some(text) => {
                let path = dict_dir.join(SYNONYMS);
                let parsed: SynonymsFile = toml::from_str(&text).map_err(|e| {
                    let line = e
                        .span()
                        .map_or(0, |s| text[..s.start].matches('\n').count() + 1);
                    Error::data(&path, line, e.message().to_string())
                })?;
                parsed
                    .groups
                    .into_iter()
                    .map(|g| {
                        g.iter()
                            .map(|w| normalize(w))
                            .filter(|w| !w.is_empty())
                            .collect()
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        let cedict_path = dict_dir.join(CEDICT);
        let cedict = cedict_path.exists().then(|| {
            files.push(cedict_path.clone());
            cedict_path.clone()
        });
        Ok(Lexicon {
            user_dict,
            stopwords,
            synonym_groups,
            cedict,
            files,
        })
    }
}

impl Lexicon {
    /// Parses the CC-CEDICT file (no entries when there is none).
    pub fn cedict_entries(&self) -> Result<Vec<CedictEntry>> {
        match &self.cedict {
            Some(path) => {
                let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
                parse_cedict(flate2::read::GzDecoder::new(file), path)
            }
            None => Ok(Vec::new()),
        }
    }
}

/// Parses CC-CEDICT lines `Trad Simp [pin yin] /sense/sense/`.
pub fn parse_cedict(reader: impl Read, path: &Path) -> Result<Vec<CedictEntry>> {
    let mut entries = Vec::new();
    for (n, line) in BufReader::new(reader).lines().enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, ' ');
        let (_trad, Some(simp), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Error::data(path, n + 1, "malformed CC-CEDICT line"));
        };
        let Some(slash) = rest.find('/') else {
            continue;
        };
        let senses: Vec<String> = rest[slash..].split('/').filter_map(clean_sense).collect();
        if !senses.is_empty() {
            entries.push(CedictEntry {
                word: normalize(simp),
                senses,
            });
        }
    }
    Ok(entries)
}

fn clean_sense(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let lower = raw.to_lowercase();
    let skip = [
        "cl:",
        "variant of",
        "old variant",
        "see ",
        "surname ",
        "abbr. for",
        "used in ",
    ];
    if raw.is_empty() || skip.iter().any(|s| lower.starts_with(s)) || raw.contains('|') {
        return None;
    }
    // drop parenthesised notes
    let mut out = String::new();
    let mut depth = 0;
    for c in lower.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = (depth - 1).max(0),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    let out = out.trim();
    let out = out.strip_prefix("to ").unwrap_or(out).trim();
    (!out.is_empty() && out.is_ascii()).then(|| out.to_string())
}

/// English words that carry no meaning on their own in glosses and questions.
const ENGLISH_STOPWORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "of",
    "to",
    "in",
    "on",
    "at",
    "for",
    "with",
    "by",
    "from",
    "as",
    "and",
    "or",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "do",
    "does",
    "did",
    "done",
    "have",
    "has",
    "had",
    "it",
    "its",
    "this",
    "that",
    "these",
    "those",
    "what",
    "which",
    "who",
    "whom",
    "whose",
    "why",
    "how",
    "when",
    "where",
    "there",
    "their",
    "they",
    "them",
    "he",
    "she",
    "his",
    "her",
    "him",
    "we",
    "our",
    "you",
    "your",
    "i",
    "me",
    "my",
    "one",
    "sb",
    "sth",
    "etc",
    "about",
    "into",
    "than",
    "then",
    "so",
    "such",
    "not",
    "no",
    "if",
    "but",
    "can",
    "could",
    "would",
    "should",
    "will",
    "shall",
    "may",
    "might",
    "must",
    "also",
    "just",
    "very",
    "more",
    "most",
    "some",
    "any",
    "all",
    "other",
    "according",
    "s",
    "t",
    "don",
    "doesn",
    "didn",
    "isn",
    "aren",
    "between",
    "something",
    "someone",
    "thing",
    "way",
    "kind",
    "make",
    "get",
    "use",
    "used",
];

/// Whether an English word is a stop word.
pub fn is_english_stopword(word: &str) -> bool {
    ENGLISH_STOPWORDS.contains(&word)
}

/// A light English stemmer (plural and verb endings), applied alike to glosses and questions.
pub fn stem(word: &str) -> String {
    let w = word.trim_matches('\'').to_lowercase();
    let w = w.strip_suffix("'s").unwrap_or(&w).to_string();
    let n = w.len();
    if n > 4 && w.ends_with("ies") {
        return format!("{}y", &w[..n - 3]);
    }
    if n > 5 && w.ends_with("ing") {
        return restore_e(&w[..n - 3]);
    }
    if n > 4 && w.ends_with("ed") && !w.ends_with("eed") {
        return restore_e(&w[..n - 2]);
    }
    if n > 3
        && w.ends_with("es")
        && (w.ends_with("ses") || w.ends_with("xes") || w.ends_with("ches") || w.ends_with("shes"))
    {
        return w[..n - 2].to_string();
    }
    if n > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") {
        return w[..n - 1].to_string();
    }
    w
}

/// Puts back the silent `e` dropped before -ing/-ed (cod → code, hir → hire), undoubles a final
/// consonant (stopp → stop).
fn restore_e(root: &str) -> String {
    let b = root.as_bytes();
    let n = b.len();
    let vowel = |c: u8| b"aeiou".contains(&c);
    if n >= 2 && b[n - 1] == b[n - 2] && !vowel(b[n - 1]) && !b"lsz".contains(&b[n - 1]) {
        return root[..n - 1].to_string();
    }
    if n >= 3
        && !vowel(b[n - 1])
        && vowel(b[n - 2])
        && !vowel(b[n - 3])
        && !b"wxy".contains(&b[n - 1])
    {
        return format!("{root}e");
    }
    root.to_string()
}

/// English content words of a sense or question, stemmed.
pub fn english_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric() && c != '\'')
        .map(|w| w.trim_matches('\'').to_lowercase())
        .filter(|w| w.len() > 1 && !is_english_stopword(w))
        .map(|w| stem(&w))
        .collect()
}

/// CC-CEDICT restricted to one corpus: which corpus words an English word or a Chinese word
/// (possibly absent from the corpus) can stand for.
#[derive(Debug, Default, serde::Serialize, Deserialize)]
pub struct Glossary {
    english: HashMap<String, Vec<(String, f32)>>,
    chinese: HashMap<String, Vec<(String, f32)>>,
}

/// Senses that are too vague to link two words.
fn is_vague_sense(sense: &str) -> bool {
    let words = english_words(sense);
    words.is_empty() || sense.split_whitespace().count() > 4
}

impl Glossary {
    /// Builds the glossary for a corpus vocabulary (normalised words of two or more characters).
    pub fn build(entries: &[CedictEntry], vocabulary: &HashSet<String>) -> Glossary {
        let mut english: HashMap<String, Vec<(String, f32)>> = HashMap::new();
        let mut by_sense: HashMap<&str, Vec<&str>> = HashMap::new();
        for entry in entries {
            if !vocabulary.contains(&entry.word) || entry.word.chars().count() < 2 {
                continue;
            }
            for sense in &entry.senses {
                if is_vague_sense(sense) {
                    continue;
                }
                let words = english_words(sense);
                let all_words = sense.split_whitespace().count().max(words.len());
                let weight = 1.0 / all_words as f32;
                for word in words {
                    let targets = english.entry(word).or_default();
                    match targets.iter_mut().find(|(w, _)| *w == entry.word) {
                        Some(t) => t.1 = t.1.max(weight),
                        None => targets.push((entry.word.clone(), weight)),
                    }
                }
                by_sense
                    .entry(sense.as_str())
                    .or_default()
                    .push(&entry.word);
            }
        }
        let mut chinese: HashMap<String, Vec<(String, f32)>> = HashMap::new();
        for entry in entries {
            if entry.word.chars().count() < 2 {
                continue;
            }
            let mut shared: HashMap<&str, usize> = HashMap::new();
            for sense in &entry.senses {
                for target in by_sense.get(sense.as_str()).into_iter().flatten() {
                    if *target != entry.word {
                        *shared.entry(target).or_default() += 1;
                    }
                }
            }
            if shared.is_empty() {
                continue;
            }
            let total = entry.senses.len() as f32;
            let mut targets: Vec<(String, f32)> = shared
                .into_iter()
                .map(|(t, n)| (t.to_string(), (n as f32 / total).sqrt()))
                .collect();
            targets.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            targets.truncate(6);
            chinese.insert(entry.word.clone(), targets);
        }
        for targets in english.values_mut() {
            targets.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            targets.truncate(12);
        }
        Glossary { english, chinese }
    }

    /// Corpus words for a stemmed English word, with weights in 0..=1.
    pub fn english(&self, stemmed: &str) -> &[(String, f32)] {
        self.english.get(stemmed).map_or(&[], Vec::as_slice)
    }

    /// Corpus words sharing a sense with a Chinese word, with weights in 0..=1.
    pub fn chinese(&self, word: &str) -> &[(String, f32)] {
        self.chinese.get(word).map_or(&[], Vec::as_slice)
    }
}

/// Largest word frequency a user dictionary may give (jieba's own largest is under 1,000,000).
const MAX_USER_FREQUENCY: usize = 10_000_000;

/// Checks the frequencies of a user dictionary (`word [frequency [tag]]` per line): a frequency
/// past `MAX_USER_FREQUENCY` would overflow the segmenter's totals.
fn check_user_dict(text: &str, path: &Path) -> Result<()> {
    for (n, line) in text.lines().enumerate() {
        let Some(field) = line.split_whitespace().nth(1) else {
            continue;
        };
        // what is not a number is jieba's to refuse; a number too long for usize is over too
        let too_long = field.chars().all(|c| c.is_ascii_digit());
        if field
            .parse::<usize>()
            .map_or(too_long, |f| f > MAX_USER_FREQUENCY)
        {
            return Err(Error::data(
                path,
                n + 1,
                format!("frequency {field} is over {MAX_USER_FREQUENCY}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_agree_across_forms() {
        for (a, b) in [
            ("hires", "hire"),
            ("parties", "party"),
            ("coding", "code"),
            ("launched", "launch"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} vs {b}");
        }
    }

    #[test]
    fn a_user_dictionary_frequency_past_the_limit_is_named_with_its_line() {
        let text = "大飞 20000 nr\n南方公园\n词 18446744073709551615\n";
        let err = check_user_dict(text, Path::new("user.dict")).unwrap_err();
        assert!(err.to_string().starts_with("user.dict:3:"), "{err}");
        assert!(check_user_dict("词 +10000001\n", Path::new("user.dict")).is_err());
        assert!(check_user_dict("词 10000001\n", Path::new("user.dict")).is_err());
        let valid = "大飞 20000 nr\n南方公园\n词 10000000\n";
        assert!(check_user_dict(valid, Path::new("user.dict")).is_ok());
    }

    #[test]
    fn stems_keep_distinct_words_apart() {
        assert_ne!(stem("same"), stem("sam"));
        assert_eq!(stem("same"), "same");
    }

    #[test]
    fn glossary_maps_english_and_near_synonyms() {
        let data = "爸媽 爸妈 [ba4 ma1] /dad and mom/parents/\n\
                    父母 父母 [fu4 mu3] /father and mother/parents/\n\
                    派對 派对 [pai4 dui4] /party (social gathering) (loanword)/CL:個|个[ge4]/\n";
        let entries = parse_cedict(data.as_bytes(), Path::new("x")).unwrap();
        let vocabulary: HashSet<String> = ["父母", "派对"].iter().map(|s| s.to_string()).collect();
        let glossary = Glossary::build(&entries, &vocabulary);
        assert_eq!(glossary.english("parent")[0].0, "父母");
        assert_eq!(glossary.english("party")[0].0, "派对");
        assert_eq!(glossary.chinese("爸妈")[0].0, "父母");
    }
}
