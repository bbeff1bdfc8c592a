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

/// Words of Discord chatter that carry nothing to search for: Latin ones matched as whole words
/// (any case), Chinese ones anywhere.
const CHATTER_WORDS: &[&str] = &[
    "lol",
    "lmao",
    "lmfao",
    "rofl",
    "lul",
    "各位大佬",
    "大佬们",
    "求问",
    "请问",
];

/// A question without what Discord adds around it: user, role and channel mentions, custom emoji
/// and `:shortcodes:`, timestamps, links, code blocks, "lol"-style chatter and "请问/大佬们"
/// openers, and runs of the same punctuation mark (？？？ → ？); spaces collapsed.
pub fn strip_chatter(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("```") {
            // a code block, with whatever it holds, up to its closing fence (or the end)
            rest = after.find("```").map_or("", |end| &after[end + 3..]);
            out.push(' ');
            continue;
        }
        if let Some(len) = discord_token_len(rest).or_else(|| link_len(rest)) {
            rest = &rest[len..];
            out.push(' ');
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        if (c.is_ascii_punctuation() || is_cjk_punctuation(c)) && out.ends_with(c) {
            rest = &rest[c.len_utf8()..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    let mut cleaned = out;
    for word in CHATTER_WORDS {
        while let Some(at) = find_chatter(&cleaned, word) {
            cleaned.replace_range(at..at + word.len(), " ");
        }
    }
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where `word` occurs in `text` (any case; a Latin word only as a whole word).
fn find_chatter(text: &str, word: &str) -> Option<usize> {
    if !word.is_ascii() {
        return text.find(word);
    }
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find(word) {
        let at = from + found;
        let end = at + word.len();
        let joined = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        if !joined(lower[..at].chars().next_back()) && !joined(lower[end..].chars().next()) {
            return Some(at);
        }
        from = end;
    }
    None
}

fn is_cjk_punctuation(c: char) -> bool {
    matches!(c, '？' | '！' | '。' | '，' | '、' | '～' | '…')
}

/// Length of a Discord token at the start of `text`: a mention (`<@1>`, `<@!1>`, `<@&1>`,
/// `<#1>`), a custom emoji (`<:name:1>`, `<a:name:1>`), a timestamp (`<t:1:R>`), or an emoji
/// shortcode (`:thinking:`).
fn discord_token_len(text: &str) -> Option<usize> {
    if let Some(inner) = text.strip_prefix('<') {
        let end = inner.find('>')?;
        let body = &inner[..end];
        let id_only = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        let token = ["@!", "@&", "@", "#"]
            .iter()
            .any(|p| body.strip_prefix(p).is_some_and(id_only))
            || ["a:", ":", "t:"].iter().any(|p| {
                body.strip_prefix(p).is_some_and(|rest| {
                    !rest.is_empty()
                        && rest
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':'))
                })
            });
        return token.then_some(end + 2);
    }
    let inner = text.strip_prefix(':')?;
    let end = inner.find(':')?;
    let name = &inner[..end];
    (!name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '+' | '-')))
    .then_some(end + 2)
}

/// Length of a link at the start of `text` (`http://`, `https://`, `www.`, or one in `<…>`), up
/// to the next space.
fn link_len(text: &str) -> Option<usize> {
    let bare = text.strip_prefix('<').unwrap_or(text);
    let lower: String = bare
        .chars()
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www."))
    {
        return None;
    }
    Some(text.find(char::is_whitespace).unwrap_or(text.len()))
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

    #[test]
    fn discord_chatter_is_stripped_before_a_question_is_understood() {
        let cases = [
            ("<@123456789> ChatGPT最初叫什么", "ChatGPT最初叫什么"),
            (
                "<@!42> <@&7> <#99> what is the fail whale",
                "what is the fail whale",
            ),
            ("Codex好用吗<:pepe:123456> <a:dance:789>", "Codex好用吗"),
            (
                "看这个 https://example.com/x?y=1 说的对吗",
                "看这个 说的对吗",
            ),
            ("<https://openai.com> memory咋用", "memory咋用"),
            (
                "```rust\nfn main() {}\n``` 这段代码有问题吗",
                "这段代码有问题吗",
            ),
            ("lol what did nick say LMAO", "what did nick say"),
            ("请问大佬们，谄媚是谁发现的？？？", "，谄媚是谁发现的？"),
            ("really!!! why", "really! why"),
            ("ilya :thinking: 问了啥", "ilya 问了啥"),
            ("the lollipop question", "the lollipop question"),
            ("Mark: what time <t:1700000000:R>", "Mark: what time"),
        ];
        for (raw, cleaned) in cases {
            assert_eq!(strip_chatter(raw), cleaned, "{raw}");
        }
    }

    #[test]
    fn a_message_of_chatter_alone_leaves_nothing() {
        for raw in ["<@123> lol", "https://x.y", "大佬们 <:wave:1>", "？？？"] {
            assert!(
                !strip_chatter(raw).chars().any(char::is_alphanumeric),
                "{raw}"
            );
        }
    }
}
