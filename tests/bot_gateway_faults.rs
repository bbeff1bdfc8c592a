//! Gateway faults, end to end: the real bot against the fake Discord while the fake closes the
//! websocket, asks for a reconnect, invalidates the session, stops acknowledging heartbeats or
//! invalidates every fresh session. After each fault the bot must answer the next `/ask`, and the
//! IDENTIFYs are counted: Discord resets the token after 1,000 logins a day.
//!
//! What serenity 0.12.5 does (read from its `gateway/shard.rs` and `bridge/shard_runner.rs`, and
//! asserted here): a close with a resumable code and op 7 RECONNECT both reconnect and RESUME the
//! session; op 9 INVALID_SESSION (not resumable) and missed heartbeat ACKs restart the shard with a
//! fresh IDENTIFY (serenity does not try to resume a zombied connection); shard starts, and so
//! IDENTIFYs, are at least 5 s apart.

mod common;

use std::time::Duration;

use serde_json::{json, Value};

use common::bot_process::{Bot, BotSetup};
use common::checks::assert_safe;
use common::fake_discord::*;

/// Every scenario in this file ends within this.
const SCENARIO_LIMIT: Duration = Duration::from_secs(80);

fn setup() -> BotSetup {
    BotSetup {
        cooldown_seconds: 0,
        ..Default::default()
    }
}

/// Asks and checks that the bot answered at all, safely.
async fn assert_answers(fake: &FakeDiscord, user: &str, what: &str) -> Value {
    let reply = fake.ask(user, "ChatGPT最早叫什么名字？").await;
    assert!(
        matches!(reply["type"].as_u64(), Some(4 | 5)),
        "{what}: {reply}"
    );
    assert_safe(&reply["data"], what);
    reply
}

fn registrations(fake: &FakeDiscord) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with("/commands"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumes_after_close_and_reconnect_and_reidentifies_after_invalid_session() {
    tokio::time::timeout(SCENARIO_LIMIT, async {
        let dir = tempfile::tempdir().expect("temp dir");
        let fake = FakeDiscord::start().await;
        let _bot = Bot::start_with(dir.path(), &fake.endpoint(), Some(FAKE_TOKEN), &setup());
        fake.wait_for_identify(1).await;
        assert_answers(&fake, "1", "before any fault").await;

        // a close with a resumable code (4000, unknown error): RESUME of the same session
        fake.close_gateway(4000);
        let resume = fake.wait_for_login(2).await;
        assert_eq!(resume.op, 6, "RESUME after close 4000, got {:?}", resume.d);
        assert_eq!(resume.d["session_id"], "session-1");
        assert!(
            resume.d["seq"].as_u64() >= Some(2),
            "seq {}",
            resume.d["seq"]
        );
        assert!(resume.connection > 1, "on a new connection");
        assert_answers(&fake, "2", "after close 4000").await;

        // op 7 RECONNECT: RESUME again
        fake.send_raw(json!({"op": 7, "d": null}));
        let resume = fake.wait_for_login(3).await;
        assert_eq!(resume.op, 6, "RESUME after op 7, got {:?}", resume.d);
        assert_eq!(resume.d["session_id"], "session-1");
        assert_answers(&fake, "3", "after op 7").await;
        assert_eq!(fake.identifies().len(), 1, "no IDENTIFY while resuming");

        // op 9 INVALID_SESSION, not resumable: one fresh IDENTIFY
        fake.send_raw(json!({"op": 9, "d": false}));
        let identify = fake.wait_for_login(4).await;
        assert_eq!(identify.op, 2, "IDENTIFY after op 9, got {:?}", identify.d);
        assert_answers(&fake, "4", "after op 9").await;
        assert_eq!(fake.identifies().len(), 2, "exactly one new IDENTIFY");
        assert_eq!(fake.resumes().len(), 2);
        assert_eq!(registrations(&fake), 1, "commands registered once");
        fake.assert_contract(&[]);
    })
    .await
    .expect("the scenario finishes in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_when_heartbeat_acks_stop() {
    tokio::time::timeout(SCENARIO_LIMIT, async {
        let dir = tempfile::tempdir().expect("temp dir");
        let fake = FakeDiscord::start_with(FakeOptions {
            heartbeat_interval_ms: 2_000,
            ..Default::default()
        })
        .await;
        let _bot = Bot::start_with(dir.path(), &fake.endpoint(), Some(FAKE_TOKEN), &setup());
        fake.wait_for_identify(1).await;
        assert_answers(&fake, "1", "before the fault").await;

        fake.stop_heartbeat_acks();
        let login = fake.wait_for_login(2).await;
        // serenity restarts a shard whose heartbeat went unacknowledged: a fresh IDENTIFY
        assert_eq!(login.op, 2, "IDENTIFY after missed ACKs, got {:?}", login.d);
        assert!(login.connection > 1, "on a new connection");
        assert_answers(&fake, "2", "after the reconnect").await;
        assert_eq!(fake.identifies().len(), 2, "one IDENTIFY per reconnect");
        assert_eq!(registrations(&fake), 1, "commands registered once");
        fake.assert_contract(&[]);
    })
    .await
    .expect("the scenario finishes in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_invalid_sessions_cause_no_login_storm() {
    tokio::time::timeout(SCENARIO_LIMIT, async {
        let dir = tempfile::tempdir().expect("temp dir");
        // the first two sessions are invalidated right after READY
        let fake = FakeDiscord::start_with(FakeOptions {
            invalidate_sessions: 2,
            ..Default::default()
        })
        .await;
        let _bot = Bot::start_with(dir.path(), &fake.endpoint(), Some(FAKE_TOKEN), &setup());
        // three shard starts at least 5 s apart, the first restart after serenity's 5 s
        // shutdown timeout: more than one ordinary wait
        fake.wait_for_identify_within(3, Duration::from_secs(30))
            .await;
        assert_answers(&fake, "1", "after two invalidated sessions").await;
        let identifies = fake.identifies();
        assert_eq!(identifies.len(), 3, "one IDENTIFY per session");
        // serenity spaces shard starts 5 s apart; measured here, delays only widen the gaps
        for pair in identifies.windows(2) {
            let gap = pair[1].at.duration_since(pair[0].at);
            assert!(
                gap >= Duration::from_millis(4_500),
                "IDENTIFYs {gap:?} apart: a login storm"
            );
        }
        fake.assert_contract(&[]);
    })
    .await
    .expect("the scenario finishes in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_range_runs_exactly_those_shards() {
    tokio::time::timeout(SCENARIO_LIMIT, async {
        let dir = tempfile::tempdir().expect("temp dir");
        let fake = FakeDiscord::start().await;
        let setup = BotSetup {
            // this process runs shard 1 of 0..=2 (3 in all); another would run 0 and 2
            discord_extra: "shard_range = [1, 2, 3]".to_string(),
            ..setup()
        };
        let _bot = Bot::start_with(dir.path(), &fake.endpoint(), Some(FAKE_TOKEN), &setup);
        // the second shard starts 5 s after the first (serenity): more than one ordinary wait
        fake.wait_for_identify_within(2, Duration::from_secs(30))
            .await;
        assert_answers(&fake, "1", "with a shard range").await;
        // a third shard would have identified by now (starts are 5 s apart)
        tokio::time::sleep(Duration::from_secs(6)).await;
        let mut shards: Vec<Value> = fake
            .identifies()
            .iter()
            .map(|l| l.d["shard"].clone())
            .collect();
        shards.sort_by_key(|s| s[0].as_u64());
        assert_eq!(shards, vec![json!([1, 3]), json!([2, 3])]);
        fake.assert_contract(&[]);
    })
    .await
    .expect("the scenario finishes in time");
}
