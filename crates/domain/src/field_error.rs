//! [`FieldError`], the one field-level refusal of the domain: the field a
//! person must fix and why. Validation in `identity`, `cases` (as
//! `CaseError`), `directive` (as `DirectiveError`) and `scans` (as
//! `ScanError`) returns it; those modules re-export it under their old names.

use crate::text::TextError;

/// A validation failure naming the field at fault (a JSON path or a form
/// field) and what is wrong with it; displays as `field: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A text rule's refusal, its field kept and the `field: ` prefix taken off
/// the message (used by `cases` through `?`).
impl From<TextError> for FieldError {
    fn from(e: TextError) -> Self {
        let message = e.to_string();
        let field = e.field().to_owned();
        let message = message
            .strip_prefix(&format!("{field}: "))
            .map(str::to_owned)
            .unwrap_or(message);
        FieldError { field, message }
    }
}
