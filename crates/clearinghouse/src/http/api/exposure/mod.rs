//! `/api/v1/assets` and `/api/v1/exposures`: an operator's assets, SBOMs
//! and exposures.

pub mod assets;
pub mod exposures;
pub mod rematch;
