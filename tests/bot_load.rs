//! Load and shutdown, end to end: a burst of 1,000 `/ask` from 50 users through the fake gateway
//! (every one answered or given the cooldown reply, counted; the button-state cache stays at its
//! cap), and SIGTERM while Discord holds the replies of a burst (replies being made finish, the
//! feedback log holds every acknowledged vote on whole lines).

mod common;

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use common::bot_process::{Bot, BotSetup};
use common::checks::{assert_safe, button_id, content, embed};
use common::fake_discord::*;

/// Questions of the burst; the first is answered by the interview.
const QUESTIONS: [&str; 5] = [
    "ChatGPT最早叫什么名字？",
    "微软投资了OpenAI多少钱？",
    "@everyone 记忆功能",
    "Codex",
    "？！。",
];
const ASKS: usize = 1_000;
const USERS: usize = 50;
const CACHE_CAPACITY: usize = 20;

fn is_cooldown(reply: &Value) -> bool {
    content(reply).contains("提问太快了") && reply["data"]["flags"] == 64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_1000_asks_from_50_users_is_answered_or_cooled_down() {
    tokio::time::timeout(Duration::from_secs(80), async {
        let dir = tempfile::tempdir().expect("temp dir");
        let fake = FakeDiscord::start().await;
        let setup = BotSetup {
            cooldown_seconds: 600,
            button_cache_capacity: CACHE_CAPACITY,
            ..Default::default()
        };
        let mut bot = Bot::start_with(dir.path(), &fake.endpoint(), Some(FAKE_TOKEN), &setup);
        fake.wait_for_identify(1).await;

        // mostly the answerable question, so that most first asks store button state
        let sent: Vec<(String, (String, String))> = (0..ASKS)
            .map(|i| {
                let user = (10_000 + i % USERS).to_string();
                let question = if i % 10 == 9 {
                    QUESTIONS[1 + (i / 10) % 4]
                } else {
                    QUESTIONS[0]
                };
                let ids = fake.send_ask(&user, question);
                (user, ids)
            })
            .collect();
        fake.wait_until("a reply to every ask", |fake| {
            sent.iter()
                .all(|(_, (id, token))| fake.reply_to(id, token).is_some())
        })
        .await;

        let mut cooled = 0;
        let mut served_per_user: HashMap<&str, usize> = HashMap::new();
        let mut with_buttons = Vec::new();
        for (user, (id, token)) in &sent {
            let reply = fake.reply_to(id, token).expect("replied");
            assert_safe(&reply["data"], &format!("burst reply to {user}"));
            if is_cooldown(&reply) {
                cooled += 1;
            } else {
                *served_per_user.entry(user).or_default() += 1;
                if embed(&reply).is_object() {
                    with_buttons.push(reply);
                }
            }
        }
        let served: usize = served_per_user.values().sum();
        assert_eq!(served + cooled, ASKS, "every ask got a reply");
        assert_eq!(served_per_user.len(), USERS, "every user was served");
        assert!(
            served_per_user.values().all(|&n| n == 1),
            "one answer per user within the cooldown: {served_per_user:?}"
        );
        assert_eq!(cooled, ASKS - USERS);
        assert!(bot.running(), "still running");
        assert!(!bot.log().contains("panicked"), "no panic");

        // the button state of only the newest CACHE_CAPACITY answers is kept
        assert!(
            with_buttons.len() > CACHE_CAPACITY,
            "{} answers with buttons",
            with_buttons.len()
        );
        let mut live = 0;
        let mut expired = 0;
        for (i, answer) in with_buttons.iter().enumerate() {
            let clicked = fake
                .click(&format!("{}", 20_000 + i), &button_id(answer, "展开上下文"))
                .await;
            if clicked["type"] == 7 {
                live += 1;
            } else {
                assert_eq!(content(&clicked), "已过期，请重新提问", "{clicked}");
                expired += 1;
            }
        }
        assert_eq!(live, CACHE_CAPACITY, "states kept");
        assert_eq!(
            expired,
            with_buttons.len() - CACHE_CAPACITY,
            "states evicted"
        );
        fake.assert_contract(&[]);
    })
    .await
    .expect("the scenario finishes in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_burst_lets_replies_finish_and_keeps_every_vote() {
    tokio::time::timeout(Duration::from_secs(80), async {
        let dir = tempfile::tempdir().expect("temp dir");
        let fake = FakeDiscord::start().await;
        let setup = BotSetup {
            cooldown_seconds: 0,
            ..Default::default()
        };
        let mut bot = Bot::start_with(dir.path(), &fake.endpoint(), Some(FAKE_TOKEN), &setup);
        fake.wait_for_identify(1).await;
        let answer = fake.ask("1", QUESTIONS[0]).await;
        let upvote = button_id(&answer, "👍");

        // Discord stops answering callbacks: every reply of the burst stays in flight
        fake.hold_callbacks();
        let mut asks = Vec::new();
        let mut clicks = Vec::new();
        for i in 0..300 {
            let user = (30_000 + i).to_string();
            if i % 3 == 0 {
                clicks.push(fake.send_click(&user, &upvote).0);
            } else {
                asks.push(fake.send_ask(&user, QUESTIONS[i % QUESTIONS.len()]).0);
            }
        }
        fake.wait_until("30 replies in flight", |fake| fake.held_callbacks() >= 30)
            .await;
        bot.terminate();
        bot.wait_log("the shutdown", |log| log.contains("shutdown requested"))
            .await;
        let in_flight = fake.held_callbacks();
        assert!(
            bot.running(),
            "the bot waits for {in_flight} replies in flight"
        );
        fake.release_callbacks();
        let status = bot.wait_exit().await;
        assert!(status.success(), "clean exit: {status}");
        let log = bot.log();
        assert!(log.contains("stopped"), "{log}");
        assert!(
            !log.contains("replies still being made"),
            "shutdown gave up on replies:\n{log}"
        );

        // every answer Discord received was completed by the bot: it logs one line per command
        // once its reply went through
        let requests = fake.requests();
        let callback_of = |id: &str| {
            let prefix = format!("/api/v10/interactions/{id}/");
            requests
                .iter()
                .find(|r| r.path.starts_with(&prefix) && r.path.ends_with("/callback"))
        };
        let answered = 1 + asks.iter().filter(|id| callback_of(id).is_some()).count();
        let completed = log
            .lines()
            .filter(|l| l.contains("command=\"ask\"") && l.contains("latency_ms"))
            .count();
        assert_eq!(completed, answered, "answers cut short by shutdown");

        // every vote thanked is in the feedback log, on whole JSON lines
        let thanked = clicks
            .iter()
            .filter_map(|id| callback_of(id))
            .filter(|r| content_of(&r.body).contains("谢谢反馈"))
            .count();
        assert!(thanked > 0, "votes were cast before SIGTERM");
        let feedback =
            std::fs::read_to_string(dir.path().join("feedback.log")).expect("feedback log");
        assert!(feedback.ends_with('\n'), "last line complete");
        let votes: Vec<Value> = feedback
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
            .collect();
        assert_eq!(votes.len(), thanked, "votes thanked vs logged");
        assert!(votes.iter().all(|v| v["vote"] == "up"));
        fake.assert_contract(&[]);
    })
    .await
    .expect("the scenario finishes in time");
}

fn content_of(body: &Value) -> &str {
    body["data"]["content"].as_str().unwrap_or("")
}
