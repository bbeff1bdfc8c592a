//! A fake Discord for end-to-end tests, in the test process on 127.0.0.1: REST over HTTPS as
//! `discord.com` (the bot is told to trust a test authority and to reach that host here, so its
//! production HTTP stack, serenity's ratelimiter included, is what runs), and the gateway as a
//! plain websocket on a second port.
//!
//! It records every REST request and every IDENTIFY/RESUME, dispatches events, and answers as
//! Discord does: an initial response later than 3 s (on the fake's own clock, moved by the test)
//! is 10062, a second one 40060, a follow-up with a token older than 15 min 50027, a callback
//! type that does not fit the interaction or a body over Discord's limits 50035; every answer
//! carries per-route rate-limit headers, and a test can ask for a 429 (route or global). On
//! demand it also misbehaves: closes the websocket with a code, sends RECONNECT or
//! INVALID_SESSION, stops acknowledging heartbeats, invalidates fresh sessions, fails or holds
//! callbacks, and answers every REST call with 401.
//!
//! REST routes are matched in one place, [`Route::of`], and answered in [`answer`].

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::{mpsc, watch};

use super::discord_rules::{self, Broken};
use super::openapi;
use super::tls::{TestCa, TlsListener};

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
/// Requests per bucket and window in the rate-limit headers.
pub const BUCKET_LIMIT: u64 = 50;
/// Length of a rate-limit window.
const BUCKET_WINDOW: Duration = Duration::from_secs(1);

/// One REST request the bot made, and how the fake answered it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// The query string, without `?`.
    pub query: String,
    pub body: Value,
    /// When it arrived.
    pub at: Instant,
    /// The status answered (0 while not answered yet).
    pub status: u16,
    /// Discord's error code when the answer was a refusal.
    pub code: Option<u64>,
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
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            heartbeat_interval_ms: DEFAULT_HEARTBEAT_MS,
            reject_token: false,
            unauthorized: false,
            invalidate_sessions: 0,
        }
    }
}

/// What to do to one interaction's initial response.
#[derive(Debug, Clone, Copy)]
pub enum CallbackFault {
    /// Take the response (the interaction counts as acknowledged) but answer with this status.
    Status(u16),
    /// Answer only after this long (longer than the bot's timeout: a request that hangs).
    Hang(Duration),
}

/// Which requests of one interaction the fake holds until [`FakeDiscord::release_callbacks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Its initial response (the callback).
    InitialResponse,
    /// Its follow-ups and edits (the webhook routes).
    FollowUps,
}

/// How one dispatched interaction is treated.
#[derive(Debug, Clone, Copy, Default)]
pub struct InteractionSetup {
    pub fault: Option<CallbackFault>,
    pub hold: Option<Hold>,
    /// The asker's Discord locale (`zh-CN` when `None`).
    pub locale: Option<&'static str>,
}

/// A REST route the fake knows; everything else is answered 404.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Gateway,
    GatewayBot,
    MyApplication,
    /// `PUT /applications/{app}/commands` or `…/guilds/{guild}/commands`.
    Commands {
        guild: Option<String>,
    },
    /// `POST /interactions/{id}/{token}/callback`.
    InteractionCallback {
        interaction: String,
    },
    /// `/webhooks/{app}/{token}/messages/@original`.
    OriginalResponse {
        token: String,
    },
    /// `POST /webhooks/{app}/{token}`.
    FollowUp {
        token: String,
    },
    /// `/webhooks/{app}/{token}/messages/{message}`.
    FollowUpMessage {
        token: String,
    },
    /// `/channels/{channel}/messages`.
    ChannelMessages {
        channel: String,
    },
    /// `POST /channels/{channel}/messages/{message}/threads`.
    MessageThread {
        channel: String,
        message: String,
    },
    Unknown,
}

/// Route groups a test can ask a 429 for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteKind {
    Callback,
    Webhook,
    ChannelMessage,
    Commands,
    Other,
}

impl Route {
    /// The route of a request path.
    pub fn of(path: &str) -> Route {
        let Some(rest) = path.strip_prefix("/api/v10/") else {
            return Route::Unknown;
        };
        let parts: Vec<&str> = rest.split('/').collect();
        match parts.as_slice() {
            ["gateway"] => Route::Gateway,
            ["gateway", "bot"] => Route::GatewayBot,
            ["oauth2", "applications", "@me"] => Route::MyApplication,
            ["applications", _, "commands"] => Route::Commands { guild: None },
            ["applications", _, "guilds", guild, "commands"] => Route::Commands {
                guild: Some(guild.to_string()),
            },
            ["interactions", id, _, "callback"] => Route::InteractionCallback {
                interaction: id.to_string(),
            },
            ["webhooks", _, token, "messages", "@original"] => Route::OriginalResponse {
                token: token.to_string(),
            },
            ["webhooks", _, token, "messages", _] => Route::FollowUpMessage {
                token: token.to_string(),
            },
            ["webhooks", _, token] => Route::FollowUp {
                token: token.to_string(),
            },
            ["channels", channel, "messages"] => Route::ChannelMessages {
                channel: channel.to_string(),
            },
            ["channels", channel, "messages", message, "threads"] => Route::MessageThread {
                channel: channel.to_string(),
                message: message.to_string(),
            },
            _ => Route::Unknown,
        }
    }

    /// Its group.
    pub fn kind(&self) -> RouteKind {
        match self {
            Route::InteractionCallback { .. } => RouteKind::Callback,
            Route::OriginalResponse { .. }
            | Route::FollowUp { .. }
            | Route::FollowUpMessage { .. } => RouteKind::Webhook,
            Route::ChannelMessages { .. } => RouteKind::ChannelMessage,
            Route::Commands { .. } => RouteKind::Commands,
            _ => RouteKind::Other,
        }
    }

    /// Its rate-limit bucket: the group and its major parameter, as Discord keys them.
    fn bucket(&self) -> String {
        match self {
            Route::InteractionCallback { interaction } => format!("callback:{interaction}"),
            Route::OriginalResponse { .. }
            | Route::FollowUp { .. }
            | Route::FollowUpMessage { .. } => format!("webhook:{APP_ID}"),
            Route::ChannelMessages { channel } => format!("messages:{channel}"),
            Route::MessageThread { channel, .. } => format!("threads:{channel}"),
            other => format!("{other:?}"),
        }
    }
}

/// What the fake knows of one interaction it dispatched.
#[derive(Debug, Clone)]
struct InteractionState {
    kind: u8,
    /// When it was dispatched, on the fake's clock.
    created: Duration,
    acknowledged: bool,
}

/// Requests held until the test releases them.
#[derive(Debug, Clone, Default)]
struct Holds {
    all_callbacks: bool,
    callbacks: HashSet<String>,
    follow_ups: HashSet<String>,
}

/// A 429 the test asked for.
#[derive(Debug, Clone, Copy)]
struct PlannedLimit {
    kind: RouteKind,
    retry_after: Duration,
    global: bool,
}

/// Requests counted in one bucket's current window.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    window_start: Instant,
    used: u64,
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
    gateway_port: u16,
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
    interactions: Mutex<HashMap<String, InteractionState>>,
    /// The fake's clock: time the test has moved it on by.
    clock: Mutex<Duration>,
    holds: watch::Sender<Holds>,
    /// Requests waiting for [`FakeDiscord::release_callbacks`].
    held: AtomicUsize,
    planned_limits: Mutex<Vec<PlannedLimit>>,
    buckets: Mutex<HashMap<String, Bucket>>,
    /// Names of the last gateway payloads sent, for timeout messages.
    sent: Mutex<Vec<String>>,
}

impl Shared {
    fn now(&self) -> Duration {
        *self.clock.lock().unwrap()
    }
}

/// The fake Discord.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    next_id: AtomicU64,
    rest_port: u16,
    /// Holds the test authority's certificate for the bot.
    ca_dir: tempfile::TempDir,
    /// Whether the test checked its requests (see [`FakeDiscord::assert_contract`]).
    checked: AtomicBool,
}

impl FakeDiscord {
    /// A well-behaved fake.
    pub async fn start() -> FakeDiscord {
        FakeDiscord::start_with(FakeOptions::default()).await
    }

    /// A fake with the given behaviour.
    pub async fn start_with(options: FakeOptions) -> FakeDiscord {
        let rest_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake Discord REST");
        let gateway_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake Discord gateway");
        let rest_port = rest_listener.local_addr().expect("local addr").port();
        let gateway_port = gateway_listener.local_addr().expect("local addr").port();
        let shared = Arc::new(Shared {
            gateway_port,
            options,
            requests: Mutex::new(Vec::new()),
            logins: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            sessions: AtomicUsize::new(0),
            sequence: AtomicU64::new(0),
            live: Mutex::new(None),
            silent_connection: AtomicUsize::new(0),
            callback_faults: Mutex::new(HashMap::new()),
            interactions: Mutex::new(HashMap::new()),
            clock: Mutex::new(Duration::ZERO),
            holds: watch::channel(Holds::default()).0,
            held: AtomicUsize::new(0),
            planned_limits: Mutex::new(Vec::new()),
            buckets: Mutex::new(HashMap::new()),
            sent: Mutex::new(Vec::new()),
        });
        let ca = TestCa::generate();
        let ca_dir = tempfile::tempdir().expect("temp dir for the test authority");
        std::fs::write(ca_dir.path().join("ca.pem"), &ca.ca_pem).expect("write the authority");
        let rest_app = Router::new().fallback(rest).with_state(shared.clone());
        let tls = TlsListener::new(rest_listener, ca.server.clone());
        tokio::spawn(async move {
            axum::serve(tls, rest_app)
                .await
                .expect("fake Discord serves REST");
        });
        let gateway_app = Router::new()
            .route("/ws", get(gateway_socket))
            .with_state(shared.clone());
        tokio::spawn(async move {
            axum::serve(gateway_listener, gateway_app)
                .await
                .expect("fake Discord serves the gateway");
        });
        FakeDiscord {
            shared,
            next_id: AtomicU64::new(100_000_000_000_000_000),
            rest_port,
            ca_dir,
            checked: AtomicBool::new(false),
        }
    }

    /// The port of the REST side (HTTPS, as `discord.com`).
    pub fn rest_port(&self) -> u16 {
        self.rest_port
    }

    /// The test authority's certificate (PEM file) that the fake's `discord.com` is signed by.
    pub fn ca_file(&self) -> PathBuf {
        self.ca_dir.path().join("ca.pem")
    }

    /// The value of the bot's test-only setting that sends its Discord traffic here.
    pub fn endpoint(&self) -> String {
        format!("127.0.0.1:{},{}", self.rest_port, self.ca_file().display())
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

    /// Moves the fake's clock on: interactions and their tokens age by `by` at once.
    pub fn advance_clock(&self, by: Duration) {
        *self.shared.clock.lock().unwrap() += by;
    }

    /// Answers the next request of this group with 429 and `retry_after`, for its route or, with
    /// `global`, for every route (`X-RateLimit-Global`).
    pub fn rate_limit_next(&self, kind: RouteKind, retry_after: Duration, global: bool) {
        self.shared
            .planned_limits
            .lock()
            .unwrap()
            .push(PlannedLimit {
                kind,
                retry_after,
                global,
            });
    }

    /// From now on every initial response is recorded but not answered until
    /// [`release_callbacks`](Self::release_callbacks): replies known to be in flight.
    pub fn hold_callbacks(&self) {
        self.shared
            .holds
            .send_modify(|holds| holds.all_callbacks = true);
    }

    /// Answers every held request, and every later one at once.
    pub fn release_callbacks(&self) {
        self.shared.holds.send_replace(Holds::default());
    }

    /// Requests received and not yet answered because they are held.
    pub fn held_callbacks(&self) -> usize {
        self.shared.held.load(Ordering::SeqCst)
    }

    /// Checks every request so far against Discord's OpenAPI description, and that the fake
    /// refused none except with one of `expected_refusals` (Discord's codes, 0 for a refusal
    /// without one); prints how many were checked. Every test of the bot process ends with it.
    pub fn assert_contract(&self, expected_refusals: &[u64]) -> usize {
        self.checked.store(true, Ordering::SeqCst);
        let requests = self.requests();
        let spec = openapi::spec();
        let mut problems = Vec::new();
        for request in &requests {
            for violation in spec.check(
                &request.method,
                &request.path,
                &request.query,
                &request.body,
            ) {
                problems.push(format!("{} {}: {violation}", request.method, request.path));
            }
            let refused = request.status >= 400 && request.status != 429;
            let code = request.code.unwrap_or(0);
            if refused && !expected_refusals.contains(&code) {
                problems.push(format!(
                    "{} {}: refused with {} (code {code}), body {}",
                    request.method, request.path, request.status, request.body
                ));
            }
        }
        assert!(
            problems.is_empty(),
            "{} of {} requests break Discord's contract:\n{}",
            problems.len(),
            requests.len(),
            problems.join("\n")
        );
        println!(
            "checked {} requests against Discord's OpenAPI description: 0 violations",
            requests.len()
        );
        requests.len()
    }

    /// Ends a test whose requests break Discord's rules on purpose (tests of the fake itself),
    /// without the contract check.
    pub fn skip_contract(&self, why: &str) {
        assert!(!why.is_empty(), "say why the contract is not checked");
        self.checked.store(true, Ordering::SeqCst);
    }

    /// Makes one interaction's initial response fail.
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
    pub async fn wait_until(&self, what: &str, done: impl FnMut(&FakeDiscord) -> bool) {
        self.wait_until_within(what, WAIT, done).await;
    }

    /// Waits (at most `limit`) until `done` holds, polling every 20 ms.
    pub async fn wait_until_within(
        &self,
        what: &str,
        limit: Duration,
        mut done: impl FnMut(&FakeDiscord) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + limit;
        while !done(self) {
            if tokio::time::Instant::now() >= deadline {
                let seen: Vec<String> = self
                    .requests()
                    .iter()
                    .rev()
                    .take(10)
                    .map(|r| format!("{} {} → {}", r.method, r.path, r.status))
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

    /// The first answered request from index `since` on that matches, waiting up to [`WAIT`].
    pub async fn wait_for_answered(
        &self,
        since: usize,
        what: &str,
        matches: impl Fn(&Request) -> bool,
    ) -> Request {
        self.wait_for(since, what, |r| r.status != 0 && matches(r))
            .await
    }

    /// Waits for the `n`-th IDENTIFY (1-based) and returns its payload.
    pub async fn wait_for_identify(&self, n: usize) -> Value {
        self.wait_for_identify_within(n, WAIT).await
    }

    /// Waits at most `limit` for the `n`-th IDENTIFY (1-based) and returns its payload.
    pub async fn wait_for_identify_within(&self, n: usize, limit: Duration) -> Value {
        self.wait_until_within(&format!("IDENTIFY number {n}"), limit, |fake| {
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
        self.send_interaction_with(kind, user, data, message, InteractionSetup::default())
    }

    /// Dispatches `/ask question` whose initial response meets `fault`; returns its id and token.
    pub fn send_failing_ask(
        &self,
        user: &str,
        question: &str,
        fault: CallbackFault,
    ) -> (String, String) {
        let setup = InteractionSetup {
            fault: Some(fault),
            ..Default::default()
        };
        self.send_ask_with(user, question, setup)
    }

    /// Dispatches `/ask question` set up as told; returns its id and token.
    pub fn send_ask_with(
        &self,
        user: &str,
        question: &str,
        setup: InteractionSetup,
    ) -> (String, String) {
        let data = ask_data(&self.new_id(), question);
        self.send_interaction_with(2, user, data, None, setup)
    }

    /// Dispatches an interaction set up as told; returns its id and token.
    pub fn send_interaction_with(
        &self,
        kind: u8,
        user: &str,
        data: Value,
        message: Option<Value>,
        setup: InteractionSetup,
    ) -> (String, String) {
        let (id, token) = self.register_interaction(kind, setup);
        let mut payload = json!({
            "id": id,
            "application_id": APP_ID,
            "type": kind,
            "token": token,
            "version": 1,
            "channel_id": CHANNEL_ID,
            "guild_id": GUILD_ID,
            "locale": setup.locale.unwrap_or("zh-CN"),
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

    /// Makes an interaction known to the fake without dispatching it; returns its id and token.
    pub fn register_interaction(&self, kind: u8, setup: InteractionSetup) -> (String, String) {
        let id = self.new_id();
        if let Some(fault) = setup.fault {
            self.fault_callback(&id, fault);
        }
        match setup.hold {
            Some(Hold::InitialResponse) => self.shared.holds.send_modify(|holds| {
                holds.callbacks.insert(id.clone());
            }),
            Some(Hold::FollowUps) => self.shared.holds.send_modify(|holds| {
                holds.follow_ups.insert(id.clone());
            }),
            None => {}
        }
        self.shared.interactions.lock().unwrap().insert(
            id.clone(),
            InteractionState {
                kind,
                created: self.shared.now(),
                acknowledged: false,
            },
        );
        let token = format!("token-{id}");
        (id, token)
    }

    /// Dispatches `/ask question` without waiting; returns the interaction's id and token.
    pub fn send_ask(&self, user: &str, question: &str) -> (String, String) {
        let data = ask_data(&self.new_id(), question);
        self.send_interaction(2, user, data, None)
    }

    /// Every request made for one interaction: its callbacks and its webhook calls.
    pub fn requests_for(&self, id: &str, token: &str) -> Vec<Request> {
        let callback = format!("/api/v10/interactions/{id}/");
        let webhook = format!("/api/v10/webhooks/{APP_ID}/{token}");
        self.requests()
            .into_iter()
            .filter(|r| r.path.starts_with(&callback) || r.path.starts_with(&webhook))
            .collect()
    }

    /// What the bot answered to an interaction, once Discord took it: the accepted initial
    /// response, with `data` taken from the accepted follow-up when the bot deferred.
    pub fn reply_to(&self, id: &str, token: &str) -> Option<Value> {
        let callback_path = format!("/api/v10/interactions/{id}/{token}/callback");
        let webhook = format!("/api/v10/webhooks/{APP_ID}/{token}");
        let accepted = |r: &&Request| (200..300).contains(&r.status);
        let requests = self.shared.requests.lock().unwrap();
        let callback = requests
            .iter()
            .filter(accepted)
            .find(|r| r.path == callback_path)?;
        let mut body = callback.body.clone();
        if body["type"] == 5 {
            let follow_up = requests
                .iter()
                .filter(accepted)
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

    /// Sends an autocomplete interaction for `command`'s focused string option `option`.
    pub async fn autocomplete(
        &self,
        user: &str,
        command: &str,
        option: &str,
        typed: &str,
    ) -> Value {
        let data = json!({"id": self.new_id(), "name": command, "type": 1,
                          "options": [{"name": option, "type": 3, "value": typed, "focused": true}]});
        self.interact(4, user, data, None).await
    }

    pub async fn click(&self, user: &str, custom_id: &str) -> Value {
        let (id, token) = self.send_click(user, custom_id);
        self.wait_reply(&id, &token).await
    }

    /// Clicks a button without waiting; returns the interaction's id and token.
    pub fn send_click(&self, user: &str, custom_id: &str) -> (String, String) {
        let message = message_json(&self.new_id(), CHANNEL_ID, BOT_ID, "", Some(GUILD_ID), &[]);
        let data = json!({"custom_id": custom_id, "component_type": 2});
        self.send_interaction(3, user, data, Some(message))
    }

    /// Sends a message; returns the message the bot posted in reply (once Discord took it).
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
                r.method == "POST" && r.path == path && (200..300).contains(&r.status)
            })
            .await;
        assert_eq!(
            reply.body["message_reference"]["message_id"], id,
            "the reply refers to the question"
        );
        reply
    }
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        if !std::thread::panicking() && !self.checked.load(Ordering::SeqCst) {
            panic!(
                "the test ended (or timed out) without checking its requests: end every test of \
                 the bot with FakeDiscord::assert_contract"
            );
        }
    }
}

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

/// One answer before its rate-limit headers.
struct Answer {
    status: StatusCode,
    body: Option<Value>,
    /// Discord's code when the answer refuses the request.
    code: Option<u64>,
}

impl Answer {
    fn json(body: Value) -> Answer {
        Answer {
            status: StatusCode::OK,
            body: Some(body),
            code: None,
        }
    }

    fn no_content() -> Answer {
        Answer {
            status: StatusCode::NO_CONTENT,
            body: None,
            code: None,
        }
    }

    /// Discord's error JSON.
    fn refuse(status: u16, code: u64, message: &str, broken: &[Broken]) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).expect("status"),
            body: Some(discord_rules::error_body(code, message, broken)),
            code: Some(code),
        }
    }

    fn invalid_form_body(broken: &[Broken]) -> Answer {
        Answer::refuse(
            400,
            discord_rules::INVALID_FORM_BODY,
            "Invalid Form Body",
            broken,
        )
    }
}

fn record(shared: &Shared, method: &Method, uri: &Uri, body: Value) -> usize {
    let mut requests = shared.requests.lock().unwrap();
    requests.push(Request {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or("").to_string(),
        body,
        at: Instant::now(),
        status: 0,
        code: None,
    });
    requests.len() - 1
}

/// Every REST request: recorded, answered by [`answer`] (or a planned 429), given rate-limit
/// headers, and its status noted.
async fn rest(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let route = Route::of(uri.path());
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let index = record(&shared, &method, &uri, body.clone());
    let planned = {
        let mut plans = shared.planned_limits.lock().unwrap();
        plans
            .iter()
            .position(|p| p.kind == route.kind())
            .map(|i| plans.remove(i))
    };
    let (answer, limited) = match planned {
        Some(plan) => (rate_limited(plan), Some(plan)),
        None => (answer(&shared, &method, &route, &body).await, None),
    };
    {
        let mut requests = shared.requests.lock().unwrap();
        requests[index].status = answer.status.as_u16();
        requests[index].code = answer.code;
    }
    let mut response = match answer.body {
        Some(body) => (answer.status, Json(body)).into_response(),
        None => answer.status.into_response(),
    };
    add_rate_limit_headers(&shared, &route, limited, &mut response);
    response
}

/// A 429 as Discord sends it.
fn rate_limited(plan: PlannedLimit) -> Answer {
    Answer {
        status: StatusCode::TOO_MANY_REQUESTS,
        body: Some(json!({
            "message": "You are being rate limited.",
            "retry_after": plan.retry_after.as_secs_f64(),
            "global": plan.global,
        })),
        code: None,
    }
}

/// `X-RateLimit-*` headers of the request's bucket (and `Retry-After`, `X-RateLimit-Global` on a
/// 429).
fn add_rate_limit_headers(
    shared: &Shared,
    route: &Route,
    limited: Option<PlannedLimit>,
    response: &mut Response,
) {
    let bucket_key = route.bucket();
    let now = Instant::now();
    let (used, reset_after) = {
        let mut buckets = shared.buckets.lock().unwrap();
        let bucket = buckets.entry(bucket_key.clone()).or_insert(Bucket {
            window_start: now,
            used: 0,
        });
        if now.duration_since(bucket.window_start) >= BUCKET_WINDOW {
            *bucket = Bucket {
                window_start: now,
                used: 0,
            };
        }
        bucket.used += 1;
        let left = BUCKET_WINDOW.saturating_sub(now.duration_since(bucket.window_start));
        (bucket.used, left)
    };
    let (remaining, reset_after) = match limited {
        Some(plan) => (0, plan.retry_after),
        None => (BUCKET_LIMIT.saturating_sub(used), reset_after),
    };
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        + reset_after;
    let hash = bucket_key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let mut headers = vec![
        ("x-ratelimit-limit", BUCKET_LIMIT.to_string()),
        ("x-ratelimit-remaining", remaining.to_string()),
        ("x-ratelimit-reset", format!("{:.3}", reset.as_secs_f64())),
        (
            "x-ratelimit-reset-after",
            format!("{:.3}", reset_after.as_secs_f64()),
        ),
        ("x-ratelimit-bucket", format!("{hash:016x}")),
    ];
    if let Some(plan) = limited {
        headers.push((
            "retry-after",
            format!("{:.3}", plan.retry_after.as_secs_f64()),
        ));
        let scope = if plan.global { "global" } else { "user" };
        headers.push(("x-ratelimit-scope", scope.to_string()));
        if plan.global {
            headers.push(("x-ratelimit-global", "true".to_string()));
        }
    }
    for (name, value) in headers {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_str(&value).expect("header value"));
    }
}

/// How the fake answers each route. New routes get an arm here and in [`Route::of`].
async fn answer(shared: &Shared, method: &Method, route: &Route, body: &Value) -> Answer {
    if shared.options.unauthorized {
        return Answer::refuse(401, 0, "401: Unauthorized", &[]);
    }
    let gateway_url = format!("ws://127.0.0.1:{}/ws", shared.gateway_port);
    match (method.as_str(), route) {
        ("GET", Route::Gateway) => Answer::json(json!({"url": gateway_url})),
        ("GET", Route::GatewayBot) => Answer::json(json!({
            "url": gateway_url,
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0,
                                    "max_concurrency": 1}
        })),
        ("GET", Route::MyApplication) => Answer::json(json!({
            "id": APP_ID, "name": "interview-bot", "description": "", "bot_public": true,
            "bot_require_code_grant": false, "verify_key": "00", "icon": null, "flags": 0
        })),
        ("PUT", Route::Commands { .. }) => Answer::json(json!([])),
        ("POST", Route::InteractionCallback { interaction }) => {
            interaction_callback(shared, interaction, body).await
        }
        (
            _,
            Route::OriginalResponse { token }
            | Route::FollowUp { token }
            | Route::FollowUpMessage { token },
        ) => follow_up(shared, method, token, body).await,
        ("POST", Route::ChannelMessages { channel }) => {
            let broken = discord_rules::check_message(body, "");
            if !broken.is_empty() {
                return Answer::invalid_form_body(&broken);
            }
            if discord_rules::is_empty_message(body) {
                return empty_message();
            }
            Answer::json(sent_message(channel, body))
        }
        ("POST", Route::MessageThread { channel, message }) => {
            thread_from_message(channel, message, body)
        }
        _ => Answer::refuse(404, 0, "404: Not Found", &[]),
    }
}

fn empty_message() -> Answer {
    Answer::refuse(
        400,
        discord_rules::EMPTY_MESSAGE,
        "Cannot send an empty message",
        &[],
    )
}

/// The message Discord would return for a body the bot sent.
fn sent_message(channel: &str, body: &Value) -> Value {
    let content = body["content"].as_str().unwrap_or("");
    message_json("600000000000000001", channel, BOT_ID, content, None, &[])
}

/// Waits while the test holds this interaction's initial response (`follow_up` false) or its
/// follow-ups (`follow_up` true).
async fn wait_while_held(shared: &Shared, interaction: &str, follow_up: bool) {
    let held = |holds: &Holds| {
        if follow_up {
            holds.follow_ups.contains(interaction)
        } else {
            holds.all_callbacks || holds.callbacks.contains(interaction)
        }
    };
    if !held(&shared.holds.borrow()) {
        return;
    }
    shared.held.fetch_add(1, Ordering::SeqCst);
    let mut holds = shared.holds.subscribe();
    let _ = holds.wait_for(|h| !held(h)).await;
    shared.held.fetch_sub(1, Ordering::SeqCst);
}

/// An initial response: in time (3 s on the fake's clock), only once, of a type that fits the
/// interaction, within Discord's limits.
async fn interaction_callback(shared: &Shared, interaction: &str, body: &Value) -> Answer {
    wait_while_held(shared, interaction, false).await;
    let fault = shared
        .callback_faults
        .lock()
        .unwrap()
        .get(interaction)
        .copied();
    if let Some(CallbackFault::Hang(time)) = fault {
        tokio::time::sleep(time).await;
    }
    let now = shared.now();
    let mut interactions = shared.interactions.lock().unwrap();
    let unknown = || {
        Answer::refuse(
            404,
            discord_rules::UNKNOWN_INTERACTION,
            "Unknown interaction",
            &[],
        )
    };
    let Some(state) = interactions.get_mut(interaction) else {
        return unknown();
    };
    if now.saturating_sub(state.created) > discord_rules::INITIAL_RESPONSE_WINDOW {
        return unknown();
    }
    if state.acknowledged {
        return Answer::refuse(
            400,
            discord_rules::ALREADY_ACKNOWLEDGED,
            "Interaction has already been acknowledged.",
            &[],
        );
    }
    let broken = discord_rules::check_callback(state.kind, body);
    if !broken.is_empty() {
        return Answer::invalid_form_body(&broken);
    }
    if body["type"] == 4 && discord_rules::is_empty_message(&body["data"]) {
        return empty_message();
    }
    state.acknowledged = true;
    match fault {
        Some(CallbackFault::Status(status)) => {
            Answer::refuse(status, 0, "Internal Server Error", &[])
        }
        _ => Answer::no_content(),
    }
}

/// A follow-up or an edit: only for an acknowledged interaction, with a token younger than
/// 15 min on the fake's clock, within Discord's limits.
async fn follow_up(shared: &Shared, method: &Method, token: &str, body: &Value) -> Answer {
    let interaction = token.strip_prefix("token-").unwrap_or(token);
    wait_while_held(shared, interaction, true).await;
    let state = shared
        .interactions
        .lock()
        .unwrap()
        .get(interaction)
        .cloned();
    let Some(state) = state.filter(|s| s.acknowledged) else {
        return Answer::refuse(404, discord_rules::UNKNOWN_WEBHOOK, "Unknown Webhook", &[]);
    };
    if shared.now().saturating_sub(state.created) > discord_rules::TOKEN_LIFETIME {
        return Answer::refuse(
            401,
            discord_rules::INVALID_WEBHOOK_TOKEN,
            "Invalid Webhook Token",
            &[],
        );
    }
    match method.as_str() {
        "DELETE" => Answer::no_content(),
        "GET" => Answer::json(sent_message(CHANNEL_ID, &json!({}))),
        _ => {
            let broken = discord_rules::check_message(body, "");
            if !broken.is_empty() {
                return Answer::invalid_form_body(&broken);
            }
            if method == Method::POST && discord_rules::is_empty_message(body) {
                return empty_message();
            }
            Answer::json(sent_message(CHANNEL_ID, body))
        }
    }
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
                            "resume_gateway_url": format!("ws://127.0.0.1:{}/ws", shared.gateway_port),
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
/// A thread started from a message, or Missing Permissions for the message tests mark so.
fn thread_from_message(channel: &str, message: &str, body: &Value) -> Answer {
    if message == NO_THREADS_MESSAGE_ID {
        return Answer::refuse(403, 50013, "Missing Permissions", &[]);
    }
    let id = NEXT_THREAD_ID.fetch_add(1, Ordering::SeqCst).to_string();
    Answer::json(json!({
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
        let (id, token) = self.register_interaction(kind, InteractionSetup::default());
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
