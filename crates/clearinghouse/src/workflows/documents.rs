//! Shared documents: information an organisation shares with others under
//! TLP and a visibility expression, with an optional attachment kept in the
//! artifact store. Every read goes through the one policy
//! (`clearinghouse_domain::labels::can_read`), turned into SQL by the store.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clearinghouse_domain::identity::Scope;
use clearinghouse_domain::labels::{Tlp, Visibility};
use clearinghouse_domain::text;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::new_id;
use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::{Attachment, Document, Page};
use crate::store;
use crate::workflows::read_policy::{PolicyReader, readable_page, shared_orgs};

/// Largest attachment accepted inline, before base64.
pub const MAX_ATTACHMENT_BYTES: usize = 512 * 1024;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDocument {
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// TLP 2.0 marking: `CLEAR`, `GREEN`, `AMBER`, `AMBER+STRICT` or `RED`.
    pub tlp: String,
    /// Visibility expression in Accumulo syntax, e.g. `CUI & (FRONTIER | PCII)`; empty is public.
    #[serde(default)]
    pub visibility: String,
    /// A protection marking carried on every export, such as `PCII`.
    pub protection_marking: Option<String>,
    /// Organisations (ids) an AMBER record is shared with.
    #[serde(default)]
    pub shared_with_orgs: Vec<String>,
    /// Users (ids) who may read it whatever the TLP; the only readers of RED
    /// (whose author is always one of them).
    #[serde(default)]
    pub named_readers: Vec<String>,
    pub attachment: Option<NewAttachment>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAttachment {
    pub name: String,
    pub content_base64: String,
}

/// A refused name or title as a 422 naming its field once (the problem's
/// detail adds the field: "title: must be at most 200 characters").
pub(crate) fn text_error(e: text::TextError) -> AppError {
    crate::workflows::frontier::suites::text_error(e)
}

fn validate_marking(m: &str) -> AppResult<String> {
    let ok = !m.is_empty()
        && m.len() <= 64
        && m.chars().all(|c| {
            c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, ' ' | '-' | '/' | '_')
        });
    if ok {
        Ok(m.to_owned())
    } else {
        Err(AppError::invalid(
            "protection_marking",
            "must be 1 to 64 of A-Z, 0-9, space, '-', '/', '_'",
        ))
    }
}

pub async fn create(app: &AppState, who: &Principal, input: NewDocument) -> AppResult<Document> {
    who.require_scope(Scope::DocumentsWrite)?;
    let title = text::validate_name("title", &input.title).map_err(text_error)?;
    let title = title.as_str();
    if input.body.len() > 100_000 {
        return Err(AppError::invalid("body", "must be at most 100000 bytes"));
    }
    let tlp: Tlp =
        input
            .tlp
            .parse()
            .map_err(|e: clearinghouse_domain::labels::TlpParseError| {
                AppError::invalid("tlp", e.to_string())
            })?;
    let visibility = Visibility::parse(&input.visibility)
        .map_err(|e| AppError::invalid("visibility", e.to_string()))?;
    if !visibility.evaluate(&who.authorizations) {
        return Err(AppError::invalid(
            "visibility",
            "you must hold the authorizations of a label you apply",
        ));
    }
    let marking = input
        .protection_marking
        .as_deref()
        .map(validate_marking)
        .transpose()?;
    if input.shared_with_orgs.len() > 100 || input.named_readers.len() > 100 {
        return Err(AppError::invalid(
            "shared_with_orgs",
            "at most 100 organisations and 100 named readers",
        ));
    }
    let attachment_bytes = match &input.attachment {
        Some(a) => {
            let name = text::validate_file_name("attachment.name", &a.name).map_err(text_error)?;
            let bytes = STANDARD.decode(a.content_base64.as_bytes()).map_err(|e| {
                AppError::invalid("attachment.content_base64", format!("is not base64: {e}"))
            })?;
            if bytes.len() > MAX_ATTACHMENT_BYTES {
                return Err(AppError::TooLarge(format!(
                    "attachment: at most {MAX_ATTACHMENT_BYTES} bytes"
                )));
            }
            Some((name, bytes))
        }
        None => None,
    };
    let shared = shared_orgs(app, &input.shared_with_orgs).await?;
    let mut readers = input.named_readers.clone();
    // TLP:RED is for named recipients only; its author is always one, so
    // nobody writes a document no one (not even its author) can read.
    if tlp == Tlp::Red {
        readers.push(who.user_id().to_owned());
    }
    readers.sort();
    readers.dedup();
    for (i, user) in readers.iter().enumerate() {
        if store::accounts::users::get(&app.store.pool, user)
            .await?
            .is_none()
        {
            return Err(AppError::invalid(
                format!("named_readers[{i}]"),
                "no such user",
            ));
        }
    }
    // The object is content-addressed and immutable, so storing it before
    // the transaction commits leaves at worst an unreferenced object.
    let attachment = match attachment_bytes {
        Some((name, bytes)) => {
            let size = bytes.len() as i64;
            let (key, sha256) = app
                .artifacts
                .put(bytes)
                .await
                .map_err(|e| AppError::internal("artifact store", e))?;
            Some(Attachment {
                name,
                sha256,
                size,
                key,
            })
        }
        None => None,
    };
    let doc = Document {
        id: new_id(),
        owner_org: who.org_id().to_owned(),
        created_by: who.user_id().to_owned(),
        title: title.to_owned(),
        body: input.body,
        protection_marking: marking,
        tlp,
        visibility: visibility.as_str().to_owned(),
        shared_with_orgs: shared,
        named_readers: readers,
        attachment,
        created_at: clock::now_text(),
    };
    let mut tx = app.store.begin_write().await?;
    let vis_id = store::labels::intern(&mut tx, &doc.visibility).await?;
    store::documents::insert(&mut tx, &doc, vis_id).await?;
    let event = AuditEvent {
        action: "document.create",
        object_type: "document",
        object_id: &doc.id,
        change: json!(doc),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(doc)
}

pub async fn list(
    app: &AppState,
    who: &Principal,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<Document>> {
    let list = store::documents::list_readable;
    readable_page(app, who, Scope::DocumentsRead, cursor, limit, list).await
}

/// One document; a record the caller may not read is "not found", exactly
/// like one that does not exist.
pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<Document> {
    who.require_scope(Scope::DocumentsRead)?;
    let reader = PolicyReader::of(app, who).await?;
    store::documents::get_readable(&app.store.pool, id, &reader.filter())
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn attachment(
    app: &AppState,
    who: &Principal,
    id: &str,
) -> AppResult<(Attachment, Vec<u8>)> {
    let doc = get(app, who, id).await?;
    let att = doc.attachment.ok_or(AppError::NotFound)?;
    let bytes = app
        .artifacts
        .get(&att.key)
        .await
        .map_err(|e| AppError::internal("artifact store", e))?;
    Ok((att, bytes))
}
