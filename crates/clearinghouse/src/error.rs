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
    /// A conflict one field of the request causes (409 naming it): a name
    /// already taken.
    #[error("{field}: {message}")]
    ConflictOn { field: String, message: String },
    #[error("rate limit exceeded; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("{0}")]
    TooLarge(String),
    #[error("storage: {0}")]
    Store(StoreError),
    /// Something failed that the caller cannot act on (500): what was being
    /// done, and the error that stopped it. Both are logged once, at the
    /// boundary (`http::error`), and never shown to the caller.
    #[error("{context}")]
    Internal {
        context: String,
        #[source]
        source: Option<BoxError>,
    },
}

/// The cause an [`AppError::Internal`] keeps.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

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

    /// An internal failure while doing `context`, keeping its cause.
    pub fn internal(
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> AppError {
        AppError::Internal {
            context: context.into(),
            source: Some(Box::new(source)),
        }
    }

    /// An internal failure with no underlying error (a broken invariant).
    pub fn internal_msg(context: impl Into<String>) -> AppError {
        AppError::Internal {
            context: context.into(),
            source: None,
        }
    }

    /// A failure of the service rather than of the request (500): logged,
    /// never described to the caller.
    pub fn is_internal(&self) -> bool {
        matches!(self, AppError::Store(_) | AppError::Internal { .. })
    }

    /// The error and every cause below it, `: `-joined, for the log.
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut next = std::error::Error::source(self);
        while let Some(e) = next {
            let text = e.to_string();
            // `#[error("...: {0}")]` wrappers repeat their cause's text.
            if !out.contains(&text) {
                out.push_str(": ");
                out.push_str(&text);
            }
            next = e.source();
        }
        out
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

impl From<clearinghouse_domain::identity::FieldError> for AppError {
    fn from(e: clearinghouse_domain::identity::FieldError) -> Self {
        AppError::Invalid {
            field: e.field,
            message: e.message,
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
