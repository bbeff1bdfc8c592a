//! Questions asked by @mentioning the bot in a channel, or in a DM: answered as a reply to the
//! message, with the same answer and buttons as `/ask` and the same per-user cooldown.

use std::time::Instant;

use poise::serenity_prelude as serenity;

use super::render;
use super::views;
use super::{cooldown, log_command, with_engine, Data, Error};

/// Answers a message if it is a DM or mentions the bot; ignores everything else.
pub async fn handle_message(
    framework: poise::FrameworkContext<'_, Data, Error>,
    message: &serenity::Message,
) -> Result<(), Error> {
    let bot_id = framework.bot_id();
    if message.author.bot || message.author.id == bot_id {
        return Ok(());
    }
    let is_dm = message.guild_id.is_none();
    let mentioned = message.mentions.iter().any(|user| user.id == bot_id);
    if !is_dm && !mentioned {
        return Ok(());
    }
    if cooldown_active(framework, message) {
        // a burst of mentions gets no burst of replies
        tracing::info!(user = %message.author.id, command = "mention", "cooldown");
        return Ok(());
    }
    let started = Instant::now();
    let data = framework.user_data;
    let _guard = data.in_flight.enter();
    let question = render::strip_bot_mention(&message.content, bot_id.get());
    let replies = data.replies.clone();
    let view = with_engine(&data.engine, move |engine| {
        views::ask_view(engine, &replies, &question)
    })
    .await?;
    message
        .channel_id
        .send_message(framework.serenity_context, view.to_message(message))
        .await?;
    log_command(message.author.id, "mention", started, view.answered);
    Ok(())
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
