//! End to end, the community features: follow-up questions (a Discord reply to an answer, the same
//! member's next question in the channel — never another member's —, questions in a discussion
//! thread), the "开个讨论串" button, the
//! "Ask the interview" message context menu, citations shown with every answer and `/cite`, and
//! the opt-in log of unanswered questions. The real `interview-bot serve` binary against the fake
//! Discord; each test proves one thing.

mod common;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use interview_bot::text::normalize;
use serde_json::{json, Value};

use common::bot_process::{Bot, BotSetup};
use common::checks::*;
use common::fake_discord::*;

/// A question the interview answers, and the lines that answer it.
const NAME_QUESTION: &str = "ChatGPT最早叫什么名字？";
const NAME_LINES: (usize, usize) = (15, 19);

/// Runs one scenario with the bot connected and its commands registered, bounded in time.
async fn with_bot<F, Fut>(setup: BotSetup, scenario: F)
where
    F: FnOnce(Arc<FakeDiscord>, Arc<Bot>, std::path::PathBuf) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let fake = Arc::new(FakeDiscord::start().await);
    // held here until the end, so the bot runs for the whole scenario and its log is printed
    // when the scenario fails
    let bot = Arc::new(Bot::start_with(
        dir.path(),
        &fake.endpoint(),
        Some(FAKE_TOKEN),
        &setup,
    ));
    let path = dir.path().to_path_buf();
    let running = bot.clone();
    let checked = fake.clone();
    tokio::time::timeout(Duration::from_secs(90), async move {
        fake.wait_for_identify(1).await;
        fake.wait_for(0, "command registration", |r| {
            r.method == "PUT" && r.path.ends_with("/commands")
        })
        .await;
        scenario(fake, running, path).await;
    })
    .await
    .expect("the scenario finishes in time");
    // Missing Permissions is what the thread test asks the fake to answer
    checked.assert_contract(&[50013]);
    drop(bot);
    drop(dir);
}

fn quick() -> BotSetup {
    BotSetup {
        cooldown_seconds: 0,
        ..BotSetup::default()
    }
}

fn overlaps(range: (usize, usize), gold: (usize, usize)) -> bool {
    range.0 <= gold.1 && gold.0 <= range.1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_shows_its_question_and_citation_without_pings() {
    with_bot(quick(), |fake, _bot, _dir| async move {
        let answer = fake
            .ask("1001", "@everyone <@&1> ChatGPT最早叫什么名字？")
            .await;
        assert_safe(&answer["data"], "answer");
        let question = field(&answer, "问题");
        assert!(question.contains("ChatGPT最早叫什么名字？"), "{question}");
        assert!(!question.contains("@everyone"), "{question}");
        let citation = field(&answer, "引用");
        let (start, end) = line_range(field(&answer, "出处"));
        assert_eq!(citation, format!("`openai-podcast-ep2#L{start}-{end}`"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_up_by_replying_to_an_answer_switches_the_speaker() {
    with_bot(quick(), |fake, _bot, _dir| async move {
        let first = fake.ask("1001", "Mark怎么看待谄媚问题").await;
        let shown = fake.bot_message(&fake.new_id(), CHANNEL_ID, &first["data"]);
        let reply = fake.reply_to_message(shown, "那Nick呢？", true).await;
        assert_safe(&reply.body, "follow-up reply");
        let speaker = reply.body["embeds"][0]["fields"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["name"] == "发言"))
            .and_then(|f| f["value"].as_str())
            .unwrap_or("")
            .to_string();
        assert_eq!(speaker, "Nick Turley", "{}", reply.body);
        let question = reply.body["embeds"][0]["fields"][0]["value"]
            .as_str()
            .unwrap_or("");
        assert!(question.contains("理解为"), "{question}");
        assert!(question.contains("谄媚"), "{question}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_to_an_answer_in_traditional_characters_follows_it_up() {
    with_bot(quick(), |fake, _bot, _dir| async move {
        let first = fake.ask("1001", "Mark怎麼看待諂媚問題").await;
        assert!(field(&first, "出處").contains("行"), "{first}");
        let shown = fake.bot_message(&fake.new_id(), CHANNEL_ID, &first["data"]);
        let reply = fake.reply_to_message(shown, "那Nick呢？", true).await;
        assert_safe(&reply.body, "follow-up reply");
        // answered in the Traditional characters of the conversation
        let speaker = reply.body["embeds"][0]["fields"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["name"] == "發言"))
            .and_then(|f| f["value"].as_str())
            .unwrap_or("")
            .to_string();
        assert_eq!(speaker, "Nick Turley", "{}", reply.body);
        // the earlier question was read back from the answer's 問題 field, not its title
        let question = reply.body["embeds"][0]["fields"][0]["value"]
            .as_str()
            .unwrap_or("");
        assert!(normalize(question).contains("怎么看待"), "{question}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_up_in_the_channel_asks_what_came_next() {
    with_bot(quick(), |fake, _bot, _dir| async move {
        let first = fake.ask("1001", NAME_QUESTION).await;
        let (_, end) = line_range(field(&first, "出处"));
        let next = fake.ask("1001", "后来呢？").await;
        let (next_start, _) = line_range(field(&next, "出处"));
        assert!(
            next_start > end && next_start <= end + 40,
            "{next_start} follows {end}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_members_question_in_the_same_channel_is_answered_on_its_own() {
    with_bot(quick(), |fake, _bot, _dir| async move {
        let first = fake.ask("1001", "Mark怎么看待谄媚问题").await;
        assert!(!field(&first, "出处").is_empty(), "{first}");
        let other = fake.ask("1002", "那Nick呢？").await;
        let reply = other["data"].to_string();
        assert!(
            !reply.contains("理解为"),
            "not read as a follow-up of another member's question: {reply}"
        );
        let own = fake.ask("1001", "那Nick呢？").await;
        let question = field(&own, "问题");
        assert!(
            question.contains("理解为") && question.contains("谄媚"),
            "the asker's own follow-up: {question}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_asked_while_the_answer_is_still_being_sent_finds_it() {
    with_bot(quick(), |fake, _bot, _dir| async move {
        // Discord has the first answer but has not acknowledged it when the follow-up comes
        fake.hold_callbacks();
        let (first_id, first_token) = fake.send_ask("1001", NAME_QUESTION);
        fake.wait_until("the answer in flight", |fake| fake.held_callbacks() >= 1)
            .await;
        let (next_id, next_token) = fake.send_ask("1001", "后来呢？");
        fake.wait_until("the follow-up in flight", |fake| fake.held_callbacks() >= 2)
            .await;
        fake.release_callbacks();
        let first = fake.wait_reply(&first_id, &first_token).await;
        let next = fake.wait_reply(&next_id, &next_token).await;
        let (_, end) = line_range(field(&first, "出处"));
        let (next_start, _) = line_range(field(&next, "出处"));
        assert!(
            next_start > end && next_start <= end + 40,
            "{next_start} follows {end}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_button_opens_a_thread_named_after_the_question_citing_the_passage() {
    with_bot(quick(), |fake, _bot, _dir| async move {
        let answer = fake.ask("1001", NAME_QUESTION).await;
        let message_id = fake.new_id();
        let message = fake.bot_message(&message_id, CHANNEL_ID, &answer["data"]);
        let clicked = fake
            .click_on("1001", &button_id(&answer, "开个讨论串"), message)
            .await;
        assert_eq!(clicked["data"]["flags"], 64, "{clicked}");
        assert!(content(&clicked).contains("讨论串已开好"), "{clicked}");
        let created = fake.thread_requests();
        assert_eq!(created.len(), 1);
        assert_eq!(
            created[0].path,
            format!("/api/v10/channels/{CHANNEL_ID}/messages/{message_id}/threads")
        );
        assert_eq!(created[0].body["name"], NAME_QUESTION);
        let intro = fake
            .wait_for(0, "the thread's first message", |r| {
                r.method == "POST"
                    && r.path.starts_with("/api/v10/channels/71")
                    && r.path.ends_with("/messages")
            })
            .await;
        let text = intro.body["content"].as_str().unwrap_or("");
        assert!(text.contains("`openai-podcast-ep2#L"), "{text}");
        assert_safe(&intro.body, "thread intro");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_questions_are_follow_ups_of_its_answer() {
    with_bot(quick(), |fake, _bot, _dir| async move {
        let answer = fake.ask("1001", "Mark怎么看待谄媚问题").await;
        let message = fake.bot_message(&fake.new_id(), CHANNEL_ID, &answer["data"]);
        fake.click_on("1001", &button_id(&answer, "开个讨论串"), message)
            .await;
        let intro = fake
            .wait_for(0, "the thread's first message", |r| {
                r.method == "POST" && r.path.starts_with("/api/v10/channels/71")
            })
            .await;
        let thread = intro.path.split('/').nth(4).expect("thread id").to_string();
        // a message in the thread, without a mention
        let reply = fake.message(&thread, Some(GUILD_ID), "那Nick呢").await;
        let fields = reply.body["embeds"][0]["fields"].clone();
        let speaker = fields
            .as_array()
            .and_then(|f| f.iter().find(|f| f["name"] == "发言"))
            .and_then(|f| f["value"].as_str())
            .unwrap_or("")
            .to_string();
        assert_eq!(speaker, "Nick Turley", "{}", reply.body);
        let labels: Vec<Value> = buttons_of(&reply.body)
            .iter()
            .map(|b| b["label"].clone())
            .collect();
        assert!(
            !labels.contains(&json!("开个讨论串")),
            "no thread in a thread"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_without_permission_is_explained_privately() {
    with_bot(quick(), |fake, _bot, _dir| async move {
        let answer = fake.ask("1001", NAME_QUESTION).await;
        let message = fake.bot_message(NO_THREADS_MESSAGE_ID, CHANNEL_ID, &answer["data"]);
        let clicked = fake
            .click_on("1001", &button_id(&answer, "开个讨论串"), message)
            .await;
        assert_eq!(clicked["data"]["flags"], 64, "{clicked}");
        assert!(
            content(&clicked).contains("Create Public Threads"),
            "{clicked}"
        );
        assert_safe(&clicked["data"], "no permission");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_menu_answers_a_claim_privately_with_a_button_to_post_it() {
    with_bot(quick(), |fake, _bot, _dir| async move {
        let claim = message_json(
            &fake.new_id(),
            CHANNEL_ID,
            "3003",
            "Nick说ChatGPT最开始的名字是Chat with GPT-3.5",
            Some(GUILD_ID),
            &[],
        );
        let answer = fake.context_menu("1001", "Ask the interview", claim).await;
        assert_eq!(answer["data"]["flags"], 64, "ephemeral: {answer}");
        assert_safe(&answer["data"], "context menu");
        let lines = line_range(field(&answer, "出处"));
        assert!(overlaps(lines, NAME_LINES), "{lines:?}");
        assert!(field(&answer, "问题").contains("Chat with GPT"));
        let message = fake.bot_message(&fake.new_id(), CHANNEL_ID, &answer["data"]);
        let posted = fake
            .click_on("1001", &button_id(&answer, "公开发到频道"), message)
            .await;
        assert_eq!(posted["type"], 4, "{posted}");
        assert_eq!(
            posted["data"]["flags"].as_u64().unwrap_or(0) & 64,
            0,
            "public: {posted}"
        );
        assert_eq!(line_range(field(&posted, "出处")), lines);
        assert_safe(&posted["data"], "posted");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_menu_on_a_message_without_text_explains() {
    with_bot(quick(), |fake, _bot, _dir| async move {
        let image_only = message_json(&fake.new_id(), CHANNEL_ID, "3003", "", Some(GUILD_ID), &[]);
        let answer = fake
            .context_menu("1001", "Ask the interview", image_only)
            .await;
        assert_eq!(answer["data"]["flags"], 64, "{answer}");
        assert!(
            content(&answer).contains("没有可以拿来提问的文字"),
            "{answer}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_menu_is_registered_with_localised_names() {
    with_bot(quick(), |fake, _bot, _dir| async move {
        let registration = fake
            .wait_for(0, "command registration", |r| {
                r.method == "PUT" && r.path.ends_with("/commands")
            })
            .await;
        let commands = registration.body.as_array().expect("a list").clone();
        let menu = commands
            .iter()
            .find(|c| c["type"] == 3)
            .expect("a message command");
        assert_eq!(menu["name"], "Ask the interview");
        assert_eq!(menu["name_localizations"]["zh-CN"], "问问访谈");
        assert_eq!(menu["name_localizations"]["zh-TW"], "問問訪談");
        let cite = commands
            .iter()
            .find(|c| c["name"] == "cite")
            .expect("/cite");
        assert_eq!(cite["options"][0]["autocomplete"], true);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citation_reopens_exactly_that_passage() {
    with_bot(quick(), |fake, _bot, _dir| async move {
        let shown = fake
            .slash(
                "1001",
                "cite",
                json!([{"name": "citation", "type": 3, "value": "openai-podcast-ep2#L150-156"}]),
            )
            .await;
        assert_eq!(line_range(field(&shown, "出处")), (150, 156));
        assert_eq!(field(&shown, "引用"), "`openai-podcast-ep2#L150-156`");
        assert!(!field(&shown, "发言").is_empty());
        assert!(!embed(&shown)["title"].as_str().unwrap_or("").is_empty());
        assert_safe(&shown["data"], "/cite");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citation_opens_in_the_language_asked_for() {
    with_bot(quick(), |fake, _bot, _dir| async move {
        let cite = |language: u64| {
            json!([
                {"name": "citation", "type": 3, "value": "openai-podcast-ep2#L16-16"},
                {"name": "language", "type": 4, "value": language},
            ])
        };
        // the choices in order: 中文（简体）, 中文（繁體）, English
        let english = fake.slash("1001", "cite", cite(2)).await;
        assert_eq!(field(&english, "Lines"), "line 16", "{english}");
        assert!(
            embed(&english)["description"]
                .as_str()
                .is_some_and(|d| d.contains("original name")),
            "{english}"
        );
        assert_safe(&english["data"], "/cite in English");
        let traditional = fake.slash("1001", "cite", cite(1)).await;
        assert!(
            embed(&traditional)["description"]
                .as_str()
                .is_some_and(|d| d.contains("最開始的名字")),
            "{traditional}"
        );
        let simplified = fake.slash("1001", "cite", cite(0)).await;
        assert!(
            embed(&simplified)["description"]
                .as_str()
                .is_some_and(|d| d.contains("最开始的名字")),
            "{simplified}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citation_out_of_range_or_malformed_gets_a_clear_message() {
    with_bot(quick(), |fake, _bot, _dir| async move {
        for (citation, expected) in [
            ("openai-podcast-ep2#L99999-100000", "超出了范围"),
            ("openai-podcast-ep2#Lx", "openai-podcast-ep2#L150-156"),
            ("nope#L1-2", "没有名为"),
        ] {
            let reply = fake
                .slash(
                    "1001",
                    "cite",
                    json!([{"name": "citation", "type": 3, "value": citation}]),
                )
                .await;
            let text = content(&reply).replace('\\', "");
            assert!(text.contains(expected), "{citation}: {reply}");
            assert_safe(&reply["data"], citation);
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citation_autocomplete_offers_chapters_and_the_typed_citation() {
    with_bot(quick(), |fake, _bot, _dir| async move {
        let data = json!({"id": fake.new_id(), "name": "cite", "type": 1,
            "options": [{"name": "citation", "type": 3, "value": "openai-podcast-ep2#L15-19", "focused": true}]});
        let reply = fake.interact(4, "1001", data, None).await;
        assert_eq!(reply["type"], 8, "{reply}");
        let choices = reply["data"]["choices"].as_array().expect("choices").clone();
        assert!(!choices.is_empty() && choices.len() <= 25);
        assert_eq!(choices[0]["value"], "openai-podcast-ep2#L15-19");
        for choice in &choices {
            let name = choice["name"].as_str().unwrap_or("");
            assert!(name.chars().count() <= 100 && !name.is_empty(), "{name}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_questions_are_logged_as_text_only_when_opted_in() {
    let setup = BotSetup {
        discord_extra: "log_unanswered = true".into(),
        ..quick()
    };
    with_bot(setup, |fake, _bot, dir| async move {
        let reply = fake.ask("1001", "微软投资了OpenAI多少钱？").await;
        assert!(content(&reply).starts_with("访谈里没有找到相关内容"));
        let log = dir.join("feedback.log");
        let mut text = String::new();
        fake.wait_until("the unanswered question in the log", |_| {
            text = std::fs::read_to_string(&log).unwrap_or_default();
            !text.is_empty()
        })
        .await;
        let entry: Value =
            serde_json::from_str(text.lines().next().expect("a line")).expect("json");
        assert_eq!(entry["unanswered"], "微软投资了OpenAI多少钱？");
        assert!(!text.contains("1001"), "no user id: {text}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_questions_are_not_logged_by_default() {
    with_bot(quick(), |fake, bot, dir| async move {
        fake.ask("1001", "微软投资了OpenAI多少钱？").await;
        bot.wait_log("the command line", |log| log.contains("answered=false"))
            .await;
        assert!(!dir.join("feedback.log").exists());
    })
    .await;
}
