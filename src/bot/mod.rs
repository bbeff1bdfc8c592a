//! The Discord bot: poise on serenity. Owns the connection (token, REST client and timeouts, the
//! start-up login check, intents, shards), the shared [`Data`], the event handler for @mentions,
//! DMs and buttons, error replies, command registration and graceful shutdown. The answering
//! itself stays in the synchronous engine.

pub mod buttons;
pub mod cache;
pub mod commands;
pub mod conversations;
pub mod cooldown;
pub mod feedback;
pub mod inflight;
pub mod languages;
pub mod mention;
pub mod registration;
pub mod render;
pub mod replies;
pub mod threads;
pub mod views;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};
use poise::serenity_prelude as serenity;

use crate::answer::Engine;
use crate::config::Config;
use conversations::Conversations;
use feedback::FeedbackLog;
use inflight::InFlight;
use replies::ReplyStore;

/// Error type of commands and handlers.
pub type Error = anyhow::Error;
/// Context handed to every command.
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// Environment variable holding the bot token.
pub const TOKEN_VARIABLE: &str = "DISCORD_TOKEN";
/// Longest wait for one REST call to Discord. serenity sets none, so a request Discord never
/// answers would hold its command forever; interaction replies are due within 3 s anyway.
pub const REST_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest wait for a TCP/TLS connection to Discord's API.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long shutdown waits for replies already being made.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// Below this many logins left today, start-up warns (Discord resets the token at 1,000 a day).
const LOW_LOGINS: u64 = 100;

/// Everything commands share, built before connecting.
pub struct Data {
    /// The answering engine.
    pub engine: Arc<Engine>,
    /// The configuration.
    pub config: Arc<Config>,
    /// State behind the buttons of recent replies.
    pub replies: Arc<ReplyStore>,
    /// Where 👍/👎 votes go.
    pub feedback: Arc<FeedbackLog>,
    /// Replies being made, waited for at shutdown.
    pub in_flight: Arc<InFlight>,
    /// The last answers per channel and thread, for follow-up questions.
    pub conversations: Arc<Conversations>,
    /// The language each member chose for their answers.
    pub languages: Arc<languages::LanguageChoices>,
}

impl Data {
    /// Shared state for an engine and config.
    pub fn new(engine: Arc<Engine>, config: Arc<Config>) -> Data {
        let discord = &config.discord;
        let replies = ReplyStore::new(
            Duration::from_secs(discord.button_ttl_minutes * 60),
            discord.button_cache_capacity,
        );
        let conversations = Conversations::new(
            Duration::from_secs(discord.follow_up_minutes * 60),
            discord.button_cache_capacity,
        );
        let languages = languages::LanguageChoices::new(discord.button_cache_capacity);
        Data {
            engine,
            feedback: Arc::new(FeedbackLog::new(&discord.feedback_log)),
            config,
            replies: Arc::new(replies),
            in_flight: Arc::new(InFlight::default()),
            conversations: Arc::new(conversations),
            languages: Arc::new(languages),
        }
    }
}

/// The bot token. Its `Debug` never shows it.
#[derive(Clone)]
pub struct DiscordToken(String);

impl fmt::Debug for DiscordToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DiscordToken([redacted])")
    }
}

impl DiscordToken {
    /// Reads the token from `DISCORD_TOKEN`.
    pub fn from_env() -> anyhow::Result<DiscordToken> {
        match std::env::var(TOKEN_VARIABLE) {
            Ok(value) => DiscordToken::new(&value),
            Err(_) => Err(anyhow!(
                "{TOKEN_VARIABLE} is not set: copy the bot token from the Discord Developer Portal \
                 (Application → Bot → Reset Token) and run with {TOKEN_VARIABLE}=… (see README)"
            )),
        }
    }

    /// Checks the token's shape (three dot-separated parts).
    pub fn new(value: &str) -> anyhow::Result<DiscordToken> {
        let value = value.trim();
        if value.is_empty() {
            return Err(anyhow!("{TOKEN_VARIABLE} is empty"));
        }
        serenity::validate_token(value).map_err(|_| {
            anyhow!("{TOKEN_VARIABLE} does not look like a bot token (expected three parts separated by dots)")
        })?;
        Ok(DiscordToken(value.to_string()))
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

/// Runs the bot until SIGINT/SIGTERM, on its own runtime.
pub fn serve(config: Config, engine: Engine, token: DiscordToken) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run(config, engine, token))
}

/// The gateway intents: guild messages and DMs for @mentions, no privileged intent.
pub fn intents() -> serenity::GatewayIntents {
    serenity::GatewayIntents::GUILD_MESSAGES | serenity::GatewayIntents::DIRECT_MESSAGES
}

/// Test-only: `ADDRESS,CA_FILE` sends the REST traffic for `discord.com` to ADDRESS and trusts
/// the certificate authority in the PEM file CA_FILE besides the usual ones. Everything else about
/// the HTTP path (TLS, serenity's ratelimiter, timeouts) stays as in production; the end-to-end
/// tests set it to reach their fake Discord. Never set in production.
pub const TEST_DISCORD_VARIABLE: &str = "INTERVIEW_BOT_TEST_ONLY_DISCORD";

/// Discord's API host.
const DISCORD_HOST: &str = "discord.com";

/// Where [`TEST_DISCORD_VARIABLE`] sends Discord's API.
#[derive(Debug)]
pub struct TestDiscord {
    /// The address `discord.com` resolves to.
    pub address: std::net::SocketAddr,
    /// The extra authority to trust, PEM.
    pub ca_pem: Vec<u8>,
}

impl TestDiscord {
    /// Reads [`TEST_DISCORD_VARIABLE`]; `None` when unset (production).
    pub fn from_env() -> anyhow::Result<Option<TestDiscord>> {
        let Ok(value) = std::env::var(TEST_DISCORD_VARIABLE) else {
            return Ok(None);
        };
        let (address, ca_file) = value.split_once(',').ok_or_else(|| {
            anyhow!("{TEST_DISCORD_VARIABLE} must be ADDRESS,CA_FILE (tests only)")
        })?;
        let address = address
            .parse()
            .with_context(|| format!("{TEST_DISCORD_VARIABLE}: address {address:?}"))?;
        let ca_pem = std::fs::read(ca_file)
            .with_context(|| format!("{TEST_DISCORD_VARIABLE}: reading {ca_file}"))?;
        Ok(Some(TestDiscord { address, ca_pem }))
    }
}

/// The REST client: Discord's API with serenity's ratelimiter and [`REST_TIMEOUT`] on every
/// request; with `test_discord` (tests only) the same client reaching `discord.com` elsewhere.
pub fn build_http(
    token: &DiscordToken,
    test_discord: Option<&TestDiscord>,
) -> anyhow::Result<serenity::Http> {
    let mut client = reqwest::Client::builder()
        .use_rustls_tls()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REST_TIMEOUT);
    if let Some(test) = test_discord {
        tracing::info!(
            address = %test.address,
            "{TEST_DISCORD_VARIABLE} is set: Discord's API is reached there (tests only)"
        );
        let authority = reqwest::Certificate::from_pem(&test.ca_pem)
            .with_context(|| format!("{TEST_DISCORD_VARIABLE}: the CA file is not PEM"))?;
        client = client
            .resolve(DISCORD_HOST, test.address)
            .add_root_certificate(authority);
    }
    let client = client.build().context("building the HTTP client")?;
    Ok(serenity::HttpBuilder::new(token.expose())
        .client(client)
        .build())
}

/// Which shards this process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardPlan {
    /// First shard id.
    pub first: u32,
    /// Last shard id (inclusive).
    pub last: u32,
    /// Shards of the whole bot.
    pub total: u32,
}

/// The shards to run: the configured range, else Discord's recommendation (`autoshard`), else one.
pub fn shard_plan(config: &crate::config::DiscordConfig, recommended: u32) -> ShardPlan {
    match config.shard_range {
        Some([first, last, total]) => ShardPlan { first, last, total },
        None if config.autoshard => ShardPlan {
            first: 0,
            last: recommended.max(1) - 1,
            total: recommended.max(1),
        },
        None => ShardPlan {
            first: 0,
            last: 0,
            total: 1,
        },
    }
}

/// Checks the token once before connecting (one authenticated request): a rejected token stops
/// start-up with one clear error instead of a reconnect loop. Returns the recommended shard count
/// and warns when few logins are left today.
async fn check_login(http: &serenity::Http) -> anyhow::Result<u32> {
    let gateway = http.get_bot_gateway().await.map_err(explain_client_error)?;
    let limit = &gateway.session_start_limit;
    if limit.remaining == 0 {
        return Err(anyhow!(
            "Discord allows no more logins for {} s (session start limit used up); not connecting",
            limit.reset_after / 1000
        ));
    }
    if limit.remaining < LOW_LOGINS {
        tracing::warn!(
            remaining = limit.remaining,
            total = limit.total,
            "few Discord logins left today; check for a restart loop"
        );
    } else {
        tracing::info!(remaining = limit.remaining, "Discord logins left today");
    }
    Ok(gateway.shards)
}

/// Connects and serves until a shutdown signal; then closes the shards, waits for replies being
/// made and flushes feedback.
pub async fn run(config: Config, engine: Engine, token: DiscordToken) -> anyhow::Result<()> {
    let config = Arc::new(config);
    let data = Data::new(Arc::new(engine), config.clone());
    let feedback = data.feedback.clone();
    let in_flight = data.in_flight.clone();
    let http = build_http(&token, TestDiscord::from_env()?.as_ref())?;
    let recommended = check_login(&http).await?;
    let plan = shard_plan(&config.discord, recommended);
    let framework = build_framework(data);
    let mut client = serenity::ClientBuilder::new_with_http(http, intents())
        .framework(framework)
        .await
        .map_err(explain_client_error)?;

    let shard_manager = client.shard_manager.clone();
    let signal_task = tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutdown requested; closing shards");
        shard_manager.shutdown_all().await;
    });

    tracing::info!(
        first = plan.first,
        last = plan.last,
        total = plan.total,
        "starting shards"
    );
    // serenity's range is inclusive of its end despite the `Range` type (its own docs: `4..7`
    // starts shards 4 through 7)
    let result = client
        .start_shard_range(plan.first..plan.last, plan.total)
        .await;
    signal_task.abort();
    let left = in_flight.drain(SHUTDOWN_GRACE).await;
    if left > 0 {
        tracing::warn!(left, "replies still being made at shutdown");
    }
    if let Err(error) = feedback.flush() {
        tracing::warn!("flushing the feedback log failed: {error}");
    }
    result.map_err(explain_client_error)?;
    tracing::info!("stopped");
    Ok(())
}

fn explain_client_error(error: serenity::Error) -> anyhow::Error {
    let rejected = anyhow!(
        "Discord rejected the token in {TOKEN_VARIABLE} (wrong, or reset): copy a new one from the \
         Developer Portal"
    );
    match &error {
        serenity::Error::Gateway(serenity::GatewayError::InvalidAuthentication) => rejected,
        serenity::Error::Http(http) if http.status_code().map(|s| s.as_u16()) == Some(401) => {
            rejected
        }
        serenity::Error::Gateway(
            serenity::GatewayError::DisallowedGatewayIntents
            | serenity::GatewayError::InvalidGatewayIntents,
        ) => anyhow!("Discord refused the gateway intents: {error}"),
        _ => anyhow!("the Discord connection failed: {error}"),
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The poise framework: commands, no-ping defaults, error replies, event handler, and
/// registration (only when changed) once connected.
pub fn build_framework(data: Data) -> poise::Framework<Data, Error> {
    let mut commands = commands::all();
    commands::apply_cooldown(
        &mut commands,
        Duration::from_secs(data.config.discord.cooldown_seconds),
    );
    let guild_id = data.config.discord.guild_id;
    let state_path = data.config.discord.registration_state.clone();
    let options = poise::FrameworkOptions {
        commands,
        allowed_mentions: Some(no_mentions()),
        // checked and started atomically by `cooldown::claim`
        manual_cooldowns: true,
        prefix_options: poise::PrefixFrameworkOptions {
            prefix: None,
            mention_as_prefix: false,
            ..Default::default()
        },
        on_error: |error| Box::pin(on_error(error)),
        event_handler: |framework, event| Box::pin(handle_event(framework, event)),
        ..Default::default()
    };
    poise::Framework::builder()
        .options(options)
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                tracing::info!(
                    bot = %ready.user.id,
                    shard = ?ready.shard.map(|s| s.id.0),
                    "connected to the gateway"
                );
                let definitions = commands::definitions(&framework.options().commands);
                if let Err(error) =
                    registration::register_if_changed(&ctx.http, definitions, guild_id, &state_path)
                        .await
                {
                    tracing::warn!("registering slash commands failed: {error:#}");
                }
                Ok(data)
            })
        })
        .build()
}

/// Allowed mentions that ping nobody, not even the user replied to.
pub fn no_mentions() -> serenity::CreateAllowedMentions {
    serenity::CreateAllowedMentions::new().replied_user(false)
}

/// Answers a click with a message only the clicker sees.
pub async fn respond_privately(
    ctx: &serenity::Context,
    click: &serenity::ComponentInteraction,
    text: &str,
) -> Result<(), Error> {
    let message = serenity::CreateInteractionResponseMessage::new()
        .content(text)
        .ephemeral(true)
        .allowed_mentions(no_mentions());
    click
        .create_response(ctx, serenity::CreateInteractionResponse::Message(message))
        .await?;
    Ok(())
}

async fn handle_event(
    framework: poise::FrameworkContext<'_, Data, Error>,
    event: &serenity::FullEvent,
) -> Result<(), Error> {
    match event {
        serenity::FullEvent::Message { new_message } => {
            mention::handle_message(framework, new_message).await
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(click),
        } => buttons::handle_click(framework.serenity_context, framework.user_data, click).await,
        _ => Ok(()),
    }
}

async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    match error {
        poise::FrameworkError::CooldownHit {
            remaining_cooldown,
            ctx,
            ..
        } => {
            tracing::info!(
                user = %ctx.author().id,
                command = %ctx.command().name,
                "cooldown"
            );
            let reply = poise::CreateReply::default()
                .content(render::cooldown_text(
                    remaining_cooldown.as_secs_f64().ceil() as u64,
                ))
                .ephemeral(true)
                .allowed_mentions(no_mentions());
            if let Err(error) = ctx.send(reply).await {
                tracing::warn!("sending the cooldown reply failed: {error}");
            }
        }
        poise::FrameworkError::Command { error, ctx, .. } => {
            let _guard = ctx.data().in_flight.enter();
            if let Some(code) = discord_code(&error).filter(|c| INTERACTION_GONE.contains(c)) {
                // Discord no longer takes replies to this interaction: an error reply would be
                // refused too, and every refusal counts against the invalid-request limit
                tracing::warn!(
                    user = %ctx.author().id,
                    command = %ctx.command().name,
                    code,
                    "reply not delivered: Discord no longer accepts replies to this interaction"
                );
                return;
            }
            tracing::warn!(
                user = %ctx.author().id,
                command = %ctx.command().name,
                "command failed: {error:#}"
            );
            let reply = poise::CreateReply::default()
                .content("出错了，请稍后再试。")
                .ephemeral(true)
                .allowed_mentions(no_mentions());
            let _ = ctx.send(reply).await;
        }
        poise::FrameworkError::ArgumentParse { ctx, .. } => {
            let reply = poise::CreateReply::default()
                .content("没看懂这个参数，请重新输入。")
                .ephemeral(true)
                .allowed_mentions(no_mentions());
            let _ = ctx.send(reply).await;
        }
        poise::FrameworkError::EventHandler { error, event, .. } => {
            tracing::warn!("handling {} failed: {error:#}", event.snake_case_name());
        }
        poise::FrameworkError::Setup { error, .. } => {
            tracing::error!("start-up failed: {error:#}");
        }
        other => {
            if let Err(error) = poise::builtins::on_error(other).await {
                tracing::warn!("handling an error failed: {error}");
            }
        }
    }
}

/// Discord's codes for an interaction that can no longer be answered: unknown interaction
/// (10062, the initial response came after 3 s), unknown webhook (10015), already acknowledged
/// (40060), invalid webhook token (50027, a follow-up after 15 min).
pub const INTERACTION_GONE: [isize; 4] = [10062, 10015, 40060, 50027];

/// Discord's error code, when `error` is a request Discord refused.
pub fn discord_code(error: &Error) -> Option<isize> {
    match error.downcast_ref::<serenity::Error>()? {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => {
            Some(response.error.code)
        }
        _ => None,
    }
}

/// Logs one line per handled command: who, what, how long, whether it answered. Never the text.
pub fn log_command(user: serenity::UserId, command: &str, started: Instant, answered: bool) {
    tracing::info!(
        user = %user,
        command,
        latency_ms = started.elapsed().as_millis() as u64,
        answered,
        "command"
    );
}

/// Appends a question the interview did not answer to the feedback log, when
/// `discord.log_unanswered` is on: its text and the day, nothing about who asked.
pub async fn note_unanswered(data: &Data, view: &views::View) {
    if !data.config.discord.log_unanswered {
        return;
    }
    let Some(question) = view.unanswered.clone() else {
        return;
    };
    let entry = feedback::UnansweredEntry {
        date: serenity::Timestamp::now()
            .to_string()
            .chars()
            .take(10)
            .collect(),
        unanswered: question,
    };
    let log = data.feedback.clone();
    match tokio::task::spawn_blocking(move || log.append(&entry)).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!("writing an unanswered question failed: {error}"),
        Err(error) => tracing::warn!("writing an unanswered question failed: {error}"),
    }
}

/// Runs `job` on the engine off the async threads.
pub async fn with_engine<T, F>(engine: &Arc<Engine>, job: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce(&Engine) -> T + Send + 'static,
{
    let engine = engine.clone();
    Ok(tokio::task::spawn_blocking(move || job(&engine)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_debug_is_redacted() {
        let token = DiscordToken::new("MTIz.secret-part.signature").expect("valid shape");
        let shown = format!("{token:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }

    #[test]
    fn malformed_tokens_are_rejected_without_echo() {
        for value in ["", "   ", "no-dots", "a.b", "a.b.c.d"] {
            let error = DiscordToken::new(value).expect_err(value).to_string();
            assert!(error.contains(TOKEN_VARIABLE), "{value:?}: {error}");
            if !value.trim().is_empty() {
                assert!(!error.contains(value), "{value:?} echoed in {error}");
            }
        }
    }

    #[test]
    fn intents_are_not_privileged() {
        let intents = intents();
        assert!(!intents.contains(serenity::GatewayIntents::MESSAGE_CONTENT));
        assert!(intents.contains(serenity::GatewayIntents::DIRECT_MESSAGES));
        assert!(intents.contains(serenity::GatewayIntents::GUILD_MESSAGES));
    }

    #[test]
    fn shard_plan_follows_the_config() {
        let mut discord = crate::config::DiscordConfig::default();
        let plan = |d: &crate::config::DiscordConfig, n| {
            let p = shard_plan(d, n);
            (p.first, p.last, p.total)
        };
        assert_eq!(plan(&discord, 3), (0, 2, 3), "autoshard: Discord's count");
        assert_eq!(plan(&discord, 0), (0, 0, 1), "never zero shards");
        discord.autoshard = false;
        assert_eq!(plan(&discord, 3), (0, 0, 1), "one shard");
        discord.shard_range = Some([2, 3, 4]);
        assert_eq!(plan(&discord, 3), (2, 3, 4), "the configured range");
    }

    #[test]
    fn no_mentions_allows_nothing() {
        let value = serde_json::to_value(no_mentions()).expect("serialises");
        assert_eq!(value["parse"], serde_json::json!([]));
        assert_eq!(value["users"], serde_json::json!([]));
        assert_eq!(value["roles"], serde_json::json!([]));
        assert_eq!(value["replied_user"], serde_json::json!(false));
    }
}
