//! End to end: the real `interview-bot serve` binary against a fake Discord (REST + gateway on
//! 127.0.0.1, in this process). Only `api_base` differs from production. Asserts on what the bot
//! sent: IDENTIFY, command registration, replies to commands, buttons, autocomplete, @mentions and
//! DMs, adversarial questions, the cooldown, shutdown and the feedback log.

mod common;

use std::time::Duration;

use serde_json::{json, Value};

use common::bot_process::Bot;
use common::checks::*;
use common::fake_discord::*;

/// Gateway intent bit of the privileged MESSAGE_CONTENT intent.
const MESSAGE_CONTENT_INTENT: u64 = 1 << 15;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bot_answers_through_discord() {
    tokio::time::timeout(Duration::from_secs(90), scenario())
        .await
        .expect("the whole scenario finishes in time");
}

async fn scenario() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fake = FakeDiscord::start().await;
    let mut bot = Bot::start(dir.path(), &fake.base(), Some(FAKE_TOKEN));

    // start-up: IDENTIFY without MESSAGE_CONTENT, commands registered in the guild
    let identify = fake.wait_for_identify(1).await;
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
        [
            "Ask the interview",
            "about",
            "ask",
            "cite",
            "quote",
            "search",
            "topic",
            "topics"
        ]
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
        field(&plain, "出处"),
        field(&folded, "出处"),
        "full-width Traditional asks the same"
    );
    assert_eq!(field(&plain, "发言"), field(&folded, "发言"));
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
    let fake = FakeDiscord::start().await;
    let _restarted = Bot::start(dir.path(), &fake.base(), Some(FAKE_TOKEN));
    fake.wait_for_identify(1).await;
    let about = fake.slash("1009", "about", json!([])).await;
    assert_safe(&about["data"], "/about after restart");
    let registrations = fake
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/commands"))
        .count();
    assert_eq!(registrations, 0, "commands registered again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_token_exits_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fake = FakeDiscord::start_with(FakeOptions {
        reject_token: true,
        ..Default::default()
    })
    .await;
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
