//! The CSAF 2.0 trusted-provider feed (section 7) under
//! `/.well-known/csaf/`: `provider-metadata.json`, the public OpenPGP key
//! (`openpgp/<fingerprint>.asc`), and per TLP folder (`white`, `green`,
//! `amber`) `index.txt`, `changes.csv`, the ROLIE feed
//! (`feed-tlp-<tlp>.json`) and each document as `<year>/<name>.json` with
//! `.sha256`, `.sha512` and a detached OpenPGP `.asc` signature; the ROLIE
//! service document (`service.json`) and each folder's category document
//! (`category-tlp-<tlp>.json`). Beside it, `/.well-known/security.txt`
//! (RFC 9116, with the `CSAF:` line) and the disclosure policy it names
//! ([`well_known`]). The
//! documents are the stored revisions, served byte for byte; hashes and
//! signatures are computed from them on request (Ed25519 signatures are
//! deterministic and dated with the revision's publication, so a file never
//! changes). TLP:WHITE is public; the GREEN and AMBER folders list and
//! serve only what the caller may read under the one read policy (the
//! case's participants and the staff, by bearer token or session), and
//! everything else in them is the 404 a missing file gets.

use clearinghouse_domain::cases::csaf_feed::{
    FEED_TLPS, FeedEntry, changes_csv, document_categories, hash_files, index_txt,
    provider_metadata, rolie_categories, rolie_feed, rolie_service, security_txt, tlp_dir,
};
use clearinghouse_domain::cases::csaf_out::Publisher;
use clearinghouse_domain::identity::Scope;
use clearinghouse_domain::labels::Tlp;
use serde_json::Value;

use super::readable;
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::cases::feed::FeedRow;

/// A file of the feed.
pub struct FeedFile {
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl FeedFile {
    fn json(v: &Value) -> AppResult<Self> {
        Ok(Self {
            content_type: "application/json",
            body: serde_json::to_vec_pretty(v).map_err(|e| AppError::internal("feed JSON", e))?,
        })
    }

    fn text(content_type: &'static str, s: String) -> Self {
        Self {
            content_type,
            body: s.into_bytes(),
        }
    }
}

/// The publisher of the documents and of `provider-metadata.json`: the
/// clearinghouse, its namespace the server's public URL; without one
/// (`--public-url` unset) a reserved `.invalid` name says so.
pub fn publisher(app: &AppState) -> Publisher {
    Publisher {
        name: "Clearinghouse".into(),
        namespace: namespace(app),
    }
}

/// The server's public URL (the publisher namespace of its documents).
pub fn namespace(app: &AppState) -> String {
    let url = app.settings.public_url.trim().trim_end_matches('/');
    if url.is_empty() {
        "https://clearinghouse.invalid".to_owned()
    } else {
        url.to_owned()
    }
}

/// `<public URL>/.well-known/csaf`.
pub fn base_url(app: &AppState) -> String {
    format!("{}/.well-known/csaf", namespace(app))
}

/// One published document as the feed lists it.
struct Listed {
    entry: FeedEntry,
    row: FeedRow,
}

fn listed(row: FeedRow) -> AppResult<Listed> {
    let doc: Value = serde_json::from_str(&row.document)
        .map_err(|e| AppError::internal("stored CSAF document", e))?;
    let t = &doc["document"]["tracking"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    Ok(Listed {
        entry: FeedEntry {
            tracking_id: text(&t["id"]),
            title: text(&doc["document"]["title"]),
            initial_release_date: text(&t["initial_release_date"]),
            current_release_date: text(&t["current_release_date"]),
            categories: document_categories(&doc),
        },
        row,
    })
}

/// The documents of one TLP folder the caller may see: every one for
/// `white`; for `green` and `amber` only cases the caller reads under the
/// policy, and nothing at all (404) without a principal.
async fn folder(app: &AppState, who: Option<&Principal>, dir: &str) -> AppResult<Vec<Listed>> {
    if dir != "white" {
        let Some(who) = who else {
            return Err(AppError::NotFound);
        };
        if who.require_scope(Scope::AdvisoriesRead).is_err() {
            return Err(AppError::NotFound);
        }
    }
    let mut conn = app.store.pool.acquire().await?;
    let rows = store::cases::feed::latest(&mut conn).await?;
    drop(conn);
    let mut out = Vec::new();
    for row in rows {
        let tlp: Tlp = row
            .tlp
            .parse()
            .map_err(|e| AppError::internal("stored case TLP", e))?;
        if tlp_dir(tlp) != Some(dir) {
            continue;
        }
        if let (false, Some(who)) = (dir == "white", who) {
            match readable(app, who, &row.case_id).await {
                Ok(_) => {}
                Err(AppError::NotFound) => continue,
                Err(e) => return Err(e),
            }
        }
        out.push(listed(row)?);
    }
    Ok(out)
}

/// One file of the feed, by its path below `/.well-known/csaf/`.
pub async fn serve(app: &AppState, who: Option<&Principal>, path: &str) -> AppResult<FeedFile> {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.iter().any(|p| p.is_empty() || p.starts_with('.')) {
        return Err(AppError::NotFound);
    }
    let base = base_url(app);
    let key = app.csaf_signer.public();
    match parts.as_slice() {
        ["provider-metadata.json"] => {
            let public = folder(app, None, "white").await?;
            let last = public
                .iter()
                .map(|l| l.row.created_at.clone())
                .max()
                .unwrap_or_else(|| {
                    clock::format(
                        time::OffsetDateTime::from_unix_timestamp(i64::from(
                            app.csaf_signer.created(),
                        ))
                        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
                    )
                });
            FeedFile::json(&provider_metadata(
                &base,
                &publisher(app),
                &key.fingerprint(),
                &last,
            ))
        }
        ["service.json"] => FeedFile::json(&rolie_service(&base, &publisher(app).name)),
        ["openpgp", name] if *name == format!("{}.asc", key.fingerprint()) => Ok(FeedFile::text(
            "application/pgp-keys",
            app.csaf_signer.public_key_armored(),
        )),
        [dir, file] if FEED_TLPS.iter().any(|(d, _)| d == dir) => {
            let listed = folder(app, who, dir).await?;
            let entries: Vec<FeedEntry> = listed.into_iter().map(|l| l.entry).collect();
            match *file {
                "index.txt" => Ok(FeedFile::text(
                    "text/plain; charset=utf-8",
                    index_txt(&entries),
                )),
                "changes.csv" => Ok(FeedFile::text(
                    "text/csv; charset=utf-8",
                    changes_csv(&entries),
                )),
                f if f == format!("category-tlp-{dir}.json") => {
                    FeedFile::json(&rolie_categories(&base, &entries))
                }
                f if f == format!("feed-tlp-{dir}.json") => {
                    let label = FEED_TLPS
                        .iter()
                        .find(|(d, _)| d == dir)
                        .map_or("WHITE", |(_, l)| *l);
                    let updated = entries
                        .iter()
                        .map(|e| e.current_release_date.clone())
                        .max()
                        .unwrap_or_else(clock::now_text);
                    FeedFile::json(&rolie_feed(&base, dir, label, &entries, &updated))
                }
                _ => Err(AppError::NotFound),
            }
        }
        [dir, year, name] if FEED_TLPS.iter().any(|(d, _)| d == dir) => {
            let (doc_name, ext) = match name.rsplit_once(".json") {
                Some((stem, ext)) if ["", ".sha256", ".sha512", ".asc"].contains(&ext) => {
                    (format!("{stem}.json"), ext)
                }
                _ => return Err(AppError::NotFound),
            };
            let want = format!("{year}/{doc_name}");
            let found = folder(app, who, dir)
                .await?
                .into_iter()
                .find(|l| l.entry.path() == want)
                .ok_or(AppError::NotFound)?;
            let bytes = found.row.document.into_bytes();
            let (sha256, sha512) = hash_files(&doc_name, &bytes);
            Ok(match ext {
                "" => FeedFile {
                    content_type: "application/json",
                    body: bytes,
                },
                ".sha256" => FeedFile::text("text/plain; charset=utf-8", sha256),
                ".sha512" => FeedFile::text("text/plain; charset=utf-8", sha512),
                _ => {
                    let at = clock::parse(&found.row.created_at)
                        .map_or(0, |t| u32::try_from(t.unix_timestamp()).unwrap_or(0));
                    FeedFile::text(
                        "application/pgp-signature",
                        app.csaf_signer.sign_detached(&bytes, at),
                    )
                }
            })
        }
        _ => Err(AppError::NotFound),
    }
}

/// How long a served `security.txt` stays valid: RFC 9116 asks for less
/// than a year; it is written afresh on every request.
const SECURITY_TXT_DAYS: i64 = 180;

/// `security.txt` (RFC 9116) and the disclosure policy it names, by name
/// below `/.well-known/`; None for any other name.
pub fn well_known(app: &AppState, name: &str) -> Option<FeedFile> {
    let public = namespace(app);
    match name {
        "security.txt" => {
            let contact = app.security_contact.get().cloned().unwrap_or_else(|| {
                let host = public
                    .split("://")
                    .nth(1)
                    .unwrap_or(&public)
                    .split(['/', ':'])
                    .next()
                    .unwrap_or("localhost");
                format!("mailto:security@{host}")
            });
            let expires = (clock::now() + time::Duration::days(SECURITY_TXT_DAYS))
                .replace_time(time::Time::MIDNIGHT);
            Some(FeedFile::text(
                "text/plain; charset=utf-8",
                security_txt(&contact, &clock::format(expires), &public, &base_url(app)),
            ))
        }
        "security-policy.txt" => Some(FeedFile::text(
            "text/plain; charset=utf-8",
            format!(
                "Coordinated vulnerability disclosure at this clearinghouse\n\n\
                 Report a vulnerability as a finding (POST {public}/api/v1/submissions, or the \
                 web form at {public}/submissions) or write to the contact in \
                 {public}/.well-known/security.txt.\n\
                 Validators review each report. A validated vulnerability gets a CHX id; a \
                 coordinator opens a case, invites the vendors its products point to and agrees \
                 a target disclosure date with them, at most {} days ahead. Case data is \
                 TLP:AMBER unless the case says otherwise and is read only by its participants.\n\
                 On the disclosure date the case is published unless the date was moved (with a \
                 reason, participants told); a vulnerability exploited in the wild may be \
                 published early. Publication lifts the embargo, tells every exposed operator, \
                 and publishes a signed CSAF 2.0 advisory in the feed at \
                 {}/provider-metadata.json.\n",
                clearinghouse_domain::cases::MAX_EMBARGO_DAYS,
                base_url(app)
            ),
        )),
        _ => None,
    }
}

/// Where a case's document is in the feed (its `self` reference), when
/// the case's TLP is distributed and the server knows its public URL.
pub fn self_url(app: &AppState, tlp: Tlp, entry: &FeedEntry) -> Option<String> {
    let dir = tlp_dir(tlp)?;
    if app.settings.public_url.trim().is_empty() {
        return None;
    }
    Some(format!("{}/{dir}/{}", base_url(app), entry.path()))
}
