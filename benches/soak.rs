//! Soak measurement (`bench/soak [seconds]`, or `cargo bench --bench soak -- SECONDS`): the real
//! bot (release build) against the fake Discord of the tests at a steady 20 `/ask` per second
//! from 1,000 users, plus one button click per 10 asks, for `SECONDS` (default 300). Every 30 s
//! it prints the bot's resident memory (VmRSS from /proc) and the reply latency (p50, p99, max:
//! from the event leaving the fake gateway to the interaction callback reaching it); at the end,
//! the totals. It exits non-zero when an interaction went unanswered or the bot stopped.
//!
//! A measurement, not a test: whether memory levels off is read from its table (today's run in
//! docs/performance.md, "Soak").

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::bot_process::{Bot, BotSetup};
use common::checks::{assert_safe, button_id, embed};
use common::fake_discord::*;

/// Asks per second.
const RATE: u64 = 20;
/// Seconds between two reports.
const REPORT_EVERY: Duration = Duration::from_secs(30);
/// Distinct users taking turns (each asks once every 50 s at 20/s: never in cooldown).
const USERS: usize = 1_000;
/// Button-state cap: reached after about a minute, so the plateau shows within the run (with the
/// default 10,000 the cache keeps filling for 8 minutes at this rate).
const CACHE_CAPACITY: usize = 1_000;
/// Default length of a run, in seconds.
const DEFAULT_SECONDS: u64 = 300;

/// Training questions as users type them, questions the interview does not answer, and hostile
/// input.
const QUESTIONS: &[&str] = &[
    "ChatGPT最早叫什么名字？",
    "chatgpt一开始的名字好像很长？叫啥",
    "第二天nick咋解释数据涨那么猛的",
    "Nick一開始懷疑是什麼東西出了問題？",
    "Did Mark's parents believe AGI was realistic?",
    "最佳拍档 大飞",
    "英伟达的股价最近怎么样？",
    "Sora是哪一年發布的？",
    "@everyone 谁负责ChatGPT",
    "ＣｈａｔＧＰＴ最早叫什麼名字？",
    "ChatGPTの最初の名前は何ですか",
    "？！。",
];

struct Sent {
    id: String,
    at: Instant,
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and gets no soak
    if !std::env::args().any(|a| a == "--bench") {
        println!("soak: a measurement of minutes; run bench/soak or cargo bench --bench soak");
        return;
    }
    // the length is the first number among the arguments
    let seconds = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .or_else(|| std::env::var("SOAK_SECONDS").ok()?.parse().ok())
        .unwrap_or(DEFAULT_SECONDS);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(soak(seconds));
}

async fn soak(seconds: u64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let fake = FakeDiscord::start().await;
    let setup = BotSetup {
        cooldown_seconds: 5,
        button_cache_capacity: CACHE_CAPACITY,
        log_filter: "warn".to_string(),
        ..Default::default()
    };
    let mut bot = Bot::start_with(dir.path(), &fake.endpoint(), Some(FAKE_TOKEN), &setup);
    fake.wait_for_identify(1).await;
    let warm = fake.ask("1", QUESTIONS[0]).await;
    let context_button = button_id(&warm, "展开上下文");
    let start_rss = bot.rss_kib().unwrap_or(0);
    println!(
        "soak: {seconds} s at {RATE} asks/s (+1 click per 10 asks), {USERS} users, button cache \
         {CACHE_CAPACITY}; RSS after start-up {start_rss} KiB"
    );
    println!(
        "{:>6} {:>7} {:>7} {:>9} {:>9} {:>9} {:>10}",
        "t(s)", "sent", "replied", "p50 ms", "p99 ms", "max ms", "RSS KiB"
    );

    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / RATE));
    let started = Instant::now();
    let mut next_report = started + REPORT_EVERY;
    let mut sent: Vec<Sent> = Vec::new();
    let mut reported = 0;
    let mut all_latencies: Vec<Duration> = Vec::new();
    let mut i = 0usize;
    while started.elapsed() < Duration::from_secs(seconds) {
        ticker.tick().await;
        let user = (100_000 + i % USERS).to_string();
        let (id, _) = fake.send_ask(&user, QUESTIONS[i % QUESTIONS.len()]);
        sent.push(Sent {
            id,
            at: Instant::now(),
        });
        if i % 10 == 5 {
            let (id, _) = fake.send_click(&format!("{}", 200_000 + i), &context_button);
            sent.push(Sent {
                id,
                at: Instant::now(),
            });
        }
        i += 1;
        if Instant::now() >= next_report {
            next_report += REPORT_EVERY;
            // leave the newest a moment to be answered
            tokio::time::sleep(Duration::from_millis(500)).await;
            let latencies = window_latencies(&fake, &sent[reported..]);
            reported = sent.len();
            let mut window = latencies.clone();
            window.sort();
            println!(
                "{:>6} {:>7} {:>7} {:>9} {:>9} {:>9} {:>10}",
                started.elapsed().as_secs(),
                sent.len(),
                all_latencies.len() + window.len(),
                ms(percentile(&window, 50.0)),
                ms(percentile(&window, 99.0)),
                ms(window.last().copied().unwrap_or_default()),
                bot.rss_kib().unwrap_or(0)
            );
            all_latencies.extend(latencies);
        }
    }
    // the last interactions: answered within the fake's usual wait, or counted as unanswered
    let deadline = Instant::now() + WAIT;
    let mut rest = window_latencies(&fake, &sent[reported..]);
    while rest.len() < sent.len() - reported && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        rest = window_latencies(&fake, &sent[reported..]);
    }
    all_latencies.extend(rest);
    all_latencies.sort();
    let end_rss = bot.rss_kib().unwrap_or(0);
    println!(
        "total: {} interactions sent, {} replied; p50 {} ms, p99 {} ms, max {} ms; RSS {start_rss} → {end_rss} KiB",
        sent.len(),
        all_latencies.len(),
        ms(percentile(&all_latencies, 50.0)),
        ms(percentile(&all_latencies, 99.0)),
        ms(all_latencies.last().copied().unwrap_or_default()),
    );
    assert_eq!(
        all_latencies.len(),
        sent.len(),
        "every interaction answered"
    );
    let sample = fake.ask("2", QUESTIONS[0]).await;
    assert!(embed(&sample).is_object(), "still answering: {sample}");
    assert_safe(&sample["data"], "after the soak");
    assert!(bot.running(), "still running");
    bot.terminate();
    assert!(bot.wait_exit().await.success(), "clean exit");
    fake.assert_contract(&[]);
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// Latencies of the interactions in `sent` that have their callback.
fn window_latencies(fake: &FakeDiscord, sent: &[Sent]) -> Vec<Duration> {
    let callbacks: HashMap<String, Instant> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/callback"))
        .filter_map(|r| {
            let id = r
                .path
                .strip_prefix("/api/v10/interactions/")?
                .split('/')
                .next()?
                .to_string();
            Some((id, r.at))
        })
        .collect();
    sent.iter()
        .filter_map(|s| callbacks.get(&s.id).map(|at| at.duration_since(s.at)))
        .collect()
}
