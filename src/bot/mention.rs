//! Questions asked by @mentioning the bot in a channel, in a DM, by replying to one of the bot's
//! answers or in a discussion thread the bot opened: answered as a reply to the message, with the
//! same answer and buttons as `/ask` and the same per-user cooldown. A reply to an answer is a
//! follow-up of that answer; any other question is a follow-up of the channel's last answer when
//! it leans on it.

use std::time::Instant;

use poise::serenity_prelude as serenity;

use super::render;
use super::replies::Reach;
use super::views;
use super::{cooldown, log_command, note_unanswered, with_engine, Data, Error};
use crate::answer::citation;
use crate::answer::followup::{AskContext, ContextTurn, ShownPassage};
use crate::corpus::Transcript;

/// Answers a message if it is a DM, mentions the bot, replies to one of its answers or is in a
/// thread it opened; ignores everything else.
pub async fn handle_message(
    framework: poise::FrameworkContext<'_, Data, Error>,
    message: &serenity::Message,
) -> Result<(), Error> {
    let bot_id = framework.bot_id();
    if message.author.bot || message.author.id == bot_id {
        return Ok(());
    }
    let data = framework.user_data;
    let channel = message.channel_id.get();
    let is_dm = message.guild_id.is_none();
    let mentioned = message.mentions.iter().any(|user| user.id == bot_id);
    let has_text = !message.content.trim().is_empty();
    let in_bot_thread = data.conversations.is_bot_thread(channel);
    let replied = message
        .referenced_message
        .as_deref()
        .filter(|m| m.author.id == bot_id)
        .and_then(|m| turn_from_answer(m, data.engine.transcripts()));
    if !is_dm && !mentioned && !(has_text && (in_bot_thread || replied.is_some())) {
        return Ok(());
    }
    if cooldown_active(framework, message) {
        // a burst of mentions gets no burst of replies
        tracing::info!(user = %message.author.id, command = "mention", "cooldown");
        return Ok(());
    }
    let started = Instant::now();
    let _guard = data.in_flight.enter();
    let question = render::strip_bot_mention(&message.content, bot_id.get());
    let context = match replied {
        Some(turn) => Some(AskContext { turns: vec![turn] }),
        None => data.conversations.context(channel, message.author.id.get()),
    };
    let reach = if is_dm || in_bot_thread {
        Reach::Nested
    } else {
        Reach::Public
    };
    let replies = data.replies.clone();
    let chosen = data.languages.chosen(message.author.id.get());
    let view = with_engine(&data.engine, move |engine| {
        let reader = views::Reader {
            chosen: chosen.as_deref(),
            locale: None,
        };
        views::ask_view_in(engine, &replies, &question, context, reach, reader)
    })
    .await?;
    // remembered before the reply is sent, so a follow-up right after it finds the context
    if let Some(turn) = view.turn.clone() {
        data.conversations
            .remember(channel, message.author.id.get(), turn);
    }
    message
        .channel_id
        .send_message(framework.serenity_context, view.to_message(message))
        .await?;
    note_unanswered(data, &view).await;
    log_command(message.author.id, "mention", started, view.answered);
    Ok(())
}

/// The turn an answer message stands for, read from its embed: the question field (else the
/// title) and the citation field. Works after a restart, as it needs no stored state.
pub fn turn_from_answer(
    answer: &serenity::Message,
    transcripts: &[Transcript],
) -> Option<ContextTurn> {
    let embed = answer.embeds.first()?;
    let field = |name: &str| {
        embed
            .fields
            .iter()
            .find(|f| crate::text::normalize(&f.name) == crate::text::normalize(name))
            .map(|f| f.value.as_str())
    };
    // an answer shown in English names its fields in English; one in Traditional characters
    // names them in those (the names are compared as normalised, so 問題 is 问题)
    let cited = field(render::CITATION_FIELD).or_else(|| field(render::CITATION_FIELD_EN))?;
    let cited = citation::parse(cited).ok()?;
    let transcript = citation::transcript_of(transcripts, &cited).ok()?;
    let question = match field(render::QUESTION_FIELD).or_else(|| field(render::QUESTION_FIELD_EN))
    {
        Some(value) => render::question_from_field(value),
        None => embed.title.clone().unwrap_or_default(),
    };
    Some(ContextTurn {
        question,
        shown: Some(ShownPassage {
            transcript: transcript.id.clone(),
            line_start: cited.start,
            line_end: cited.end,
        }),
    })
}

/// Whether the author is still in `/ask`'s cooldown; starts it when not.
fn cooldown_active(
    framework: poise::FrameworkContext<'_, Data, Error>,
    message: &serenity::Message,
) -> bool {
    let Some(ask) = framework.options.commands.iter().find(|c| c.name == "ask") else {
        return false;
    };
    let context = poise::CooldownContext {
        user_id: message.author.id,
        guild_id: message.guild_id,
        channel_id: message.channel_id,
    };
    cooldown::claim(ask, context).is_some()
}
