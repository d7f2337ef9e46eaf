//! Many rows as one value: rows aggregated into one JSON array of objects
//! by the database itself (SQLite's `json_group_array`, PostgreSQL's
//! `json_agg`), read back with serde.
//!
//! For the hot reads (the exposure list, a finding with its sightings,
//! near-duplicates and history): sqlx's `Any` driver copies every value of
//! every row twice (the driver's value, then `AnyValue`) and the SQLite
//! driver sends each row across from its worker thread, which cost a
//! 50-row page more than the query itself. One text value crosses once.
//! The objects are keyed by column name, so a reader's `Deserialize`
//! struct names what it takes; numbers stay numbers and NULL stays `null`
//! on both backends (flags are INTEGER columns on both).

use super::Backend;

/// `SELECT <array of object> <from>`: one row, one TEXT column, the JSON
/// array of `object` (see [`object`]) over the rows `from` (a FROM clause
/// with its WHERE, which may name an outer query's columns) gives, in
/// `order` (an aggregate keeps no order by itself); `[]` when none.
pub(crate) fn array(backend: Backend, object: &str, order: &str, from: &str) -> String {
    match backend {
        Backend::Sqlite => format!("SELECT json_group_array({object} ORDER BY {order}) {from}"),
        Backend::Postgres => format!(
            "SELECT COALESCE(CAST(json_agg({object} ORDER BY {order}) AS TEXT), '[]') {from}"
        ),
    }
}

/// A JSON object of `(name, SQL expression)` fields.
pub(crate) fn object(backend: Backend, fields: &[(&str, &str)]) -> String {
    let pairs: Vec<String> = fields.iter().map(|(n, e)| format!("'{n}', {e}")).collect();
    let function = match backend {
        Backend::Sqlite => "json_object",
        Backend::Postgres => "json_build_object",
    };
    format!("{function}({})", pairs.join(", "))
}

/// The rows of the statement `select` (whose output columns are `names`)
/// as one JSON array of arrays, each row's values in `names` order (half
/// the text of objects keyed by name; serde reads a struct from an array
/// field by field, so the reader's fields must be in that order), sorted
/// by `order` (over those names).
pub(crate) fn rows_of(backend: Backend, names: &[&str], order: &str, select: &str) -> String {
    let columns: Vec<String> = names.iter().map(|n| format!("p.{n}")).collect();
    let function = match backend {
        Backend::Sqlite => "json_array",
        Backend::Postgres => "json_build_array",
    };
    array(
        backend,
        &format!("{function}({})", columns.join(", ")),
        order,
        &format!("FROM ({select}) p"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_in_both_dialects() {
        let fields = [("id", "s.id"), ("at", "s.at")];
        assert_eq!(
            object(Backend::Sqlite, &fields),
            "json_object('id', s.id, 'at', s.at)"
        );
        assert_eq!(
            object(Backend::Postgres, &fields),
            "json_build_object('id', s.id, 'at', s.at)"
        );
    }

    #[test]
    fn rows_in_both_dialects() {
        let select = "SELECT id, rank FROM t";
        assert_eq!(
            rows_of(Backend::Sqlite, &["id", "rank"], "rank DESC, id", select),
            "SELECT json_group_array(json_array(p.id, p.rank) ORDER BY rank DESC, id) \
             FROM (SELECT id, rank FROM t) p"
        );
        assert_eq!(
            rows_of(Backend::Postgres, &["id"], "id", select),
            "SELECT COALESCE(CAST(json_agg(json_build_array(p.id) ORDER BY id) AS TEXT), '[]') \
             FROM (SELECT id, rank FROM t) p"
        );
    }
}
