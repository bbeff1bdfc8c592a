//! The engine's loaded state: the corpus, the text analyzer, the full-text and line indexes, the
//! passage vectors, the outlines and glossary, and the fitted rankings — opened from `index_dir`
//! when fresh, built otherwise. Every stage of the question pipeline reads it; none changes it.

mod derived;
pub mod rankings;
pub mod semantic;
pub mod vectors;

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use jieba_rs::Jieba;
use sha2::{Digest, Sha256};

use super::kinds::{held_kinds, HeldKinds};
use crate::chatter::Chatter;
use crate::config::{AnswerConfig, SemanticConfig};
use crate::corpus::Corpus;
use crate::error::{Error, Result};
use crate::lexicon::{english_words, Glossary, Lexicon};
use crate::search::lines::{LineIndex, LineRef};
use crate::search::notes::{NoteDoc, NoteIndex};
use crate::search::texts::{TextDoc, TextIndex};
use crate::search::{IndexOrigin, SearchIndex, WindowDoc, SCHEMA_VERSION};
use crate::text::{char_grams, is_cjk, normalize, Analyzer};
use crate::topics::{self, Topic};
use rankings::Rankings;
use semantic::{Progress, SemanticState};

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

/// What the engine has loaded: read by every stage, changed by none.
pub struct State {
    /// The transcripts.
    pub corpus: Corpus,
    /// Word segmentation and stop words.
    pub analyzer: Analyzer,
    /// Full-text index of windows.
    pub index: SearchIndex,
    /// Whether the index was opened or built.
    pub index_origin: IndexOrigin,
    /// Postings per line.
    pub lines: LineIndex,
    /// The word index of each transcript's notes, when it has them.
    pub note_indexes: Vec<Option<NoteIndex>>,
    /// Every note text, unanswered question and chatter message as a document of its own, for
    /// the texts closest to a question by its words (built when first asked for: only questions
    /// without a vector need it).
    text_index: OnceLock<TextIndex>,
    /// Where that index is saved (none when rebuilding is forced or nothing is saved) and the
    /// key it is saved under: the corpus fingerprint and the chatter's content.
    texts_saved: (Option<PathBuf>, String),
    /// Each thesaurus word and the corpus words its group-mates are written with.
    pub synonyms: HashMap<String, Vec<String>>,
    /// CC-CEDICT restricted to the corpus vocabulary.
    pub glossary: Glossary,
    /// Speaker aliases (normalised) and the speaker each names, longest first.
    pub aliases: Vec<(String, String)>,
    /// The topics of each transcript.
    pub outlines: Vec<Vec<Topic>>,
    /// Every line normalised, per transcript (for keyword look-up).
    pub normalized_lines: Vec<Vec<String>>,
    /// The encoder and passage vectors, when the semantic signal is on.
    pub semantic: SemanticState,
    /// Channel chatter no interview answers (`data/chatter.txt`).
    pub chatter: Chatter,
    /// Whether there are examples of what goes unanswered: notes listing such questions, or
    /// channel chatter (read once here, not per question).
    pub knows_unanswered: bool,
    /// The fitted rankings of both modes.
    pub rankings: Rankings,
    /// Answer settings.
    pub config: AnswerConfig,
}

impl State {
    /// Loads transcripts and dictionaries and opens (or builds) the index. The semantic side (the
    /// encoder and the saved vectors) and the saved derived results are read on a second thread
    /// while this one builds the word segmenter and the line index, the longest step of a start.
    pub fn open(options: &EngineOptions) -> Result<State> {
        let corpus = Corpus::load(&options.data_dir.join("transcripts"))?;
        for problem in &corpus.problems {
            tracing::warn!("skipped: {problem}");
        }
        for transcript in &corpus.transcripts {
            for rendering in &transcript.renderings {
                tracing::info!(
                    transcript = %transcript.id,
                    language = %rendering.language,
                    "rendering loaded"
                );
            }
        }
        let lexicon = Lexicon::load(&options.data_dir.join("dict"))?;
        let chatter = Chatter::load(&options.data_dir)?;
        let fingerprint = fingerprint(&corpus, &lexicon)?;
        let shapes: Vec<derived::Shape> = corpus
            .transcripts
            .iter()
            .map(|t| derived::Shape {
                lines: t.line_count(),
                notes: t.notes.as_ref().map(|n| n.notes.len()),
            })
            .collect();
        let index_dir = options.index_dir.as_deref();
        let (lexical, (semantic, derived_key, saved)) = std::thread::scope(|scope| {
            let reading = scope.spawn(|| {
                let semantic = semantic::open(
                    &options.semantic,
                    &corpus,
                    &chatter,
                    index_dir,
                    options.force_rebuild,
                    &options.progress,
                );
                // automatic outlines depend on whether lines have vectors
                let derived_key = match semantic.get() {
                    Some(_) => format!("{fingerprint}-{}", &crate::embed::fetch::SHA256[..12]),
                    None => fingerprint.clone(),
                };
                let saved = derived::saved(index_dir, &derived_key, &shapes, options.force_rebuild);
                (semantic, derived_key, saved)
            });
            let lexical = Lexical::build(&corpus, &lexicon);
            let read = reading
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (lexical, read)
        });
        let lexical = lexical?;
        let derived::Derived {
            glossary,
            outlines,
            note_indexes,
        } = match saved {
            Some(saved) => saved,
            None => derived::build_and_save(index_dir, &derived_key, || {
                Ok(derived::Derived {
                    note_indexes: corpus
                        .transcripts
                        .iter()
                        .map(|t| {
                            t.notes
                                .as_ref()
                                .map(|notes| note_index(notes, &lexical.analyzer))
                        })
                        .collect(),
                    glossary: Glossary::build(&lexicon.cedict_entries()?, &lexical.vocabulary),
                    outlines: corpus
                        .transcripts
                        .iter()
                        .enumerate()
                        .map(|(i, t)| {
                            topics::outline(t, &lexical.analyzer, line_vectors(&semantic, i))
                        })
                        .collect(),
                })
            })?,
        };
        let ranking_path = options.data_dir.join(rankings::RANKING_FILE);
        let rankings = match Rankings::load(&ranking_path) {
            Ok(rankings) => rankings,
            Err(e) => {
                tracing::warn!("{e}; ranking unfitted");
                Rankings::unfitted()
            }
        };
        let build_docs = || window_docs(&lexical.line_terms);
        let (index, index_origin) = match index_dir {
            Some(dir) => {
                SearchIndex::open_or_build(dir, &fingerprint, options.force_rebuild, build_docs)?
            }
            None => (SearchIndex::build_in_ram(build_docs())?, IndexOrigin::Built),
        };
        let noted = corpus
            .transcripts
            .iter()
            .filter_map(|t| t.notes.as_ref())
            .any(|n| n.notes.iter().any(|note| !note.unanswered.is_empty()));
        let knows_unanswered = noted || !chatter.messages.is_empty();
        Ok(State {
            corpus,
            analyzer: lexical.analyzer,
            index,
            index_origin,
            lines: lexical.lines,
            note_indexes,
            text_index: OnceLock::new(),
            texts_saved: (
                options.index_dir.clone().filter(|_| !options.force_rebuild),
                texts_key(&fingerprint, &chatter),
            ),
            synonyms: lexical.synonyms,
            glossary,
            aliases: lexical.aliases,
            outlines,
            normalized_lines: lexical.normalized_lines,
            semantic,
            chatter,
            knows_unanswered,
            rankings,
            config: options.answer.clone(),
        })
    }
}

/// The word side of the state, built from the corpus and dictionaries: the segmenter, the
/// speaker aliases, each line's postings and terms, and the thesaurus as queries use it.
struct Lexical {
    analyzer: Analyzer,
    aliases: Vec<(String, String)>,
    lines: LineIndex,
    line_terms: Vec<Vec<LineTerms>>,
    normalized_lines: Vec<Vec<String>>,
    /// The corpus's Chinese words of two characters or more (what the glossary keeps).
    vocabulary: std::collections::HashSet<String>,
    synonyms: HashMap<String, Vec<String>>,
}

impl Lexical {
    fn build(corpus: &Corpus, lexicon: &Lexicon) -> Result<Lexical> {
        let aliases = speaker_aliases(corpus);
        let jieba = Arc::new(build_jieba(lexicon, &aliases)?);
        let analyzer = Analyzer::new(jieba, lexicon.stopwords.clone());

        let mut lines = LineIndex::new();
        let mut line_terms: Vec<Vec<LineTerms>> = Vec::new();
        let mut normalized_lines: Vec<Vec<String>> = Vec::new();
        for (t, transcript) in corpus.transcripts.iter().enumerate() {
            let mut terms = Vec::with_capacity(transcript.line_count());
            let mut normalized_text = Vec::with_capacity(transcript.line_count());
            let english = transcript.rendering(ENGLISH);
            for (i, line) in transcript.lines.iter().enumerate() {
                let normalized = normalize(line);
                let words = analyzer.index_words(&normalized);
                let grams = char_grams(&normalized);
                let at = LineRef {
                    transcript: t as u32,
                    line: i as u32 + 1,
                };
                lines.add_line(at, &words, &grams);
                terms.push(LineTerms {
                    words: words.join(" "),
                    grams: grams.join(" "),
                    english: english
                        .map_or_else(String::new, |r| english_words(&r.lines[i]).join(" ")),
                });
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
        let synonyms = synonym_map(&lexicon.synonym_groups, corpus, &analyzer, &lines);
        Ok(Lexical {
            analyzer,
            aliases,
            lines,
            line_terms,
            normalized_lines,
            vocabulary,
            synonyms,
        })
    }
}

impl State {
    /// Every note text, unanswered question and chatter message indexed by its words, built on
    /// first use.
    pub fn text_index(&self) -> &TextIndex {
        self.text_index.get_or_init(|| {
            let (dir, key) = &self.texts_saved;
            derived::text_index(dir.as_deref(), key, self.text_count(), || {
                text_index(&self.corpus, &self.chatter, &self.analyzer)
            })
        })
    }

    /// How many texts the word index of note texts and chatter holds.
    fn text_count(&self) -> usize {
        let notes = self.corpus.transcripts.iter().flat_map(|t| &t.notes);
        let noted: usize = notes
            .flat_map(|n| &n.notes)
            .map(|note| note.texts().count() + note.unanswered.len())
            .sum();
        noted + self.chatter.messages.len()
    }

    /// The kinds of answer lines `start..=end` (1-based) of transcript `transcript` hold, read
    /// when asked (a follow-up's top passage): tagging every line would slow each start.
    pub fn kinds_held(&self, transcript: usize, start: usize, end: usize) -> HeldKinds {
        let lines = &self.corpus.transcripts[transcript].lines;
        let normalized = &self.normalized_lines[transcript];
        (start.max(1)..=end.min(lines.len()))
            .map(|n| {
                let tagged = self.analyzer.jieba().tag(&normalized[n - 1], false);
                held_kinds(&lines[n - 1], tagged.iter().map(|t| (t.word, t.tag)))
            })
            .fold(HeldKinds::default(), HeldKinds::or)
    }
}

/// The word index of a transcript's notes: each note's texts analysed as the lines are.
fn note_index(notes: &crate::notes::Notes, analyzer: &Analyzer) -> NoteIndex {
    let docs: Vec<NoteDoc> = notes
        .notes
        .iter()
        .map(|note| {
            let mut doc = NoteDoc::default();
            for text in note.texts() {
                add_terms(&mut doc, text, analyzer);
            }
            doc
        })
        .collect();
    NoteIndex::build(&docs)
}

/// Every note text (answered or not) of every transcript and every chatter message, each a
/// document of its own, analysed as the lines are.
fn text_index(corpus: &Corpus, chatter: &Chatter, analyzer: &Analyzer) -> TextIndex {
    let text = |content: &str, transcript: Option<usize>, unanswered: bool| {
        let mut terms = NoteDoc::default();
        add_terms(&mut terms, content, analyzer);
        TextDoc {
            terms,
            transcript,
            unanswered,
        }
    };
    let mut docs: Vec<TextDoc> = Vec::new();
    for (t, transcript) in corpus.transcripts.iter().enumerate() {
        for note in transcript.notes.iter().flat_map(|n| &n.notes) {
            docs.extend(note.texts().map(|content| text(content, Some(t), false)));
            docs.extend(note.unanswered.iter().map(|q| text(q, Some(t), true)));
        }
    }
    docs.extend(chatter.messages.iter().map(|m| text(m, None, true)));
    TextIndex::build(docs)
}

/// The key the texts' word index is saved under: the corpus fingerprint (transcripts, notes,
/// dictionaries) and the chatter's messages.
fn texts_key(fingerprint: &str, chatter: &Chatter) -> String {
    let mut hasher = Sha256::new();
    hasher.update(format!("texts 1 {fingerprint}\n"));
    for message in &chatter.messages {
        hasher.update(format!("{message}\n"));
    }
    format!("{:x}", hasher.finalize())[..32].to_string()
}

/// Adds `text`'s words, character n-grams and English words to `doc`.
fn add_terms(doc: &mut NoteDoc, text: &str, analyzer: &Analyzer) {
    let normalized = normalize(text);
    doc.words.extend(analyzer.index_words(&normalized));
    doc.grams.extend(char_grams(&normalized));
    doc.english.extend(english_words(text));
}

/// The line vectors of a transcript, when the semantic signal is on.
pub fn line_vectors(
    semantic: &SemanticState,
    transcript: usize,
) -> Option<&crate::embed::store::Vectors> {
    semantic.get().map(|s| &s.vectors[transcript].lines)
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

/// The language of the rendering whose words are indexed as the English view.
pub const ENGLISH: &str = "en";

/// The indexed terms of one line, each list space-joined.
struct LineTerms {
    words: String,
    grams: String,
    english: String,
}

/// Passage windows of every transcript, built lazily from each line's space-joined terms.
fn window_docs(line_terms: &[Vec<LineTerms>]) -> impl Iterator<Item = WindowDoc> + '_ {
    line_terms.iter().enumerate().flat_map(|(t, lines)| {
        let n = lines.len();
        let starts = (1..=n.max(1))
            .step_by(WINDOW_STRIDE)
            .take_while(move |&start| start == 1 || start + WINDOW_LINES - 1 - WINDOW_STRIDE < n);
        starts.map(move |start| {
            let end = (start + WINDOW_LINES - 1).min(n);
            let join = |pick: fn(&LineTerms) -> &String| {
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
                words: join(|terms| &terms.words),
                grams: join(|terms| &terms.grams),
                english: join(|terms| &terms.english),
            }
        })
    })
}

/// Files above this size are fingerprinted by size and modification time instead of content.
const LARGE_FILE_BYTES: u64 = 1 << 20;

/// Hash of everything the index and the derived results are built from: schema, windowing,
/// transcripts with their metadata, renderings and notes, dictionaries.
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
        files.extend(t.renderings.iter().map(|r| r.path.clone()));
        files.push(crate::notes::notes_path(&t.path));
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
