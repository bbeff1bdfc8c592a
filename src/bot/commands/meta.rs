//! `/quote` (a random passage) and `/about` (what the bot knows and how to ask).

use std::time::Instant;

use super::super::render;
use super::super::views::{self, View};
use super::super::{log_command, Context, Error};
use super::compute_and_send;

/// A random passage from the interview, with its topic
#[poise::command(
    slash_command,
    name_localized("zh-CN", "摘录"),
    name_localized("zh-TW", "摘錄"),
    description_localized("zh-CN", "随机摘一段访谈原文及其话题"),
    description_localized("zh-TW", "隨機摘一段訪談原文及其話題")
)]
pub async fn quote(ctx: Context<'_>) -> Result<(), Error> {
    let started = Instant::now();
    let view = compute_and_send(ctx, false, |engine, _| views::quote_view(engine)).await?;
    log_command(ctx.author().id, "quote", started, view.answered);
    Ok(())
}

/// What the bot knows (transcripts, line counts) and how to ask
#[poise::command(
    slash_command,
    name_localized("zh-CN", "关于"),
    name_localized("zh-TW", "關於"),
    description_localized("zh-CN", "机器人知道哪些访谈，以及怎么提问"),
    description_localized("zh-TW", "機器人知道哪些訪談，以及怎麼提問")
)]
pub async fn about(ctx: Context<'_>) -> Result<(), Error> {
    let started = Instant::now();
    let view = compute_and_send(ctx, false, |engine, _| {
        View::embed(render::about_embed(engine.transcripts()), Vec::new())
    })
    .await?;
    log_command(ctx.author().id, "about", started, view.answered);
    Ok(())
}
