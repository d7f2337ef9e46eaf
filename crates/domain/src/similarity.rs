//! Near-duplicate detection of vulnerability findings (MinHash, LSH).
