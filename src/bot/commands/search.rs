//! `/search`: every line where a keyword occurs, with line numbers, paged.

use std::time::Instant;

use super::super::{log_command, views, Context, Error};
use super::compute_and_send;

/// Find every place a word occurs, with line numbers
#[poise::command(
    slash_command,
    name_localized("zh-CN", "搜索"),
    name_localized("zh-TW", "搜尋"),
    description_localized("zh-CN", "查找某个词出现的所有位置和行号"),
    description_localized("zh-TW", "查找某個詞出現的所有位置和行號")
)]
pub async fn search(
    ctx: Context<'_>,
    #[description = "Word or phrase to find"]
    #[name_localized("zh-CN", "关键词")]
    #[name_localized("zh-TW", "關鍵詞")]
    #[description_localized("zh-CN", "要查找的词或短语")]
    #[description_localized("zh-TW", "要查找的詞或短語")]
    #[max_length = 100]
    keyword: String,
) -> Result<(), Error> {
    let started = Instant::now();
    let view = compute_and_send(ctx, false, move |engine, replies| {
        views::search_view(engine, replies, &keyword)
    })
    .await?;
    log_command(ctx.author().id, "search", started, view.answered);
    Ok(())
}
