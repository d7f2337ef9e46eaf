//! `from_columns!`: a record built from a row, each field named alone read
//! from the column of the same name (`Row::try_get`, so `sqlx::Row` must be
//! in scope), each `field: expr` given as written (a decoded closed set, a
//! column of another name). What sqlx's `FromRow` derive would give,
//! without its proc-macro crates in the build.

/// `from_columns!(row => Type { id, name, state: decode(row, ...)?, })`.
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
