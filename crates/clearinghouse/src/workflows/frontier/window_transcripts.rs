//! Sealed transcripts of brokered calls (issue 13 item 3): kept only when
//! the window's terms in force at the call said so (`keep_transcripts`),
//! sealed by `broker::record`, and readable by the model's developer only.
//! Everyone else (the grantee who made the call, government
//! administrators, security officers) gets the same 404 as for a call
//! without a transcript. Each read is audited (`window.transcript_read`).

use clearinghouse_domain::identity::Scope;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::workflows::frontier::broker::open_transcript;
use crate::workflows::frontier::windows::{Standing, readable};
use crate::workflows::record_audit;

/// A call's transcript as the developer reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TranscriptView {
    pub usage_id: String,
    pub window_id: String,
    /// The request body as the grantee sent it (messages or prompt).
    pub prompt: String,
    /// The model's answer, assembled from the stream if it streamed.
    pub completion: String,
    /// Either side was longer than 1 MiB and was cut.
    pub truncated: bool,
}

pub async fn get(app: &AppState, who: &Principal, usage_id: &str) -> AppResult<TranscriptView> {
    who.require_scope(Scope::ModelsRead)?;
    let mut conn = app.store.pool.acquire().await?;
    let (window_id, sealed) = store::frontier::window_alerts::transcript(&mut conn, usage_id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    match readable(app, who, &window_id).await {
        Ok((_, Standing::Developer)) => {}
        Ok(_) | Err(AppError::NotFound | AppError::Forbidden(_)) => return Err(AppError::NotFound),
        Err(e) => return Err(e),
    }
    let t = open_transcript(app, usage_id, &sealed)?;
    let mut tx = app.store.begin_write().await?;
    record_audit(
        app,
        &mut tx,
        who,
        "window.transcript_read",
        "broker_usage",
        usage_id,
        json!({"window_id": window_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(TranscriptView {
        usage_id: usage_id.to_owned(),
        window_id,
        prompt: t.prompt,
        completion: t.completion,
        truncated: t.truncated,
    })
}
