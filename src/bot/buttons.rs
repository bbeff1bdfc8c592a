//! Button clicks: paging, expanding context and 👍/👎 votes, resolved from the server-side state
//! named in the button's `custom_id`. Expired state answers "已过期，请重新提问" privately.

use std::time::Instant;

use poise::serenity_prelude as serenity;

use super::feedback::FeedbackEntry;
use super::render;
use super::replies::{ButtonAction, ButtonId, ReplyState};
use super::views::{self, View};
use super::{with_engine, Data, Error};

/// Answers one button click.
pub async fn handle_click(
    ctx: &serenity::Context,
    data: &Data,
    click: &serenity::ComponentInteraction,
) -> Result<(), Error> {
    let Some(button) = ButtonId::decode(&click.data.custom_id) else {
        return Ok(());
    };
    let started = Instant::now();
    let _guard = data.in_flight.enter();
    let Some(state) = data.replies.get(button.reply) else {
        tracing::info!(user = %click.user.id, "button expired");
        return respond_privately(ctx, click, render::EXPIRED_TEXT).await;
    };
    match (button.action, &*state) {
        (
            ButtonAction::Upvote | ButtonAction::Downvote,
            ReplyState::Answer { question, passages },
        ) => {
            let Some(passage) = passages.get(button.page) else {
                return respond_privately(ctx, click, render::EXPIRED_TEXT).await;
            };
            let entry = FeedbackEntry {
                time: serenity::Timestamp::now().to_string(),
                question: question.clone(),
                transcript: passage.transcript.clone(),
                line_start: passage.line_start,
                line_end: passage.line_end,
                vote: if button.action == ButtonAction::Upvote {
                    "up"
                } else {
                    "down"
                },
            };
            let log = data.feedback.clone();
            let written = tokio::task::spawn_blocking(move || log.append(&entry)).await?;
            if let Err(error) = written {
                tracing::warn!("writing feedback failed: {error}");
            }
            tracing::info!(user = %click.user.id, vote = ?button.action, "feedback");
            respond_privately(ctx, click, "谢谢反馈！").await
        }
        _ => {
            let reply = button.reply;
            let page = button.page;
            let action = button.action;
            let state = state.clone();
            let view = with_engine(&data.engine, move |engine| match (action, &*state) {
                (ButtonAction::Page, ReplyState::Answer { passages, .. }) => {
                    views::answer_page(engine, reply, passages, page)
                }
                (ButtonAction::Context, ReplyState::Answer { passages, .. }) => {
                    views::answer_context(engine, reply, passages, page)
                }
                (
                    ButtonAction::Page,
                    ReplyState::Chapter {
                        transcript,
                        start,
                        end,
                    },
                ) => views::chapter_page(engine, reply, transcript, *start, *end, page),
                (ButtonAction::Page, ReplyState::Pages(pages)) => {
                    views::pages_view(reply, pages, page)
                }
                _ => View::text(render::EXPIRED_TEXT.to_string()),
            })
            .await?;
            click
                .create_response(
                    ctx,
                    serenity::CreateInteractionResponse::UpdateMessage(view.to_update()),
                )
                .await?;
            tracing::info!(
                user = %click.user.id,
                action = ?action,
                latency_ms = started.elapsed().as_millis() as u64,
                "button"
            );
            Ok(())
        }
    }
}

async fn respond_privately(
    ctx: &serenity::Context,
    click: &serenity::ComponentInteraction,
    text: &str,
) -> Result<(), Error> {
    let message = serenity::CreateInteractionResponseMessage::new()
        .content(text)
        .ephemeral(true)
        .allowed_mentions(super::no_mentions());
    click
        .create_response(ctx, serenity::CreateInteractionResponse::Message(message))
        .await?;
    Ok(())
}
