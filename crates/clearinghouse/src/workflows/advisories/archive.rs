//! Reading a zip of advisory records (an osv.dev `all.zip`, a folder of CSAF
//! files) in bounded memory, refusing zip bombs before anything is stored.
//!
//! Two passes over the archive, read from any `Read + Seek` (the spooled file
//! on disk, by the `advisory_import` job on a blocking thread; bytes in
//! memory in tests and the fuzz target), so memory does not grow with the
//! archive's size:
//! 1. [`check`] inflates every entry that would be read into a counting sink,
//!    so a zip whose entries are too large once inflated (more than
//!    [`Limits::entry_bytes`]), inflate too far beyond their compressed size
//!    (more than [`Limits::ratio`] times once past [`Limits::ratio_floor`]), or
//!    add up to more than [`Limits::total_bytes`], is refused (413 naming the
//!    entry) before any advisory is written. Declared sizes are not trusted: the
//!    bytes are counted as they come out of the decompressor, and reading stops
//!    as soon as a limit is passed.
//! 2. [`Entries`] hands out one entry's bytes at a time; the caller parses it
//!    and stores its advisories a batch at a time, so at most one inflated entry
//!    (at most [`Limits::entry_bytes`]), the central directory and one batch of
//!    parsed advisories are held, never the whole archive.
//!
//! This file depends on nothing of the application (how a refusal is
//! recorded is in `imports.rs`), so the fuzz target `advisory_zip` compiles
//! it as is.

use std::io::{Read, Seek};

use zip::ZipArchive;

/// Bounds on what one archive may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Entries in the central directory.
    pub entries: usize,
    /// Inflated bytes of one entry.
    pub entry_bytes: u64,
    /// Inflated bytes per compressed byte of one entry, checked once the entry
    /// has inflated past `ratio_floor`.
    pub ratio: u64,
    pub ratio_floor: u64,
    /// Inflated bytes of all entries read.
    pub total_bytes: u64,
}

/// The limits of an advisory import. Real OSV exports compress JSON
/// about 8:1 and their largest record is well under 1 MiB; a CSAF VEX
/// document of Red Hat's is a few tens of MiB.
pub const LIMITS: Limits = Limits {
    entries: 500_000,
    entry_bytes: clearinghouse_domain::advisory::MAX_DOCUMENT_BYTES as u64,
    ratio: 100,
    ratio_floor: 1024 * 1024,
    total_bytes: 2 * 1024 * 1024 * 1024,
};

/// Why an archive was refused.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("not a readable zip: {0}")]
    Unreadable(String),
    #[error("zip: {count} entries; the limit is {limit}")]
    TooManyEntries { count: usize, limit: usize },
    #[error("zip entry {entry:?}: more than {limit} bytes once inflated")]
    EntryTooLarge { entry: String, limit: u64 },
    #[error(
        "zip entry {entry:?}: inflates more than {ratio} times its compressed size \
         ({compressed} bytes compressed)"
    )]
    Ratio {
        entry: String,
        ratio: u64,
        compressed: u64,
    },
    #[error("zip: more than {limit} bytes once inflated in all (at entry {entry:?})")]
    TotalTooLarge { entry: String, limit: u64 },
    #[error("zip entry {entry:?}: {message}")]
    Entry { entry: String, message: String },
}

/// Whether the bytes start like a zip.
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Whether an entry is read: advisory files by extension.
fn wanted(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".json") || lower.ends_with(".yaml") || lower.ends_with(".yml")
}

fn open<R: Read + Seek>(reader: R, limits: &Limits) -> Result<ZipArchive<R>, ArchiveError> {
    let archive = ZipArchive::new(reader).map_err(|e| ArchiveError::Unreadable(e.to_string()))?;
    if archive.len() > limits.entries {
        return Err(ArchiveError::TooManyEntries {
            count: archive.len(),
            limit: limits.entries,
        });
    }
    Ok(archive)
}

/// Inflates one entry under the limits, into `keep` when given (else counted
/// and dropped). `total` is the running total of the archive.
fn inflate<R: Read>(
    entry: &mut zip::read::ZipFile<'_, R>,
    name: &str,
    limits: &Limits,
    total: &mut u64,
    mut keep: Option<&mut Vec<u8>>,
) -> Result<(), ArchiveError> {
    let compressed = entry.compressed_size().max(1);
    let mut inflated = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = entry.read(&mut buf).map_err(|e| ArchiveError::Entry {
            entry: name.to_owned(),
            message: e.to_string(),
        })?;
        if n == 0 {
            return Ok(());
        }
        inflated += n as u64;
        *total += n as u64;
        if inflated > limits.entry_bytes {
            return Err(ArchiveError::EntryTooLarge {
                entry: name.to_owned(),
                limit: limits.entry_bytes,
            });
        }
        if inflated > limits.ratio_floor && inflated / compressed > limits.ratio {
            return Err(ArchiveError::Ratio {
                entry: name.to_owned(),
                ratio: limits.ratio,
                compressed,
            });
        }
        if *total > limits.total_bytes {
            return Err(ArchiveError::TotalTooLarge {
                entry: name.to_owned(),
                limit: limits.total_bytes,
            });
        }
        if let Some(k) = keep.as_deref_mut() {
            k.extend_from_slice(&buf[..n]);
        }
    }
}

fn entry_name<R: Read>(entry: &zip::read::ZipFile<'_, R>, i: usize) -> String {
    entry
        .name()
        .map(|n| n.into_owned())
        .unwrap_or_else(|_| format!("entry {i}"))
}

/// Pass 1: refuses an archive that breaks a limit, holding one 64 KiB buffer.
pub fn check<R: Read + Seek>(reader: R, limits: &Limits) -> Result<(), ArchiveError> {
    let mut archive = open(reader, limits)?;
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| ArchiveError::Unreadable(format!("entry {i}: {e}")))?;
        let name = entry_name(&entry, i);
        if entry.is_dir() || !wanted(&name) {
            continue;
        }
        inflate(&mut entry, &name, limits, &mut total, None)?;
    }
    Ok(())
}

/// Pass 2: the archive's advisory entries one at a time, as (name, bytes).
pub struct Entries<R> {
    archive: ZipArchive<R>,
    limits: Limits,
    next: usize,
    total: u64,
}

impl<R: Read + Seek> Entries<R> {
    pub fn new(reader: R, limits: Limits) -> Result<Self, ArchiveError> {
        Ok(Entries {
            archive: open(reader, &limits)?,
            limits,
            next: 0,
            total: 0,
        })
    }

    /// The next advisory entry, or None at the end. Limits are enforced again,
    /// so a caller that skipped [`check`] is still bounded.
    pub fn next_entry(&mut self) -> Option<Result<(String, Vec<u8>), ArchiveError>> {
        while self.next < self.archive.len() {
            let i = self.next;
            self.next += 1;
            let mut entry = match self.archive.by_index(i) {
                Ok(e) => e,
                Err(e) => return Some(Err(ArchiveError::Unreadable(format!("entry {i}: {e}")))),
            };
            let name = entry_name(&entry, i);
            if entry.is_dir() || !wanted(&name) {
                continue;
            }
            let mut buf = Vec::new();
            let result = inflate(
                &mut entry,
                &name,
                &self.limits,
                &mut self.total,
                Some(&mut buf),
            );
            return Some(result.map(|()| (name, buf)));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, opts).expect("start");
            w.write_all(data).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    const SMALL: Limits = Limits {
        entries: 10,
        entry_bytes: 4096,
        ratio: 10,
        ratio_floor: 1024,
        total_bytes: 6000,
    };

    #[test]
    fn zips_are_detected_by_their_magic() {
        assert!(is_zip(b"PK\x03\x04rest"));
        assert!(!is_zip(b"{\"id\": 1}"));
    }

    #[test]
    fn an_entry_inflating_too_far_is_refused_by_name() {
        let zeros = vec![b' '; 3000];
        let z = zip_of(&[("a.json", b"{}"), ("bomb.json", &zeros)]);
        let e = check(Cursor::new(&z), &SMALL).unwrap_err();
        assert!(
            matches!(&e, ArchiveError::Ratio { entry, .. } if entry == "bomb.json"),
            "{e}"
        );
        let big = zip_of(&[("big.json", &vec![b' '; 5000])]);
        let e = check(
            Cursor::new(&big),
            &Limits {
                ratio: 1000,
                ..SMALL
            },
        )
        .unwrap_err();
        assert!(matches!(&e, ArchiveError::EntryTooLarge { entry, .. } if entry == "big.json"));
        let many = zip_of(&[("1.json", &[b' '; 3500]), ("2.json", &[b' '; 3500])]);
        let e = check(
            Cursor::new(&many),
            &Limits {
                ratio: 1000,
                ..SMALL
            },
        )
        .unwrap_err();
        assert!(matches!(&e, ArchiveError::TotalTooLarge { entry, .. } if entry == "2.json"));
    }

    #[test]
    fn entries_come_one_at_a_time_and_others_are_skipped() {
        let z = zip_of(&[("a.json", b"{}"), ("README.md", b"x"), ("b.yaml", b"id: 1")]);
        check(Cursor::new(&z), &SMALL).expect("within limits");
        let mut entries = Entries::new(Cursor::new(&z), SMALL).expect("open");
        let mut names = Vec::new();
        while let Some(e) = entries.next_entry() {
            names.push(e.expect("entry").0);
        }
        assert_eq!(names, ["a.json", "b.yaml"]);
        assert!(matches!(
            Entries::new(Cursor::new(b"PK\x03\x04junk"), SMALL).err(),
            Some(ArchiveError::Unreadable(_))
        ));
    }
}
