//! The full-text index over passage windows: one wrapper owns tantivy's index, reader and fields,
//! persists the index in a directory keyed by a content fingerprint and rebuilds it when needed.

pub mod lines;
pub mod notes;
pub mod texts;

use std::path::Path;
use std::time::{Duration, SystemTime};

use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{doc, Index, IndexReader, ReloadPolicy, Searcher, Term};

use crate::error::{Error, Result};

/// Bump when the schema or windowing changes, so persisted indexes are rebuilt.
pub const SCHEMA_VERSION: u32 = 3;
const COMPLETE_MARKER: &str = "complete";
const WRITER_HEAP_BYTES: usize = 50_000_000;

/// Which indexed field a term belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TermField {
    /// jieba words.
    Word,
    /// Character n-grams.
    Gram,
}

/// The first `n` of `items` in the order `first` gives, in that order: a partial selection,
/// then a sort of those alone (a question meets thousands of texts; ten are kept).
pub fn first_n<T>(
    mut items: Vec<T>,
    n: usize,
    first: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Vec<T> {
    if n == 0 {
        return Vec::new();
    }
    if items.len() > n {
        items.select_nth_unstable_by(n - 1, &first);
        items.truncate(n);
    }
    items.sort_by(first);
    items
}

/// A query term with its weight.
#[derive(Debug, Clone)]
pub struct WeightedTerm {
    /// Normalised term text.
    pub text: String,
    /// The field it is looked up in.
    pub field: TermField,
    /// Boost (> 0).
    pub weight: f32,
}

/// A passage window to index.
#[derive(Debug, Clone)]
pub struct WindowDoc {
    /// Position of the transcript in the corpus.
    pub transcript: usize,
    /// First line (1-based).
    pub start: usize,
    /// Last line (inclusive).
    pub end: usize,
    /// Words of the window, separated by spaces.
    pub words: String,
    /// Character n-grams of the window, separated by spaces.
    pub grams: String,
    /// English words of the window's English rendering (lower-cased, stemmed, stop words left
    /// out), separated by spaces; empty without one.
    pub english: String,
}

/// A window found by a search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowHit {
    /// Position of the transcript in the corpus.
    pub transcript: usize,
    /// First line (1-based).
    pub start: usize,
    /// Last line (inclusive).
    pub end: usize,
    /// BM25 score.
    pub score: f32,
}

#[derive(Clone, Copy)]
struct Fields {
    transcript: Field,
    start: Field,
    end: Field,
    words: Field,
    grams: Field,
    english: Field,
}

/// The fast-field columns of one segment: transcript, first line, last line.
struct SegmentColumns {
    transcript: Column<u64>,
    start: Column<u64>,
    end: Column<u64>,
}

/// The tantivy index of passage windows.
pub struct SearchIndex {
    // the reader keeps the segments alive; the searcher and columns are opened once
    _reader: IndexReader,
    searcher: Searcher,
    columns: Vec<SegmentColumns>,
    fields: Fields,
}

/// How an index was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexOrigin {
    /// Opened from disk as it was.
    Opened,
    /// Built now (missing, stale, corrupt or forced).
    Built,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let number = NumericOptions::default().set_fast();
    let filterable = NumericOptions::default().set_fast().set_indexed();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("whitespace")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        transcript: builder.add_u64_field("transcript", filterable),
        start: builder.add_u64_field("start", number.clone()),
        end: builder.add_u64_field("end", number),
        words: builder.add_text_field("words", text.clone()),
        grams: builder.add_text_field("grams", text.clone()),
        english: builder.add_text_field("english", text),
    };
    (builder.build(), fields)
}

impl SearchIndex {
    /// Builds an index in memory (tests, benchmarks).
    pub fn build_in_ram(docs: impl IntoIterator<Item = WindowDoc>) -> Result<SearchIndex> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        write_docs(&index, fields, docs)?;
        SearchIndex::from_index(index, fields)
    }

    /// Opens the index for `fingerprint` under `dir`, building it from `docs()` when it is missing,
    /// stale, corrupt or `force` is set. Never fails because of what is on disk: an unusable index
    /// is rebuilt, and an unwritable directory falls back to an in-memory index.
    pub fn open_or_build<I: IntoIterator<Item = WindowDoc>>(
        dir: &Path,
        fingerprint: &str,
        force: bool,
        docs: impl Fn() -> I,
    ) -> Result<(SearchIndex, IndexOrigin)> {
        let target = dir.join(fingerprint);
        if force {
            let _ = std::fs::remove_dir_all(&target);
        } else if target.join(COMPLETE_MARKER).exists() {
            match SearchIndex::open(&target) {
                Ok(index) => return Ok((index, IndexOrigin::Opened)),
                Err(e) => {
                    tracing::warn!(path = %target.display(), error = %e, "index unusable, rebuilding");
                    let _ = std::fs::remove_dir_all(&target);
                }
            }
        } else if target.exists() {
            tracing::warn!(path = %target.display(), "index incomplete, rebuilding");
            let _ = std::fs::remove_dir_all(&target);
        } else {
            tracing::info!(path = %target.display(), "index missing or stale, building");
        }
        match SearchIndex::build_on_disk(dir, &target, docs()) {
            Ok(index) => {
                remove_stale_siblings(dir, fingerprint);
                Ok((index, IndexOrigin::Built))
            }
            Err(e) => {
                tracing::warn!(path = %dir.display(), error = %e, "cannot persist index, keeping it in memory");
                Ok((SearchIndex::build_in_ram(docs())?, IndexOrigin::Built))
            }
        }
    }

    fn build_on_disk(
        dir: &Path,
        target: &Path,
        docs: impl IntoIterator<Item = WindowDoc>,
    ) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let scratch = dir.join(format!("tmp-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&scratch).map_err(|e| Error::io(&scratch, e))?;
        let (schema, fields) = schema();
        let built = (|| {
            let index = Index::create_in_dir(&scratch, schema)?;
            write_docs(&index, fields, docs)?;
            drop(index);
            std::fs::write(scratch.join(COMPLETE_MARKER), b"")
                .map_err(|e| Error::io(&scratch, e))?;
            Ok::<(), Error>(())
        })();
        if let Err(e) = built {
            let _ = std::fs::remove_dir_all(&scratch);
            return Err(e);
        }
        if std::fs::rename(&scratch, target).is_err() {
            // another process finished the same index first: use theirs
            let _ = std::fs::remove_dir_all(&scratch);
        }
        SearchIndex::open(target)
    }

    fn open(path: &Path) -> Result<SearchIndex> {
        let index = Index::open_in_dir(path)?;
        let (expected, _) = schema();
        if index.schema() != expected {
            return Err(Error::Index("schema differs".into()));
        }
        let (_, fields) = schema();
        let opened = SearchIndex::from_index(index, fields)?;
        // touch every segment's postings once so corruption shows up now, not at a question
        for segment in opened.searcher.segment_readers() {
            segment.inverted_index(fields.words)?;
            segment.inverted_index(fields.grams)?;
            segment.inverted_index(fields.english)?;
        }
        Ok(opened)
    }

    fn from_index(index: Index, fields: Fields) -> Result<SearchIndex> {
        let reader: IndexReader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let columns = searcher
            .segment_readers()
            .iter()
            .map(|segment| {
                let fast = segment.fast_fields();
                Ok(SegmentColumns {
                    transcript: fast.u64("transcript")?,
                    start: fast.u64("start")?,
                    end: fast.u64("end")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SearchIndex {
            _reader: reader,
            searcher,
            columns,
            fields,
        })
    }

    /// Number of indexed windows.
    pub fn window_count(&self) -> u64 {
        self.searcher.num_docs()
    }

    /// The best `limit` windows for weighted terms (BM25, each term boosted by its weight),
    /// within one transcript when `only` is given.
    pub fn search(
        &self,
        terms: &[WeightedTerm],
        limit: usize,
        only: Option<usize>,
    ) -> Result<Vec<WindowHit>> {
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .map(|t| {
                let field = match t.field {
                    TermField::Word => self.fields.words,
                    TermField::Gram => self.fields.grams,
                };
                let term = Term::from_field_text(field, &t.text);
                let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
                let boosted: Box<dyn Query> = Box::new(BoostQuery::new(Box::new(query), t.weight));
                (Occur::Should, boosted)
            })
            .collect();
        self.top_windows(Box::new(BooleanQuery::new(clauses)), limit, only)
    }

    /// The best `limit` windows of the English renderings for English words (analysed as the
    /// windows were: lower-cased, stemmed, stop words left out), within one transcript when
    /// `only` is given.
    pub fn search_english(
        &self,
        words: &[String],
        limit: usize,
        only: Option<usize>,
    ) -> Result<Vec<WindowHit>> {
        if words.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .map(|w| {
                let term = Term::from_field_text(self.fields.english, w);
                let query: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
                (Occur::Should, query)
            })
            .collect();
        self.top_windows(Box::new(BooleanQuery::new(clauses)), limit, only)
    }

    fn top_windows(
        &self,
        mut query: Box<dyn Query>,
        limit: usize,
        only: Option<usize>,
    ) -> Result<Vec<WindowHit>> {
        if let Some(transcript) = only {
            let filter = TermQuery::new(
                Term::from_field_u64(self.fields.transcript, transcript as u64),
                IndexRecordOption::Basic,
            );
            query = Box::new(BooleanQuery::new(vec![
                (Occur::Should, query),
                (Occur::Must, Box::new(filter) as Box<dyn Query>),
            ]));
        }
        let top = self
            .searcher
            .search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let hits = top
            .into_iter()
            .map(|(score, address)| {
                let columns = &self.columns[address.segment_ord as usize];
                let read =
                    |column: &Column<u64>| column.first(address.doc_id).unwrap_or(0) as usize;
                WindowHit {
                    transcript: read(&columns.transcript),
                    start: read(&columns.start),
                    end: read(&columns.end),
                    score,
                }
            })
            .collect();
        Ok(hits)
    }
}

fn write_docs(
    index: &Index,
    fields: Fields,
    docs: impl IntoIterator<Item = WindowDoc>,
) -> Result<()> {
    let mut writer = index.writer_with_num_threads(1, WRITER_HEAP_BYTES)?;
    for window in docs {
        writer.add_document(doc!(
            fields.transcript => window.transcript as u64,
            fields.start => window.start as u64,
            fields.end => window.end as u64,
            fields.words => window.words,
            fields.grams => window.grams,
            fields.english => window.english,
        ))?;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(())
}

/// Removes indexes of older fingerprints and scratch directories left by killed processes.
fn remove_stale_siblings(dir: &Path, current: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !path.is_dir() || name == current {
            continue;
        }
        let is_old_scratch = name.starts_with("tmp-")
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > Duration::from_secs(600));
        let is_other_index = name.len() == 64 && name.chars().all(|c| c.is_ascii_hexdigit());
        if is_old_scratch || is_other_index {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_n_are_kept_in_order() {
        let kept = first_n(vec![3, 9, 1, 7, 5], 3, |a: &i32, b: &i32| b.cmp(a));
        assert_eq!(kept, [9, 7, 5]);
        assert_eq!(first_n(vec![2, 1], 5, |a: &i32, b: &i32| a.cmp(b)), [1, 2]);
        assert!(first_n(vec![1], 0, |a: &i32, b: &i32| a.cmp(b)).is_empty());
    }

    fn docs() -> Vec<WindowDoc> {
        let texts = [
            ("chatgpt 名字", "chatgpt 名字", "chatgpt name"),
            ("宕机 gpu", "宕机 gpu", "outage gpu run"),
        ];
        texts
            .iter()
            .enumerate()
            .map(|(i, (w, g, e))| WindowDoc {
                transcript: 0,
                start: i + 1,
                end: i + 1,
                words: w.to_string(),
                grams: g.to_string(),
                english: e.to_string(),
            })
            .collect()
    }

    fn term(text: &str) -> WeightedTerm {
        WeightedTerm {
            text: text.into(),
            field: TermField::Word,
            weight: 1.0,
        }
    }

    #[test]
    fn finds_window_by_word() {
        let index = SearchIndex::build_in_ram(docs()).unwrap();
        let hits = index.search(&[term("gpu")], 5, None).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].start, hits[0].end), (2, 2));
        assert!(index.search(&[term("gpu")], 5, Some(1)).unwrap().is_empty());
        assert!(index
            .search(&[term("title:\"a OR")], 5, None)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn corrupt_index_is_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let (_, origin) = SearchIndex::open_or_build(dir.path(), "f1", false, docs).unwrap();
        assert_eq!(origin, IndexOrigin::Built);
        let (_, origin) = SearchIndex::open_or_build(dir.path(), "f1", false, docs).unwrap();
        assert_eq!(origin, IndexOrigin::Opened);
        for entry in std::fs::read_dir(dir.path().join("f1")).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name != COMPLETE_MARKER {
                std::fs::write(entry.path(), b"garbage").unwrap();
            }
        }
        let (index, origin) = SearchIndex::open_or_build(dir.path(), "f1", false, docs).unwrap();
        assert_eq!(origin, IndexOrigin::Built);
        assert_eq!(index.search(&[term("名字")], 5, None).unwrap().len(), 1);
    }

    #[test]
    fn stale_writer_lock_does_not_block_opening() {
        let dir = tempfile::tempdir().unwrap();
        SearchIndex::open_or_build(dir.path(), "f2", false, docs).unwrap();
        std::fs::write(dir.path().join("f2/.tantivy-writer.lock"), b"").unwrap();
        let (index, origin) = SearchIndex::open_or_build(dir.path(), "f2", false, docs).unwrap();
        assert_eq!(origin, IndexOrigin::Opened);
        assert_eq!(index.window_count(), 2);
    }

    #[test]
    fn english_words_find_the_window_of_the_english_rendering() {
        let index = SearchIndex::build_in_ram(docs()).unwrap();
        let hits = index
            .search_english(&["outage".to_string()], 5, None)
            .unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].start, 2);
        assert!(index.search_english(&[], 5, None).unwrap().is_empty());
    }
}
