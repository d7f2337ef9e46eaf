//! Version ordering per ecosystem and OSV affected-range decisions.
