//! One finding with everything its page shows (sightings, near-duplicate
//! links with the other finding's labels, workflow events), only if the
//! reader may read it, in one query: the three lists come back as JSON
//! columns of the finding's row (`store::json_rows`) instead of three
//! more round trips.

use clearinghouse_domain::findings::review::FindingState;
use serde::Deserialize;
use sqlx::Row;

use super::{COLUMNS, FROM, from_row};
use crate::model::finding::{Finding, FindingEvent, Sighting, SimilarFinding, SimilarLink};
use crate::store::read_filter::{FINDINGS, ReadFilter};
use crate::store::{Backend, Result, Store, StoreError, decode_text, json_rows};

/// A near-duplicate link and the other finding's labels, for the caller's
/// read check.
#[derive(Debug, Clone)]
pub struct SimilarRow {
    pub similar: SimilarFinding,
    pub tlp: String,
    pub visibility_id: i64,
}

/// A readable finding with its lists, each in its page's order.
#[derive(Debug, Clone)]
pub struct Detail {
    pub finding: Finding,
    pub sightings: Vec<Sighting>,
    /// Most similar first; not yet filtered by the reader.
    pub similar: Vec<SimilarRow>,
    pub events: Vec<FindingEvent>,
}

#[derive(Deserialize)]
struct SightingJson {
    org_id: String,
    version: String,
    submission_id: String,
    seen_at: String,
}

#[derive(Deserialize)]
struct SimilarJson {
    id: String,
    title: String,
    reporter_org: String,
    state: String,
    tlp: String,
    visibility_id: i64,
    similarity: String,
    link: String,
}

#[derive(Deserialize)]
struct EventJson {
    from_state: String,
    to_state: String,
    reason: String,
    actor: String,
    actor_org: String,
    at: String,
}

/// The three lists of finding `f` as JSON columns.
fn list_columns(backend: Backend) -> String {
    let sightings = json_rows::array(
        backend,
        &json_rows::object(
            backend,
            &[
                ("org_id", "s.org_id"),
                ("version", "s.version"),
                ("submission_id", "s.submission_id"),
                ("seen_at", "s.seen_at"),
            ],
        ),
        "s.seen_at, s.org_id, s.version",
        "FROM finding_sightings s WHERE s.finding_id = f.id",
    );
    let similar = json_rows::array(
        backend,
        &json_rows::object(
            backend,
            &[
                ("id", "o.id"),
                ("title", "o.title"),
                ("reporter_org", "o.reporter_org"),
                ("state", "o.state"),
                ("tlp", "o.tlp"),
                ("visibility_id", "o.visibility_id"),
                ("similarity", "CAST(l.similarity AS TEXT)"),
                ("link", "l.state"),
            ],
        ),
        "l.similarity DESC, o.id",
        "FROM finding_similarities l JOIN findings o \
         ON o.id = CASE WHEN l.finding_id = f.id THEN l.other_id ELSE l.finding_id END \
         WHERE l.finding_id = f.id OR l.other_id = f.id",
    );
    let events = json_rows::array(
        backend,
        &json_rows::object(
            backend,
            &[
                ("from_state", "fe.from_state"),
                ("to_state", "fe.to_state"),
                ("reason", "fe.reason"),
                ("actor", "fe.actor"),
                ("actor_org", "fe.actor_org"),
                ("at", "fe.at"),
            ],
        ),
        "fe.id",
        "FROM finding_events fe WHERE fe.finding_id = f.id",
    );
    format!(
        "({sightings}) AS sightings_json, ({similar}) AS similar_json, ({events}) AS events_json"
    )
}

fn parse<T: for<'de> Deserialize<'de>>(what: &str, text: &str) -> Result<Vec<T>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn state(table: &'static str, column: &'static str, text: String) -> Result<FindingState> {
    decode_text(table, column, text, FindingState::parse)
}

/// The finding `id` with its lists, only if `filter`'s reader may read it:
/// one query whether it is missing or unreadable, so both answers cost
/// the same.
pub async fn get_readable(
    store: &Store,
    id: &str,
    filter: &ReadFilter<'_>,
) -> Result<Option<Detail>> {
    let sql = format!(
        "SELECT {COLUMNS}, {} {FROM} WHERE f.id = $3 AND {}",
        list_columns(store.backend),
        FINDINGS.clause(filter, 1, 2)
    );
    let query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.org_id)
        .bind(filter.user_id)
        .bind(id);
    let row = store
        .reads
        .run(async move |conn| Ok(query.fetch_optional(&mut *conn).await?))
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let finding = from_row(&row)?;
    let sightings =
        parse::<SightingJson>("sightings", &row.try_get::<String, _>("sightings_json")?)?
            .into_iter()
            .map(|s| Sighting {
                org_id: s.org_id,
                version: s.version,
                submission_id: s.submission_id,
                seen_at: s.seen_at,
            })
            .collect();
    let similar = parse::<SimilarJson>("similar", &row.try_get::<String, _>("similar_json")?)?
        .into_iter()
        .map(|s| {
            Ok(SimilarRow {
                similar: SimilarFinding {
                    finding_id: s.id,
                    title: s.title,
                    reporter_org: s.reporter_org,
                    state: state("findings", "state", s.state)?,
                    similarity: s.similarity.parse().unwrap_or(0.0),
                    link: decode_text("finding_similarities", "state", s.link, SimilarLink::parse)?,
                },
                tlp: s.tlp,
                visibility_id: s.visibility_id,
            })
        })
        .collect::<Result<_>>()?;
    let events = parse::<EventJson>("events", &row.try_get::<String, _>("events_json")?)?
        .into_iter()
        .map(|e| {
            Ok(FindingEvent {
                from_state: state("finding_events", "from_state", e.from_state)?,
                to_state: state("finding_events", "to_state", e.to_state)?,
                reason: e.reason,
                actor: e.actor,
                actor_org: e.actor_org,
                at: e.at,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Some(Detail {
        finding,
        sightings,
        similar,
        events,
    }))
}
