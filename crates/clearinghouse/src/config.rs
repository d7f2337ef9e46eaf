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
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Score CVSS 3.x and 4.0 vectors (one per line from standard input when none is given).
    Cvss(CvssArgs),
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
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "CLEARINGHOUSE_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Send session cookies without the Secure attribute (only for plain-HTTP
    /// deployments that are not on localhost).
    #[arg(long, env = "CLEARINGHOUSE_INSECURE_COOKIES")]
    pub insecure_cookies: bool,
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
    #[command(flatten)]
    pub smtp: crate::notify_email::SmtpArgs,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the audit log from scratch: recompute the tree from every
    /// entry, check signed checkpoints, and prove an earlier checkpoint is a
    /// prefix of the log.
    Verify(VerifyArgs),
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

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Append audit entries; report throughput, signing and proof times.
    Audit(BenchAuditArgs),
}

#[derive(Debug, Clone, Args)]
pub struct BenchAuditArgs {
    /// Number of audit entries to append.
    #[arg(long, default_value_t = 1_000_000)]
    pub entries: u64,
    /// Database URL (default: a fresh SQLite file in a temporary folder).
    #[arg(long)]
    pub database_url: Option<String>,
}
