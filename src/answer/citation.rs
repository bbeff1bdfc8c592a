//! Citations of passages: `openai-podcast-ep2#L150-156` names a transcript by its slug and a line
//! range, so a passage can be pasted into a discussion and opened again by anyone. Parsing is
//! forgiving about how it is typed (full-width characters, `L` or not, `–` or `~` for the dash,
//! surrounding backticks) and strict about what it names.

use crate::answer::{Engine, Passage};
use crate::corpus::Transcript;
use crate::error::{Error, Result};

/// Most lines one citation may span.
pub const MAX_CITED_LINES: usize = 40;
/// An example, shown in messages about malformed citations.
pub const EXAMPLE: &str = "openai-podcast-ep2#L150-156";

/// A parsed citation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    /// The transcript's slug (none when only lines were given: then there must be one transcript).
    pub slug: Option<String>,
    /// First line.
    pub start: usize,
    /// Last line (inclusive).
    pub end: usize,
}

/// The citation of lines `start..=end` of the transcript with this slug.
pub fn format(slug: &str, start: usize, end: usize) -> String {
    if start == end {
        format!("{slug}#L{start}")
    } else {
        format!("{slug}#L{start}-{end}")
    }
}

/// The citation of a passage (its transcript's slug, else its id).
pub fn of(transcripts: &[Transcript], passage: &Passage) -> String {
    let slug = transcripts
        .iter()
        .find(|t| t.id == passage.transcript)
        .map_or(passage.transcript.as_str(), |t| t.slug.as_str());
    format(slug, passage.line_start, passage.line_end)
}

fn malformed(text: &str) -> Error {
    let shown: String = text.chars().take(60).collect();
    Error::Citation(format!(
        "“{shown}” 不是引用格式，应当像 {EXAMPLE}（访谈名#L起始行-结束行）。"
    ))
}

/// Parses what someone typed as a citation.
pub fn parse(text: &str) -> Result<Citation> {
    let folded: String = crate::text::normalize_keep_case(text)
        .chars()
        .filter(|c| !crate::text::is_invisible(*c))
        .collect();
    let trimmed = folded
        .trim()
        .trim_matches(|c: char| matches!(c, '`' | '<' | '>' | '"' | '\'' | '“' | '”'))
        .trim();
    let (slug, lines) = match trimmed.rsplit_once('#') {
        Some((slug, lines)) => (Some(slug.trim().to_lowercase()), lines.trim()),
        None => (None, trimmed),
    };
    let lines = lines
        .strip_prefix(['L', 'l'])
        .unwrap_or(lines)
        .replace(['–', '—', '~', '～', '至'], "-");
    let (start, end) = match lines.split_once('-') {
        Some((a, b)) => (
            a.trim(),
            b.trim().strip_prefix(['L', 'l']).unwrap_or(b.trim()),
        ),
        None => (lines.trim(), lines.trim()),
    };
    let number = |s: &str| -> Option<usize> {
        (!s.is_empty() && s.len() <= 7 && s.chars().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (Some(start), Some(end)) = (number(start), number(end)) else {
        return Err(malformed(text));
    };
    if start == 0 || end < start {
        return Err(Error::Citation(format!(
            "行号范围 {start}-{end} 不成立：行号从 1 开始，结束行不能小于起始行。"
        )));
    }
    if end - start + 1 > MAX_CITED_LINES {
        return Err(Error::Citation(format!(
            "一次最多引用 {MAX_CITED_LINES} 行（这里是 {} 行），请缩小范围。",
            end - start + 1
        )));
    }
    Ok(Citation {
        slug: slug.filter(|s| !s.is_empty()),
        start,
        end,
    })
}

/// The transcript a citation names: by slug (or id), or the only one when it names none.
pub fn transcript_of<'a>(
    transcripts: &'a [Transcript],
    citation: &Citation,
) -> Result<&'a Transcript> {
    let known = || {
        transcripts
            .iter()
            .map(|t| t.slug.as_str())
            .collect::<Vec<_>>()
            .join("、")
    };
    match &citation.slug {
        Some(slug) => transcripts
            .iter()
            .find(|t| t.slug == *slug || t.id.to_lowercase() == *slug)
            .ok_or_else(|| {
                let shown: String = slug.chars().take(60).collect();
                Error::Citation(format!(
                    "没有名为 “{shown}” 的访谈；可用的有：{}。",
                    known()
                ))
            }),
        None if transcripts.len() == 1 => Ok(&transcripts[0]),
        None => Err(Error::Citation(format!(
            "请在行号前写上访谈名，例如 {EXAMPLE}；可用的有：{}。",
            known()
        ))),
    }
}

/// The passage a citation names, with its topic and speaker; errors say what is wrong with it.
pub fn resolve(engine: &Engine, text: &str) -> Result<Passage> {
    let citation = parse(text)?;
    let transcript = transcript_of(engine.transcripts(), &citation)?;
    let count = transcript.line_count();
    if !transcript.holds(citation.start, citation.end) {
        return Err(Error::Citation(format!(
            "{} 只有 {count} 行，引用的第 {}-{} 行超出了范围。",
            transcript.slug, citation.start, citation.end
        )));
    }
    engine.passage_at(&transcript.id, citation.start, citation.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cite(slug: Option<&str>, start: usize, end: usize) -> Citation {
        Citation {
            slug: slug.map(str::to_string),
            start,
            end,
        }
    }

    #[test]
    fn citations_parse_in_the_forms_people_type() {
        let cases = [
            (
                "openai-podcast-ep2#L150-156",
                cite(Some("openai-podcast-ep2"), 150, 156),
            ),
            (
                "`openai-podcast-ep2#L150-156`",
                cite(Some("openai-podcast-ep2"), 150, 156),
            ),
            (
                "OpenAI-Podcast-Ep2#l150–156",
                cite(Some("openai-podcast-ep2"), 150, 156),
            ),
            (
                "openai-podcast-ep2＃Ｌ１５０-１５６",
                cite(Some("openai-podcast-ep2"), 150, 156),
            ),
            (
                "openai-podcast-ep2#L150-L156",
                cite(Some("openai-podcast-ep2"), 150, 156),
            ),
            (
                "openai-podcast-ep2#L7",
                cite(Some("openai-podcast-ep2"), 7, 7),
            ),
            (" #L15-19 ", cite(None, 15, 19)),
            ("L15-19", cite(None, 15, 19)),
            ("15~19", cite(None, 15, 19)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text).expect(text), expected, "{text}");
        }
    }

    #[test]
    fn malformed_citations_say_how_to_write_one() {
        for text in [
            "",
            "#",
            "abc",
            "ep2#Lx-3",
            "ep2#L1-",
            "#L-5",
            "ep2#L99999999",
            "ep2#",
        ] {
            let error = parse(text).expect_err(text).to_string();
            assert!(error.contains(EXAMPLE), "{text:?}: {error}");
        }
    }

    #[test]
    fn impossible_ranges_are_explained() {
        for text in ["ep2#L0-3", "ep2#L9-3"] {
            let error = parse(text).expect_err(text).to_string();
            assert!(error.contains("行号"), "{text:?}: {error}");
        }
        let error = parse("ep2#L1-100").expect_err("too long").to_string();
        assert!(error.contains("最多"), "{error}");
    }

    #[test]
    fn citations_format_as_they_parse() {
        for (start, end) in [(150, 156), (7, 7)] {
            let text = format("ep2", start, end);
            assert_eq!(parse(&text).expect(&text), cite(Some("ep2"), start, end));
        }
    }
}
