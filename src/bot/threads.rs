//! Discussion threads: the "开个讨论串" button opens a public thread from an answer message, named
//! after the question, whose first message cites the passage; questions asked in it are follow-ups
//! of that answer. Without the permission the clicker is told so privately.

use poise::serenity_prelude as serenity;

use super::render;
use super::replies::AnswerState;
use super::{no_mentions, respond_privately, views, Data, Error};
use crate::answer::citation;
use crate::answer::followup::ContextTurn;

/// Discord's error code for "Missing Permissions".
const MISSING_PERMISSIONS: isize = 50_013;
/// Discord's error code for "Missing Access".
const MISSING_ACCESS: isize = 50_001;
/// Discord's error code for "A thread has already been created for this message".
const THREAD_EXISTS: isize = 160_004;

/// Reply when the bot may not create a public thread in the channel.
pub const NO_PERMISSION_TEXT: &str = "我在这个频道没有开讨论串的权限：需要“创建公开子区”（Create Public Threads）和“在子区中发送消息”（Send Messages in Threads）。请管理员在频道权限里为我开启，或用 README 里的邀请链接重新邀请我。";
/// Reply when the answer already has a thread.
pub const THREAD_EXISTS_TEXT: &str = "这条回答已经开过讨论串了，请在那个讨论串里继续。";
/// Reply when a thread is asked for where there can be none (DMs, private answers).
pub const NOT_HERE_TEXT: &str = "这里开不了讨论串：只有频道里公开的回答可以开讨论串。";

/// Opens a discussion thread from the answer message the button is on.
pub async fn open_discussion(
    ctx: &serenity::Context,
    data: &Data,
    click: &serenity::ComponentInteraction,
    answer: &AnswerState,
    page: usize,
) -> Result<(), Error> {
    let ephemeral = click
        .message
        .flags
        .is_some_and(|f| f.contains(serenity::MessageFlags::EPHEMERAL));
    if click.guild_id.is_none() || ephemeral {
        return respond_privately(ctx, click, NOT_HERE_TEXT).await;
    }
    let page = page.min(answer.passages.len().saturating_sub(1));
    let Some(passage) = answer.passages.get(page) else {
        return respond_privately(ctx, click, render::EXPIRED_TEXT).await;
    };
    let name = render::thread_name(&answer.question, &passage.topic);
    let builder = serenity::CreateThread::new(name)
        .auto_archive_duration(serenity::AutoArchiveDuration::OneDay);
    let thread = match click
        .channel_id
        .create_thread_from_message(ctx, click.message.id, builder)
        .await
    {
        Ok(thread) => thread,
        Err(error) => {
            tracing::info!(user = %click.user.id, "opening a thread failed: {error}");
            return respond_privately(ctx, click, failure_text(&error)).await;
        }
    };
    // the thread's context is there before anything is posted in it
    data.conversations.open_thread(
        thread.id.get(),
        ContextTurn {
            question: answer
                .understood
                .clone()
                .unwrap_or_else(|| answer.question.clone()),
            shown: Some(views::shown(passage)),
        },
    );
    let cited = citation::of(data.engine.transcripts(), passage);
    let intro = serenity::CreateMessage::new()
        .content(render::thread_intro(&answer.question, &cited, passage))
        .allowed_mentions(no_mentions());
    if let Err(error) = thread.id.send_message(ctx, intro).await {
        tracing::warn!("posting the first message of a thread failed: {error}");
    }
    tracing::info!(user = %click.user.id, thread = %thread.id, "thread opened");
    respond_privately(ctx, click, &format!("讨论串已开好：<#{}>", thread.id)).await
}

/// What to tell the clicker when Discord refused the thread.
fn failure_text(error: &serenity::Error) -> &'static str {
    match error {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => {
            match response.error.code {
                MISSING_PERMISSIONS | MISSING_ACCESS => NO_PERMISSION_TEXT,
                THREAD_EXISTS => THREAD_EXISTS_TEXT,
                _ if response.status_code.as_u16() == 403 => NO_PERMISSION_TEXT,
                _ => "开讨论串失败了，请稍后再试。",
            }
        }
        _ => "开讨论串失败了，请稍后再试。",
    }
}
