//! Text normalisation (NFKC, case folding, Traditional → Simplified, invisible characters) and the
//! analyzer that turns normalised text into words (jieba) and character n-grams.

use std::collections::HashSet;
use std::sync::Arc;

use jieba_rs::Jieba;
use unicode_normalization::UnicodeNormalization;

/// Normalises text for matching: NFKC (full-width → half-width), lower case, Traditional →
/// Simplified, invisible and control characters removed, whitespace collapsed.
pub fn normalize(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.nfkc() {
        if is_invisible(c) {
            continue;
        }
        if c.is_control() || c.is_whitespace() {
            if !folded.ends_with(' ') {
                folded.push(' ');
            }
            continue;
        }
        folded.extend(c.to_lowercase());
    }
    fast2s::convert(folded.trim())
}

/// NFKC and Traditional → Simplified without case folding (to see how a word was capitalised).
pub fn normalize_keep_case(text: &str) -> String {
    let folded: String = text.nfkc().filter(|c| !is_invisible(*c)).collect();
    fast2s::convert(&folded)
}

/// Normalises `text` char by char, remembering for every byte of the result the byte range of the
/// original character it came from, so matches found in normalised text can be marked in the original.
pub fn normalize_mapped(text: &str) -> (String, Vec<std::ops::Range<usize>>) {
    let mut out = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for (start, c) in text.char_indices() {
        let piece = normalize_char(c, &mut buf);
        for _ in 0..piece.len() {
            origin.push(start..start + c.len_utf8());
        }
        out.push_str(&piece);
    }
    (out, origin)
}

fn normalize_char(c: char, buf: &mut [u8; 4]) -> String {
    if is_invisible(c) {
        return String::new();
    }
    if c.is_control() || c.is_whitespace() {
        return " ".to_string();
    }
    let single: &str = c.encode_utf8(buf);
    let folded: String = single.nfkc().flat_map(char::to_lowercase).collect();
    fast2s::convert(&folded)
}

/// Zero-width characters, bidirectional controls and other format characters that carry no meaning.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{E0000}'..='\u{E007F}')
}

/// Whether `c` is a CJK ideograph.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}')
}

fn is_latin_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// A run of same-script characters in normalised text.
#[derive(Debug, PartialEq)]
enum Run<'a> {
    Cjk(&'a str),
    /// Latin letters and digits, possibly joined by `.`, `-`, `+` (e.g. `gpt-3.5`, `dall-e`).
    Latin(&'a str),
    /// Letters of other scripts (kana, hangul, arabic…), kept whole.
    Other(&'a str),
}

fn runs(text: &str) -> Vec<Run<'_>> {
    let mut runs = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let mut j = i + 1;
        if is_cjk(c) {
            while j < chars.len() && is_cjk(chars[j].1) {
                j += 1;
            }
            let end = chars.get(j).map_or(text.len(), |x| x.0);
            runs.push(Run::Cjk(&text[start..end]));
        } else if is_latin_word_char(c) {
            loop {
                while j < chars.len() && is_latin_word_char(chars[j].1) {
                    j += 1;
                }
                let joined = j + 1 < chars.len()
                    && matches!(chars[j].1, '.' | '-' | '+' | '\'')
                    && is_latin_word_char(chars[j + 1].1);
                if joined {
                    j += 1;
                } else {
                    break;
                }
            }
            // a trailing '+' belongs to names such as "c++"
            while j < chars.len() && chars[j].1 == '+' {
                j += 1;
            }
            let end = chars.get(j).map_or(text.len(), |x| x.0);
            runs.push(Run::Latin(&text[start..end]));
        } else if c.is_alphabetic() {
            while j < chars.len()
                && chars[j].1.is_alphabetic()
                && !is_cjk(chars[j].1)
                && !is_latin_word_char(chars[j].1)
            {
                j += 1;
            }
            let end = chars.get(j).map_or(text.len(), |x| x.0);
            runs.push(Run::Other(&text[start..end]));
        }
        i = j;
    }
    runs
}

/// Splits normalised text into words with one shared jieba instance and a stop-word list.
pub struct Analyzer {
    jieba: Arc<Jieba>,
    stopwords: HashSet<String>,
}

impl Analyzer {
    /// An analyzer over a loaded jieba (with the user dictionary) and stop words.
    pub fn new(jieba: Arc<Jieba>, stopwords: HashSet<String>) -> Self {
        Analyzer { jieba, stopwords }
    }

    /// The shared jieba instance.
    pub fn jieba(&self) -> &Jieba {
        &self.jieba
    }

    /// Whether `word` is a stop word or question word.
    pub fn is_stopword(&self, word: &str) -> bool {
        self.stopwords.contains(word)
    }

    /// Index-side words of normalised text: jieba search-mode words (a long word and its parts) for
    /// Chinese, whole compounds and their parts for Latin (`gpt-3.5`, `gpt`, `3.5`).
    pub fn index_words(&self, normalized: &str) -> Vec<String> {
        let mut words = Vec::new();
        for run in runs(normalized) {
            match run {
                Run::Cjk(s) => {
                    for token in self.jieba.cut_for_search(s, true) {
                        words.push(token.word.to_string());
                    }
                }
                Run::Latin(s) => {
                    words.push(s.to_string());
                    words.extend(latin_parts(s));
                }
                Run::Other(s) => words.push(s.to_string()),
            }
        }
        words
    }

    /// Query-side words: jieba's precise segmentation (whole words, no overlapping parts), with
    /// stop words kept so callers can see the question's structure.
    pub fn query_words(&self, normalized: &str) -> Vec<String> {
        let mut words = Vec::new();
        for run in runs(normalized) {
            match run {
                Run::Cjk(s) => {
                    for token in self.jieba.cut(s, true) {
                        words.push(token.word.to_string());
                    }
                }
                Run::Latin(s) | Run::Other(s) => words.push(s.to_string()),
            }
        }
        words
    }

    /// Search-mode parts of one word (the word itself excluded), e.g. 南方公园 → 南方, 公园.
    pub fn word_parts(&self, word: &str) -> Vec<String> {
        let mut parts: Vec<String> = match runs(word).as_slice() {
            [Run::Cjk(s)] => self
                .jieba
                .cut_for_search(s, true)
                .into_iter()
                .map(|t| t.word.to_string())
                .collect(),
            [Run::Latin(s)] => latin_parts(s),
            _ => Vec::new(),
        };
        parts.retain(|p| p != word && !self.is_stopword(p));
        parts.dedup();
        parts
    }
}

fn latin_parts(compound: &str) -> Vec<String> {
    if !compound.contains(['.', '-', '+', '\'']) {
        return Vec::new();
    }
    let mut parts: Vec<String> = compound
        .split(['-', '+', '\''])
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    if parts.len() == 1 && parts[0] == compound {
        parts.clear();
    }
    parts
}

/// Character n-grams of normalised text: bigrams of Chinese runs (a lone character stands for
/// itself) and `#`-marked trigrams of Latin words of four letters or more, robust to segmentation
/// differences and typos.
pub fn char_grams(normalized: &str) -> Vec<String> {
    let mut grams = Vec::new();
    for run in runs(normalized) {
        match run {
            Run::Cjk(s) => {
                let chars: Vec<char> = s.chars().collect();
                if chars.len() == 1 {
                    grams.push(s.to_string());
                }
                for pair in chars.windows(2) {
                    grams.push(pair.iter().collect());
                }
            }
            Run::Latin(s) => {
                let chars: Vec<char> = s.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
                if chars.len() >= 4 {
                    for tri in chars.windows(3) {
                        let mut gram = String::from("#");
                        gram.extend(tri);
                        grams.push(gram);
                    }
                }
            }
            Run::Other(_) => {}
        }
    }
    grams
}

/// Byte offset of the first occurrence of `name` (a speaker alias, a word) in `text` that stands
/// as a name of its own: a Latin name as a whole word ("Nick" in "Nick说", not in "nickname";
/// "Mark" not in "benchmark" or "Marked"), a Chinese one not joined by a name dot to a longer
/// transliterated name ("马克" not in "马克·扎克伯格").
pub fn find_name(text: &str, name: &str) -> Option<usize> {
    if name.is_empty() {
        return None;
    }
    let latin = name.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ');
    let mut from = 0;
    while let Some(found) = text[from..].find(name) {
        let at = from + found;
        let end = at + name.len();
        let before = text[..at].chars().next_back();
        let after = text[end..].chars().next();
        let joined = |c: Option<char>| match c {
            Some(c) if latin => c.is_ascii_alphanumeric(),
            Some(c) => matches!(c, '·' | '•' | '・'),
            None => false,
        };
        if !joined(before) && !joined(after) {
            return Some(at);
        }
        from = at + name.chars().next().map_or(1, char::len_utf8);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_table() {
        let cases = [
            ("ＣｈａｔＧＰＴ 最初叫什麼", "chatgpt 最初叫什么"),
            (
                "為什麼後來不叫Chat with GPT-3.5了？",
                "为什么后来不叫chat with gpt-3.5了?",
            ),
            ("記憶功能", "记忆功能"),
            ("南方公園", "南方公园"),
            ("ev\u{200B}eryone", "everyone"),
            ("\u{202E}abc", "abc"),
            ("  a\t\nb  ", "a b"),
            ("\u{00A0}", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize(input), expected, "input: {input:?}");
        }
    }

    #[test]
    fn mapped_normalization_points_back_to_original() {
        let original = "ＣｈａｔＧＰＴ最初";
        let (normalized, origin) = normalize_mapped(original);
        assert_eq!(normalized, "chatgpt最初");
        let start = normalized.find("最初").unwrap();
        assert_eq!(&original[origin[start].start..], "最初");
    }

    #[test]
    fn runs_split_scripts_and_keep_compounds() {
        let text = normalize("ChatGPT最初叫Chat with GPT-3.5，DALL-E和c++");
        let latin: Vec<&str> = runs(&text)
            .into_iter()
            .filter_map(|r| match r {
                Run::Latin(s) => Some(s),
                _ => None,
            })
            .collect();
        assert_eq!(
            latin,
            ["chatgpt", "chat", "with", "gpt-3.5", "dall-e", "c++"]
        );
    }

    #[test]
    fn grams_cover_chinese_and_latin() {
        assert_eq!(char_grams("谄媚"), ["谄媚"]);
        assert_eq!(char_grams("钱"), ["钱"]);
        assert_eq!(char_grams("临时聊天"), ["临时", "时聊", "聊天"]);
        let typo = char_grams("chatgtp");
        let right = char_grams("chatgpt");
        let shared = typo.iter().filter(|g| right.contains(g)).count();
        assert!(shared >= 3, "{typo:?} vs {right:?}");
    }

    #[test]
    fn analyzer_words_mixed_text() {
        let analyzer = Analyzer::new(Arc::new(Jieba::new()), HashSet::new());
        let cases = [
            (
                "chatgpt最开始的名字",
                vec!["chatgpt", "最", "开始", "的", "名字"],
            ),
            ("gpt-3.5", vec!["gpt-3.5", "gpt", "3.5"]),
        ];
        for (text, expected) in cases {
            let words = analyzer.index_words(text);
            for word in expected {
                assert!(
                    words.iter().any(|w| w == word),
                    "{text}: {word} not in {words:?}"
                );
            }
        }
        assert!(!analyzer.query_words("日本語のテスト").is_empty());
    }

    #[test]
    fn a_name_is_found_only_standing_on_its_own() {
        let cases = [
            ("nick说了什么", "nick", Some(0)),
            ("what did nick say", "nick", Some(9)),
            ("my nickname", "nick", None),
            ("the benchmark results", "mark", None),
            ("marked as done", "mark", None),
            ("mark chen的观点", "mark chen", Some(0)),
            ("马克·陈认为", "马克·陈", Some(0)),
            ("马克·扎克伯格说", "马克", None),
            ("马克说", "马克", Some(0)),
        ];
        for (text, name, at) in cases {
            assert_eq!(find_name(text, name), at, "{name} in {text}");
        }
    }
}
