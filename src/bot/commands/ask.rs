//! `/ask`: a question answered with the passage, its lines, speaker and topic — a follow-up when
//! the channel (or thread) had an answer in the last 15 minutes.

use std::time::Instant;

use super::super::render::{self, MAX_QUESTION_CHARS};
use super::super::replies::Reach;
use super::super::{cooldown, log_command, no_mentions, note_unanswered, views, Context, Error};
use super::compute_and_send;

// the option's `max_length` below must match the server-side cap
const _: () = assert!(MAX_QUESTION_CHARS == 300);

/// Ask about the interview: get the passage that answers, with its lines, speaker and topic
#[poise::command(
    slash_command,
    name_localized("zh-CN", "提问"),
    name_localized("zh-TW", "提問"),
    description_localized("zh-CN", "询问访谈内容：给出回答问题的原文段落、行号、发言人和话题"),
    description_localized("zh-TW", "詢問訪談內容：給出回答問題的原文段落、行號、發言人和話題")
)]
pub async fn ask(
    ctx: Context<'_>,
    #[description = "Your question, e.g. ChatGPT最初叫什么？"]
    #[name_localized("zh-CN", "问题")]
    #[name_localized("zh-TW", "問題")]
    #[description_localized("zh-CN", "你的问题，例如：ChatGPT最初叫什么？")]
    #[description_localized("zh-TW", "你的問題，例如：ChatGPT最初叫什麼？")]
    #[max_length = 300]
    question: String,
    #[description = "Only you see the answer"]
    #[name_localized("zh-CN", "私密")]
    #[name_localized("zh-TW", "私密")]
    #[description_localized("zh-CN", "只有你能看到回答")]
    #[description_localized("zh-TW", "只有你能看到回答")]
    private: Option<bool>,
) -> Result<(), Error> {
    let started = Instant::now();
    if let Some(remaining) = cooldown::claim(ctx.command(), ctx.cooldown_context()) {
        let _guard = ctx.data().in_flight.enter();
        tracing::info!(user = %ctx.author().id, command = "ask", "cooldown");
        let reply = poise::CreateReply::default()
            .content(render::cooldown_text(remaining.as_secs_f64().ceil() as u64))
            .ephemeral(true)
            .allowed_mentions(no_mentions());
        ctx.send(reply).await?;
        return Ok(());
    }
    let ephemeral = private.unwrap_or(ctx.data().config.discord.default_private);
    let channel = ctx.channel_id().get();
    let conversations = &ctx.data().conversations;
    let member = ctx.author().id.get();
    // the language the asker chose wins; their Discord locale decides when the question does not
    let locale = ctx.locale().map(str::to_string);
    let chosen = ctx.data().languages.chosen(member);
    let context = conversations.context(channel, member);
    let reach = if ephemeral {
        Reach::Private
    } else if ctx.guild_id().is_none() || conversations.is_bot_thread(channel) {
        Reach::Nested
    } else {
        Reach::Public
    };
    // the member's context holds the answer before the reply is sent, so their follow-up that
    // comes right after the reply finds it
    let remembered = conversations.clone();
    let view = compute_and_send(ctx, ephemeral, move |engine, replies| {
        let view = views::ask_view_in(
            engine,
            replies,
            &question,
            context,
            reach,
            views::Reader {
                chosen: chosen.as_deref(),
                locale: locale.as_deref(),
            },
        );
        if let Some(turn) = view.turn.clone().filter(|_| !ephemeral) {
            remembered.remember(channel, member, turn);
        }
        view
    })
    .await?;
    note_unanswered(ctx.data(), &view).await;
    log_command(ctx.author().id, "ask", started, view.answered);
    Ok(())
}
