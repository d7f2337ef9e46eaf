//! Advisory imports as background work: `submit` spools the body to the
//! artifact store and queues an `advisory_import` job (answered 202 with the
//! import), `process` is that job's body, and `get`/`list` show progress and
//! totals. What can be told at once stays synchronous: the caller's role
//! (403), the size (413), an empty or binary non-zip file (422). Parsing,
//! zip limits and storing run in the job, parsing on a blocking thread;
//! a file refused as a whole ends `failed` with its reason.

use clearinghouse_domain::advisory::{self, Document};
use clearinghouse_domain::identity::{Role, Scope};
use futures_util::Stream;

use super::{BATCH, IMPORTERS, archive, feeds, import_advisories, parse_error};
use crate::app::AppState;
use crate::artifacts::Artifacts;
use crate::auth::{Principal, Via};
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::jobs::{self, advisory_import::AdvisoryImportJob};
use crate::model::Page;
use crate::model::exposure::{ImportReport, ImportState, ItemError};
use crate::store;
use crate::store::advisories::imports::{AdvisoryImport, Failure};
use crate::workflows::spool::spool;
use crate::workflows::{into_page, new_id, page_size};

/// Most records refused by name in one import's report; past it, one
/// last entry says how many more.
pub const MAX_REASONS: usize = 1000;

const NOT_ADVISORY: &str =
    "not an advisory file (OSV, CVE JSON 5, CSAF 2.0, NVD, KEV, EPSS, or a zip of them)";

/// Whether the first bytes could start an advisory file: a zip, or text.
fn plausible(head: &[u8]) -> bool {
    if archive::is_zip(head) {
        return true;
    }
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        // A character cut at the end of the head is fine.
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > head.len(),
    }
}

/// Accepts a file to import. `(true, import)` for a new one queued,
/// `(false, the earlier one)` when the same file with the same options is
/// still queued or running for the caller's organisation.
pub async fn submit<S, B, E>(
    app: &AppState,
    who: &Principal,
    options: &super::ImportOptions,
    body: S,
) -> AppResult<(bool, AdvisoryImport)>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    who.require(Scope::AdvisoriesWrite, IMPORTERS)?;
    if options.name.chars().count() > 255 {
        return Err(AppError::invalid("name", "at most 255 characters"));
    }
    // The name is shown on import pages: the one text rule for file names
    // (no control or bidi characters, no path), as for every other upload.
    if !options.name.is_empty() {
        clearinghouse_domain::text::validate_title("name", &options.name, 255)
            .map_err(crate::workflows::frontier::suites::text_error)?;
        if options.name.contains(['/', '\\']) || options.name.trim() == ".." {
            return Err(AppError::invalid(
                "name",
                "a file name, not a path: no '/' or '\\'",
            ));
        }
    }
    let (spooled, sha256, size, head) = spool(
        app,
        body,
        super::MAX_IMPORT_BYTES as u64,
        "advisory-import",
        64 * 1024,
    )
    .await?;
    if size == 0 {
        return Err(AppError::invalid("body", "the file is empty"));
    }
    if !plausible(&head) {
        return Err(AppError::invalid("body", NOT_ADVISORY));
    }
    let pool = &app.store.pool;
    let pending = store::advisories::imports::pending_for(
        pool,
        who.org_id(),
        &sha256,
        &options.name,
        options.embargo,
    );
    if let Some(found) = pending.await? {
        return Ok((false, found));
    }
    let artifact_key = Artifacts::key_for(&sha256);
    app.artifacts
        .put_file(&artifact_key, &spooled.0)
        .await
        .map_err(|e| AppError::internal("artifact store", e))?;
    drop(spooled);
    let now = clock::now_text();
    let import = AdvisoryImport {
        id: new_id(),
        imported_by: who.user_id().to_owned(),
        org_id: who.org_id().to_owned(),
        file_name: options.name.clone(),
        sha256,
        size_bytes: size as i64,
        embargo: options.embargo,
        state: ImportState::Queued,
        error: None,
        error_field: None,
        error_status: None,
        created_at: now.clone(),
        started_at: None,
        finished_at: None,
        report: ImportReport::default(),
    };
    let mut tx = app.store.begin_write().await?;
    store::advisories::imports::insert(&mut *tx, &import, &artifact_key).await?;
    let job = AdvisoryImportJob {
        import_id: import.id.clone(),
    };
    let key = format!("advisory_import:{}", import.id);
    jobs::enqueue(&mut tx, &job, Some(&key), &now, &now).await?;
    tx.commit().await?;
    app.jobs_queued.notify_one();
    Ok((true, import))
}

/// Coordinators read every import; others their organisation's.
fn reads_all(who: &Principal) -> bool {
    who.has_any_role(&[Role::Coordinator])
}

/// One import the caller may read; 404 otherwise.
pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<AdvisoryImport> {
    who.require_scope(Scope::AdvisoriesRead)?;
    store::advisories::imports::get_readable(&app.store.pool, id, who.org_id(), reads_all(who))
        .await?
        .ok_or(AppError::NotFound)
}

/// Imports the caller may read, newest first.
pub async fn list(
    app: &AppState,
    who: &Principal,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<AdvisoryImport>> {
    who.require_scope(Scope::AdvisoriesRead)?;
    let limit = page_size(limit);
    let rows = store::advisories::imports::list_readable(
        &app.store.pool,
        who.org_id(),
        reads_all(who),
        cursor,
        limit + 1,
    )
    .await?;
    Ok(into_page(rows, limit, |i| i.id.clone()))
}

/// What the parsing thread hands over.
enum Parsed {
    Format(&'static str),
    Doc(Box<Document>),
    Refused(ItemError),
    Fatal(Failure),
}

fn archive_failure(e: archive::ArchiveError) -> Failure {
    // As the synchronous import answered: 413 for a limit, else 422.
    let status = match e {
        archive::ArchiveError::Unreadable(_) | archive::ArchiveError::Entry { .. } => 422,
        _ => 413,
    };
    Failure {
        message: e.to_string(),
        field: (status == 422).then(|| "body".to_owned()),
        status,
    }
}

fn format_of(doc: &Document) -> &'static str {
    match doc {
        Document::Osv(_) => "osv",
        Document::Cve(_) => "cve",
        Document::Csaf(_) => "csaf",
        Document::Nvd(_) => "nvd",
        Document::Kev(_) => "kev",
        Document::Epss(_) => "epss",
    }
}

/// A fault reading the spooled file itself.
fn read_failure(e: std::io::Error) -> Failure {
    Failure {
        message: format!("reading the spooled file: {e}"),
        field: None,
        status: 500,
    }
}

/// Reads the file and parses it (blocking), sending what it finds. Memory
/// does not grow with the file: a zip is read entry by entry from the file
/// on disk (see `archive`), a single document through a reader bounded at
/// the largest document accepted.
fn parse_file(path: &std::path::Path, name: &str, out: &tokio::sync::mpsc::Sender<Parsed>) {
    let send = |p: Parsed| out.blocking_send(p).is_ok();
    let (file, is_zip) = match open_spooled(path) {
        Ok(opened) => opened,
        Err(e) => {
            send(Parsed::Fatal(read_failure(e)));
            return;
        }
    };
    if !is_zip {
        let parsed = match read_document(file) {
            Ok(Ok(bytes)) => advisory::parse_document(name, &bytes),
            Ok(Err(too_large)) => Err(too_large),
            Err(e) => {
                send(Parsed::Fatal(read_failure(e)));
                return;
            }
        };
        match parsed {
            Ok(doc) => {
                let _ = send(Parsed::Format(format_of(&doc))) && send(Parsed::Doc(Box::new(doc)));
            }
            Err(e) => {
                send(Parsed::Fatal(Failure {
                    message: e.to_string(),
                    field: Some(
                        e.field()
                            .map(|f| format!("body.{f}"))
                            .or_else(|| e.line().map(|l| format!("body line {l}")))
                            .unwrap_or_else(|| "body".to_owned()),
                    ),
                    status: 422,
                }));
            }
        }
        return;
    }
    if !send(Parsed::Format("zip")) {
        return;
    }
    let reopened = file.try_clone().map(std::io::BufReader::new);
    let entries = match reopened {
        Err(e) => {
            send(Parsed::Fatal(read_failure(e)));
            return;
        }
        Ok(first) => archive::check(first, &archive::LIMITS)
            .and_then(|()| archive::Entries::new(std::io::BufReader::new(file), archive::LIMITS)),
    };
    let mut entries = match entries {
        Ok(entries) => entries,
        Err(e) => {
            send(Parsed::Fatal(archive_failure(e)));
            return;
        }
    };
    while let Some(entry) = entries.next_entry() {
        let sent = match entry {
            Err(e) => {
                send(Parsed::Fatal(archive_failure(e)));
                return;
            }
            Ok((entry, buf)) => match advisory::parse_document(&entry, &buf) {
                Ok(doc) => send(Parsed::Doc(Box::new(doc))),
                Err(e) => send(Parsed::Refused(parse_error(&entry, &e))),
            },
        };
        if !sent {
            return;
        }
    }
}

/// Opens the spooled file and tells whether it starts like a zip.
fn open_spooled(path: &std::path::Path) -> std::io::Result<(std::fs::File, bool)> {
    use std::io::{Read, Seek};
    let mut file = std::fs::File::open(path)?;
    let mut magic = [0u8; 4];
    let mut got = 0;
    while got < magic.len() {
        match file.read(&mut magic[got..])? {
            0 => break,
            n => got += n,
        }
    }
    file.rewind()?;
    Ok((file, archive::is_zip(&magic[..got])))
}

/// A single document, read through a reader bounded at the largest
/// document accepted: a larger file is refused as the parser refuses it
/// (`TooLarge`, naming its size and the limit) without being read.
fn read_document(file: std::fs::File) -> std::io::Result<Result<Vec<u8>, advisory::AdvisoryError>> {
    use std::io::Read;
    let limit = advisory::MAX_DOCUMENT_BYTES;
    let size = file.metadata()?.len();
    if size > limit as u64 {
        return Ok(Err(advisory::AdvisoryError::TooLarge {
            size: usize::try_from(size).unwrap_or(usize::MAX),
            limit,
        }));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // One byte past the limit, so a file grown since is still refused.
    file.take(limit as u64 + 1).read_to_end(&mut bytes)?;
    Ok(Ok(bytes))
}

/// The job's body: imports the spooled file of import `id` as `who`,
/// recording progress a batch at a time; a file refused as a whole ends
/// the import `failed` with its reason.
pub async fn process(
    app: &AppState,
    id: &str,
    local: &std::path::Path,
    who: &Principal,
    name: &str,
    embargo: bool,
) -> AppResult<()> {
    let pool = &app.store.pool;
    store::advisories::imports::start(pool, id, &clock::now_text()).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Parsed>(2);
    let (path, file_name) = (local.to_owned(), name.to_owned());
    let parser = tokio::task::spawn_blocking(move || parse_file(&path, &file_name, &tx));
    let mut report = ImportReport::default();
    let mut pending: Vec<advisory::Advisory> = Vec::new();
    let mut refused = 0usize;
    let mut failure = None;
    while let Some(parsed) = rx.recv().await {
        match parsed {
            Parsed::Format(f) => report.format = f.to_owned(),
            Parsed::Refused(e) => {
                refused += 1;
                if report.errors.len() < MAX_REASONS {
                    report.errors.push(e);
                }
            }
            Parsed::Fatal(f) => failure = Some(f),
            Parsed::Doc(doc) => match *doc {
                Document::Osv(a) | Document::Cve(a) => pending.push(a),
                Document::Csaf(list) | Document::Nvd(list) => pending.extend(list),
                Document::Kev(kev) => feeds::import_kev(app, who, &kev, &mut report).await?,
                Document::Epss(epss) => feeds::import_epss(app, who, &epss, &mut report).await?,
            },
        }
        if pending.len() >= BATCH {
            import_advisories(app, who, &pending, embargo, &mut report).await?;
            pending.clear();
            store::advisories::imports::progress(pool, id, &report).await?;
        }
    }
    parser
        .await
        .map_err(|e| AppError::internal("advisory parser", e))?;
    if failure.is_none() {
        import_advisories(app, who, &pending, embargo, &mut report).await?;
    }
    if refused > report.errors.len() {
        report.errors.push(ItemError {
            item: "…".to_owned(),
            field: None,
            message: format!("{} more record(s) refused", refused - report.errors.len()),
        });
    }
    let now = clock::now_text();
    store::advisories::imports::finish(pool, id, &report, failure.as_ref(), &now).await?;
    Ok(())
}

/// The importer as the job acts: the user who sent the file.
pub async fn importer(app: &AppState, user_id: &str) -> AppResult<Principal> {
    let user = store::accounts::users::get(&app.store.pool, user_id)
        .await?
        .ok_or_else(|| AppError::invalid("imported_by", "the importer no longer exists"))?;
    Ok(Principal::new(user, Via::System))
}
