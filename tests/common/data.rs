//! Data directories for tests that run the binary over a transcript of their own: the shipped
//! dictionaries copied beside it, and a small interview on another subject. Included by path
//! (`#[path = "common/data.rs"]`) by the tests that need nothing else of `common`.

#![allow(dead_code)]

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

/// A seven-line interview on another subject than the shipped one, with neither notes nor
/// renderings (written as `antarctic.txt` beside the shipped interview).
pub const ANTARCTIC: &str = "今天我们聊一次南极科考
科考队在十二月从新西兰出发
他们的船叫雪龙号
队长说企鹅的数量比十年前少了三成
主要原因是海冰融化得太快
队员们在冰面上待了四十天
回来以后他们写了一份报告
";
