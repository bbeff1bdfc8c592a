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
/// Chinese stop words and question words, one per line (the English ones are in this module).
pub const STOPWORDS: &str = "stopwords.txt";
/// Synonym groups.
pub const SYNONYMS: &str = "synonyms.toml";
/// CC-CEDICT, gzipped.
pub const CEDICT: &str = "cedict/cedict_ts.u8.gz";

/// The raw dictionary files, read once.
pub struct Lexicon {
    /// `word freq tag` lines for jieba.
    pub user_dict: String,
    /// Normalised stop words: the file's and the English stop words of text.
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
            .chain(english_text_stopwords().map(str::to_string))
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

/// Which words an English stop word is dropped from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StopUse {
    /// Every word: never a content word.
    Always,
    /// Words of questions and transcript lines (the analyzer's stop words) only: question frames
    /// and courtesies ("please tell me what he said"), which are content in a gloss (说: "to say").
    Text,
    /// CC-CEDICT glosses and [`is_english_stopword`] only: gloss fillers ("sb", "sth", "kind of").
    Gloss,
}

/// The English stop words, each once, with the words it is dropped from. `data/dict/stopwords.txt`
/// holds the Chinese ones; [`Lexicon::load`] adds the `Always` and `Text` ones to them.
const ENGLISH_STOPWORDS: &[(&str, StopUse)] = {
    use StopUse::{Always, Gloss, Text};
    &[
        ("a", Always),
        ("an", Always),
        ("the", Always),
        ("of", Always),
        ("to", Always),
        ("in", Always),
        ("on", Always),
        ("at", Always),
        ("for", Always),
        ("with", Always),
        ("by", Always),
        ("from", Always),
        ("as", Always),
        ("and", Always),
        ("or", Always),
        ("is", Always),
        ("are", Always),
        ("was", Always),
        ("were", Always),
        ("be", Always),
        ("been", Always),
        ("being", Always),
        ("do", Always),
        ("does", Always),
        ("did", Always),
        ("done", Always),
        ("have", Always),
        ("has", Always),
        ("had", Always),
        ("it", Always),
        ("its", Always),
        ("this", Always),
        ("that", Always),
        ("these", Always),
        ("those", Always),
        ("what", Always),
        ("which", Always),
        ("who", Gloss),
        ("whom", Always),
        ("whose", Always),
        ("why", Always),
        ("how", Always),
        ("when", Gloss),
        ("where", Gloss),
        ("there", Always),
        ("their", Always),
        ("they", Always),
        ("them", Always),
        ("he", Always),
        ("she", Always),
        ("his", Always),
        ("her", Always),
        ("him", Always),
        ("we", Always),
        ("our", Always),
        ("you", Always),
        ("your", Always),
        ("i", Always),
        ("me", Always),
        ("my", Always),
        ("one", Gloss),
        ("sb", Gloss),
        ("sth", Gloss),
        ("etc", Gloss),
        ("about", Always),
        ("into", Always),
        ("than", Always),
        ("then", Always),
        ("so", Always),
        ("such", Always),
        ("not", Always),
        ("no", Always),
        ("if", Always),
        ("but", Always),
        ("can", Always),
        ("could", Always),
        ("would", Always),
        ("should", Always),
        ("will", Always),
        ("shall", Always),
        ("may", Always),
        ("might", Always),
        ("must", Always),
        ("also", Always),
        ("just", Always),
        ("very", Always),
        ("more", Always),
        ("most", Always),
        ("some", Always),
        ("any", Always),
        ("all", Always),
        ("other", Gloss),
        ("according", Gloss),
        ("s", Always),
        ("t", Always),
        ("don", Always),
        ("doesn", Always),
        ("didn", Always),
        ("isn", Always),
        ("aren", Always),
        ("between", Gloss),
        ("something", Gloss),
        ("someone", Gloss),
        ("thing", Gloss),
        ("way", Gloss),
        ("kind", Gloss),
        ("make", Gloss),
        ("get", Gloss),
        ("use", Gloss),
        ("used", Gloss),
        ("because", Text),
        ("over", Text),
        ("under", Text),
        ("am", Text),
        ("doing", Text),
        ("having", Text),
        ("us", Text),
        ("yes", Text),
        ("please", Text),
        ("tell", Text),
        ("explain", Text),
        ("say", Text),
        ("said", Text),
        ("says", Text),
        ("talk", Text),
        ("talked", Text),
        ("mention", Text),
        ("mentioned", Text),
        ("here", Text),
        ("really", Text),
        ("only", Text),
        ("again", Text),
        ("further", Text),
        ("once", Text),
        ("wasn", Text),
        ("weren", Text),
        ("hey", Text),
        ("hi", Text),
        ("ok", Text),
        ("okay", Text),
        ("thanks", Text),
        ("thank", Text),
    ]
};

/// Whether an English word is a stop word of glosses and of the English words of questions.
pub fn is_english_stopword(word: &str) -> bool {
    ENGLISH_STOPWORDS
        .iter()
        .any(|&(w, used)| w == word && used != StopUse::Text)
}

/// The English stop words of questions and transcript lines (added to the analyzer's).
fn english_text_stopwords() -> impl Iterator<Item = &'static str> {
    ENGLISH_STOPWORDS
        .iter()
        .filter(|&&(_, used)| used != StopUse::Gloss)
        .map(|&(w, _)| w)
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
    fn each_english_stop_word_is_listed_once() {
        let mut seen = HashSet::new();
        for (word, _) in ENGLISH_STOPWORDS {
            assert!(seen.insert(word), "{word} listed twice");
        }
    }

    #[test]
    fn the_stop_word_file_leaves_english_to_this_module() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/dict")
            .join(STOPWORDS);
        let text = std::fs::read_to_string(&path).expect("stop word file");
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            assert!(
                !line.chars().any(|c| c.is_ascii_alphabetic()),
                "{line:?} belongs in ENGLISH_STOPWORDS"
            );
        }
    }

    #[test]
    fn english_stop_words_keep_their_scope() {
        let lexicon = Lexicon::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/dict"))
            .expect("dictionaries");
        // "the": everywhere; "say": a stop word of questions, content in a gloss ("to say");
        // "sb": a gloss filler, left to questions
        assert!(is_english_stopword("the") && lexicon.stopwords.contains("the"));
        assert!(!is_english_stopword("say") && lexicon.stopwords.contains("say"));
        assert!(is_english_stopword("sb") && !lexicon.stopwords.contains("sb"));
    }

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
