//! The fake Discord's own rules, without the bot: a client speaking HTTPS to it as `discord.com`
//! sees Discord's refusals (50035 for a callback type that does not fit the interaction and for
//! bodies over the limits, naming the field), rate-limit headers on every answer, a planned 429
//! with `Retry-After` and the global flag, and the OpenAPI checker naming the operation, the
//! JSON pointer and the rule of a request Discord would reject. These tests make sure the checks
//! the bot passes elsewhere can fail.

mod common;

use reqwest::header::HeaderMap;
use serde_json::{json, Value};

use common::discord_rules::INVALID_FORM_BODY;
use common::fake_discord::*;
use common::openapi;

/// A client that reaches the fake as the bot does.
fn client(fake: &FakeDiscord) -> reqwest::Client {
    let pem = std::fs::read(fake.ca_file()).expect("the authority");
    reqwest::Client::builder()
        .use_rustls_tls()
        .no_proxy()
        .resolve(
            "discord.com",
            std::net::SocketAddr::from(([127, 0, 0, 1], fake.rest_port())),
        )
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("PEM"))
        .build()
        .expect("client")
}

/// Sends `body` and returns status, headers and the JSON answer.
async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, HeaderMap, Value) {
    let mut request = client.request(method, format!("https://discord.com/api/v10{path}"));
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.expect("the fake answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, json)
}

/// Starts a fake that knows one interaction of `kind` nobody answered; returns its callback path.
async fn fake_with_interaction(kind: u8) -> (FakeDiscord, String) {
    let fake = FakeDiscord::start().await;
    let (id, token) = fake.register_interaction(kind, InteractionSetup::default());
    (fake, format!("/interactions/{id}/{token}/callback"))
}

#[tokio::test]
async fn a_callback_type_that_does_not_fit_the_interaction_is_refused_50035() {
    // an autocomplete interaction takes only type 8
    let (fake, path) = fake_with_interaction(4).await;
    let body = json!({"type": 4, "data": {"content": "hi", "allowed_mentions": {"parse": []}}});
    let (status, _, answer) = send(&client(&fake), reqwest::Method::POST, &path, Some(body)).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["code"], INVALID_FORM_BODY, "{answer}");
    assert!(answer["errors"]["type"]["_errors"].is_array(), "{answer}");
    fake.skip_contract("the request breaks the rule on purpose");
}

#[tokio::test]
async fn a_message_over_the_limits_is_refused_50035_naming_the_field() {
    let (fake, path) = fake_with_interaction(2).await;
    let body = json!({"type": 4, "data": {
        "embeds": [{"title": "题".repeat(257), "description": "ok"}],
        "allowed_mentions": {"parse": []}}});
    let (status, _, answer) = send(&client(&fake), reqwest::Method::POST, &path, Some(body)).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["code"], INVALID_FORM_BODY);
    let errors = &answer["errors"]["data"]["embeds"]["0"]["title"]["_errors"];
    assert_eq!(errors[0]["code"], "BASE_TYPE_MAX_LENGTH", "{answer}");
    // the same checker is what every bot test's contract check reports
    let long = json!({"type": 4, "data": {"content": "字".repeat(2_001)}});
    let violations = openapi::spec().check("POST", &format!("/api/v10{path}"), "", &long);
    assert!(
        !violations.is_empty(),
        "2,001 characters pass the description"
    );
    fake.skip_contract("the request breaks the rule on purpose");
}

#[tokio::test]
async fn a_second_initial_response_is_refused_40060() {
    let (fake, path) = fake_with_interaction(2).await;
    let body = json!({"type": 5});
    let client = client(&fake);
    let (first, _, _) = send(&client, reqwest::Method::POST, &path, Some(body.clone())).await;
    assert_eq!(first, 204);
    let (second, _, answer) = send(&client, reqwest::Method::POST, &path, Some(body)).await;
    assert_eq!(second, 400);
    assert_eq!(answer["code"], 40060, "{answer}");
    fake.assert_contract(&[40060]);
}

#[tokio::test]
async fn every_answer_carries_rate_limit_headers() {
    let fake = FakeDiscord::start().await;
    let client = client(&fake);
    for path in [
        "/gateway",
        "/gateway/bot",
        "/oauth2/applications/@me",
        "/nowhere",
    ] {
        let (_, headers, _) = send(&client, reqwest::Method::GET, path, None).await;
        for name in [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
            "x-ratelimit-reset-after",
            "x-ratelimit-bucket",
        ] {
            assert!(
                headers.contains_key(name),
                "{path}: no {name} in {headers:?}"
            );
        }
    }
    // the unknown route is a refusal, and a request Discord's description does not have
    let violations = openapi::spec().check("GET", "/api/v10/nowhere", "", &Value::Null);
    assert_eq!(violations.len(), 1, "{violations:?}");
    fake.skip_contract("the unknown route is asked on purpose");
}

#[tokio::test]
async fn a_planned_global_429_carries_retry_after_and_the_global_flag() {
    let fake = FakeDiscord::start().await;
    fake.rate_limit_next(
        RouteKind::Other,
        std::time::Duration::from_millis(1_500),
        true,
    );
    let client = client(&fake);
    let (status, headers, body) = send(&client, reqwest::Method::GET, "/gateway", None).await;
    assert_eq!(status, 429);
    assert_eq!(headers["retry-after"], "1.500");
    assert_eq!(headers["x-ratelimit-global"], "true");
    assert_eq!(body["retry_after"], 1.5);
    assert_eq!(body["global"], true);
    let (again, _, _) = send(&client, reqwest::Method::GET, "/gateway", None).await;
    assert_eq!(again, 200, "only the next request is limited");
    fake.assert_contract(&[]);
}

#[tokio::test]
async fn the_openapi_checker_names_operation_pointer_and_rule() {
    let spec = openapi::spec();
    let path = "/api/v10/interactions/123/token-123/callback";
    let good = json!({"type": 4, "data": {"content": "hi", "flags": 64}});
    assert!(spec.check("POST", path, "", &good).is_empty());
    let bad = json!({"type": 4, "data": {"content": 5}});
    let violations = spec.check("POST", path, "", &bad);
    assert!(!violations.is_empty(), "a number as content passes");
    let shown = violations[0].to_string();
    assert_eq!(
        violations[0].operation, "create_interaction_response",
        "{shown}"
    );
    assert_eq!(violations[0].pointer, "/data/content", "{shown}");
    assert!(!violations[0].rule.is_empty());
    let bad_id = spec.check("POST", "/api/v10/interactions/abc/t/callback", "", &good);
    assert_eq!(bad_id[0].pointer, "path:interaction_id", "{bad_id:?}");
}
