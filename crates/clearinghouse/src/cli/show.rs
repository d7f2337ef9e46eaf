//! How the client commands print a JSON answer as text: one field, a list.

use serde_json::Value;

use crate::cli::client::print_json;

/// The field `key` of `v` as text: a string as it is, a missing field or
/// `null` as `-`, anything else as its JSON. Used by the `print_*`
/// functions of the `case`, `campaign`, `directive`, `inquiry`, `model`,
/// `partner`, `tools` and `window` commands.
pub fn text(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

/// Prints a list answer (`list`, a JSON array): as JSON with `json`, else
/// `none` on stderr when it is empty and `print_item` for each element.
/// Used by the list verbs of the `directive`, `partner`, `tools` and
/// `window` commands.
pub fn print_list(list: &Value, json: bool, none: &str, mut print_item: impl FnMut(&Value)) {
    if json {
        print_json(list);
        return;
    }
    let items = list.as_array().cloned().unwrap_or_default();
    if items.is_empty() {
        eprintln!("{none}");
    }
    for item in &items {
        print_item(item);
    }
}
