//! Slash commands, one file per group, collected by [`all`].

mod ask;
mod meta;
mod search;
mod topics;

use std::time::Duration;

use super::replies::ReplyStore;
use super::views::View;
use super::{Context, Data, Error};
use crate::answer::Engine;

/// Every command the bot registers.
pub fn all() -> Vec<poise::Command<Data, Error>> {
    vec![
        ask::ask(),
        topics::topics(),
        topics::topic(),
        search::search(),
        meta::quote(),
        meta::about(),
    ]
}

/// Sets the per-user cooldown of `/ask`.
pub fn apply_cooldown(commands: &mut [poise::Command<Data, Error>], per_user: Duration) {
    for command in commands.iter_mut().filter(|c| c.name == "ask") {
        let mut config = command
            .cooldown_config
            .write()
            .unwrap_or_else(|e| e.into_inner());
        *config = poise::CooldownConfig {
            user: (!per_user.is_zero()).then_some(per_user),
            ..Default::default()
        };
    }
}

/// Computes a reply on the engine (off the async threads) and sends it; defers first when the
/// engine takes longer than the configured `defer_after_ms` (Discord allows 3 s).
async fn compute_and_send<F>(ctx: Context<'_>, ephemeral: bool, job: F) -> Result<View, Error>
where
    F: FnOnce(&Engine, &ReplyStore) -> View + Send + 'static,
{
    let _guard = ctx.data().in_flight.enter();
    let engine = ctx.data().engine.clone();
    let replies = ctx.data().replies.clone();
    let defer_after = Duration::from_millis(ctx.data().config.discord.defer_after_ms);
    let mut task = tokio::task::spawn_blocking(move || job(&engine, &replies));
    // 0 defers every reply, without racing the engine
    let in_time = if defer_after.is_zero() {
        None
    } else {
        tokio::time::timeout(defer_after, &mut task).await.ok()
    };
    let view = match in_time {
        Some(result) => result?,
        None => {
            if ephemeral {
                ctx.defer_ephemeral().await?;
            } else {
                ctx.defer().await?;
            }
            task.await?
        }
    };
    ctx.send(view.to_reply(ephemeral)).await?;
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_locale(
        localizations: &[(std::borrow::Cow<str>, std::borrow::Cow<str>)],
        locale: &str,
    ) -> bool {
        localizations
            .iter()
            .any(|(l, text)| l == locale && !text.is_empty())
    }

    #[test]
    fn every_command_is_described_and_localised() {
        for command in all() {
            let description = command.description.clone().unwrap_or_default();
            assert!(
                !description.is_empty() && description.chars().count() <= 100,
                "/{}: {description:?}",
                command.name
            );
            for locale in ["zh-CN", "zh-TW"] {
                assert!(
                    has_locale(&command.name_localizations, locale),
                    "/{} lacks a {locale} name",
                    command.name
                );
                assert!(
                    has_locale(&command.description_localizations, locale),
                    "/{} lacks a {locale} description",
                    command.name
                );
            }
            for parameter in &command.parameters {
                assert!(
                    parameter.description.is_some(),
                    "/{} {} lacks a description",
                    command.name,
                    parameter.name
                );
                assert!(
                    has_locale(&parameter.name_localizations, "zh-CN"),
                    "/{} {} lacks a zh-CN name",
                    command.name,
                    parameter.name
                );
            }
        }
    }

    #[test]
    fn cooldown_applies_to_ask_only() {
        let mut commands = all();
        apply_cooldown(&mut commands, Duration::from_secs(7));
        for command in &commands {
            let config = command.cooldown_config.read().unwrap();
            let expected = (command.name == "ask").then_some(Duration::from_secs(7));
            assert_eq!(config.user, expected, "/{}", command.name);
        }
    }
}
