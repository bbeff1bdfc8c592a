//! What is computed from the corpus once and kept beside the index, keyed by the corpus
//! fingerprint: the CC-CEDICT glossary restricted to the corpus, and the outlines (automatic
//! segmentation is the costly part of a start with many transcripts).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::lexicon::Glossary;
use crate::topics::Topic;

/// File name prefix of saved results.
const PREFIX: &str = "derived-";

/// Results derived from the corpus and dictionaries.
#[derive(Serialize, Deserialize)]
pub struct Derived {
    /// CC-CEDICT restricted to the corpus vocabulary.
    pub glossary: Glossary,
    /// The outline of each transcript, in corpus order.
    pub outlines: Vec<Vec<Topic>>,
}

impl Derived {
    /// Whether the outlines fit transcripts of these line counts: one outline per transcript,
    /// each topic within its transcript's lines.
    fn fits(&self, line_counts: &[usize]) -> bool {
        self.outlines.len() == line_counts.len()
            && self
                .outlines
                .iter()
                .zip(line_counts)
                .all(|(outline, &lines)| {
                    outline
                        .iter()
                        .all(|t| crate::corpus::lines_within(t.start, t.end, lines))
                })
    }
}

/// The results saved in `dir` for this fingerprint, or `build()` (saved for the next start when a
/// directory is given). A missing, unreadable or corrupt file, or one whose outlines do not fit
/// transcripts of `line_counts` lines, is rebuilt, never an error.
pub fn load_or_build(
    dir: Option<&Path>,
    fingerprint: &str,
    line_counts: &[usize],
    force: bool,
    build: impl FnOnce() -> Result<Derived>,
) -> Result<Derived> {
    let path = dir.map(|d| d.join(format!("{PREFIX}{fingerprint}.json")));
    let saved = path.as_deref().filter(|_| !force).and_then(read);
    if let Some(saved) = saved.filter(|d| d.fits(line_counts)) {
        return Ok(saved);
    }
    let derived = build()?;
    if let (Some(dir), Some(path)) = (dir, path.as_deref()) {
        match write(dir, path, &derived) {
            Ok(()) => remove_others(dir, path),
            Err(e) => tracing::warn!(error = %e, "cannot save derived data; rebuilt next start"),
        }
    }
    Ok(derived)
}

fn read(path: &Path) -> Option<Derived> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn write(dir: &Path, path: &Path, derived: &Derived) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let bytes = serde_json::to_vec(derived).map_err(|e| Error::Index(e.to_string()))?;
    let scratch = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&scratch, bytes).map_err(|e| Error::io(&scratch, e))?;
    std::fs::rename(&scratch, path).map_err(|e| Error::io(path, e))
}

/// Removes results saved for other fingerprints.
fn remove_others(dir: &Path, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if (name.starts_with(PREFIX) || name.starts_with("glossary-")) && path != keep {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Derived {
        Derived {
            glossary: Glossary::default(),
            outlines: vec![vec![Topic {
                start: 1,
                end: 3,
                title: "开场".into(),
                automatic: false,
            }]],
        }
    }

    #[test]
    fn saved_results_are_reused_and_corrupt_ones_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let built = load_or_build(Some(dir.path()), "f", &[3], false, || Ok(sample())).unwrap();
        assert_eq!(built.outlines[0][0].title, "开场");
        let reused = load_or_build(Some(dir.path()), "f", &[3], false, || {
            panic!("must not rebuild")
        })
        .unwrap();
        assert_eq!(reused.outlines, built.outlines);
        std::fs::write(dir.path().join("derived-f.json"), b"{broken").unwrap();
        let rebuilt = load_or_build(Some(dir.path()), "f", &[3], false, || Ok(sample())).unwrap();
        assert_eq!(rebuilt.outlines.len(), 1);
        load_or_build(Some(dir.path()), "g", &[3], false, || Ok(sample())).unwrap();
        assert!(
            !dir.path().join("derived-f.json").exists(),
            "older results removed"
        );
    }

    #[test]
    fn saved_outlines_past_the_transcripts_lines_are_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let mut past_the_end = sample();
        past_the_end.outlines[0][0].end = 99;
        // saved as built (forced), for a transcript of 3 lines
        load_or_build(Some(dir.path()), "f", &[3], true, || Ok(past_the_end)).unwrap();
        let loaded = load_or_build(Some(dir.path()), "f", &[3], false, || Ok(sample())).unwrap();
        assert_eq!(loaded.outlines[0][0].end, 3);
    }
}
