//! The running application: what every handler and job shares, and how it
//! is put together at start (storage, migrations, signing key, bootstrap).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clearinghouse_domain::audit::checkpoint::NoteSigner;

use crate::artifacts::Artifacts;
use crate::audit_log::AuditLog;
use crate::auth::rate_limit::RateLimiter;
use crate::config::StorageArgs;
use crate::notify_email::Mailer;
use crate::store::{self, Store};

/// Shared state, cheap to clone.
#[derive(Clone)]
pub struct AppState(pub Arc<AppInner>);

pub struct AppInner {
    pub store: Store,
    pub audit: AuditLog,
    pub artifacts: Artifacts,
    pub rate_limiter: RateLimiter,
    /// Sign-in throttling and the bound on concurrent password hashing.
    pub login_guard: crate::auth::login_guard::LoginGuard,
    pub settings: HttpSettings,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// Sends notification emails; None when SMTP is not configured.
    pub mailer: Option<Mailer>,
    /// Seals secrets kept in the database (see `--kek-file`).
    pub kek: clearinghouse_domain::envelope::Kek,
    /// Wakes this process's job worker when a job was queued here.
    pub jobs_queued: tokio::sync::Notify,
    /// Where uploads and job inputs are spooled (`tmp/` in the data folder).
    pub spool_dir: std::path::PathBuf,
    /// Checks network assets' proofs of control (DNS, well-known file);
    /// tests install a fixture verifier.
    pub proof_verifier: crate::workflows::scans::proof::VerifierSlot,
    /// Signs the CSAF provider feed's documents (OpenPGP, `.asc`).
    pub csaf_signer: clearinghouse_domain::openpgp::PgpSigner,
    /// The broker's call-facts cache, quota counters and usage writer.
    pub broker: crate::workflows::frontier::broker_state::BrokerState,
    /// `security.txt`'s Contact (`--security-contact`); unset: `mailto:`
    /// security at the public URL's host.
    pub security_contact: std::sync::OnceLock<String>,
    /// The visibility expressions, parsed (the read policy's label ids).
    pub labels: crate::workflows::label_cache::LabelCache,
}

/// The default `--max-submission-bytes`: 1 GiB.
pub const DEFAULT_MAX_SUBMISSION_BYTES: u64 = 1 << 30;

/// Settings that shape HTTP behaviour.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub max_body_bytes: usize,
    /// Largest file of findings accepted (streamed to disk).
    pub max_submission_bytes: u64,
    pub secure_cookies: bool,
    pub public_url: String,
    /// Let webhooks reach loopback and private-network addresses (for a
    /// receiver on the same host or network); off, the server refuses them
    /// so an organisation admin cannot make it call internal services.
    pub allow_private_webhooks: bool,
    /// The cost of new password hashes: `Standard` everywhere but in test
    /// suites.
    pub password_hash_cost: crate::auth::secrets::HashCost,
    /// The bodies every new designation inquiry must consult
    /// (`--consultee`, `CLEARINGHOUSE_CONSULTEES`; the order's four by default).
    pub consultees: Vec<clearinghouse_domain::frontier::designation::Consultee>,
    /// How long a job's worker may stay silent before another worker takes
    /// the job over (`--job-lease-secs`; `jobs::DEFAULT_LEASE`).
    pub job_lease: std::time::Duration,
    /// Findings per chunk when a large submission is split so that several
    /// workers commit it at once (`--chunk-findings`); 0 never splits.
    /// None: [`DEFAULT_CHUNK_FINDINGS`] on PostgreSQL, never on SQLite
    /// (one writer: a split would only add work).
    pub chunk_findings: Option<usize>,
    /// Items of a new submission committed per transaction
    /// (`--batch-findings`; [`DEFAULT_BATCH_FINDINGS`]), kept with the
    /// submission so that a resumed one keeps its batches.
    pub batch_findings: usize,
}

/// The default `--chunk-findings` on PostgreSQL.
pub const DEFAULT_CHUNK_FINDINGS: usize = 50_000;

/// The default `--batch-findings`. A commit writes every index page its
/// rows touched, so fewer, larger transactions write each page fewer times:
/// `bench findings` on SQLite (200,000 results, four runs each) measured
/// 2,000 a batch at 0.47 of the machine's floor and 10,000 at 0.50, for
/// about 45 MiB more memory (three batches in memory: the one committing,
/// and the parser's two ahead of it).
pub const DEFAULT_BATCH_FINDINGS: usize = 10_000;

impl AppInner {
    /// Findings per chunk of a split submission; 0 never splits.
    pub fn chunk_findings(&self) -> usize {
        self.settings
            .chunk_findings
            .unwrap_or(match self.store.backend {
                crate::store::Backend::Postgres => DEFAULT_CHUNK_FINDINGS,
                crate::store::Backend::Sqlite => 0,
            })
    }
}

impl std::ops::Deref for AppState {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}

/// Opens storage, applies migrations and loads the audit signer; no email.
pub async fn open(storage: &StorageArgs, settings: HttpSettings) -> anyhow::Result<AppState> {
    open_with_mailer(storage, settings, None).await
}

/// Like [`open`], sending notification emails through `mailer`.
pub async fn open_with_mailer(
    storage: &StorageArgs,
    settings: HttpSettings,
    mailer: Option<Mailer>,
) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&storage.data_dir)
        .with_context(|| format!("creating data folder {}", storage.data_dir.display()))?;
    let store = Store::connect(&storage.database_url(), storage.db_connections)
        .await
        .context("connecting to the database")?;
    store.migrate().await.context("applying migrations")?;
    let artifacts = Artifacts::open(storage.object_store_url.as_deref(), &storage.data_dir)?;
    let audit = open_audit_log(&store, &storage.audit_key_path()).await?;
    let kek =
        clearinghouse_domain::envelope::Kek::from_bytes(load_or_create_key(&storage.kek_path())?);
    let csaf_signer = open_csaf_signer(&store, &storage.audit_key_path()).await?;
    let spool_dir = storage.data_dir.join("tmp");
    sweep_spool(&spool_dir);
    Ok(AppState(Arc::new(AppInner {
        store,
        audit,
        artifacts,
        rate_limiter: RateLimiter::default(),
        login_guard: Default::default(),
        settings,
        metrics: crate::http::metrics::handle(),
        mailer,
        kek,
        jobs_queued: tokio::sync::Notify::new(),
        spool_dir,
        proof_verifier: Default::default(),
        csaf_signer,
        broker: Default::default(),
        security_contact: Default::default(),
        labels: Default::default(),
    })))
}

/// Removes spooled uploads and job inputs a killed process left behind: a
/// day old is far past any live upload or job (jobs renew their lease).
fn sweep_spool(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let day = std::time::Duration::from_secs(86_400);
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > day));
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The log's origin is fixed at first start and stored in the database, so
/// every process of the installation signs the same log name.
async fn open_audit_log(store: &Store, key_path: &Path) -> anyhow::Result<AuditLog> {
    let candidate = format!(
        "clearinghouse.local/audit/{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    store::settings::set_once(&store.pool, "audit_origin", &candidate).await?;
    let origin = store::settings::get(&store.pool, "audit_origin")
        .await?
        .unwrap_or(candidate);
    let secret = load_or_create_key(key_path)?;
    let key_name = origin.replace('/', "-");
    let signer =
        NoteSigner::new(&key_name, secret).map_err(|e| anyhow::anyhow!("audit key: {e}"))?;
    Ok(AuditLog::new(origin, signer))
}

/// The CSAF feed's OpenPGP key: an Ed25519 secret kept beside the audit
/// signing key (`openpgp-signing.key`, created at first start like it) and
/// a creation time fixed at first start in the database (it is part of the
/// key's fingerprint), so every process of the installation signs with the
/// same published key.
async fn open_csaf_signer(
    store: &Store,
    audit_key_path: &Path,
) -> anyhow::Result<clearinghouse_domain::openpgp::PgpSigner> {
    let path = audit_key_path.with_file_name("openpgp-signing.key");
    let secret = load_or_create_key(&path)?;
    let now = crate::clock::now().unix_timestamp().to_string();
    store::settings::set_once(&store.pool, "csaf_openpgp_created", &now).await?;
    let created: u32 = store::settings::get(&store.pool, "csaf_openpgp_created")
        .await?
        .and_then(|t| t.parse().ok())
        .context("the OpenPGP key's creation time in settings is not a number")?;
    Ok(clearinghouse_domain::openpgp::PgpSigner::new(
        secret,
        created,
        "Clearinghouse CSAF provider",
    ))
}

/// Reads a base64 Ed25519 secret, or creates one (mode 0600) when absent.
pub fn load_or_create_key(path: &Path) -> anyhow::Result<[u8; 32]> {
    if path.exists() {
        return read_key(path);
    }
    let secret = crate::auth::secrets::random_bytes();
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, STANDARD.encode(secret))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(secret)
}

/// Reads a base64 Ed25519 secret.
pub fn read_key(path: &Path) -> anyhow::Result<[u8; 32]> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let bytes = STANDARD
        .decode(text.trim())
        .context("audit key is not base64")?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| anyhow::anyhow!("audit key must be 32 bytes"))
}
