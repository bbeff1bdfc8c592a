//! Pure rendering of replies: embeds, message text and buttons built from engine results, with
//! Discord's limits enforced by characters and user or transcript text made inert (no markdown, no
//! links, no mentions, no bidirectional tricks).

use std::ops::Range;

use poise::serenity_prelude as serenity;

use crate::answer::{Occurrence, Outline, Passage, Translation};
use crate::corpus::Transcript;

/// Longest message content Discord accepts, in characters.
pub const MESSAGE_LIMIT: usize = 2_000;
/// Longest embed title.
pub const EMBED_TITLE_LIMIT: usize = 256;
/// Longest embed description.
pub const EMBED_DESCRIPTION_LIMIT: usize = 4_096;
/// Longest embed field name.
pub const EMBED_FIELD_NAME_LIMIT: usize = 256;
/// Longest embed field value.
pub const EMBED_FIELD_VALUE_LIMIT: usize = 1_024;
/// Longest embed footer.
pub const EMBED_FOOTER_LIMIT: usize = 2_048;
/// Most characters in all text of one embed.
pub const EMBED_TOTAL_LIMIT: usize = 6_000;
/// Most fields in one embed.
pub const EMBED_FIELD_COUNT_LIMIT: usize = 25;
/// Longest question accepted, in characters (also the slash option's `max_length`).
pub const MAX_QUESTION_CHARS: usize = 300;
/// Longest search keyword accepted, in characters.
pub const MAX_KEYWORD_CHARS: usize = 100;
/// Longest autocomplete choice name or value.
pub const CHOICE_LIMIT: usize = 100;

/// Headroom kept below the total embed limit.
const EMBED_TOTAL_BUDGET: usize = EMBED_TOTAL_LIMIT - 200;
/// Accent colour of every embed.
const EMBED_COLOUR: u32 = 0x10A37F;
/// Zero-width space, inserted to break mentions and links without changing how text reads.
const ZERO_WIDTH_SPACE: char = '\u{200B}';
/// Occurrences listed on one page of `/search`.
pub const OCCURRENCES_PER_PAGE: usize = 10;
/// Topics listed on one page of `/topics`.
pub const TOPICS_PER_PAGE: usize = 15;

/// The text of one embed, checked against Discord's limits before it is sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EmbedSpec {
    /// Title (plain text).
    pub title: String,
    /// Body (markdown).
    pub description: String,
    /// Inline fields: name and value.
    pub fields: Vec<(String, String)>,
    /// Footer (plain text).
    pub footer: String,
}

impl EmbedSpec {
    /// Characters Discord counts towards the 6,000 total.
    pub fn total_chars(&self) -> usize {
        char_count(&self.title)
            + char_count(&self.description)
            + char_count(&self.footer)
            + self
                .fields
                .iter()
                .map(|(name, value)| char_count(name) + char_count(value))
                .sum::<usize>()
    }

    /// The same embed cut to every per-part limit and to the total budget (the description gives
    /// way first). Nothing is left empty where Discord requires text.
    pub fn fitted(mut self) -> EmbedSpec {
        self.title = truncate_chars(&self.title, EMBED_TITLE_LIMIT);
        self.footer = truncate_chars(&self.footer, EMBED_FOOTER_LIMIT);
        self.fields.truncate(EMBED_FIELD_COUNT_LIMIT);
        for (name, value) in &mut self.fields {
            *name = non_empty(truncate_chars(name, EMBED_FIELD_NAME_LIMIT));
            *value = non_empty(truncate_chars(value, EMBED_FIELD_VALUE_LIMIT));
        }
        self.description = truncate_chars(&self.description, EMBED_DESCRIPTION_LIMIT);
        let others = self.total_chars() - char_count(&self.description);
        if others + char_count(&self.description) > EMBED_TOTAL_BUDGET {
            let room = EMBED_TOTAL_BUDGET.saturating_sub(others);
            self.description = truncate_chars(&self.description, room);
        }
        self
    }

    /// The same embed with every text passed through `convert` (e.g. into Traditional
    /// characters), fitted again.
    pub fn converted(self, convert: impl Fn(&str) -> String) -> EmbedSpec {
        EmbedSpec {
            title: convert(&self.title),
            description: convert(&self.description),
            fields: self
                .fields
                .iter()
                .map(|(name, value)| (convert(name), convert(value)))
                .collect(),
            footer: convert(&self.footer),
        }
        .fitted()
    }

    /// The serenity embed (fitted).
    pub fn to_embed(&self) -> serenity::CreateEmbed {
        let fitted = self.clone().fitted();
        let mut embed = serenity::CreateEmbed::new().colour(EMBED_COLOUR);
        if !fitted.title.is_empty() {
            embed = embed.title(fitted.title);
        }
        if !fitted.description.is_empty() {
            embed = embed.description(fitted.description);
        }
        for (name, value) in fitted.fields {
            embed = embed.field(name, value, true);
        }
        if !fitted.footer.is_empty() {
            embed = embed.footer(serenity::CreateEmbedFooter::new(fitted.footer));
        }
        embed
    }
}

fn non_empty(text: String) -> String {
    if text.trim().is_empty() {
        "—".to_string()
    } else {
        text
    }
}

/// Number of characters (not bytes).
pub fn char_count(text: &str) -> usize {
    text.chars().count()
}

/// `text` cut to at most `max` characters, ending in "…" when cut.
pub fn truncate_chars(text: &str, max: usize) -> String {
    if char_count(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    // a trailing backslash would escape the ellipsis
    while cut.ends_with('\\') {
        cut.pop();
    }
    cut.push('…');
    cut
}

/// Whether a character must never be shown: bidirectional controls, zero-width characters and
/// other invisible format or control characters (newline and tab excepted).
pub fn is_hidden_control(c: char) -> bool {
    matches!(c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'..='\u{200F}'
        | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{061C}' | '\u{00AD}' | '\u{180E}'
        | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}')
        || (c.is_control() && c != '\n' && c != '\t')
}

/// `text` without hidden controls; no-break and other exotic spaces become plain spaces.
pub fn strip_controls(text: &str) -> String {
    text.chars()
        .filter(|&c| !is_hidden_control(c))
        .map(|c| {
            if c != '\n' && c.is_whitespace() {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// Plain text (embed titles, footers) made inert without markdown escapes, which those places
/// would show literally: controls stripped and every mention broken by a zero-width space.
pub fn plain_text(text: &str) -> String {
    break_mentions(&strip_controls(text).replace('@', &format!("@{ZERO_WIDTH_SPACE}")))
}

/// Channel mentions have no '@' to break; links survive an escaped colon in some clients.
fn break_mentions(text: &str) -> String {
    text.replace("<#", &format!("<#{ZERO_WIDTH_SPACE}"))
        .replace("://", &format!(":{ZERO_WIDTH_SPACE}//"))
}

/// Makes text inert for Discord: controls stripped, markdown and masked links escaped, bare links
/// broken, and every mention (`@everyone`, `@here`, `<@id>`, `<@&id>`, `<#id>`) neutralised.
pub fn safe_text(text: &str) -> String {
    let stripped = strip_controls(text);
    let mut out = String::with_capacity(stripped.len() + 16);
    let mut at_line_start = true;
    for c in stripped.chars() {
        match c {
            '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']' | '(' | ')' | ':' => {
                out.push('\\');
                out.push(c);
            }
            '#' | '-' | '+' | '>' if at_line_start => {
                out.push('\\');
                out.push(c);
            }
            '@' => {
                out.push('@');
                out.push(ZERO_WIDTH_SPACE);
            }
            _ => out.push(c),
        }
        if c == '\n' {
            at_line_start = true;
        } else if !c.is_whitespace() {
            at_line_start = false;
        }
    }
    break_mentions(&out)
}

/// A question as typed, cleaned for the engine: controls removed, spaces collapsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Question {
    /// Ready to ask.
    Text(String),
    /// Nothing to ask after cleaning (empty, only punctuation or emoji).
    Empty,
    /// Longer than [`MAX_QUESTION_CHARS`].
    TooLong,
}

/// Cleans what a user typed into a question.
pub fn clean_question(raw: &str) -> Question {
    let stripped = strip_controls(raw);
    let collapsed = stripped.split_whitespace().collect::<Vec<_>>().join(" ");
    // mentions, links and chatter alone ("<@1> lol") leave nothing to ask
    if !crate::text::strip_chatter(&collapsed)
        .chars()
        .any(char::is_alphanumeric)
    {
        return Question::Empty;
    }
    if char_count(&collapsed) > MAX_QUESTION_CHARS {
        return Question::TooLong;
    }
    Question::Text(collapsed)
}

/// Reply to an empty question.
pub fn empty_question_text() -> String {
    "请问我一个关于访谈的问题，例如：ChatGPT最初叫什么？".to_string()
}

/// Reply to a question over the length cap.
pub fn too_long_text() -> String {
    format!("问题太长了（最多 {MAX_QUESTION_CHARS} 个字），请缩短后再问。")
}

/// Reply when a button's state is gone.
pub const EXPIRED_TEXT: &str = "已过期，请重新提问";

/// Reply when a user asks again too soon.
pub fn cooldown_text(seconds: u64) -> String {
    format!("提问太快了，请 {} 秒后再试。", seconds.max(1))
}

/// Reply when the interview does not answer: a short note (naming what the question asks about
/// that the interview never mentions, when so), the question echoed safely and the nearest
/// topics — in English when the answer's language `lang` is English, in Traditional characters
/// when it is Chinese in those.
pub fn no_answer_text(
    question: &str,
    never_mentioned: &[String],
    suggestions: &[String],
    lang: &str,
) -> String {
    let english = lang == "en";
    let names: Vec<String> = never_mentioned.iter().map(|n| safe_text(n)).collect();
    let mut text = match (names.is_empty(), english) {
        (true, true) => "The interview doesn't cover this.".to_string(),
        (true, false) => "访谈里没有找到相关内容。".to_string(),
        (false, true) => format!("The interview never mentions {}.", names.join(", ")),
        (false, false) => format!("访谈里没有提到 {}。", names.join("、")),
    };
    text.push_str(&format!(
        "{}{}",
        if english {
            "\nQuestion: "
        } else {
            "\n问题："
        },
        safe_text(&truncate_chars(question, 200))
    ));
    if !suggestions.is_empty() {
        text.push_str(if english {
            "\nTopics it does cover nearby:"
        } else {
            "\n可以看看这些话题："
        });
        for suggestion in suggestions.iter().take(5) {
            text.push_str(&format!("\n· {}", safe_text(suggestion)));
        }
    }
    if crate::script::is_traditional_code(lang) {
        text = crate::script::to_traditional(&text);
    }
    truncate_chars(&text, MESSAGE_LIMIT)
}

/// `text` with the byte `ranges` in bold, everything escaped, cut to at most `max` characters.
/// Ranges not on character boundaries are ignored.
pub fn highlighted(text: &str, ranges: &[Range<usize>], max: usize) -> String {
    let mut keep = char_count(text);
    loop {
        let cut_at = text
            .char_indices()
            .nth(keep)
            .map_or(text.len(), |(byte, _)| byte);
        let mut rendered = render_marked(&text[..cut_at], ranges);
        if cut_at < text.len() {
            rendered.push('…');
        }
        if char_count(&rendered) <= max || keep == 0 {
            return truncate_chars(&rendered, max);
        }
        // escaping grows text by at most 2×, so this converges in a few rounds
        keep = keep * max / char_count(&rendered).max(1);
        keep = keep.saturating_sub(1);
    }
}

fn render_marked(text: &str, ranges: &[Range<usize>]) -> String {
    let mut out = String::new();
    let mut at = 0;
    for range in ranges {
        let start = range.start.max(at);
        let end = range.end.min(text.len());
        if start >= end || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            continue;
        }
        out.push_str(&safe_text(&text[at..start]));
        let marked = safe_text(&text[start..end]);
        if marked.trim().is_empty() {
            out.push_str(&marked);
        } else {
            out.push_str("**");
            out.push_str(&marked);
            out.push_str("**");
        }
        at = end;
    }
    out.push_str(&safe_text(&text[at..]));
    out
}

/// "第 120–126 行".
pub fn line_range_text(start: usize, end: usize) -> String {
    if start == end {
        format!("第 {start} 行")
    } else {
        format!("第 {start}–{end} 行")
    }
}

/// Longest question shown back in an answer, in characters.
pub const SHOWN_QUESTION_CHARS: usize = 150;
/// Longest thread name Discord accepts, in characters.
pub const THREAD_NAME_LIMIT: usize = 100;
/// Name of the answer field that shows the question.
pub const QUESTION_FIELD: &str = "问题";
/// Name of the answer field that shows the citation.
pub const CITATION_FIELD: &str = "引用";
/// Name of the question field in an answer shown in English.
pub const QUESTION_FIELD_EN: &str = "Question";
/// Name of the citation field in an answer shown in English.
pub const CITATION_FIELD_EN: &str = "Citation";
/// Marks the completed question of a follow-up in the question field.
const UNDERSTOOD_PREFIX: &str = "（理解为：";

/// The question an answer answers, as shown with it.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    /// The question as asked (cleaned).
    pub question: &'a str,
    /// The question as understood, when it was completed from earlier ones.
    pub understood: Option<&'a str>,
}

/// The question field's text: the question escaped and cut, and what it was understood as when
/// it was a follow-up.
pub fn asked_text(asked: &Asked) -> String {
    let mut text = safe_text(&truncate_chars(asked.question, SHOWN_QUESTION_CHARS));
    if let Some(understood) = asked.understood.filter(|u| *u != asked.question) {
        text.push('\n');
        text.push_str(UNDERSTOOD_PREFIX);
        text.push_str(&safe_text(&truncate_chars(
            understood,
            SHOWN_QUESTION_CHARS,
        )));
        text.push('）');
    }
    text
}

/// The question an answer embed's question field stands for (the understood one when shown),
/// with the escapes undone: what a reply to that answer follows up on.
pub fn question_from_field(value: &str) -> String {
    let shown = match value.split_once(UNDERSTOOD_PREFIX) {
        Some((_, understood)) => understood.trim_end().trim_end_matches('）'),
        None => value,
    };
    let mut out = String::with_capacity(shown.len());
    let mut escaped = false;
    for c in shown.chars() {
        if c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        escaped = false;
        if c != ZERO_WIDTH_SPACE {
            out.push(c);
        }
    }
    out.trim_end_matches('…').trim().to_string()
}

/// The citation as shown in an answer: in a code span, so it reads literally and copies whole.
pub fn citation_text(citation: &str) -> String {
    format!("`{}`", citation.replace('`', ""))
}

/// A thread's name from the question it discusses: plain text, at most 100 characters.
pub fn thread_name(question: &str, topic: &str) -> String {
    let question = strip_controls(question)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let name = if question.chars().any(char::is_alphanumeric) {
        question
    } else if !topic.trim().is_empty() {
        format!("讨论：{}", strip_controls(topic).trim())
    } else {
        "访谈讨论".to_string()
    };
    truncate_chars(&name, THREAD_NAME_LIMIT)
}

/// The first message of a discussion thread: what is discussed, the passage's citation, topic and
/// speaker, and how to ask in the thread.
pub fn thread_intro(question: &str, citation: &str, passage: &Passage) -> String {
    let text = format!(
        "讨论：{}\n引用：{}（{} · {} · {}）\n在这里用 /ask 或 @我 提问，会接着这段回答；粘贴一个引用并用 /cite 可以重新打开那段原文。",
        safe_text(&truncate_chars(question, SHOWN_QUESTION_CHARS)),
        citation_text(citation),
        safe_text(if passage.topic.is_empty() { "访谈片段" } else { &passage.topic }),
        safe_text(passage.speaker.as_deref().unwrap_or("未知")),
        line_range_text(passage.line_start, passage.line_end),
    );
    truncate_chars(&text, MESSAGE_LIMIT)
}

/// The embed of one passage: topic as title, the question it answers, passage with highlights,
/// speaker, line range and citation, transcript title and position in the footer.
pub fn passage_embed(
    passage: &Passage,
    highlights: &[Range<usize>],
    transcript_title: &str,
    citation: &str,
    asked: Option<&Asked>,
    page: usize,
    pages: usize,
) -> EmbedSpec {
    let title = if passage.topic.is_empty() {
        "访谈片段".to_string()
    } else {
        plain_text(&passage.topic)
    };
    let mut fields = Vec::new();
    if let Some(asked) = asked {
        fields.push((QUESTION_FIELD.to_string(), asked_text(asked)));
    }
    fields.extend([
        (
            "发言".to_string(),
            safe_text(passage.speaker.as_deref().unwrap_or("未知")),
        ),
        (
            "出处".to_string(),
            line_range_text(passage.line_start, passage.line_end),
        ),
        (CITATION_FIELD.to_string(), citation_text(citation)),
    ]);
    let footer = if pages > 1 {
        format!("{} · {}/{}", plain_text(transcript_title), page + 1, pages)
    } else {
        plain_text(transcript_title)
    };
    with_passage(
        EmbedSpec {
            title,
            description: String::new(),
            fields,
            footer,
        },
        passage
            .summary
            .as_deref()
            .map(|summary| summary_line("要点：", summary)),
        &passage.text,
        highlights,
    )
}

/// Longest summary shown above a passage, in characters.
const SUMMARY_CHARS: usize = 240;

/// The line that leads a passage with the summary of its stretch: a bold label saying it is a
/// summary ("要点：" or "In short: "), then the summary as plain text.
pub fn summary_line(label: &str, summary: &str) -> String {
    format!(
        "**{label}**{}",
        safe_text(&truncate_chars(summary, SUMMARY_CHARS))
    )
}

/// `embed` fitted to Discord's limits, with `text` (its `highlights` in bold) as the description
/// in whatever room the rest leaves, led by the `summary` line when there is one.
fn with_passage(
    embed: EmbedSpec,
    summary: Option<String>,
    text: &str,
    highlights: &[Range<usize>],
) -> EmbedSpec {
    let mut embed = embed.fitted();
    let room = EMBED_TOTAL_BUDGET
        .saturating_sub(embed.total_chars())
        .min(EMBED_DESCRIPTION_LIMIT);
    let lead = summary.map_or_else(String::new, |line| format!("{line}\n\n"));
    let lead = if char_count(&lead) * 2 > room {
        String::new()
    } else {
        lead
    };
    embed.description = format!(
        "{lead}{}",
        highlighted(text, highlights, room - char_count(&lead))
    );
    embed
}

/// A passage as rendered in another language, with the line saying what the rendering is.
pub struct Rendered<'a> {
    /// The passage's lines, topic and speaker in that language.
    pub translation: &'a Translation,
    /// "Our English translation of …, not the speakers' own words."
    pub note: String,
}

/// Where a passage shown in an embed comes from, and its place among an answer's passages.
pub struct Place<'a> {
    /// The transcript's title (in the language shown).
    pub transcript_title: &'a str,
    /// The passage's citation.
    pub citation: &'a str,
    /// Its page among the answer's passages (0-based).
    pub page: usize,
    /// How many passages the answer has.
    pub pages: usize,
}

/// The embed of one passage shown in English: the rendering's topic as title, the question, the
/// rendered lines with highlights, speaker, lines and citation under English names, and the
/// transcript's title with the line saying it is a translation in the footer.
pub fn rendered_embed(
    passage: &Passage,
    shown: &Rendered,
    highlights: &[Range<usize>],
    place: &Place,
    asked: Option<&Asked>,
) -> EmbedSpec {
    let translation = shown.translation;
    let title = if translation.topic.is_empty() {
        "Interview passage".to_string()
    } else {
        plain_text(&translation.topic)
    };
    let mut fields = Vec::new();
    if let Some(asked) = asked {
        fields.push((QUESTION_FIELD_EN.to_string(), asked_text(asked)));
    }
    let lines = if passage.line_start == passage.line_end {
        format!("line {}", passage.line_start)
    } else {
        format!("lines {}–{}", passage.line_start, passage.line_end)
    };
    fields.extend([
        (
            "Speaker".to_string(),
            safe_text(translation.speaker.as_deref().unwrap_or("unknown")),
        ),
        ("Lines".to_string(), lines),
        (CITATION_FIELD_EN.to_string(), citation_text(place.citation)),
    ]);
    let position = if place.pages > 1 {
        format!(" · {}/{}", place.page + 1, place.pages)
    } else {
        String::new()
    };
    let footer = format!(
        "{}{position}\n{}",
        plain_text(place.transcript_title),
        plain_text(&shown.note)
    );
    with_passage(
        EmbedSpec {
            title,
            description: String::new(),
            fields,
            footer,
        },
        translation
            .summary
            .as_deref()
            .map(|summary| summary_line("In short: ", summary)),
        &translation.text,
        highlights,
    )
}

/// Pages of `/topics`: each transcript's chapters with their line ranges.
pub fn outline_pages(outlines: &[Outline]) -> Vec<EmbedSpec> {
    let mut pages = Vec::new();
    for outline in outlines {
        for chunk in outline.topics.chunks(TOPICS_PER_PAGE) {
            let description = chunk
                .iter()
                .map(|topic| {
                    format!(
                        "`{:>4}–{:<4}` {}",
                        topic.start,
                        topic.end,
                        safe_text(&topic.title)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            pages.push(EmbedSpec {
                title: format!("目录 · {}", plain_text(&outline.title)),
                description,
                fields: Vec::new(),
                footer: String::new(),
            });
        }
    }
    if pages.is_empty() {
        pages.push(EmbedSpec {
            title: "目录".to_string(),
            description: "还没有加载任何访谈。".to_string(),
            ..EmbedSpec::default()
        });
    }
    number_pages(pages)
}

/// Pages of `/search`: line numbers and the lines where the keyword occurs, keyword in bold.
/// `highlights[i]` are the byte ranges to mark in `occurrences[i].text`.
pub fn occurrence_pages(
    keyword: &str,
    occurrences: &[Occurrence],
    highlights: &[Vec<Range<usize>>],
    titles: &dyn Fn(&str) -> String,
) -> Vec<EmbedSpec> {
    let heading = format!("搜索：{}", plain_text(&truncate_chars(keyword, 60)));
    if occurrences.is_empty() {
        return vec![EmbedSpec {
            title: heading,
            description: "访谈里没有出现这个词。".to_string(),
            ..EmbedSpec::default()
        }];
    }
    let total = occurrences.len();
    let pages = occurrences
        .chunks(OCCURRENCES_PER_PAGE)
        .enumerate()
        .map(|(p, chunk)| {
            let description = chunk
                .iter()
                .enumerate()
                .map(|(i, occurrence)| {
                    let marks = highlights
                        .get(p * OCCURRENCES_PER_PAGE + i)
                        .map_or(&[][..], Vec::as_slice);
                    format!(
                        "**第 {} 行** {}",
                        occurrence.line,
                        highlighted(&occurrence.text, marks, 300)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            let transcripts: Vec<String> = {
                let mut ids: Vec<&str> = chunk.iter().map(|o| o.transcript.as_str()).collect();
                ids.dedup();
                ids.into_iter().map(titles).collect()
            };
            EmbedSpec {
                title: format!("{heading}（共 {total} 处）"),
                description,
                fields: Vec::new(),
                footer: transcripts.join(" · "),
            }
        })
        .collect();
    number_pages(pages)
}

/// The embed of `/about`: what the bot knows and how to ask.
pub fn about_embed(transcripts: &[Transcript]) -> EmbedSpec {
    let mut description = String::from(
        "我能回答关于下面这些访谈的问题，给出原文段落、行号、发言人和话题。\n\n**怎么问**\n\
         · `/ask` 加上你的问题\n· 在频道里 @我 并写下问题，或直接私信我\n\
         · `/topics` 看目录，`/topic` 读某一章，`/search` 找关键词，`/quote` 随机摘一段\n\
         · 追问：回复我的回答，或在同一频道 15 分钟内接着问（“那Nick呢？”“后来呢？”）\n\
         · 右键一条消息 → Apps → 问问访谈：核对别人说的话\n\
         · 每个回答带一个引用（如 `openai-podcast-ep2#L15-19`），用 `/cite` 重新打开；点“开个讨论串”一起讨论\n\n**访谈**",
    );
    if transcripts.is_empty() {
        description.push_str("\n（还没有加载任何访谈）");
    }
    for transcript in transcripts {
        description.push_str(&format!(
            "\n· {}（{} 行）",
            safe_text(&transcript.title),
            transcript.line_count()
        ));
        if !transcript.source.is_empty() {
            description.push_str(&format!(
                "\n  来源：{}",
                safe_text(&truncate_chars(&transcript.source, 300))
            ));
        }
    }
    EmbedSpec {
        title: "关于这个机器人".to_string(),
        description,
        fields: Vec::new(),
        footer: "回答只来自访谈原文，不做推测。".to_string(),
    }
    .fitted()
}

fn number_pages(mut pages: Vec<EmbedSpec>) -> Vec<EmbedSpec> {
    let count = pages.len();
    if count > 1 {
        for (i, page) in pages.iter_mut().enumerate() {
            let position = format!("{}/{}", i + 1, count);
            page.footer = if page.footer.is_empty() {
                position
            } else {
                format!("{} · {}", page.footer, position)
            };
        }
    }
    pages.into_iter().map(EmbedSpec::fitted).collect()
}

/// The name an autocomplete choice shows for a chapter.
pub fn topic_choice_name(title: &str, start: usize, end: usize) -> String {
    truncate_chars(
        &format!("{}（{}–{}）", strip_controls(title), start, end),
        CHOICE_LIMIT,
    )
}

/// Message text with the bot's own mention (`<@id>` or `<@!id>`) removed, leaving the question.
pub fn strip_bot_mention(content: &str, bot_id: u64) -> String {
    content
        .replace(&format!("<@{bot_id}>"), " ")
        .replace(&format!("<@!{bot_id}>"), " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passage(text: &str) -> Passage {
        Passage {
            transcript: "t".into(),
            line_start: 120,
            line_end: 126,
            text: text.into(),
            topic: "名字由来".into(),
            speaker: Some("Nick Turley".into()),
            score: 1.0,
            matched_terms: Vec::new(),
            summary: None,
            translations: Default::default(),
        }
    }

    fn assert_within_limits(embed: &EmbedSpec) {
        assert!(char_count(&embed.title) <= EMBED_TITLE_LIMIT, "title");
        assert!(
            char_count(&embed.description) <= EMBED_DESCRIPTION_LIMIT,
            "description {}",
            char_count(&embed.description)
        );
        assert!(char_count(&embed.footer) <= EMBED_FOOTER_LIMIT, "footer");
        for (name, value) in &embed.fields {
            assert!(char_count(name) <= EMBED_FIELD_NAME_LIMIT, "field name");
            assert!(char_count(value) <= EMBED_FIELD_VALUE_LIMIT, "field value");
            assert!(!value.is_empty(), "empty field value");
        }
        assert!(embed.total_chars() <= EMBED_TOTAL_LIMIT, "total");
    }

    /// Mentions that Discord would resolve in rendered text.
    fn live_mentions(text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        let mut found = Vec::new();
        for (i, window) in chars.windows(3).enumerate() {
            let live = match window {
                ['<', '@', c] => c.is_ascii_digit() || *c == '&' || *c == '!',
                ['<', '#', c] => c.is_ascii_digit(),
                _ => false,
            };
            if live {
                found.push(chars[i..].iter().take(8).collect());
            }
        }
        for needle in ["@everyone", "@here"] {
            if text.contains(needle) {
                found.push(needle.to_string());
            }
        }
        found
    }

    #[test]
    fn long_passage_fits_embed_limits() {
        let text: String = "访谈内容很长".repeat(1_000);
        assert_eq!(char_count(&text), 6_000);
        let ranges = vec![0..6, 300..306];
        let asked = Asked {
            question: &"问".repeat(400),
            understood: Some(&"答".repeat(400)),
        };
        let embed = passage_embed(
            &passage(&text),
            &ranges,
            &"标题".repeat(300),
            "t#L120-126",
            Some(&asked),
            0,
            3,
        );
        assert_within_limits(&embed);
        assert!(embed.description.ends_with('…'), "cut passage is marked");
        assert!(embed.description.starts_with("**访谈**"));
    }

    #[test]
    fn long_markdown_heavy_passage_fits_after_escaping() {
        let text: String = "*_`|@".repeat(1_200);
        let embed = passage_embed(&passage(&text), &[], "t", "t#L1", None, 0, 1);
        assert_within_limits(&embed);
        assert!(live_mentions(&embed.description).is_empty());
    }

    #[test]
    fn the_question_is_shown_escaped_and_cut_without_pings() {
        let asked = Asked {
            question: "@everyone <@&1> [x](https://evil) **问**\u{202E}",
            understood: None,
        };
        let embed = passage_embed(&passage("文"), &[], "t", "t#L120-126", Some(&asked), 0, 1);
        let (name, value) = &embed.fields[0];
        assert_eq!(name, QUESTION_FIELD);
        assert!(live_mentions(value).is_empty(), "{value}");
        assert!(!value.contains("](http"), "{value}");
        assert!(!value.contains('\u{202E}'), "{value}");
        assert!(value.contains("\\*\\*问"), "{value}");
        let long = Asked {
            question: &"问".repeat(1_000),
            understood: None,
        };
        let shown = asked_text(&long);
        assert_eq!(
            char_count(&shown),
            SHOWN_QUESTION_CHARS,
            "cut by characters"
        );
    }

    #[test]
    fn the_citation_is_a_field() {
        let embed = passage_embed(&passage("文"), &[], "t", "ep2#L120-126", None, 0, 1);
        assert!(embed
            .fields
            .iter()
            .any(|(n, v)| n == CITATION_FIELD && v == "`ep2#L120-126`"));
        assert!(!embed.fields.iter().any(|(n, _)| n == QUESTION_FIELD));
    }

    #[test]
    fn the_question_field_reads_back_as_the_question_understood() {
        for (question, understood) in [
            ("那Nick呢", Some("Nick Turley 怎么看待谄媚问题")),
            ("ChatGPT*最初*叫_什么_ @here", None),
        ] {
            let shown = asked_text(&Asked {
                question,
                understood,
            });
            let expected = understood.unwrap_or(question);
            assert_eq!(question_from_field(&shown), expected, "{shown}");
        }
    }

    #[test]
    fn thread_names_are_cut_by_characters() {
        let name = thread_name(&"名字由来".repeat(100), "话题");
        assert_eq!(char_count(&name), THREAD_NAME_LIMIT);
        assert_eq!(thread_name("？？", "名字由来"), "讨论：名字由来");
        assert_eq!(thread_name("a\u{202E}b", ""), "ab");
    }

    #[test]
    fn thread_intro_cites_the_passage_without_pings() {
        let intro = thread_intro("@everyone 名字", "t#L120-126", &passage("文"));
        assert!(intro.contains("`t#L120-126`"), "{intro}");
        assert!(intro.contains("Nick Turley"), "{intro}");
        assert!(live_mentions(&intro).is_empty(), "{intro}");
        assert!(char_count(&intro) <= MESSAGE_LIMIT);
    }

    #[test]
    fn no_answer_text_fits_message_limit() {
        let question = "问".repeat(6_000);
        let suggestions = vec!["话".repeat(3_000); 3];
        let text = no_answer_text(&question, &[], &suggestions, "zh");
        assert!(char_count(&text) <= MESSAGE_LIMIT, "{}", char_count(&text));
        assert!(text.starts_with("访谈里没有找到相关内容"));
    }

    #[test]
    fn truncation_counts_characters_not_bytes() {
        let cut = truncate_chars("一二三四五六", 4);
        assert_eq!(cut, "一二三…");
        assert_eq!(truncate_chars("短", 4), "短");
        assert_eq!(truncate_chars("abc", 0), "");
    }

    #[test]
    fn markdown_is_shown_literally() {
        let cases = [
            ("**bold**", r"\*\*bold\*\*"),
            ("```rust\ncode```", "\\`\\`\\`rust\ncode\\`\\`\\`"),
            ("||spoiler||", r"\|\|spoiler\|\|"),
            ("# big", r"\# big"),
            ("> quote", r"\> quote"),
            ("a_b~c > d", r"a\_b\~c > d"),
            ("x\n- item", "x\n\\- item"),
        ];
        for (input, expected) in cases {
            assert_eq!(safe_text(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn masked_links_and_bare_links_are_broken() {
        let out = safe_text("[x](https://evil.example)");
        assert!(!out.contains("](http"), "{out}");
        assert!(out.starts_with("\\[x\\]\\("), "{out}");
        assert!(!out.contains("https://"), "{out}");
        let bare = safe_text("see https://evil.example/path");
        assert!(!bare.contains("https://"), "{bare}");
    }

    #[test]
    fn bidi_and_zero_width_controls_are_stripped() {
        let out = safe_text("abc\u{202E}def\u{2066}g\u{200B}h\u{FEFF}");
        assert_eq!(out, "abcdefgh");
        assert_eq!(strip_controls("a\u{00A0}b"), "a b");
    }

    #[test]
    fn no_mention_survives() {
        let inputs = [
            "@everyone",
            "@here",
            "<@123>",
            "<@!123>",
            "<@&1>",
            "<#1>",
            "ev\u{200B}eryone @\u{200B}everyone",
            "@@everyone",
        ];
        for input in inputs {
            let out = safe_text(input);
            assert!(
                live_mentions(&out).is_empty(),
                "input {input:?} rendered as {out:?}"
            );
            let message = no_answer_text(input, &[input.to_string()], &[input.to_string()], "zh");
            assert!(
                live_mentions(&message).is_empty(),
                "input {input:?} in no-answer text {message:?}"
            );
        }
    }

    #[test]
    fn highlights_are_bold_and_escaped() {
        let text = "ChatGPT最开始的名字*其实*是";
        let start = text.find("名字").unwrap();
        let mark = start..start + "名字".len();
        let out = highlighted(text, std::slice::from_ref(&mark), 100);
        assert_eq!(out, "ChatGPT最开始的**名字**\\*其实\\*是");
    }

    #[test]
    fn highlight_ranges_off_boundaries_are_ignored() {
        let inside_a_character = 1..2;
        let out = highlighted("名字", std::slice::from_ref(&inside_a_character), 100);
        assert_eq!(out, "名字");
        let past_the_end = 0..100;
        let clipped = highlighted("名字", std::slice::from_ref(&past_the_end), 100);
        assert_eq!(clipped, "**名字**");
    }

    #[test]
    fn questions_are_cleaned() {
        let cases = [
            (
                "  ChatGPT\u{00A0}最早叫什么名字 ",
                Question::Text("ChatGPT 最早叫什么名字".into()),
            ),
            ("", Question::Empty),
            ("？！。", Question::Empty),
            ("😀😀", Question::Empty),
            ("\u{200B}", Question::Empty),
            ("\u{00A0}", Question::Empty),
            ("\u{202E}abc", Question::Text("abc".into())),
            ("<@123456789> lol", Question::Empty),
            ("大佬们 <:wave:42> https://x.y", Question::Empty),
        ];
        for (input, expected) in cases {
            assert_eq!(clean_question(input), expected, "input {input:?}");
        }
        assert_eq!(clean_question(&"问".repeat(6_000)), Question::TooLong);
    }

    #[test]
    fn outline_pages_fit_and_are_numbered() {
        let topics = (0..40)
            .map(|i| crate::topics::Topic {
                start: i * 10 + 1,
                end: i * 10 + 10,
                title: format!("话题 {i} @everyone"),
                automatic: false,
            })
            .collect();
        let outline = Outline {
            transcript: "t".into(),
            title: "访谈".into(),
            topics,
        };
        let pages = outline_pages(&[outline]);
        assert_eq!(pages.len(), 3);
        assert_eq!(pages[2].footer, "3/3");
        for page in &pages {
            assert_within_limits(page);
            assert!(live_mentions(&page.description).is_empty());
        }
    }

    #[test]
    fn plain_text_breaks_mentions_without_escapes() {
        let shown = plain_text("搜索：@everyone <@&1> <#2> a_b *c* https://x\u{202E}");
        assert!(live_mentions(&shown).is_empty(), "{shown:?}");
        assert!(!shown.contains('\\'), "{shown:?}");
        assert!(shown.contains("a_b *c*"), "{shown:?}");
        assert!(!shown.contains("://"), "{shown:?}");
        assert!(!shown.contains('\u{202E}'), "{shown:?}");
    }

    #[test]
    fn bot_mention_is_removed_from_question() {
        assert_eq!(
            strip_bot_mention("<@42> ChatGPT最早叫什么名字？ <@!42>", 42).trim(),
            "ChatGPT最早叫什么名字？"
        );
        assert_eq!(strip_bot_mention("<@43> hi", 42), "<@43> hi");
    }

    #[test]
    fn an_english_rendering_fits_the_limits_and_says_it_is_a_translation() {
        let translation = Translation {
            text: "word @everyone ".repeat(2_000),
            topic: "How ChatGPT Got Its Name".into(),
            speaker: Some("Nick Turley".into()),
            summary: Some("Nick says it was renamed @everyone".into()),
        };
        let shown = Rendered {
            translation: &translation,
            note: "Our English translation of the Chinese text, not the speakers' own words."
                .into(),
        };
        let place = Place {
            transcript_title: "Behind the Birth of ChatGPT",
            citation: "ep2#L120-126",
            page: 0,
            pages: 3,
        };
        let embed = rendered_embed(&passage("文"), &shown, &[], &place, None);
        assert_within_limits(&embed);
        assert_eq!(embed.title, "How ChatGPT Got Its Name");
        assert!(embed.footer.contains("1/3") && embed.footer.contains("speakers' own words"));
        assert!(embed
            .fields
            .iter()
            .any(|(n, v)| n == CITATION_FIELD_EN && v == "`ep2#L120-126`"));
        assert!(!embed.description.contains("@everyone"), "mentions broken");
        assert!(
            embed.description.starts_with("**In short: **Nick says"),
            "{}",
            embed.description
        );
    }

    #[test]
    fn a_passage_with_a_summary_leads_with_it_then_the_passage() {
        let mut shown = passage("第一行\n第二行");
        shown.summary = Some("Nick说名字是*临时*改的 <@&1>".into());
        let embed = passage_embed(&shown, &[], "访谈", "ep2#L120-126", None, 0, 1);
        assert_within_limits(&embed);
        let (lead, rest) = embed
            .description
            .split_once("\n\n")
            .expect("a summary line");
        assert!(lead.starts_with("**要点：**Nick说名字是"), "{lead}");
        assert!(
            lead.contains("\\*临时\\*"),
            "its markdown is shown as written: {lead}"
        );
        assert!(live_mentions(lead).is_empty(), "{lead}");
        assert_eq!(rest, "第一行\n第二行");
    }

    #[test]
    fn a_passage_without_a_summary_is_the_description_alone() {
        let embed = passage_embed(&passage("第一行"), &[], "访谈", "ep2#L1-1", None, 0, 1);
        assert_eq!(embed.description, "第一行");
    }

    #[test]
    fn not_covered_speaks_the_askers_language() {
        let text = no_answer_text("who is perplexity", &[], &["The Fail Whale".into()], "en");
        assert!(
            text.starts_with("The interview doesn't cover this."),
            "{text}"
        );
        let named = no_answer_text(
            "who is Perplexity",
            &["Perplexity".into()],
            &["The Fail Whale".into()],
            "en",
        );
        assert!(
            named.starts_with("The interview never mentions Perplexity."),
            "{named}"
        );
        let chinese = no_answer_text("@everyone是谁", &["@everyone".into()], &[], "zh");
        assert!(chinese.starts_with("访谈里没有提到 "), "{chinese}");
        assert!(live_mentions(&chinese).is_empty(), "{chinese}");
        assert!(
            text.starts_with("The interview doesn't cover this."),
            "{text}"
        );
        assert!(
            text.contains("Topics it does cover nearby:\n· The Fail Whale"),
            "{text}"
        );
    }
}
