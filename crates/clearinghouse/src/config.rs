//! Configuration: one typed struct per role, built by clap, each flag with
//! its environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "clearinghouse",
    version,
    about = "AI cybersecurity clearinghouse and frontier-model pre-release framework"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API and web UI (and, unless --no-worker, the background jobs).
    Serve(ServeArgs),
    /// Run background jobs only (for scale-out beside `serve --no-worker`).
    Worker(WorkerArgs),
    /// Apply database migrations and exit.
    Migrate(StorageArgs),
    /// Audit log tools.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Measure hot paths against a baseline in the same run.
    #[cfg(feature = "bench")]
    #[command(subcommand)]
    Bench(crate::cli::bench::BenchCommand),
    /// Score CVSS 3.x and 4.0 vectors (one per line from standard input when none is given).
    Cvss(CvssArgs),
    /// Software bills of materials of your assets (client of a running server).
    #[command(subcommand)]
    Sbom(SbomCommand),
    /// Advisory feeds: OSV, CVE JSON 5, CSAF 2.0, CISA KEV, EPSS (client of a running server).
    #[command(subcommand)]
    Advisory(AdvisoryCommand),
    /// List exposures: which advisories affect which assets, with priority and deadline.
    Exposures(ExposuresArgs),
    /// Re-match every asset against every advisory, shared by every server and
    /// worker process; waits and prints the counts (client of a running server).
    Rematch(RematchArgs),
    /// Submit scanner findings (SARIF 2.1.0, OSV, CSAF 2.0, CVE JSON 5, native JSON),
    /// wait for processing and print what became of them (client of a running server).
    Submit(SubmitArgs),
    /// The frontier-model registry: register, list and show models (client of a running server).
    #[command(subcommand)]
    Model(ModelCommand),
    /// Benchmark suites of cyber tasks: create, load Cybench, show, list (client of a running server).
    #[command(subcommand)]
    Suite(crate::cli::suite::SuiteCommand),
    /// Evaluation runs: import Inspect logs against a suite (client of a running server).
    #[command(subcommand)]
    Eval(crate::cli::eval::EvalCommand),
    /// Binding Operational Directives: issue, amend, list, show, report (client of a running server).
    #[command(subcommand)]
    Directive(crate::cli::directive::DirectiveCommand),
    /// Directive compliance: on time / overdue / excepted counts per directive (client of a running server).
    Compliance(crate::cli::directive::ComplianceArgs),
    /// Designation inquiries: open, consult, decide (client of a running server).
    #[command(subcommand)]
    Inquiry(crate::cli::inquiry::InquiryCommand),
    /// Coordination cases: open, invite, join, vendor status (client of a running server).
    #[command(subcommand)]
    Case(crate::cli::case::CaseCommand),
    /// Vendor VEX documents for a case (client of a running server).
    #[command(subcommand)]
    Vex(crate::cli::case::VexCommand),
    /// CSAF provider feeds: verify one online or from a copy on disk.
    #[command(subcommand)]
    Csaf(crate::cli::csaf::CsafCommand),
    /// Patches in a case: upload (client of a running server), verify (offline).
    #[command(subcommand)]
    Patch(crate::cli::patch::PatchCommand),
    /// Scan campaigns: create, list, show, overlaps, stop (client of a running server).
    #[command(subcommand)]
    Campaign(crate::cli::campaign::CampaignCommand),
    /// Operators' network assets: add, verify, attest, list (client of a running server).
    #[command(subcommand)]
    Netasset(crate::cli::campaign::NetassetCommand),
    /// Scanning grants: create, revoke, list (client of a running server).
    #[command(subcommand)]
    Grant(crate::cli::campaign::GrantCommand),
    /// Report scanning you observed; exits 3 when no authorized campaign covers it.
    ScanReport(crate::cli::campaign::ScanReportArgs),
    /// Access windows on covered models: open, grant, revoke, usage (client of a running server).
    #[command(subcommand)]
    Window(crate::cli::window::WindowCommand),
    /// The catalog of defensive tools for operators: list, request, decide (client of a running server).
    #[command(subcommand)]
    Tools(crate::cli::tools::ToolsCommand),
    /// Operator verbs, run beside the database like the first start.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Assets: archive and unarchive (client of a running server).
    #[command(subcommand)]
    Asset(AssetCommand),
    /// API tokens: revoke (client of a running server).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Organisations: archive (platform admins; client of a running server).
    #[command(subcommand)]
    Org(OrgCommand),
}

#[derive(Debug, Subcommand)]
pub enum AssetCommand {
    /// Archive an asset: its open exposures are resolved, its components
    /// stop matching and SBOM uploads are refused until it is unarchived.
    Archive(AssetArchiveArgs),
    /// Unarchive an asset: its inventory is matched again.
    Unarchive(AssetArchiveArgs),
}

#[derive(Debug, Clone, Args)]
pub struct AssetArchiveArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Name (or id) of the asset.
    pub name: String,
    /// Why (required, at most 2000 characters); kept with the asset and audited.
    #[arg(long)]
    pub reason: String,
    /// Organisation owning the asset (id or name), for coordinators and admins.
    #[arg(long, env = "CLEARINGHOUSE_ORG")]
    pub org: Option<String>,
    /// Print the asset as the server sent it.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Revoke a token: yours, or anyone's as a platform admin.
    Revoke(TokenRevokeArgs),
}

#[derive(Debug, Clone, Args)]
pub struct TokenRevokeArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The token's id (not its secret).
    pub id: String,
    /// Print the token as the server sent it.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Archive an organisation: its records stay, it can no longer sign in.
    Archive(OrgArchiveArgs),
}

#[derive(Debug, Clone, Args)]
pub struct OrgArchiveArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The organisation's id.
    pub id: String,
    /// Why (required, at most 2000 characters); kept with it and audited.
    #[arg(long)]
    pub reason: String,
    /// Disable its active users and end their sessions and tokens (else
    /// active users make archiving fail).
    #[arg(long)]
    pub disable_users: bool,
    /// Print the organisation as the server sent it.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Add a platform administrator as the operator. The two-person rule
    /// needs a second administrator, and no one can grant that role alone
    /// through the API; this is the operator's way, audited as the system.
    AddPlatformAdmin(AddPlatformAdminArgs),
}

#[derive(Debug, Clone, Args)]
pub struct AddPlatformAdminArgs {
    /// The new administrator's username.
    pub username: String,
    /// Its password (12 to 256 characters).
    #[arg(long, env = "CLEARINGHOUSE_NEW_ADMIN_PASSWORD", hide_env_values = true)]
    pub password: String,
    #[command(flatten)]
    pub storage: StorageArgs,
}

#[derive(Debug, Clone, Args)]
pub struct CvssArgs {
    /// Vectors such as `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`.
    pub vectors: Vec<String>,
    /// Print a JSON array, one object per vector.
    #[arg(long)]
    pub json: bool,
}

/// Where data lives. Shared by every role that opens the database.
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// Folder for the embedded database, artifacts and the audit signing key.
    #[arg(
        long,
        env = "CLEARINGHOUSE_DATA_DIR",
        default_value = "clearinghouse-data"
    )]
    pub data_dir: PathBuf,
    /// Database URL; `postgres://` switches to PostgreSQL. Default: SQLite in the data folder.
    #[arg(long, env = "CLEARINGHOUSE_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Object store for artifacts: a local folder (default: `artifacts/` in the data
    /// folder), `file:///path`, or `s3://bucket/prefix` (credentials from the usual AWS_* variables).
    #[arg(long, env = "CLEARINGHOUSE_OBJECT_STORE_URL")]
    pub object_store_url: Option<String>,
    /// Ed25519 key that signs audit checkpoints (32 bytes, base64). Default:
    /// `audit-signing.key` in the data folder, created on first start. Every
    /// process of one installation must use the same key.
    #[arg(long, env = "CLEARINGHOUSE_AUDIT_KEY_FILE")]
    pub audit_key_file: Option<PathBuf>,
    /// Key-encryption key (32 bytes, base64) sealing secrets at rest, such
    /// as webhook signing secrets. Default: `key-encryption.key` in the
    /// data folder, created on first start. Keep it out of database
    /// backups; every process of one installation must use the same key.
    #[arg(long, env = "CLEARINGHOUSE_KEK_FILE")]
    pub kek_file: Option<PathBuf>,
    /// Maximum database connections of this process.
    #[arg(long, env = "CLEARINGHOUSE_DB_CONNECTIONS", default_value_t = 16)]
    pub db_connections: u32,
}

impl StorageArgs {
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("clearinghouse.db").display()
            ),
        }
    }

    pub fn kek_path(&self) -> PathBuf {
        self.kek_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("key-encryption.key"))
    }

    pub fn audit_key_path(&self) -> PathBuf {
        self.audit_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit-signing.key"))
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Address to listen on.
    #[arg(long, env = "CLEARINGHOUSE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The URL people use to reach this server (printed at start, used in links).
    #[arg(long, env = "CLEARINGHOUSE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Do not run background jobs in this process.
    #[arg(long, env = "CLEARINGHOUSE_NO_WORKER")]
    pub no_worker: bool,
    /// Seconds a job's worker may stay silent before another worker takes
    /// the job over (after a crash); a running job renews it every third of
    /// it. Give every process of an installation the same value.
    #[arg(long, env = "CLEARINGHOUSE_JOB_LEASE_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(3..=3600))]
    pub job_lease_secs: u64,
    /// Findings per chunk when a large submission is split so that several
    /// workers (`serve` and `worker` processes on one PostgreSQL) commit it
    /// at once; 0 never splits. Default: 50000 on PostgreSQL, no split on
    /// SQLite. The process that reads the file decides.
    #[arg(long, env = "CLEARINGHOUSE_CHUNK_FINDINGS")]
    pub chunk_findings: Option<usize>,
    /// Items of a new submission committed per transaction (each batch
    /// also stores its item results and one audit entry). Larger batches
    /// write faster and hold more in memory while processing. Kept with
    /// each submission: changing it affects only submissions made after.
    #[arg(long, env = "CLEARINGHOUSE_BATCH_FINDINGS",
          default_value_t = crate::app::DEFAULT_BATCH_FINDINGS as u64,
          value_parser = clap::value_parser!(u64).range(100..=50_000))]
    pub batch_findings: u64,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "CLEARINGHOUSE_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Largest accepted file of findings (`POST /api/v1/submissions`), in
    /// bytes; it is streamed to disk, never held in memory.
    #[arg(long, env = "CLEARINGHOUSE_MAX_SUBMISSION_BYTES", default_value_t = crate::app::DEFAULT_MAX_SUBMISSION_BYTES)]
    pub max_submission_bytes: u64,
    /// Send session cookies without the Secure attribute (only for plain-HTTP
    /// deployments that are not on localhost).
    #[arg(long, env = "CLEARINGHOUSE_INSECURE_COOKIES")]
    pub insecure_cookies: bool,
    /// Let webhooks reach loopback and private-network addresses.
    #[arg(long, env = "CLEARINGHOUSE_ALLOW_PRIVATE_WEBHOOKS")]
    pub allow_private_webhooks: bool,
    /// A body every designation inquiry consults, `ID=NAME` (repeatable; the
    /// variable separates entries with `;`). Default: the order's four.
    #[arg(
        long = "consultee",
        value_name = "ID=NAME",
        env = "CLEARINGHOUSE_CONSULTEES",
        value_delimiter = ';'
    )]
    pub consultees: Vec<String>,
    /// Also serve `/metrics` without credentials on this address (for a
    /// Prometheus scraper on a private network); on the main listener
    /// `/metrics` needs a platform admin's or auditor's credential.
    #[arg(long, env = "CLEARINGHOUSE_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// The Contact of `/.well-known/security.txt` (RFC 9116): a `mailto:`,
    /// `https:` or `tel:` URI. Default: `mailto:security@<public host>`.
    #[arg(long, env = "CLEARINGHOUSE_SECURITY_CONTACT")]
    pub security_contact: Option<String>,
    #[command(flatten)]
    pub smtp: crate::notify_email::SmtpArgs,
}

#[derive(Debug, Clone, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Stop when the queue is empty instead of waiting for more jobs.
    #[arg(long)]
    pub exit_when_idle: bool,
    /// Name of this worker in the jobs table (default: host and process id).
    #[arg(long, env = "CLEARINGHOUSE_WORKER_ID")]
    pub worker_id: Option<String>,
    /// Seconds a job's worker may stay silent before another worker takes
    /// the job over (after a crash); a running job renews it every third of
    /// it. Give every process of an installation the same value.
    #[arg(long, env = "CLEARINGHOUSE_JOB_LEASE_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(3..=3600))]
    pub job_lease_secs: u64,
    /// Findings per chunk when a large submission is split so that several
    /// workers (`serve` and `worker` processes on one PostgreSQL) commit it
    /// at once; 0 never splits. Default: 50000 on PostgreSQL, no split on
    /// SQLite. The process that reads the file decides.
    #[arg(long, env = "CLEARINGHOUSE_CHUNK_FINDINGS")]
    pub chunk_findings: Option<usize>,
    /// Let webhooks reach loopback and private-network addresses.
    #[arg(long, env = "CLEARINGHOUSE_ALLOW_PRIVATE_WEBHOOKS")]
    pub allow_private_webhooks: bool,
    #[command(flatten)]
    pub smtp: crate::notify_email::SmtpArgs,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the audit log from scratch: recompute the tree from every
    /// entry, check signed checkpoints, and prove an earlier checkpoint is a
    /// prefix of the log.
    Verify(VerifyArgs),
    /// Verify an evidence bundle offline against the log's public key.
    VerifyBundle(crate::cli::verify_bundle::VerifyBundleArgs),
}

#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// Verify a running server.
    #[arg(long, env = "CLEARINGHOUSE_SERVER", conflicts_with = "data_dir")]
    pub server: Option<String>,
    /// API token for --server (needs the auditor or platform_admin role).
    #[arg(long, env = "CLEARINGHOUSE_TOKEN")]
    pub token: Option<String>,
    /// Verify a data folder offline (its database and its key).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Database URL for offline verification (default: the data folder's SQLite).
    #[arg(long)]
    pub database_url: Option<String>,
    /// The expected verifier key (`name+keyid+base64`); pins the signer.
    #[arg(long)]
    pub verifier_key: Option<String>,
    /// An earlier signed checkpoint (a file holding the signed note) that the
    /// log must extend.
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
    /// Write the newest verified checkpoint to this file, for the next run.
    #[arg(long)]
    pub save_checkpoint: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The server a client command talks to, and the token it sends.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Base URL of the server, such as `https://clearinghouse.example`.
    #[arg(long, env = "CLEARINGHOUSE_SERVER")]
    pub server: String,
    /// API token, sent as `Authorization: Bearer <token>`.
    #[arg(long, env = "CLEARINGHOUSE_TOKEN", hide_env_values = true)]
    pub token: String,
}

#[derive(Debug, Subcommand)]
pub enum SbomCommand {
    /// Upload SBOM files (CycloneDX JSON/XML, SPDX JSON/tag-value) for one
    /// asset, creating the asset when it does not exist. With several files
    /// each is uploaded in turn and the last one is the asset's inventory.
    Upload(SbomUploadArgs),
}

/// How much an asset matters to its operator's mission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MissionImpact {
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, Args)]
pub struct SbomUploadArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Name of the asset the SBOM describes.
    #[arg(long, env = "CLEARINGHOUSE_ASSET")]
    pub asset: String,
    /// Organisation owning the asset (id or name), for coordinators and
    /// admins acting for an operator.
    #[arg(long, env = "CLEARINGHOUSE_ORG")]
    pub org: Option<String>,
    /// The asset is reachable from the internet (set on creation, or updated).
    #[arg(long, env = "CLEARINGHOUSE_ASSET_PUBLIC")]
    pub public: bool,
    /// The asset's mission impact (default on creation: medium; updated when given).
    #[arg(long, value_enum, env = "CLEARINGHOUSE_MISSION_IMPACT")]
    pub mission_impact: Option<MissionImpact>,
    /// Print one JSON document with a result per file.
    #[arg(long)]
    pub json: bool,
    /// SBOM files, uploaded in this order.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AdvisoryCommand {
    /// Import advisory files and folders (searched recursively for .json,
    /// .yaml, .yml, .csv and .zip files), four uploads at a time.
    Import(AdvisoryImportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct AdvisoryImportArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Import the advisories under embargo.
    #[arg(long, env = "CLEARINGHOUSE_EMBARGO")]
    pub embargo: bool,
    /// Print the totals and per-file results as JSON.
    #[arg(long)]
    pub json: bool,
    /// How long to wait for one file's import to finish on the server
    /// (seconds); a file still running then counts as failed.
    #[arg(long, env = "CLEARINGHOUSE_IMPORT_TIMEOUT", default_value_t = 3600)]
    pub timeout: u64,
    /// Files and folders to import.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct RematchArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// How many jobs to cut the assets into (1 to 1024): at least the
    /// number of processes that should share the work (never more than
    /// there are assets).
    #[arg(long, default_value_t = crate::matching::runs::DEFAULT_PARTS)]
    pub parts: usize,
    /// How long to wait for the run to finish (seconds).
    #[arg(long, default_value_t = 3600)]
    pub timeout: u64,
    /// Print the finished run as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ExposuresArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Only this asset (name or id).
    #[arg(long, env = "CLEARINGHOUSE_ASSET")]
    pub asset: Option<String>,
    /// Only this organisation (id or name).
    #[arg(long, env = "CLEARINGHOUSE_ORG")]
    pub org: Option<String>,
    /// Only exposures in this state, such as `open`.
    #[arg(long, env = "CLEARINGHOUSE_EXPOSURE_STATE")]
    pub state: Option<String>,
    /// Print a JSON array of the exposures as the server sent them.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Target of findings whose file names none (many scanners' SARIF names only
    /// file paths): a package URL such as `pkg:pypi/paramiko@2.4.0`,
    /// `repo:URL@REVISION` or `product:VENDOR/PRODUCT@VERSION`.
    #[arg(long, env = "CLEARINGHOUSE_TARGET")]
    pub target: Option<String>,
    /// The scan campaign the findings come from.
    #[arg(long, env = "CLEARINGHOUSE_CAMPAIGN")]
    pub campaign: Option<String>,
    /// The access window (its id) whose covered model the findings were
    /// found with; you must hold an active grant on it. The findings are
    /// shared with the window's developer and grantees' organisations.
    #[arg(long)]
    pub window: Option<String>,
    /// TLP marking of the findings: CLEAR, GREEN, AMBER (the server's default)
    /// or AMBER+STRICT.
    #[arg(long, env = "CLEARINGHOUSE_TLP")]
    pub tlp: Option<String>,
    /// Visibility expression of the findings, such as `CUI & (FRONTIER | PCII)`.
    #[arg(long, env = "CLEARINGHOUSE_VISIBILITY")]
    pub visibility: Option<String>,
    /// Makes a resubmission a no-op (default: the file's digest does). With
    /// several files, file N is sent with `KEY-N`.
    #[arg(long)]
    pub idempotency_key: Option<String>,
    /// Return once the files are accepted, without waiting for processing.
    #[arg(long)]
    pub no_wait: bool,
    /// Print one JSON document: the submissions and their total.
    #[arg(long)]
    pub json: bool,
    /// Files of findings, uploaded in this order.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Register a model under development (members of an AI-developer
    /// organisation). Labels default to AMBER+STRICT and no visibility.
    Register(Box<ModelRegisterArgs>),
    /// List the models you may read.
    List(ModelListArgs),
    /// Show one model with its non-binding compute reference points.
    Show(ModelShowArgs),
    /// Set or move the planned release dates (the developer alone).
    Dates(crate::cli::window::DatesArgs),
    /// Record the model's release (the developer alone); open windows close.
    Release(crate::cli::window::NoteArgs),
    /// Withdraw the model from the framework: windows close, grants end.
    Withdraw(crate::cli::window::NoteArgs),
    /// Trusted partners of a covered model: nominate, list, approve, withdraw.
    #[command(subcommand)]
    Partner(crate::cli::partner::PartnerCommand),
}

#[derive(Debug, Clone, Args)]
pub struct ModelRegisterArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The model's name.
    #[arg(long)]
    pub name: String,
    /// The model's version.
    #[arg(long)]
    pub version: String,
    /// Training compute in operations, such as `3.2e25`.
    #[arg(long)]
    pub compute: String,
    /// Planned release to trusted partners, `YYYY-MM-DD`.
    #[arg(long)]
    pub partner_release: Option<String>,
    /// Planned public release, `YYYY-MM-DD`.
    #[arg(long)]
    pub public_release: Option<String>,
    /// Modalities, such as `text`, `code`, `image` (repeatable).
    #[arg(long = "modality")]
    pub modalities: Vec<String>,
    /// A short description.
    #[arg(long, default_value = "")]
    pub description: String,
    /// Who to contact about the model (default: empty, which the server refuses).
    #[arg(long, default_value = "")]
    pub contact: String,
    /// TLP marking (server default AMBER+STRICT).
    #[arg(long)]
    pub tlp: Option<String>,
    /// Visibility expression, such as `FRONTIER` (you must hold it).
    #[arg(long)]
    pub visibility: Option<String>,
    /// Organisation ids an AMBER model is shared with (repeatable).
    #[arg(long = "share-with")]
    pub shared_with_orgs: Vec<String>,
    /// Print the model as the server returned it.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ModelListArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Print a JSON array of the models as the server sent them.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ModelShowArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The model's id.
    pub id: String,
    /// Print the model as the server returned it.
    #[arg(long)]
    pub json: bool,
}
