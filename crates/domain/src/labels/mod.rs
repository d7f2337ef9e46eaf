//! Labels on shareable records: TLP 2.0, visibility expressions, and the read policy.
//!
//! * [`Tlp`]: the TLP 2.0 marking (`CLEAR`, `GREEN`, `AMBER`, `AMBER+STRICT`, `RED`).
//! * [`Visibility`]: an Apache Accumulo ColumnVisibility expression such as
//!   `CUI&(FRONTIER|PCII)`, evaluated against a reader's [`Authorizations`].
//! * [`can_read`]: the one read policy for every shareable record, combining
//!   [`tlp_allows`] with the visibility expression. No IO here.

mod authorizations;
mod expr;
mod parser;
mod policy;
#[cfg(test)]
mod proptests;
mod tlp;
mod visibility;

pub use authorizations::{Authorizations, MAX_TERM_LEN, validate_term};
pub use parser::{MAX_EXPRESSION_LEN, MAX_NESTING_DEPTH};
pub use policy::{Reader, RecordLabels, can_read, tlp_allows};
pub use tlp::{Tlp, TlpParseError};
pub use visibility::{Visibility, VisibilityError};
