//! A record's fields and its table's columns, matched by name, written
//! once: `from_columns!` builds a record from a row, `bind_fields!` binds a
//! record's fields to an insert or update in order. What sqlx's `FromRow`
//! derive would give, without its proc-macro crates in the build; every
//! table module's row decoder and insert uses them.

/// `from_columns!(row => Type { id, name, state: decode(row, ...)?, })`:
/// each field named alone is read from the column of the same name
/// (`Row::try_get`, so `sqlx::Row` must be in scope), each `field: expr`
/// is given as written (a decoded closed set, a column of another name).
macro_rules! from_columns {
    ($row:ident => $ty:ident { $($field:ident $(: $value:expr)?),* $(,)? }) => {
        $ty { $($field: from_columns!(@value $row, $field $(, $value)?)),* }
    };
    (@value $row:ident, $field:ident) => {
        $row.try_get(stringify!($field))?
    };
    (@value $row:ident, $field:ident, $value:expr) => {
        $value
    };
}

/// `bind_fields!(query, rec => { id, name, enabled: i64::from(rec.enabled), })`:
/// `query.bind(&rec.id).bind(&rec.name).bind(i64::from(rec.enabled))`, each
/// field named alone bound by reference, each `field: expr` bound as
/// written (a flag stored as an integer, a derived value). The fields are
/// listed in the order of the statement's `$1, $2, ...`.
macro_rules! bind_fields {
    ($q:expr, $rec:ident => { $($field:ident $(: $value:expr)?),* $(,)? }) => {
        $q $(.bind(bind_fields!(@value $rec, $field $(, $value)?)))*
    };
    (@value $rec:ident, $field:ident) => {
        &$rec.$field
    };
    (@value $rec:ident, $field:ident, $value:expr) => {
        $value
    };
}
