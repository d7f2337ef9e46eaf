//! Property tests for the labels module: parser round trips, parser robustness and
//! the read policy's invariants.

use proptest::prelude::*;
use proptest::sample::{select, subsequence};

use super::{Authorizations, Reader, RecordLabels, Tlp, Visibility, can_read, tlp_allows};

/// Terms used by generated expressions and authorization sets, including ones
/// that need quoting and escaping.
const TERMS: [&str; 10] = [
    "A",
    "B",
    "C",
    "D",
    "x:y",
    "a.b/c-d_e",
    "quoted term",
    "q\"t",
    "b\\s",
    "é (x)",
];

/// An expression tree generated independently of the parser's own types.
#[derive(Clone, Debug)]
enum Tree {
    Term(&'static str),
    And(Vec<Tree>),
    Or(Vec<Tree>),
}

impl Tree {
    fn eval(&self, auths: &Authorizations) -> bool {
        match self {
            Tree::Term(t) => auths.contains(t),
            Tree::And(children) => children.iter().all(|c| c.eval(auths)),
            Tree::Or(children) => children.iter().any(|c| c.eval(auths)),
        }
    }

    /// Renders with every compound child parenthesised; `spaced` adds whitespace
    /// around tokens and `quote_all` quotes even plain terms.
    fn render(&self, spaced: bool, quote_all: bool) -> String {
        let (children, op) = match self {
            Tree::Term(t) => {
                let plain = t
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-:./".contains(&b));
                return if plain && !quote_all {
                    (*t).to_owned()
                } else {
                    format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\""))
                };
            }
            Tree::And(children) => (children, "&"),
            Tree::Or(children) => (children, "|"),
        };
        let sep = if spaced {
            format!(" {op} ")
        } else {
            op.to_owned()
        };
        let parts: Vec<String> = children
            .iter()
            .map(|c| match c {
                Tree::Term(_) => c.render(spaced, quote_all),
                _ if spaced => format!("( {} )", c.render(spaced, quote_all)),
                _ => format!("({})", c.render(spaced, quote_all)),
            })
            .collect();
        parts.join(&sep)
    }
}

fn tree() -> impl Strategy<Value = Tree> {
    select(TERMS.to_vec())
        .prop_map(Tree::Term)
        .prop_recursive(5, 48, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..5).prop_map(Tree::And),
                prop::collection::vec(inner, 2..5).prop_map(Tree::Or),
            ]
        })
}

fn auths() -> impl Strategy<Value = Authorizations> {
    subsequence(TERMS.to_vec(), 0..=TERMS.len()).prop_map(Authorizations::new)
}

/// A visibility: public a tenth of the time, otherwise a generated expression.
fn visibility() -> impl Strategy<Value = Visibility> {
    prop_oneof![
        1 => Just(Visibility::public()),
        9 => tree().prop_map(|t| {
            Visibility::parse(&t.render(false, false)).unwrap_or_else(|e| panic!("{t:?}: {e}"))
        }),
    ]
}

/// Strings over the characters the parser cares about, to reach deep error paths.
fn grammar_soup() -> impl Strategy<Value = String> {
    let chars = vec![
        'A', 'b', '_', '&', '|', '(', ')', '"', '\\', ' ', 'é', '!', '\t',
    ];
    prop::collection::vec(select(chars), 0..48).prop_map(|cs| cs.into_iter().collect())
}

fn check_parse_total(input: &str) -> Result<(), TestCaseError> {
    match Visibility::parse(input) {
        Ok(v) => {
            let again = Visibility::parse(v.as_str());
            prop_assert_eq!(again.as_ref(), Ok(&v), "canonical form of {:?}", input);
        }
        Err(e) => prop_assert!(e.position <= input.len(), "{:?}: {}", input, e),
    }
    Ok(())
}

proptest! {
    #[test]
    fn rendered_trees_parse_and_evaluate_like_the_tree(
        t in tree(),
        spaced in any::<bool>(),
        quote_all in any::<bool>(),
        sets in prop::collection::vec(auths(), 1..8),
    ) {
        let text = t.render(spaced, quote_all);
        let v = Visibility::parse(&text);
        prop_assert!(v.is_ok(), "{:?}: {:?}", text, v);
        let v = v.unwrap_or_default();
        prop_assert!(!v.is_public());
        let canonical = Visibility::parse(v.as_str());
        prop_assert_eq!(canonical.as_ref(), Ok(&v));
        for set in &sets {
            prop_assert_eq!(v.evaluate(set), t.eval(set), "{:?} with {:?}", text, set);
        }
        let all = Authorizations::new(TERMS);
        prop_assert!(v.terms().iter().all(|term| all.contains(term)));
    }

    #[test]
    fn parser_never_panics_on_arbitrary_strings(s in any::<String>()) {
        check_parse_total(&s)?;
    }

    #[test]
    fn parser_never_panics_on_grammar_soup(s in grammar_soup()) {
        check_parse_total(&s)?;
    }

    #[test]
    fn policy_invariants(
        tlp in select(Tlp::ALL.to_vec()),
        vis in visibility(),
        owner in select(vec!["o1", "o2", "o3"]),
        shared in subsequence(vec!["o1", "o2", "o3"], 0..=3),
        named in subsequence(vec!["p1", "p2", "p3"], 0..=3),
        principal in select(vec!["p1", "p2", "p3", ""]),
        org in select(vec!["o1", "o2", "o3", ""]),
        a in auths(),
        b in auths(),
    ) {
        let shared: Vec<String> = shared.into_iter().map(str::to_owned).collect();
        let named: Vec<String> = named.into_iter().map(str::to_owned).collect();
        let record = RecordLabels {
            tlp,
            visibility: &vis,
            owner_org: owner,
            shared_with_orgs: &shared,
            named_readers: &named,
        };
        let reader = Reader { principal_id: principal, org_id: org, authorizations: &a };
        let readable = can_read(&reader, &record);

        prop_assert_eq!(readable, tlp_allows(&reader, &record) && vis.evaluate(&a));
        if readable {
            prop_assert!(vis.evaluate(&a));
            prop_assert!(tlp_allows(&reader, &record));
        }
        if tlp == Tlp::Red && !named.iter().any(|n| n == principal) {
            prop_assert!(!readable, "RED readable by non-named reader");
        }

        // Fewer authorizations never make a record readable.
        let both = a.intersect(&b);
        let narrowed = Reader { authorizations: &both, ..reader };
        if can_read(&narrowed, &record) {
            prop_assert!(readable);
            let with_b = Reader { authorizations: &b, ..reader };
            prop_assert!(can_read(&with_b, &record));
        }

        // A stricter marking never admits someone a laxer one refuses.
        for stricter in Tlp::ALL.into_iter().filter(|t| *t > tlp) {
            if tlp_allows(&reader, &RecordLabels { tlp: stricter, ..record }) {
                prop_assert!(tlp_allows(&reader, &record), "{} admits but {} refuses", stricter, tlp);
            }
        }
    }
}
