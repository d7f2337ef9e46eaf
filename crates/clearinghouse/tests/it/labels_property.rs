//! Authorization property: for random orgs, users, agents and labelled documents, the API lets each principal list and read exactly what `labels::can_read` allows, and hides the rest as 404.

use std::collections::BTreeSet;

use clearinghouse_domain::labels::{Authorizations, Reader, RecordLabels, Tlp, Visibility, can_read};
use proptest::prelude::*;
use proptest::sample::{Index, select, subsequence};
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};

use crate::harness::{Db, TestApp};

/// The authorization alphabet users and agents draw from.
const AUTHS: [&str; 4] = ["A", "B", "C", "D"];
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
            Tree::Term(t, quoted) if *quoted => return format!("\"{t}\""),
            Tree::Term(t, _) => return (*t).to_owned(),
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
        parts.join(&if spaced { format!(" {op} ") } else { op.to_owned() })
    }
}

fn tree() -> impl Strategy<Value = Tree> {
    // "q t" needs quoting and can never be granted, so it only passes under `|`.
    (select(vec!["A", "B", "C", "D", "A", "B", "q t"]), any::<bool>())
        .prop_map(|(t, q)| Tree::Term(t, q || t.contains(' ')))
        .prop_recursive(4, 16, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(Tree::And),
                prop::collection::vec(inner.clone(), 2..4).prop_map(Tree::Or),
                inner.prop_map(|t| Tree::Paren(Box::new(t))),
            ]
        })
}

#[derive(Clone, Debug)]
struct DocSpec {
    creator: Index,
    tlp: &'static str,
    visibility: Option<Tree>,
    spaced: bool,
    shared: Vec<Index>,
    named: Vec<Index>,
}

#[derive(Clone, Debug)]
struct Scenario {
    orgs: usize,
    /// (org index, authorizations) per user.
    users: Vec<(Index, Vec<&'static str>)>,
    /// (user, authorizations the agent asks for, kept only if the user holds them).
    agents: Vec<(Index, Vec<&'static str>)>,
    /// Users who lose their first authorization after the agents are made.
    removals: Vec<Index>,
    docs: Vec<DocSpec>,
}

fn auth_set() -> impl Strategy<Value = Vec<&'static str>> {
    subsequence(AUTHS.to_vec(), 0..=AUTHS.len())
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let tlp = select(vec!["CLEAR", "green", "AMBER", "tlp:amber", "AMBER+STRICT", "RED", "TLP:RED"]);
    let vis = prop_oneof![1 => Just(None), 4 => tree().prop_map(Some)];
    let doc = (any::<Index>(), tlp, vis, any::<bool>(), prop::collection::vec(any::<Index>(), 0..3), prop::collection::vec(any::<Index>(), 0..3))
        .prop_map(|(creator, tlp, visibility, spaced, shared, named)| DocSpec { creator, tlp, visibility, spaced, shared, named });
    (
        2usize..=4,
        prop::collection::vec((any::<Index>(), auth_set()), 7..=9),
        prop::collection::vec((any::<Index>(), auth_set()), 3..=4),
        prop::collection::vec(any::<Index>(), 1..=2),
        prop::collection::vec(doc, 48..=54),
    )
        .prop_map(|(orgs, users, agents, removals, docs)| Scenario { orgs, users, agents, removals, docs })
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

fn generate(seed: u64) -> Scenario {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));
    scenario().new_tree(&mut runner).expect("generate scenario").current()
}

async fn user_auths(app: &TestApp, user_id: &str) -> Authorizations {
    let (s, v) = app.get(&app.admin_token, &format!("/api/v1/users/{user_id}")).await;
    assert_eq!(s, 200, "{v}");
    let list: Vec<String> = serde_json::from_value(v["authorizations"].clone()).expect("authorizations");
    Authorizations::new(list)
}

/// Builds the scenario through the API; returns principals and documents.
async fn build(app: &TestApp, sc: &Scenario) -> (Vec<Principal>, Vec<Doc>) {
    let (_, me) = app.get(&app.admin_token, "/api/v1/me").await;
    let admin_org = me["user"]["org_id"].as_str().expect("admin org").to_owned();
    let admin_id = me["user"]["id"].as_str().expect("admin id").to_owned();
    let mut orgs = vec![admin_org.clone()];
    for i in 0..sc.orgs {
        orgs.push(app.org(&format!("Org {i}"), "researcher").await);
    }
    let mut users = Vec::new();
    for (i, (org, granted)) in sc.users.iter().enumerate() {
        let org_id = orgs[1 + org.index(sc.orgs)].clone();
        let (id, token) = app.user(&org_id, &format!("user{i}"), &["member"]).await;
        if !granted.is_empty() {
            app.grant(&id, granted).await;
        }
        let auths = user_auths(app, &id).await;
        assert_eq!(auths, Authorizations::new(granted.iter().copied()), "grant went through");
        users.push(Principal { label: format!("user{i}"), token, user_id: id, org_id, auths });
    }
    let mut docs = Vec::new();
    for (n, d) in sc.docs.iter().enumerate() {
        let text = match &d.visibility {
            Some(t) => t.render(d.spaced),
            None if d.spaced => "  ".to_owned(),
            None => String::new(),
        };
        let visibility = Visibility::parse(&text).unwrap_or_else(|e| panic!("generated {text:?}: {e}"));
        // The first user from the chosen one on who may apply the label.
        let start = d.creator.index(users.len());
        let Some(creator) = (0..users.len()).map(|k| &users[(start + k) % users.len()]).find(|u| visibility.evaluate(&u.auths)) else {
            continue;
        };
        let shared: Vec<String> = d.shared.iter().map(|i| orgs[i.index(orgs.len())].clone()).collect::<BTreeSet<_>>().into_iter().collect();
        let named: Vec<String> = d.named.iter().map(|i| users[i.index(users.len())].user_id.clone()).collect::<BTreeSet<_>>().into_iter().collect();
        let body = json!({"title": format!("doc {n}"), "tlp": d.tlp, "visibility": text, "shared_with_orgs": shared, "named_readers": named});
        let (s, v) = app.post(&creator.token, "/api/v1/documents", &body).await;
        assert_eq!(s, 201, "{} creating {body}: {v}", creator.label);
        assert_eq!(v["owner_org"], creator.org_id.as_str());
        assert_eq!(v["visibility"], visibility.as_str(), "stored canonical form of {text:?}");
        let tlp: Tlp = d.tlp.parse().expect("tlp");
        assert_eq!(v["tlp"], tlp.as_str());
        docs.push(Doc { id: v["id"].as_str().expect("id").to_owned(), tlp, visibility, owner_org: creator.org_id.clone(), shared, named });
    }
    assert!(docs.len() >= 40, "only {} documents could be created", docs.len());
    // Agents: a scope-limited token asking for a subset of its user's terms.
    let mut agents = Vec::new();
    for (i, (user, wanted)) in sc.agents.iter().enumerate() {
        let owner = &users[user.index(users.len())];
        let requested: Vec<&str> = wanted.iter().copied().filter(|a| owner.auths.contains(a)).collect();
        let body = json!({"name": format!("agent{i}"), "kind": "agent", "scopes": ["documents:read"], "authorizations": requested, "expires_in_days": 1, "rate_limit_per_minute": 100000});
        let (s, v) = app.post(&owner.token, "/api/v1/tokens", &body).await;
        assert_eq!(s, 201, "{v}");
        let token = v["token"].as_str().expect("token").to_owned();
        agents.push((owner.user_id.clone(), token, Authorizations::new(requested), format!("agent{i} of {}", owner.label)));
    }
    // Some users lose a term after their agents were made: an agent's
    // effective authorizations are then the intersection.
    for r in &sc.removals {
        let u = r.index(users.len());
        let Some(term) = users[u].auths.iter().next().map(str::to_owned) else { continue };
        let (s, v) = app.post(&app.admin_token, &format!("/api/v1/users/{}/authorizations/remove", users[u].user_id), &json!({"remove": [term]})).await;
        assert_eq!(s, 200, "{v}");
        users[u].auths = user_auths(app, &users[u].user_id).await;
        assert!(!users[u].auths.contains(&term));
    }
    let mut principals = Vec::new();
    for (user_id, token, requested, label) in agents {
        let owner = users.iter().find(|u| u.user_id == user_id).expect("owner");
        let auths = requested.intersect(&owner.auths);
        principals.push(Principal { label, token, user_id, org_id: owner.org_id.clone(), auths });
    }
    principals.extend(users);
    principals.push(Principal { label: "admin".into(), token: app.admin_token.clone(), user_id: admin_id, org_id: admin_org, auths: Authorizations::default() });
    (principals, docs)
}

fn readable(p: &Principal, d: &Doc) -> bool {
    let reader = Reader { principal_id: &p.user_id, org_id: &p.org_id, authorizations: &p.auths };
    let record = RecordLabels { tlp: d.tlp, visibility: &d.visibility, owner_org: &d.owner_org, shared_with_orgs: &d.shared, named_readers: &d.named };
    can_read(&reader, &record)
}

/// Every id the principal gets by paging through the list, three at a time.
async fn list_all(app: &TestApp, p: &Principal) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/documents?limit=3&cursor={c}"),
            None => "/api/v1/documents?limit=3".to_owned(),
        };
        let (s, v) = app.get(&p.token, &path).await;
        assert_eq!(s, 200, "{}: {v}", p.label);
        let items = v["items"].as_array().expect("items");
        assert!(items.len() <= 3, "{}: page larger than the limit", p.label);
        ids.extend(items.iter().map(|d| d["id"].as_str().expect("id").to_owned()));
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return ids,
        }
    }
    panic!("{}: the cursor never ended", p.label);
}

async fn check(app: &TestApp, principals: &[Principal], docs: &[Doc]) -> (usize, usize) {
    let (mut yes, mut no) = (0, 0);
    for p in principals {
        let expected: BTreeSet<&str> = docs.iter().filter(|d| readable(p, d)).map(|d| d.id.as_str()).collect();
        let listed = list_all(app, p).await;
        let listed_set: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
        assert_eq!(listed_set.len(), listed.len(), "{}: a record was listed twice", p.label);
        for id in &listed_set {
            let d = docs.iter().find(|d| d.id == *id).expect("listed id is a known document");
            assert!(readable(p, d), "{} ({:?}) listed unreadable {:?} {:?}", p.label, p.auths, d.tlp, d.visibility.as_str());
        }
        assert_eq!(listed_set, expected, "{} ({:?}): listed set differs from can_read", p.label, p.auths);
        let ghost = uuid::Uuid::now_v7().to_string();
        let (s, missing) = app.get(&p.token, &format!("/api/v1/documents/{ghost}")).await;
        assert_eq!(s, 404, "{missing}");
        for d in docs {
            let (s, v) = app.get(&p.token, &format!("/api/v1/documents/{}", d.id)).await;
            if readable(p, d) {
                yes += 1;
                assert_eq!(s, 200, "{} must read {} ({:?} {:?}): {v}", p.label, d.id, d.tlp, d.visibility.as_str());
                assert_eq!(v["id"], d.id.as_str());
                assert_eq!(v["named_readers"], json!(d.named));
                assert_eq!(v["shared_with_orgs"], json!(d.shared));
            } else {
                no += 1;
                assert_eq!(s, 404, "{} must not read {} ({:?} {:?}): {v}", p.label, d.id, d.tlp, d.visibility.as_str());
                assert_eq!(v, missing, "an unreadable record must look exactly like a missing one");
            }
        }
    }
    (yes, no)
}

async fn property(db: Db) {
    let seeds: Vec<u64> = match std::env::var("CHX_LABELS_SEED") {
        Ok(s) => vec![s.parse().expect("CHX_LABELS_SEED is a number")],
        Err(_) => SEEDS.to_vec(),
    };
    for seed in seeds {
        let Some(app) = TestApp::spawn(db).await else { return };
        let sc = generate(seed);
        let (principals, docs) = build(&app, &sc).await;
        assert!(principals.len() >= 10);
        let (yes, no) = check(&app, &principals, &docs).await;
        // The generator must exercise both outcomes to mean anything.
        assert!(yes > 50 && no > 50, "seed {seed}: {yes} readable and {no} hidden pairs");
        println!("seed {seed}: {} principals x {} documents, {yes} readable, {no} hidden", principals.len(), docs.len());
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

#[test]
fn generated_expressions_parse_and_agree_with_the_tree() {
    // Guards the generator itself: every rendering parses, and the parsed
    // expression evaluates like the generated tree.
    fn eval(t: &Tree, a: &Authorizations) -> bool {
        match t {
            Tree::Term(x, _) => a.contains(x),
            Tree::And(c) => c.iter().all(|c| eval(c, a)),
            Tree::Or(c) => c.iter().any(|c| eval(c, a)),
            Tree::Paren(i) => eval(i, a),
        }
    }
    let mut runner = TestRunner::deterministic();
    for _ in 0..300 {
        let t = tree().new_tree(&mut runner).expect("tree").current();
        for spaced in [false, true] {
            let text = t.render(spaced);
            let v = Visibility::parse(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            for set in [vec![], vec!["A"], vec!["A", "B"], vec!["C", "D"], AUTHS.to_vec()] {
                let a = Authorizations::new(set);
                assert_eq!(v.evaluate(&a), eval(&t, &a), "{text:?} with {a:?}");
            }
        }
    }
}
