//! Test support shared by every module's tests: finding the real data in
//! `../shared/data`, or where `CLEARINGHOUSE_SHARED_DATA` points (a git
//! worktree elsewhere), skipped with a printed line when absent, a failure
//! when `CI=true`; and listing its files.

use std::path::{Path, PathBuf};

/// The shared data folder beside the repository.
pub const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

/// The shared data folder, or None (with a SKIPPED line) outside CI.
pub fn data_dir() -> Option<PathBuf> {
    sub_dir("")
}

/// A folder inside the shared data, or None (with a SKIPPED line) outside CI.
pub fn sub_dir(sub: &str) -> Option<PathBuf> {
    let root = std::env::var_os("CLEARINGHOUSE_SHARED_DATA")
        .map_or_else(|| PathBuf::from(DATA), PathBuf::from);
    let dir = root.join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "shared data missing at {} in CI",
        dir.display()
    );
    println!("SKIPPED: shared data not found at {}", dir.display());
    None
}

/// Every file under `dir` with extension `ext`, in sorted order.
pub fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
}

/// Every `.json` file under `dir`, in sorted order.
pub fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    files(dir, "json", out);
}
