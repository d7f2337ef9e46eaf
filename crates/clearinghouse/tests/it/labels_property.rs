//! Authorization property: for random orgs, users, agents and labelled documents, the API lets each principal list and read exactly what `labels::can_read` allows, and hides the rest as 404; the anonymous reader reads only CLEAR and public ones. Case data (submissions, findings, sightings, proofs of concept) and the vulnerabilities derived from it: `case.rs`.

use std::collections::BTreeSet;

use clearinghouse_domain::labels::{
    Authorizations, Reader, RecordLabels, Tlp, Visibility, can_read,
};
use proptest::prelude::*;
use proptest::sample::{Index, select, subsequence};
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::json;

use crate::harness::{Db, TestApp};

mod case;

/// The authorization alphabet users and agents draw from.
const AUTHS: [&str; 4] = ["A", "B", "C", "D"];
/// TLP markings as clients may spell them.
const TLPS: [&str; 7] = [
    "CLEAR",
    "green",
    "AMBER",
    "tlp:amber",
    "AMBER+STRICT",
    "RED",
    "TLP:RED",
];
/// Seeds run per backend; `CHX_LABELS_SEED=<n>` runs that one seed instead.
const SEEDS: [u64; 3] = [1, 0x5eed, 0xdead_beef];

/// A visibility expression generated independently of the parser.
#[derive(Clone, Debug)]
enum Tree {
    /// A term and whether to write it quoted.
    Term(&'static str, bool),
    And(Vec<Tree>),
    Or(Vec<Tree>),
    /// Redundant parentheses around a subexpression.
    Paren(Box<Tree>),
}

impl Tree {
    fn render(&self, spaced: bool) -> String {
        let (children, op) = match self {
            Tree::Term(t, true) => return format!("\"{t}\""),
            Tree::Term(t, false) => return (*t).to_owned(),
            Tree::Paren(inner) if spaced => return format!("( {} )", inner.render(spaced)),
            Tree::Paren(inner) => return format!("({})", inner.render(spaced)),
            Tree::And(c) => (c, "&"),
            Tree::Or(c) => (c, "|"),
        };
        let parts: Vec<String> = children
            .iter()
            .map(|c| match c {
                Tree::And(_) | Tree::Or(_) => format!("({})", c.render(spaced)),
                _ => c.render(spaced),
            })
            .collect();
        parts.join(&if spaced {
            format!(" {op} ")
        } else {
            op.to_owned()
        })
    }
}

fn tree() -> impl Strategy<Value = Tree> {
    // "q t" needs quoting and can never be granted, so it only passes under `|`.
    let term = select(vec!["A", "B", "C", "D", "A", "B", "q t"]);
    (term, any::<bool>())
        .prop_map(|(t, q)| Tree::Term(t, q || t.contains(' ')))
        .prop_recursive(4, 16, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(Tree::And),
                prop::collection::vec(inner.clone(), 2..4).prop_map(Tree::Or),
                inner.prop_map(|t| Tree::Paren(Box::new(t))),
            ]
        })
}

/// A document to make: (creator, TLP, visibility or public, whitespace
/// around tokens, orgs shared with, named readers).
type DocSpec = (
    Index,
    &'static str,
    Option<Tree>,
    bool,
    Vec<Index>,
    Vec<Index>,
);
/// Organisations; users as (org, authorizations); agents as (user,
/// authorizations asked for, kept if the user holds them); users who lose
/// their first authorization after their agents were made; documents.
type Scenario = (
    usize,
    Vec<(Index, Vec<&'static str>)>,
    Vec<(Index, Vec<&'static str>)>,
    Vec<Index>,
    Vec<DocSpec>,
);

fn scenario() -> impl Strategy<Value = Scenario> {
    let indices = || prop::collection::vec(any::<Index>(), 0..3);
    let vis = prop_oneof![1 => Just(None), 4 => tree().prop_map(Some)];
    let doc = (
        any::<Index>(),
        select(TLPS.to_vec()),
        vis,
        any::<bool>(),
        indices(),
        indices(),
    );
    let auths = || subsequence(AUTHS.to_vec(), 0..=AUTHS.len());
    (
        2usize..=4,
        prop::collection::vec((any::<Index>(), auths()), 7..=9),
        prop::collection::vec((any::<Index>(), auths()), 3..=4),
        prop::collection::vec(any::<Index>(), 1..=2),
        prop::collection::vec(doc, 56..=62),
    )
}

fn generate(seed: u64) -> Scenario {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    scenario()
        .new_tree(&mut runner)
        .expect("generate")
        .current()
}

/// A principal as the model sees it, with the token it calls with.
struct Principal {
    label: String,
    token: String,
    user_id: String,
    org_id: String,
    auths: Authorizations,
}

/// A created document as the model sees it.
struct Doc {
    id: String,
    tlp: Tlp,
    visibility: Visibility,
    owner_org: String,
    shared: Vec<String>,
    named: Vec<String>,
}

async fn user_auths(app: &TestApp, user_id: &str) -> Authorizations {
    let (s, v) = app
        .get(&app.admin_token, &format!("/api/v1/users/{user_id}"))
        .await;
    assert_eq!(s, 200, "{v}");
    let list: Vec<String> = serde_json::from_value(v["authorizations"].clone()).expect("list");
    Authorizations::new(list)
}

/// The distinct entries of `list` that `picks` choose, sorted.
fn pick(list: &[String], picks: &[Index]) -> Vec<String> {
    let set: BTreeSet<&String> = picks.iter().map(|i| &list[i.index(list.len())]).collect();
    set.into_iter().cloned().collect()
}

/// Builds the scenario through the API; returns principals and documents.
async fn build(app: &TestApp, sc: Scenario) -> (Vec<Principal>, Vec<Doc>) {
    let (n_orgs, user_specs, agent_specs, removals, doc_specs) = sc;
    let (_, me) = app.get(&app.admin_token, "/api/v1/me").await;
    let admin_org = me["user"]["org_id"].as_str().expect("admin org").to_owned();
    let mut orgs = vec![admin_org.clone()];
    for i in 0..n_orgs {
        orgs.push(app.org(&format!("Org {i}"), "researcher").await);
    }
    let mut users = Vec::new();
    for (i, (org, granted)) in user_specs.iter().enumerate() {
        let org_id = orgs[1 + org.index(n_orgs)].clone();
        let label = format!("user{i}");
        let (user_id, token) = app.user(&org_id, &label, &["member"]).await;
        if !granted.is_empty() {
            app.grant(&user_id, granted).await;
        }
        let auths = user_auths(app, &user_id).await;
        assert_eq!(auths, Authorizations::new(granted.iter().copied()));
        users.push(Principal {
            label,
            token,
            user_id,
            org_id,
            auths,
        });
    }
    let user_ids: Vec<String> = users.iter().map(|u| u.user_id.clone()).collect();
    let mut docs = Vec::new();
    for (n, (creator, tlp, tree, spaced, shared, named)) in doc_specs.into_iter().enumerate() {
        let text = match tree {
            Some(t) => t.render(spaced),
            None if spaced => "  ".to_owned(),
            None => String::new(),
        };
        let visibility = Visibility::parse(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        // The first user from the chosen one on who may apply the label.
        let start = creator.index(users.len());
        let mut candidates = (0..users.len()).map(|k| &users[(start + k) % users.len()]);
        let Some(creator) = candidates.find(|u| visibility.evaluate(&u.auths)) else {
            continue;
        };
        let (shared, named) = (pick(&orgs, &shared), pick(&user_ids, &named));
        let body = json!({"title": format!("doc {n}"), "tlp": tlp, "visibility": text, "shared_with_orgs": shared, "named_readers": named});
        let (s, v) = app.post(&creator.token, "/api/v1/documents", &body).await;
        assert_eq!(s, 201, "{} creating {body}: {v}", creator.label);
        let tlp: Tlp = tlp.parse().expect("tlp");
        let stored = (&v["owner_org"], &v["tlp"], &v["visibility"]);
        let wanted = (
            &json!(creator.org_id),
            &json!(tlp),
            &json!(visibility.as_str()),
        );
        assert_eq!(stored, wanted, "{text:?}");
        let (id, owner_org) = (
            v["id"].as_str().expect("id").to_owned(),
            creator.org_id.clone(),
        );
        // A RED document's author is always one of its named readers.
        let mut named = named;
        if tlp == Tlp::Red && !named.contains(&creator.user_id) {
            named.push(creator.user_id.clone());
            named.sort();
        }
        assert_eq!(v["named_readers"], json!(named), "{body}");
        docs.push(Doc {
            id,
            tlp,
            visibility,
            owner_org,
            shared,
            named,
        });
    }
    assert!(docs.len() >= 40, "only {} documents were made", docs.len());
    // Agents: scope-limited tokens asking for some of their user's terms.
    let mut agents = Vec::new();
    for (i, (user, wanted)) in agent_specs.iter().enumerate() {
        let owner = &users[user.index(users.len())];
        let asked: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|a| owner.auths.contains(a))
            .collect();
        let body = json!({"name": format!("agent{i}"), "kind": "agent", "scopes": ["documents:read"], "authorizations": asked, "expires_in_days": 1, "rate_limit_per_minute": 100000});
        let (s, v) = app.post(&owner.token, "/api/v1/tokens", &body).await;
        assert_eq!(s, 201, "{v}");
        let token = v["token"].as_str().expect("token").to_owned();
        let (user_id, org_id) = (owner.user_id.clone(), owner.org_id.clone());
        let label = format!("agent{i} of {}", owner.label);
        agents.push(Principal {
            label,
            token,
            user_id,
            org_id,
            auths: Authorizations::new(asked),
        });
    }
    // Some users lose a term after their agents were made, so an agent's
    // effective authorizations are the intersection.
    for r in &removals {
        let u = &mut users[r.index(user_ids.len())];
        let Some(term) = u.auths.iter().next().map(str::to_owned) else {
            continue;
        };
        let path = format!("/api/v1/users/{}/authorizations/remove", u.user_id);
        let (s, v) = app
            .post(&app.admin_token, &path, &json!({"remove": [term]}))
            .await;
        assert_eq!(s, 200, "{v}");
        u.auths = user_auths(app, &u.user_id).await;
        assert!(!u.auths.contains(&term));
    }
    for a in &mut agents {
        let owner = users
            .iter()
            .find(|u| u.user_id == a.user_id)
            .expect("owner");
        a.auths = a.auths.intersect(&owner.auths);
    }
    let (token, user_id) = (
        app.admin_token.clone(),
        me["user"]["id"].as_str().expect("id").to_owned(),
    );
    let admin = Principal {
        label: "admin".into(),
        token,
        user_id,
        org_id: admin_org,
        auths: Authorizations::default(),
    };
    agents.extend(users);
    agents.push(admin);
    (agents, docs)
}

fn readable(p: &Principal, d: &Doc) -> bool {
    let reader = Reader {
        principal_id: &p.user_id,
        org_id: &p.org_id,
        authorizations: &p.auths,
    };
    let (shared_with_orgs, named_readers) = (&d.shared, &d.named);
    let (tlp, visibility, owner_org) = (d.tlp, &d.visibility, &d.owner_org);
    can_read(
        &reader,
        &RecordLabels {
            tlp,
            visibility,
            owner_org,
            shared_with_orgs,
            named_readers,
        },
    )
}

/// Every id the principal gets by paging through the list, three at a time.
async fn list_all(app: &TestApp, p: &Principal) -> Vec<String> {
    let mut ids = Vec::new();
    let mut path = "/api/v1/documents?limit=3".to_owned();
    for _ in 0..100 {
        let (s, v) = app.get(&p.token, &path).await;
        assert_eq!(s, 200, "{}: {v}", p.label);
        let items = v["items"].as_array().expect("items");
        assert!(items.len() <= 3, "{}: page larger than the limit", p.label);
        ids.extend(
            items
                .iter()
                .map(|d| d["id"].as_str().expect("id").to_owned()),
        );
        match v["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/documents?limit=3&cursor={c}"),
            None => return ids,
        }
    }
    panic!("{}: the cursor never ended", p.label);
}

/// Checks every principal against every document; returns how many
/// (principal, document) pairs were readable and hidden.
async fn check(app: &TestApp, principals: &[Principal], docs: &[Doc]) -> (usize, usize) {
    let (mut yes, mut no) = (0, 0);
    for p in principals {
        let who = format!("{} ({:?})", p.label, p.auths);
        let listed = list_all(app, p).await;
        let listed_set: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
        assert_eq!(
            listed_set.len(),
            listed.len(),
            "{who}: a record was listed twice"
        );
        for id in &listed_set {
            let d = docs
                .iter()
                .find(|d| d.id == *id)
                .expect("listed id is a known document");
            let labels = (d.tlp, d.visibility.as_str());
            assert!(
                readable(p, d),
                "{who} listed a record it may not read: {labels:?}"
            );
        }
        let expected: BTreeSet<&str> = docs
            .iter()
            .filter(|d| readable(p, d))
            .map(|d| d.id.as_str())
            .collect();
        assert_eq!(
            listed_set, expected,
            "{who}: the list is not what can_read allows"
        );
        let ghost = uuid::Uuid::now_v7();
        let (s, missing) = app
            .get(&p.token, &format!("/api/v1/documents/{ghost}"))
            .await;
        assert_eq!(s, 404, "{missing}");
        for d in docs {
            let (s, v) = app
                .get(&p.token, &format!("/api/v1/documents/{}", d.id))
                .await;
            let labels = (&d.id, d.tlp, d.visibility.as_str());
            if readable(p, d) {
                yes += 1;
                assert_eq!(s, 200, "{who} must read {labels:?}: {v}");
                assert_eq!(v["id"], d.id.as_str());
                assert_eq!(
                    (&v["named_readers"], &v["shared_with_orgs"]),
                    (&json!(d.named), &json!(d.shared))
                );
            } else {
                no += 1;
                assert_eq!(s, 404, "{who} must not read {labels:?}: {v}");
                assert_eq!(
                    v, missing,
                    "an unreadable record must look exactly like a missing one"
                );
            }
        }
    }
    (yes, no)
}

/// The anonymous reader of public feeds (`Reader::anonymous`) reads, through
/// the store's filter, exactly the documents `can_read` allows it: CLEAR
/// with an empty visibility expression.
async fn check_anonymous(app: &TestApp, docs: &[Doc]) {
    let reader = clearinghouse::workflows::read_policy::PolicyReader::anonymous(&app.app)
        .await
        .expect("anonymous reader");
    let listed = clearinghouse::store::documents::list_readable(
        &app.app.store.pool,
        &reader.filter(),
        None,
        500,
    )
    .await
    .expect("list");
    let got: BTreeSet<String> = listed.into_iter().map(|d| d.id).collect();
    let expected: BTreeSet<String> = docs
        .iter()
        .filter(|d| {
            let labels = RecordLabels {
                tlp: d.tlp,
                visibility: &d.visibility,
                owner_org: &d.owner_org,
                shared_with_orgs: &d.shared,
                named_readers: &d.named,
            };
            can_read(&Reader::anonymous(), &labels)
        })
        .map(|d| d.id.clone())
        .collect();
    assert!(
        docs.iter()
            .filter(|d| expected.contains(&d.id))
            .all(|d| d.tlp == Tlp::Clear && d.visibility.is_public())
    );
    assert_eq!(
        got, expected,
        "the anonymous reader reads only CLEAR and public"
    );
}

async fn property(db: Db) {
    let seeds = match std::env::var("CHX_LABELS_SEED") {
        Ok(s) => vec![s.parse().expect("CHX_LABELS_SEED is a number")],
        Err(_) => SEEDS.to_vec(),
    };
    for seed in seeds {
        let Some(app) = TestApp::spawn(db).await else {
            return;
        };
        let (principals, docs) = build(&app, generate(seed)).await;
        assert!(principals.len() >= 10);
        let (yes, no) = check(&app, &principals, &docs).await;
        check_anonymous(&app, &docs).await;
        // The generator must exercise both outcomes to mean anything.
        assert!(
            yes > 50 && no > 50,
            "seed {seed}: {yes} readable, {no} hidden pairs"
        );
        let sizes = (principals.len(), docs.len());
        println!("seed {seed}: {sizes:?} principals x documents, {yes} readable, {no} hidden");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_property_sqlite() {
    property(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_property_postgres() {
    property(Db::Postgres).await;
}
