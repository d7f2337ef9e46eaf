//! The one read policy in SQL: `clearinghouse_domain::labels::can_read`
//! turned into a WHERE clause for any labelled table (documents, findings,
//! submissions, proofs of concept, advisories, notifications), and the
//! registry of labelled tables with their read path.
//!
//! The visibility half becomes `visibility_id IN (...)` over the ids of the
//! distinct expressions the reader satisfies (evaluated by the domain, one
//! parse per distinct expression); the TLP half is the policy table of
//! `labels::policy` over the record's owner column, its sharing rows and its
//! named readers. Both halves are written once, here.

use super::visibility_list;

/// Who is reading, in the terms the SQL filter needs. The anonymous
/// reader has empty ids, no visibility ids but the public one, and is not staff.
#[derive(Debug, Clone, Copy)]
pub struct ReadFilter<'a> {
    pub user_id: &'a str,
    pub org_id: &'a str,
    /// Ids of the visibility expressions the reader satisfies.
    pub visibility_ids: &'a [i64],
    /// Whether the reader is clearinghouse staff (coordinator or validator):
    /// the named recipients of what is submitted to the clearinghouse.
    pub staff: bool,
}

/// Organisations a record is shared with (admitted at AMBER).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shares {
    None,
    /// Rows of `record_shares` keyed by the record's id.
    RecordShares,
    /// The parties of an advisory's vulnerability group (`{alias}.vuln_id`):
    /// organisations exposed to it, and those that reported or sighted a
    /// finding it was validated from.
    VulnParties,
}

/// Principals named as readers (admitted at every TLP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    None,
    /// Rows of `record_readers` keyed by the record's id.
    RecordReaders,
    /// The clearinghouse staff ([`ReadFilter::staff`]): a submission to the
    /// clearinghouse names its staff as recipients.
    Staff,
}

/// How one labelled table meets the policy: its alias in the query and
/// where its owner, sharing and named readers come from.
#[derive(Debug, Clone, Copy)]
pub struct Labelled {
    /// Table alias in the query (`d`, `f`, ...).
    pub alias: &'static str,
    /// SQL expression of the owner organisation (`f.reporter_org`), or `''`.
    pub owner: &'static str,
    pub shares: Shares,
    pub named: Named,
    /// SQL expression of the record's creator, always a named reader, or `''`.
    pub creator: &'static str,
    /// Case data (SPEC: "for case data, it is a participant"): only its
    /// participants, the owner organisation, the organisations it is shared
    /// with (a coordination case's participants) and the named readers,
    /// read it, whatever the TLP; the policy applies on top.
    pub case_data: bool,
}

impl Labelled {
    /// A record shared the usual way: owned by `owner`, shared at AMBER
    /// through `record_shares`, with `record_readers` and its `creator`
    /// (a SQL expression, or `''`) named readers.
    pub const fn shared_record(
        alias: &'static str,
        owner: &'static str,
        creator: &'static str,
    ) -> Labelled {
        Labelled {
            alias,
            owner,
            shares: Shares::RecordShares,
            named: Named::RecordReaders,
            creator,
            case_data: false,
        }
    }

    /// Case data: owned by `owner`, shared with no one, read by its
    /// participants (the owner and the `named` readers) only.
    pub const fn case_data(alias: &'static str, owner: &'static str, named: Named) -> Labelled {
        Labelled {
            alias,
            owner,
            shares: Shares::None,
            named,
            creator: "''",
            case_data: true,
        }
    }

    /// The same, with `creator` (a SQL expression) a named reader too.
    pub const fn created_by(self, creator: &'static str) -> Labelled {
        Labelled { creator, ..self }
    }

    /// The policy as a SQL condition. `$org` and `$user` are the numbers of
    /// the parameters the caller binds to the reader's org and user ids.
    pub fn clause(&self, filter: &ReadFilter<'_>, org: usize, user: usize) -> String {
        let a = self.alias;
        let ids = visibility_list(filter.visibility_ids);
        let owner = format!("({owner} = ${org} AND ${org} <> '')", owner = self.owner);
        let shared = match self.shares {
            Shares::None => "1 = 0".to_owned(),
            Shares::RecordShares => format!(
                "EXISTS (SELECT 1 FROM record_shares rs WHERE rs.record_id = {a}.id \
                 AND rs.org_id = ${org} AND ${org} <> '')"
            ),
            Shares::VulnParties => format!(
                "(${org} <> '' AND (EXISTS (SELECT 1 FROM exposures px \
                 WHERE px.vuln_id = {a}.vuln_id AND px.org_id = ${org}) \
                 OR EXISTS (SELECT 1 FROM findings pf JOIN advisories pa ON pa.id = pf.vulnerability_id \
                 WHERE pa.vuln_id = {a}.vuln_id AND (pf.reporter_org = ${org} OR EXISTS ( \
                 SELECT 1 FROM finding_sightings ps WHERE ps.finding_id = pf.id AND ps.org_id = ${org})))))"
            ),
        };
        let creator = match self.creator {
            "''" => "1 = 0".to_owned(),
            col => format!("({col} = ${user} AND ${user} <> '')"),
        };
        let named = match self.named {
            Named::None => creator.clone(),
            Named::RecordReaders => format!(
                "({creator} OR EXISTS (SELECT 1 FROM record_readers rr WHERE rr.record_id = {a}.id \
                 AND rr.user_id = ${user} AND ${user} <> ''))"
            ),
            Named::Staff if filter.staff => "1 = 1".to_owned(),
            Named::Staff => creator.clone(),
        };
        let participant = if self.case_data {
            format!("({owner} OR {shared} OR {named})")
        } else {
            "1 = 1".to_owned()
        };
        format!(
            "({a}.visibility_id IN ({ids}) AND ( \
                {a}.tlp = 'CLEAR' \
                OR ({a}.tlp = 'GREEN' AND (${org} <> '' OR ${user} <> '')) \
                OR ({a}.tlp = 'AMBER' AND ({owner} OR {shared})) \
                OR ({a}.tlp = 'AMBER+STRICT' AND {owner}) \
                OR {named}) AND {participant})"
        )
    }
}

/// Shared documents: owner, `record_shares`, `record_readers`.
pub const DOCUMENTS: Labelled = Labelled::shared_record("d", "d.owner_org", "''");

/// Findings: owned by the first reporter's organisation, submitted to the
/// clearinghouse staff. A later sighting by another organisation is not a
/// share: it gives that organisation its sighting, not the finding. Findings
/// filed from an access window are shared (`record_shares`) with the
/// window's participants (`store::findings::window`).
pub const FINDINGS: Labelled = Labelled {
    shares: Shares::RecordShares,
    ..Labelled::case_data("f", "f.reporter_org", Named::Staff)
};

/// Submissions: owned by the submitting organisation, addressed to the
/// staff; a window's submission is shared like its findings.
pub const SUBMISSIONS: Labelled = Labelled {
    shares: Shares::RecordShares,
    ..Labelled::case_data("s", "s.org_id", Named::Staff)
};

/// Proof-of-concept artifacts: their own labels (no looser than the
/// finding's), owned by the finding's first reporter, for the staff and
/// the uploader. The finding must be readable too (the query joins it as `f`).
pub const POCS: Labelled =
    Labelled::case_data("p", "f.reporter_org", Named::Staff).created_by("p.uploaded_by");

/// Advisories: imported ones are CLEAR and public; a `CHX-` one carries the
/// labels of the finding it was validated from. No owner organisation: at
/// AMBER the parties of its vulnerability read it, at AMBER+STRICT only the
/// staff (the embargo flag narrows further, see `workflows::advisories`).
pub const ADVISORIES: Labelled = Labelled {
    alias: "a",
    owner: "''",
    shares: Shares::VulnParties,
    named: Named::Staff,
    creator: "''",
    case_data: false,
};

/// Notifications: owned by the organisation told; labels copied from what
/// they tell of, at least as strict.
pub const NOTIFICATIONS: Labelled = Labelled::case_data("n", "n.org_id", Named::None);

/// Every table holding `tlp` or `visibility_id`, with the read path that
/// applies the policy to it. A test compares this list with the schema of
/// a migrated database: a new labelled table fails it until it is here.
pub const LABELLED_TABLES: &[(&str, &str)] = &[
    (
        "documents",
        "store::documents::{get_readable, list_readable} (DOCUMENTS)",
    ),
    (
        "findings",
        "store::findings::{get_readable, detail::get_readable, list, readable_ids} (FINDINGS)",
    ),
    (
        "submissions",
        "store::findings::submissions::{get_readable, list_readable}, listing::submission_page (SUBMISSIONS)",
    ),
    (
        "poc_artifacts",
        "store::findings::pocs::{get_readable, list_for_finding} (POCS)",
    ),
    (
        "advisories",
        "store::advisories::{get_readable, vuln_readable} (ADVISORIES)",
    ),
    (
        "notifications",
        "store::notifications::{get_for_org, list_for_org} (NOTIFICATIONS)",
    ),
    (
        "frontier_models",
        "store::frontier::models::{get_readable, list_readable} (store::frontier::models::MODELS)",
    ),
    (
        "frontier_suites",
        "store::frontier::suites::{get_readable, list_readable} (store::frontier::suites::SUITES)",
    ),
    (
        "frontier_thresholds",
        "store::frontier::thresholds::{get_readable, list_readable} (store::frontier::thresholds::THRESHOLDS)",
    ),
    (
        "frontier_inquiries",
        "store::frontier::inquiries::{get_readable, list_readable} (store::frontier::inquiries::INQUIRIES); \
         {get_official, list_official} only for FRONTIER-cleared evaluators, consultants and authorities",
    ),
    (
        "cases",
        "store::cases::{get_readable, list_readable} (store::cases::CASES)",
    ),
    (
        "scan_campaigns",
        "store::scans::campaigns::{get_readable, list_readable} (store::scans::campaigns::CAMPAIGNS); \
         overlaps and history show other organisations' network targets redacted (workflows::scans::redacted)",
    ),
];

/// Derived records without labels of their own, and where their labels come from.
pub const DERIVED: &[(&str, &str)] = &[
    (
        "vulnerabilities",
        "every advisory of the group readable (ADVISORIES)",
    ),
    (
        "exposures",
        "the vulnerability readable, through its advisories (ADVISORIES)",
    ),
    (
        "finding_sightings",
        "the finding (FINDINGS); one's own sightings",
    ),
    (
        "submission_results",
        "the submission (SUBMISSIONS); finding ids only of readable findings",
    ),
    (
        "advisory_imports",
        "no labels: the importer's organisation and coordinators \
         (store::advisories::imports::{get_readable, list_readable})",
    ),
    (
        "frontier_runs",
        "the run's suite (store::frontier::suites::SUITES); samples and scores through the run",
    ),
    (
        "frontier_inquiry_runs",
        "the inquiry (store::frontier::inquiries::INQUIRIES); consultations, decisions and releases too",
    ),
    (
        "case_messages",
        "the case (store::cases::CASES); participants, vulnerabilities and events too",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_named_only_for_staff() {
        let mut f = ReadFilter {
            user_id: "u",
            org_id: "o",
            visibility_ids: &[1, 3],
            staff: false,
        };
        let sql = FINDINGS.clause(&f, 1, 2);
        assert!(sql.contains("f.visibility_id IN (1,3)"), "{sql}");
        assert!(sql.contains("f.reporter_org = $1"), "{sql}");
        assert!(!sql.contains("1 = 1"), "{sql}");
        f.staff = true;
        assert!(FINDINGS.clause(&f, 1, 2).contains("1 = 1"));
    }
}
