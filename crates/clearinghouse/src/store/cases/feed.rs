//! What the CSAF provider feed lists: the latest revision of every
//! published case's advisory, with the case's TLP and the date of its
//! first revision (the feed's folder year). Unfiltered: the feed workflow
//! reads each TLP:GREEN/AMBER case under the policy before listing it.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::Result;

/// The current revision of one published advisory.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedRow {
    pub case_id: String,
    /// The case's TLP as stored (`CLEAR`, `GREEN`, `AMBER`, ...).
    pub tlp: String,
    pub version: i64,
    /// The CSAF JSON, as published (served byte for byte).
    pub document: String,
    /// When revision 1 was published.
    pub first_at: String,
    /// When this revision was published.
    pub created_at: String,
}

fn from_row(r: &AnyRow) -> Result<FeedRow> {
    Ok(from_columns!(r => FeedRow {
        case_id, tlp, version, document, first_at, created_at,
    }))
}

/// Every published advisory's latest revision, oldest case first.
pub async fn latest(conn: &mut AnyConnection) -> Result<Vec<FeedRow>> {
    let rows = sqlx::query(
        "SELECT a.case_id, c.tlp, a.version, a.document, a.created_at, \
         (SELECT MIN(f.created_at) FROM case_advisories f WHERE f.case_id = a.case_id) AS first_at \
         FROM case_advisories a JOIN cases c ON c.id = a.case_id \
         WHERE c.state = 'published' AND a.version = \
         (SELECT MAX(m.version) FROM case_advisories m WHERE m.case_id = a.case_id) \
         ORDER BY first_at, a.case_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}
