//! SPDX: the 2.2/2.3 version check and the package-to-component rule shared by
//! the 2.x JSON and tag-value readers and the SPDX 3.0 JSON-LD reader.

pub mod json;
pub mod jsonld;
pub mod tag_value;

use super::{Collector, Component, SbomError, purl};

/// The supported versions, for error messages.
pub const SUPPORTED: &str = "SPDX-2.2 and SPDX-2.3";

/// Checks the `spdxVersion` / `SPDXVersion` written at `at`.
fn check_version(at: &str, version: &str) -> Result<(), SbomError> {
    match version {
        "SPDX-2.2" | "SPDX-2.3" => Ok(()),
        _ => Err(SbomError::UnsupportedVersion {
            at: at.to_owned(),
            spec: "SPDX",
            version: version.to_owned(),
            supported: SUPPORTED,
        }),
    }
}

/// One package as read, before it becomes components.
#[derive(Default)]
struct Package {
    name: String,
    version: Option<String>,
    /// (where, locator) of each `purl` external reference.
    purls: Vec<(String, String)>,
    cpe23: Option<String>,
    cpe22: Option<String>,
}

impl Package {
    /// Records an external reference of type `kind` written at `at`.
    fn reference(&mut self, at: String, kind: &str, locator: &str) {
        match kind {
            "purl" => self.purls.push((at, locator.to_owned())),
            "cpe23Type" if self.cpe23.is_none() => self.cpe23 = Some(locator.to_owned()),
            "cpe22Type" if self.cpe22.is_none() => self.cpe22 = Some(locator.to_owned()),
            _ => {}
        }
    }

    /// One component per distinct package URL (one without when there is none).
    fn collect(self, at: &str, collector: &mut Collector) -> Result<(), SbomError> {
        collector.count(&|| at.to_owned())?;
        if self.name.is_empty() {
            return Err(SbomError::invalid(
                at,
                "",
                "a package name must not be empty",
            ));
        }
        let cpe = self.cpe23.or(self.cpe22);
        let purls = self
            .purls
            .iter()
            .map(|(at, locator)| purl(|| at.clone(), locator).map(Some))
            .collect::<Result<Vec<_>, _>>()?;
        let purls = if purls.is_empty() { vec![None] } else { purls };
        for purl in purls {
            collector.push(Component {
                name: self.name.clone(),
                version: self.version.clone(),
                purl,
                cpe: cpe.clone(),
            });
        }
        Ok(())
    }
}
