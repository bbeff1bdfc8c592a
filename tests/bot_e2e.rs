//! End to end: the real `interview-bot serve` binary against a fake Discord (REST + gateway on
//! 127.0.0.1, in this process). Only `api_base` differs from production. Asserts on what the bot
//! sent: IDENTIFY, command registration, replies to commands, buttons, autocomplete, @mentions and
//! DMs, adversarial questions, the cooldown, shutdown and the feedback log.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::mpsc;

const APP_ID: &str = "900000000000000001";
const BOT_ID: &str = "900000000000000002";
const GUILD_ID: &str = "4242";
const CHANNEL_ID: &str = "700000000000000001";
const DM_CHANNEL_ID: &str = "700000000000000002";
/// A token of the right shape; the fake accepts anything.
const FAKE_TOKEN: &str = "OTAwMDAwMDAwMDAwMDAwMDAy.fake.token";
/// Longest wait for any one thing the bot should do.
const WAIT: Duration = Duration::from_secs(20);
/// Gateway intent bit of the privileged MESSAGE_CONTENT intent.
const MESSAGE_CONTENT_INTENT: u64 = 1 << 15;

/// One REST request the bot made.
#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    body: Value,
}

/// How the fake gateway treats an IDENTIFY.
#[derive(Clone, Copy, PartialEq)]
enum GatewayMode {
    /// Accept it and send READY.
    Accept,
    /// Close with 4004 (authentication failed).
    RejectToken,
}

struct Shared {
    port: u16,
    mode: GatewayMode,
    requests: Mutex<Vec<Request>>,
    identify: Mutex<Option<Value>>,
    gateway: Mutex<Option<mpsc::UnboundedSender<Value>>>,
}

/// The fake Discord: REST and gateway on one local port.
struct FakeDiscord {
    shared: Arc<Shared>,
    next_id: AtomicU64,
}

impl FakeDiscord {
    async fn start(mode: GatewayMode) -> FakeDiscord {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake Discord");
        let port = listener.local_addr().expect("local addr").port();
        let shared = Arc::new(Shared {
            port,
            mode,
            requests: Mutex::new(Vec::new()),
            identify: Mutex::new(None),
            gateway: Mutex::new(None),
        });
        let app = Router::new()
            .route("/api/v10/gateway", get(gateway_url))
            .route("/api/v10/gateway/bot", get(gateway_bot))
            .route("/api/v10/oauth2/applications/@me", get(application_info))
            .route("/ws", get(gateway_socket))
            .fallback(rest)
            .with_state(shared.clone());
        tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("fake Discord serves");
        });
        FakeDiscord {
            shared,
            next_id: AtomicU64::new(100_000_000_000_000_000),
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.shared.port)
    }

    fn new_id(&self) -> String {
        self.next_id.fetch_add(1, Ordering::SeqCst).to_string()
    }

    fn request_count(&self) -> usize {
        self.shared.requests.lock().unwrap().len()
    }

    /// The first request from index `since` on that matches, waiting up to [`WAIT`].
    async fn wait_for(
        &self,
        since: usize,
        what: &str,
        matches: impl Fn(&Request) -> bool,
    ) -> Request {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            {
                let requests = self.shared.requests.lock().unwrap();
                if let Some(found) = requests.iter().skip(since).find(|r| matches(r)) {
                    return found.clone();
                }
            }
            if tokio::time::Instant::now() >= deadline {
                let seen: Vec<String> = self
                    .shared
                    .requests
                    .lock()
                    .unwrap()
                    .iter()
                    .skip(since)
                    .map(|r| format!("{} {}", r.method, r.path))
                    .collect();
                panic!("timed out waiting for {what}; requests since: {seen:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn wait_for_identify(&self) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(identify) = self.shared.identify.lock().unwrap().clone() {
                return identify;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for IDENTIFY"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn dispatch(&self, event: &str, data: Value) {
        let sender = self.shared.gateway.lock().unwrap().clone();
        let sender = sender.expect("gateway connected");
        sender
            .send(json!({"op": 0, "t": event, "d": data}))
            .expect("gateway open");
    }

    /// Sends an interaction and returns what the bot answered: the callback body, with `data`
    /// taken from the follow-up when the bot deferred.
    async fn interact(&self, kind: u8, user: &str, data: Value, message: Option<Value>) -> Value {
        let id = self.new_id();
        let token = format!("token-{id}");
        let since = self.request_count();
        let mut payload = json!({
            "id": id,
            "application_id": APP_ID,
            "type": kind,
            "token": token,
            "version": 1,
            "channel_id": CHANNEL_ID,
            "guild_id": GUILD_ID,
            "locale": "zh-CN",
            "guild_locale": "zh-CN",
            "entitlements": [],
            "attachment_size_limit": 8_388_608,
            "app_permissions": "0",
            "member": {
                "user": user_json(user),
                "roles": [],
                "deaf": false,
                "mute": false,
                "flags": 0,
                "joined_at": "2024-01-01T00:00:00.000000+00:00"
            },
            "data": data,
        });
        if let Some(message) = message {
            payload["message"] = message;
        }
        self.dispatch("INTERACTION_CREATE", payload);
        let callback_path = format!("/api/v10/interactions/{id}/{token}/callback");
        let callback = self
            .wait_for(
                since,
                &format!("callback to interaction type {kind}"),
                |r| r.path == callback_path,
            )
            .await;
        let mut body = callback.body;
        if body["type"] == 5 {
            let webhook = format!("/api/v10/webhooks/{APP_ID}/{token}");
            let follow_up = self
                .wait_for(since, "follow-up to a deferred reply", |r| {
                    r.path.starts_with(&webhook) && r.method != "GET"
                })
                .await;
            let deferred_flags = body["data"]["flags"].clone();
            body["data"] = follow_up.body;
            if body["data"]["flags"].is_null() {
                body["data"]["flags"] = deferred_flags;
            }
        }
        body
    }

    async fn slash(&self, user: &str, name: &str, options: Value) -> Value {
        let data = json!({"id": self.new_id(), "name": name, "type": 1, "options": options});
        self.interact(2, user, data, None).await
    }

    async fn ask(&self, user: &str, question: &str) -> Value {
        self.slash(
            user,
            "ask",
            json!([{"name": "question", "type": 3, "value": question}]),
        )
        .await
    }

    async fn click(&self, user: &str, custom_id: &str) -> Value {
        let message = message_json(&self.new_id(), CHANNEL_ID, BOT_ID, "", Some(GUILD_ID), &[]);
        let data = json!({"custom_id": custom_id, "component_type": 2});
        self.interact(3, user, data, Some(message)).await
    }

    /// Sends a message; returns the message the bot posted in reply.
    async fn message(&self, channel: &str, guild: Option<&str>, content: &str) -> Request {
        let id = self.new_id();
        let since = self.request_count();
        let mentions: Vec<&str> = if content.contains(BOT_ID) {
            vec![BOT_ID]
        } else {
            vec![]
        };
        let author = self.new_id();
        self.dispatch(
            "MESSAGE_CREATE",
            message_json(&id, channel, &author, content, guild, &mentions),
        );
        let path = format!("/api/v10/channels/{channel}/messages");
        let reply = self
            .wait_for(since, "a reply message", |r| {
                r.method == "POST" && r.path == path
            })
            .await;
        assert_eq!(
            reply.body["message_reference"]["message_id"], id,
            "the reply refers to the question"
        );
        reply
    }
}

fn user_json(id: &str) -> Value {
    json!({"id": id, "username": format!("user{id}"), "discriminator": "0",
           "global_name": null, "avatar": null, "bot": id == BOT_ID})
}

fn message_json(
    id: &str,
    channel: &str,
    author: &str,
    content: &str,
    guild: Option<&str>,
    mentions: &[&str],
) -> Value {
    let mut message = json!({
        "id": id,
        "channel_id": channel,
        "author": user_json(author),
        "content": content,
        "timestamp": "2025-01-01T00:00:00.000000+00:00",
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": mentions.iter().map(|m| user_json(m)).collect::<Vec<_>>(),
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
        "components": [],
    });
    if let Some(guild) = guild {
        message["guild_id"] = json!(guild);
    }
    message
}

async fn gateway_url(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({"url": format!("ws://127.0.0.1:{}/ws", shared.port)}))
}

async fn gateway_bot(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({
        "url": format!("ws://127.0.0.1:{}/ws", shared.port),
        "shards": 1,
        "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
    }))
}

async fn application_info() -> Json<Value> {
    Json(json!({
        "id": APP_ID, "name": "interview-bot", "description": "", "bot_public": true,
        "bot_require_code_grant": false, "verify_key": "00", "icon": null, "flags": 0
    }))
}

async fn rest(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    shared.requests.lock().unwrap().push(Request {
        method: method.to_string(),
        path: path.clone(),
        body: body.clone(),
    });
    if path.ends_with("/callback") {
        return StatusCode::NO_CONTENT.into_response();
    }
    if path.ends_with("/commands") {
        return Json(json!([])).into_response();
    }
    if path.contains("/messages") || path.starts_with("/api/v10/webhooks/") {
        let channel = path
            .strip_prefix("/api/v10/channels/")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or(CHANNEL_ID);
        let content = body["content"].as_str().unwrap_or("");
        let reply = message_json("600000000000000001", channel, BOT_ID, content, None, &[]);
        return Json(reply).into_response();
    }
    (
        StatusCode::NOT_FOUND,
        Json(json!({"message": "Unknown", "code": 0})),
    )
        .into_response()
}

async fn gateway_socket(State(shared): State<Arc<Shared>>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(move |socket| run_gateway(shared, socket))
}

async fn run_gateway(shared: Arc<Shared>, mut socket: WebSocket) {
    let hello = json!({"op": 10, "d": {"heartbeat_interval": 41_250}});
    if socket.send(text(&hello)).await.is_err() {
        return;
    }
    let (sender, mut events) = mpsc::unbounded_channel::<Value>();
    let mut sequence = 0u64;
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { break };
                let frame: Value = match message {
                    WsMessage::Text(t) => serde_json::from_str(t.as_str()).unwrap_or(Value::Null),
                    _ => continue,
                };
                match frame["op"].as_u64() {
                    Some(1) => {
                        let _ = socket.send(text(&json!({"op": 11}))).await;
                    }
                    Some(2) => {
                        *shared.identify.lock().unwrap() = Some(frame["d"].clone());
                        if shared.mode == GatewayMode::RejectToken {
                            let close = axum::extract::ws::CloseFrame {
                                code: 4004,
                                reason: "Authentication failed.".into(),
                            };
                            let _ = socket.send(WsMessage::Close(Some(close))).await;
                            continue;
                        }
                        sequence += 1;
                        let ready = json!({"op": 0, "s": sequence, "t": "READY", "d": {
                            "v": 10,
                            "user": user_json(BOT_ID),
                            "guilds": [],
                            "session_id": "session-1",
                            "resume_gateway_url": format!("ws://127.0.0.1:{}/ws", shared.port),
                            "application": {"id": APP_ID, "flags": 0},
                            "shard": [0, 1]
                        }});
                        *shared.gateway.lock().unwrap() = Some(sender.clone());
                        let _ = socket.send(text(&ready)).await;
                    }
                    _ => {}
                }
            }
            Some(mut event) = events.recv() => {
                sequence += 1;
                event["s"] = json!(sequence);
                if socket.send(text(&event)).await.is_err() {
                    break;
                }
            }
        }
    }
}

fn text(value: &Value) -> WsMessage {
    WsMessage::Text(value.to_string().into())
}

/// The bot process; killed when dropped, its log printed when a test fails.
struct Bot {
    child: Child,
    log: PathBuf,
}

impl Bot {
    fn start(dir: &Path, api_base: &str, token: Option<&str>) -> Bot {
        let data_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let config = format!(
            r#"data_dir = {data:?}
index_dir = {index:?}

[discord]
guild_id = {GUILD_ID}
cooldown_seconds = 60
default_private = false
feedback_log = {feedback:?}
registration_state = {state:?}
api_base = {api_base:?}
"#,
            data = data_dir.display().to_string(),
            index = dir.join("index").display().to_string(),
            feedback = dir.join("feedback.log").display().to_string(),
            state = dir.join("registered.hash").display().to_string(),
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
            .env("RUST_LOG", "warn,interview_bot=info")
            .env("NO_PROXY", "127.0.0.1")
            .env("no_proxy", "127.0.0.1")
            .env_remove("HTTP_PROXY")
            .env_remove("HTTPS_PROXY")
            .env_remove("http_proxy")
            .env_remove("https_proxy")
            .env_remove("ALL_PROXY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file);
        match token {
            Some(token) => command.env("DISCORD_TOKEN", token),
            None => command.env_remove("DISCORD_TOKEN"),
        };
        Bot {
            child: command.spawn().expect("start the bot"),
            log,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (bounded) for the process to exit.
    async fn wait_exit(&mut self) -> std::process::ExitStatus {
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

    fn terminate(&self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "SIGTERM sent");
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

// ---------- what a user would check in a reply ----------

fn embed(reply: &Value) -> &Value {
    &reply["data"]["embeds"][0]
}

fn field<'a>(reply: &'a Value, name: &str) -> &'a str {
    embed(reply)["fields"]
        .as_array()
        .and_then(|fields| fields.iter().find(|f| f["name"] == name))
        .and_then(|f| f["value"].as_str())
        .unwrap_or_else(|| panic!("no field {name} in {reply}"))
}

/// The line range in a "第 a–b 行" field.
fn line_range(text: &str) -> (usize, usize) {
    let numbers: Vec<usize> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("number"))
        .collect();
    match numbers.as_slice() {
        [one] => (*one, *one),
        [start, end] => (*start, *end),
        _ => panic!("not a line range: {text}"),
    }
}

fn buttons(reply: &Value) -> Vec<Value> {
    reply["data"]["components"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default()
}

fn button_id(reply: &Value, label: &str) -> String {
    buttons(reply)
        .iter()
        .find(|b| b["label"] == label)
        .and_then(|b| b["custom_id"].as_str())
        .unwrap_or_else(|| panic!("no {label} button in {reply}"))
        .to_string()
}

fn content(reply: &Value) -> &str {
    reply["data"]["content"].as_str().unwrap_or("")
}

/// Mentions Discord would resolve in sent text.
fn live_mentions(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    for (i, window) in chars.windows(3).enumerate() {
        let live = match window {
            ['<', '@', c] => c.is_ascii_digit() || *c == '&' || *c == '!',
            ['<', '#', c] => c.is_ascii_digit(),
            _ => false,
        };
        if live {
            found.push(chars[i..].iter().take(10).collect());
        }
    }
    for needle in ["@everyone", "@here"] {
        if text.contains(needle) {
            found.push(needle.to_string());
        }
    }
    found
}

/// Every text Discord would render from a message body.
fn rendered_texts(data: &Value) -> Vec<String> {
    let mut texts = vec![data["content"].as_str().unwrap_or("").to_string()];
    for embed in data["embeds"].as_array().into_iter().flatten() {
        for key in ["title", "description"] {
            texts.push(embed[key].as_str().unwrap_or("").to_string());
        }
        texts.push(embed["footer"]["text"].as_str().unwrap_or("").to_string());
        for field in embed["fields"].as_array().into_iter().flatten() {
            texts.push(field["name"].as_str().unwrap_or("").to_string());
            texts.push(field["value"].as_str().unwrap_or("").to_string());
        }
    }
    texts
}

/// No ping, nothing over Discord's limits, never empty.
fn assert_safe(data: &Value, what: &str) {
    let allowed = &data["allowed_mentions"];
    assert_eq!(
        allowed["parse"],
        json!([]),
        "{what}: allowed_mentions {allowed}"
    );
    assert_eq!(
        allowed["users"],
        json!([]),
        "{what}: allowed_mentions {allowed}"
    );
    assert_eq!(
        allowed["roles"],
        json!([]),
        "{what}: allowed_mentions {allowed}"
    );
    let content_chars = data["content"].as_str().unwrap_or("").chars().count();
    assert!(
        content_chars <= 2_000,
        "{what}: content of {content_chars} characters"
    );
    let embeds = data["embeds"].as_array().cloned().unwrap_or_default();
    assert!(
        content_chars > 0 || !embeds.is_empty(),
        "{what}: empty message {data}"
    );
    for embed in &embeds {
        let count = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
        assert!(count(&embed["title"]) <= 256, "{what}: embed title");
        assert!(
            count(&embed["description"]) <= 4_096,
            "{what}: embed description"
        );
        let mut total = count(&embed["title"]) + count(&embed["description"]);
        total += count(&embed["footer"]["text"]);
        for field in embed["fields"].as_array().into_iter().flatten() {
            assert!(count(&field["value"]) <= 1_024, "{what}: field value");
            total += count(&field["name"]) + count(&field["value"]);
        }
        assert!(total <= 6_000, "{what}: embed of {total} characters");
    }
    for text in rendered_texts(data) {
        let mentions = live_mentions(&text);
        assert!(
            mentions.is_empty(),
            "{what}: live mentions {mentions:?} in {text:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bot_answers_through_discord() {
    tokio::time::timeout(Duration::from_secs(120), scenario())
        .await
        .expect("the whole scenario finishes in time");
}

async fn scenario() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fake = FakeDiscord::start(GatewayMode::Accept).await;
    let mut bot = Bot::start(dir.path(), &fake.base(), Some(FAKE_TOKEN));

    // start-up: IDENTIFY without MESSAGE_CONTENT, commands registered in the guild
    let identify = fake.wait_for_identify().await;
    let intents = identify["intents"].as_u64().expect("intents");
    assert_eq!(
        intents & MESSAGE_CONTENT_INTENT,
        0,
        "no MESSAGE_CONTENT: {intents}"
    );
    assert_ne!(intents & (1 << 9), 0, "GUILD_MESSAGES");
    assert_ne!(intents & (1 << 12), 0, "DIRECT_MESSAGES");
    let registration = fake
        .wait_for(0, "command registration", |r| {
            r.method == "PUT"
                && r.path == format!("/api/v10/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
        })
        .await;
    let commands = registration
        .body
        .as_array()
        .expect("a command list")
        .clone();
    let mut names: Vec<&str> = commands.iter().filter_map(|c| c["name"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["about", "ask", "quote", "search", "topic", "topics"]
    );
    let ask = commands.iter().find(|c| c["name"] == "ask").expect("/ask");
    assert_eq!(ask["name_localizations"]["zh-CN"], "提问");
    assert_eq!(ask["name_localizations"]["zh-TW"], "提問");
    assert!(ask["description_localizations"]["zh-CN"].is_string());
    let question = &ask["options"][0];
    assert_eq!(question["name"], "question");
    assert_eq!(question["required"], true);
    assert_eq!(question["max_length"], 300);
    assert_eq!(question["name_localizations"]["zh-CN"], "问题");
    assert_eq!(ask["options"][1]["name"], "private");
    let topic = commands
        .iter()
        .find(|c| c["name"] == "topic")
        .expect("/topic");
    assert_eq!(topic["options"][0]["autocomplete"], true);

    // /ask with a question the interview answers
    let answer = fake.ask("1001", "ChatGPT最开始的名字是什么").await;
    // 4 = answered at once, 5 = deferred under load (then `data` is the follow-up)
    assert!(matches!(answer["type"].as_u64(), Some(4 | 5)), "{answer}");
    assert_safe(&answer["data"], "/ask answer");
    let title = embed(&answer)["title"].as_str().unwrap_or("");
    assert!(title.contains("名字"), "topic {title}");
    let (start, end) = line_range(field(&answer, "出处"));
    assert!(
        start <= 19 && end >= 15,
        "lines {start}–{end} overlap 15–19"
    );
    assert!(embed(&answer)["description"]
        .as_str()
        .unwrap_or("")
        .contains("**"));
    let footer = embed(&answer)["footer"]["text"].as_str().unwrap_or("");
    assert!(footer.ends_with("1/3"), "footer {footer}");
    assert_eq!(
        answer["data"]["flags"].as_u64().unwrap_or(0) & 64,
        0,
        "public"
    );

    // ▶ shows the second result
    let second = fake.click("1001", &button_id(&answer, "▶")).await;
    assert_eq!(second["type"], 7, "{second}");
    assert_safe(&second["data"], "▶");
    let footer = embed(&second)["footer"]["text"].as_str().unwrap_or("");
    assert!(footer.ends_with("2/3"), "footer {footer}");
    assert_ne!(line_range(field(&second, "出处")), (start, end));

    // 展开上下文 shows more lines around the first result
    let wider = fake.click("1001", &button_id(&answer, "展开上下文")).await;
    assert_eq!(wider["type"], 7, "{wider}");
    let (wider_start, wider_end) = line_range(field(&wider, "出处"));
    assert!(
        wider_start < start && wider_end > end,
        "{wider_start}–{wider_end} wider than {start}–{end}"
    );

    // 👍 is thanked privately (and logged, checked after shutdown)
    let vote = fake.click("1001", &button_id(&answer, "👍")).await;
    assert_eq!(vote["type"], 4);
    assert_eq!(vote["data"]["flags"], 64);

    // an expired or unknown button
    let expired = fake.click("1001", "ib:1:p:1").await;
    assert_eq!(content(&expired), "已过期，请重新提问");
    assert_eq!(expired["data"]["flags"], 64);

    // a question the interview does not answer
    let negative = fake.ask("1002", "ChatGPT Plus每个月订阅要多少钱？").await;
    assert_safe(&negative["data"], "no answer");
    assert!(
        content(&negative).starts_with("访谈里没有找到相关内容"),
        "{negative}"
    );

    // private answers are ephemeral
    let private = fake
        .slash(
            "1003",
            "ask",
            json!([{"name": "question", "type": 3, "value": "ChatGPT最开始的名字是什么"},
                   {"name": "private", "type": 5, "value": true}]),
        )
        .await;
    assert_eq!(private["data"]["flags"], 64, "{private}");

    // autocomplete on /topic with a Traditional partial title
    let data = json!({"id": fake.new_id(), "name": "topic", "type": 1,
                      "options": [{"name": "name", "type": 3, "value": "記憶", "focused": true}]});
    let choices = fake.interact(4, "1004", data, None).await;
    assert_eq!(choices["type"], 8, "{choices}");
    let choices = choices["data"]["choices"]
        .as_array()
        .expect("choices")
        .clone();
    assert!(!choices.is_empty() && choices.len() <= 25);
    assert!(
        choices
            .iter()
            .any(|c| c["value"] == "记忆功能、临时聊天与隐私"),
        "{choices:?}"
    );

    // /topic, /topics, /search, /quote, /about
    let chapter = fake
        .slash(
            "1005",
            "topic",
            json!([{"name": "name", "type": 3, "value": "记忆功能、临时聊天与隐私"}]),
        )
        .await;
    assert_safe(&chapter["data"], "/topic");
    assert!(
        embed(&chapter)["title"]
            .as_str()
            .unwrap_or("")
            .contains("记忆"),
        "{chapter}"
    );
    assert_eq!(line_range(field(&chapter, "章节范围")).0, 493);
    let read_on = fake.click("1005", &button_id(&chapter, "▶")).await;
    assert_eq!(line_range(field(&read_on, "本页")).0, 501, "{read_on}");
    let outline = fake.slash("1006", "topics", json!([])).await;
    assert_safe(&outline["data"], "/topics");
    assert!(embed(&outline)["description"]
        .as_str()
        .unwrap_or("")
        .contains("名字由来"));
    let search = fake
        .slash(
            "1007",
            "search",
            json!([{"name": "keyword", "type": 3, "value": "Codex"}]),
        )
        .await;
    assert_safe(&search["data"], "/search");
    assert!(
        embed(&search)["description"]
            .as_str()
            .unwrap_or("")
            .contains("第 "),
        "{search}"
    );
    for command in ["quote", "about"] {
        let reply = fake.slash("1008", command, json!([])).await;
        assert_safe(&reply["data"], command);
    }

    // @mention in a channel and a DM: a reply in that channel, pinging nobody
    let mention = fake
        .message(
            CHANNEL_ID,
            Some(GUILD_ID),
            &format!("<@{BOT_ID}> ChatGPT最开始的名字是什么"),
        )
        .await;
    assert_safe(&mention.body, "mention reply");
    assert_eq!(mention.body["allowed_mentions"]["replied_user"], false);
    let mention_title = mention.body["embeds"][0]["title"].as_str().unwrap_or("");
    assert!(mention_title.contains("名字"), "{}", mention.body);
    let dm = fake
        .message(DM_CHANNEL_ID, None, "ChatGPT最开始的名字是什么")
        .await;
    assert_safe(&dm.body, "DM reply");
    assert!(dm.body["embeds"][0]["title"]
        .as_str()
        .unwrap_or("")
        .contains("名字"));

    // adversarial questions: no ping, within limits, a sensible reply
    let adversarial = [
        "@everyone @here <@&123> <@456>".to_string(),
        "问".repeat(6_000),
        "title:\"a OR nofield:x AND (y OR * a~100000".to_string(),
        "😀😀😀 ？！。".to_string(),
        "ev\u{200B}eryone \u{200B} \u{00A0}".to_string(),
        "\u{202E}ChatGPT最初叫什么".to_string(),
        "``` [x](https://evil.example) # big ||spoiler||".to_string(),
        "ＣｈａｔＧＰＴ 最初叫什麼".to_string(),
        "ChatGPTの最初の名前は何ですか 챗GPT 이름 ما اسم".to_string(),
        "<#1> <@!42> @@here".to_string(),
    ];
    for (i, question) in adversarial.iter().enumerate() {
        let user = format!("{}", 2000 + i);
        let reply = fake.ask(&user, question).await;
        let shown: String = question.chars().take(40).collect();
        assert!(
            matches!(reply["type"].as_u64(), Some(4 | 5)),
            "{shown:?}: {reply}"
        );
        assert_safe(&reply["data"], &format!("adversarial {shown:?}"));
        let text = rendered_texts(&reply["data"]).join("\n");
        assert!(
            !text.contains("https://"),
            "{shown:?}: link survived: {text}"
        );
        assert!(
            !text.contains('\u{202E}'),
            "{shown:?}: bidi control survived"
        );
    }
    let plain = fake.ask("2100", "ChatGPT 最初叫什么").await;
    let folded = fake.ask("2101", "ＣｈａｔＧＰＴ 最初叫什麼").await;
    assert_eq!(
        embed(&plain)["fields"],
        embed(&folded)["fields"],
        "full-width Traditional asks the same"
    );
    let too_long = fake.ask("2102", &"问".repeat(6_000)).await;
    assert!(content(&too_long).contains("太长"), "{too_long}");
    let empty = fake.ask("2103", "？！。").await;
    assert!(content(&empty).contains("问我"), "{empty}");

    // cooldown: a burst from one user gets the cooldown reply
    let first = fake.ask("3000", "ChatGPT最开始的名字是什么").await;
    assert!(embed(&first).is_object(), "{first}");
    for _ in 0..3 {
        let again = fake.ask("3000", "ChatGPT最开始的名字是什么").await;
        assert!(content(&again).contains("提问太快了"), "{again}");
        assert_eq!(again["data"]["flags"], 64);
    }

    // graceful shutdown on SIGTERM; the vote is in the feedback log
    bot.terminate();
    let status = bot.wait_exit().await;
    assert!(
        status.success(),
        "clean exit: {status}; log:\n{}",
        bot.log()
    );
    let feedback = std::fs::read_to_string(dir.path().join("feedback.log")).expect("feedback log");
    let vote: Value =
        serde_json::from_str(feedback.lines().next().expect("one vote")).expect("json");
    assert_eq!(vote["vote"], "up");
    assert_eq!(vote["question"], "ChatGPT最开始的名字是什么");
    assert_eq!(vote["line_start"], start);
    assert_eq!(vote["line_end"], end);
    let log = bot.log();
    assert!(!log.contains(FAKE_TOKEN), "token logged");
    assert!(
        !log.contains("ChatGPT最开始"),
        "question text logged at info"
    );
    assert!(
        log.contains("command=\"ask\""),
        "one line per command:\n{log}"
    );
    assert!(dir.path().join("registered.hash").exists());

    // a restart with unchanged commands does not register them again
    let fake = FakeDiscord::start(GatewayMode::Accept).await;
    let _restarted = Bot::start(dir.path(), &fake.base(), Some(FAKE_TOKEN));
    fake.wait_for_identify().await;
    let about = fake.slash("1009", "about", json!([])).await;
    assert_safe(&about["data"], "/about after restart");
    let registrations = fake
        .shared
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path.ends_with("/commands"))
        .count();
    assert_eq!(registrations, 0, "commands registered again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_token_exits_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fake = FakeDiscord::start(GatewayMode::RejectToken).await;
    let mut bot = Bot::start(dir.path(), &fake.base(), Some(FAKE_TOKEN));
    let status = bot.wait_exit().await;
    assert!(!status.success(), "non-zero exit");
    let log = bot.log();
    assert!(log.contains("rejected the token"), "{log}");
    assert!(!log.contains(FAKE_TOKEN), "token logged");
}

#[tokio::test]
async fn missing_token_exits_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut bot = Bot::start(dir.path(), "http://127.0.0.1:9", None);
    let status = bot.wait_exit().await;
    assert!(!status.success(), "non-zero exit");
    let log = bot.log();
    assert!(log.contains("DISCORD_TOKEN is not set"), "{log}");
}
