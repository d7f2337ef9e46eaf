//! The two reads every labelled table offers, written once: one row by id
//! and a page after a cursor (each also with its rows completed from other
//! tables, `one_filled` and `page_filled`), under the reader's SQL filter
//! (`read_filter::Labelled::clause` with the reader's organisation and user
//! bound as `$1` and `$2`). The table module gives its `SELECT ... FROM
//! ... JOIN ...`, its id column, the clause and its row mapper.
//! `filled_reads!` declares the two for a table whose records are completed
//! after the read (documents, models).

use sqlx::any::AnyRow;

use super::Result;
use super::read_filter::{Labelled, ReadFilter};
use crate::store::fetch;

/// What a labelled read selects from.
pub(crate) struct Readable {
    /// `SELECT <columns> FROM <table> <alias> JOIN ...`, without `WHERE`.
    pub select: String,
    /// The id column, with its alias (`d.id`): matched and ordered by.
    pub id: String,
    /// The read policy's condition, taking `$1` (org) and `$2` (user).
    pub clause: String,
}

impl Readable {
    /// `columns` of `table` (aliased as the policy's alias, its visibility
    /// expression joined as `v`) under `labelled`'s policy.
    pub(crate) fn table(
        columns: &str,
        table: &str,
        labelled: &Labelled,
        filter: &ReadFilter<'_>,
    ) -> Readable {
        let a = labelled.alias;
        Readable {
            select: format!(
                "SELECT {columns} FROM {table} {a} JOIN visibility_labels v ON v.id = {a}.visibility_id"
            ),
            id: format!("{a}.id"),
            clause: labelled.clause(filter, 1, 2),
        }
    }

    /// The row with id `id`, only if the reader may read it.
    pub(crate) async fn one<T>(
        &self,
        pool: &sqlx::AnyPool,
        filter: &ReadFilter<'_>,
        id: &str,
        from_row: impl Fn(&AnyRow) -> Result<T>,
    ) -> Result<Option<T>> {
        let sql = format!("{} WHERE {} = $3 AND {}", self.select, self.id, self.clause);
        fetch::optional(pool, sql, &[&filter.org_id, &filter.user_id, &id], from_row).await
    }

    /// Readable rows after the cursor id, in id order, at most `limit`.
    pub(crate) async fn page<T>(
        &self,
        pool: &sqlx::AnyPool,
        filter: &ReadFilter<'_>,
        after: Option<&str>,
        limit: i64,
        from_row: impl Fn(&AnyRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        let sql = format!(
            "{} WHERE {id} > $3 AND {} ORDER BY {id} LIMIT $4",
            self.select,
            self.clause,
            id = self.id
        );
        fetch::all(
            pool,
            sql,
            &[
                &filter.org_id,
                &filter.user_id,
                &after.unwrap_or(""),
                &limit,
            ],
            from_row,
        )
        .await
    }

    /// [`Readable::one`] with the row completed by `fill` (what a record
    /// keeps in other tables: whom it is shared with). Documents and models.
    pub(crate) async fn one_filled<T>(
        &self,
        pool: &sqlx::AnyPool,
        filter: &ReadFilter<'_>,
        id: &str,
        from_row: impl Fn(&AnyRow) -> Result<T>,
        fill: impl AsyncFn(&sqlx::AnyPool, &mut T) -> Result<()>,
    ) -> Result<Option<T>> {
        let Some(mut row) = self.one(pool, filter, id, from_row).await? else {
            return Ok(None);
        };
        fill(pool, &mut row).await?;
        Ok(Some(row))
    }

    /// [`Readable::page`] with each row completed by `fill`.
    pub(crate) async fn page_filled<T>(
        &self,
        pool: &sqlx::AnyPool,
        filter: &ReadFilter<'_>,
        (after, limit): (Option<&str>, i64),
        from_row: impl Fn(&AnyRow) -> Result<T>,
        fill: impl AsyncFn(&sqlx::AnyPool, &mut T) -> Result<()>,
    ) -> Result<Vec<T>> {
        let mut rows = self.page(pool, filter, after, limit, from_row).await?;
        for row in &mut rows {
            fill(pool, row).await?;
        }
        Ok(rows)
    }
}

/// `filled_reads!("model", ModelRow: COLUMNS, "frontier_models", MODELS,
/// from_row, fill)`: a labelled table's `get_readable` (one record) and
/// `list_readable` (a page after the cursor, in id order), `COLUMNS` of the
/// table under the policy `MODELS` ([`Readable::table`]), each row read by
/// `from_row` and completed by `fill` (what the record keeps in other
/// tables: whom it is shared with).
/// A record a labelled list pages through by id (in either order): its id
/// is the cursor of the page after it (`workflows::read_policy::readable_page`).
pub trait Listed {
    fn id(&self) -> &str;
}

macro_rules! filled_reads {
    ($what:literal, $row:ty: $columns:expr, $table:literal, $labelled:expr, $from_row:ident,
        $fill:ident) => {
        impl $crate::store::labelled::Listed for $row {
            fn id(&self) -> &str {
                &self.id
            }
        }

        /// The table under the reader's filter.
        fn readable(
            filter: &$crate::store::read_filter::ReadFilter<'_>,
        ) -> $crate::store::labelled::Readable {
            $crate::store::labelled::Readable::table($columns, $table, &$labelled, filter)
        }

        #[doc = concat!("One ", $what, ", only if the reader may read it.")]
        pub async fn get_readable(
            pool: &::sqlx::AnyPool,
            id: &str,
            filter: &$crate::store::read_filter::ReadFilter<'_>,
        ) -> $crate::store::Result<Option<$row>> {
            readable(filter)
                .one_filled(pool, filter, id, $from_row, async |p, r| $fill(p, r).await)
                .await
        }

        #[doc = concat!("Readable ", $what, "s after the cursor, in id order.")]
        pub async fn list_readable(
            pool: &::sqlx::AnyPool,
            filter: &$crate::store::read_filter::ReadFilter<'_>,
            after: Option<&str>,
            limit: i64,
        ) -> $crate::store::Result<Vec<$row>> {
            readable(filter)
                .page_filled(pool, filter, (after, limit), $from_row, async |p, r| {
                    $fill(p, r).await
                })
                .await
        }
    };
}
pub(crate) use filled_reads;

/// The organisations a record is shared with (`record_shares`), in id
/// order: what documents and models show of their sharing.
pub(crate) async fn shared_orgs<'e, E>(db: E, record_id: &str) -> Result<Vec<String>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(
        sqlx::query_scalar("SELECT org_id FROM record_shares WHERE record_id = $1 ORDER BY org_id")
            .bind(record_id)
            .fetch_all(db)
            .await?,
    )
}
