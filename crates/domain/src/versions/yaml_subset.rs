//! Test-only reader for the block-style YAML subset that OSV databases write
//! (pypa/advisory-database, oss-fuzz-vulns): indented mappings, `- ` sequences, plain,
//! single- and double-quoted scalars, `|`/`>` block scalars and multi-line plain
//! scalars. Every scalar stays a string (`1.10` is not a float), which is what version
//! lists need. The domain crate has no YAML dependency; this is enough for the tests.

use serde_json::{Map, Value};

struct Line {
    indent: usize,
    text: String,
}

/// Parses a document into JSON; `None` if the text leaves the supported subset.
pub(crate) fn parse(doc: &str) -> Option<Value> {
    let mut lines: Vec<Line> = doc
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#') && *l != "---")
        .map(|l| {
            let text = l.trim_start_matches(' ');
            Line {
                indent: l.len() - text.len(),
                text: text.trim_end().to_owned(),
            }
        })
        .collect();
    let mut i = 0;
    let value = block(&mut lines, &mut i, 0)?;
    (i == lines.len()).then_some(value)
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

fn block(lines: &mut [Line], i: &mut usize, indent: usize) -> Option<Value> {
    let line = lines.get(*i)?;
    if line.indent != indent {
        return None;
    }
    if is_item(&line.text) {
        sequence(lines, i, indent)
    } else if key_of(&line.text).is_some() {
        mapping(lines, i, indent)
    } else {
        let text = line.text.clone();
        *i += 1;
        Some(scalar(lines, i, indent, &text))
    }
}

fn sequence(lines: &mut [Line], i: &mut usize, indent: usize) -> Option<Value> {
    let mut items = Vec::new();
    while let Some(line) = lines.get(*i) {
        if line.indent != indent || !is_item(&line.text) {
            break;
        }
        let rest = line.text[1..].trim_start().to_owned();
        if rest.is_empty() {
            *i += 1;
            match lines.get(*i) {
                Some(next) if next.indent > indent => {
                    let ind = next.indent;
                    items.push(block(lines, i, ind)?);
                }
                _ => items.push(Value::Null),
            }
        } else {
            // Re-read the item's first line as if it stood alone at its own column.
            let new_indent = indent + (line.text.len() - rest.len());
            lines[*i] = Line {
                indent: new_indent,
                text: rest,
            };
            items.push(block(lines, i, new_indent)?);
        }
    }
    Some(Value::Array(items))
}

/// The key of a `key: value` or `key:` line.
fn key_of(text: &str) -> Option<(&str, &str)> {
    let (key, rest) = match text.find(": ") {
        Some(at) => (&text[..at], &text[at + 2..]),
        None => (text.strip_suffix(':')?, ""),
    };
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '));
    simple.then_some((key, rest.trim()))
}

fn mapping(lines: &mut [Line], i: &mut usize, indent: usize) -> Option<Value> {
    let mut map = Map::new();
    while let Some(line) = lines.get(*i) {
        if line.indent != indent || is_item(&line.text) {
            break;
        }
        let (key, rest) = key_of(&line.text)?;
        let (key, rest) = (key.to_owned(), rest.to_owned());
        *i += 1;
        let value = if rest.is_empty() {
            match lines.get(*i) {
                Some(next)
                    if next.indent > indent || (next.indent == indent && is_item(&next.text)) =>
                {
                    let ind = next.indent;
                    block(lines, i, ind)?
                }
                _ => Value::Null,
            }
        } else {
            scalar(lines, i, indent, &rest)
        };
        map.insert(key, value);
    }
    Some(Value::Object(map))
}

/// A scalar starting with `first`, plus any more-indented continuation lines.
fn scalar(lines: &[Line], i: &mut usize, indent: usize, first: &str) -> Value {
    let mut cont = Vec::new();
    while let Some(line) = lines.get(*i) {
        if line.indent <= indent {
            break;
        }
        cont.push(line.text.as_str());
        *i += 1;
    }
    if first.starts_with('|') || first.starts_with('>') {
        let sep = if first.starts_with('|') { "\n" } else { " " };
        return Value::String(cont.join(sep));
    }
    let mut text = first.to_owned();
    for c in cont {
        text.push(' ');
        text.push_str(c);
    }
    match text.as_str() {
        "[]" => return Value::Array(Vec::new()),
        "{}" => return Value::Object(Map::new()),
        "null" | "~" => return Value::Null,
        _ => {}
    }
    Value::String(unquote(&text))
}

fn unquote(text: &str) -> String {
    if text.len() >= 2 && text.starts_with('\'') && text.ends_with('\'') {
        return text[1..text.len() - 1].replace("''", "'");
    }
    if text.len() >= 2 && text.starts_with('"') && text.ends_with('"') {
        let inner = &text[1..text.len() - 1];
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        }
        return out;
    }
    text.to_owned()
}

#[test]
fn reads_an_osv_affected_block() {
    let doc = "id: X-1\naffected:\n- package:\n    ecosystem: PyPI\n    name: demo\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: \"0\"\n    - fixed: 1.0.2\n  versions:\n  - '0.9'\n  - \"1.10\"\n  - 1.0.1\ndetails: 'a\n  b'\n";
    let v = parse(doc).expect("parses");
    assert_eq!(v["affected"][0]["package"]["ecosystem"], "PyPI");
    assert_eq!(
        v["affected"][0]["ranges"][0]["events"][0]["introduced"],
        "0"
    );
    assert_eq!(v["affected"][0]["ranges"][0]["events"][1]["fixed"], "1.0.2");
    assert_eq!(v["affected"][0]["versions"][1], "1.10");
    assert_eq!(v["details"], "a b");
}
