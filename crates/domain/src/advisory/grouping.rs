//! Grouping advisories into vulnerabilities, as pure functions the store
//! calls: which group an advisory joins (and which groups it links, to be
//! merged), the id a group is known by, and the facts of a group computed
//! from its advisories and the KEV and EPSS entries of its CVE aliases,
//! each fact naming the advisory or feed it came from.

use std::collections::BTreeSet;

/// The id a group of aliases is known by: its lowest CVE id, else its
/// lowest id.
pub fn group_id<'a>(ids: impl IntoIterator<Item = &'a String>) -> String {
    let ids: BTreeSet<&String> = ids.into_iter().collect();
    ids.iter()
        .find(|i| i.starts_with("CVE-"))
        .or_else(|| ids.iter().next())
        .map(|s| (*s).clone())
        .unwrap_or_default()
}

/// What storing one advisory does to the groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regroup {
    /// The group the advisory joins.
    pub target: String,
    /// Existing groups it links, to be merged into `target`.
    pub merge: Vec<String>,
}

/// The group an advisory with `own_ids` ([`super::Advisory::group_ids`])
/// joins, given the existing groups that hold any of those ids with every
/// alias of each: their union is named by [`group_id`], and every other
/// group is merged into it.
pub fn regroup(own_ids: &[String], existing: &[(String, Vec<String>)]) -> Regroup {
    let mut all: BTreeSet<String> = own_ids.iter().cloned().collect();
    for (_, aliases) in existing {
        all.extend(aliases.iter().cloned());
    }
    let target = group_id(&all);
    let mut merge: Vec<String> = existing
        .iter()
        .map(|(g, _)| g.clone())
        .filter(|g| *g != target)
        .collect();
    merge.sort();
    merge.dedup();
    Regroup { target, merge }
}

/// One advisory of a group, as far as the group's facts need it.
#[derive(Debug, Clone, Default)]
pub struct MemberFacts {
    /// The advisory's storage key.
    pub key: String,
    /// Its own id and publisher, for naming the source of a fact.
    pub id: String,
    pub publisher: String,
    /// `osv`, `cve`, `csaf`, `kev`, `clearinghouse`.
    pub source: String,
    pub summary: String,
    pub details: String,
    pub published: Option<String>,
    pub withdrawn: Option<String>,
    pub cvss_vectors: Vec<String>,
    pub cwes: Vec<String>,
    /// CISA SSVC options as stored (JSON text).
    pub ssvc: Option<String>,
    pub embargoed: bool,
}

/// A KEV entry of one of the group's CVEs.
#[derive(Debug, Clone)]
pub struct KevFacts {
    pub cve_id: String,
    pub due_date: String,
    pub known_ransomware: bool,
}

/// An EPSS score of one of the group's CVEs.
#[derive(Debug, Clone)]
pub struct EpssFacts {
    pub cve_id: String,
    pub probability: f64,
    pub percentile: f64,
    pub score_date: Option<String>,
}

/// Where one fact of a vulnerability came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FactSource {
    /// The CVSS vector, CWE or SSVC text, or the KEV / EPSS entry's CVE.
    pub value: String,
    /// `<id> (<publisher>)`, `CISA KEV`, or `FIRST EPSS <date>`.
    pub source: String,
}

/// The sources of a vulnerability's facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FactSources {
    #[serde(default)]
    pub cvss: Vec<FactSource>,
    #[serde(default)]
    pub ssvc: Option<FactSource>,
    #[serde(default)]
    pub kev: Option<FactSource>,
    #[serde(default)]
    pub epss: Option<FactSource>,
    #[serde(default)]
    pub summary: Option<String>,
}

/// A vulnerability's facts, computed from its members.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupFacts {
    pub summary: String,
    /// The first non-empty details, for a page whose summary is empty.
    pub details: String,
    pub cvss_vectors: Vec<String>,
    pub cwes: Vec<String>,
    pub ssvc: Option<String>,
    pub published: Option<String>,
    pub embargoed: bool,
    pub withdrawn: Option<String>,
    pub in_kev: bool,
    pub kev_due_date: Option<String>,
    pub kev_ransomware: bool,
    pub epss: Option<(f64, f64)>,
    pub sources: FactSources,
}

fn named(m: &MemberFacts) -> String {
    format!("{} ({})", m.id, m.publisher)
}

/// The facts of a group: CVSS vectors and CWEs of all members (each vector
/// with the first member that gave it); the summary and details of the CVE
/// record if it has them (the most neutral), else the first member's by
/// key; the SSVC of the CVE record (CISA's ADP), else of the first member
/// that has one; the earliest publication; embargoed only if every member
/// is; withdrawn only if every member is (the latest date); KEV the earliest
/// due date of its CVEs, ransomware if any; EPSS the highest probability.
/// `None` for an empty group.
pub fn group_facts(
    members: &[MemberFacts],
    kev: &[KevFacts],
    epss: &[EpssFacts],
) -> Option<GroupFacts> {
    if members.is_empty() {
        return None;
    }
    let mut ordered: Vec<&MemberFacts> = members.iter().collect();
    // CVE records first, then KEV, then by key: the order facts are taken in.
    let rank = |m: &MemberFacts| match m.source.as_str() {
        "cve" => 0,
        "osv" => 1,
        "csaf" => 2,
        "clearinghouse" => 3,
        _ => 4,
    };
    ordered.sort_by(|a, b| (rank(a), &a.key).cmp(&(rank(b), &b.key)));
    let mut f = GroupFacts::default();
    for m in &ordered {
        for v in &m.cvss_vectors {
            if !f.cvss_vectors.contains(v) {
                f.cvss_vectors.push(v.clone());
                f.sources.cvss.push(FactSource {
                    value: v.clone(),
                    source: named(m),
                });
            }
        }
        f.cwes.extend(m.cwes.iter().cloned());
    }
    f.cvss_vectors.sort();
    f.sources.cvss.sort_by(|a, b| a.value.cmp(&b.value));
    f.cwes.sort();
    f.cwes.dedup();
    if let Some(m) = ordered.iter().find(|m| !m.summary.is_empty()) {
        f.summary = m.summary.clone();
        f.sources.summary = Some(named(m));
    }
    f.details = ordered
        .iter()
        .find(|m| !m.details.is_empty())
        .map(|m| m.details.clone())
        .unwrap_or_default();
    if let Some((m, s)) = ordered.iter().find_map(|m| m.ssvc.as_ref().map(|s| (m, s))) {
        f.ssvc = Some(s.clone());
        f.sources.ssvc = Some(FactSource {
            value: s.clone(),
            source: named(m),
        });
    }
    f.published = members.iter().filter_map(|m| m.published.clone()).min();
    f.embargoed = members.iter().all(|m| m.embargoed);
    if members.iter().all(|m| m.withdrawn.is_some()) {
        f.withdrawn = members.iter().filter_map(|m| m.withdrawn.clone()).max();
    }
    for k in kev {
        f.in_kev = true;
        if f.kev_due_date.as_ref().is_none_or(|d| k.due_date < *d) {
            f.kev_due_date = Some(k.due_date.clone());
            f.sources.kev = Some(FactSource {
                value: k.cve_id.clone(),
                source: "CISA KEV".to_owned(),
            });
        }
        f.kev_ransomware |= k.known_ransomware;
    }
    for e in epss {
        if f.epss.is_none_or(|(p, _)| e.probability > p) {
            f.epss = Some((e.probability, e.percentile));
            f.sources.epss = Some(FactSource {
                value: e.cve_id.clone(),
                source: format!("FIRST EPSS {}", e.score_date.as_deref().unwrap_or(""))
                    .trim_end()
                    .to_owned(),
            });
        }
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_group_is_known_by_its_lowest_cve_else_its_lowest_id() {
        assert_eq!(
            group_id(&s(&["GHSA-b", "PYSEC-1", "CVE-2020-2", "CVE-2019-9"])),
            "CVE-2019-9"
        );
        assert_eq!(group_id(&s(&["PYSEC-1", "GHSA-b"])), "GHSA-b");
    }

    #[test]
    fn an_advisory_linking_two_groups_merges_them_into_the_lowest_cve() {
        let existing = vec![
            ("GHSA-x".to_owned(), s(&["GHSA-x"])),
            ("CVE-2021-1".to_owned(), s(&["CVE-2021-1", "PYSEC-2"])),
        ];
        let r = regroup(&s(&["PYSEC-9", "GHSA-x", "CVE-2021-1"]), &existing);
        assert_eq!(r.target, "CVE-2021-1");
        assert_eq!(r.merge, s(&["GHSA-x"]));
        let alone = regroup(&s(&["GHSA-new"]), &[]);
        assert_eq!((alone.target.as_str(), alone.merge.len()), ("GHSA-new", 0));
    }

    fn member(key: &str, source: &str) -> MemberFacts {
        MemberFacts {
            key: key.to_owned(),
            id: key.to_owned(),
            publisher: source.to_owned(),
            source: source.to_owned(),
            ..MemberFacts::default()
        }
    }

    #[test]
    fn facts_keep_their_source_and_the_cve_record_wins_the_summary_and_ssvc() {
        let mut csaf = member("ICSA-1/CVE-1@cisa", "csaf");
        csaf.summary = "csaf title".into();
        csaf.ssvc = Some("{\"x\":1}".into());
        csaf.cvss_vectors = s(&["CVSS:3.1/AV:N"]);
        let mut cve = member("CVE-1", "cve");
        cve.summary = "cve title".into();
        cve.ssvc = Some("{\"cisa\":1}".into());
        cve.cvss_vectors = s(&["CVSS:3.1/AV:N", "CVSS:4.0/AV:N"]);
        let kev = [
            KevFacts {
                cve_id: "CVE-1".into(),
                due_date: "2022-01-10".into(),
                known_ransomware: false,
            },
            KevFacts {
                cve_id: "CVE-2".into(),
                due_date: "2022-01-05".into(),
                known_ransomware: true,
            },
        ];
        let f = group_facts(&[csaf, cve], &kev, &[]).expect("facts");
        assert_eq!(f.summary, "cve title");
        assert_eq!(f.ssvc.as_deref(), Some("{\"cisa\":1}"));
        assert_eq!(f.sources.ssvc.expect("ssvc").source, "CVE-1 (cve)");
        assert_eq!(f.sources.cvss[0].source, "CVE-1 (cve)");
        assert_eq!(f.kev_due_date.as_deref(), Some("2022-01-05"));
        assert!(f.in_kev && f.kev_ransomware);
        assert_eq!(f.sources.kev.expect("kev").value, "CVE-2");
        assert!(group_facts(&[], &kev, &[]).is_none());
    }

    #[test]
    fn withdrawn_and_embargo_need_every_member() {
        let mut a = member("A", "osv");
        a.withdrawn = Some("2024".into());
        a.embargoed = true;
        let b = member("B", "osv");
        let f = group_facts(&[a.clone(), b], &[], &[]).expect("facts");
        assert_eq!((f.withdrawn, f.embargoed), (None, false));
        let f = group_facts(&[a], &[], &[]).expect("facts");
        assert_eq!((f.withdrawn.as_deref(), f.embargoed), (Some("2024"), true));
    }

    #[test]
    fn epss_takes_the_highest_probability() {
        let e = |c: &str, p: f64| EpssFacts {
            cve_id: c.into(),
            probability: p,
            percentile: p,
            score_date: Some("2025-01-01".into()),
        };
        let f = group_facts(
            &[member("A", "osv")],
            &[],
            &[e("CVE-1", 0.1), e("CVE-2", 0.7)],
        )
        .expect("facts");
        assert_eq!(f.epss, Some((0.7, 0.7)));
        assert_eq!(
            f.sources.epss.expect("epss").source,
            "FIRST EPSS 2025-01-01"
        );
    }
}
