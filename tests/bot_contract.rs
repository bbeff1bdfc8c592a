//! The bot against Discord's rules, end to end: the fake refuses as Discord does and the bot
//! must meet each rule, or see the refusal and handle it — a reply later than 3 s (10062) and a
//! follow-up after 15 min (50027) are logged and not retried, a second initial response (40060)
//! ends the attempt, a deferred reply may complete after 3 s, and a 429 (route or global) is
//! waited out through serenity's ratelimiter and then succeeds. The fake's clock is moved by the
//! test; nothing waits for real deadlines.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use tempfile::TempDir;

use common::bot_process::{Bot, BotSetup};
use common::checks::{assert_safe, field, line_range};
use common::discord_rules::{ALREADY_ACKNOWLEDGED, INVALID_WEBHOOK_TOKEN, UNKNOWN_INTERACTION};
use common::fake_discord::*;

const QUESTION: &str = "ChatGPT最早叫什么名字？";
/// Every test here ends within this.
const LIMIT: Duration = Duration::from_secs(60);
/// The wait a 429 asks for.
const RETRY_AFTER: Duration = Duration::from_millis(1_000);

fn shared_index() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bot-contract-index")
}

async fn start(defer_after_ms: u64) -> (TempDir, FakeDiscord, Bot) {
    let dir = tempfile::tempdir().expect("temp dir");
    let fake = FakeDiscord::start().await;
    let setup = BotSetup {
        cooldown_seconds: 0,
        defer_after_ms,
        index_dir: Some(shared_index()),
        ..Default::default()
    };
    let bot = Bot::start_with(dir.path(), &fake.endpoint(), Some(FAKE_TOKEN), &setup);
    fake.wait_for_identify(1).await;
    (dir, fake, bot)
}

/// The bot still answers the next question.
async fn assert_still_serving(fake: &FakeDiscord, what: &str) {
    let reply = fake.ask("99", QUESTION).await;
    assert!(
        matches!(reply["type"].as_u64(), Some(4 | 5)),
        "{what}: {reply}"
    );
    assert_safe(&reply["data"], what);
}

async fn within_limit<F: std::future::Future<Output = ()>>(test: F) {
    tokio::time::timeout(LIMIT, test)
        .await
        .expect("the test finishes in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_later_than_3_s_is_refused_10062_and_not_retried() {
    within_limit(async {
        let (_dir, fake, bot) = start(1_500).await;
        let setup = InteractionSetup {
            hold: Some(Hold::InitialResponse),
            ..Default::default()
        };
        let (id, token) = fake.send_ask_with("1", QUESTION, setup);
        fake.wait_until("the reply held", |fake| fake.held_callbacks() == 1)
            .await;
        fake.advance_clock(Duration::from_secs(4));
        fake.release_callbacks();
        bot.wait_log("the late reply", |log| {
            log.contains("Discord no longer accepts replies")
        })
        .await;
        let tries = fake.requests_for(&id, &token);
        assert_eq!(tries.len(), 1, "no retry, no error reply: {tries:?}");
        assert_eq!(tries[0].code, Some(UNKNOWN_INTERACTION));
        assert_still_serving(&fake, "after a late reply").await;
        fake.assert_contract(&[UNKNOWN_INTERACTION]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deferred_reply_may_complete_after_3_s() {
    within_limit(async {
        let (_dir, fake, _bot) = start(0).await;
        let setup = InteractionSetup {
            hold: Some(Hold::FollowUps),
            ..Default::default()
        };
        let (id, token) = fake.send_ask_with("1", QUESTION, setup);
        fake.wait_until("the follow-up held", |fake| fake.held_callbacks() == 1)
            .await;
        fake.advance_clock(Duration::from_secs(10));
        fake.release_callbacks();
        let reply = fake.wait_reply(&id, &token).await;
        assert_eq!(reply["type"], 5, "deferred: {reply}");
        assert_safe(&reply["data"], "deferred reply");
        let (start, end) = line_range(field(&reply, "出处"));
        assert!(start <= 19 && end >= 15, "lines {start}–{end}");
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_after_15_min_is_refused_50027_and_not_retried() {
    within_limit(async {
        let (_dir, fake, bot) = start(0).await;
        let setup = InteractionSetup {
            hold: Some(Hold::FollowUps),
            ..Default::default()
        };
        let (id, token) = fake.send_ask_with("1", QUESTION, setup);
        fake.wait_until("the follow-up held", |fake| fake.held_callbacks() == 1)
            .await;
        fake.advance_clock(Duration::from_secs(16 * 60));
        fake.release_callbacks();
        bot.wait_log("the expired token", |log| {
            log.contains("Discord no longer accepts replies")
        })
        .await;
        let follow_ups: Vec<Request> = fake
            .requests_for(&id, &token)
            .into_iter()
            .filter(|r| r.path.contains("/webhooks/"))
            .collect();
        assert_eq!(follow_ups.len(), 1, "no retry: {follow_ups:?}");
        assert_eq!(follow_ups[0].code, Some(INVALID_WEBHOOK_TOKEN));
        assert_still_serving(&fake, "after an expired token").await;
        fake.assert_contract(&[INVALID_WEBHOOK_TOKEN]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_initial_response_is_refused_40060_and_ends_the_attempt() {
    within_limit(async {
        let (_dir, fake, bot) = start(1_500).await;
        // Discord takes the reply but answers 500: the bot's error reply is a second response
        let (id, token) = fake.send_failing_ask("1", QUESTION, CallbackFault::Status(500));
        bot.wait_log("the failed command", |log| log.contains("command failed"))
            .await;
        fake.wait_until("the error reply answered", |fake| {
            fake.requests_for(&id, &token)
                .iter()
                .any(|r| r.status == 400)
        })
        .await;
        let tries = fake.requests_for(&id, &token);
        assert_eq!(tries.len(), 2, "one error reply, no more: {tries:?}");
        assert_eq!(tries[1].code, Some(ALREADY_ACKNOWLEDGED));
        assert_safe(&tries[1].body["data"], "error reply");
        assert_still_serving(&fake, "after 40060").await;
        fake.assert_contract(&[0, ALREADY_ACKNOWLEDGED]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_reply_waits_retry_after_and_succeeds() {
    within_limit(async {
        let (_dir, fake, _bot) = start(1_500).await;
        fake.rate_limit_next(RouteKind::Callback, RETRY_AFTER, false);
        let (id, token) = fake.send_ask("1", QUESTION);
        let reply = fake.wait_reply(&id, &token).await;
        assert_safe(&reply["data"], "reply after a 429");
        let tries = fake.requests_for(&id, &token);
        assert_eq!(tries.len(), 2, "{tries:?}");
        assert_eq!(tries[0].status, 429);
        assert!((200..300).contains(&tries[1].status), "{tries:?}");
        let waited = tries[1].at.duration_since(tries[0].at);
        assert!(waited >= RETRY_AFTER, "retried after {waited:?}");
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_global_rate_limit_on_a_mention_reply_is_waited_out() {
    within_limit(async {
        let (_dir, fake, _bot) = start(1_500).await;
        fake.rate_limit_next(RouteKind::ChannelMessage, RETRY_AFTER, true);
        let since = fake.request_count();
        let reply = fake
            .message(
                CHANNEL_ID,
                Some(GUILD_ID),
                &format!("<@{BOT_ID}> {QUESTION}"),
            )
            .await;
        assert_safe(&reply.body, "mention reply after a global 429");
        let posts: Vec<Request> = fake.requests()[since..]
            .iter()
            .filter(|r| r.path.ends_with("/messages"))
            .cloned()
            .collect();
        assert_eq!(posts.len(), 2, "{posts:?}");
        assert_eq!(posts[0].status, 429);
        let waited = posts[1].at.duration_since(posts[0].at);
        assert!(waited >= RETRY_AFTER, "retried after {waited:?}");
        fake.assert_contract(&[]);
    })
    .await;
}
