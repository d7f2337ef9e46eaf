//! An operator's exposure: assets and their SBOMs, and the exposures the
//! matcher finds in them, with remediation state, deadlines and exports.

pub mod assets;
pub mod exposures;
