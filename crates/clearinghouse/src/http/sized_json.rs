//! [`SizedJson`]: `axum::Json` for large answers. axum writes a body into a
//! 128-byte `BytesMut` that grows by doubling, one `put_slice` call per
//! token serde_json writes; the exposure list (fifty exposures with their
//! priority assessments) and a finding's detail are written instead into
//! one `Vec` reserved for their expected size.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::AppError;

/// `value` as a JSON answer (200), written into a buffer of `capacity` bytes.
#[derive(Debug, Clone)]
pub struct SizedJson<T> {
    pub value: T,
    pub capacity: usize,
}

impl<T: Serialize> IntoResponse for SizedJson<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(self.capacity);
        match serde_json::to_writer(&mut body, &self.value) {
            Ok(()) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response(),
            Err(e) => AppError::internal("writing the answer", e).into_response(),
        }
    }
}
