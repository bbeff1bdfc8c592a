//! Community commands: the message context menu "Ask the interview" (a claim made in chat,
//! checked against the passage that bears on it) and `/cite` (a pasted citation opened again).

use std::time::Instant;

use poise::serenity_prelude as serenity;

use super::super::replies::Reach;
use super::super::views::{self, View};
use super::super::with_engine;
use super::super::{cooldown, log_command, no_mentions, note_unanswered, render, Context, Error};
use super::compute_and_send;

/// Most autocomplete choices Discord shows.
const MAX_CHOICES: usize = 25;

/// Name of the message context-menu command (English; localised names are added at registration).
pub const ASK_ABOUT_MESSAGE: &str = "Ask the interview";

/// Check what a message says against the interview: the passage that bears on it
#[poise::command(
    context_menu_command = "Ask the interview",
    name_localized("zh-CN", "问问访谈"),
    name_localized("zh-TW", "問問訪談"),
    name_localized("en-US", "Ask the interview"),
    name_localized("en-GB", "Ask the interview"),
    description_localized("zh-CN", "用这条消息的内容询问访谈"),
    description_localized("zh-TW", "用這條訊息的內容詢問訪談")
)]
pub async fn ask_about_message(
    ctx: Context<'_>,
    #[description = "The message to ask about"] message: serenity::Message,
) -> Result<(), Error> {
    let started = Instant::now();
    if let Some(remaining) = cooldown::claim(ctx.command(), ctx.cooldown_context()) {
        let _guard = ctx.data().in_flight.enter();
        let reply = poise::CreateReply::default()
            .content(render::cooldown_text(remaining.as_secs_f64().ceil() as u64))
            .ephemeral(true)
            .allowed_mentions(no_mentions());
        ctx.send(reply).await?;
        return Ok(());
    }
    let bot_id = ctx.framework().bot_id().get();
    let text = render::strip_bot_mention(&message.content, bot_id);
    let question = claim_question(&text);
    let locale = ctx.locale().map(str::to_string);
    let chosen = ctx.data().languages.chosen(ctx.author().id.get());
    let view = compute_and_send(ctx, true, move |engine, replies| match question {
        Some(question) => views::answer_view(
            engine,
            replies,
            question,
            None,
            Reach::Private,
            views::Reader {
                chosen: chosen.as_deref(),
                locale: locale.as_deref(),
            },
        ),
        None => View::text(NOT_TEXT.to_string()),
    })
    .await?;
    note_unanswered(ctx.data(), &view).await;
    log_command(ctx.author().id, "ask_about_message", started, view.answered);
    Ok(())
}

/// Reply when the message has no text to ask about.
pub const NOT_TEXT: &str =
    "这条消息没有可以拿来提问的文字（也许只有图片、附件或嵌入内容）。请对一条写着观点或问题的文字消息使用“问问访谈”。";

/// The question a message's text makes: cleaned and cut to the question cap by characters (a
/// long claim is still worth checking), or none when it has no text.
pub fn claim_question(text: &str) -> Option<String> {
    let stripped = render::strip_controls(text);
    let collapsed = stripped.split_whitespace().collect::<Vec<_>>().join(" ");
    if !collapsed.chars().any(char::is_alphanumeric) {
        return None;
    }
    Some(collapsed.chars().take(render::MAX_QUESTION_CHARS).collect())
}

/// Open a cited passage again, e.g. openai-podcast-ep2#L150-156
#[poise::command(
    slash_command,
    name_localized("zh-CN", "引用"),
    name_localized("zh-TW", "引用"),
    description_localized("zh-CN", "重新打开一段引用的原文，例如 openai-podcast-ep2#L150-156"),
    description_localized("zh-TW", "重新打開一段引用的原文，例如 openai-podcast-ep2#L150-156")
)]
pub async fn cite(
    ctx: Context<'_>,
    #[description = "Citation such as openai-podcast-ep2#L150-156"]
    #[name_localized("zh-CN", "引用")]
    #[name_localized("zh-TW", "引用")]
    #[description_localized("zh-CN", "引用，例如 openai-podcast-ep2#L150-156")]
    #[description_localized("zh-TW", "引用，例如 openai-podcast-ep2#L150-156")]
    #[max_length = 100]
    #[autocomplete = "autocomplete_citation"]
    citation: String,
    #[description = "Show it in this language (default: the interview's own)"]
    #[name_localized("zh-CN", "语言")]
    #[name_localized("zh-TW", "語言")]
    #[description_localized("zh-CN", "用这种语言显示（默认：访谈原文的语言）")]
    #[description_localized("zh-TW", "用這種語言顯示（預設：訪談原文的語言）")]
    language: Option<CiteLanguage>,
) -> Result<(), Error> {
    let started = Instant::now();
    let reach = if ctx.guild_id().is_none()
        || ctx
            .data()
            .conversations
            .is_bot_thread(ctx.channel_id().get())
    {
        Reach::Nested
    } else {
        Reach::Public
    };
    // remembered before the reply is sent, so a follow-up right after it finds the context
    let (conversations, channel) = (ctx.data().conversations.clone(), ctx.channel_id().get());
    let member = ctx.author().id.get();
    let view = compute_and_send(ctx, false, move |engine, replies| {
        let language = language.map(CiteLanguage::code);
        let view = views::cite_view(engine, replies, &citation, reach, language);
        if let Some(turn) = view.turn.clone() {
            conversations.remember(channel, member, turn);
        }
        view
    })
    .await?;
    log_command(ctx.author().id, "cite", started, view.answered);
    Ok(())
}

/// The languages `/cite` can show a passage in.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum CiteLanguage {
    /// Chinese in Simplified characters.
    #[name = "中文（简体）"]
    Simplified,
    /// Chinese in Traditional characters.
    #[name = "中文（繁體）"]
    Traditional,
    /// English.
    #[name = "English"]
    English,
}

impl CiteLanguage {
    /// Its language code.
    pub fn code(self) -> &'static str {
        match self {
            CiteLanguage::Simplified => "zh",
            CiteLanguage::Traditional => crate::script::TRADITIONAL,
            CiteLanguage::English => "en",
        }
    }
}

/// Citations matching what was typed: the typed one when valid, then chapters, from memory.
async fn autocomplete_citation(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let partial = partial.to_string();
    let choices = with_engine(&ctx.data().engine, move |engine| {
        views::citation_choices(engine, &partial, MAX_CHOICES)
            .into_iter()
            .map(|(name, value)| serenity::AutocompleteChoice::new(name, value))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_without_text_makes_no_question() {
        for text in ["", "  ", "\u{200B}", "😀", "？！"] {
            assert_eq!(claim_question(text), None, "{text:?}");
        }
    }

    #[test]
    fn a_long_claim_is_cut_by_characters() {
        let question = claim_question(&"差点就不发布了".repeat(100)).expect("text");
        assert_eq!(question.chars().count(), render::MAX_QUESTION_CHARS);
    }
}
