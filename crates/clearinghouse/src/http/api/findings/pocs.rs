//! `/api/v1/findings/{id}/pocs` and `/api/v1/pocs`: the proof-of-concept
//! vault (upload sealed, list metadata, ask for a release, download once
//! released).

use axum::Json;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::api::PageParams;
use crate::http::api::accepted;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller, read_body};
use crate::model::poc::PocArtifact;
use crate::model::{Approval, Page};
use crate::workflows::findings::pocs::{self, MAX_POC_BYTES, NewPoc, ReleaseRequest};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PocUploadParams {
    /// The file name, 1 to 200 characters, no slashes.
    pub name: Option<String>,
    /// Defaults to `application/octet-stream`.
    pub media_type: Option<String>,
    /// A TLP marking at least as strict as the finding's (default: the finding's).
    pub tlp: Option<String>,
    /// A visibility expression the material needs on top of the finding's.
    pub visibility: Option<String>,
}

/// Store proof-of-concept material (exploit code, crash input) for a finding
/// you may read, as the raw body (64 MiB at most). It is encrypted before it
/// is stored; its labels are the finding's or stricter.
#[utoipa::path(post, path = "/findings/{id}/pocs", tag = "findings", security(("bearer" = [])), params(PocUploadParams), request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the file"), responses((status = 201, body = PocArtifact), (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn upload(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PocUploadParams>,
    body: Body,
) -> AppResult<(StatusCode, Json<PocArtifact>)> {
    let bytes = read_body(body, MAX_POC_BYTES, "poc").await?;
    let input = NewPoc {
        name: q.name,
        media_type: q.media_type,
        tlp: q.tlp,
        visibility: q.visibility,
    };
    Ok(created(pocs::upload(&app, &who, &id, input, bytes).await?))
}

/// The proof-of-concept material of a finding: metadata only.
#[utoipa::path(get, path = "/findings/{id}/pocs", tag = "findings", security(("bearer" = [])), params(PageParams), responses((status = 200, body = Page<PocArtifact>), (status = 404, body = Problem)))]
pub async fn list(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Page<PocArtifact>>> {
    Ok(Json(
        pocs::list(&app, &who, &id, p.cursor(), p.limit).await?,
    ))
}

/// One artifact's metadata.
#[utoipa::path(get, path = "/pocs/{id}", tag = "findings", security(("bearer" = [])), responses((status = 200, body = PocArtifact), (status = 404, body = Problem)))]
pub async fn get(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<PocArtifact>> {
    Ok(Json(pocs::get(&app, &who, &id).await?))
}

/// Ask for the material to be released to you: a two-person request
/// (`/approvals`) that a coordinator other than you must approve. An
/// approved release lasts seven days.
#[utoipa::path(post, path = "/pocs/{id}/release-requests", tag = "findings", security(("bearer" = [])), request_body = ReleaseRequest, responses((status = 202, body = Approval), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn request_release(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReleaseRequest>,
) -> AppResult<(StatusCode, Json<Approval>)> {
    Ok(accepted(
        pocs::request_release(&app, &who, &id, input).await?,
    ))
}

/// The decrypted material, for the holder of an unexpired release (403
/// without one). Every download is in the audit log before the bytes are
/// sent.
#[utoipa::path(get, path = "/pocs/{id}/content", tag = "findings", security(("bearer" = [])), responses((status = 200, description = "the material", content_type = "application/octet-stream"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn content(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<impl IntoResponse> {
    let (poc, bytes) = pocs::download(&app, &who, &id).await?;
    let digest = format!(
        "sha-256=:{}:",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            hex::decode(&poc.sha256).unwrap_or_default()
        )
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(&poc.file_name),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::HeaderName::from_static("repr-digest"), digest),
        ],
        bytes,
    ))
}

/// `attachment` with an ASCII `filename` and, when the name is not plain
/// ASCII, the exact name in `filename*` (RFC 6266, RFC 8187).
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if ascii == name {
        return format!("attachment; filename=\"{ascii}\"");
    }
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn disposition_keeps_names_safe() {
        assert_eq!(
            content_disposition("crash-1.bin"),
            "attachment; filename=\"crash-1.bin\""
        );
        assert_eq!(
            content_disposition("a\"b.py"),
            "attachment; filename=\"a_b.py\"; filename*=UTF-8''a%22b.py"
        );
        assert_eq!(
            content_disposition("exploit é.py"),
            "attachment; filename=\"exploit _.py\"; filename*=UTF-8''exploit%20%C3%A9.py"
        );
    }
}
