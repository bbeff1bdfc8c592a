//! What is computed from the corpus once and kept beside the index, keyed by the corpus
//! fingerprint: the CC-CEDICT glossary restricted to the corpus, the outlines (automatic
//! segmentation is the costly part of a start with many transcripts), the word index of each
//! transcript's notes, and — saved apart, read only by questions without a vector — the word
//! index of every note text and chatter message.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::lexicon::Glossary;
use crate::search::notes::NoteIndex;
use crate::search::texts::TextIndex;
use crate::topics::Topic;

/// File name prefix of saved results.
const PREFIX: &str = "derived-";
/// File name prefix of the saved word index of every note text and chatter message.
const TEXTS_PREFIX: &str = "texts-";

/// Results derived from the corpus and dictionaries.
#[derive(Serialize, Deserialize)]
pub struct Derived {
    /// CC-CEDICT restricted to the corpus vocabulary.
    pub glossary: Glossary,
    /// The outline of each transcript, in corpus order.
    pub outlines: Vec<Vec<Topic>>,
    /// The word index of the notes of each transcript that has notes, in corpus order.
    #[serde(default)]
    pub note_indexes: Vec<Option<NoteIndex>>,
}

/// What the saved results must fit: each transcript's number of lines and of notes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// Lines of the transcript.
    pub lines: usize,
    /// Notes of the transcript (`None` without notes).
    pub notes: Option<usize>,
}

impl Derived {
    /// Whether the results fit transcripts of these shapes: one outline per transcript, each
    /// topic within its transcript's lines, and one analysed note per note.
    fn fits(&self, shapes: &[Shape]) -> bool {
        let line_counts: Vec<usize> = shapes.iter().map(|s| s.lines).collect();
        let note_counts: Vec<Option<usize>> = self
            .note_indexes
            .iter()
            .map(|index| index.as_ref().map(NoteIndex::len))
            .collect();
        note_counts == shapes.iter().map(|s| s.notes).collect::<Vec<_>>()
            && self.outlines.len() == line_counts.len()
            && self
                .outlines
                .iter()
                .zip(&line_counts)
                .all(|(outline, &lines)| {
                    outline
                        .iter()
                        .all(|t| crate::corpus::lines_within(t.start, t.end, lines))
                })
    }
}

/// The results saved in `dir` for this fingerprint when they are whole and fit transcripts of
/// these `shapes` (never when `force`d).
pub fn saved(
    dir: Option<&Path>,
    fingerprint: &str,
    shapes: &[Shape],
    force: bool,
) -> Option<Derived> {
    let dir = dir.filter(|_| !force)?;
    read::<Derived>(&path_in(dir, fingerprint)).filter(|d| d.fits(shapes))
}

/// `build()`, saved in `dir` (when given) for the next start in place of older results.
pub fn build_and_save(
    dir: Option<&Path>,
    fingerprint: &str,
    build: impl FnOnce() -> Result<Derived>,
) -> Result<Derived> {
    let derived = build()?;
    if let Some(dir) = dir {
        let path = path_in(dir, fingerprint);
        match write(dir, &path, &derived) {
            Ok(()) => remove_others(dir, &[PREFIX, "glossary-"], &path),
            Err(e) => tracing::warn!(error = %e, "cannot save derived data; rebuilt next start"),
        }
    }
    Ok(derived)
}

/// The word index of every note text and chatter message saved in `dir` under `key` when it
/// holds `texts` texts, or `build()`, saved there for the next time in place of older ones. A
/// missing or unreadable file is rebuilt, one that cannot be written is only warned of.
pub fn text_index(
    dir: Option<&Path>,
    key: &str,
    texts: usize,
    build: impl FnOnce() -> TextIndex,
) -> TextIndex {
    let path = dir.map(|dir| dir.join(format!("{TEXTS_PREFIX}{key}.bin")));
    let saved = path.as_deref().and_then(read::<TextIndex>);
    if let Some(saved) = saved.filter(|index| index.len() == texts) {
        return saved;
    }
    let index = build();
    if let (Some(dir), Some(path)) = (dir, &path) {
        match write(dir, path, &index) {
            Ok(()) => remove_others(dir, &[TEXTS_PREFIX], path),
            Err(e) => tracing::warn!(error = %e, "cannot save the texts' word index"),
        }
    }
    index
}

fn path_in(dir: &Path, fingerprint: &str) -> PathBuf {
    dir.join(format!("{PREFIX}{fingerprint}.bin"))
}

fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    bincode::deserialize(&bytes).ok()
}

fn write<T: Serialize>(dir: &Path, path: &Path, value: &T) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let bytes = bincode::serialize(value).map_err(|e| Error::Index(e.to_string()))?;
    let scratch = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&scratch, bytes).map_err(|e| Error::io(&scratch, e))?;
    std::fs::rename(&scratch, path).map_err(|e| Error::io(path, e))
}

/// Removes the files of `dir` named with one of `prefixes`, but `keep` (results saved for other
/// fingerprints).
fn remove_others(dir: &Path, prefixes: &[&str], keep: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if prefixes.iter().any(|p| name.starts_with(p)) && path != keep {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::notes::NoteDoc;

    /// The results saved in `dir` for this fingerprint, or `build()` (saved for the next start when a
    /// directory is given). A missing, unreadable or corrupt file, or one that does not fit
    /// transcripts of these `shapes`, is rebuilt, never an error.
    fn load_or_build(
        dir: Option<&Path>,
        fingerprint: &str,
        shapes: &[Shape],
        force: bool,
        build: impl FnOnce() -> Result<Derived>,
    ) -> Result<Derived> {
        match saved(dir, fingerprint, shapes, force) {
            Some(saved) => Ok(saved),
            None => build_and_save(dir, fingerprint, build),
        }
    }

    fn sample() -> Derived {
        Derived {
            glossary: Glossary::default(),
            outlines: vec![vec![Topic {
                start: 1,
                end: 3,
                title: "开场".into(),
                automatic: false,
            }]],
            note_indexes: vec![None],
        }
    }

    const THREE_LINES: [Shape; 1] = [Shape {
        lines: 3,
        notes: None,
    }];

    #[test]
    fn saved_results_are_reused_and_corrupt_ones_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let built =
            load_or_build(Some(dir.path()), "f", &THREE_LINES, false, || Ok(sample())).unwrap();
        assert_eq!(built.outlines[0][0].title, "开场");
        let reused = load_or_build(Some(dir.path()), "f", &THREE_LINES, false, || {
            panic!("must not rebuild")
        })
        .unwrap();
        assert_eq!(reused.outlines, built.outlines);
        std::fs::write(dir.path().join("derived-f.bin"), b"{broken").unwrap();
        let rebuilt =
            load_or_build(Some(dir.path()), "f", &THREE_LINES, false, || Ok(sample())).unwrap();
        assert_eq!(rebuilt.outlines.len(), 1);
        load_or_build(Some(dir.path()), "g", &THREE_LINES, false, || Ok(sample())).unwrap();
        assert!(
            !dir.path().join("derived-f.bin").exists(),
            "older results removed"
        );
    }

    #[test]
    fn saved_outlines_past_the_transcripts_lines_are_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let mut past_the_end = sample();
        past_the_end.outlines[0][0].end = 99;
        // saved as built (forced), for a transcript of 3 lines
        load_or_build(Some(dir.path()), "f", &THREE_LINES, true, || {
            Ok(past_the_end)
        })
        .unwrap();
        let loaded =
            load_or_build(Some(dir.path()), "f", &THREE_LINES, false, || Ok(sample())).unwrap();
        assert_eq!(loaded.outlines[0][0].end, 3);
    }

    #[test]
    fn saved_results_for_other_notes_are_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        load_or_build(Some(dir.path()), "f", &THREE_LINES, false, || Ok(sample())).unwrap();
        let noted = [Shape {
            lines: 3,
            notes: Some(1),
        }];
        let rebuilt = load_or_build(Some(dir.path()), "f", &noted, false, || {
            let mut with_notes = sample();
            with_notes.note_indexes = vec![Some(NoteIndex::build(&[NoteDoc::default()]))];
            Ok(with_notes)
        })
        .unwrap();
        assert_eq!(
            rebuilt.note_indexes[0].as_ref().map(NoteIndex::len),
            Some(1)
        );
    }

    #[test]
    fn a_saved_note_index_comes_back_as_it_was_built() {
        let dir = tempfile::tempdir().unwrap();
        let noted = [Shape {
            lines: 3,
            notes: Some(2),
        }];
        let docs = [
            NoteDoc {
                words: vec!["名字".into(), "名字".into(), "发布".into()],
                grams: vec!["名字".into()],
                english: vec!["name".into()],
            },
            NoteDoc {
                words: vec!["谄媚".into()],
                grams: Vec::new(),
                english: vec!["sycophancy".into(), "name".into()],
            },
        ];
        let index = NoteIndex::build(&docs);
        let with_notes = || {
            let mut derived = sample();
            derived.note_indexes = vec![Some(NoteIndex::build(&docs))];
            Ok(derived)
        };
        load_or_build(Some(dir.path()), "f", &noted, false, with_notes).unwrap();
        let reused = load_or_build(Some(dir.path()), "f", &noted, false, || {
            panic!("must not rebuild")
        })
        .unwrap();
        assert_eq!(reused.note_indexes, vec![Some(index)]);
    }

    fn texts(count: usize) -> TextIndex {
        let text = crate::search::texts::TextDoc {
            terms: NoteDoc {
                words: vec!["工资".into()],
                ..NoteDoc::default()
            },
            transcript: None,
            unanswered: true,
        };
        TextIndex::build(vec![text; count])
    }

    #[test]
    fn the_texts_word_index_is_saved_and_read_back_while_it_holds_every_text() {
        let dir = tempfile::tempdir().unwrap();
        let built = text_index(Some(dir.path()), "k", 2, || texts(2));
        let reused = text_index(Some(dir.path()), "k", 2, || panic!("must not rebuild"));
        assert_eq!(reused, built);
        // one more chatter message: the saved index no longer holds every text
        let grown = text_index(Some(dir.path()), "k", 3, || texts(3));
        assert_eq!(grown.len(), 3);
    }

    #[test]
    fn a_new_key_replaces_the_texts_saved_under_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        text_index(Some(dir.path()), "old", 1, || texts(1));
        text_index(Some(dir.path()), "new", 1, || texts(1));
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["texts-new.bin"]);
    }
}
