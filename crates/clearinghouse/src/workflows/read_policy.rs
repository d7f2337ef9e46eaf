//! The reader as the one read policy sees it, for every labelled record:
//! [`PolicyReader`] builds the SQL filter of `store::read_filter` (list and
//! single-record queries), and the `*_labels` functions give the domain's
//! `labels::can_read` the labels of one record, so the two halves state the
//! same rule.
//!
//! | record         | owner                   | shared with (AMBER)            | named (every TLP) |
//! |----------------|-------------------------|--------------------------------|-------------------|
//! | document       | creating organisation   | `shared_with_orgs`             | `named_readers`   |
//! | finding (case) | first reporter's org    | nobody (a sighting is not a share) | staff         |
//! | submission (case) | submitting org       | nobody                         | staff             |
//! | PoC (case)     | the finding's owner     | nobody; and the finding too    | staff, uploader (download: the release's recipient) |
//! | advisory       | nobody                  | parties of its vulnerability   | staff             |
//! | notification (case) | the organisation told | nobody                      | nobody            |
//! | frontier model | registering organisation | `shared_with_orgs`            | the registrant    |
//!
//! Case data (SPEC: "for case data, it is a participant") is read only by
//! its participants, the owner organisation and the named readers, and by
//! them only as the policy allows.
//! Staff are coordinators and validators: what is submitted to the
//! clearinghouse is addressed to them. Vulnerabilities and exposures carry
//! no labels of their own: they are readable when every advisory of the
//! vulnerability is. There is no administrator bypass.

use clearinghouse_domain::identity::{Role, Scope};
use std::collections::HashSet;

use clearinghouse_domain::labels::{
    Authorizations, Reader, RecordLabels, Tlp, Visibility, tlp_allows,
};

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::model::Page;
use crate::store;
use crate::store::labelled::Listed;
use crate::store::read_filter::ReadFilter;
use crate::workflows::{into_page, page_size};

/// The clearinghouse staff: the named recipients of every submission.
pub const STAFF: &[Role] = &[Role::Coordinator, Role::Validator];

/// Whether `who` is clearinghouse staff.
pub fn is_staff(who: &Principal) -> bool {
    who.has_any_role(STAFF)
}

/// A reader with the visibility ids it satisfies, ready to filter queries.
#[derive(Debug, Clone)]
pub struct PolicyReader {
    pub user_id: String,
    pub org_id: String,
    pub visibility_ids: Vec<i64>,
    pub staff: bool,
}

impl PolicyReader {
    /// The policy's view of `who`.
    pub async fn of(app: &AppState, who: &Principal) -> AppResult<PolicyReader> {
        Ok(PolicyReader {
            user_id: who.user_id().to_owned(),
            org_id: who.org_id().to_owned(),
            visibility_ids: app
                .labels
                .satisfied_ids(&app.store, &who.authorizations, who.label_count)
                .await?,
            staff: is_staff(who),
        })
    }

    /// The anonymous reader of public feeds (`Reader::anonymous`): no ids,
    /// no authorizations, not staff.
    pub async fn anonymous(app: &AppState) -> AppResult<PolicyReader> {
        Ok(PolicyReader {
            user_id: String::new(),
            org_id: String::new(),
            visibility_ids: app
                .labels
                .satisfied_ids(&app.store, Reader::anonymous().authorizations, None)
                .await?,
            staff: false,
        })
    }

    pub fn filter(&self) -> ReadFilter<'_> {
        ReadFilter {
            user_id: &self.user_id,
            org_id: &self.org_id,
            visibility_ids: &self.visibility_ids,
            staff: self.staff,
        }
    }

    /// Whether this reader may read a finding with these stored labels:
    /// the rule of `read_filter::FINDINGS` (case data, owner the first
    /// reporter's organisation, staff named; visibility by the ids the
    /// reader satisfies) in Rust, for labels a query already returned.
    pub fn reads_finding(&self, tlp: &str, owner: &str, visibility_id: i64) -> AppResult<bool> {
        let tlp = stored_tlp(tlp)?;
        let participant = (!owner.is_empty() && owner == self.org_id) || self.staff;
        if !participant || !self.visibility_ids.contains(&visibility_id) {
            return Ok(false);
        }
        let named = if self.staff {
            vec![self.user_id.clone()]
        } else {
            Vec::new()
        };
        let public = Visibility::public();
        let who = Reader {
            principal_id: &self.user_id,
            org_id: &self.org_id,
            authorizations: &Authorizations::EMPTY,
        };
        let labels = RecordLabels {
            tlp,
            visibility: &public,
            owner_org: owner,
            shared_with_orgs: &[],
            named_readers: &named,
        };
        Ok(tlp_allows(&who, &labels))
    }

    /// One page of a list filtered in SQL by this reader: `fetch` gets the
    /// filter and `limit + 1` (the extra row tells whether another page
    /// follows); `key` is a row's cursor.
    pub async fn page<T>(
        &self,
        limit: Option<i64>,
        fetch: impl AsyncFnOnce(&ReadFilter<'_>, i64) -> store::Result<Vec<T>>,
        key: impl Fn(&T) -> String,
    ) -> AppResult<Page<T>> {
        let limit = page_size(limit);
        let rows = fetch(&self.filter(), limit + 1).await?;
        Ok(into_page(rows, limit, key))
    }
}

/// One page of a labelled list the caller may read, by id: checks
/// `scope`, builds the caller's [`PolicyReader`] and pages `list` (a
/// store's `list_readable`: the pool, the reader's filter, the cursor and
/// how many rows) through [`PolicyReader::page`]; the next page's cursor is
/// the last record's id. The list workflows of documents, frontier models
/// and suites, finding submissions and scan campaigns use it.
pub async fn readable_page<T: Listed>(
    app: &AppState,
    who: &Principal,
    scope: Scope,
    cursor: Option<&str>,
    limit: Option<i64>,
    list: impl AsyncFnOnce(&store::AnyPool, &ReadFilter<'_>, Option<&str>, i64) -> store::Result<Vec<T>>,
) -> AppResult<Page<T>> {
    who.require_scope(scope)?;
    let reader = PolicyReader::of(app, who).await?;
    let pool = &app.store.pool;
    let list = async |filter: &ReadFilter<'_>, n| list(pool, filter, cursor, n).await;
    reader.page(limit, list, |r| r.id().to_owned()).await
}

/// Stored labels, parsed; a stored label that does not parse is corrupt data.
pub fn parse_labels(tlp: &str, visibility: &str) -> AppResult<(Tlp, Visibility)> {
    let visibility =
        Visibility::parse(visibility).map_err(|e| AppError::internal("stored visibility", e))?;
    Ok((stored_tlp(tlp)?, visibility))
}

/// A stored TLP, parsed; one that does not parse is corrupt data.
pub fn stored_tlp(tlp: &str) -> AppResult<Tlp> {
    tlp.parse().map_err(|e| AppError::internal("stored TLP", e))
}

/// The labels an author puts on a new record: its TLP (default
/// `AMBER+STRICT`) and a visibility expression the author must satisfy
/// itself (`why` says what would follow otherwise); 422 naming the field.
pub fn authored_labels(
    who: &Principal,
    tlp: Option<&str>,
    visibility: Option<&str>,
    why: &str,
) -> AppResult<(Tlp, Visibility)> {
    let tlp: Tlp = tlp.unwrap_or("AMBER+STRICT").parse().map_err(
        |e: clearinghouse_domain::labels::TlpParseError| AppError::invalid("tlp", e.to_string()),
    )?;
    let visibility = Visibility::parse(visibility.unwrap_or(""))
        .map_err(|e| AppError::invalid("visibility", e.to_string()))?;
    if !visibility.evaluate(&who.authorizations) {
        return Err(AppError::invalid(
            "visibility",
            format!("you must hold the authorizations of a label you apply{why}"),
        ));
    }
    Ok((tlp, visibility))
}

/// The organisations a record is shared with: sorted, each once, at most
/// 100, every one existing (422 naming `shared_with_orgs[i]` otherwise).
pub async fn shared_orgs(app: &AppState, orgs: &[String]) -> AppResult<Vec<String>> {
    let mut shared = orgs.to_vec();
    shared.sort();
    shared.dedup();
    if shared.len() > 100 {
        return Err(AppError::invalid(
            "shared_with_orgs",
            "at most 100 organisations",
        ));
    }
    for (i, org) in shared.iter().enumerate() {
        if store::accounts::orgs::get(&app.store.pool, org)
            .await?
            .is_none()
        {
            return Err(AppError::invalid(
                format!("shared_with_orgs[{i}]"),
                "no such organisation",
            ));
        }
    }
    Ok(shared)
}

/// The staff named as readers of a submitted record, as `can_read` takes them.
pub fn staff_named(who: &Principal) -> Vec<String> {
    if is_staff(who) {
        vec![who.user_id().to_owned()]
    } else {
        Vec::new()
    }
}

/// Whether `who` may read a finding (or a submission) owned by `owner_org`
/// under its labels: case data, so only its participants (the owner
/// organisation, the staff) and then the domain's `can_read`, staff named.
pub fn may_read_submitted(
    who: &Principal,
    tlp: Tlp,
    visibility: &str,
    owner_org: &str,
) -> AppResult<bool> {
    may_read_case(who, tlp, visibility, owner_org, None)
}

/// [`may_read_submitted`] for a record shared (`record_shares`) with
/// `shared` organisations: a window's submission and findings, shared with
/// the window's participants, who are then participants of the case data.
pub fn may_read_shared(
    who: &Principal,
    tlp: Tlp,
    visibility: &str,
    owner_org: &str,
    shared: &[String],
) -> AppResult<bool> {
    if !who.org_id().is_empty() && shared.iter().any(|o| o == who.org_id()) {
        let visibility = Visibility::parse(visibility)
            .map_err(|e| AppError::internal("stored visibility", e))?;
        let named = staff_named(who);
        let labels = RecordLabels {
            tlp,
            visibility: &visibility,
            owner_org,
            shared_with_orgs: shared,
            named_readers: &named,
        };
        return Ok(clearinghouse_domain::labels::can_read(
            &who.reader(),
            &labels,
        ));
    }
    may_read_case(who, tlp, visibility, owner_org, None)
}

/// [`may_read_submitted`] for a record that also names its creator as a reader.
pub fn may_read_case(
    who: &Principal,
    tlp: Tlp,
    visibility: &str,
    owner_org: &str,
    creator: Option<&str>,
) -> AppResult<bool> {
    let visibility =
        Visibility::parse(visibility).map_err(|e| AppError::internal("stored visibility", e))?;
    let mut named = staff_named(who);
    if let Some(c) = creator.filter(|c| !c.is_empty() && *c == who.user_id()) {
        named.push(c.to_owned());
    }
    let participant = (!owner_org.is_empty() && owner_org == who.org_id()) || !named.is_empty();
    if !participant {
        return Ok(false);
    }
    let labels = RecordLabels {
        tlp,
        visibility: &visibility,
        owner_org,
        shared_with_orgs: &[],
        named_readers: &named,
    };
    Ok(clearinghouse_domain::labels::can_read(
        &who.reader(),
        &labels,
    ))
}

/// Which of `ids` (findings) the reader may read: looked up by primary key,
/// then the policy in Rust ([`PolicyReader::reads_finding`]).
pub async fn readable_finding_ids(
    app: &AppState,
    reader: &PolicyReader,
    ids: &[String],
) -> AppResult<HashSet<String>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let mut conn = app.store.pool.acquire().await?;
    let rows = store::findings::labels_of(&mut conn, ids).await?;
    let mut out = HashSet::new();
    for (id, tlp, owner, visibility_id) in rows {
        if reader.reads_finding(&tlp, &owner, visibility_id)? {
            out.insert(id);
        }
    }
    Ok(out)
}
