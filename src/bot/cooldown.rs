//! The per-user cooldown of `/ask` (and of @mentions, which share it), checked and started in one
//! step so that a burst of questions from one user cannot slip several through at once.
//!
//! poise's own cooldown checks before running a command and starts the timer later, after
//! argument parsing; concurrent invocations from one user can all pass the check in between.
//! The framework therefore runs with `manual_cooldowns`, and commands call [`claim`].

use std::time::Duration;

use super::{Data, Error};

/// Checks the cooldown of `command` for `context` and, when none is running, starts it, under one
/// lock. Returns the time left when the user must wait.
pub fn claim(
    command: &poise::Command<Data, Error>,
    context: poise::CooldownContext,
) -> Option<Duration> {
    let config = command
        .cooldown_config
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let mut tracker = command.cooldowns.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(remaining) = tracker.remaining_cooldown(context.clone(), &config) {
        return Some(remaining);
    }
    tracker.start_cooldown(context);
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use poise::serenity_prelude as serenity;

    fn context(user: u64) -> poise::CooldownContext {
        poise::CooldownContext {
            user_id: serenity::UserId::new(user),
            guild_id: None,
            channel_id: serenity::ChannelId::new(1),
        }
    }

    #[test]
    fn only_the_first_claim_in_a_burst_passes() {
        let mut commands = super::super::commands::all();
        super::super::commands::apply_cooldown(&mut commands, Duration::from_secs(60));
        let ask = commands.iter().find(|c| c.name == "ask").expect("/ask");
        assert_eq!(claim(ask, context(1)), None, "first question");
        for _ in 0..5 {
            let left = claim(ask, context(1)).expect("still cooling down");
            assert!(left <= Duration::from_secs(60), "{left:?}");
        }
        assert_eq!(claim(ask, context(2)), None, "another user is not affected");
    }

    #[test]
    fn no_cooldown_configured_never_blocks() {
        let mut commands = super::super::commands::all();
        super::super::commands::apply_cooldown(&mut commands, Duration::ZERO);
        let ask = commands.iter().find(|c| c.name == "ask").expect("/ask");
        for _ in 0..3 {
            assert_eq!(claim(ask, context(1)), None);
        }
    }
}
