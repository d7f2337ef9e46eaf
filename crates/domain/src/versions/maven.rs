//! Maven version ordering: a port of `org.apache.maven.artifact.versioning.ComparableVersion`
//! as on Apache Maven's main branch (MNG-5568, MNG-6964, MNG-7644, MNG-7714 and
//! "combination" items such as `rc1`), the algorithm behind the Maven version order
//! specification. Only ASCII digits count as digits.
//!
//! Hand-written: no maintained Rust crate implements `ComparableVersion`.
//!
//! A version is lowercased and split into items at `.`, `-` and digit/letter
//! transitions; `-` and transitions open a nested list; a qualifier directly followed by
//! a number (`rc1`, `rc-1`) is one combination item. Numbers compare numerically,
//! qualifiers by the known order `alpha < beta < milestone < rc = cr < snapshot <
//! "" = ga = final = release < sp` and then lexically, and "null" items (`0`, empty
//! lists) are dropped where Maven's `normalize` drops them. Every string has an
//! ordering, so this never fails. One deviation: a release qualifier followed by a
//! number (`ga1`, `final2`) sorts after a plain release, where Maven says `1 == 1-ga1`
//! although `1 == 1-ga` and `1-ga < 1-ga1`.
//!
//! Maven's algorithm is itself not transitive on some degenerate strings, and this port
//! keeps Maven's answers there: `1rc < 1 < 1.sp.0` yet `1rc > 1.sp.0` (a list outranks a
//! qualifier), and `0.ga = 0 > 0-0-snapshot` yet `0.ga < 0ga0 < 0-0-snapshot`. Real
//! release strings (`1.2.3`, `-rc1`, `-SNAPSHOT`, `.Final`, `.RELEASE`, `.v20230217`,
//! `-M1`, `-sp1`) order consistently; the property tests cover that shape.

use std::cmp::Ordering;

use super::cmp_digits;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    /// Digits without leading zeros ("" is zero).
    Int(String),
    /// A qualifier after alias resolution.
    Str(String),
    /// A qualifier immediately followed by a number.
    Combination(String, String),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE_INDEX: usize = 5;

/// Orders two Maven versions.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (pa, pb) = (parse(a), parse(b));
    cmp_list(&pa, &pb)
}

fn qualifier(value: &str, followed_by_digit: bool) -> String {
    let value = match value {
        "a" if followed_by_digit => "alpha",
        "b" if followed_by_digit => "beta",
        "m" if followed_by_digit => "milestone",
        "cr" => "rc",
        other => other,
    };
    value.to_owned()
}

fn parse_item(is_combination: bool, is_digit: bool, buf: &str) -> Item {
    if is_combination {
        let buf = buf.replace('-', "");
        let at = buf.find(|c: char| c.is_ascii_digit()).unwrap_or(0);
        let (word, digits) = buf.split_at(at);
        let digits = digits.trim_start_matches('0');
        let digits = if digits.bytes().all(|c| c.is_ascii_digit()) {
            digits
        } else {
            ""
        };
        Item::Combination(qualifier(word, true), digits.to_owned())
    } else if is_digit {
        Item::Int(buf.trim_start_matches('0').to_owned())
    } else {
        Item::Str(qualifier(buf, false))
    }
}

/// Builds the item tree. Lists live in an arena while parsing (the Java code holds
/// references to nested lists); a `Slot::Child` records where each nested list sits.
fn parse(version: &str) -> Vec<Item> {
    let version = version.to_lowercase();
    let bytes = version.as_bytes();
    let mut lists: Vec<Vec<Slot>> = vec![Vec::new()];
    let mut current = 0usize;
    let (mut is_digit, mut is_combination, mut start) = (false, false, 0usize);

    let open = |lists: &mut Vec<Vec<Slot>>, current: &mut usize| {
        let idx = lists.len();
        lists.push(Vec::new());
        lists[*current].push(Slot::Child(idx));
        *current = idx;
    };

    for (i, c) in version.char_indices() {
        if c == '.' {
            let item = if i == start {
                Item::Int(String::new())
            } else {
                parse_item(is_combination, is_digit, &version[start..i])
            };
            lists[current].push(Slot::Item(item));
            is_combination = false;
            start = i + 1;
        } else if c == '-' {
            if i == start {
                lists[current].push(Slot::Item(Item::Int(String::new())));
            } else {
                // X-1 is read as X1.
                if !is_digit && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    is_combination = true;
                    continue;
                }
                let item = parse_item(is_combination, is_digit, &version[start..i]);
                lists[current].push(Slot::Item(item));
            }
            start = i + 1;
            if !lists[current].is_empty() {
                open(&mut lists, &mut current);
            }
            is_combination = false;
        } else if c.is_ascii_digit() {
            if !is_digit && i > start {
                is_combination = true;
                if !lists[current].is_empty() {
                    open(&mut lists, &mut current);
                }
            }
            is_digit = true;
        } else {
            if is_digit && i > start {
                let item = parse_item(is_combination, true, &version[start..i]);
                lists[current].push(Slot::Item(item));
                start = i;
                open(&mut lists, &mut current);
                is_combination = false;
            }
            is_digit = false;
        }
    }
    if version.len() > start {
        // 1.0.0.X1 < 1.0.0-X2: treat .X as -X for any string qualifier X.
        if !is_digit && !lists[current].is_empty() {
            open(&mut lists, &mut current);
        }
        let item = parse_item(is_combination, is_digit, &version[start..]);
        lists[current].push(Slot::Item(item));
    }
    // Children are always created after their parents, so assembling from the last list
    // backwards normalises each nested list before its parent, as Java's stack pop does.
    let mut built: Vec<Option<Vec<Item>>> = vec![None; lists.len()];
    for idx in (0..lists.len()).rev() {
        let slots = std::mem::take(&mut lists[idx]);
        let mut items: Vec<Item> = slots
            .into_iter()
            .map(|slot| match slot {
                Slot::Item(item) => item,
                Slot::Child(child) => Item::List(built[child].take().unwrap_or_default()),
            })
            .collect();
        normalize(&mut items);
        built[idx] = Some(items);
    }
    built[0].take().unwrap_or_default()
}

enum Slot {
    Item(Item),
    Child(usize),
}

fn is_null(item: &Item) -> bool {
    match item {
        Item::Int(d) => d.is_empty(),
        Item::Str(s) => s.is_empty(),
        Item::Combination(..) => false,
        Item::List(l) => l.is_empty(),
    }
}

/// Drops a null item when it is last, or followed by a qualifier, or by a list that
/// starts with a qualifier.
fn normalize(items: &mut Vec<Item>) {
    let mut i = items.len();
    while i > 0 {
        i -= 1;
        if !is_null(&items[i]) {
            continue;
        }
        let drop = match items.get(i + 1) {
            None | Some(Item::Str(_)) => true,
            Some(Item::List(l)) => matches!(l.first(), Some(Item::Str(_) | Item::Combination(..))),
            Some(_) => false,
        };
        if drop {
            items.remove(i);
        }
    }
}

/// `comparableQualifier`: known qualifiers by index, unknown ones after them, lexically.
fn qualifier_key(q: &str) -> (usize, &str) {
    if matches!(q, "ga" | "final" | "release") {
        return (RELEASE_INDEX, "");
    }
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => (i, ""),
        None => (QUALIFIERS.len(), q),
    }
}

fn cmp_str(s: &str, other: Option<&Item>) -> Ordering {
    match other {
        None => qualifier_key(s).cmp(&(RELEASE_INDEX, "")),
        Some(Item::Int(_) | Item::List(_)) => Ordering::Less,
        Some(Item::Str(t)) => qualifier_key(s).cmp(&qualifier_key(t)),
        Some(Item::Combination(t, _)) => match qualifier_key(s).cmp(&qualifier_key(t)) {
            Ordering::Equal => Ordering::Less,
            o => o,
        },
    }
}

/// `item.compareTo(other)` where `None` is Java's `null` (a missing item).
fn cmp_item(item: &Item, other: Option<&Item>) -> Ordering {
    match (item, other) {
        (Item::Int(d), None) => {
            if d.is_empty() {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
        (Item::Int(x), Some(Item::Int(y))) => cmp_digits(x, y),
        (Item::Int(_), Some(_)) => Ordering::Greater,
        (Item::Str(s), other) => cmp_str(s, other),
        // Maven compares only the qualifier with a missing item, so `1 == 1-ga == 1-ga1`
        // while `1-ga < 1-ga1`: not transitive. A release qualifier followed by a number
        // is therefore placed after the release here (`1 < 1-ga1`), the one deviation.
        (Item::Combination(s, _), None) => match cmp_str(s, None) {
            Ordering::Equal => Ordering::Greater,
            o => o,
        },
        (Item::Combination(..), Some(Item::Int(_) | Item::List(_))) => Ordering::Less,
        (Item::Combination(s, _), Some(Item::Str(t))) => {
            match qualifier_key(s).cmp(&qualifier_key(t)) {
                Ordering::Equal => Ordering::Greater,
                o => o,
            }
        }
        (Item::Combination(s, d), Some(Item::Combination(t, e))) => qualifier_key(s)
            .cmp(&qualifier_key(t))
            .then_with(|| cmp_digits(d, e)),
        (Item::List(l), None) => {
            // MNG-6964: compare the whole list with null, not just its first item.
            for i in l {
                let r = cmp_item(i, None);
                if r != Ordering::Equal {
                    return r;
                }
            }
            Ordering::Equal
        }
        (Item::List(_), Some(Item::Int(_))) => Ordering::Less,
        (Item::List(_), Some(Item::Str(_) | Item::Combination(..))) => Ordering::Greater,
        (Item::List(l), Some(Item::List(r))) => cmp_list(l, r),
    }
}

fn cmp_list(left: &[Item], right: &[Item]) -> Ordering {
    let n = left.len().max(right.len());
    for i in 0..n {
        let r = match (left.get(i), right.get(i)) {
            (Some(l), r) => cmp_item(l, r),
            (None, Some(r)) => cmp_item(r, None).reverse(),
            (None, None) => Ordering::Equal,
        };
        if r != Ordering::Equal {
            return r;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_matches_comparable_version_canonical_forms() {
        let v = parse("1.0-alpha1");
        assert_eq!(
            v,
            vec![
                Item::Int("1".into()),
                Item::List(vec![Item::Combination("alpha".into(), "1".into())])
            ]
        );
        assert!(parse("1.0.0").len() == 1);
        assert!(parse("").is_empty());
    }
}
