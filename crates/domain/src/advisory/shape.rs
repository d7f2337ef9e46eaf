//! A small structural checker for the parts of the official JSON schemas we
//! enforce (required fields, types, enumerations, minimum lengths and counts,
//! unique items, id patterns), written as static tables per format
//! (`csaf_schema`, `osv_schema`, `cve5_schema`). Not a JSON Schema engine: the
//! tables are hand-copied from the schemas, patterns are Rust functions, and
//! formats (`date-time`, `uri`) are not checked, as JSON Schema 2020-12 treats
//! them as annotations. The tests compare the result with the `jsonschema`
//! crate on the real files.

use std::collections::HashSet;

use serde_json::Value;

use super::AdvisoryError;

/// The expected shape of a JSON value.
pub(super) enum Shape {
    Any,
    Num,
    Int,
    Str(Str),
    Arr(Arr),
    Obj(Obj),
    /// `null` or the inner shape.
    OrNull(&'static Shape),
}

/// A pattern as a function, and its description for the error.
pub(super) type Pattern = (fn(&str) -> bool, &'static str);

/// A string: minimum length in characters, allowed values, a pattern.
pub(super) struct Str {
    pub min: usize,
    pub one_of: &'static [&'static str],
    /// The pattern as a function, and its description for the error.
    pub pattern: Option<Pattern>,
}

pub(super) struct Arr {
    pub item: &'static Shape,
    pub min: usize,
    pub unique: bool,
}

pub(super) struct Obj {
    pub fields: &'static [(&'static str, &'static Shape)],
    pub required: &'static [&'static str],
    pub min_props: usize,
    /// No properties other than `fields` (`additionalProperties: false`).
    pub closed: bool,
}

/// Any string of at least one character.
pub(super) static TEXT: Shape = Shape::Str(Str {
    min: 1,
    one_of: &[],
    pattern: None,
});
/// Any string.
pub(super) static STRING: Shape = Shape::Str(Str {
    min: 0,
    one_of: &[],
    pattern: None,
});

/// A string that must be one of the listed values (JSON Schema `enum`). Every
/// schema table uses it: `csaf_schema`, `csaf_cvss_schema`, `osv_checks`,
/// `cve5_checks`.
macro_rules! one_of {
    ($($v:literal),+ $(,)?) => {
        $crate::advisory::shape::Shape::Str($crate::advisory::shape::Str {
            min: 0,
            one_of: &[$($v),+],
            pattern: None,
        })
    };
}
pub(super) use one_of;

/// A string of at least one character matching `p`, described as `what` in
/// the error (used by the CSAF, CVSS and CVE JSON 5 tables; OSV's patterns
/// also allow the empty string and have their own).
pub(super) const fn pattern(p: fn(&str) -> bool, what: &'static str) -> Shape {
    Shape::Str(Str {
        min: 1,
        one_of: &[],
        pattern: Some((p, what)),
    })
}

/// An array of at least `min` `item`s, all distinct when `unique` (used by
/// the CSAF and CVE JSON 5 tables).
pub(super) const fn list(item: &'static Shape, min: usize, unique: bool) -> Shape {
    Shape::Arr(Arr { item, min, unique })
}

/// An object with these `fields` (others allowed, none constrained), of which
/// `required` must be present; [`Shape::min_props`] and [`Shape::closed`]
/// narrow it. Every schema table writes its objects with it.
pub(super) const fn obj(
    fields: &'static [(&'static str, &'static Shape)],
    required: &'static [&'static str],
) -> Shape {
    Shape::Obj(Obj {
        fields,
        required,
        min_props: 0,
        closed: false,
    })
}

impl Shape {
    /// This object with at least `n` properties (`minProperties`).
    pub(super) const fn min_props(self, n: usize) -> Shape {
        match self {
            Shape::Obj(o) => Shape::Obj(Obj { min_props: n, ..o }),
            _ => panic!("min_props applies to objects"),
        }
    }

    /// This object with no properties but its fields
    /// (`additionalProperties: false`).
    pub(super) const fn closed(self) -> Shape {
        match self {
            Shape::Obj(o) => Shape::Obj(Obj { closed: true, ..o }),
            _ => panic!("closed applies to objects"),
        }
    }
}

/// Checks `value` against `shape`; the error names the path from `path`.
pub(super) fn check(
    format: &'static str,
    shape: &Shape,
    value: &Value,
    path: &mut String,
) -> Result<(), AdvisoryError> {
    let fail = |path: &str, message: String| {
        Err(AdvisoryError::field_error(
            format,
            if path.is_empty() { "." } else { path },
            format!("does not match the schema: {message}"),
        ))
    };
    match (shape, value) {
        (Shape::OrNull(_), Value::Null) => Ok(()),
        (Shape::OrNull(inner), v) => check(format, inner, v, path),
        (Shape::Any, _) | (Shape::Num, Value::Number(_)) => Ok(()),
        (Shape::Int, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(()),
        (Shape::Int, Value::Number(n)) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => Ok(()),
        (Shape::Str(s), Value::String(v)) => {
            if v.chars().count() < s.min {
                return fail(path, format!("shorter than {} characters", s.min));
            }
            if !s.one_of.is_empty() && !s.one_of.contains(&v.as_str()) {
                return fail(path, format!("{v:?} is not one of {:?}", s.one_of));
            }
            if let Some((matches, what)) = s.pattern
                && !matches(v)
            {
                return fail(path, format!("{v:?} is not {what}"));
            }
            Ok(())
        }
        (Shape::Arr(a), Value::Array(items)) => {
            if items.len() < a.min {
                return fail(path, format!("fewer than {} items", a.min));
            }
            if a.unique && !all_unique(items) {
                return fail(path, "items are not unique".into());
            }
            let len = path.len();
            for (i, item) in items.iter().enumerate() {
                path.push_str(&format!("[{i}]"));
                check(format, a.item, item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        (Shape::Obj(o), Value::Object(map)) => {
            if map.len() < o.min_props {
                return fail(path, format!("fewer than {} properties", o.min_props));
            }
            for r in o.required {
                if !map.contains_key(*r) {
                    let p = join(path, r);
                    return fail(&p, "required".into());
                }
            }
            let len = path.len();
            for (key, v) in map {
                match o.fields.iter().find(|(name, _)| name == key) {
                    Some((_, shape)) => {
                        *path = join(path, key);
                        check(format, shape, v, path)?;
                        path.truncate(len);
                    }
                    // CVE JSON 5 allows `x_` extension properties in its closed objects.
                    None if o.closed && !(format == "CVE JSON 5" && key.starts_with("x_")) => {
                        return fail(&join(path, key), "not an allowed property".into());
                    }
                    None => {}
                }
            }
            Ok(())
        }
        (expected, _) => fail(path, format!("expected {}", kind(expected))),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn kind(shape: &Shape) -> &'static str {
    match shape {
        Shape::Any => "anything",
        Shape::Num => "a number",
        Shape::Int => "an integer",
        Shape::Str(_) => "a string",
        Shape::Arr(_) => "an array",
        Shape::Obj(_) => "an object",
        Shape::OrNull(inner) => kind(inner),
    }
}

fn all_unique(items: &[Value]) -> bool {
    let mut seen = HashSet::with_capacity(items.len());
    items.iter().all(|v| match v {
        Value::String(s) => seen.insert(format!("s{s}")),
        other => seen.insert(format!("j{other}")),
    })
}

/// `^CVE-[0-9]{4}-[0-9]{4,}$`
pub(super) fn is_cve_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, num)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && num.len() >= 4
        && num.bytes().all(|b| b.is_ascii_digit())
}

/// `^CWE-[1-9]\d{0,5}$`
pub(super) fn is_cwe_id(s: &str) -> bool {
    s.strip_prefix("CWE-").is_some_and(|d| {
        (1..=6).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
}

/// No leading or trailing white space and not empty (`^[\S](.*[\S])?$`).
pub(super) fn is_trimmed(s: &str) -> bool {
    !s.is_empty() && s.trim() == s && !s.contains(['\n', '\r'])
}

#[cfg(test)]
mod tests {
    use super::*;

    static LIST: Shape = Shape::Arr(Arr {
        item: &TEXT,
        min: 1,
        unique: true,
    });
    static THING: Shape = Shape::Obj(Obj {
        fields: &[("names", &LIST), ("n", &Shape::Int)],
        required: &["names"],
        min_props: 1,
        closed: true,
    });

    fn err(v: Value) -> String {
        check("T", &THING, &v, &mut String::new())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn shape_errors_name_the_path() {
        assert_eq!(err(serde_json::json!({"names": ["a"], "n": 1})), "");
        assert_eq!(
            err(serde_json::json!({"n": 1})),
            "T: names: does not match the schema: required"
        );
        assert!(err(serde_json::json!({"names": ["a", ""]})).starts_with("T: names[1]:"));
        assert!(err(serde_json::json!({"names": ["a", "a"]})).contains("not unique"));
        assert!(err(serde_json::json!({"names": ["a"], "x": 1})).starts_with("T: x:"));
        assert!(err(serde_json::json!({"names": ["a"], "n": 1.5})).contains("integer"));
    }

    #[test]
    fn shape_patterns() {
        assert!(
            is_cve_id("CVE-2021-44228") && !is_cve_id("CVE-21-1") && !is_cve_id("cve-2021-1234")
        );
        assert!(is_cwe_id("CWE-79") && !is_cwe_id("CWE-079") && !is_cwe_id("CWE-1234567"));
        assert!(is_trimmed("a b") && !is_trimmed(" a") && !is_trimmed(""));
    }
}
