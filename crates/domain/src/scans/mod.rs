//! Scan coordination's pure core (Sec. 2(d)): scan targets and their
//! overlaps (`target.rs`), IPv4/IPv6 CIDR blocks (`cidr.rs`), time
//! windows (`window.rs`), version-set intersection per ecosystem through
//! `versions::compare` (`ranges.rs`), and whether a grant covers a
//! campaign's network target (`coverage.rs`), and evidence bundles with
//! their offline verification (`evidence.rs`), what others may learn of
//! an operator's asset (`disclose.rs`), and whether a submitted
//! finding lies inside its campaign's targets (`scope.rs`).

pub mod cidr;
pub mod coverage;
pub mod disclose;
pub mod evidence;
pub mod ranges;
pub mod scope;
pub mod target;
pub mod window;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_props;
#[cfg(test)]
mod tests_scope;

pub use cidr::Cidr;
pub use coverage::{Ask, GrantScope, Technique, coverage};
pub use ranges::{Overlap, VersionSet};
pub use target::{Target, TargetKind};
pub use window::Window;

/// A refused value, naming its field.
pub use crate::field_error::FieldError as ScanError;
