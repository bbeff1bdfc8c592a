//! Button clicks: paging, expanding context, 👍/👎 votes, starting a discussion thread,
//! posting a private answer to the channel and showing an answer in the other language, resolved from the server-side state named in the
//! button's `custom_id`. Expired state answers "已过期，请重新提问" privately.

use std::time::Instant;

use poise::serenity_prelude as serenity;

use super::feedback::FeedbackEntry;
use super::render;
use super::replies::{AnswerState, ButtonAction, ButtonId, Reach, ReplyState};
use super::views::{self, View};
use super::{respond_privately, with_engine, Data, Error};
use crate::answer::followup::ContextTurn;

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
        (ButtonAction::Upvote | ButtonAction::Downvote, ReplyState::Answer(answer)) => {
            let Some(passage) = answer.passages.get(button.page) else {
                return respond_privately(ctx, click, render::EXPIRED_TEXT).await;
            };
            let entry = FeedbackEntry {
                time: serenity::Timestamp::now().to_string(),
                question: answer.question.clone(),
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
        (ButtonAction::Thread, ReplyState::Answer(answer)) => {
            let answer = answer.clone();
            super::threads::open_discussion(ctx, data, click, &answer, button.page).await
        }
        (ButtonAction::Share, ReplyState::Answer(answer)) => {
            let answer = answer.clone();
            share(ctx, data, click, answer, button.page).await
        }
        (ButtonAction::Language, ReplyState::Answer(answer)) => {
            let answer = answer.clone();
            switch_language(ctx, data, click, answer, button.page).await
        }
        _ => {
            let reply = button.reply;
            let page = button.page;
            let action = button.action;
            let state = state.clone();
            let view = with_engine(&data.engine, move |engine| match (action, &*state) {
                (ButtonAction::Page, ReplyState::Answer(answer)) => {
                    views::state_page(engine, reply, answer, page)
                }
                (ButtonAction::Context, ReplyState::Answer(answer)) => {
                    views::state_context(engine, reply, answer, page)
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

/// Shows page `page` of an answer in the other language (中文 / English) to whoever clicked:
/// a private copy of a public answer (the public message stays as it is), or a private answer
/// changed in place; the clicker's choice is remembered for their next answers.
async fn switch_language(
    ctx: &serenity::Context,
    data: &Data,
    click: &serenity::ComponentInteraction,
    answer: AnswerState,
    page: usize,
) -> Result<(), Error> {
    let locale = click.locale.clone();
    let replies = data.replies.clone();
    let private = answer.reach == Reach::Private;
    let switched = with_engine(&data.engine, move |engine| {
        let language = views::other_language(engine, &answer, page, Some(&locale))?;
        let state = AnswerState {
            lang: language.clone(),
            reach: Reach::Private,
            ..answer
        };
        let reply = replies.insert(ReplyState::Answer(state.clone()));
        Some((language, views::state_page(engine, reply, &state, page)))
    })
    .await?;
    let Some((language, view)) = switched else {
        return respond_privately(ctx, click, render::EXPIRED_TEXT).await;
    };
    data.languages.choose(click.user.id.get(), &language);
    let response = if private {
        serenity::CreateInteractionResponse::UpdateMessage(view.to_update())
    } else {
        serenity::CreateInteractionResponse::Message(view.to_update().ephemeral(true))
    };
    click.create_response(ctx, response).await?;
    tracing::info!(user = %click.user.id, language = %language, "language");
    Ok(())
}

/// Posts page `page` of a private answer to the channel, as a public answer with its own buttons,
/// and remembers it as the channel's last answer.
async fn share(
    ctx: &serenity::Context,
    data: &Data,
    click: &serenity::ComponentInteraction,
    answer: AnswerState,
    page: usize,
) -> Result<(), Error> {
    let page = page.min(answer.passages.len().saturating_sub(1));
    let Some(passage) = answer.passages.get(page).cloned() else {
        return respond_privately(ctx, click, render::EXPIRED_TEXT).await;
    };
    let reach = if click.guild_id.is_some() {
        Reach::Public
    } else {
        Reach::Nested
    };
    let public = AnswerState {
        passages: vec![passage.clone()],
        reach,
        ..answer
    };
    let replies = data.replies.clone();
    let state = public.clone();
    let view = with_engine(&data.engine, move |engine| {
        let reply = replies.insert(ReplyState::Answer(state.clone()));
        views::state_page(engine, reply, &state, 0)
    })
    .await?;
    let mut message = view.to_update();
    message = message.ephemeral(false);
    // remembered before the post is sent, so a follow-up right after it finds the context
    data.conversations.remember(
        click.channel_id.get(),
        click.user.id.get(),
        ContextTurn {
            question: public
                .understood
                .clone()
                .unwrap_or_else(|| public.question.clone()),
            shown: Some(views::shown(&passage)),
        },
    );
    click
        .create_response(ctx, serenity::CreateInteractionResponse::Message(message))
        .await?;
    tracing::info!(user = %click.user.id, "shared");
    Ok(())
}
