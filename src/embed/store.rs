//! Passage vectors saved beside the index: one file per transcript and passage scheme, named by
//! the transcript's content hash and the model's hash, so a new interview embeds only itself.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// File magic of a saved vector set.
const MAGIC: &[u8; 4] = b"IBV1";

/// Rows of unit vectors of one width, stored flat.
#[derive(Debug, Clone, PartialEq)]
pub struct Vectors {
    /// Width of each row.
    pub dimension: usize,
    /// Row-major values.
    pub values: Vec<f32>,
}

impl Vectors {
    /// An empty set of rows of width `dimension`.
    pub fn new(dimension: usize) -> Vectors {
        Vectors {
            dimension,
            values: Vec::new(),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.values.len() / self.dimension.max(1)
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.dimension..(i + 1) * self.dimension]
    }

    /// Appends a row.
    pub fn push(&mut self, row: &[f32]) {
        debug_assert_eq!(row.len(), self.dimension);
        self.values.extend_from_slice(row);
    }

    /// Cosine of every row with a unit vector.
    pub fn similarities(&self, query: &[f32]) -> Vec<f32> {
        self.values
            .chunks_exact(self.dimension.max(1))
            .map(|row| super::cosine(row, query))
            .collect()
    }
}

/// Where the vectors of a transcript under `key` live in `dir`.
pub fn path_for(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("vectors-{key}.bin"))
}

/// The vectors saved under `key`, when present, whole and of the expected shape.
pub fn load(dir: &Path, key: &str, rows: usize, dimension: usize) -> Option<Vectors> {
    let bytes = std::fs::read(path_for(dir, key)).ok()?;
    let header = 4 + 8 + 8;
    if bytes.len() < header || &bytes[..4] != MAGIC {
        return None;
    }
    let saved_rows = u64::from_le_bytes(bytes[4..12].try_into().ok()?) as usize;
    let saved_dimension = u64::from_le_bytes(bytes[12..20].try_into().ok()?) as usize;
    if saved_rows != rows
        || saved_dimension != dimension
        || bytes.len() != header + rows * dimension * 4
    {
        return None;
    }
    let values = bytes[header..]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
        .collect();
    Some(Vectors { dimension, values })
}

/// Saves vectors under `key`, atomically (written aside, then renamed).
pub fn save(dir: &Path, key: &str, vectors: &Vectors) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = path_for(dir, key);
    let scratch = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut bytes = Vec::with_capacity(20 + vectors.values.len() * 4);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(vectors.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&(vectors.dimension as u64).to_le_bytes());
    for v in &vectors.values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let mut file = std::fs::File::create(&scratch).map_err(|e| Error::io(&scratch, e))?;
    file.write_all(&bytes).map_err(|e| Error::io(&scratch, e))?;
    drop(file);
    std::fs::rename(&scratch, &path).map_err(|e| Error::io(&path, e))
}

/// Removes saved vector files in `dir` that are not among `keep`.
pub fn remove_others(dir: &Path, keep: &[String]) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let keep: Vec<PathBuf> = keep.iter().map(|k| path_for(dir, k)).collect();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("vectors-") && !keep.contains(&entry.path()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vectors {
        Vectors {
            dimension: 2,
            values: vec![1.0, 0.0, 0.0, 1.0, 0.6, 0.8],
        }
    }

    #[test]
    fn saved_vectors_load_back() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), "k", &sample()).unwrap();
        assert_eq!(load(dir.path(), "k", 3, 2), Some(sample()));
    }

    #[test]
    fn vectors_of_another_shape_are_not_used() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), "k", &sample()).unwrap();
        assert_eq!(load(dir.path(), "k", 4, 2), None);
        assert_eq!(load(dir.path(), "k", 3, 3), None);
    }

    #[test]
    fn a_truncated_file_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), "k", &sample()).unwrap();
        let path = path_for(dir.path(), "k");
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert_eq!(load(dir.path(), "k", 3, 2), None);
    }

    #[test]
    fn similarities_are_dot_products_with_each_row() {
        let s = sample().similarities(&[0.6, 0.8]);
        assert!(
            (s[0] - 0.6).abs() < 1e-6 && (s[2] - 1.0).abs() < 1e-6,
            "{s:?}"
        );
    }

    #[test]
    fn other_keys_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), "old", &sample()).unwrap();
        save(dir.path(), "new", &sample()).unwrap();
        remove_others(dir.path(), &["new".to_string()]);
        assert!(!path_for(dir.path(), "old").exists());
        assert!(path_for(dir.path(), "new").exists());
    }
}
