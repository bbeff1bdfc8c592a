//! A fake Discord for end-to-end tests: REST and gateway on one 127.0.0.1 port, in the test
//! process. It records every REST request and every IDENTIFY/RESUME, dispatches events, and can
//! misbehave on demand: close the websocket with a code, send RECONNECT or INVALID_SESSION, stop
//! acknowledging heartbeats, invalidate fresh sessions, fail or hold interaction callbacks, and
//! answer every REST call with 401.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::mpsc;

pub const APP_ID: &str = "900000000000000001";
pub const BOT_ID: &str = "900000000000000002";
pub const GUILD_ID: &str = "4242";
pub const CHANNEL_ID: &str = "700000000000000001";
pub const DM_CHANNEL_ID: &str = "700000000000000002";
/// A token of the right shape; the fake accepts anything (unless told to reject it).
pub const FAKE_TOKEN: &str = "OTAwMDAwMDAwMDAwMDAwMDAy.fake.token";
/// Longest wait for any one thing the bot should do.
pub const WAIT: Duration = Duration::from_secs(15);
/// Heartbeat interval the fake asks for unless told otherwise (Discord's usual value).
pub const DEFAULT_HEARTBEAT_MS: u64 = 41_250;

/// One REST request the bot made.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub body: Value,
    /// When it arrived.
    pub at: Instant,
}

/// One IDENTIFY (op 2) or RESUME (op 6) the bot sent.
#[derive(Debug, Clone)]
pub struct Login {
    pub op: u64,
    pub d: Value,
    /// Which websocket connection (1-based, in order of opening) carried it.
    pub connection: usize,
    pub at: Instant,
}

/// How the fake behaves from the start.
#[derive(Debug, Clone)]
pub struct FakeOptions {
    /// Interval asked for in HELLO.
    pub heartbeat_interval_ms: u64,
    /// Close every IDENTIFY with 4004 (authentication failed).
    pub reject_token: bool,
    /// Answer every REST call with 401.
    pub unauthorized: bool,
    /// Follow the READY of the first this many sessions with INVALID_SESSION (not resumable).
    pub invalidate_sessions: usize,
    /// Delay before answering every interaction callback (a slow Discord).
    pub callback_delay: Duration,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            heartbeat_interval_ms: DEFAULT_HEARTBEAT_MS,
            reject_token: false,
            unauthorized: false,
            invalidate_sessions: 0,
            callback_delay: Duration::ZERO,
        }
    }
}

/// What to do to one interaction's callback.
#[derive(Debug, Clone, Copy)]
pub enum CallbackFault {
    /// Answer with this status.
    Status(u16),
    /// Answer only after this long (longer than the bot's timeout: a request that hangs).
    Hang(Duration),
}

/// What the test tells the live gateway connection to do.
#[derive(Debug)]
enum Control {
    /// A dispatch (op 0); the fake numbers it.
    Dispatch(Value),
    /// Any other payload, sent as is.
    Raw(Value),
    /// Close the websocket with this code.
    Close(u16),
}

struct Shared {
    port: u16,
    options: FakeOptions,
    requests: Mutex<Vec<Request>>,
    logins: Mutex<Vec<Login>>,
    connections: AtomicUsize,
    sessions: AtomicUsize,
    /// Last sequence number sent in the current session.
    sequence: AtomicU64,
    /// Control channel of the connection that last became ready (READY or RESUMED).
    live: Mutex<Option<mpsc::UnboundedSender<Control>>>,
    /// Connection that no longer acknowledges heartbeats (0: none).
    silent_connection: AtomicUsize,
    callback_faults: Mutex<HashMap<String, CallbackFault>>,
    /// Names of the last gateway payloads sent, for timeout messages.
    sent: Mutex<Vec<String>>,
}

/// The fake Discord.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    next_id: AtomicU64,
}

impl FakeDiscord {
    /// A well-behaved fake.
    pub async fn start() -> FakeDiscord {
        FakeDiscord::start_with(FakeOptions::default()).await
    }

    /// A fake with the given behaviour.
    pub async fn start_with(options: FakeOptions) -> FakeDiscord {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake Discord");
        let port = listener.local_addr().expect("local addr").port();
        let shared = Arc::new(Shared {
            port,
            options,
            requests: Mutex::new(Vec::new()),
            logins: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            sessions: AtomicUsize::new(0),
            sequence: AtomicU64::new(0),
            live: Mutex::new(None),
            silent_connection: AtomicUsize::new(0),
            callback_faults: Mutex::new(HashMap::new()),
            sent: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/api/v10/gateway", get(gateway_url))
            .route("/api/v10/gateway/bot", get(gateway_bot))
            .route("/api/v10/oauth2/applications/@me", get(application_info))
            .route("/ws", get(gateway_socket))
            .route(
                "/api/v10/channels/{channel}/messages/{message}/threads",
                axum::routing::post(create_thread),
            )
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

    /// The API base to give the bot.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.shared.port)
    }

    /// A fresh snowflake.
    pub fn new_id(&self) -> String {
        self.next_id.fetch_add(1, Ordering::SeqCst).to_string()
    }

    /// Every REST request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }

    pub fn request_count(&self) -> usize {
        self.shared.requests.lock().unwrap().len()
    }

    /// Every IDENTIFY and RESUME so far.
    pub fn logins(&self) -> Vec<Login> {
        self.shared.logins.lock().unwrap().clone()
    }

    /// The IDENTIFYs so far.
    pub fn identifies(&self) -> Vec<Login> {
        self.logins().into_iter().filter(|l| l.op == 2).collect()
    }

    /// The RESUMEs so far.
    pub fn resumes(&self) -> Vec<Login> {
        self.logins().into_iter().filter(|l| l.op == 6).collect()
    }

    /// Websocket connections opened so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Makes one interaction's callback fail.
    pub fn fault_callback(&self, interaction_id: &str, fault: CallbackFault) {
        self.shared
            .callback_faults
            .lock()
            .unwrap()
            .insert(interaction_id.to_string(), fault);
    }

    /// Stops acknowledging heartbeats on the live connection.
    pub fn stop_heartbeat_acks(&self) {
        let live = self.shared.connections.load(Ordering::SeqCst);
        self.shared.silent_connection.store(live, Ordering::SeqCst);
    }

    /// Closes the live websocket with `code`.
    pub fn close_gateway(&self, code: u16) {
        self.control(Control::Close(code));
    }

    /// Sends a non-dispatch payload (op 7, op 9, …) on the live websocket.
    pub fn send_raw(&self, payload: Value) {
        self.control(Control::Raw(payload));
    }

    /// Dispatches an event on the live websocket.
    pub fn dispatch(&self, event: &str, data: Value) {
        self.control(Control::Dispatch(json!({"op": 0, "t": event, "d": data})));
    }

    fn control(&self, control: Control) {
        let sender = self.shared.live.lock().unwrap().clone();
        let sender = sender.expect("gateway connected");
        sender.send(control).expect("gateway open");
    }

    fn sent_summary(&self) -> String {
        let sent = self.shared.sent.lock().unwrap();
        let from = sent.len().saturating_sub(10);
        sent[from..].join(", ")
    }

    /// Waits (at most [`WAIT`]) until `done` holds, polling every 20 ms.
    pub async fn wait_until(&self, what: &str, mut done: impl FnMut(&FakeDiscord) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !done(self) {
            if tokio::time::Instant::now() >= deadline {
                let seen: Vec<String> = self
                    .requests()
                    .iter()
                    .rev()
                    .take(10)
                    .map(|r| format!("{} {}", r.method, r.path))
                    .collect();
                panic!(
                    "timed out waiting for {what}; last gateway payloads sent: [{}]; last \
                     requests: {seen:?}; logins: {}",
                    self.sent_summary(),
                    self.logins().len()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The first request from index `since` on that matches, waiting up to [`WAIT`].
    pub async fn wait_for(
        &self,
        since: usize,
        what: &str,
        matches: impl Fn(&Request) -> bool,
    ) -> Request {
        let mut found = None;
        self.wait_until(what, |fake| {
            found = fake
                .shared
                .requests
                .lock()
                .unwrap()
                .iter()
                .skip(since)
                .find(|r| matches(r))
                .cloned();
            found.is_some()
        })
        .await;
        found.expect("found")
    }

    /// Waits for the `n`-th IDENTIFY (1-based) and returns its payload.
    pub async fn wait_for_identify(&self, n: usize) -> Value {
        self.wait_until(&format!("IDENTIFY number {n}"), |fake| {
            fake.identifies().len() >= n
        })
        .await;
        self.identifies()[n - 1].d.clone()
    }

    /// Waits until a connection is ready for dispatches after the `n`-th login (IDENTIFY or RESUME).
    pub async fn wait_for_login(&self, n: usize) -> Login {
        self.wait_until(&format!("login number {n}"), |fake| {
            fake.logins().len() >= n
        })
        .await;
        self.logins()[n - 1].clone()
    }

    /// Dispatches an interaction; returns its id and token without waiting.
    pub fn send_interaction(
        &self,
        kind: u8,
        user: &str,
        data: Value,
        message: Option<Value>,
    ) -> (String, String) {
        self.send_interaction_with(kind, user, data, message, None)
    }

    /// Dispatches `/ask question` whose callback meets `fault`; returns its id and token.
    pub fn send_failing_ask(
        &self,
        user: &str,
        question: &str,
        fault: CallbackFault,
    ) -> (String, String) {
        let data = ask_data(&self.new_id(), question);
        self.send_interaction_with(2, user, data, None, Some(fault))
    }

    fn send_interaction_with(
        &self,
        kind: u8,
        user: &str,
        data: Value,
        message: Option<Value>,
        fault: Option<CallbackFault>,
    ) -> (String, String) {
        let id = self.new_id();
        if let Some(fault) = fault {
            self.fault_callback(&id, fault);
        }
        let token = format!("token-{id}");
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
        (id, token)
    }

    /// Dispatches `/ask question` without waiting; returns the interaction's id and token.
    pub fn send_ask(&self, user: &str, question: &str) -> (String, String) {
        let data = ask_data(&self.new_id(), question);
        self.send_interaction(2, user, data, None)
    }

    /// What the bot answered to an interaction, if it has (completely): the callback body, with
    /// `data` taken from the follow-up when the bot deferred.
    pub fn reply_to(&self, id: &str, token: &str) -> Option<Value> {
        let callback_path = format!("/api/v10/interactions/{id}/{token}/callback");
        let webhook = format!("/api/v10/webhooks/{APP_ID}/{token}");
        let requests = self.shared.requests.lock().unwrap();
        let callback = requests.iter().find(|r| r.path == callback_path)?;
        let mut body = callback.body.clone();
        if body["type"] == 5 {
            let follow_up = requests
                .iter()
                .find(|r| r.path.starts_with(&webhook) && r.method != "GET")?;
            let deferred_flags = body["data"]["flags"].clone();
            body["data"] = follow_up.body.clone();
            if body["data"]["flags"].is_null() {
                body["data"]["flags"] = deferred_flags;
            }
        }
        Some(body)
    }

    /// Waits for the bot's answer to an interaction.
    pub async fn wait_reply(&self, id: &str, token: &str) -> Value {
        let mut reply = None;
        self.wait_until(&format!("the reply to interaction {id}"), |fake| {
            reply = fake.reply_to(id, token);
            reply.is_some()
        })
        .await;
        reply.expect("reply")
    }

    /// Sends an interaction and returns what the bot answered.
    pub async fn interact(
        &self,
        kind: u8,
        user: &str,
        data: Value,
        message: Option<Value>,
    ) -> Value {
        let (id, token) = self.send_interaction(kind, user, data, message);
        self.wait_reply(&id, &token).await
    }

    pub async fn slash(&self, user: &str, name: &str, options: Value) -> Value {
        let data = json!({"id": self.new_id(), "name": name, "type": 1, "options": options});
        self.interact(2, user, data, None).await
    }

    pub async fn ask(&self, user: &str, question: &str) -> Value {
        let (id, token) = self.send_ask(user, question);
        self.wait_reply(&id, &token).await
    }

    pub async fn click(&self, user: &str, custom_id: &str) -> Value {
        let message = message_json(&self.new_id(), CHANNEL_ID, BOT_ID, "", Some(GUILD_ID), &[]);
        let data = json!({"custom_id": custom_id, "component_type": 2});
        self.interact(3, user, data, Some(message)).await
    }

    /// Clicks a button without waiting; returns the interaction's id and token.
    pub fn send_click(&self, user: &str, custom_id: &str) -> (String, String) {
        let message = message_json(&self.new_id(), CHANNEL_ID, BOT_ID, "", Some(GUILD_ID), &[]);
        let data = json!({"custom_id": custom_id, "component_type": 2});
        self.send_interaction(3, user, data, Some(message))
    }

    /// Sends a message; returns the message the bot posted in reply.
    pub async fn message(&self, channel: &str, guild: Option<&str>, content: &str) -> Request {
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

/// The `data` of an `/ask` interaction.
pub fn ask_data(command_id: &str, question: &str) -> Value {
    json!({"id": command_id, "name": "ask", "type": 1,
           "options": [{"name": "question", "type": 3, "value": question}]})
}

pub fn user_json(id: &str) -> Value {
    json!({"id": id, "username": format!("user{id}"), "discriminator": "0",
           "global_name": null, "avatar": null, "bot": id == BOT_ID})
}

pub fn message_json(
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

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"message": "401: Unauthorized", "code": 0})),
    )
        .into_response()
}

fn record(shared: &Shared, method: &Method, uri: &Uri, body: Value) {
    shared.requests.lock().unwrap().push(Request {
        method: method.to_string(),
        path: uri.path().to_string(),
        body,
        at: Instant::now(),
    });
}

async fn gateway_url(State(shared): State<Arc<Shared>>, method: Method, uri: Uri) -> Response {
    record(&shared, &method, &uri, Value::Null);
    if shared.options.unauthorized {
        return unauthorized();
    }
    Json(json!({"url": format!("ws://127.0.0.1:{}/ws", shared.port)})).into_response()
}

async fn gateway_bot(State(shared): State<Arc<Shared>>, method: Method, uri: Uri) -> Response {
    record(&shared, &method, &uri, Value::Null);
    if shared.options.unauthorized {
        return unauthorized();
    }
    Json(json!({
        "url": format!("ws://127.0.0.1:{}/ws", shared.port),
        "shards": 1,
        "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
    }))
    .into_response()
}

async fn application_info(State(shared): State<Arc<Shared>>, method: Method, uri: Uri) -> Response {
    record(&shared, &method, &uri, Value::Null);
    if shared.options.unauthorized {
        return unauthorized();
    }
    Json(json!({
        "id": APP_ID, "name": "interview-bot", "description": "", "bot_public": true,
        "bot_require_code_grant": false, "verify_key": "00", "icon": null, "flags": 0
    }))
    .into_response()
}

async fn rest(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    record(&shared, &method, &uri, body.clone());
    if shared.options.unauthorized {
        return unauthorized();
    }
    if path.ends_with("/callback") {
        let interaction = path
            .strip_prefix("/api/v10/interactions/")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or("");
        let fault = shared
            .callback_faults
            .lock()
            .unwrap()
            .get(interaction)
            .copied();
        tokio::time::sleep(shared.options.callback_delay).await;
        return match fault {
            Some(CallbackFault::Status(status)) => (
                StatusCode::from_u16(status).expect("status"),
                Json(json!({"message": "Internal Server Error", "code": 0})),
            )
                .into_response(),
            Some(CallbackFault::Hang(time)) => {
                tokio::time::sleep(time).await;
                StatusCode::NO_CONTENT.into_response()
            }
            None => StatusCode::NO_CONTENT.into_response(),
        };
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

fn text(value: &Value) -> WsMessage {
    WsMessage::Text(value.to_string().into())
}

fn payload_name(value: &Value) -> String {
    match value["t"].as_str() {
        Some(t) => t.to_string(),
        None => format!("op {}", value["op"]),
    }
}

/// Sends a payload and remembers its name.
async fn send(shared: &Shared, socket: &mut WebSocket, value: &Value) -> bool {
    shared.sent.lock().unwrap().push(payload_name(value));
    socket.send(text(value)).await.is_ok()
}

/// Sends a dispatch with the session's next sequence number.
async fn send_dispatch(shared: &Shared, socket: &mut WebSocket, mut event: Value) -> bool {
    let sequence = shared.sequence.fetch_add(1, Ordering::SeqCst) + 1;
    event["s"] = json!(sequence);
    send(shared, socket, &event).await
}

async fn run_gateway(shared: Arc<Shared>, mut socket: WebSocket) {
    let connection = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
    let hello =
        json!({"op": 10, "d": {"heartbeat_interval": shared.options.heartbeat_interval_ms}});
    if !send(&shared, &mut socket, &hello).await {
        return;
    }
    let (sender, mut controls) = mpsc::unbounded_channel::<Control>();
    let mut closing = false;
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                // after a Close frame keep reading, so the close handshake completes
                let Some(Ok(message)) = incoming else { break };
                let frame: Value = match message {
                    WsMessage::Text(t) => serde_json::from_str(t.as_str()).unwrap_or(Value::Null),
                    _ => continue,
                };
                if closing {
                    continue;
                }
                match frame["op"].as_u64() {
                    Some(1) if shared.silent_connection.load(Ordering::SeqCst) != connection => {
                        let _ = send(&shared, &mut socket, &json!({"op": 11})).await;
                    }
                    Some(2) => {
                        shared.logins.lock().unwrap().push(Login {
                            op: 2,
                            d: frame["d"].clone(),
                            connection,
                            at: Instant::now(),
                        });
                        if shared.options.reject_token {
                            let close = CloseFrame {
                                code: 4004,
                                reason: "Authentication failed.".into(),
                            };
                            let _ = socket.send(WsMessage::Close(Some(close))).await;
                            closing = true;
                            continue;
                        }
                        let session = shared.sessions.fetch_add(1, Ordering::SeqCst) + 1;
                        shared.sequence.store(0, Ordering::SeqCst);
                        let shard = if frame["d"]["shard"].is_array() {
                            frame["d"]["shard"].clone()
                        } else {
                            json!([0, 1])
                        };
                        let ready = json!({"op": 0, "t": "READY", "d": {
                            "v": 10,
                            "user": user_json(BOT_ID),
                            "guilds": [],
                            "session_id": format!("session-{session}"),
                            "resume_gateway_url": format!("ws://127.0.0.1:{}/ws", shared.port),
                            "application": {"id": APP_ID, "flags": 0},
                            "shard": shard
                        }});
                        *shared.live.lock().unwrap() = Some(sender.clone());
                        let _ = send_dispatch(&shared, &mut socket, ready).await;
                        if session <= shared.options.invalidate_sessions {
                            let _ = send(&shared, &mut socket, &json!({"op": 9, "d": false})).await;
                        }
                    }
                    Some(6) => {
                        shared.logins.lock().unwrap().push(Login {
                            op: 6,
                            d: frame["d"].clone(),
                            connection,
                            at: Instant::now(),
                        });
                        *shared.live.lock().unwrap() = Some(sender.clone());
                        let resumed = json!({"op": 0, "t": "RESUMED", "d": {}});
                        let _ = send_dispatch(&shared, &mut socket, resumed).await;
                    }
                    _ => {}
                }
            }
            Some(control) = controls.recv(), if !closing => {
                let sent = match control {
                    Control::Dispatch(event) => send_dispatch(&shared, &mut socket, event).await,
                    Control::Raw(payload) => send(&shared, &mut socket, &payload).await,
                    Control::Close(code) => {
                        shared.sent.lock().unwrap().push(format!("close {code}"));
                        closing = true;
                        let close = CloseFrame { code, reason: "".into() };
                        socket.send(WsMessage::Close(Some(close))).await.is_ok()
                    }
                };
                if !sent {
                    break;
                }
            }
        }
    }
}

// ---- community features: threads, replies to messages, context-menu commands ----

/// A message id whose thread creation the fake refuses with 403 Missing Permissions (50013).
pub const NO_THREADS_MESSAGE_ID: &str = "500000000000000001";

/// Ids of threads the fake creates.
static NEXT_THREAD_ID: AtomicU64 = AtomicU64::new(710_000_000_000_000_001);

/// `POST /channels/{channel}/messages/{message}/threads`: a public thread from a message, or 403
/// for [`NO_THREADS_MESSAGE_ID`].
async fn create_thread(
    State(shared): State<Arc<Shared>>,
    axum::extract::Path((channel, message)): axum::extract::Path<(String, String)>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    record(&shared, &method, &uri, body.clone());
    if message == NO_THREADS_MESSAGE_ID {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({"message": "Missing Permissions", "code": 50013})),
        )
            .into_response();
    }
    let id = NEXT_THREAD_ID.fetch_add(1, Ordering::SeqCst).to_string();
    Json(json!({
        "id": id,
        "type": 11,
        "guild_id": GUILD_ID,
        "parent_id": channel,
        "owner_id": BOT_ID,
        "name": body["name"],
        "flags": 0,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "thread_metadata": {
            "archived": false,
            "auto_archive_duration": body["auto_archive_duration"].as_u64().unwrap_or(1440),
            "archive_timestamp": "2025-01-01T00:00:00.000000+00:00",
            "locked": false
        }
    }))
    .into_response()
}

impl FakeDiscord {
    /// Dispatches an interaction in `channel` (a thread, another channel) without waiting.
    pub fn send_interaction_in(
        &self,
        channel: &str,
        kind: u8,
        user: &str,
        data: Value,
        message: Option<Value>,
    ) -> (String, String) {
        let id = self.new_id();
        let token = format!("token-{id}");
        let mut payload = json!({
            "id": id,
            "application_id": APP_ID,
            "type": kind,
            "token": token,
            "version": 1,
            "channel_id": channel,
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
        (id, token)
    }

    /// `/ask question` in `channel`; returns what the bot answered.
    pub async fn ask_in(&self, channel: &str, user: &str, question: &str) -> Value {
        let data = ask_data(&self.new_id(), question);
        let (id, token) = self.send_interaction_in(channel, 2, user, data, None);
        self.wait_reply(&id, &token).await
    }

    /// A slash command in `channel`; returns what the bot answered.
    pub async fn slash_in(&self, channel: &str, user: &str, name: &str, options: Value) -> Value {
        let data = json!({"id": self.new_id(), "name": name, "type": 1, "options": options});
        let (id, token) = self.send_interaction_in(channel, 2, user, data, None);
        self.wait_reply(&id, &token).await
    }

    /// Clicks a button on the message `message` (as Discord sends it with the click); returns
    /// what the bot answered.
    pub async fn click_on(&self, user: &str, custom_id: &str, message: Value) -> Value {
        let channel = message["channel_id"]
            .as_str()
            .unwrap_or(CHANNEL_ID)
            .to_string();
        let data = json!({"custom_id": custom_id, "component_type": 2});
        let (id, token) = self.send_interaction_in(&channel, 3, user, data, Some(message));
        self.wait_reply(&id, &token).await
    }

    /// Uses the message context-menu command `name` on `target`; returns what the bot answered.
    pub async fn context_menu(&self, user: &str, name: &str, target: Value) -> Value {
        let target_id = target["id"].as_str().unwrap_or("").to_string();
        let data = json!({
            "id": self.new_id(),
            "name": name,
            "type": 3,
            "target_id": target_id,
            "resolved": {"messages": {target_id.clone(): target}},
        });
        self.interact(2, user, data, None).await
    }

    /// Sends a Discord reply (type 19) to `referenced`, pinging its author when `ping`; returns
    /// the message the bot posted in answer.
    pub async fn reply_to_message(&self, referenced: Value, content: &str, ping: bool) -> Request {
        let channel = referenced["channel_id"]
            .as_str()
            .unwrap_or(CHANNEL_ID)
            .to_string();
        let id = self.new_id();
        let since = self.request_count();
        let author = self.new_id();
        let referenced_author = referenced["author"]["id"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let mentions: Vec<&str> = if ping {
            vec![referenced_author.as_str()]
        } else {
            vec![]
        };
        let mut message = message_json(&id, &channel, &author, content, Some(GUILD_ID), &mentions);
        message["type"] = json!(19);
        message["message_reference"] = json!({
            "message_id": referenced["id"],
            "channel_id": channel,
            "guild_id": GUILD_ID,
        });
        message["referenced_message"] = referenced;
        self.dispatch("MESSAGE_CREATE", message);
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

    /// The message Discord would show for a bot reply `data` (embeds and components as sent),
    /// posted in `channel` with id `id`: what a user replies to or clicks on.
    pub fn bot_message(&self, id: &str, channel: &str, data: &Value) -> Value {
        let mut message = message_json(id, channel, BOT_ID, "", Some(GUILD_ID), &[]);
        message["embeds"] = data["embeds"].clone();
        message["components"] = data["components"].clone();
        if let Some(flags) = data["flags"].as_u64() {
            message["flags"] = json!(flags);
        }
        message
    }

    /// The threads the bot created so far (the create requests).
    pub fn thread_requests(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/threads"))
            .collect()
    }
}
