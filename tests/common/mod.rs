//! Helpers shared by the integration tests: the fake Discord, the bot process, and the checks a
//! user would make on a reply. Each test file uses a part of them.
#![allow(dead_code)]

pub mod bot_process;
pub mod checks;
pub mod discord_rules;
pub mod fake_discord;
pub mod openapi;
pub mod tls;
