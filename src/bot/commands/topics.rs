//! `/topics` (the outline) and `/topic` (one chapter, with autocomplete on chapter titles).

use std::time::Instant;

use poise::serenity_prelude as serenity;

use super::super::render;
use super::super::{log_command, views, with_engine, Context, Error};
use super::compute_and_send;

/// Most autocomplete choices Discord shows.
const MAX_CHOICES: usize = 25;

/// Show the outline: every chapter with its line range
#[poise::command(
    slash_command,
    name_localized("zh-CN", "目录"),
    name_localized("zh-TW", "目錄"),
    description_localized("zh-CN", "查看目录：每一章及其行号范围"),
    description_localized("zh-TW", "查看目錄：每一章及其行號範圍")
)]
pub async fn topics(ctx: Context<'_>) -> Result<(), Error> {
    let started = Instant::now();
    let view = compute_and_send(ctx, false, views::outline_view).await?;
    log_command(ctx.author().id, "topics", started, view.answered);
    Ok(())
}

/// Read one chapter: its range, speakers and opening passage
#[poise::command(
    slash_command,
    name_localized("zh-CN", "章节"),
    name_localized("zh-TW", "章節"),
    description_localized("zh-CN", "阅读某一章：范围、发言人和开头段落"),
    description_localized("zh-TW", "閱讀某一章：範圍、發言人和開頭段落")
)]
pub async fn topic(
    ctx: Context<'_>,
    #[description = "Chapter title (type part of it)"]
    #[name_localized("zh-CN", "名称")]
    #[name_localized("zh-TW", "名稱")]
    #[description_localized("zh-CN", "章节标题（输入一部分即可）")]
    #[description_localized("zh-TW", "章節標題（輸入一部分即可）")]
    #[max_length = 100]
    #[autocomplete = "autocomplete_topic"]
    name: String,
) -> Result<(), Error> {
    let started = Instant::now();
    let view = compute_and_send(ctx, false, move |engine, replies| {
        views::topic_view(engine, replies, &name)
    })
    .await?;
    log_command(ctx.author().id, "topic", started, view.answered);
    Ok(())
}

/// Chapter titles containing what was typed (Simplified or Traditional), from memory.
async fn autocomplete_topic(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let partial = render::strip_controls(partial);
    let choices = with_engine(&ctx.data().engine, move |engine| {
        engine
            .find_topics(partial.trim(), MAX_CHOICES)
            .into_iter()
            .map(|m| {
                serenity::AutocompleteChoice::new(
                    render::topic_choice_name(&m.topic.title, m.topic.start, m.topic.end),
                    render::truncate_chars(&m.topic.title, render::CHOICE_LIMIT),
                )
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}
