//! The advisory import's zip reader (`workflows/advisories/archive.rs`, compiled
//! here as is): any bytes are checked and read under small limits without
//! panicking, and no entry handed out is larger than the limit.
#![no_main]

#[allow(dead_code)]
#[path = "../../crates/clearinghouse/src/workflows/advisories/archive.rs"]
mod advisory_archive;

use advisory_archive::{Entries, Limits, check};
use libfuzzer_sys::fuzz_target;

const LIMITS: Limits = Limits {
    entries: 64,
    entry_bytes: 1 << 20,
    ratio: 100,
    ratio_floor: 64 << 10,
    total_bytes: 4 << 20,
};

fuzz_target!(|data: &[u8]| {
    let checked = check(std::io::Cursor::new(data), &LIMITS).is_ok();
    let Ok(mut entries) = Entries::new(std::io::Cursor::new(data), LIMITS) else {
        return;
    };
    let mut total = 0u64;
    while let Some(entry) = entries.next_entry() {
        match entry {
            Ok((name, bytes)) => {
                assert!(bytes.len() as u64 <= LIMITS.entry_bytes);
                total += bytes.len() as u64;
                let _ = clearinghouse_domain::advisory::parse_document(&name, &bytes);
            }
            Err(_) => break,
        }
    }
    assert!(total <= LIMITS.total_bytes, "{checked}");
});
