//! End to end, one behaviour per test: the real `interview-bot serve` binary against the fake
//! Discord (REST over HTTPS as `discord.com` through the bot's production HTTP stack, gateway on
//! 127.0.0.1, in this process). Asserts on what the bot sent: IDENTIFY, command registration,
//! replies to commands, buttons, autocomplete, @mentions and DMs, adversarial questions, the
//! cooldown, shutdown and the feedback log. Every reply is checked against Discord's limits and
//! for pings, and every test ends by checking all its requests against Discord's OpenAPI
//! description.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use interview_bot::text::normalize;
use serde_json::{json, Value};
use tempfile::TempDir;

use common::bot_process::{Bot, BotSetup};
use common::checks::*;
use common::fake_discord::*;

/// Gateway intent bit of the privileged MESSAGE_CONTENT intent.
const MESSAGE_CONTENT_INTENT: u64 = 1 << 15;
/// A question the interview answers (lines 15–19).
const QUESTION: &str = "ChatGPT最早叫什么名字？";
/// Every test here ends within this.
const LIMIT: Duration = Duration::from_secs(60);

/// One index for every bot of this file, kept between runs (rebuilt when the corpus changes).
fn shared_index() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bot-e2e-index")
}

/// A started bot, connected to its fake Discord.
struct Running {
    dir: TempDir,
    fake: FakeDiscord,
    bot: Bot,
}

async fn start(setup: BotSetup) -> Running {
    let dir = tempfile::tempdir().expect("temp dir");
    let fake = FakeDiscord::start().await;
    let setup = BotSetup {
        index_dir: Some(shared_index()),
        ..setup
    };
    let bot = Bot::start_with(dir.path(), &fake.endpoint(), Some(FAKE_TOKEN), &setup);
    fake.wait_for_identify(1).await;
    Running { dir, fake, bot }
}

async fn start_default() -> Running {
    start(BotSetup::default()).await
}

fn description(reply: &Value) -> &str {
    embed(reply)["description"].as_str().unwrap_or("")
}

fn footer(reply: &Value) -> &str {
    embed(reply)["footer"]["text"].as_str().unwrap_or("")
}

fn title(reply: &Value) -> &str {
    embed(reply)["title"].as_str().unwrap_or("")
}

fn registrations(fake: &FakeDiscord) -> Vec<Request> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with("/commands"))
        .collect()
}

async fn within_limit<F: std::future::Future<Output = ()>>(test: F) {
    tokio::time::timeout(LIMIT, test)
        .await
        .expect("the test finishes in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_identifies_without_privileged_intents() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let identify = fake.identifies()[0].d.clone();
        let intents = identify["intents"].as_u64().expect("intents");
        assert_eq!(
            intents & MESSAGE_CONTENT_INTENT,
            0,
            "no MESSAGE_CONTENT: {intents}"
        );
        assert_ne!(intents & (1 << 9), 0, "GUILD_MESSAGES");
        assert_ne!(intents & (1 << 12), 0, "DIRECT_MESSAGES");
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_are_registered_in_the_guild_with_localised_names_and_limits() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let registration = fake
            .wait_for_answered(0, "command registration", |r| {
                r.method == "PUT"
                    && r.path
                        == format!("/api/v10/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
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
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unchanged_commands_are_not_registered_again_after_a_restart() {
    within_limit(async {
        let Running { dir, fake, bot } = start_default().await;
        fake.wait_for_answered(0, "command registration", |r| {
            r.method == "PUT" && r.path.ends_with("/commands")
        })
        .await;
        bot.wait_log("the registration noted", |_| {
            dir.path().join("registered.hash").exists()
        })
        .await;
        drop(bot);
        fake.assert_contract(&[]);

        let again = FakeDiscord::start().await;
        let setup = BotSetup {
            index_dir: Some(shared_index()),
            ..Default::default()
        };
        let _restarted = Bot::start_with(dir.path(), &again.endpoint(), Some(FAKE_TOKEN), &setup);
        again.wait_for_identify(1).await;
        let about = again.slash("1009", "about", json!([])).await;
        assert_safe(&about["data"], "/about after restart");
        assert!(
            registrations(&again).is_empty(),
            "commands registered again"
        );
        again.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_answers_with_the_passage_its_lines_and_topic() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let answer = fake.ask("1001", QUESTION).await;
        // 4 = answered at once, 5 = deferred on a busy machine (then `data` is the follow-up)
        assert!(matches!(answer["type"].as_u64(), Some(4 | 5)), "{answer}");
        assert_safe(&answer["data"], "/ask answer");
        assert!(title(&answer).contains("名字"), "topic {}", title(&answer));
        let (start, end) = line_range(field(&answer, "出处"));
        assert!(
            start <= 19 && end >= 15,
            "lines {start}–{end} overlap 15–19"
        );
        assert!(description(&answer).contains("**"), "matched words marked");
        assert!(
            footer(&answer).ends_with("1/3"),
            "footer {}",
            footer(&answer)
        );
        assert_eq!(
            answer["data"]["flags"].as_u64().unwrap_or(0) & 64,
            0,
            "public"
        );
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_name_is_answered_in_the_askers_discord_language() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let english = InteractionSetup {
            locale: Some("en-US"),
            ..Default::default()
        };
        // answered or declined, in the locale's language
        let (id, token) = fake.send_ask_with("1001", "Codex", english);
        let reply = fake.wait_reply(&id, &token).await["data"].to_string();
        assert!(
            reply.contains("\"Lines\"") || reply.contains("The interview"),
            "en-US: {reply}"
        );
        let reply = fake.ask("1002", "Codex").await["data"].to_string();
        assert!(
            reply.contains("出处") || reply.contains("访谈里"),
            "zh-CN: {reply}"
        );
        // the question's own language wins over the locale
        let (id, token) = fake.send_ask_with("1003", "Codex是什么时候发布的？", english);
        let reply = fake.wait_reply(&id, &token).await["data"].to_string();
        assert!(
            reply.contains("出处") || reply.contains("访谈里"),
            "answered or declined in Chinese: {reply}"
        );
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_english_question_gets_an_english_embed() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let answer = fake
            .ask("1001", "What was ChatGPT called before it launched?")
            .await;
        assert_safe(&answer["data"], "/ask answer in English");
        assert!(
            title(&answer).starts_with("How ChatGPT Got Its Name"),
            "topic {}",
            title(&answer)
        );
        assert!(field(&answer, "Lines").starts_with("lines "), "{answer}");
        assert!(
            field(&answer, "Citation").contains("openai-podcast-ep2#L"),
            "{answer}"
        );
        assert!(
            description(&answer).contains("Chat with GPT-3.5"),
            "{answer}"
        );
        assert!(
            description(&answer).contains("**ChatGPT's**"),
            "the question's words marked in the English lines: {answer}"
        );
        assert!(
            footer(&answer).contains("not the speakers' own words"),
            "footer {}",
            footer(&answer)
        );
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_traditional_question_gets_an_embed_in_traditional_characters() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let answer = fake.ask("1001", "ChatGPT一開始叫什麼名字").await;
        assert_safe(&answer["data"], "/ask answer in Traditional characters");
        assert!(
            title(&answer).contains("名字由來"),
            "topic {}",
            title(&answer)
        );
        assert!(field(&answer, "出處").contains("行"), "{answer}");
        assert!(description(&answer).contains("其實是"), "{answer}");
        assert!(!description(&answer).contains("其实是"), "{answer}");
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_button_shows_the_clicker_the_other_language_privately() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let answer = fake.ask("1001", "ChatGPT最早叫什么名字？").await;
        let lines = line_range(field(&answer, "出处"));
        let english = fake.click("1002", &button_id(&answer, "English")).await;
        assert_eq!(
            english["type"], 4,
            "a new message, the public one untouched: {english}"
        );
        assert_eq!(english["data"]["flags"], 64, "private");
        assert_safe(&english["data"], "English button");
        assert!(field(&english, "Lines").starts_with("lines "), "{english}");
        assert_eq!(
            field(&english, "Citation"),
            field(&answer, "引用"),
            "the same passage"
        );
        assert!(
            footer(&english).contains("not the speakers' own words"),
            "{english}"
        );
        // back to Chinese from the private copy: that message changes in place
        let chinese = fake.click("1002", &button_id(&english, "中文")).await;
        assert_eq!(chinese["type"], 7, "{chinese}");
        assert_eq!(line_range(field(&chinese, "出处")), lines);
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_members_language_choice_holds_for_their_next_answers_only() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let answer = fake.ask("1001", "ChatGPT最早叫什么名字？").await;
        fake.click("1002", &button_id(&answer, "English")).await;
        let theirs = fake.ask("1002", "谄媚那事最先是谁发现的").await;
        assert!(field(&theirs, "Lines").starts_with("line"), "{theirs}");
        assert!(button_id(&theirs, "More context").starts_with("ib:"));
        let others = fake.ask("1003", "谄媚那事最先是谁发现的").await;
        assert!(field(&others, "出处").contains("行"), "{others}");
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_is_deferred_then_completed() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start(BotSetup {
            defer_after_ms: 0,
            ..Default::default()
        })
        .await;
        let (id, token) = fake.send_ask("1001", QUESTION);
        let reply = fake.wait_reply(&id, &token).await;
        assert_eq!(reply["type"], 5, "deferred: {reply}");
        assert_safe(&reply["data"], "deferred answer");
        let (start, end) = line_range(field(&reply, "出处"));
        assert!(start <= 19 && end >= 15, "lines {start}–{end}");
        let follow_ups: Vec<Request> = fake
            .requests_for(&id, &token)
            .into_iter()
            .filter(|r| r.path.contains("/webhooks/"))
            .collect();
        assert_eq!(follow_ups.len(), 1, "one follow-up: {follow_ups:?}");
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_button_shows_the_second_result() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let answer = fake.ask("1001", QUESTION).await;
        let second = fake.click("1001", &button_id(&answer, "▶")).await;
        assert_eq!(second["type"], 7, "{second}");
        assert_safe(&second["data"], "▶");
        assert!(
            footer(&second).ends_with("2/3"),
            "footer {}",
            footer(&second)
        );
        assert_ne!(
            line_range(field(&second, "出处")),
            line_range(field(&answer, "出处"))
        );
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_button_widens_the_passage() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let answer = fake.ask("1001", QUESTION).await;
        let (start, end) = line_range(field(&answer, "出处"));
        let wider = fake.click("1001", &button_id(&answer, "展开上下文")).await;
        assert_eq!(wider["type"], 7, "{wider}");
        assert_safe(&wider["data"], "展开上下文");
        let (wider_start, wider_end) = line_range(field(&wider, "出处"));
        assert!(
            wider_start < start && wider_end > end,
            "{wider_start}–{wider_end} wider than {start}–{end}"
        );
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upvote_is_thanked_privately_and_logged() {
    within_limit(async {
        let Running { dir, fake, mut bot } = start_default().await;
        let answer = fake.ask("1001", QUESTION).await;
        let (start, end) = line_range(field(&answer, "出处"));
        let vote = fake.click("1001", &button_id(&answer, "👍")).await;
        assert_eq!(vote["type"], 4, "{vote}");
        assert_eq!(vote["data"]["flags"], 64, "private");
        assert_safe(&vote["data"], "vote reply");
        bot.terminate();
        assert!(bot.wait_exit().await.success(), "clean exit");
        let feedback =
            std::fs::read_to_string(dir.path().join("feedback.log")).expect("feedback log");
        let vote: Value =
            serde_json::from_str(feedback.lines().next().expect("one vote")).expect("json");
        assert_eq!(vote["vote"], "up");
        assert_eq!(vote["question"], QUESTION);
        assert_eq!(vote["line_start"], start);
        assert_eq!(vote["line_end"], end);
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_button_asks_to_ask_again() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let expired = fake.click("1001", "ib:1:p:1").await;
        assert_eq!(content(&expired), "已过期，请重新提问");
        assert_eq!(expired["data"]["flags"], 64, "private");
        assert_safe(&expired["data"], "expired reply");
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_the_interview_does_not_cover_says_so() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let negative = fake.ask("1002", "微软投资了OpenAI多少钱？").await;
        assert_safe(&negative["data"], "no answer");
        assert!(
            content(&negative).starts_with("访谈里没有找到相关内容"),
            "{negative}"
        );
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_ask_is_ephemeral() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let private = fake
            .slash(
                "1003",
                "ask",
                json!([{"name": "question", "type": 3, "value": QUESTION},
                       {"name": "private", "type": 5, "value": true}]),
            )
            .await;
        assert_eq!(private["data"]["flags"], 64, "{private}");
        assert_safe(&private["data"], "private answer");
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_autocomplete_offers_the_chapter_for_a_traditional_prefix() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let choices = fake.autocomplete("1004", "topic", "name", "記憶").await;
        assert_eq!(choices["type"], 8, "{choices}");
        let list = choices["data"]["choices"]
            .as_array()
            .expect("choices")
            .clone();
        assert!(
            !list.is_empty() && list.len() <= 25,
            "{} choices",
            list.len()
        );
        for choice in &list {
            let name = choice["name"].as_str().unwrap_or("");
            assert!((1..=100).contains(&name.chars().count()), "{choice}");
            assert!(live_mentions(name).is_empty(), "{choice}");
        }
        assert!(
            list.iter()
                .any(|c| c["value"] == "记忆功能、临时聊天与隐私"),
            "{list:?}"
        );
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_shows_the_chapter_and_pages_on() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let chapter = fake
            .slash(
                "1005",
                "topic",
                json!([{"name": "name", "type": 3, "value": "记忆功能、临时聊天与隐私"}]),
            )
            .await;
        assert_safe(&chapter["data"], "/topic");
        assert!(title(&chapter).contains("记忆"), "{chapter}");
        assert_eq!(line_range(field(&chapter, "章节范围")).0, 493);
        let read_on = fake.click("1005", &button_id(&chapter, "▶")).await;
        assert_safe(&read_on["data"], "/topic ▶");
        assert_eq!(line_range(field(&read_on, "本页")).0, 501, "{read_on}");
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_search_quote_and_about_reply_within_limits() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let outline = fake.slash("1006", "topics", json!([])).await;
        assert_safe(&outline["data"], "/topics");
        assert!(description(&outline).contains("名字由来"), "{outline}");
        let search = fake
            .slash(
                "1007",
                "search",
                json!([{"name": "keyword", "type": 3, "value": "Codex"}]),
            )
            .await;
        assert_safe(&search["data"], "/search");
        assert!(description(&search).contains("第 "), "{search}");
        for command in ["quote", "about"] {
            let reply = fake.slash("1008", command, json!([])).await;
            assert_safe(&reply["data"], command);
        }
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_in_a_channel_is_answered_there_pinging_nobody() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let mention = fake
            .message(
                CHANNEL_ID,
                Some(GUILD_ID),
                &format!("<@{BOT_ID}> {QUESTION}"),
            )
            .await;
        assert_safe(&mention.body, "mention reply");
        assert_eq!(mention.body["allowed_mentions"]["replied_user"], false);
        let mention_title = mention.body["embeds"][0]["title"].as_str().unwrap_or("");
        assert!(mention_title.contains("名字"), "{}", mention.body);
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_message_is_answered() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let dm = fake.message(DM_CHANNEL_ID, None, QUESTION).await;
        assert_safe(&dm.body, "DM reply");
        assert!(dm.body["embeds"][0]["title"]
            .as_str()
            .unwrap_or("")
            .contains("名字"));
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adversarial_questions_ping_nobody_and_fit_the_limits() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start(BotSetup {
            cooldown_seconds: 0,
            ..Default::default()
        })
        .await;
        let adversarial = [
            "@everyone @here <@&123> <@456>".to_string(),
            "问".repeat(6_000),
            "title:\"a OR nofield:x AND (y OR * a~100000".to_string(),
            "😀😀😀 ？！。".to_string(),
            "ev\u{200B}eryone \u{200B} \u{00A0}".to_string(),
            "\u{202E}ChatGPT最早叫什么名字".to_string(),
            "``` [x](https://evil.example) # big ||spoiler||".to_string(),
            "ＣｈａｔＧＰＴ最早叫什麼名字？".to_string(),
            "ChatGPTの最初の名前は何ですか 챗GPT 이름 ما اسم".to_string(),
            "<#1> <@!42> @@here".to_string(),
        ];
        for question in &adversarial {
            let reply = fake.ask("2000", question).await;
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
        }
        let too_long = fake.ask("2000", &"问".repeat(6_000)).await;
        assert!(content(&too_long).contains("太长"), "{too_long}");
        let empty = fake.ask("2000", "？！。").await;
        assert!(content(&empty).contains("问我"), "{empty}");
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_width_traditional_asks_the_same_as_plain() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let plain = fake.ask("2100", "ChatGPT最早叫什么名字？").await;
        let folded = fake.ask("2101", "ＣｈａｔＧＰＴ最早叫什麼名字？").await;
        // the same passage, speaker and citation; only the question shown differs, as typed, and
        // the Traditional one is shown in Traditional characters
        let field = |reply: &Value, name: &str| {
            embed(reply)["fields"].as_array().and_then(|f| {
                f.iter()
                    .find(|f| f["name"].as_str().map(normalize) == Some(normalize(name)))
                    .map(|f| normalize(f["value"].as_str().unwrap_or_default()))
            })
        };
        for name in ["发言", "出处", "引用"] {
            assert_eq!(field(&plain, name), field(&folded, name), "{name}");
            assert!(field(&plain, name).is_some(), "{name} shown");
        }
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asking_again_within_the_cooldown_gets_a_private_cooldown_reply() {
    within_limit(async {
        let Running {
            fake,
            bot: _bot,
            dir: _dir,
        } = start_default().await;
        let first = fake.ask("3000", QUESTION).await;
        assert!(embed(&first).is_object(), "{first}");
        for _ in 0..3 {
            let again = fake.ask("3000", QUESTION).await;
            assert!(content(&again).contains("提问太快了"), "{again}");
            assert_eq!(again["data"]["flags"], 64, "private");
            assert_safe(&again["data"], "cooldown reply");
        }
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_cleanly_and_the_log_holds_no_token_or_question() {
    within_limit(async {
        let Running {
            fake,
            mut bot,
            dir: _dir,
        } = start_default().await;
        fake.ask("1001", QUESTION).await;
        bot.terminate();
        let status = bot.wait_exit().await;
        assert!(status.success(), "clean exit: {status}");
        let log = bot.log();
        assert!(log.contains("stopped"), "{log}");
        assert!(!log.contains(FAKE_TOKEN), "token logged");
        assert!(!log.contains(QUESTION), "question text logged at info");
        assert!(
            log.contains("command=\"ask\""),
            "one line per command:\n{log}"
        );
        fake.assert_contract(&[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_the_gateway_rejects_stops_the_bot_with_a_clear_message() {
    within_limit(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let fake = FakeDiscord::start_with(FakeOptions {
            reject_token: true,
            ..Default::default()
        })
        .await;
        let setup = BotSetup {
            index_dir: Some(shared_index()),
            ..Default::default()
        };
        let mut bot = Bot::start_with(dir.path(), &fake.endpoint(), Some(FAKE_TOKEN), &setup);
        let status = bot.wait_exit().await;
        assert!(!status.success(), "non-zero exit");
        let log = bot.log();
        assert!(log.contains("rejected the token"), "{log}");
        assert!(!log.contains(FAKE_TOKEN), "token logged");
        fake.assert_contract(&[]);
    })
    .await;
}
