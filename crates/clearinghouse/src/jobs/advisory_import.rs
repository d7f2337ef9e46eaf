//! The `advisory_import` job: fetches an import's spooled file from the
//! artifact store and runs `workflows::advisories::imports::process` on it
//! (parsing on a blocking thread, storing a batch per transaction, progress
//! recorded as it goes). Re-running is harmless: an import is idempotent by
//! content digest, and a finished import is left as it is. A fault ends
//! the import `failed` with its reason rather than retrying it for ever.

use serde::{Deserialize, Serialize};

use super::{Job, JobError};
use crate::app::AppState;
use crate::clock;
use crate::store;
use crate::store::advisories::imports::Failure;
use crate::store::jobs::ClaimedJob;
use crate::workflows::advisories::imports;

/// The job and its payload.
#[derive(Debug, Serialize, Deserialize)]
pub struct AdvisoryImportJob {
    pub import_id: String,
}

impl Job for AdvisoryImportJob {
    const KIND: &'static str = "advisory_import";

    async fn run(self, app: &AppState, job: &ClaimedJob) -> Result<(), JobError> {
        run(app, job, &self.import_id).await
    }
}

fn failed(e: impl std::fmt::Display) -> JobError {
    JobError::Failed(e.to_string())
}

/// Deletes the local copy however the job ends.
struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

async fn run(app: &AppState, job: &ClaimedJob, id: &str) -> Result<(), JobError> {
    let pool = &app.store.pool;
    let Some(stored) = store::advisories::imports::get(pool, id)
        .await
        .map_err(failed)?
    else {
        return Err(failed("no such advisory import"));
    };
    let import = stored.import;
    if import.is_finished() {
        return Ok(());
    }
    std::fs::create_dir_all(&app.spool_dir).map_err(failed)?;
    let local = app
        .spool_dir
        .join(format!("advisory-import-{}-{}", import.id, job.attempts));
    let _cleanup = RemoveOnDrop(local.clone());
    app.artifacts
        .download(&stored.artifact_key, &local)
        .await
        .map_err(failed)?;
    let outcome = match imports::importer(app, &import.imported_by).await {
        Ok(who) => imports::process(app, id, &local, &who, &import.file_name, import.embargo).await,
        Err(e) => Err(e),
    };
    if let Err(e) = outcome {
        tracing::warn!(advisory_import.id = %id, error = %e, "advisory import failed");
        let failure = Failure {
            message: e.to_string(),
            field: None,
            status: 500,
        };
        let report = store::advisories::imports::get(pool, id)
            .await
            .map_err(failed)?
            .map(|s| s.import.report)
            .unwrap_or_default();
        store::advisories::imports::finish(pool, id, &report, Some(&failure), &clock::now_text())
            .await
            .map_err(failed)?;
    }
    Ok(())
}
