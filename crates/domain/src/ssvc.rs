//! SSVC decision tables and CISA BOD 26-04 remediation deadlines.
//!
//! `table` evaluates any SSVC decision table given as the SSVC project's CSV export
//! (the caller reads the file; this crate does no IO). `cisa` types CISA's inputs
//! (Exploitation, Automatable, Technical Impact, Mission and Well-Being Impact, In KEV,
//! Publicly Exposed) and outcomes (Track / Track* / Attend / Act, BOD 26-04 deadlines),
//! wraps the two CISA tables with typed functions, and hand-encodes both policies
//! (`cisa_coordinator_2_0_3`, `bod_26_04_1_0_0`) for use without the data files.

mod cisa;
mod table;

pub use cisa::{
    CisaLevel, CisaSsvcInputs, Deadline, Exploitation, MissionWellbeing, TechnicalImpact,
    bod_26_04, bod_26_04_1_0_0, cisa_coordinator, cisa_coordinator_2_0_3, points,
};
pub use table::{Decision, DecisionPoint, DecisionTable};

/// Why a table could not be read or a decision could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsvcError {
    /// The CSV has no header or no rows.
    #[error("decision table is empty: expected a header and at least one row")]
    EmptyTable,
    /// A CSV line is malformed.
    #[error("decision table line {line}: {reason}")]
    Csv {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// Two columns name the same decision point.
    #[error("decision table has two columns named {0:?}")]
    DuplicateColumn(String),
    /// Two rows have the same inputs.
    #[error("decision table line {line} repeats the inputs of line {first_line}")]
    DuplicateRow {
        /// The repeating line.
        line: usize,
        /// The first line with these inputs.
        first_line: usize,
    },
    /// An input names no decision point of the table.
    #[error("unknown decision point {point:?}; the table's points are {known:?}")]
    UnknownPoint {
        /// The name given.
        point: String,
        /// The table's decision points.
        known: Vec<String>,
    },
    /// A decision point was given twice.
    #[error("decision point {0:?} given more than once")]
    DuplicateInput(String),
    /// A value is not one the decision point allows.
    #[error("unknown value {value:?} for {point:?}; allowed: {allowed:?}")]
    UnknownValue {
        /// The decision point.
        point: String,
        /// The value given.
        value: String,
        /// The point's values.
        allowed: Vec<String>,
    },
    /// A decision point has no value.
    #[error("missing input {point:?}; allowed values: {allowed:?}")]
    MissingInput {
        /// The decision point.
        point: String,
        /// The point's values.
        allowed: Vec<String>,
    },
    /// The table has no row for this combination of inputs.
    #[error("decision table has no row for {inputs:?}")]
    NoMatchingRow {
        /// The inputs, in column order.
        inputs: Vec<(String, String)>,
    },
    /// The table's outcome cannot be read as the expected outcome type.
    #[error("unexpected outcome {outcome:?}; expected {expected}")]
    UnknownOutcome {
        /// The outcome found.
        outcome: String,
        /// What was expected.
        expected: &'static str,
    },
    /// An SSVC option (e.g. from vulnrichment) has a value of the wrong kind.
    #[error("invalid SSVC option {point:?}: {value}")]
    InvalidOption {
        /// The decision point.
        point: String,
        /// The value found.
        value: String,
    },
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod data_tests;
