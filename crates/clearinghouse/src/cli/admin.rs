//! Operator verbs run beside the database: `admin add-platform-admin`, the
//! one way besides the first start to give a privileged role without a
//! second person (whoever holds the database and its keys is the operator).

use std::process::ExitCode;

use crate::app::{self, HttpSettings};
use crate::config::AddPlatformAdminArgs;
use crate::workflows::accounts::bootstrap;

pub async fn add_platform_admin(args: AddPlatformAdminArgs) -> anyhow::Result<ExitCode> {
    let settings = HttpSettings {
        max_body_bytes: 0,
        max_submission_bytes: 0,
        secure_cookies: true,
        public_url: String::new(),
        allow_private_webhooks: false,
        password_hash_cost: crate::auth::secrets::HashCost::Standard,
        consultees: clearinghouse_domain::frontier::designation::default_consultees(),
        job_lease: crate::jobs::DEFAULT_LEASE,
        chunk_findings: None,
        batch_findings: crate::app::DEFAULT_BATCH_FINDINGS,
    };
    let app = app::open(&args.storage, settings).await?;
    let user = bootstrap::seed_platform_admin(&app, &args.username, &args.password)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // The operator chose this password: its holder replaces it first.
    crate::workflows::accounts::users::require_first_password(&app, &user.id, "operator")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "added the platform administrator '{}' ({}); they choose their own password at first sign-in",
        user.username, user.id
    );
    Ok(ExitCode::SUCCESS)
}
