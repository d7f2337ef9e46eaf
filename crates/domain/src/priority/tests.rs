//! Unit and property tests of one exposure's priority: CVSS, EPSS, KEV and
//! SSVC inputs, the CISA decision and the BOD 26-04 deadline.

use proptest::prelude::*;

use super::*;

const CRITICAL_NETWORK: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const LOCAL_LOW: &str = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N";

fn asset(public: bool, mission: MissionWellbeing) -> AssetFacts {
    AssetFacts {
        publicly_exposed: public,
        mission_impact: mission,
    }
}

fn facts(vectors: &[&str], kev: bool) -> VulnFacts {
    VulnFacts {
        cvss_vectors: vectors.iter().map(|v| (*v).to_owned()).collect(),
        in_kev: kev,
        ..VulnFacts::default()
    }
}

#[test]
fn kev_listed_network_rce_on_a_public_asset_is_act_with_forensic_triage() {
    let p = assess(
        &facts(&[CRITICAL_NETWORK], true),
        &asset(true, MissionWellbeing::High),
    );
    assert_eq!(p.ssvc.decision, "act");
    assert_eq!(p.ssvc.exploitation.value, "active");
    assert!(p.ssvc.exploitation.source.contains("Known Exploited"));
    assert_eq!(p.ssvc.automatable.value, "yes");
    assert_eq!(p.ssvc.technical_impact.value, "total");
    assert_eq!(p.deadline(), Deadline::Days3WithForensicTriage);
    assert_eq!(p.deadline.outcome, "3 days & forensic triage");
    assert_eq!(p.cvss.as_ref().map(|c| c.base_score), Some(9.8));
    assert_eq!(p.explanation.len(), 3);
}

#[test]
fn unexploited_local_bug_on_an_internal_asset_waits_for_the_next_upgrade() {
    let p = assess(
        &facts(&[LOCAL_LOW], false),
        &asset(false, MissionWellbeing::Low),
    );
    assert_eq!(p.ssvc.decision, "track");
    assert_eq!(p.ssvc.automatable.value, "no");
    assert_eq!(p.ssvc.technical_impact.value, "partial");
    assert_eq!(p.deadline(), Deadline::NextUpgrade);
    assert_eq!(p.deadline.days, None);
}

#[test]
fn published_ssvc_wins_over_the_cvss_derivation() {
    let mut v = facts(&[CRITICAL_NETWORK], false);
    v.ssvc = Some(CisaSsvcInputs {
        exploitation: Exploitation::PublicPoc,
        automatable: false,
        technical_impact: TechnicalImpact::Partial,
    });
    let p = assess(&v, &asset(true, MissionWellbeing::High));
    assert_eq!(p.ssvc.automatable.value, "no");
    assert_eq!(p.ssvc.automatable.source, "CISA's published SSVC");
    assert_eq!(p.ssvc.exploitation.value, "public poc");
    // (poc, no, partial, high) -> Track* in CISA coordinator 2.0.3
    assert_eq!(p.ssvc.decision, "track*");
    // BOD 26-04: not KEV, public, not automatable, partial -> 60 days
    assert_eq!(p.deadline(), Deadline::Days(60));
}

#[test]
fn no_cvss_and_no_ssvc_still_decides_and_says_what_was_assumed() {
    let p = assess(
        &VulnFacts::default(),
        &asset(false, MissionWellbeing::Medium),
    );
    assert!(p.cvss.is_none());
    assert!(p.ssvc.automatable.source.contains("assumed"));
    assert!(p.ssvc.technical_impact.source.contains("assumed"));
    assert_eq!(p.explanation[0], "no CVSS vector published");
}

#[test]
fn cvss_4_derivation_uses_attack_requirements_and_vulnerable_system_impacts() {
    let v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    let p = assess(&facts(&[v4], false), &asset(true, MissionWellbeing::Medium));
    assert_eq!(p.ssvc.automatable.value, "yes");
    assert_eq!(p.ssvc.technical_impact.value, "total");
    let with_at = "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    let p = assess(
        &facts(&[with_at], false),
        &asset(true, MissionWellbeing::Medium),
    );
    assert_eq!(p.ssvc.automatable.value, "no");
}

#[test]
fn best_cvss_takes_the_highest_valid_vector_and_ignores_malformed_ones() {
    let vectors = vec![
        "not a vector".to_owned(),
        LOCAL_LOW.to_owned(),
        CRITICAL_NETWORK.to_owned(),
    ];
    assert_eq!(best_cvss(&vectors).map(|s| s.base_score), Some(9.8));
    assert!(best_cvss(&["CVSS:3.1/AV:X".to_owned()]).is_none());
}

#[test]
fn rank_orders_act_before_track_and_kev_before_not() {
    let act = assess(
        &facts(&[CRITICAL_NETWORK], true),
        &asset(true, MissionWellbeing::High),
    );
    let track = assess(
        &facts(&[LOCAL_LOW], false),
        &asset(false, MissionWellbeing::Low),
    );
    assert!(act.rank > track.rank);
    let mut with_epss = facts(&[LOCAL_LOW], false);
    with_epss.epss = Some((0.5, 0.97));
    let p = assess(&with_epss, &asset(false, MissionWellbeing::Low));
    assert!(p.rank > track.rank, "EPSS breaks ties");
    assert!(p.explanation.iter().any(|e| e.starts_with("EPSS: 50.0%")));
}

fn mission() -> impl Strategy<Value = MissionWellbeing> {
    prop::sample::select(MissionWellbeing::ALL.to_vec())
}

proptest! {
    /// Whatever the inputs, the outcome is the published tables' answer for
    /// the inputs it shows, and being listed in KEV never lowers the rank.
    #[test]
    fn outcome_matches_the_tables_for_the_inputs_shown(
        kev in any::<bool>(), public in any::<bool>(), m in mission(),
        av in prop::sample::select(vec!["N", "A", "L", "P"]),
        c in prop::sample::select(vec!["H", "L", "N"]),
        i in prop::sample::select(vec!["H", "L", "N"]),
    ) {
        let vector = format!("CVSS:3.1/AV:{av}/AC:L/PR:N/UI:N/S:U/C:{c}/I:{i}/A:N");
        let a = asset(public, m);
        let p = assess(&facts(&[&vector], kev), &a);
        let expl = Exploitation::parse(&p.ssvc.exploitation.value).unwrap();
        let auto = p.ssvc.automatable.value == "yes";
        let ti = TechnicalImpact::parse(&p.ssvc.technical_impact.value).unwrap();
        prop_assert_eq!(p.ssvc.decision.as_str(), cisa_coordinator_2_0_3(expl, auto, ti, m).table_value());
        prop_assert_eq!(p.deadline(), bod_26_04_1_0_0(kev, public, auto, ti));
        let listed = assess(&facts(&[&vector], true), &a);
        prop_assert!(listed.rank >= p.rank);
    }
}
