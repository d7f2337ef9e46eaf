//! The application's error: what went wrong in terms a caller can act on.
//! `http::error` maps it, once, to RFC 9457 problem responses and UI pages.

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A field's value is not acceptable (422).
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The request itself cannot be understood (400).
    #[error("{0}")]
    BadRequest(String),
    /// No or bad credentials (401).
    #[error("authentication required")]
    Unauthenticated,
    /// Authenticated but not allowed (403). Never used for labelled records
    /// the caller cannot read: those are `NotFound`, so nothing leaks.
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("rate limit exceeded; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("{0}")]
    TooLarge(String),
    #[error("storage: {0}")]
    Store(StoreError),
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> AppError {
        AppError::Forbidden(message.into())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(what) => AppError::Conflict(format!("{what} already exists")),
            other => AppError::Store(other),
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Store(StoreError::Database(e))
    }
}

impl From<clearinghouse_domain::identity::FieldError> for AppError {
    fn from(e: clearinghouse_domain::identity::FieldError) -> Self {
        AppError::Invalid {
            field: e.field,
            message: e.message,
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
