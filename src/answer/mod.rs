//! The answering engine: loads the corpus and dictionaries, keeps the index fresh, and answers a
//! question with the best passages, their line ranges, speakers and topic labels — or says that
//! the interview does not cover it and suggests the nearest topics.

pub mod citation;
pub mod dense;
mod derived;
pub mod fit;
pub mod followup;
pub mod fuse;
pub mod lexical;
pub mod query;
pub mod semantic;

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use jieba_rs::Jieba;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::{AnswerConfig, SemanticConfig};
use crate::corpus::{Corpus, Transcript};
use crate::error::{Error, Result};
use crate::lexicon::{Glossary, Lexicon};
use crate::search::lines::{LineIndex, LineRef};
use crate::search::{IndexOrigin, SearchIndex, WindowDoc, SCHEMA_VERSION};
use crate::text::{char_grams, is_cjk, normalize, normalize_mapped, Analyzer};
use crate::topics::{self, Topic};
use dense::DenseScores;
use fuse::{Features, QuestionSignals, Rankings};
use lexical::{Candidate, LexicalSources};
use query::{QueryBuilder, QueryPlan};
use semantic::SemanticState;
pub use semantic::{Progress, ProgressEvent};

/// Windows found by meaning that join the lexical regions.
const DENSE_WINDOWS: usize = 8;
/// Candidates kept after fusion (for the answer's results and the decision's margin).
const KEPT_CANDIDATES: usize = 8;

/// Lines per indexed window.
pub const WINDOW_LINES: usize = 6;
/// Lines between the starts of two windows.
pub const WINDOW_STRIDE: usize = 2;

/// Where the engine finds its data and how it answers.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Directory holding `transcripts/` and `dict/`.
    pub data_dir: PathBuf,
    /// Directory for the persisted index; in memory when `None`.
    pub index_dir: Option<PathBuf>,
    /// Rebuild the index even when it is fresh.
    pub force_rebuild: bool,
    /// Answer settings.
    pub answer: AnswerConfig,
    /// Semantic settings.
    pub semantic: SemanticConfig,
    /// Where progress of a long build is reported.
    pub progress: Progress,
}

/// Per-question options.
#[derive(Debug, Clone, Default)]
pub struct AskOptions {
    /// Number of results (the configured default when `None`).
    pub top_n: Option<usize>,
    /// Only search this transcript.
    pub transcript: Option<String>,
    /// Answer by words alone even when the semantic signal is on.
    pub lexical_only: bool,
    /// Earlier questions and the passages shown: the question is then a follow-up.
    pub context: Option<followup::AskContext>,
}

/// The engine's reply to a question.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// The question as asked.
    pub question: String,
    /// Whether the interview answers it.
    pub answered: bool,
    /// Best passages first, never overlapping (empty when not answered).
    pub results: Vec<Passage>,
    /// Nearest topics, when not answered.
    pub suggestions: Vec<String>,
}

/// A passage of a transcript.
#[derive(Debug, Clone, Serialize)]
pub struct Passage {
    /// Transcript id.
    pub transcript: String,
    /// First line (1-based).
    pub line_start: usize,
    /// Last line (inclusive).
    pub line_end: usize,
    /// The lines, joined with newlines.
    pub text: String,
    /// Topic label of the part of the interview it is in.
    pub topic: String,
    /// Whose view it reports.
    pub speaker: Option<String>,
    /// Relevance score (higher is better).
    pub score: f32,
    /// Normalised terms of the question found in the passage, for highlighting.
    #[serde(skip)]
    pub matched_terms: Vec<String>,
}

/// A line where a keyword occurs.
#[derive(Debug, Clone, Serialize)]
pub struct Occurrence {
    /// Transcript id.
    pub transcript: String,
    /// Line number.
    pub line: usize,
    /// The line.
    pub text: String,
}

/// A transcript's outline.
#[derive(Debug, Clone, Serialize)]
pub struct Outline {
    /// Transcript id.
    pub transcript: String,
    /// Transcript title.
    pub title: String,
    /// Topics in order.
    pub topics: Vec<Topic>,
}

/// A topic found by name.
#[derive(Debug, Clone)]
pub struct TopicMatch {
    /// Transcript id.
    pub transcript: String,
    /// The topic.
    pub topic: Topic,
}

/// The answering engine. Synchronous, shareable across threads.
pub struct Engine {
    corpus: Corpus,
    analyzer: Analyzer,
    index: SearchIndex,
    index_origin: IndexOrigin,
    lines: LineIndex,
    synonyms: HashMap<String, Vec<String>>,
    glossary: Glossary,
    aliases: Vec<(String, String)>,
    outlines: Vec<Vec<Topic>>,
    /// Every line normalised, per transcript (for keyword look-up).
    normalized_lines: Vec<Vec<String>>,
    semantic: SemanticState,
    rankings: Rankings,
    config: AnswerConfig,
}

/// A question as the pipeline understands it: its plan, and its vector when the semantic signal
/// is on.
pub struct Understood {
    /// Concepts, cues, speakers.
    pub plan: QueryPlan,
    /// The question's unit vector.
    pub vector: Option<Vec<f32>>,
}

/// A candidate passage with its features and fused score.
#[derive(Debug, Clone)]
pub struct Scored {
    /// The span and its lexical facts.
    pub candidate: Candidate,
    /// Its features.
    pub features: Features,
    /// Its fused score.
    pub score: f32,
}

/// What the pipeline found for a question, before deciding: candidates best first and the
/// question's own signals.
pub struct Examined {
    /// Candidates, best first, not overlapping.
    pub ranked: Vec<Scored>,
    /// Every candidate before ranking (for fitting), overlapping ones included.
    pub all: Vec<Scored>,
    /// What the question itself shows.
    pub signals: QuestionSignals,
}

impl Engine {
    /// Loads transcripts and dictionaries and opens (or builds) the index.
    pub fn open(options: &EngineOptions) -> Result<Engine> {
        let corpus = Corpus::load(&options.data_dir.join("transcripts"))?;
        for problem in &corpus.problems {
            tracing::warn!("skipped: {problem}");
        }
        let lexicon = Lexicon::load(&options.data_dir.join("dict"))?;
        let aliases = speaker_aliases(&corpus);
        let jieba = Arc::new(build_jieba(&lexicon, &aliases)?);
        let analyzer = Analyzer::new(jieba, lexicon.stopwords.clone());

        let mut lines = LineIndex::new();
        let mut line_terms: Vec<Vec<(String, String)>> = Vec::new();
        let mut normalized_lines: Vec<Vec<String>> = Vec::new();
        for (t, transcript) in corpus.transcripts.iter().enumerate() {
            let mut terms = Vec::with_capacity(transcript.line_count());
            let mut normalized_text = Vec::with_capacity(transcript.line_count());
            for (i, line) in transcript.lines.iter().enumerate() {
                let normalized = normalize(line);
                let words = analyzer.index_words(&normalized);
                let grams = char_grams(&normalized);
                let at = LineRef {
                    transcript: t as u32,
                    line: i as u32 + 1,
                };
                lines.add_line(at, &words, &grams);
                terms.push((words.join(" "), grams.join(" ")));
                normalized_text.push(normalized);
            }
            line_terms.push(terms);
            normalized_lines.push(normalized_text);
        }

        let vocabulary = lines
            .words()
            .filter(|w| w.chars().count() >= 2 && w.chars().all(is_cjk))
            .map(str::to_string)
            .collect();
        let synonyms = synonym_map(&lexicon.synonym_groups, &corpus, &analyzer, &lines);
        let semantic = semantic::open(
            &options.semantic,
            &corpus,
            options.index_dir.as_deref(),
            options.force_rebuild,
            &options.progress,
        );
        let fingerprint = fingerprint(&corpus, &lexicon)?;
        // automatic outlines depend on whether lines have vectors
        let derived_key = match semantic.get() {
            Some(_) => format!("{fingerprint}-{}", &crate::embed::fetch::SHA256[..12]),
            None => fingerprint.clone(),
        };
        let line_counts: Vec<usize> = corpus.transcripts.iter().map(|t| t.line_count()).collect();
        let derived::Derived { glossary, outlines } = derived::load_or_build(
            options.index_dir.as_deref(),
            &derived_key,
            &line_counts,
            options.force_rebuild,
            || {
                Ok(derived::Derived {
                    glossary: Glossary::build(&lexicon.cedict_entries()?, &vocabulary),
                    outlines: corpus
                        .transcripts
                        .iter()
                        .enumerate()
                        .map(|(i, t)| topics::outline(t, &analyzer, line_vectors(&semantic, i)))
                        .collect(),
                })
            },
        )?;
        let ranking_path = options.data_dir.join(fuse::RANKING_FILE);
        let rankings = match Rankings::load(&ranking_path) {
            Ok(rankings) => rankings,
            Err(e) => {
                tracing::warn!("{e}; ranking unfitted");
                Rankings::unfitted()
            }
        };
        let build_docs = || window_docs(&line_terms);
        let (index, index_origin) = match &options.index_dir {
            Some(dir) => {
                SearchIndex::open_or_build(dir, &fingerprint, options.force_rebuild, build_docs)?
            }
            None => (SearchIndex::build_in_ram(build_docs())?, IndexOrigin::Built),
        };
        Ok(Engine {
            corpus,
            analyzer,
            index,
            index_origin,
            lines,
            synonyms,
            glossary,
            aliases,
            outlines,
            normalized_lines,
            semantic,
            rankings,
            config: options.answer.clone(),
        })
    }

    /// The loaded transcripts.
    pub fn transcripts(&self) -> &[Transcript] {
        &self.corpus.transcripts
    }

    /// Files that could not be loaded, with reasons.
    pub fn problems(&self) -> &[Error] {
        &self.corpus.problems
    }

    /// Whether the index was built at start-up (rather than opened).
    pub fn index_was_built(&self) -> bool {
        self.index_origin == IndexOrigin::Built
    }

    /// Number of indexed passage windows.
    pub fn window_count(&self) -> u64 {
        self.index.window_count()
    }

    /// How a question is understood (for diagnostics and benchmarks).
    pub fn plan(&self, question: &str) -> QueryPlan {
        QueryBuilder {
            analyzer: &self.analyzer,
            lines: &self.lines,
            synonyms: &self.synonyms,
            glossary: &self.glossary,
            aliases: &self.aliases,
        }
        .plan(question)
    }

    /// Which mode answers: hybrid, or lexical only and why.
    pub fn mode(&self) -> String {
        self.semantic.describe()
    }

    /// Whether the semantic signal is on.
    pub fn semantic_on(&self) -> bool {
        self.semantic.get().is_some()
    }

    /// Answers a question. Never fails: a question that cannot be searched is not answered.
    pub fn answer(&self, question: &str, options: &AskOptions) -> Answer {
        if let Some(context) = options.context.as_ref().filter(|c| !c.turns.is_empty()) {
            let top_n = options.top_n.unwrap_or(self.config.top_n).clamp(1, 25);
            return followup::answer_in_context(self, question, context, options, top_n);
        }
        let top_n = options.top_n.unwrap_or(self.config.top_n).clamp(1, 25);
        let only = self.only(options);
        let understood = self.understand(question, options.lexical_only);
        let examined = self.examine(&understood, only);
        let answered = self.decide(&understood, &examined);
        let shown = examined.ranked.iter().take(top_n);
        if answered {
            Answer {
                question: question.to_string(),
                answered: true,
                results: shown.map(|s| self.passage(&s.candidate, s.score)).collect(),
                suggestions: Vec::new(),
            }
        } else {
            let candidates: Vec<Candidate> = shown.map(|s| s.candidate.clone()).collect();
            Answer {
                question: question.to_string(),
                answered: false,
                results: Vec::new(),
                suggestions: self.suggestions(&candidates),
            }
        }
    }

    fn only(&self, options: &AskOptions) -> Option<usize> {
        options
            .transcript
            .as_deref()
            .and_then(|id| self.corpus.transcripts.iter().position(|t| t.id == id))
    }

    /// Understands a question: its plan, and its vector unless `lexical_only`.
    pub fn understand(&self, question: &str, lexical_only: bool) -> Understood {
        let plan = self.plan(question);
        let vector = match self.semantic.get() {
            // a question of punctuation or symbols alone has nothing to match by meaning
            Some(semantic) if !lexical_only && question.chars().any(char::is_alphanumeric) => {
                // the normalised question (full-width folded, Simplified): its variants embed alike
                let text = &plan.normalized;
                Some(
                    semantic
                        .encoder
                        .embed_on(text, crate::embed::Role::Query, semantic.threads),
                )
            }
            _ => None,
        };
        Understood { plan, vector }
    }

    fn lexical_sources(&self) -> LexicalSources<'_> {
        LexicalSources {
            corpus: &self.corpus,
            index: &self.index,
            lines: &self.lines,
            outlines: &self.outlines,
            max_lines: self.config.max_passage_lines,
        }
    }

    /// Retrieves (lexical and dense), narrows and fuses with the fitted ranking: the candidates
    /// of a question.
    pub fn examine(&self, understood: &Understood, only: Option<usize>) -> Examined {
        self.examine_with(understood, only, self.ranking_for(understood))
    }

    /// As `examine`, scoring with the given parameters (for fitting them).
    pub fn examine_with(
        &self,
        understood: &Understood,
        only: Option<usize>,
        ranking: &fuse::Ranking,
    ) -> Examined {
        let plan = &understood.plan;
        let sources = self.lexical_sources();
        let dense = self.dense_scores(understood.vector.as_deref(), only);
        let dense_hits = dense::best_windows(&dense, DENSE_WINDOWS);
        let mut regions = lexical::retrieve(&sources, plan, only);
        regions.extend(dense_hits.iter().map(|h| lexical::Region {
            transcript: h.transcript,
            start: h.start,
            end: h.end,
            retrieval: 0.0,
        }));
        let lexical = lexical::narrow(&sources, plan, &regions);
        let best_lexical = lexical.first().map_or(0.0, |c| c.score);
        let mut candidates: Vec<(Candidate, Option<usize>)> = lexical
            .into_iter()
            .enumerate()
            .map(|(rank, c)| (c, Some(rank)))
            .collect();
        for hit in &dense_hits {
            let mut c = Candidate::plain(hit.transcript, hit.start, hit.end, hit.start + 1);
            c.holds_number =
                lexical::span_holds_number(&self.corpus, hit.transcript, hit.start, hit.end);
            c.holds_time = plan.cues.time
                && lexical::span_holds_time(&self.corpus, hit.transcript, hit.start, hit.end);
            candidates.push((c, None));
        }
        let best_window: Vec<f32> = dense
            .iter()
            .map(|d| {
                d.as_ref().map_or(0.0, |d| {
                    d.windows.iter().copied().fold(f32::NEG_INFINITY, f32::max)
                })
            })
            .collect();
        let best_window = best_window
            .iter()
            .copied()
            .fold(f32::NEG_INFINITY, f32::max);
        // windows found by meaning have their own length: every candidate keeps to the longest
        let longest = self.config.max_passage_lines.max(1);
        let all: Vec<Scored> = candidates
            .into_iter()
            .map(|(mut candidate, rank)| {
                candidate.end = candidate.end.min(candidate.start + longest - 1);
                candidate.anchor = candidate.anchor.min(candidate.end);
                let scores = dense[candidate.transcript]
                    .as_ref()
                    .map(|d| (d, best_window));
                let topic = topics::topic_at(&self.outlines[candidate.transcript], candidate.start)
                    .map_or((candidate.start, candidate.end), |t| (t.start, t.end));
                let features = fuse::passage_features(
                    &candidate,
                    rank,
                    best_lexical,
                    plan.cues,
                    scores,
                    topic,
                );
                Scored {
                    candidate,
                    features,
                    score: 0.0,
                }
            })
            .collect();
        rank_candidates(all, understood, ranking)
    }

    /// The candidates of `examined` scored and ordered under other parameters (for fitting
    /// them without retrieving again).
    pub fn rescored(
        &self,
        understood: &Understood,
        examined: &Examined,
        ranking: &fuse::Ranking,
    ) -> Examined {
        rank_candidates(examined.all.clone(), understood, ranking)
    }

    fn ranking_for(&self, understood: &Understood) -> &fuse::Ranking {
        if understood.vector.is_some() {
            &self.rankings.semantic
        } else {
            &self.rankings.lexical
        }
    }

    fn dense_scores(
        &self,
        vector: Option<&[f32]>,
        only: Option<usize>,
    ) -> Vec<Option<DenseScores>> {
        let semantic = self.semantic.get();
        (0..self.corpus.transcripts.len())
            .map(|t| {
                let (semantic, vector) = (semantic?, vector?);
                if only.is_some_and(|o| o != t) {
                    return None;
                }
                Some(dense::score(&semantic.vectors[t], vector))
            })
            .collect()
    }

    /// Probability that the best candidate answers the question.
    pub fn answerable(&self, understood: &Understood, examined: &Examined) -> f32 {
        match decision_inputs(examined) {
            Some(inputs) => self.ranking_for(understood).answerable(&inputs),
            None => 0.0,
        }
    }

    fn decide(&self, understood: &Understood, examined: &Examined) -> bool {
        let ranking = self.ranking_for(understood);
        !examined.ranked.is_empty() && self.answerable(understood, examined) >= ranking.threshold
    }

    /// How a question is understood and scored, for tuning: its concepts (importance, presence,
    /// variants) and the top candidates with coverage and evidence.
    pub fn explain(&self, question: &str) -> String {
        let plan = self.plan(question);
        let mut out = format!("normalized: {}\ncues: {:?}\n", plan.normalized, plan.cues);
        for c in &plan.concepts {
            let variants: Vec<String> = c
                .variants
                .iter()
                .map(|v| format!("{}:{:.2}", v.text, v.weight))
                .collect();
            out.push_str(&format!(
                "  {} imp={:.2} present={} focus={} entity={} grams={} [{}]\n",
                c.label,
                c.importance,
                c.present,
                c.focus,
                c.entity,
                c.grams.len(),
                variants.join(" ")
            ));
        }
        let understood = Understood {
            plan,
            vector: self.understand(question, false).vector,
        };
        let examined = self.examine(&understood, None);
        out.push_str(&format!(
            "mode: {}\nanswerable: {:.3} (threshold {:.3})\n",
            self.mode(),
            self.answerable(&understood, &examined),
            self.ranking_for(&understood).threshold
        ));
        for s in examined.ranked.iter().take(5) {
            let c = &s.candidate;
            let features: Vec<String> = fuse::PASSAGE_FEATURES
                .iter()
                .zip(&s.features.values)
                .map(|(name, v)| format!("{name}={v:.2}"))
                .collect();
            out.push_str(&format!(
                "  -> {}-{} fused={:.3} matched={:?}\n     {}\n",
                c.start,
                c.end,
                s.score,
                c.matched,
                features.join(" ")
            ));
        }
        out
    }

    fn passage(&self, candidate: &Candidate, score: f32) -> Passage {
        let transcript = &self.corpus.transcripts[candidate.transcript];
        let topic = topics::topic_at(&self.outlines[candidate.transcript], candidate.anchor)
            .map_or_else(String::new, |t| t.title.clone());
        Passage {
            transcript: transcript.id.clone(),
            line_start: candidate.start,
            line_end: candidate.end,
            text: transcript.text(candidate.start, candidate.end),
            topic,
            speaker: transcript
                .speaker_of(candidate.start, candidate.end)
                .map(|s| s.name.clone()),
            score: (score * 1000.0).round() / 1000.0,
            matched_terms: candidate.matched.clone(),
        }
    }

    fn suggestions(&self, ranked: &[Candidate]) -> Vec<String> {
        let mut titles: Vec<String> = Vec::new();
        for candidate in ranked {
            if let Some(topic) =
                topics::topic_at(&self.outlines[candidate.transcript], candidate.anchor)
            {
                if !titles.contains(&topic.title) {
                    titles.push(topic.title.clone());
                }
            }
        }
        titles.truncate(3);
        titles
    }

    /// Outlines of all transcripts, or of one.
    pub fn outlines(&self, transcript: Option<&str>) -> Result<Vec<Outline>> {
        self.select(transcript, |t, i| Outline {
            transcript: t.id.clone(),
            title: t.title.clone(),
            topics: self.outlines[i].clone(),
        })
    }

    /// Automatic outlines (ignoring curated chapters), for starting a chapter list.
    pub fn auto_outlines(&self, transcript: Option<&str>) -> Result<Vec<Outline>> {
        self.select(transcript, |t, i| Outline {
            transcript: t.id.clone(),
            title: t.title.clone(),
            topics: topics::auto_outline(t, &self.analyzer, line_vectors(&self.semantic, i)),
        })
    }

    fn select<T>(
        &self,
        transcript: Option<&str>,
        make: impl Fn(&Transcript, usize) -> T,
    ) -> Result<Vec<T>> {
        match transcript {
            Some(id) => {
                let i = self
                    .corpus
                    .transcripts
                    .iter()
                    .position(|t| t.id == id)
                    .ok_or_else(|| Error::UnknownTranscript(id.to_string()))?;
                Ok(vec![make(&self.corpus.transcripts[i], i)])
            }
            None => Ok(self
                .corpus
                .transcripts
                .iter()
                .enumerate()
                .map(|(i, t)| make(t, i))
                .collect()),
        }
    }

    /// Topics whose title contains `query` (Simplified or Traditional, any case), at most `limit`.
    pub fn find_topics(&self, query: &str, limit: usize) -> Vec<TopicMatch> {
        let needle = normalize(query);
        let mut found = Vec::new();
        for (t, outline) in self.outlines.iter().enumerate() {
            for topic in outline {
                if needle.is_empty() || normalize(&topic.title).contains(&needle) {
                    found.push(TopicMatch {
                        transcript: self.corpus.transcripts[t].id.clone(),
                        topic: topic.clone(),
                    });
                }
            }
        }
        found.truncate(limit);
        found
    }

    /// Lines where a keyword occurs (as written, after normalisation; else lines holding all its
    /// words), in order, at most `limit`.
    pub fn find_occurrences(&self, keyword: &str, limit: usize) -> Vec<Occurrence> {
        let needle: String = normalize(keyword).chars().take(100).collect();
        if needle.trim().is_empty() {
            return Vec::new();
        }
        let words: Vec<String> = self
            .analyzer
            .query_words(&needle)
            .into_iter()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .collect();
        let mut exact = Vec::new();
        let mut all_words = Vec::new();
        for (transcript, normalized_lines) in
            self.corpus.transcripts.iter().zip(&self.normalized_lines)
        {
            for (i, (line, normalized)) in transcript.lines.iter().zip(normalized_lines).enumerate()
            {
                if exact.len() >= limit {
                    break;
                }
                let occurrence = || Occurrence {
                    transcript: transcript.id.clone(),
                    line: i + 1,
                    text: line.clone(),
                };
                if normalized.contains(needle.as_str()) {
                    exact.push(occurrence());
                } else if !words.is_empty() && words.iter().all(|w| normalized.contains(w.as_str()))
                {
                    all_words.push(occurrence());
                }
            }
        }
        if exact.is_empty() {
            exact = all_words;
        }
        exact.truncate(limit);
        exact
    }

    /// A passage of given lines with its topic and speaker (for showing more context).
    pub fn passage_at(&self, transcript: &str, start: usize, end: usize) -> Result<Passage> {
        let t = self
            .corpus
            .transcripts
            .iter()
            .position(|x| x.id == transcript)
            .ok_or_else(|| Error::UnknownTranscript(transcript.to_string()))?;
        let tr = &self.corpus.transcripts[t];
        let start = start.clamp(1, tr.line_count());
        let end = end.clamp(start, tr.line_count());
        let candidate = Candidate::plain(t, start, end, (start + end) / 2);
        Ok(self.passage(&candidate, 0.0))
    }

    /// A passage of about `lines` lines starting at a random sentence start, chosen by `pick`
    /// (a number in `0..n` for `n` choices).
    pub fn quote(&self, lines: usize, pick: impl FnOnce(usize) -> usize) -> Passage {
        let starts: Vec<(usize, usize)> = self
            .corpus
            .transcripts
            .iter()
            .enumerate()
            .flat_map(|(t, tr)| {
                (1..=tr
                    .line_count()
                    .saturating_sub(lines.saturating_sub(1))
                    .max(1))
                    .filter(move |&n| n == 1 || ends_sentence(tr.line(n - 1)))
                    .map(move |n| (t, n))
            })
            .collect();
        let (t, start) = starts[pick(starts.len()).min(starts.len() - 1)];
        let tr = &self.corpus.transcripts[t];
        let end = (start + lines.max(1) - 1).min(tr.line_count());
        let candidate = Candidate::plain(t, start, end, start);
        self.passage(&candidate, 0.0)
    }

    /// Byte ranges of `text` where any of `terms` (normalised) occur, merged and in order.
    pub fn highlight(&self, text: &str, terms: &[String]) -> Vec<std::ops::Range<usize>> {
        let (normalized, origin) = normalize_mapped(text);
        let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
        for term in terms.iter().filter(|t| !t.is_empty()) {
            for (at, _) in normalized.match_indices(term.as_str()) {
                let end = at + term.len() - 1;
                if let (Some(a), Some(b)) = (origin.get(at), origin.get(end)) {
                    ranges.push(a.start..b.end);
                }
            }
        }
        ranges.sort_by_key(|r| (r.start, r.end));
        let mut merged: Vec<std::ops::Range<usize>> = Vec::new();
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        merged
    }
}

/// Scores candidates under `ranking`, orders them best first, keeps the best ones that do not
/// overlap, and reads the question's signals (one of which looks at the top passage).
fn rank_candidates(
    mut all: Vec<Scored>,
    understood: &Understood,
    ranking: &fuse::Ranking,
) -> Examined {
    let plan = &understood.plan;
    for scored in &mut all {
        scored.score = ranking.score(&scored.features);
    }
    all.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.candidate.start.cmp(&b.candidate.start))
    });
    let ranked = lexical::without_overlaps(all.clone(), KEPT_CANDIDATES, |s| {
        (s.candidate.transcript, s.candidate.start, s.candidate.end)
    });
    let signals = QuestionSignals {
        focus_missing: lexical::focus_missing(plan),
        entity_missing: lexical::entity_missing(plan),
        number_missing: plan.cues.number
            && !ranked.first().is_some_and(|s| s.candidate.holds_number),
        time_missing: plan.cues.time && !ranked.first().is_some_and(|s| s.candidate.holds_time),
        importance: plan.concepts.iter().map(|c| c.importance).sum(),
        absent_share: absent_share(plan),
        semantic: understood.vector.is_some(),
    };
    Examined {
        ranked,
        all,
        signals,
    }
}

fn line_vectors(
    semantic: &SemanticState,
    transcript: usize,
) -> Option<&crate::embed::store::Vectors> {
    semantic.get().map(|s| &s.vectors[transcript].lines)
}

/// Share of the question's importance carried by concepts the corpus never mentions.
fn absent_share(plan: &QueryPlan) -> f32 {
    let total: f32 = plan.concepts.iter().map(|c| c.importance).sum();
    let absent: f32 = plan
        .concepts
        .iter()
        .filter(|c| !c.present)
        .map(|c| c.importance)
        .sum();
    if total > 0.0 {
        absent / total
    } else {
        0.0
    }
}

/// The decision's inputs for what was examined (none without candidates).
pub fn decision_inputs(examined: &Examined) -> Option<Vec<f32>> {
    let top = examined.ranked.first()?;
    let scores: Vec<f32> = examined.ranked.iter().map(|s| s.score).collect();
    Some(fuse::decision_inputs(
        &scores,
        &top.features,
        &examined.signals,
    ))
}

fn ends_sentence(line: &str) -> bool {
    let line = line.trim_end();
    line.is_empty()
        || line.ends_with(['。', '？', '！', '?', '!', '.', '”', '"', '，', ','])
        || line.chars().count() < 30
}

fn speaker_aliases(corpus: &Corpus) -> Vec<(String, String)> {
    let mut aliases: Vec<(String, String)> = Vec::new();
    for transcript in &corpus.transcripts {
        for speaker in &transcript.speakers {
            for alias in speaker.aliases.iter().chain(std::iter::once(&speaker.name)) {
                let alias = normalize(alias);
                if !alias.is_empty() && !aliases.iter().any(|(a, _)| *a == alias) {
                    aliases.push((alias, speaker.name.clone()));
                }
            }
        }
    }
    aliases.sort_by_key(|(a, _)| std::cmp::Reverse(a.chars().count()));
    aliases
}

fn build_jieba(lexicon: &Lexicon, aliases: &[(String, String)]) -> Result<Jieba> {
    let mut jieba = Jieba::new();
    let mut dict = lexicon.user_dict.as_bytes();
    jieba
        .load_dict(&mut dict)
        .map_err(|e| Error::data(crate::lexicon::USER_DICT, 0, e.to_string()))?;
    let extra = aliases
        .iter()
        .map(|(a, _)| a.as_str())
        .chain(lexicon.synonym_groups.iter().flatten().map(String::as_str));
    for word in extra {
        let word = normalize(word);
        if word.chars().count() >= 2 && word.chars().all(is_cjk) {
            let freq = jieba.suggest_freq(&word).max(3000);
            jieba.add_word(&word, Some(freq), None);
        }
    }
    // user dictionary words are stored as written; add their normalised forms too
    for line in lexicon.user_dict.lines() {
        if let Some(word) = line.split_whitespace().next() {
            let folded = normalize(word);
            if folded != word && !folded.contains(' ') {
                jieba.add_word(&folded, Some(3000), None);
            }
        }
    }
    Ok(jieba)
}

/// The thesaurus as used by queries: each group member (and the stem of English members) maps to
/// the corpus words its group-mates are written with, stop words left out.
fn synonym_map(
    groups: &[Vec<String>],
    corpus: &Corpus,
    analyzer: &Analyzer,
    lines: &LineIndex,
) -> HashMap<String, Vec<String>> {
    let speaker_groups = corpus.transcripts.iter().flat_map(|t| {
        t.speakers.iter().map(|s| {
            s.aliases
                .iter()
                .chain(std::iter::once(&s.name))
                .map(|a| normalize(a))
                .collect::<Vec<_>>()
        })
    });
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for group in groups.iter().cloned().chain(speaker_groups) {
        let tokens: Vec<Vec<String>> = group
            .iter()
            .map(|member| {
                analyzer
                    .index_words(member)
                    .into_iter()
                    .filter(|t| {
                        !analyzer.is_stopword(t)
                            && !crate::lexicon::is_english_stopword(t)
                            && lines.frequency(crate::search::TermField::Word, t) > 0
                    })
                    .collect()
            })
            .collect();
        for (i, word) in group.iter().enumerate() {
            // English members are also found by their stem (hiring ↔ hires)
            let stemmed =
                (word.is_ascii() && !word.contains(' ')).then(|| crate::lexicon::stem(word));
            for key in std::iter::once(word.clone()).chain(stemmed) {
                let entry = map.entry(key).or_default();
                for (j, other) in tokens.iter().enumerate() {
                    if group[j] == group[i] {
                        continue;
                    }
                    for token in other {
                        if !entry.contains(token) {
                            entry.push(token.clone());
                        }
                    }
                }
            }
        }
    }
    map
}

/// Passage windows of every transcript, built lazily from each line's space-joined terms.
fn window_docs(line_terms: &[Vec<(String, String)>]) -> impl Iterator<Item = WindowDoc> + '_ {
    line_terms.iter().enumerate().flat_map(|(t, lines)| {
        let n = lines.len();
        let starts = (1..=n.max(1))
            .step_by(WINDOW_STRIDE)
            .take_while(move |&start| start == 1 || start + WINDOW_LINES - 1 - WINDOW_STRIDE < n);
        starts.map(move |start| {
            let end = (start + WINDOW_LINES - 1).min(n);
            let join = |pick: fn(&(String, String)) -> &String| {
                let mut joined = String::new();
                for terms in &lines[start - 1..end] {
                    if !joined.is_empty() {
                        joined.push(' ');
                    }
                    joined.push_str(pick(terms));
                }
                joined
            };
            WindowDoc {
                transcript: t,
                start,
                end,
                words: join(|terms| &terms.0),
                grams: join(|terms| &terms.1),
            }
        })
    })
}

/// Files above this size are fingerprinted by size and modification time instead of content.
const LARGE_FILE_BYTES: u64 = 1 << 20;

/// Hash of everything the index is built from: schema, windowing, transcripts, dictionaries.
fn fingerprint(corpus: &Corpus, lexicon: &Lexicon) -> Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(format!(
        "schema {SCHEMA_VERSION} window {WINDOW_LINES}/{WINDOW_STRIDE}\n"
    ));
    let mut files: Vec<PathBuf> = Vec::new();
    for t in &corpus.transcripts {
        hasher.update(t.id.as_bytes());
        files.push(t.path.clone());
        files.push(t.path.with_extension("toml"));
    }
    files.extend(lexicon.files.iter().cloned());
    for path in files {
        hasher.update(path.to_string_lossy().as_bytes());
        // a large dictionary that is never edited by hand is identified by size and time, which
        // keeps hashing megabytes out of every start
        if let Ok(meta) = std::fs::metadata(&path) {
            if meta.len() > LARGE_FILE_BYTES {
                let modified = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                hasher.update(format!("{} {modified}", meta.len()));
                continue;
            }
        }
        match std::fs::File::open(&path) {
            Ok(mut file) => {
                let mut bytes = Vec::new();
                file.read_to_end(&mut bytes)
                    .map_err(|e| Error::io(&path, e))?;
                hasher.update(&bytes);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => hasher.update(b"-"),
            Err(e) => return Err(Error::io(&path, e)),
        }
    }
    Ok(format!("{:x}", hasher.finalize()))
}
