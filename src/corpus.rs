//! Transcripts on disk: their lines (the citation unit), metadata (title, speakers, chapters,
//! their names in other languages), who is speaking at each line, and renderings of the lines in
//! other languages (`<id>.<lang>.txt`, line N rendering line N).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::notes::{notes_path, Notes};
use crate::text::normalize;

/// The language of a transcript whose metadata names none.
pub const DEFAULT_LANGUAGE: &str = "zh";

/// A speaker as described in a transcript's metadata.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Speaker {
    /// Canonical name, e.g. "Mark Chen".
    pub name: String,
    /// Role in the interview, e.g. "主持人".
    #[serde(default)]
    pub role: String,
    /// Every spelling of the name in the text.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The name as shown in other languages, by language code (the canonical name otherwise).
    #[serde(default)]
    pub name_in: BTreeMap<String, String>,
    /// The role in other languages, by language code.
    #[serde(default)]
    pub role_in: BTreeMap<String, String>,
}

impl Speaker {
    /// Whether this speaker is the narrator retelling the interview.
    pub fn is_narrator(&self) -> bool {
        let role = self.role.to_lowercase();
        role.contains("解说") || role.contains("narrator") || role.contains("旁白")
    }
}

/// A curated chapter: the line it starts at and its title.
#[derive(Debug, Clone, PartialEq)]
pub struct Chapter {
    /// First line (1-based) of the chapter.
    pub start_line: usize,
    /// Chapter title, used as the topic label.
    pub title: String,
    /// The title in other languages, by language code.
    pub title_in: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MetadataFile {
    id: Option<String>,
    slug: Option<String>,
    title: Option<String>,
    language: Option<String>,
    #[serde(default)]
    title_in: BTreeMap<String, String>,
    #[serde(default)]
    source: String,
    #[serde(default)]
    source_in: BTreeMap<String, String>,
    #[serde(default)]
    speakers: Vec<Speaker>,
    #[serde(default)]
    chapters: Vec<ChapterEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChapterEntry {
    start_line: toml::Spanned<usize>,
    title: String,
    #[serde(default)]
    title_in: BTreeMap<String, String>,
}

/// A rendering of a transcript in another language: line N renders line N of the original.
#[derive(Debug, Clone)]
pub struct Rendering {
    /// Its language code, e.g. `en`.
    pub language: String,
    /// The `.<lang>.txt` file it was read from.
    pub path: PathBuf,
    /// The lines; line `n` (1-based) is `lines[n - 1]`.
    pub lines: Vec<String>,
}

/// One interview transcript with its metadata.
#[derive(Debug, Clone)]
pub struct Transcript {
    /// Stable id (metadata `id` or the file stem).
    pub id: String,
    /// Short name used in citations such as `openai-podcast-ep2#L150-156` (metadata `slug`, else
    /// the id).
    pub slug: String,
    /// Human title.
    pub title: String,
    /// The title in other languages, by language code.
    pub title_in: BTreeMap<String, String>,
    /// Where the transcript comes from.
    pub source: String,
    /// Where it comes from, in other languages.
    pub source_in: BTreeMap<String, String>,
    /// Language code of the lines (metadata `language`, else [`DEFAULT_LANGUAGE`]).
    pub language: String,
    /// Renderings of the lines in other languages that fit them, by language code.
    pub renderings: Vec<Rendering>,
    /// Notes on each stretch of lines (`<id>.notes.jsonl`), when a valid file is beside it.
    pub notes: Option<Notes>,
    /// The `.txt` file it was read from.
    pub path: PathBuf,
    /// The lines as written; line `n` (1-based) is `lines[n - 1]`.
    pub lines: Vec<String>,
    /// Speakers from the metadata.
    pub speakers: Vec<Speaker>,
    /// Curated chapters (empty when the metadata has none).
    pub chapters: Vec<Chapter>,
    /// Index into `speakers` of who speaks at each line, when known.
    line_speakers: Vec<Option<usize>>,
}

/// All transcripts found in a directory, plus the files that could not be loaded.
#[derive(Debug)]
pub struct Corpus {
    /// Loaded transcripts, sorted by id.
    pub transcripts: Vec<Transcript>,
    /// Files skipped, each with the reason.
    pub problems: Vec<Error>,
}

impl Corpus {
    /// Loads every `*.txt` (and its `*.toml`) in `dir`, every `<stem>.<lang>.txt` beside a
    /// `<stem>.txt` as a rendering of it, and `<stem>.notes.jsonl` as its notes. A broken file,
    /// or a rendering or notes that do not fit their transcript, is reported in `problems` and
    /// left out; no loadable transcript at all is an error.
    pub fn load(dir: &Path) -> Result<Corpus> {
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        paths.sort();
        let (renderings, paths): (Vec<_>, Vec<_>) = paths.into_iter().partition(|p| {
            rendering_of(p).is_some_and(|(base, _)| base.with_extension("txt").is_file())
        });
        let mut transcripts: Vec<Transcript> = Vec::new();
        let mut problems = Vec::new();
        for path in paths {
            match Transcript::load(&path) {
                Ok(t) if transcripts.iter().any(|o| o.id == t.id) => problems.push(Error::data(
                    &path,
                    0,
                    format!("duplicate transcript id '{}'", t.id),
                )),
                Ok(t) if transcripts.iter().any(|o| o.slug == t.slug) => problems.push(
                    Error::data(&path, 0, format!("duplicate transcript slug '{}'", t.slug)),
                ),
                Ok(t) => transcripts.push(t),
                Err(e) => problems.push(e),
            }
        }
        for path in renderings {
            let Some((base, language)) = rendering_of(&path) else {
                continue;
            };
            let original = base.with_extension("txt");
            let Some(transcript) = transcripts.iter_mut().find(|t| t.path == original) else {
                problems.push(Error::data(
                    &path,
                    0,
                    format!(
                        "a rendering of {}, which was not loaded: left out",
                        original.display()
                    ),
                ));
                continue;
            };
            match Rendering::load(&path, &language, transcript) {
                Ok(rendering) => transcript.renderings.push(rendering),
                Err(e) => problems.push(e),
            }
        }
        for transcript in &mut transcripts {
            let path = notes_path(&transcript.path);
            if !path.is_file() {
                continue;
            }
            match Notes::load(&path, transcript.line_count()) {
                Ok(notes) => transcript.notes = Some(notes),
                Err(e) => problems.push(e),
            }
        }
        if transcripts.is_empty() {
            return match problems.into_iter().next() {
                Some(first) => Err(first),
                None => Err(Error::NoTranscripts(dir.to_path_buf())),
            };
        }
        transcripts.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Corpus {
            transcripts,
            problems,
        })
    }
}

/// The transcript a `<stem>.<lang>.txt` file would render (`<stem>`, without extension) and its
/// language, when its name has that shape; whether `<stem>.txt` exists is for the caller to see.
fn rendering_of(path: &Path) -> Option<(PathBuf, String)> {
    let stem = path.file_stem()?.to_str()?;
    let (base, language) = stem.rsplit_once('.')?;
    (!base.is_empty() && is_language_code(language))
        .then(|| (path.with_file_name(base), language.to_string()))
}

/// Whether `code` is a language code as used in file names and metadata: two or three
/// lower-case letters, then optional subtags of letters and digits (`en`, `zh`, `zh-Hant`).
pub fn is_language_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_lowercase())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// The lines of a text file as the citation unit: a byte-order mark, `\r` line ends and one
/// final empty line dropped.
fn split_lines(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines: Vec<String> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
        .collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// A file's text, or an error naming the first line that is not valid UTF-8.
fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        Error::data(path, line, "not valid UTF-8")
    })
}

impl Rendering {
    /// Reads the rendering of `original` in `language` at `path`, refusing one that does not fit
    /// it line for line: another number of lines, or an empty line where the original has text.
    pub fn load(path: &Path, language: &str, original: &Transcript) -> Result<Rendering> {
        let lines = split_lines(&read_text(path)?);
        Rendering::fitted(path, language, lines, original)
    }

    fn fitted(
        path: &Path,
        language: &str,
        lines: Vec<String>,
        original: &Transcript,
    ) -> Result<Rendering> {
        let name = original
            .path
            .file_name()
            .map_or_else(|| original.id.clone(), |n| n.to_string_lossy().into_owned());
        if language == original.language {
            return Err(Error::data(
                path,
                0,
                format!("renders {name} into its own language ({language}): left out"),
            ));
        }
        if lines.len() != original.line_count() {
            return Err(Error::data(
                path,
                0,
                format!(
                    "{} lines, but {name} has {}: line N of a rendering renders line N of the \
                     original; left out",
                    lines.len(),
                    original.line_count()
                ),
            ));
        }
        let empty = lines
            .iter()
            .zip(&original.lines)
            .position(|(rendered, line)| rendered.trim().is_empty() && !line.trim().is_empty());
        if let Some(at) = empty {
            return Err(Error::data(
                path,
                at + 1,
                format!("empty, but line {} of {name} has text: left out", at + 1),
            ));
        }
        Ok(Rendering {
            language: language.to_string(),
            path: path.to_path_buf(),
            lines,
        })
    }

    /// Lines `start..=end` (1-based, clamped) joined with newlines.
    pub fn text(&self, start: usize, end: usize) -> String {
        joined_lines(&self.lines, start, end)
    }
}

/// Lines `start..=end` (1-based, clamped to `lines`) joined with newlines.
fn joined_lines(lines: &[String], start: usize, end: usize) -> String {
    let start = start.max(1);
    let end = end.min(lines.len());
    if start > end {
        return String::new();
    }
    lines[start - 1..end].join("\n")
}

/// Whether `slug` can name a transcript in a citation: 1–64 of `a-z`, `0-9`, `-`, `.`, `_`.
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 64
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_'))
}

/// A citation slug made from an id: lower case, anything else than `a-z0-9._-` as `-`.
fn slug_from_id(id: &str) -> String {
    let slug: String = id
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_') {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if slug.trim_matches('-').is_empty() {
        "transcript".to_string()
    } else {
        slug
    }
}

/// Whether lines `start..=end` (1-based) are a range of a text of `line_count` lines.
pub fn lines_within(start: usize, end: usize, line_count: usize) -> bool {
    1 <= start && start <= end && end <= line_count
}

impl Transcript {
    /// Reads a transcript `.txt` and, when present, the `.toml` beside it.
    pub fn load(path: &Path) -> Result<Transcript> {
        let text = read_text(path)?;
        let meta_path = path.with_extension("toml");
        let meta = match std::fs::read_to_string(&meta_path) {
            Ok(meta_text) => Some((parse_metadata(&meta_text, &meta_path)?, meta_text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&meta_path, e)),
        };
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Transcript::from_parts(path, &stem, &text, meta, &meta_path)
    }

    /// Builds a transcript from its text and optional metadata (used by `load` and tests).
    fn from_parts(
        path: &Path,
        stem: &str,
        text: &str,
        meta: Option<(MetadataFile, String)>,
        meta_path: &Path,
    ) -> Result<Transcript> {
        let lines = split_lines(text);
        if lines.iter().all(|l| l.trim().is_empty()) {
            return Err(Error::data(path, 0, "transcript is empty"));
        }
        let (meta, meta_text) = match meta {
            Some((m, t)) => (m, t),
            None => (
                MetadataFile {
                    id: None,
                    slug: None,
                    title: None,
                    language: None,
                    title_in: BTreeMap::new(),
                    source: String::new(),
                    source_in: BTreeMap::new(),
                    speakers: Vec::new(),
                    chapters: Vec::new(),
                },
                String::new(),
            ),
        };
        let chapters = check_chapters(&meta.chapters, lines.len(), &meta_text, meta_path)?;
        let language = meta
            .language
            .clone()
            .unwrap_or_else(|| DEFAULT_LANGUAGE.to_string());
        check_languages(&meta, &language, meta_path)?;
        let id = meta.id.unwrap_or_else(|| stem.to_string());
        if id.trim().is_empty() {
            return Err(Error::data(meta_path, 0, "id is empty"));
        }
        let slug = meta.slug.unwrap_or_else(|| slug_from_id(&id));
        if !is_valid_slug(&slug) {
            return Err(Error::data(
                meta_path,
                0,
                format!("slug '{slug}' must be lower-case letters, digits and '-' (at most 64)"),
            ));
        }
        let mut transcript = Transcript {
            slug,
            title: meta.title.unwrap_or_else(|| id.clone()),
            title_in: meta.title_in,
            id,
            source: meta.source,
            source_in: meta.source_in,
            language,
            renderings: Vec::new(),
            notes: None,
            path: path.to_path_buf(),
            lines,
            speakers: meta.speakers,
            chapters,
            line_speakers: Vec::new(),
        };
        transcript.line_speakers = attribute_speakers(&transcript.lines, &transcript.speakers);
        Ok(transcript)
    }

    /// The rendering of the lines in `language`, when one fits them.
    pub fn rendering(&self, language: &str) -> Option<&Rendering> {
        self.renderings.iter().find(|r| r.language == language)
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// Whether lines `start..=end` (1-based) are all lines of this transcript.
    pub fn holds(&self, start: usize, end: usize) -> bool {
        lines_within(start, end, self.line_count())
    }

    /// Line `n` (1-based).
    pub fn line(&self, n: usize) -> &str {
        &self.lines[n - 1]
    }

    /// Lines `start..=end` (1-based, clamped to the transcript) joined with newlines.
    pub fn text(&self, start: usize, end: usize) -> String {
        joined_lines(&self.lines, start, end)
    }

    /// Who speaks over most of lines `start..=end`: a speaker's canonical name, or `None` when the
    /// transcript names no speakers.
    pub fn speaker_of(&self, start: usize, end: usize) -> Option<&Speaker> {
        let mut counts = vec![0usize; self.speakers.len()];
        for n in start.max(1)..=end.min(self.lines.len()) {
            if let Some(i) = self.line_speakers[n - 1] {
                counts[i] += 1;
            }
        }
        let (best, count) = counts
            .iter()
            .enumerate()
            .max_by_key(|(i, c)| (**c, std::cmp::Reverse(*i)))?;
        (*count > 0).then(|| &self.speakers[best])
    }

    /// Distinct speakers heard in lines `start..=end`, narrator excluded, in order of appearance.
    pub fn speakers_in(&self, start: usize, end: usize) -> Vec<&Speaker> {
        let mut seen: Vec<usize> = Vec::new();
        for n in start.max(1)..=end.min(self.lines.len()) {
            if let Some(i) = self.line_speakers[n - 1] {
                if !seen.contains(&i) && !self.speakers[i].is_narrator() {
                    seen.push(i);
                }
            }
        }
        seen.into_iter().map(|i| &self.speakers[i]).collect()
    }
}

fn parse_metadata(text: &str, path: &Path) -> Result<MetadataFile> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |s| {
            text[..s.start.min(text.len())].matches('\n').count() + 1
        });
        Error::data(path, line, e.message().to_string())
    })
}

fn check_chapters(
    entries: &[ChapterEntry],
    line_count: usize,
    meta_text: &str,
    meta_path: &Path,
) -> Result<Vec<Chapter>> {
    let mut chapters = Vec::with_capacity(entries.len());
    let mut previous = 0;
    for entry in entries {
        let start = *entry.start_line.get_ref();
        let toml_line = meta_text[..entry.start_line.span().start.min(meta_text.len())]
            .matches('\n')
            .count()
            + 1;
        if start == 0 || start > line_count {
            return Err(Error::data(
                meta_path,
                toml_line,
                format!("chapter start_line {start} is outside the transcript (1..={line_count})"),
            ));
        }
        if start <= previous {
            return Err(Error::data(
                meta_path,
                toml_line,
                format!("chapter start_line {start} is not after the previous one ({previous})"),
            ));
        }
        if entry.title.trim().is_empty() {
            return Err(Error::data(meta_path, toml_line, "chapter title is empty"));
        }
        previous = start;
        chapters.push(Chapter {
            start_line: start,
            title: entry.title.trim().to_string(),
            title_in: entry
                .title_in
                .iter()
                .map(|(language, title)| (language.clone(), title.trim().to_string()))
                .collect(),
        });
    }
    if let Some(first) = chapters.first_mut() {
        // the outline must cover the whole transcript
        first.start_line = 1;
    }
    Ok(chapters)
}

/// Checks the languages the metadata names: its own, and every key of a `*_in` table, each a
/// language code with a text that is not empty.
fn check_languages(meta: &MetadataFile, language: &str, meta_path: &Path) -> Result<()> {
    if !is_language_code(language) {
        return Err(Error::data(
            meta_path,
            0,
            format!("language '{language}' is not a language code such as zh, en or zh-Hant"),
        ));
    }
    let tables = std::iter::once(("title_in", &meta.title_in))
        .chain(std::iter::once(("source_in", &meta.source_in)))
        .chain(
            meta.chapters
                .iter()
                .map(|c| ("chapter title_in", &c.title_in)),
        )
        .chain(
            meta.speakers
                .iter()
                .map(|s| ("speaker name_in", &s.name_in)),
        )
        .chain(
            meta.speakers
                .iter()
                .map(|s| ("speaker role_in", &s.role_in)),
        );
    for (what, table) in tables {
        for (code, text) in table {
            if !is_language_code(code) {
                return Err(Error::data(
                    meta_path,
                    0,
                    format!("{what}: '{code}' is not a language code such as zh, en or zh-Hant"),
                ));
            }
            if text.trim().is_empty() {
                return Err(Error::data(meta_path, 0, format!("{what}.{code} is empty")));
            }
        }
    }
    Ok(())
}

/// Verbs that follow a speaker's name when the text reports what they said or thought.
const SPEECH_VERBS: &[&str] = &[
    "说",
    "表示",
    "认为",
    "回忆",
    "坦言",
    "坦承",
    "透露",
    "指出",
    "强调",
    "承认",
    "解释",
    "补充",
    "总结",
    "提到",
    "追问",
    "笑",
    "回应",
    "分享",
    "举",
    "觉得",
    "预测",
    "也",
    "则",
    "对此",
    "给出",
    "进一步",
    "还",
    "又",
    "坦率",
    "描述",
    "谈到",
    "看来",
    "问",
    "相信",
    "提出",
    "同意",
    "赞同",
];

/// For each line, the speaker whose view it reports: the last speaker named as a subject (at the
/// start of a line, or followed by a speech verb) at or before it; the narrator before anyone is.
fn attribute_speakers(lines: &[String], speakers: &[Speaker]) -> Vec<Option<usize>> {
    let aliases: Vec<(usize, String)> = {
        let mut list: Vec<(usize, String)> = speakers
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                s.aliases
                    .iter()
                    .chain(std::iter::once(&s.name))
                    .map(move |a| (i, normalize(a)))
            })
            .filter(|(_, a)| !a.is_empty())
            .collect();
        // longest first so "mark chen" wins over "chen"
        list.sort_by_key(|(_, a)| std::cmp::Reverse(a.chars().count()));
        list
    };
    let narrator = speakers.iter().position(Speaker::is_narrator);
    let mut current = narrator;
    let mut result = Vec::with_capacity(lines.len());
    for line in lines {
        let text = normalize(line);
        if let Some(speaker) = subject_speaker(&text, &aliases) {
            current = Some(speaker);
        }
        result.push(current);
    }
    result
}

fn subject_speaker(text: &str, aliases: &[(usize, String)]) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None; // (char position, speaker)
    for (speaker, alias) in aliases {
        let Some(byte_pos) = crate::text::find_name(text, alias) else {
            continue;
        };
        let pos = text[..byte_pos].chars().count();
        let after = &text[byte_pos + alias.len()..];
        let after: String = after.chars().take(4).collect();
        let before = &text[..byte_pos];
        // "与主持人…展开对谈" names him as a companion, not as the one speaking
        let governed = before.contains(['与', '和', '跟', '同', '向', '给', '被', '让']);
        let is_subject = !governed && (pos <= 3 || SPEECH_VERBS.iter().any(|v| after.contains(v)));
        if is_subject && best.is_none_or(|(p, _)| pos < p) {
            best = Some((pos, *speaker));
        }
    }
    best.map(|(_, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transcript(text: &str, meta: &str) -> Result<Transcript> {
        let meta_path = Path::new("t.toml");
        let parsed = parse_metadata(meta, meta_path)?;
        Transcript::from_parts(
            Path::new("t.txt"),
            "t",
            text,
            Some((parsed, meta.to_string())),
            meta_path,
        )
    }

    #[test]
    fn the_citation_slug_comes_from_the_metadata_or_the_id() {
        let named = transcript("a\n", "slug = \"ep-2\"\n").expect("valid slug");
        assert_eq!(named.slug, "ep-2");
        let derived = transcript("a\n", "id = \"Podcast Ep 2\"\n").expect("derived slug");
        assert_eq!(derived.slug, "podcast-ep-2");
        let error = transcript("a\n", "slug = \"Ep 2#x\"\n").expect_err("invalid slug");
        assert!(error.to_string().contains("slug"), "{error}");
    }

    const SPEAKERS: &str = r#"
[[speakers]]
name = "Nick Turley"
aliases = ["尼克·特利", "Turley", "Nick"]
[[speakers]]
name = "大飞"
role = "解说"
aliases = ["大飞"]
"#;

    #[test]
    fn speakers_follow_subject_mentions() {
        let t = transcript(
            "大家好，我是大飞\n今天与嘉宾Nick展开了对谈\nTurley坦言\n项目启动很晚\n这是谁的功劳\n",
            SPEAKERS,
        )
        .unwrap();
        assert_eq!(t.speaker_of(1, 2).unwrap().name, "大飞");
        assert_eq!(t.speaker_of(3, 5).unwrap().name, "Nick Turley");
    }

    #[test]
    fn a_name_inside_a_longer_word_names_no_speaker() {
        let t = transcript("大家好，我是大飞\nnickname说明了什么\n", SPEAKERS).unwrap();
        assert_eq!(t.speaker_of(2, 2).unwrap().name, "大飞");
    }

    #[test]
    fn chapter_past_end_names_file_and_line() {
        let meta = format!("{SPEAKERS}\n[[chapters]]\nstart_line = 1\ntitle = \"a\"\n[[chapters]]\nstart_line = 99\ntitle = \"b\"\n");
        let err = transcript("一\n二\n", &meta).unwrap_err().to_string();
        assert!(err.starts_with("t.toml:"), "{err}");
        assert!(err.contains("99"), "{err}");
    }

    #[test]
    fn chapters_out_of_order_rejected() {
        let meta = "[[chapters]]\nstart_line = 2\ntitle = \"a\"\n[[chapters]]\nstart_line = 1\ntitle = \"b\"\n";
        let err = transcript("一\n二\n", meta).unwrap_err().to_string();
        assert!(err.contains("t.toml:5"), "{err}");
    }

    #[test]
    fn empty_transcript_rejected() {
        assert!(transcript("\n\n", "").is_err());
    }

    #[test]
    fn invalid_utf8_names_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("good.txt"), "你好\n").unwrap();
        std::fs::write(dir.path().join("bad.txt"), b"ok\nok\n\xff\xfe\n").unwrap();
        let corpus = Corpus::load(dir.path()).unwrap();
        assert_eq!(corpus.transcripts.len(), 1);
        let problem = corpus.problems[0].to_string();
        assert!(problem.contains("bad.txt:3"), "{problem}");
    }

    fn original(lines: &str) -> Transcript {
        transcript(lines, "").expect("a valid transcript")
    }

    fn rendered(lines: &[&str], original: &Transcript) -> Result<Rendering> {
        let lines = lines.iter().map(|l| l.to_string()).collect();
        Rendering::fitted(Path::new("t.en.txt"), "en", lines, original)
    }

    #[test]
    fn a_rendering_line_for_line_is_taken() {
        let t = original("你好\n再见\n");
        let r = rendered(&["Hello", "Goodbye"], &t).expect("fits");
        assert_eq!(r.text(2, 2), "Goodbye");
    }

    #[test]
    fn a_rendering_of_another_length_is_refused_naming_both_counts() {
        let t = original("一\n二\n三\n");
        let error = rendered(&["one", "two"], &t).expect_err("too short");
        let message = error.to_string();
        assert!(message.contains("2 lines, but t.txt has 3"), "{message}");
    }

    #[test]
    fn a_rendering_with_an_empty_line_is_refused_naming_it() {
        let t = original("一\n二\n三\n");
        let error = rendered(&["one", " ", "three"], &t).expect_err("line 2 is empty");
        let message = error.to_string();
        assert!(message.contains("line 2 of t.txt has text"), "{message}");
    }

    #[test]
    fn a_rendering_into_the_originals_own_language_is_refused() {
        let t = transcript("one\n", "language = \"en\"\n").expect("an English transcript");
        let error = rendered(&["one"], &t).expect_err("same language");
        assert!(error.to_string().contains("its own language"), "{error}");
    }

    #[test]
    fn language_codes_are_two_or_three_letters_with_subtags() {
        for code in ["en", "zh", "yue", "zh-Hant", "en-US"] {
            assert!(is_language_code(code), "{code}");
        }
        for code in ["", "e", "english", "EN", "ep2", "zh-", "v1"] {
            assert!(!is_language_code(code), "{code}");
        }
    }

    #[test]
    fn only_a_language_suffix_makes_a_file_a_rendering() {
        let (base, language) = rendering_of(Path::new("d/ep.en.txt")).expect("a rendering");
        assert_eq!((base, language.as_str()), (PathBuf::from("d/ep"), "en"));
        assert!(rendering_of(Path::new("d/ep.txt")).is_none());
        assert!(rendering_of(Path::new("d/podcast.ep2.txt")).is_none());
    }

    #[test]
    fn names_in_other_languages_come_from_the_metadata() {
        let meta = r#"
title = "访谈"
title_in = { en = "Interview" }
[[speakers]]
name = "大飞"
role = "解说"
name_in = { en = "Da Fei" }
role_in = { en = "Narrator" }
[[chapters]]
start_line = 1
title = "开场"
title_in = { en = "Opening" }
"#;
        let t = transcript("大飞说\n", meta).expect("valid metadata");
        assert_eq!(t.language, DEFAULT_LANGUAGE);
        assert_eq!(t.title_in["en"], "Interview");
        assert_eq!(t.speakers[0].name_in["en"], "Da Fei");
        assert_eq!(t.speakers[0].role_in["en"], "Narrator");
        assert_eq!(t.chapters[0].title_in["en"], "Opening");
    }

    #[test]
    fn a_language_that_is_not_a_code_is_refused() {
        let error = transcript("a\n", "title_in = { english = \"A\" }\n").expect_err("bad key");
        assert!(error.to_string().contains("'english'"), "{error}");
        let error = transcript("a\n", "language = \"Chinese\"\n").expect_err("bad language");
        assert!(error.to_string().contains("'Chinese'"), "{error}");
    }

    /// A directory holding the given files.
    fn directory(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("a temporary directory");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("written");
        }
        dir
    }

    #[test]
    fn a_transcript_without_renderings_loads_as_before() {
        let dir = directory(&[("ep.txt", "一\n二\n")]);
        let corpus = Corpus::load(dir.path()).expect("loads");
        assert!(corpus.problems.is_empty(), "{:?}", corpus.problems);
        assert_eq!(corpus.transcripts.len(), 1);
        assert_eq!(corpus.transcripts[0].language, "zh");
        assert!(corpus.transcripts[0].renderings.is_empty());
    }

    #[test]
    fn a_rendering_belongs_to_its_transcript_not_beside_it() {
        let dir = directory(&[("ep.txt", "一\n二\n"), ("ep.en.txt", "one\ntwo\n")]);
        let corpus = Corpus::load(dir.path()).expect("loads");
        assert_eq!(
            corpus.transcripts.len(),
            1,
            "the rendering is no transcript"
        );
        let rendering = corpus.transcripts[0].rendering("en").expect("rendered");
        assert_eq!(rendering.lines, ["one", "two"]);
    }

    #[test]
    fn a_rendering_that_does_not_fit_is_reported_and_left_out() {
        let dir = directory(&[("ep.txt", "一\n二\n"), ("ep.en.txt", "one\n")]);
        let corpus = Corpus::load(dir.path()).expect("the transcript still loads");
        assert!(corpus.transcripts[0].renderings.is_empty());
        let problem = corpus.problems[0].to_string();
        assert!(
            problem.contains("ep.en.txt") && problem.contains("1 lines, but ep.txt has 2"),
            "{problem}"
        );
    }

    #[test]
    fn a_rendering_of_a_transcript_that_failed_to_load_is_reported() {
        let dir = directory(&[
            ("ep.txt", "一\n"),
            ("ep.toml", "slug = \"Bad Slug\"\n"),
            ("ep.en.txt", "one\n"),
            ("other.txt", "二\n"),
        ]);
        let corpus = Corpus::load(dir.path()).expect("other.txt loads");
        let problems: Vec<String> = corpus.problems.iter().map(|p| p.to_string()).collect();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("ep.en.txt") && p.contains("not loaded")),
            "{problems:?}"
        );
    }

    #[test]
    fn notes_beside_a_transcript_are_read_with_it() {
        let notes = "{\"lines\":[1,2],\"gist\":\"一二\",\"questions\":[\"几？\"]}\n";
        let dir = directory(&[("ep.txt", "一\n二\n"), ("ep.notes.jsonl", notes)]);
        let corpus = Corpus::load(dir.path()).expect("loads");
        let read = corpus.transcripts[0].notes.as_ref().expect("notes read");
        assert_eq!(read.notes[0].gist, "一二");
        assert!(corpus.problems.is_empty(), "{:?}", corpus.problems);
    }

    #[test]
    fn notes_that_do_not_fit_are_reported_and_the_transcript_still_answers() {
        let notes = "{\"lines\":[1,1],\"gist\":\"一\",\"questions\":[\"几？\"]}\n";
        let dir = directory(&[("ep.txt", "一\n二\n"), ("ep.notes.jsonl", notes)]);
        let corpus = Corpus::load(dir.path()).expect("the transcript still loads");
        assert!(corpus.transcripts[0].notes.is_none());
        let problem = corpus.problems[0].to_string();
        assert!(problem.contains("ep.notes.jsonl:1"), "{problem}");
    }

    #[test]
    fn a_transcript_without_notes_has_none() {
        let dir = directory(&[("ep.txt", "一\n二\n")]);
        let corpus = Corpus::load(dir.path()).expect("loads");
        assert!(corpus.transcripts[0].notes.is_none());
        assert!(corpus.problems.is_empty());
    }
}
