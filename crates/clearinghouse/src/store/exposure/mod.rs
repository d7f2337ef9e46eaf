//! Storage of an operator's exposure: assets with their SBOM components,
//! and the exposures matched from them with their remediation state.

pub mod assets;
pub mod exposures;
pub mod rematch_runs;
