//! The engine's semantic side: the encoder (its model fetched when missing), the vectors of
//! every transcript's lines and windows (and its renderings'), and of its notes' gists and
//! questions (answered and unanswered), embedded on a bounded number of threads and saved beside the index under their
//! content hash and the model's hash.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::vectors::{all_windows, embedded_window_texts, TranscriptVectors};
use crate::chatter::Chatter;
use crate::config::SemanticConfig;
use crate::corpus::Corpus;
use crate::embed::store::{self, Vectors};
use crate::embed::{fetch, Encoder, Role};
use crate::error::Result;
use crate::notes::Notes;

/// Version of what is embedded per transcript (granularities, text of each passage).
const SCHEME: &str = "l1w3s2v1";
/// Version of what is embedded per notes file (each gist and question, then each unanswered
/// question, as a query).
const NOTES_SCHEME: &str = "nq2";

/// What the engine reports while it works: notes (a model fetch) and embedding progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressEvent {
    /// A one-line note for the user.
    Note(String),
    /// Embedding of `total` passages began.
    Started {
        /// Passages to embed.
        total: usize,
    },
    /// `done` of the passages are embedded.
    Advanced {
        /// Passages embedded so far.
        done: usize,
    },
    /// Embedding ended.
    Finished,
}

/// Where progress goes (nowhere by default).
#[derive(Clone, Default)]
pub struct Progress(Option<Arc<dyn Fn(ProgressEvent) + Send + Sync>>);

impl Progress {
    /// Progress sent to `report`.
    pub fn to(report: impl Fn(ProgressEvent) + Send + Sync + 'static) -> Progress {
        Progress(Some(Arc::new(report)))
    }

    fn send(&self, event: ProgressEvent) {
        if let Some(report) = &self.0 {
            report(event);
        }
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Progress(on)"
        } else {
            "Progress(off)"
        })
    }
}

/// The encoder and the vectors of each transcript (in corpus order).
pub struct Semantic {
    /// The sentence encoder.
    pub encoder: Encoder,
    /// Vectors of each transcript.
    pub vectors: Vec<TranscriptVectors>,
    /// Vectors of each transcript's English rendering, when it has one.
    pub english: Vec<Option<TranscriptVectors>>,
    /// Vectors of each transcript's notes, when it has them.
    pub notes: Vec<Option<NoteVectors>>,
    /// Vectors of the channel chatter, when there is any.
    pub chatter: Option<Vectors>,
    /// How many transcripts were embedded now rather than loaded.
    pub embedded_now: usize,
    /// Threads a question's embedding may use.
    pub threads: usize,
}

/// The vectors of a transcript's notes: one row per text of a note (its gists, then its
/// questions), embedded as questions are, so that a question meets the questions a stretch
/// answers; and apart, one row per question it leaves unanswered.
#[derive(Debug, Clone)]
pub struct NoteVectors {
    /// One row per note text.
    pub texts: Vectors,
    /// The note (index into the transcript's notes) of each row.
    pub note_of: Vec<usize>,
    /// One row per unanswered question.
    pub unanswered: Vectors,
    /// The note of each unanswered row.
    pub unanswered_of: Vec<usize>,
}

/// Whether the semantic signal is on, and why not.
pub enum SemanticState {
    /// On.
    On(Box<Semantic>),
    /// Off, for this reason.
    Off(String),
}

impl SemanticState {
    /// The semantic side when on.
    pub fn get(&self) -> Option<&Semantic> {
        match self {
            SemanticState::On(s) => Some(s.as_ref()),
            SemanticState::Off(_) => None,
        }
    }

    /// One line saying which mode answers.
    pub fn describe(&self) -> String {
        match self {
            SemanticState::On(s) => format!(
                "hybrid (words + meaning; {} transcripts embedded, {} now)",
                s.vectors.len(),
                s.embedded_now
            ),
            SemanticState::Off(why) => format!("lexical only ({why})"),
        }
    }
}

/// Opens the semantic side, fetching the model when missing. Anything that stops it (no pip, no
/// registry, a bad file) turns it off with the reason; it never fails the engine.
pub fn open(
    config: &SemanticConfig,
    corpus: &Corpus,
    chatter: &Chatter,
    index_dir: Option<&Path>,
    force: bool,
    progress: &Progress,
) -> SemanticState {
    if !config.enabled {
        return SemanticState::Off("turned off".into());
    }
    let encoder = fetch::ensure(&config.model_dir, &config.python, |note| {
        progress.send(ProgressEvent::Note(note.to_string()))
    })
    .and_then(|path| Ok(Encoder::open(&path)?));
    let encoder = match encoder {
        Ok(encoder) => encoder,
        Err(e) => {
            tracing::warn!("semantic signal off: {e}");
            return SemanticState::Off(format!("{e}"));
        }
    };
    // the transcripts' own lines, then the English renderings', embedded in one pass
    let english: Vec<Option<&[String]>> = corpus
        .transcripts
        .iter()
        .map(|t| t.rendering(super::ENGLISH).map(|r| r.lines.as_slice()))
        .collect();
    let views: Vec<&[String]> = corpus
        .transcripts
        .iter()
        .map(|t| t.lines.as_slice())
        .chain(english.iter().flatten().copied())
        .collect();
    let notes: Vec<Option<&Notes>> = corpus
        .transcripts
        .iter()
        .map(|t| t.notes.as_ref())
        .collect();
    let embedded = embed_views(&encoder, &views, index_dir, force, config.threads, progress)
        .and_then(|views| {
            let notes = embed_notes(&encoder, &notes, index_dir, force, config.threads, progress)?;
            let chatter = embed_chatter(
                &encoder,
                chatter,
                index_dir,
                force,
                config.threads,
                progress,
            )?;
            Ok((views, notes, chatter))
        });
    match embedded {
        Ok((views, notes, chatter)) => {
            if let Some(dir) = index_dir {
                let keep: Vec<String> = views
                    .keys
                    .iter()
                    .chain(&notes.keys)
                    .chain(&chatter.keys)
                    .cloned()
                    .collect();
                store::remove_others(dir, &keep);
            }
            let mut vectors = views.vectors;
            let mut rendered = vectors.split_off(corpus.transcripts.len()).into_iter();
            let english = english
                .iter()
                .map(|lines| lines.and_then(|_| rendered.next()))
                .collect();
            SemanticState::On(Box::new(Semantic {
                encoder,
                vectors,
                english,
                notes: notes.vectors,
                chatter: chatter.vectors.into_iter().flatten().next(),
                embedded_now: views.embedded_now + notes.embedded_now + chatter.embedded_now,
                threads: config.threads,
            }))
        }
        Err(e) => {
            tracing::warn!("semantic signal off: {e}");
            SemanticState::Off(format!("{e}"))
        }
    }
}

/// What was embedded (or loaded) for a list of views, and the keys it is saved under.
struct Embedded<T> {
    vectors: Vec<T>,
    keys: Vec<String>,
    embedded_now: usize,
}

/// Vectors of every note text of each transcript that has notes: loaded when saved under the
/// same key, else embedded as queries (and saved).
fn embed_notes(
    encoder: &Encoder,
    notes: &[Option<&Notes>],
    index_dir: Option<&Path>,
    force: bool,
    threads: usize,
    progress: &Progress,
) -> Result<Embedded<Option<NoteVectors>>> {
    let mut vectors = Vec::with_capacity(notes.len());
    let mut keys = Vec::new();
    let mut embedded_now = 0;
    for notes in notes {
        let Some(notes) = notes else {
            vectors.push(None);
            continue;
        };
        let mut texts: Vec<String> = Vec::new();
        let mut note_of: Vec<usize> = Vec::new();
        for (i, note) in notes.notes.iter().enumerate() {
            for text in note.texts() {
                texts.push(text.to_string());
                note_of.push(i);
            }
        }
        let answered = texts.len();
        let mut unanswered_of: Vec<usize> = Vec::new();
        for (i, note) in notes.notes.iter().enumerate() {
            for text in &note.unanswered {
                texts.push(text.clone());
                unanswered_of.push(i);
            }
        }
        let key = notes_key(&texts, &note_of, &unanswered_of);
        let (rows, embedded) = queries(encoder, &texts, &key, index_dir, force, threads, progress)?;
        embedded_now += usize::from(embedded);
        keys.push(key);
        let (texts, unanswered) = split_rows(rows, answered);
        vectors.push(Some(NoteVectors {
            texts,
            note_of,
            unanswered,
            unanswered_of,
        }));
    }
    Ok(Embedded {
        vectors,
        keys,
        embedded_now,
    })
}

/// Vectors of `texts` embedded as queries: loaded when saved under `key` in `index_dir`, else
/// embedded (and saved); with whether they were embedded now.
fn queries(
    encoder: &Encoder,
    texts: &[String],
    key: &str,
    index_dir: Option<&Path>,
    force: bool,
    threads: usize,
    progress: &Progress,
) -> Result<(Vectors, bool)> {
    let dimension = encoder.dimension();
    let saved = index_dir
        .filter(|_| !force)
        .and_then(|dir| store::load(dir, key, texts.len(), dimension));
    if let Some(rows) = saved {
        return Ok((rows, false));
    }
    let embedded = embed_all(encoder, texts, Role::Query, threads, progress);
    if embedded.iter().any(|v| v.len() != dimension) {
        return Err(crate::error::Error::Model(
            "a note or message could not be embedded".into(),
        ));
    }
    let mut rows = Vectors::new(dimension);
    for row in &embedded {
        rows.push(row);
    }
    if let Some(dir) = index_dir {
        if let Err(e) = store::save(dir, key, &rows) {
            tracing::warn!(error = %e, "cannot save query vectors; embedded again next start");
        }
    }
    Ok((rows, true))
}

/// Vectors of the channel chatter (none without messages), keyed by the messages, the model and
/// the scheme.
fn embed_chatter(
    encoder: &Encoder,
    chatter: &Chatter,
    index_dir: Option<&Path>,
    force: bool,
    threads: usize,
    progress: &Progress,
) -> Result<Embedded<Option<Vectors>>> {
    if chatter.messages.is_empty() {
        return Ok(Embedded {
            vectors: vec![None],
            keys: Vec::new(),
            embedded_now: 0,
        });
    }
    let mut hasher = Sha256::new();
    for message in &chatter.messages {
        hasher.update(format!("{message}\n").as_bytes());
    }
    let content = format!("{:x}", hasher.finalize());
    let key = format!(
        "{}-{}-{NOTES_SCHEME}-chatter",
        &content[..16],
        &fetch::SHA256[..12]
    );
    let (rows, embedded) = queries(
        encoder,
        &chatter.messages,
        &key,
        index_dir,
        force,
        threads,
        progress,
    )?;
    Ok(Embedded {
        vectors: vec![Some(rows)],
        keys: vec![key],
        embedded_now: usize::from(embedded),
    })
}

/// The rows before `at` and the rows from `at` on, as two sets of vectors.
fn split_rows(mut rows: Vectors, at: usize) -> (Vectors, Vectors) {
    let tail = Vectors {
        dimension: rows.dimension,
        values: rows.values.split_off(at * rows.dimension),
    };
    (rows, tail)
}

/// The key of a notes file's vectors: its texts and the note each belongs to (answered, then
/// unanswered), the model, the scheme.
fn notes_key(texts: &[String], note_of: &[usize], unanswered_of: &[usize]) -> String {
    let mut hasher = Sha256::new();
    let marks = note_of
        .iter()
        .map(|n| format!("{n}"))
        .chain(unanswered_of.iter().map(|n| format!("{n}?")));
    for (text, mark) in texts.iter().zip(marks) {
        hasher.update(format!("{mark}\t{text}\n").as_bytes());
    }
    let content = format!("{:x}", hasher.finalize());
    format!(
        "{}-{}-{NOTES_SCHEME}-notes",
        &content[..16],
        &fetch::SHA256[..12]
    )
}

/// The key of the vectors of a text's lines: its content, the model, the scheme.
fn vector_key(lines: &[String]) -> String {
    let mut hasher = Sha256::new();
    for line in lines {
        hasher.update(line.as_bytes());
        hasher.update(b"\n");
    }
    let content = format!("{:x}", hasher.finalize());
    format!("{}-{}-{SCHEME}", &content[..16], &fetch::SHA256[..12])
}

/// Vectors of the lines of every view (a transcript's own lines, or a rendering's): loaded when
/// saved under the same key, else embedded (and saved).
fn embed_views(
    encoder: &Encoder,
    views: &[&[String]],
    index_dir: Option<&Path>,
    force: bool,
    threads: usize,
    progress: &Progress,
) -> Result<Embedded<TranscriptVectors>> {
    let dimension = encoder.dimension();
    let keys: Vec<String> = views.iter().map(|lines| vector_key(lines)).collect();
    let mut loaded: Vec<Option<TranscriptVectors>> = views
        .iter()
        .zip(&keys)
        .map(|(lines, key)| {
            let dir = index_dir.filter(|_| !force)?;
            let rows = lines.len();
            Some(TranscriptVectors {
                lines: store::load(dir, &format!("{key}-lines"), rows, dimension)?,
                windows: store::load(dir, &format!("{key}-windows"), rows, dimension)?,
            })
        })
        .collect();
    let missing: Vec<usize> = (0..loaded.len()).filter(|&i| loaded[i].is_none()).collect();
    let mut texts: Vec<String> = Vec::new();
    let mut window_counts: Vec<usize> = Vec::new();
    for &i in &missing {
        let lines = views[i];
        let windows = embedded_window_texts(lines);
        window_counts.push(windows.len());
        texts.extend(lines.iter().cloned());
        texts.extend(windows);
    }
    let embedded = embed_all(encoder, &texts, Role::Passage, threads, progress);
    if embedded.iter().any(|v| v.len() != dimension) {
        return Err(crate::error::Error::Model(
            "a passage could not be embedded".into(),
        ));
    }
    let mut at = 0;
    for (&i, &windows) in missing.iter().zip(&window_counts) {
        let n = views[i].len();
        let mut lines = Vectors::new(dimension);
        for row in &embedded[at..at + n] {
            lines.push(row);
        }
        let vectors = TranscriptVectors {
            lines,
            windows: all_windows(&embedded[at + n..at + n + windows], n, dimension),
        };
        at += n + windows;
        if let Some(dir) = index_dir {
            let saved = store::save(dir, &format!("{}-lines", keys[i]), &vectors.lines)
                .and_then(|()| store::save(dir, &format!("{}-windows", keys[i]), &vectors.windows));
            if let Err(e) = saved {
                tracing::warn!(error = %e, "cannot save passage vectors; embedded again next start");
            }
        }
        loaded[i] = Some(vectors);
    }
    let vectors = loaded
        .into_iter()
        .map(|v| v.expect("every view embedded"))
        .collect();
    Ok(Embedded {
        vectors,
        keys: keys
            .iter()
            .flat_map(|k| [format!("{k}-lines"), format!("{k}-windows")])
            .collect(),
        embedded_now: missing.len(),
    })
}

/// Embeds texts in `role` on at most `threads` threads, in order.
fn embed_all(
    encoder: &Encoder,
    texts: &[String],
    role: Role,
    threads: usize,
    progress: &Progress,
) -> Vec<Vec<f32>> {
    if texts.is_empty() {
        return Vec::new();
    }
    progress.send(ProgressEvent::Started { total: texts.len() });
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let mut results: Vec<Vec<(usize, Vec<f32>)>> = Vec::new();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.clamp(1, texts.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= texts.len() {
                            break;
                        }
                        mine.push((i, encoder.embed(&texts[i], role)));
                        let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                        if finished.is_multiple_of(64) || finished == texts.len() {
                            progress.send(ProgressEvent::Advanced { done: finished });
                        }
                    }
                    mine
                })
            })
            .collect();
        for worker in workers {
            results.push(worker.join().unwrap_or_default());
        }
    });
    progress.send(ProgressEvent::Finished);
    let mut ordered: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
    for (i, v) in results.into_iter().flatten() {
        ordered[i] = v;
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_split_into_those_before_and_from_a_row() {
        let mut rows = Vectors::new(2);
        for row in [[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]] {
            rows.push(&row);
        }
        let (head, tail) = split_rows(rows, 2);
        assert_eq!((head.len(), tail.len()), (2, 1));
        assert_eq!(tail.row(0), &[0.6, 0.8]);
        assert_eq!(tail.dimension, 2);
    }

    #[test]
    fn the_notes_key_tells_an_unanswered_question_from_an_answered_one() {
        let texts = vec!["为什么？".to_string()];
        assert_ne!(notes_key(&texts, &[0], &[]), notes_key(&texts, &[], &[0]));
    }
}
