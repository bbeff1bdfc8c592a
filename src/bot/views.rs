//! Replies assembled from engine results: the answer to a question, a chapter page, paged lists,
//! each with its buttons. Runs on blocking threads (it calls the engine).

use poise::serenity_prelude as serenity;

use super::render::{self, EmbedSpec, Question};
use super::replies::{AnswerState, ButtonAction, ButtonId, Reach, ReplyState, ReplyStore};
use crate::answer::browse::translation_note;
use crate::answer::followup::{AskContext, ContextTurn};
use crate::answer::{citation, AskOptions, Engine, Passage};

/// Lines shown before and after a passage when its context is expanded.
pub const CONTEXT_LINES: usize = 5;
/// Lines per page when reading a chapter.
pub const CHAPTER_PAGE_LINES: usize = 8;
/// Most occurrences `/search` lists.
pub const MAX_OCCURRENCES: usize = 200;

/// A reply ready to send: text, or an embed with buttons.
#[derive(Debug, Clone)]
pub struct View {
    /// Message text (when there is no embed).
    pub content: Option<String>,
    /// The embed.
    pub embed: Option<EmbedSpec>,
    /// Button rows.
    pub components: Vec<serenity::CreateActionRow>,
    /// Whether the question was answered (for the command log).
    pub answered: bool,
    /// The turn to remember in the channel's conversation, when a question was answered.
    pub turn: Option<ContextTurn>,
    /// The question, when it was a real question the interview does not answer.
    pub unanswered: Option<String>,
}

impl View {
    /// A plain-text reply.
    pub fn text(content: String) -> View {
        View {
            content: Some(render::truncate_chars(&content, render::MESSAGE_LIMIT)),
            embed: None,
            components: Vec::new(),
            answered: false,
            turn: None,
            unanswered: None,
        }
    }

    /// An embed reply with buttons.
    pub fn embed(embed: EmbedSpec, components: Vec<serenity::CreateActionRow>) -> View {
        View {
            content: None,
            embed: Some(embed),
            components,
            answered: true,
            turn: None,
            unanswered: None,
        }
    }

    /// As a poise reply (no mentions).
    pub fn to_reply(&self, ephemeral: bool) -> poise::CreateReply {
        let mut reply = poise::CreateReply::default()
            .ephemeral(ephemeral)
            .allowed_mentions(super::no_mentions())
            .components(self.components.clone());
        if let Some(content) = &self.content {
            reply = reply.content(content.clone());
        }
        if let Some(embed) = &self.embed {
            reply = reply.embed(embed.to_embed());
        }
        reply
    }

    /// As a message replying to another (no mentions, not even the author).
    pub fn to_message(&self, reply_to: &serenity::Message) -> serenity::CreateMessage {
        let mut message = serenity::CreateMessage::new()
            .reference_message(reply_to)
            .allowed_mentions(super::no_mentions())
            .components(self.components.clone());
        if let Some(content) = &self.content {
            message = message.content(content.clone());
        }
        if let Some(embed) = &self.embed {
            message = message.embed(embed.to_embed());
        }
        message
    }

    /// As an update of the message the button is on.
    pub fn to_update(&self) -> serenity::CreateInteractionResponseMessage {
        let mut message = serenity::CreateInteractionResponseMessage::new()
            .allowed_mentions(super::no_mentions())
            .components(self.components.clone());
        if let Some(content) = &self.content {
            message = message.content(content.clone());
        }
        if let Some(embed) = &self.embed {
            message = message.embed(embed.to_embed());
        }
        message
    }
}

/// Answers a question typed by a user on its own, as a public answer (see [`ask_view_in`]).
pub fn ask_view(engine: &Engine, replies: &ReplyStore, raw_question: &str) -> View {
    ask_view_in(
        engine,
        replies,
        raw_question,
        None,
        Reach::Public,
        Reader::default(),
    )
}

/// What is known of the language of the member an answer is for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reader<'a> {
    /// The language they chose with the 中文 / English button: it wins.
    pub chosen: Option<&'a str>,
    /// Their Discord locale: it decides when the question's language is unclear.
    pub locale: Option<&'a str>,
}

/// The language of a Discord locale (`zh-CN` → `zh`, `zh-TW` → `zh-Hant`; `en-US`, `en-GB` →
/// `en`), for an answer whose question does not say; none for other locales.
pub fn language_of_locale(locale: &str) -> Option<String> {
    if crate::script::is_traditional_code(locale) {
        return Some(crate::script::TRADITIONAL.to_string());
    }
    let primary = locale.split('-').next().unwrap_or_default();
    matches!(primary, "zh" | "en").then(|| primary.to_string())
}

/// Answers a question typed by a user, in the conversation `context` when there is one: cleans it,
/// asks the engine, stores the results for the buttons and renders the first one (or the
/// no-answer text) — in the language the `reader` chose, else the question's, else the
/// reader's locale's.
pub fn ask_view_in(
    engine: &Engine,
    replies: &ReplyStore,
    raw_question: &str,
    context: Option<AskContext>,
    reach: Reach,
    reader: Reader,
) -> View {
    let question = match render::clean_question(raw_question) {
        Question::Text(text) => text,
        Question::Empty => return View::text(render::empty_question_text()),
        Question::TooLong => return View::text(render::too_long_text()),
    };
    answer_view(engine, replies, question, context, reach, reader)
}

/// Answers an already cleaned question (see [`ask_view`]).
pub fn answer_view(
    engine: &Engine,
    replies: &ReplyStore,
    question: String,
    context: Option<AskContext>,
    reach: Reach,
    reader: Reader,
) -> View {
    let options = AskOptions {
        context,
        language: reader.chosen.map(str::to_string),
        fallback_language: reader.locale.and_then(language_of_locale),
        ..AskOptions::default()
    };
    let answer = engine.answer(&question, &options);
    if !answer.answered || answer.results.is_empty() {
        let suggestions: Vec<String> = answer
            .suggestions
            .iter()
            .map(|s| engine.topic_title_in(s, &answer.lang))
            .collect();
        let text = render::no_answer_text(
            &question,
            &answer.never_mentioned,
            &suggestions,
            &answer.lang,
        );
        let mut view = View::text(text);
        view.unanswered = Some(question);
        return view;
    }
    let understood = (answer.question != question).then(|| answer.question.clone());
    let asked_as = answer.question;
    let state = AnswerState {
        question,
        understood,
        passages: answer.results,
        reach,
        lang: answer.lang,
    };
    let reply = replies.insert(ReplyState::Answer(state.clone()));
    let mut view = state_page(engine, reply, &state, 0);
    view.turn = Some(ContextTurn {
        question: asked_as,
        shown: Some(shown(&state.passages[0])),
    });
    view
}

/// The part of a passage a follow-up is measured from.
pub fn shown(passage: &Passage) -> crate::answer::followup::ShownPassage {
    crate::answer::followup::ShownPassage {
        transcript: passage.transcript.clone(),
        line_start: passage.line_start,
        line_end: passage.line_end,
    }
}

fn transcript_title(engine: &Engine, id: &str) -> String {
    engine
        .transcripts()
        .iter()
        .find(|t| t.id == id)
        .map_or_else(|| id.to_string(), |t| t.title.clone())
}

fn asked(state: &AnswerState) -> Option<render::Asked<'_>> {
    (!state.question.is_empty()).then(|| render::Asked {
        question: &state.question,
        understood: state.understood.as_deref(),
    })
}

/// Page `page` of an answer's passages shown without their question.
pub fn answer_page(engine: &Engine, reply: u64, passages: &[Passage], page: usize) -> View {
    state_page(engine, reply, &bare_state(passages), page)
}

/// [`answer_context`] of passages shown without their question.
pub fn answer_context(engine: &Engine, reply: u64, passages: &[Passage], page: usize) -> View {
    state_context(engine, reply, &bare_state(passages), page)
}

fn bare_state(passages: &[Passage]) -> AnswerState {
    AnswerState {
        question: String::new(),
        understood: None,
        passages: passages.to_vec(),
        reach: Reach::Public,
        lang: String::new(),
    }
}

/// The embed of `passage` as page `page` of `state`, in the answer's language when its
/// transcript is rendered in it (with the rendering's title and a line saying what it is).
fn embed_in(
    engine: &Engine,
    passage: &Passage,
    matched: &[String],
    state: &AnswerState,
    page: usize,
) -> render::EmbedSpec {
    let transcript = engine
        .transcripts()
        .iter()
        .find(|t| t.id == passage.transcript);
    let original = transcript.map_or("", |t| t.language.as_str());
    let cited = citation::of(engine.transcripts(), passage);
    let pages = state.passages.len();
    let asked = asked(state);
    if crate::script::converts(original, &state.lang) {
        // the original as a Simplified reader sees it, then every character in Traditional
        let marks = engine.highlight(&passage.text, matched);
        let title = transcript_title(engine, &passage.transcript);
        return render::passage_embed(passage, &marks, &title, &cited, asked.as_ref(), page, pages)
            .converted(crate::script::to_traditional);
    }
    let rendered = passage.translations.get(&state.lang);
    match rendered.filter(|_| state.lang != original) {
        Some(translation) => {
            let title = transcript.map_or_else(
                || passage.transcript.clone(),
                |t| t.title_in.get(&state.lang).unwrap_or(&t.title).clone(),
            );
            let shown = render::Rendered {
                translation,
                note: translation_note(original, &state.lang),
            };
            let marks = engine.highlight(&translation.text, matched);
            let place = render::Place {
                transcript_title: &title,
                citation: &cited,
                page,
                pages,
            };
            render::rendered_embed(passage, &shown, &marks, &place, asked.as_ref())
        }
        None => {
            let marks = engine.highlight(&passage.text, matched);
            let title = transcript_title(engine, &passage.transcript);
            render::passage_embed(passage, &marks, &title, &cited, asked.as_ref(), page, pages)
        }
    }
}

/// Page `page` of an answer.
pub fn state_page(engine: &Engine, reply: u64, state: &AnswerState, page: usize) -> View {
    let passages = &state.passages;
    let page = page.min(passages.len().saturating_sub(1));
    let passage = &passages[page];
    let embed = embed_in(engine, passage, &passage.matched_terms, state, page);
    let buttons = buttons_of(engine, state, page, false);
    View::embed(embed, answer_buttons(reply, &buttons))
}

/// What the buttons under page `page` of `state` depend on.
fn buttons_of(engine: &Engine, state: &AnswerState, page: usize, expanded: bool) -> AnswerButtons {
    AnswerButtons {
        page,
        pages: state.passages.len(),
        expanded,
        reach: state.reach,
        english: is_english(&shown_language(engine, state, &state.passages[page])),
        switch: other_language(engine, state, page, None).is_some(),
    }
}

/// Page `page` of an answer with [`CONTEXT_LINES`] more lines on each side.
pub fn state_context(engine: &Engine, reply: u64, state: &AnswerState, page: usize) -> View {
    let passages = &state.passages;
    let page = page.min(passages.len().saturating_sub(1));
    let original = &passages[page];
    let Ok(wider) = engine.passage_at(
        &original.transcript,
        original.line_start.saturating_sub(CONTEXT_LINES).max(1),
        original.line_end + CONTEXT_LINES,
    ) else {
        return state_page(engine, reply, state, page);
    };
    let embed = embed_in(engine, &wider, &original.matched_terms, state, page);
    let buttons = buttons_of(engine, state, page, true);
    View::embed(embed, answer_buttons(reply, &buttons))
}

/// Whether a language code is English.
fn is_english(language: &str) -> bool {
    language.split('-').next() == Some("en")
}

/// The language `passage` of `state` is shown in: the answer's when its transcript is written
/// or rendered in it (or it is Traditional characters of a Simplified original), else the
/// transcript's own.
pub fn shown_language(engine: &Engine, state: &AnswerState, passage: &Passage) -> String {
    let original = engine.original_language(passage);
    let lang = state.lang.as_str();
    let shown = lang == original
        || passage.translations.contains_key(lang)
        || crate::script::converts(original, lang);
    if shown && !lang.is_empty() {
        lang.to_string()
    } else {
        original.to_string()
    }
}

/// The language the 中文 / English button under page `page` of `state` switches to: English
/// when it is shown in Chinese and the passage has an English rendering (or is English), Chinese
/// when it is shown in English and the passage is Chinese — in Traditional characters for a
/// clicker whose `locale` reads them. None for other languages.
pub fn other_language(
    engine: &Engine,
    state: &AnswerState,
    page: usize,
    locale: Option<&str>,
) -> Option<String> {
    let passage = state.passages.get(page)?;
    let original = engine.original_language(passage);
    let shown = shown_language(engine, state, passage);
    let is_chinese = |code: &str| code.split('-').next() == Some("zh");
    if is_chinese(&shown) {
        let english = is_english(original) || passage.translations.keys().any(|k| is_english(k));
        english.then(|| "en".to_string())
    } else if is_english(&shown) && is_chinese(original) {
        let traditional = locale.is_some_and(crate::script::is_traditional_code);
        Some(if traditional {
            crate::script::TRADITIONAL.to_string()
        } else {
            original.to_string()
        })
    } else {
        None
    }
}

/// What the buttons under one page of an answer depend on.
#[derive(Debug, Clone, Copy)]
pub struct AnswerButtons {
    /// The page shown (0-based).
    pub page: usize,
    /// How many pages the answer has.
    pub pages: usize,
    /// Whether the page is shown with more lines around it.
    pub expanded: bool,
    /// Who sees the answer.
    pub reach: Reach,
    /// Whether the page is shown in English (the labels follow).
    pub english: bool,
    /// Whether the page can be shown in the other language (中文 / English).
    pub switch: bool,
}

/// The buttons under an answer: ◀ ▶ (when there are several results), 展开上下文, 👍, 👎; then
/// 开个讨论串 under a public answer, or 公开发到频道 under a private one, and English (or 中文)
/// when the page can be shown in the other language — labelled in English on an English page.
pub fn answer_buttons(reply: u64, buttons: &AnswerButtons) -> Vec<serenity::CreateActionRow> {
    let AnswerButtons {
        page,
        pages,
        expanded,
        reach,
        english,
        switch,
    } = *buttons;
    let id = |action, page| {
        ButtonId {
            reply,
            action,
            page,
        }
        .encode()
    };
    let mut first = pager(reply, page, pages);
    first.push(
        serenity::CreateButton::new(id(ButtonAction::Context, page))
            .label(if english {
                CONTEXT_LABEL_EN
            } else {
                CONTEXT_LABEL
            })
            .style(serenity::ButtonStyle::Secondary)
            .disabled(expanded),
    );
    first.push(
        serenity::CreateButton::new(id(ButtonAction::Upvote, page))
            .label("👍")
            .style(serenity::ButtonStyle::Secondary),
    );
    first.push(
        serenity::CreateButton::new(id(ButtonAction::Downvote, page))
            .label("👎")
            .style(serenity::ButtonStyle::Secondary),
    );
    let mut second = Vec::new();
    let community = match (reach, english) {
        (Reach::Public, false) => Some((ButtonAction::Thread, THREAD_LABEL)),
        (Reach::Public, true) => Some((ButtonAction::Thread, THREAD_LABEL_EN)),
        (Reach::Private, false) => Some((ButtonAction::Share, SHARE_LABEL)),
        (Reach::Private, true) => Some((ButtonAction::Share, SHARE_LABEL_EN)),
        (Reach::Nested, _) => None,
    };
    if let Some((action, label)) = community {
        second.push(
            serenity::CreateButton::new(id(action, page))
                .label(label)
                .style(serenity::ButtonStyle::Primary),
        );
    }
    if switch {
        // the label names the language the click shows, in that language
        second.push(
            serenity::CreateButton::new(id(ButtonAction::Language, page))
                .label(if english {
                    CHINESE_LABEL
                } else {
                    ENGLISH_LABEL
                })
                .style(serenity::ButtonStyle::Secondary),
        );
    }
    let mut rows = vec![serenity::CreateActionRow::Buttons(first)];
    if !second.is_empty() {
        rows.push(serenity::CreateActionRow::Buttons(second));
    }
    rows
}

/// Label of the button that shows more lines around the passage.
pub const CONTEXT_LABEL: &str = "展开上下文";
/// The same on an English page.
pub const CONTEXT_LABEL_EN: &str = "More context";
/// Label of the button that shows the answer in Chinese.
pub const CHINESE_LABEL: &str = "中文";
/// Label of the button that shows the answer in English.
pub const ENGLISH_LABEL: &str = "English";
/// Label of the button that starts a discussion thread, on an English page.
pub const THREAD_LABEL_EN: &str = "Start a thread";
/// Label of the button that posts a private answer to the channel, on an English page.
pub const SHARE_LABEL_EN: &str = "Post to channel";
/// Label of the button that starts a discussion thread.
pub const THREAD_LABEL: &str = "开个讨论串";
/// Label of the button that posts a private answer to the channel.
pub const SHARE_LABEL: &str = "公开发到频道";

/// ◀ ▶ buttons for page `page` of `pages` (none for a single page).
fn pager(reply: u64, page: usize, pages: usize) -> Vec<serenity::CreateButton> {
    if pages <= 1 {
        return Vec::new();
    }
    let id = |page| {
        ButtonId {
            reply,
            action: ButtonAction::Page,
            page,
        }
        .encode()
    };
    let last = pages - 1;
    // targets differ whenever there are two pages or more, so custom ids stay unique
    let previous = if page == 0 { 0 } else { page - 1 };
    let next = if page >= last { last } else { page + 1 };
    vec![
        serenity::CreateButton::new(id(previous))
            .label("◀")
            .style(serenity::ButtonStyle::Secondary)
            .disabled(page == 0),
        serenity::CreateButton::new(id(next))
            .label("▶")
            .style(serenity::ButtonStyle::Secondary)
            .disabled(page >= last),
    ]
}

fn pager_rows(reply: u64, page: usize, pages: usize) -> Vec<serenity::CreateActionRow> {
    let buttons = pager(reply, page, pages);
    if buttons.is_empty() {
        Vec::new()
    } else {
        vec![serenity::CreateActionRow::Buttons(buttons)]
    }
}

/// Page `page` of pre-rendered pages.
pub fn pages_view(reply: u64, pages: &[EmbedSpec], page: usize) -> View {
    let page = page.min(pages.len().saturating_sub(1));
    let embed = pages.get(page).cloned().unwrap_or_default();
    View::embed(embed, pager_rows(reply, page, pages.len()))
}

/// Stores pages and shows the first.
pub fn paged(replies: &ReplyStore, pages: Vec<EmbedSpec>) -> View {
    if pages.len() <= 1 {
        return View::embed(pages.into_iter().next().unwrap_or_default(), Vec::new());
    }
    let first = pages[0].clone();
    let count = pages.len();
    let reply = replies.insert(ReplyState::Pages(pages));
    View::embed(first, pager_rows(reply, 0, count))
}

/// `/topics`: the outline, paged.
pub fn outline_view(engine: &Engine, replies: &ReplyStore) -> View {
    let outlines = engine.outlines(None).unwrap_or_default();
    paged(replies, render::outline_pages(&outlines))
}

/// `/search`: every line where the keyword occurs, paged.
pub fn search_view(engine: &Engine, replies: &ReplyStore, raw_keyword: &str) -> View {
    let keyword = render::strip_controls(raw_keyword).trim().to_string();
    if !keyword.chars().any(char::is_alphanumeric) {
        return View::text("请输入要搜索的词，例如：/search keyword:Codex".to_string());
    }
    if render::char_count(&keyword) > render::MAX_KEYWORD_CHARS {
        return View::text(format!(
            "关键词太长了（最多 {} 个字）。",
            render::MAX_KEYWORD_CHARS
        ));
    }
    let occurrences = engine.find_occurrences(&keyword, MAX_OCCURRENCES);
    let marks: Vec<_> = occurrences
        .iter()
        .map(|o| engine.highlight_keyword(&o.text, &keyword))
        .collect();
    let titles = |id: &str| transcript_title(engine, id);
    let found = !occurrences.is_empty();
    let mut view = paged(
        replies,
        render::occurrence_pages(&keyword, &occurrences, &marks, &titles),
    );
    view.answered = found;
    view
}

/// `/topic`: the chapter best matching `name`, from its first page.
pub fn topic_view(engine: &Engine, replies: &ReplyStore, name: &str) -> View {
    let wanted = crate::text::normalize(name);
    let matches = engine.find_topics(name, 25);
    let chosen = matches
        .iter()
        .find(|m| crate::text::normalize(&m.topic.title) == wanted)
        .or_else(|| matches.first());
    let Some(found) = chosen else {
        return View::text("没有找到这个章节，用 /topics 看看目录。".to_string());
    };
    let (start, end) = (found.topic.start, found.topic.end);
    let reply = replies.insert(ReplyState::Chapter {
        transcript: found.transcript.clone(),
        start,
        end,
    });
    chapter_page(engine, reply, &found.transcript, start, end, 0)
}

/// Page `page` of a chapter: its range, speakers and [`CHAPTER_PAGE_LINES`] lines.
pub fn chapter_page(
    engine: &Engine,
    reply: u64,
    transcript: &str,
    start: usize,
    end: usize,
    page: usize,
) -> View {
    let lines = end.saturating_sub(start) + 1;
    let pages = lines.div_ceil(CHAPTER_PAGE_LINES).max(1);
    let page = page.min(pages - 1);
    let from = start + page * CHAPTER_PAGE_LINES;
    let to = (from + CHAPTER_PAGE_LINES - 1).min(end);
    let Ok(passage) = engine.passage_at(transcript, from, to) else {
        return View::text(render::EXPIRED_TEXT.to_string());
    };
    let found = engine.transcripts().iter().find(|t| t.id == transcript);
    let speakers = found
        .map(|t| {
            t.speakers_in(start, end)
                .iter()
                .map(|s| s.name.clone())
                .collect::<Vec<_>>()
                .join("、")
        })
        .unwrap_or_default();
    let title = found.map_or_else(|| transcript.to_string(), |t| t.title.clone());
    let footer = if pages > 1 {
        format!("{} · {}/{}", render::plain_text(&title), page + 1, pages)
    } else {
        render::plain_text(&title)
    };
    let embed = EmbedSpec {
        title: render::plain_text(&passage.topic),
        description: render::highlighted(&passage.text, &[], render::EMBED_DESCRIPTION_LIMIT),
        fields: vec![
            ("章节范围".to_string(), render::line_range_text(start, end)),
            (
                "发言人".to_string(),
                if speakers.is_empty() {
                    "—".to_string()
                } else {
                    render::safe_text(&speakers)
                },
            ),
            (
                "本页".to_string(),
                render::line_range_text(passage.line_start, passage.line_end),
            ),
        ],
        footer,
    }
    .fitted();
    View::embed(embed, pager_rows(reply, page, pages))
}

/// `/quote`: a random passage with its topic.
pub fn quote_view(engine: &Engine) -> View {
    if engine.transcripts().is_empty() {
        return View::text("还没有加载任何访谈。".to_string());
    }
    let passage = engine.quote(4, |n| {
        use rand::Rng;
        rand::thread_rng().gen_range(0..n.max(1))
    });
    let title = transcript_title(engine, &passage.transcript);
    let cited = citation::of(engine.transcripts(), &passage);
    View::embed(
        render::passage_embed(&passage, &[], &title, &cited, None, 0, 1),
        Vec::new(),
    )
}

/// `/cite`: exactly the cited passage with its topic and speaker, and the answer buttons; a
/// malformed or out-of-range citation gets a message saying what is wrong.
/// `language` (a code; none: the transcript's own) is the one it is shown in, when its transcript
/// is rendered in it.
pub fn cite_view(
    engine: &Engine,
    replies: &ReplyStore,
    text: &str,
    reach: Reach,
    language: Option<&str>,
) -> View {
    let passage = match citation::resolve(engine, text) {
        Ok(passage) => passage,
        Err(error) => return View::text(safe_error(&error.to_string())),
    };
    let state = AnswerState {
        question: String::new(),
        understood: None,
        passages: vec![passage],
        reach,
        lang: language.unwrap_or_default().to_string(),
    };
    let reply = replies.insert(ReplyState::Answer(state.clone()));
    let mut view = state_page(engine, reply, &state, 0);
    view.turn = Some(ContextTurn {
        question: state.passages[0].topic.clone(),
        shown: Some(shown(&state.passages[0])),
    });
    view
}

/// An error message that may quote user text, made inert.
fn safe_error(text: &str) -> String {
    render::safe_text(text)
}

/// Autocomplete choices for a citation: the typed citation itself when it names a passage, then
/// every chapter as a citation, filtered by what was typed. Name and value fit 100 characters.
pub fn citation_choices(engine: &Engine, partial: &str, limit: usize) -> Vec<(String, String)> {
    let partial = render::strip_controls(partial);
    let partial = partial.trim();
    let mut choices: Vec<(String, String)> = Vec::new();
    if let Ok(passage) = citation::resolve(engine, partial) {
        let cited = citation::of(engine.transcripts(), &passage);
        let first_line: String = passage.text.lines().next().unwrap_or("").to_string();
        choices.push((
            render::truncate_chars(&format!("{cited} · {first_line}"), render::CHOICE_LIMIT),
            cited,
        ));
    }
    let needle = crate::text::normalize(partial);
    for outline in engine.outlines(None).unwrap_or_default() {
        let slug = engine
            .transcripts()
            .iter()
            .find(|t| t.id == outline.transcript)
            .map_or(outline.transcript.clone(), |t| t.slug.clone());
        for topic in &outline.topics {
            let end = topic.end.min(topic.start + citation::MAX_CITED_LINES - 1);
            let cited = citation::format(&slug, topic.start, end);
            let name = format!("{cited} · {}", render::strip_controls(&topic.title));
            let haystack = crate::text::normalize(&name);
            if (needle.is_empty() || haystack.contains(&needle))
                && !choices.iter().any(|(_, v)| *v == cited)
            {
                choices.push((render::truncate_chars(&name, render::CHOICE_LIMIT), cited));
            }
            if choices.len() >= limit {
                return choices;
            }
        }
    }
    choices
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_discord_locale_gives_its_language() {
        assert_eq!(language_of_locale("zh-TW").as_deref(), Some("zh-Hant"));
        assert_eq!(language_of_locale("zh-CN").as_deref(), Some("zh"));
        assert_eq!(language_of_locale("en-GB").as_deref(), Some("en"));
        assert_eq!(language_of_locale("fr"), None);
    }
}
