//! Data directories for tests that run the binary over a transcript of their own: the shipped
//! dictionaries copied beside it. Included by path (`#[path = "common/data.rs"]`) by the tests
//! that need nothing else of `common`.

use std::path::{Path, PathBuf};

/// A temporary directory holding `data/transcripts/` (empty) and `data/dict/` (the shipped
/// dictionaries), and the path of its transcripts folder.
pub fn with_dictionaries() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let transcripts = dir.path().join("data/transcripts");
    std::fs::create_dir_all(&transcripts).expect("created");
    std::fs::create_dir_all(dir.path().join("data/dict")).expect("created");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/dict");
    for entry in std::fs::read_dir(&root).expect("the dictionaries") {
        let path = entry.expect("an entry").path();
        if path.is_file() {
            let to = dir
                .path()
                .join("data/dict")
                .join(path.file_name().expect("named"));
            std::fs::copy(&path, to).expect("copied");
        }
    }
    (dir, transcripts)
}
