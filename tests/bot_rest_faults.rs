//! REST faults, end to end: Discord taking an interaction callback but answering 500 (so the
//! bot's error reply is refused as a second response), never answering it, and rejecting the
//! token at start-up. The bot must log the failure and keep serving, and a rejected token must
//! stop it with one clear error and no retries.

mod common;

use std::time::Duration;

use common::bot_process::{Bot, BotSetup};
use common::checks::assert_safe;
use common::discord_rules::ALREADY_ACKNOWLEDGED;
use common::fake_discord::*;

const QUESTION: &str = "ChatGPT最早叫什么名字？";

fn callbacks_to(fake: &FakeDiscord, id: &str) -> usize {
    let prefix = format!("/api/v10/interactions/{id}/");
    fake.requests()
        .iter()
        .filter(|r| r.path.starts_with(&prefix))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_callbacks_are_logged_and_the_bot_keeps_serving() {
    tokio::time::timeout(Duration::from_secs(80), async {
        let dir = tempfile::tempdir().expect("temp dir");
        let fake = FakeDiscord::start().await;
        let setup = BotSetup {
            cooldown_seconds: 0,
            ..Default::default()
        };
        let bot = Bot::start_with(dir.path(), &fake.endpoint(), Some(FAKE_TOKEN), &setup);
        fake.wait_for_identify(1).await;

        // 500 on the callback: logged, at most one more try (the error reply), then the next works
        let (failed, _) = fake.send_failing_ask("1", QUESTION, CallbackFault::Status(500));
        bot.wait_log("the failed command", |log| log.contains("command failed"))
            .await;
        let next = fake.ask("2", QUESTION).await;
        assert!(matches!(next["type"].as_u64(), Some(4 | 5)), "{next}");
        assert_safe(&next["data"], "after a 500");
        // Discord took the reply before failing: the error reply is refused (40060), no more
        fake.wait_until("the error reply answered", |fake| {
            fake.requests()
                .iter()
                .any(|r| r.path.contains(&failed) && r.code == Some(ALREADY_ACKNOWLEDGED))
        })
        .await;
        let tries = callbacks_to(&fake, &failed);
        assert_eq!(tries, 2, "{tries} callbacks after a 500");

        // a callback Discord never answers: others are served meanwhile, and it times out
        let (hung, _) =
            fake.send_failing_ask("3", QUESTION, CallbackFault::Hang(Duration::from_secs(60)));
        fake.wait_until("the held callback", |fake| callbacks_to(fake, &hung) > 0)
            .await;
        for user in ["4", "5"] {
            let reply = fake.ask(user, QUESTION).await;
            assert!(matches!(reply["type"].as_u64(), Some(4 | 5)), "{reply}");
        }
        bot.wait_log("the timed-out command", |log| {
            log.lines()
                .filter(|l| l.contains("command failed"))
                .any(|l| l.contains("timed out"))
        })
        .await;
        let after = fake.ask("6", QUESTION).await;
        assert_safe(&after["data"], "after a timeout");
        assert!(!bot.log().contains(FAKE_TOKEN), "token logged");
        fake.assert_contract(&[0, ALREADY_ACKNOWLEDGED]);
    })
    .await
    .expect("the scenario finishes in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_rejected_at_start_up_stops_the_bot_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fake = FakeDiscord::start_with(FakeOptions {
        unauthorized: true,
        ..Default::default()
    })
    .await;
    let mut bot = Bot::start(dir.path(), &fake.endpoint(), Some(FAKE_TOKEN));
    let status = bot.wait_exit().await;
    assert!(!status.success(), "non-zero exit: {status}");
    let log = bot.log();
    assert_eq!(
        log.matches("rejected the token").count(),
        1,
        "one clear error:\n{log}"
    );
    let requests: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(requests, ["GET /api/v10/gateway/bot"], "no retry");
    assert_eq!(fake.connections(), 0, "no gateway connection");
    assert!(!log.contains(FAKE_TOKEN), "token logged");
    fake.assert_contract(&[0]);
}
