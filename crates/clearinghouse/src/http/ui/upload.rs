//! Reading a multipart upload form of the CSRF token and one file field
//! (an asset's SBOM, a directive report's evidence). A file too large or a
//! body cut short is not an error page but a refusal the form shows beside
//! its file field; nothing has changed when it is read.

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;

use super::{UiError, UiResult};
use crate::error::AppError;

/// The file as sent.
pub struct UploadedFile {
    /// The browser's file name, when it sent one.
    pub name: Option<String>,
    /// The browser's media type, when it sent one.
    pub media_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// What the form carried.
pub struct UploadForm {
    /// The form's CSRF token, for the handler to check when it chooses.
    pub csrf: String,
    pub file: Option<UploadedFile>,
    /// Why the file could not be read (too large, cut short), named by the
    /// file field.
    pub refused: Option<AppError>,
}

/// Reads `form`: its `csrf_token` field and the file field `file_field`, of
/// at most `max_bytes`. Other fields are passed over.
pub async fn read_upload(
    mut form: Multipart,
    file_field: &str,
    max_bytes: usize,
) -> UiResult<UploadForm> {
    let too_large = || AppError::TooLarge(format!("{file_field}: at most {} MiB", max_bytes >> 20));
    let unreadable = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            AppError::BadRequest(format!(
                "{file_field}: could not read the upload: {}",
                e.body_text()
            ))
        }
    };
    let mut out = UploadForm {
        csrf: String::new(),
        file: None,
        refused: None,
    };
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                out.refused = Some(unreadable(e));
                break;
            }
        };
        match field.name() {
            Some("csrf_token") => {
                out.csrf = field.text().await.map_err(|e| UiError(unreadable(e)))?;
            }
            Some(name) if name == file_field => {
                let name = field.file_name().map(str::to_owned);
                let media_type = field.content_type().map(str::to_owned);
                match field.bytes().await {
                    Ok(bytes) if bytes.len() > max_bytes => out.refused = Some(too_large()),
                    Ok(bytes) => {
                        out.file = Some(UploadedFile {
                            name,
                            media_type,
                            bytes: bytes.to_vec(),
                        })
                    }
                    Err(e) => {
                        out.refused = Some(unreadable(e));
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(out)
}
