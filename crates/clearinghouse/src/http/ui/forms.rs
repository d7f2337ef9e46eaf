//! Refused forms shown on their own page: the message beside the field at
//! fault (or above the form when no field of it is named), with what was
//! typed kept by the page that renders the form again. Faults of the system
//! still go to the error page.

use axum::http::StatusCode;

use super::{UiError, inline_error};
use crate::error::AppError;

/// Why a form was refused, and which of its fields is at fault.
#[derive(Debug, Clone, Default)]
pub struct FormError {
    /// The form's field at fault, or empty when the refusal is not about
    /// one of the fields the form shows.
    field: String,
    message: String,
}

impl FormError {
    /// A refusal about `field` (a name the form's inputs use).
    pub fn field(field: &str, message: impl Into<String>) -> FormError {
        FormError {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The refusal of `e` for a form with the inputs `fields`: an invalid
    /// field the form shows is put beside it; anything else above the form.
    /// Faults of the system are not a form's business: the error page.
    pub fn from_app(e: AppError, fields: &[&str]) -> Result<(StatusCode, FormError), UiError> {
        let field = match &e {
            AppError::Invalid { field, .. } | AppError::ConflictOn { field, .. } => {
                // `roles[0]` and `attachment.name` belong to `roles`, `attachment`.
                let base = field.split(['[', '.']).next().unwrap_or_default();
                fields
                    .iter()
                    .find(|f| **f == field.as_str() || **f == base)
                    .map(|f| (*f).to_owned())
                    .unwrap_or_default()
            }
            _ => String::new(),
        };
        let (status, message) = inline_error(e)?;
        Ok((status, FormError { field, message }))
    }

    /// The message when it belongs beside `field`.
    pub fn at(&self, field: &str) -> Option<&str> {
        (!self.field.is_empty() && self.field == field).then_some(self.message.as_str())
    }

    /// The message when it belongs above the form (no field of it named).
    pub fn general(&self) -> Option<&str> {
        self.field.is_empty().then_some(self.message.as_str())
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_go_beside_their_field() {
        let (status, e) = FormError::from_app(
            AppError::invalid("roles[0]", "no such role"),
            &["name", "roles"],
        )
        .expect("a form error");
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e.at("roles").is_some_and(|m| m.contains("no such role")));
        assert_eq!(e.at("name"), None);
        assert_eq!(e.general(), None);
        let (_, e) = FormError::from_app(AppError::invalid("other", "bad"), &["name"])
            .expect("a form error");
        assert!(e.general().is_some());
        let (_, e) =
            FormError::from_app(AppError::Conflict("x".into()), &["name"]).expect("a form error");
        assert!(e.general().is_some());
        assert!(FormError::from_app(AppError::NotFound, &["name"]).is_err());
    }
}
