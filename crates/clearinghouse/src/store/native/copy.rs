//! PostgreSQL's binary `COPY` format, written by hand: a header, then per
//! row the field count and each field as its length and its bytes in the
//! column type's binary form (TEXT: UTF-8; BIGINT: 8 bytes big-endian;
//! INTEGER: 4), NULL as length -1, and a trailer. Only the types the bulk
//! paths write are here.

use sqlx::PgConnection;

use super::Cell;
use crate::store::Result;

/// One `COPY ... FROM STDIN (FORMAT binary)` body being written.
pub struct CopyBuf {
    buf: Vec<u8>,
    rows: u64,
}

impl Default for CopyBuf {
    fn default() -> Self {
        Self::new()
    }
}

/// The end of a binary COPY body.
pub const TRAILER: [u8; 2] = (-1i16).to_be_bytes();

impl CopyBuf {
    pub fn new() -> CopyBuf {
        let mut c = CopyBuf::continued();
        c.buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        c.buf.extend_from_slice(&0i32.to_be_bytes()); // flags
        c.buf.extend_from_slice(&0i32.to_be_bytes()); // header extension length
        c
    }

    /// Rows that continue a body already started (no header).
    pub fn continued() -> CopyBuf {
        CopyBuf {
            buf: Vec::with_capacity(1 << 16),
            rows: 0,
        }
    }

    /// The bytes written so far, without the trailer.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Starts a row of `fields` fields.
    pub fn row(&mut self, fields: i16) {
        self.rows += 1;
        self.buf.extend_from_slice(&fields.to_be_bytes());
    }

    fn len_prefixed(&mut self, bytes: &[u8]) {
        let len = i32::try_from(bytes.len()).unwrap_or(i32::MAX);
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(bytes);
    }

    fn null(&mut self) {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
    }

    pub fn text(&mut self, v: Option<&str>) {
        match v {
            Some(s) => self.len_prefixed(s.as_bytes()),
            None => self.null(),
        }
    }

    pub fn int8(&mut self, v: Option<i64>) {
        match v {
            Some(n) => self.len_prefixed(&n.to_be_bytes()),
            None => self.null(),
        }
    }

    pub fn int4(&mut self, v: Option<i32>) {
        match v {
            Some(n) => self.len_prefixed(&n.to_be_bytes()),
            None => self.null(),
        }
    }

    pub fn cell(&mut self, c: &Cell<'_>) {
        match c {
            Cell::Text(v) => self.text(v.as_deref()),
            Cell::Int(v) => self.int8(*v),
        }
    }

    /// A whole row of cells.
    pub fn cells(&mut self, row: &[Cell<'_>]) {
        self.row(i16::try_from(row.len()).unwrap_or(i16::MAX));
        for c in row {
            self.cell(c);
        }
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The body with its trailer.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(&TRAILER);
        self.buf
    }
}

/// Copies `data` (a finished [`CopyBuf`]) into `table (columns)`; both
/// are constants of the caller, never input. Returns the rows copied.
pub async fn copy_in(
    conn: &mut PgConnection,
    table: &str,
    columns: &str,
    data: CopyBuf,
) -> Result<u64> {
    if data.rows() == 0 {
        return Ok(0);
    }
    let sql = format!("COPY {table} ({columns}) FROM STDIN (FORMAT binary)");
    let mut copy = conn.copy_in_raw(&sql).await?;
    copy.send(data.finish()).await?;
    Ok(copy.finish().await?)
}

#[cfg(test)]
mod tests {
    use super::CopyBuf;

    #[test]
    fn binary_copy_layout() {
        let mut c = CopyBuf::new();
        c.row(3);
        c.text(Some("ab"));
        c.int8(None);
        c.int4(Some(7));
        let b = c.finish();
        let mut want = b"PGCOPY\n\xff\r\n\0".to_vec();
        want.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
        want.extend_from_slice(&[0, 3]);
        want.extend_from_slice(&[0, 0, 0, 2, b'a', b'b']);
        want.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
        want.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 7]);
        want.extend_from_slice(&[0xff, 0xff]);
        assert_eq!(b, want);
    }
}
