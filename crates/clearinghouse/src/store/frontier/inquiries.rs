//! Designation inquiries' SQL (`frontier_inquiries` and its children
//! `frontier_inquiry_runs`, `_consultations`, `_decisions`, `_releases`).
//!
//! An inquiry is a labelled table (registered in
//! `read_filter::LABELLED_TABLES`) with two read paths, both here:
//! [`get_readable`] / [`list_readable`] apply the one read policy as SQL
//! ([`INQUIRIES`]: owned by the developer's organisation) for everyone;
//! [`get_official`] / [`list_official`] are the officials' path, which the
//! workflow takes only for evaluators, consultants and designation
//! authorities cleared for `FRONTIER` (they decide the inquiry, so they
//! read it whatever organisation they belong to). Children carry no labels
//! and are read only for an inquiry already read. Every change compares
//! and sets `revision` ([`update`]).

use sqlx::{AnyConnection, Row};

use crate::store::fetch;
use crate::store::read_filter::{Labelled, Named, ReadFilter, Shares};
use crate::store::{Result, StoreError};

/// The connection the workflow passes in (a pool connection or a transaction).
pub type Conn = AnyConnection;

/// Inquiries: owned by the developer's organisation, its opener a named reader.
pub const INQUIRIES: Labelled = Labelled {
    alias: "q",
    owner: "q.developer_org",
    shares: Shares::None,
    named: Named::None,
    creator: "q.created_by",
    case_data: false,
};

table_record! {
    /// An inquiry as stored.
    #[derive(Debug, Clone, PartialEq)]
    pub struct InquiryRow {
        id: String, model_id: String, developer_org: String, created_by: String,
        /// The domain's `Phase`, snake case.
        state: String,
        revision: i64,
        /// JSON list of the domain's `Consultee`.
        consultees: String,
        /// JSON of the domain's `DecisionBasis` (no threshold value).
        basis: Option<String>,
        /// JSON of the domain's `Proposal`.
        proposal: Option<String>,
        approval_id: Option<String>, withdrawal_reason: Option<String>, tlp: String,
        visibility: String as "v.expression" = row.try_get("expression")?,
        created_at: String, updated_at: String, decided_at: Option<String>,
        communicated_at: Option<String>, withdrawn_at: Option<String>,
    }
    const COLUMNS = q.*;
    fn from_row(row);
}

/// A run attached to an inquiry.
#[derive(Debug, Clone, PartialEq)]
pub struct RunLink {
    pub run_id: String,
    pub attached_by: String,
    pub attached_at: String,
}

/// A consultee's response.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsultationRow {
    pub consultee_id: String,
    /// `concur`, `dissent` or `declined`.
    pub response: String,
    pub comment: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// The approved decision.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionRow {
    pub determination: String,
    pub computed: String,
    pub reason: Option<String>,
    /// JSON list of `{suite_id, version, digest}`.
    pub suite_versions: String,
    /// JSON list of run ids.
    pub run_ids: String,
    /// JSON list of the domain's `PolicyReference` (id, version, commitment).
    pub thresholds: String,
    /// JSON of the domain's `DecisionBasis`.
    pub basis: String,
    pub proposed_by: String,
    pub approved_by: String,
    pub approval_id: String,
    pub decided_at: String,
}

/// A part of the assessment released to the developer.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseRow {
    pub id: String,
    pub part: String,
    pub released_by: String,
    pub released_at: String,
}

const FROM: &str = "frontier_inquiries q JOIN visibility_labels v ON v.id = q.visibility_id";

pub async fn insert(conn: &mut AnyConnection, q: &InquiryRow, visibility_id: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO frontier_inquiries (id, model_id, developer_org, created_by, state, revision, \
         consultees, basis, proposal, approval_id, withdrawal_reason, tlp, visibility_id, \
         created_at, updated_at, decided_at, communicated_at, withdrawn_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(&q.id)
    .bind(&q.model_id)
    .bind(&q.developer_org)
    .bind(&q.created_by)
    .bind(&q.state)
    .bind(q.revision)
    .bind(&q.consultees)
    .bind(&q.basis)
    .bind(&q.proposal)
    .bind(&q.approval_id)
    .bind(&q.withdrawal_reason)
    .bind(&q.tlp)
    .bind(visibility_id)
    .bind(&q.created_at)
    .bind(&q.updated_at)
    .bind(&q.decided_at)
    .bind(&q.communicated_at)
    .bind(&q.withdrawn_at)
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "this inquiry"))?;
    Ok(())
}

/// Writes the inquiry's mutable columns if its revision is still
/// `q.revision`, setting it to `q.revision + 1`. False when another change
/// came first.
pub async fn update(conn: &mut AnyConnection, q: &InquiryRow) -> Result<bool> {
    let update = sqlx::query(
        "UPDATE frontier_inquiries SET state = $1, revision = $2, basis = $3, proposal = $4, \
         approval_id = $5, withdrawal_reason = $6, updated_at = $7, decided_at = $8, \
         communicated_at = $9, withdrawn_at = $10 WHERE id = $11 AND revision = $12",
    );
    let done = bind_fields!(update, q => {
        state,
        revision: q.revision + 1,
        basis, proposal, approval_id, withdrawal_reason, updated_at, decided_at, communicated_at,
        withdrawn_at, id, revision,
    })
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One inquiry, only if the reader may read it under the read policy.
pub async fn get_readable(
    conn: &mut AnyConnection,
    id: &str,
    filter: &ReadFilter<'_>,
) -> Result<Option<InquiryRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE q.id = $3 AND {}",
        INQUIRIES.clause(filter, 1, 2)
    );
    fetch::optional(
        &mut *conn,
        sql,
        &[&filter.org_id, &filter.user_id, &id],
        from_row,
    )
    .await
}

/// One inquiry for a cleared official (the workflow checks who).
pub async fn get_official(conn: &mut AnyConnection, id: &str) -> Result<Option<InquiryRow>> {
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE q.id = $1");
    fetch::optional(&mut *conn, sql, &[&id], from_row).await
}

/// Readable inquiries after the cursor, in id order, optionally in one state.
pub async fn list_readable(
    pool: &sqlx::AnyPool,
    filter: &ReadFilter<'_>,
    state: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<InquiryRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE q.id > $3 AND ($4 = '' OR q.state = $4) AND {} \
         ORDER BY q.id LIMIT $5",
        INQUIRIES.clause(filter, 1, 2)
    );
    fetch::all(
        pool,
        sql,
        &[
            &filter.org_id,
            &filter.user_id,
            &after.unwrap_or(""),
            &state.unwrap_or(""),
            &limit,
        ],
        from_row,
    )
    .await
}

/// Every inquiry after the cursor, for a cleared official.
pub async fn list_official(
    pool: &sqlx::AnyPool,
    state: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<InquiryRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE q.id > $1 AND ($2 = '' OR q.state = $2) \
         ORDER BY q.id LIMIT $3"
    );
    fetch::all(
        pool,
        sql,
        &[&after.unwrap_or(""), &state.unwrap_or(""), &limit],
        from_row,
    )
    .await
}

pub async fn attach_run(conn: &mut AnyConnection, inquiry_id: &str, r: &RunLink) -> Result<()> {
    sqlx::query(
        "INSERT INTO frontier_inquiry_runs (inquiry_id, run_id, attached_by, attached_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(inquiry_id)
    .bind(&r.run_id)
    .bind(&r.attached_by)
    .bind(&r.attached_at)
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "this run on this inquiry"))?;
    Ok(())
}

pub async fn runs(conn: &mut AnyConnection, inquiry_id: &str) -> Result<Vec<RunLink>> {
    let rows = sqlx::query(
        "SELECT run_id, attached_by, attached_at FROM frontier_inquiry_runs \
         WHERE inquiry_id = $1 ORDER BY attached_at, run_id",
    )
    .bind(inquiry_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(from_columns!(r => RunLink {
                run_id, attached_by, attached_at,
            }))
        })
        .collect()
}

pub async fn insert_consultation(
    conn: &mut AnyConnection,
    inquiry_id: &str,
    c: &ConsultationRow,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO frontier_inquiry_consultations (inquiry_id, consultee_id, response, comment, \
         recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(inquiry_id)
    .bind(&c.consultee_id)
    .bind(&c.response)
    .bind(&c.comment)
    .bind(&c.recorded_by)
    .bind(&c.recorded_at)
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "a response of this consultee"))?;
    Ok(())
}

pub async fn consultations(
    conn: &mut AnyConnection,
    inquiry_id: &str,
) -> Result<Vec<ConsultationRow>> {
    let rows = sqlx::query(
        "SELECT consultee_id, response, comment, recorded_by, recorded_at \
         FROM frontier_inquiry_consultations WHERE inquiry_id = $1 ORDER BY recorded_at, consultee_id",
    )
    .bind(inquiry_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(from_columns!(r => ConsultationRow {
                consultee_id, response, comment, recorded_by, recorded_at,
            }))
        })
        .collect()
}

pub async fn insert_decision(
    conn: &mut AnyConnection,
    inquiry_id: &str,
    d: &DecisionRow,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO frontier_inquiry_decisions (inquiry_id, determination, computed, reason, \
         suite_versions, run_ids, thresholds, basis, proposed_by, approved_by, approval_id, \
         decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(inquiry_id)
    .bind(&d.determination)
    .bind(&d.computed)
    .bind(&d.reason)
    .bind(&d.suite_versions)
    .bind(&d.run_ids)
    .bind(&d.thresholds)
    .bind(&d.basis)
    .bind(&d.proposed_by)
    .bind(&d.approved_by)
    .bind(&d.approval_id)
    .bind(&d.decided_at)
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "a decision of this inquiry"))?;
    Ok(())
}

pub async fn decision(conn: &mut AnyConnection, inquiry_id: &str) -> Result<Option<DecisionRow>> {
    let row = sqlx::query(
        "SELECT determination, computed, reason, suite_versions, run_ids, thresholds, basis, \
         proposed_by, approved_by, approval_id, decided_at \
         FROM frontier_inquiry_decisions WHERE inquiry_id = $1",
    )
    .bind(inquiry_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(from_columns!(r => DecisionRow {
            determination, computed, reason, suite_versions, run_ids, thresholds, basis,
            proposed_by, approved_by, approval_id, decided_at,
        }))
    })
    .transpose()
}

pub async fn insert_release(
    conn: &mut AnyConnection,
    inquiry_id: &str,
    r: &ReleaseRow,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO frontier_inquiry_releases (id, inquiry_id, part, released_by, released_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&r.id)
    .bind(inquiry_id)
    .bind(&r.part)
    .bind(&r.released_by)
    .bind(&r.released_at)
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "a release of this part"))?;
    Ok(())
}

pub async fn releases(conn: &mut AnyConnection, inquiry_id: &str) -> Result<Vec<ReleaseRow>> {
    let rows = sqlx::query(
        "SELECT id, part, released_by, released_at FROM frontier_inquiry_releases \
         WHERE inquiry_id = $1 ORDER BY released_at, part",
    )
    .bind(inquiry_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(from_columns!(r => ReleaseRow {
                id, part, released_by, released_at,
            }))
        })
        .collect()
}

/// Organisations whose members hold `role` (active users), for
/// notifications to the parties who may know.
pub async fn orgs_with_role(conn: &mut AnyConnection, role: &str) -> Result<Vec<String>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT DISTINCT org_id, roles FROM users WHERE disabled = 0")
            .fetch_all(&mut *conn)
            .await?;
    let mut orgs: Vec<String> = rows
        .into_iter()
        .filter(|(_, roles)| {
            crate::store::parse_json_list(roles).is_ok_and(|r| r.iter().any(|n| n == role))
        })
        .map(|(o, _)| o)
        .collect();
    orgs.sort();
    orgs.dedup();
    Ok(orgs)
}

/// Government organisations of this name (consultee mapping).
pub async fn orgs_named(conn: &mut AnyConnection, name: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM organizations WHERE LOWER(name) = LOWER($1) AND kind = 'government_agency' \
         ORDER BY id",
    )
    .bind(name)
    .fetch_all(&mut *conn)
    .await?)
}

/// A score of an attached run, for the rule.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachedScore {
    pub run_id: String,
    pub suite_id: String,
    pub suite_version: i64,
    /// JSON of the domain's `RunScore`.
    pub score: String,
}

/// Every score of every run attached to the inquiry, in attachment order,
/// then suite version. Read for the rule only, the inquiry already read.
pub async fn attached_scores(
    conn: &mut AnyConnection,
    inquiry_id: &str,
) -> Result<Vec<AttachedScore>> {
    let rows = sqlx::query(
        "SELECT ir.run_id, r.suite_id, v.number, sc.score FROM frontier_inquiry_runs ir \
         JOIN frontier_runs r ON r.id = ir.run_id \
         JOIN frontier_run_scores sc ON sc.run_id = r.id \
         JOIN frontier_suite_versions v ON v.id = sc.suite_version_id \
         WHERE ir.inquiry_id = $1 ORDER BY ir.attached_at, ir.run_id, v.number",
    )
    .bind(inquiry_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(from_columns!(r => AttachedScore {
                run_id, suite_id,
                suite_version: r.try_get("number")?,
                score,
            }))
        })
        .collect()
}

/// The threshold version in force for a suite, classified fields included.
/// Only the rule reads these (server side); no caller ever receives them.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivePolicy {
    pub threshold_id: String,
    pub suite_id: String,
    pub version: i64,
    pub policy: String,
    pub salt: String,
    pub commitment: String,
}

pub async fn active_policy(
    conn: &mut AnyConnection,
    suite_id: &str,
) -> Result<Option<ActivePolicy>> {
    let row = sqlx::query(
        "SELECT id, suite_id, version, policy, salt, commitment FROM frontier_thresholds \
         WHERE suite_id = $1 AND state = 'active'",
    )
    .bind(suite_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(from_columns!(r => ActivePolicy {
            threshold_id: r.try_get("id")?,
            suite_id, version, policy, salt, commitment,
        }))
    })
    .transpose()
}
