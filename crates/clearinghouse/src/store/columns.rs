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

/// A row struct, and where its table reads it whole, its column list and
/// its row decoder, from one field list:
///
/// ```ignore
/// table_record! {
///     /// A window as stored.
///     #[derive(Debug, Clone, PartialEq)]
///     pub struct WindowRow {
///         id: String, model_id: String,
///         /// Canonical text.
///         state: State = decode(r, "frontier_windows", "state", State::parse)?,
///         visibility: String as "v.expression" = r.try_get("expression")?,
///         shared_with_orgs: Vec<String> as _ = Vec::new(),
///     }
///     const COLUMNS = w.*;
///     fn from_row(r);
/// }
/// ```
///
/// The struct keeps its attributes and doc comments, its fields theirs;
/// every field is `pub`. `const COLUMNS = w.*;` (or `= *;` for a table
/// read without an alias) is the `&str` `"w.id, w.model_id, ..."`, a
/// column per field in field order: `as "sql"` gives a field's column as
/// written, `as _` marks a field that is no column (filled from another
/// table). `fn from_row(r);` reads a row `r` with [`from_columns!`]: each
/// `= expr` is the field's value as written (a decoded closed set, a flag,
/// a column of another name), every other field the column of its name.
/// Each is optional (a table may have several column lists), takes
/// attributes and a visibility, and comes after the struct.
macro_rules! table_record {
    (@struct [$($head:tt)*] $(
        $(#[$m:meta])* $field:ident: $ty:ty $(as $col:tt)? $(= $value:expr)?
    ),* $(,)?) => {
        $($head)* { $($(#[$m])* pub $field: $ty,)* }
    };
    (@items $name:ident [$($fields:tt)*]) => {};
    (@items $name:ident [$($fields:tt)*]
        $(#[$cm:meta])* $cvis:vis const $columns:ident = $($alias:ident .)? *; $($rest:tt)*
    ) => {
        table_record!(@columns [$(#[$cm])* $cvis const $columns]
            [concat!($(stringify!($alias), ".")?)] $($fields)*);
        table_record!(@items $name [$($fields)*] $($rest)*);
    };
    (@items $name:ident [$($fields:tt)*]
        $(#[$fm:meta])* $fvis:vis fn $from_row:ident($row:ident); $($rest:tt)*
    ) => {
        table_record!(@from_row [$(#[$fm])* $fvis fn $from_row($row) -> $name] $($fields)*);
        table_record!(@items $name [$($fields)*] $($rest)*);
    };
    (@columns [$($head:tt)*] [$prefix:expr] $(
        $(#[$m:meta])* $field:ident: $ty:ty $(as $col:tt)? $(= $value:expr)?
    ),* $(,)?) => {
        $($head)*: &str = $crate::store::columns::unled(concat!($(
            table_record!(@column $prefix, $field $($col)?)
        ),*));
    };
    (@column $prefix:expr, $field:ident) => {
        concat!(", ", $prefix, stringify!($field))
    };
    (@column $prefix:expr, $field:ident _) => {
        ""
    };
    (@column $prefix:expr, $field:ident $col:literal) => {
        concat!(", ", $col)
    };
    (@from_row [$($head:tt)*] $(
        $(#[$m:meta])* $field:ident: $ty:ty $(as $col:tt)? $(= $value:expr)?
    ),* $(,)?) => {
        table_record!(@decoder [$($head)*] $($field $(= $value)?),*);
    };
    (@decoder [$(#[$fm:meta])* $fvis:vis fn $from_row:ident($row:ident) -> $name:ident]
        $($field:ident $(= $value:expr)?),*
    ) => {
        $(#[$fm])*
        $fvis fn $from_row($row: &::sqlx::any::AnyRow) -> $crate::store::Result<$name> {
            use ::sqlx::Row as _;
            Ok(from_columns!($row => $name { $($field $(: $value)?),* }))
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident { $($fields:tt)* }
        $($rest:tt)*
    ) => {
        table_record!(@struct [$(#[$meta])* $vis struct $name] $($fields)*);
        table_record!(@items $name [$($fields)*] $($rest)*);
    };
}

/// A column list `concat!`ed by [`table_record!`], each column led by
/// `", "`, without the first one's.
pub(crate) const fn unled(list: &'static str) -> &'static str {
    list.split_at(2).1
}
