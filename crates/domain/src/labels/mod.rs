//! Labels on shareable records: TLP 2.0, visibility expressions, and the read policy.
