//! Chinese scripts: which one a question is written in, and Simplified text shown in Traditional
//! characters (OpenCC's Simplified → Traditional (Taiwan) dictionaries) for a member who reads them.

use std::sync::OnceLock;

use ferrous_opencc::config::BuiltinConfig;
use ferrous_opencc::OpenCC;

/// The language code of Chinese in Traditional characters.
pub const TRADITIONAL: &str = "zh-Hant";

/// Whether `code` names Chinese in Traditional characters (`zh-Hant`, `zh-TW`, `zh-HK`, …).
pub fn is_traditional_code(code: &str) -> bool {
    let mut parts = code.split('-');
    parts.next().is_some_and(|p| p.eq_ignore_ascii_case("zh"))
        && parts.any(|p| ["hant", "tw", "hk", "mo"].contains(&p.to_ascii_lowercase().as_str()))
}

/// Whether `code` names Chinese in Simplified characters: `zh` alone (the default), `zh-Hans`,
/// `zh-CN`, `zh-SG`.
pub fn is_simplified_code(code: &str) -> bool {
    code.split('-')
        .next()
        .is_some_and(|p| p.eq_ignore_ascii_case("zh"))
        && !is_traditional_code(code)
}

/// Whether text written in `original` is shown in `language` by converting its characters:
/// Traditional characters asked of a Simplified original.
pub fn converts(original: &str, language: &str) -> bool {
    is_traditional_code(language) && is_simplified_code(original)
}

/// Whether Chinese text is written in Traditional characters: it holds more characters found
/// only in Traditional writing than characters found only in Simplified writing.
pub fn is_traditional(text: &str) -> bool {
    let (traditional, simplified) = distinctive_characters(text);
    traditional > simplified
}

/// Whether Chinese text is written in Simplified characters: more of its characters are found
/// only in Simplified writing than only in Traditional (text with neither is neither).
pub fn is_simplified(text: &str) -> bool {
    let (traditional, simplified) = distinctive_characters(text);
    simplified > traditional
}

/// How many characters of `text` are found only in Traditional writing, and how many only in
/// Simplified writing (none of either without the converter).
fn distinctive_characters(text: &str) -> (usize, usize) {
    let Some(converter) = converter() else {
        return (0, 0);
    };
    let mut buf = [0u8; 4];
    let (mut traditional, mut simplified) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_ascii()) {
        let single: &str = c.encode_utf8(&mut buf);
        if fast2s::convert(single) != single {
            traditional += 1;
        } else if converter.convert(single) != single {
            simplified += 1;
        }
    }
    (traditional, simplified)
}

/// `text` in Traditional characters (Taiwan standard characters; words are not replaced by
/// regional vocabulary, so the passage stays what was said), or as it is when the converter's
/// dictionaries could not be loaded.
pub fn to_traditional(text: &str) -> String {
    match converter() {
        Some(converter) => converter.convert(text),
        None => text.to_string(),
    }
}

/// The converter, loaded once; none (with a warning) if its built-in dictionaries fail to load.
fn converter() -> Option<&'static OpenCC> {
    static CONVERTER: OnceLock<Option<OpenCC>> = OnceLock::new();
    CONVERTER
        .get_or_init(|| match OpenCC::from_config(BuiltinConfig::S2tw) {
            Ok(converter) => Some(converter),
            Err(error) => {
                tracing::warn!("Traditional characters unavailable: {error}");
                None
            }
        })
        .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simplified_text_is_shown_in_traditional_characters() {
        assert_eq!(
            to_traditional("为什么后来不叫这个名字了？谄媚那事最先是谁发现的"),
            "為什麼後來不叫這個名字了？諂媚那事最先是誰發現的"
        );
    }

    #[test]
    fn latin_text_and_numbers_pass_through() {
        assert_eq!(
            to_traditional("Chat with GPT-3.5, line 16"),
            "Chat with GPT-3.5, line 16"
        );
    }

    #[test]
    fn a_question_with_traditional_characters_reads_as_traditional() {
        for (question, traditional) in [
            ("為什麼後來不叫Chat with GPT-3.5了？", true),
            ("諂媚那事最先是誰發現的", true),
            ("为什么后来不叫Chat with GPT-3.5了？", false),
            ("谄媚那事最先是谁发现的", false),
            ("Codex", false),
            ("", false),
        ] {
            assert_eq!(is_traditional(question), traditional, "{question}");
        }
    }

    #[test]
    fn text_without_distinctive_characters_is_of_neither_script() {
        for text in ["那Nick呢？", "Codex", "ChatGPT的名字"] {
            assert!(!is_traditional(text) && !is_simplified(text), "{text}");
        }
        assert!(is_simplified("那他怎么说？"));
    }

    #[test]
    fn only_traditional_asked_of_simplified_is_a_conversion() {
        assert!(converts("zh", "zh-Hant"));
        assert!(!converts("zh", "zh"));
        assert!(!converts("en", "zh-Hant"));
        assert!(!converts("zh", "en"));
    }

    #[test]
    fn language_codes_name_their_script() {
        for code in ["zh-Hant", "zh-TW", "zh-hant-HK", "zh-HK"] {
            assert!(is_traditional_code(code), "{code}");
            assert!(!is_simplified_code(code), "{code}");
        }
        for code in ["zh", "zh-Hans", "zh-CN"] {
            assert!(is_simplified_code(code), "{code}");
            assert!(!is_traditional_code(code), "{code}");
        }
        for code in ["en", "ja", "en-US"] {
            assert!(
                !is_simplified_code(code) && !is_traditional_code(code),
                "{code}"
            );
        }
    }
}
