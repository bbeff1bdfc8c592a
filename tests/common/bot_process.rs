//! The real `interview-bot serve` binary as a child process, configured in a temp dir and sent
//! to a fake Discord through its one test-only setting (`INTERVIEW_BOT_TEST_ONLY_DISCORD`);
//! killed when dropped, its log printed when a test fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use super::fake_discord::{GUILD_ID, WAIT};

/// The bot's one test-only setting: where `discord.com` is, and the authority to trust for it.
pub const TEST_DISCORD_VARIABLE: &str = "INTERVIEW_BOT_TEST_ONLY_DISCORD";

/// The bot's settings in a test.
#[derive(Debug, Clone)]
pub struct BotSetup {
    /// Seconds between two `/ask` of one user.
    pub cooldown_seconds: u64,
    /// Replies whose button state is kept.
    pub button_cache_capacity: usize,
    /// Extra lines for the `[discord]` table (`shard_range = …`, `autoshard = false`).
    pub discord_extra: String,
    /// Where the transcripts are.
    pub data_dir: PathBuf,
    /// Where the index goes (default: `index/` in the test's dir).
    pub index_dir: Option<PathBuf>,
    /// `RUST_LOG`.
    pub log_filter: String,
    /// Milliseconds before a command defers its reply (0: always defer).
    pub defer_after_ms: u64,
}

impl Default for BotSetup {
    fn default() -> Self {
        BotSetup {
            cooldown_seconds: 60,
            button_cache_capacity: 10_000,
            discord_extra: String::new(),
            data_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("data"),
            index_dir: None,
            log_filter: "warn,interview_bot=info".to_string(),
            defer_after_ms: 1_500,
        }
    }
}

/// The bot process.
pub struct Bot {
    pub child: Child,
    log: PathBuf,
}

impl Bot {
    /// Starts the bot with the default setup.
    pub fn start(dir: &Path, endpoint: &str, token: Option<&str>) -> Bot {
        Bot::start_with(dir, endpoint, token, &BotSetup::default())
    }

    /// Starts the bot against the fake Discord at `endpoint` ([`FakeDiscord::endpoint`]), with
    /// its config, log and state files in `dir`.
    ///
    /// [`FakeDiscord::endpoint`]: super::fake_discord::FakeDiscord::endpoint
    pub fn start_with(dir: &Path, endpoint: &str, token: Option<&str>, setup: &BotSetup) -> Bot {
        let index = setup.index_dir.clone().unwrap_or_else(|| dir.join("index"));
        let config = format!(
            r#"data_dir = {data:?}
index_dir = {index:?}

# the bot's tests are about Discord; answering by meaning is tested in process
[semantic]
enabled = false

[discord]
guild_id = {GUILD_ID}
cooldown_seconds = {cooldown}
button_cache_capacity = {capacity}
default_private = false
feedback_log = {feedback:?}
registration_state = {state:?}
defer_after_ms = {defer}
{extra}
"#,
            data = setup.data_dir.display().to_string(),
            index = index.display().to_string(),
            cooldown = setup.cooldown_seconds,
            capacity = setup.button_cache_capacity,
            feedback = dir.join("feedback.log").display().to_string(),
            state = dir.join("registered.hash").display().to_string(),
            defer = setup.defer_after_ms,
            extra = setup.discord_extra,
        );
        let config_path = dir.join("bot.toml");
        std::fs::write(&config_path, config).expect("write config");
        let log = dir.join("bot.log");
        let log_file = std::fs::File::create(&log).expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_interview-bot"));
        command
            .arg("--config")
            .arg(&config_path)
            .arg("serve")
            .current_dir(dir)
            .env("RUST_LOG", &setup.log_filter)
            .env(TEST_DISCORD_VARIABLE, endpoint)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file);
        loopback_only(&mut command);
        match token {
            Some(token) => command.env("DISCORD_TOKEN", token),
            None => command.env_remove("DISCORD_TOKEN"),
        };
        Bot {
            child: command.spawn().expect("start the bot"),
            log,
        }
    }

    /// Everything the bot logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (at most [`WAIT`]) until the log satisfies `done`.
    pub async fn wait_log(&self, what: &str, done: impl Fn(&str) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !done(&self.log()) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what} in the log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (at most [`WAIT`]) for the process to exit.
    pub async fn wait_exit(&mut self) -> ExitStatus {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the bot") {
                return status;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the bot did not exit; log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().expect("poll the bot").is_none()
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "SIGTERM sent");
    }

    /// Resident memory in KiB (Linux), from /proc.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("---- bot log ----\n{}", self.log());
        }
    }
}

/// Keeps a child process on loopback: no HTTP proxy, even if the environment names one.
pub fn loopback_only(command: &mut Command) {
    command
        .env("NO_PROXY", "127.0.0.1")
        .env("no_proxy", "127.0.0.1")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy");
}
