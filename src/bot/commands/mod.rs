//! Slash commands, one file per group, collected by [`all`].

mod ask;
pub mod community;
mod meta;
mod search;
mod topics;

use std::time::Duration;

use poise::serenity_prelude as serenity;

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
        community::cite(),
        community::ask_about_message(),
    ]
}

/// Commands that share `/ask`'s per-user cooldown.
const ASKING: [&str; 2] = ["ask", "ask_about_message"];

/// The definitions to register: poise's, with the localised names of context-menu commands
/// (which poise leaves out).
pub fn definitions(commands: &[poise::Command<Data, Error>]) -> Vec<serenity::CreateCommand> {
    let mut definitions = Vec::new();
    for command in commands {
        if let Some(slash) = command.create_as_slash_command() {
            definitions.push(slash);
        }
        if let Some(mut menu) = command.create_as_context_menu_command() {
            for (locale, name) in command.name_localizations.iter() {
                menu = menu.name_localized(locale.as_ref(), name.as_ref());
            }
            definitions.push(menu);
        }
    }
    definitions
}

/// Sets the per-user cooldown of `/ask` (and of asking about a message).
pub fn apply_cooldown(commands: &mut [poise::Command<Data, Error>], per_user: Duration) {
    for command in commands
        .iter_mut()
        .filter(|c| ASKING.contains(&c.name.as_ref()))
    {
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
                if command.context_menu_action.is_some() {
                    // context-menu commands have no description on Discord
                    continue;
                }
                assert!(
                    has_locale(&command.description_localizations, locale),
                    "/{} lacks a {locale} description",
                    command.name
                );
            }
            if command.context_menu_action.is_some() {
                // its one parameter is the message it is used on, not typed by anyone
                continue;
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
    fn the_context_menu_is_registered_with_localised_names() {
        let definitions = serde_json::to_value(definitions(&all())).expect("serialises");
        let menu = definitions
            .as_array()
            .expect("a list")
            .iter()
            .find(|d| d["type"] == 3)
            .expect("a message context-menu command");
        assert_eq!(menu["name"], community::ASK_ABOUT_MESSAGE);
        assert_eq!(menu["name_localizations"]["zh-CN"], "问问访谈");
        assert_eq!(menu["name_localizations"]["zh-TW"], "問問訪談");
    }

    #[test]
    fn cooldown_applies_to_asking_only() {
        let mut commands = all();
        apply_cooldown(&mut commands, Duration::from_secs(7));
        for command in &commands {
            let config = command.cooldown_config.read().unwrap();
            let expected = ASKING
                .contains(&command.name.as_ref())
                .then_some(Duration::from_secs(7));
            assert_eq!(config.user, expected, "/{}", command.name);
        }
    }
}
