//! `scan_campaigns` and `scan_campaign_targets`: a researcher
//! organisation's registered campaign (labelled, owned by that
//! organisation, shared through `record_shares` with every operator whose
//! assets it touches, named to the staff) and its targets with the grant
//! and asset each network target relies on. A campaign is inserted whole
//! in one transaction or not at all. `overlapping` finds, through the
//! target index, the active campaigns whose targets may meet a target in
//! a window (callers confirm with `Target::overlaps`).

use sqlx::{AnyConnection, Row};

use super::{candidates, candidates_on};
use crate::store::fetch;
use crate::store::labelled::Readable;
use crate::store::read_filter::{Labelled, Named, ReadFilter};
use crate::store::{Result, bulk_values as values};
use clearinghouse_domain::scans::Target;

/// Campaigns under the read policy: owned by the researcher's
/// organisation, shared with the operators whose assets they touch,
/// submitted to the staff.
pub const CAMPAIGNS: Labelled = Labelled {
    named: Named::Staff,
    ..Labelled::shared_record("c", "c.org_id", "c.created_by")
};

table_record! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct CampaignRow {
        id: String, org_id: String, name: String, scanner: String,
        /// Comma-separated techniques.
        techniques: String,
        /// JSON array of CIDR texts.
        sources: String,
        contact: String, starts_at: String, ends_at: String,
        /// `active` or `stopped`.
        state: String,
        stop_reason: Option<String>, stopped_at: Option<String>, tlp: String,
        visibility_id: i64, created_by: String, created_at: String,
    }
    const COLUMNS = c.*;
    pub fn from_row(r);
}

impl crate::store::labelled::Listed for CampaignRow {
    fn id(&self) -> &str {
        &self.id
    }
}

table_record! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct TargetRow {
        campaign_id: String, position: i64, kind: String, value: String, key_lo: String,
        key_hi: String, asset_id: Option<String>, grant_id: Option<String>,
        operator_org_id: Option<String>,
        /// What others may learn of a network target (`domain::scans::
        /// disclose`: the asset's disclosed block or domain), with its index
        /// keys; `None` when nothing is disclosed.
        shown: Option<String>,
        shown_lo: Option<String>, shown_hi: Option<String>,
    }
    const TARGET_COLUMNS = t.*;
    /// The columns a campaign target is inserted with, in [`bind_target`]'s order.
    pub(crate) const TARGET_INSERT_COLUMNS = *;
    fn target_from_row(r);
}

impl TargetRow {
    /// Sets what is disclosed of this network target on `asset` (its
    /// value and `disclose_prefix`).
    pub fn set_shown(&mut self, asset: Option<(&str, Option<i64>)>) {
        let (shown, lo, hi) = match asset.and_then(|(value, prefix)| shown_of(value, prefix)) {
            Some((t, lo, hi)) => (Some(t), Some(lo), Some(hi)),
            None => (None, None, None),
        };
        (self.shown, self.shown_lo, self.shown_hi) = (shown, lo, hi);
    }
}

/// The disclosed target of an asset (value, `disclose_prefix`) with its
/// index keys.
fn shown_of(asset: &str, prefix: Option<i64>) -> Option<(String, String, String)> {
    let a = Target::parse("asset", asset).ok()?;
    let shown = clearinghouse_domain::scans::disclose::disclosed(&a, prefix)?;
    let (lo, hi) = super::index_keys(&shown);
    Some((shown.to_string(), lo, hi))
}

/// Which keys `overlapping` matches a target on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    /// The campaign targets themselves.
    Exact,
    /// What is disclosed of them (`TargetRow::shown`).
    Disclosed,
}

/// A query whose parameters are bound in order.
pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// The columns a campaign row is inserted with, in [`bind_campaign`]'s order.
pub(crate) const INSERT_COLUMNS: &str = "id, org_id, name, scanner, techniques, sources, \
     contact, starts_at, ends_at, state, tlp, visibility_id, created_by, created_at";
pub(crate) const INSERT_WIDTH: usize = 14;

pub(crate) const TARGET_INSERT_WIDTH: usize = 12;

/// Binds one campaign row's [`INSERT_COLUMNS`] (one insert or one row of
/// a multi-row insert).
pub(crate) fn bind_campaign<'q>(q: AnyQuery<'q>, c: &CampaignRow) -> AnyQuery<'q> {
    q.bind(&c.id)
        .bind(&c.org_id)
        .bind(&c.name)
        .bind(&c.scanner)
        .bind(&c.techniques)
        .bind(&c.sources)
        .bind(&c.contact)
        .bind(&c.starts_at)
        .bind(&c.ends_at)
        .bind(&c.state)
        .bind(&c.tlp)
        .bind(c.visibility_id)
        .bind(&c.created_by)
        .bind(&c.created_at)
}

/// Binds one campaign target's [`TARGET_INSERT_COLUMNS`].
pub(crate) fn bind_target<'q>(q: AnyQuery<'q>, t: &TargetRow) -> AnyQuery<'q> {
    q.bind(&t.campaign_id)
        .bind(t.position)
        .bind(&t.kind)
        .bind(&t.value)
        .bind(&t.key_lo)
        .bind(&t.key_hi)
        .bind(&t.asset_id)
        .bind(&t.grant_id)
        .bind(&t.operator_org_id)
        .bind(&t.shown)
        .bind(&t.shown_lo)
        .bind(&t.shown_hi)
}

/// Inserts the campaign, its targets and a share with each operator.
pub async fn insert(
    conn: &mut AnyConnection,
    c: &CampaignRow,
    targets: &[TargetRow],
) -> Result<()> {
    let sql = format!(
        "INSERT INTO scan_campaigns ({INSERT_COLUMNS}) VALUES {}",
        values(conn, 1, INSERT_WIDTH)
    );
    bind_campaign(sqlx::query(sqlx::AssertSqlSafe(sql)), c)
        .execute(&mut *conn)
        .await?;
    let mut operators = std::collections::BTreeSet::new();
    for t in targets {
        let sql = format!(
            "INSERT INTO scan_campaign_targets ({TARGET_INSERT_COLUMNS}) VALUES {}",
            values(conn, 1, TARGET_INSERT_WIDTH)
        );
        bind_target(sqlx::query(sqlx::AssertSqlSafe(sql)), t)
            .execute(&mut *conn)
            .await?;
        if let Some(o) = &t.operator_org_id
            && o != &c.org_id
        {
            operators.insert(o.clone());
        }
    }
    for o in operators {
        sqlx::query("INSERT INTO record_shares (record_id, org_id) VALUES ($1, $2)")
            .bind(&c.id)
            .bind(&o)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn readable(filter: &ReadFilter<'_>) -> Readable {
    Readable {
        select: format!("SELECT {COLUMNS} FROM scan_campaigns c"),
        id: "c.id".to_owned(),
        clause: CAMPAIGNS.clause(filter, 1, 2),
    }
}

/// One campaign, only if the reader may read it.
pub async fn get_readable(
    pool: &sqlx::AnyPool,
    filter: &ReadFilter<'_>,
    id: &str,
) -> Result<Option<CampaignRow>> {
    readable(filter).one(pool, filter, id, from_row).await
}

/// Which of `ids` the reader may read (the read policy of
/// `get_readable`, one query for many).
pub async fn readable_among(
    conn: &mut AnyConnection,
    filter: &ReadFilter<'_>,
    ids: &[&str],
) -> Result<std::collections::HashSet<String>> {
    let mut out = std::collections::HashSet::new();
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT c.id FROM scan_campaigns c WHERE c.id IN ({}) AND {}",
            marks.join(", "),
            CAMPAIGNS.clause(filter, 1, 2)
        );
        let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql))
            .bind(filter.org_id)
            .bind(filter.user_id);
        for id in chunk {
            q = q.bind(*id);
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

/// Readable campaigns after the cursor, by id.
pub async fn list_readable(
    pool: &sqlx::AnyPool,
    filter: &ReadFilter<'_>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<CampaignRow>> {
    readable(filter)
        .page(pool, filter, after, limit, from_row)
        .await
}

/// A campaign regardless of labels (workflows redact what they show).
pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<CampaignRow>> {
    let sql = format!("SELECT {COLUMNS} FROM scan_campaigns c WHERE c.id = $1");
    fetch::optional(&mut *conn, sql, &[&id], from_row).await
}

pub async fn targets(conn: &mut AnyConnection, campaign_id: &str) -> Result<Vec<TargetRow>> {
    let sql = format!(
        "SELECT {TARGET_COLUMNS} FROM scan_campaign_targets t WHERE t.campaign_id = $1 \
         ORDER BY t.position"
    );
    fetch::all(&mut *conn, sql, &[&campaign_id], target_from_row).await
}

/// Campaign targets (with their campaign) that may meet `t` in the
/// window `[start, end)`; `any_state` includes stopped campaigns (for
/// history and reports), otherwise only active ones. `keys`: matched on
/// the targets or on what is disclosed of them.
pub async fn overlapping(
    conn: &mut AnyConnection,
    t: &Target,
    start: &str,
    end: &str,
    any_state: bool,
    keys: Keys,
) -> Result<Vec<(TargetRow, CampaignRow)>> {
    let (clause, binds) = match keys {
        Keys::Exact => candidates("t", t, 3),
        Keys::Disclosed => candidates_on("t", ("shown_lo", "shown_hi"), t, 3),
    };
    let state = if any_state {
        ""
    } else {
        "AND c.state = 'active'"
    };
    let sql = format!(
        "SELECT {TARGET_COLUMNS}, {COLUMNS} FROM scan_campaign_targets t \
         JOIN scan_campaigns c ON c.id = t.campaign_id \
         WHERE {clause} AND c.starts_at < $1 AND c.ends_at > $2 {state}"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(end).bind(start);
    for b in &binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok((target_from_row(r)?, from_row(r)?)))
        .collect()
}

/// Whether campaign `id` is active with `now` inside its window.
pub async fn in_force<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    db: E,
    id: &str,
    now: &str,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM scan_campaigns WHERE id = $1 AND state = 'active' \
         AND starts_at <= $2 AND ends_at > $2",
    )
    .bind(id)
    .bind(now)
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

/// Ids of active campaigns with a target relying on grant `grant_id`.
pub async fn active_on_grant(conn: &mut AnyConnection, grant_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT c.id FROM scan_campaigns c JOIN scan_campaign_targets t \
         ON t.campaign_id = c.id WHERE t.grant_id = $1 AND c.state = 'active' ORDER BY c.id",
    )
    .bind(grant_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Ids of active campaigns whose window ended before `now`.
pub async fn past_window(conn: &mut AnyConnection, now: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM scan_campaigns WHERE state = 'active' AND ends_at <= $1 ORDER BY id",
    )
    .bind(now)
    .fetch_all(&mut *conn)
    .await?)
}

/// Stops an active campaign (compare-and-set).
pub async fn stop(conn: &mut AnyConnection, id: &str, reason: &str, at: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE scan_campaigns SET state = 'stopped', stop_reason = $1, stopped_at = $2 \
         WHERE id = $3 AND state = 'active'",
    )
    .bind(reason)
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Every campaign with a target on `operator_org_id`'s assets, by start.
pub async fn touching_operator(
    conn: &mut AnyConnection,
    operator_org_id: &str,
) -> Result<Vec<CampaignRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM scan_campaigns c WHERE c.id IN (SELECT t.campaign_id FROM \
         scan_campaign_targets t WHERE t.operator_org_id = $1) ORDER BY c.starts_at, c.id"
    );
    fetch::all(&mut *conn, sql, &[&operator_org_id], from_row).await
}

/// How many findings the campaign's organisation submitted with it, and
/// how many of them are validated.
pub async fn finding_counts(
    conn: &mut AnyConnection,
    campaign_id: &str,
    org_id: &str,
) -> Result<(i64, i64)> {
    let row = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n, \
         CAST(COALESCE(SUM(CASE WHEN f.state = 'validated' THEN 1 ELSE 0 END), 0) AS BIGINT) AS v \
         FROM findings f WHERE f.campaign = $1 AND f.reporter_org = $2",
    )
    .bind(campaign_id)
    .bind(org_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok((row.try_get("n")?, row.try_get("v")?))
}

/// One finding submitted with a campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignFinding {
    pub id: String,
    pub target: String,
    pub state: String,
    pub duplicate_of: Option<String>,
}

/// The first `limit` findings the campaign's organisation submitted with it.
pub async fn findings(
    conn: &mut AnyConnection,
    campaign_id: &str,
    org_id: &str,
    limit: i64,
) -> Result<Vec<CampaignFinding>> {
    let rows = sqlx::query(
        "SELECT id, target, state, duplicate_of FROM findings WHERE campaign = $1 \
         AND reporter_org = $2 ORDER BY id LIMIT $3",
    )
    .bind(campaign_id)
    .bind(org_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(from_columns!(r => CampaignFinding {
                id, target, state, duplicate_of,
            }))
        })
        .collect()
}

/// Fills `shown` for campaign targets stored before migration 0034 (run
/// once by `Store::migrate`); how many were filled.
pub async fn fill_shown(pool: &sqlx::AnyPool) -> Result<usize> {
    let rows = sqlx::query(
        "SELECT t.campaign_id, t.position, a.value, a.disclose_prefix \
         FROM scan_campaign_targets t JOIN scan_assets a ON a.id = t.asset_id \
         WHERE t.shown IS NULL AND a.disclose_prefix IS NOT NULL",
    )
    .fetch_all(pool)
    .await?;
    let mut tx = pool.begin().await?;
    let mut filled = 0;
    for r in &rows {
        let value: String = r.try_get("value")?;
        let prefix: Option<i64> = r.try_get("disclose_prefix")?;
        let Some((shown, lo, hi)) = shown_of(&value, prefix) else {
            continue;
        };
        let (campaign_id, position): (String, i64) =
            (r.try_get("campaign_id")?, r.try_get("position")?);
        sqlx::query(
            "UPDATE scan_campaign_targets SET shown = $1, shown_lo = $2, shown_hi = $3 \
             WHERE campaign_id = $4 AND position = $5",
        )
        .bind(shown)
        .bind(lo)
        .bind(hi)
        .bind(campaign_id)
        .bind(position)
        .execute(&mut *tx)
        .await?;
        filled += 1;
    }
    tx.commit().await?;
    Ok(filled)
}
