//! Package identity: package URLs and per-ecosystem name normalisation.
