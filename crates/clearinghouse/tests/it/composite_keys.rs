//! The rows intake and matching write in bulk agree with their parents: a
//! finding's reporter, reporting user and label are its submission's, a
//! sighting's organisation is its submission's, an exposure's organisation
//! is its asset's. On PostgreSQL the database enforces it (one composite
//! foreign key each, migration 0040) and refuses a row that disagrees; on
//! SQLite, whose separate keys cannot say it, the product's rows are
//! checked.

use clearinghouse::store::Backend;

use crate::both_backends;
use crate::exposure::{asset, cyclonedx, import, operator, osv_paramiko, upload};
use crate::findings::{finding, native, reporter, submit_and_wait};
use crate::harness::TestApp;

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&app.app.store.pool)
        .await
        .expect(sql)
}

/// Runs `sql` binding `value`; whether the database accepted it.
async fn accepted(app: &TestApp, sql: &str, value: &str) -> bool {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(value)
        .execute(&app.app.store.pool)
        .await
        .is_ok()
}

async fn rows_agree_with_their_parents(app: TestApp) {
    // Two reporters at two labels; the second sees the first's finding
    // again, so its sighting points at a finding of another submission.
    let (_, lab_a) = reporter(&app, "lab-a").await;
    let (lab_b_org, lab_b) = reporter(&app, "lab-b").await;
    let a = submit_and_wait(
        &app,
        &lab_a,
        native(&[
            finding("Auth bypass", "paramiko/auth.py", 10),
            finding("Path traversal", "paramiko/sftp.py", 20),
        ]),
        "",
    )
    .await;
    assert_eq!(a["counts"]["new"], 2, "{a}");
    let b = submit_and_wait(
        &app,
        &lab_b,
        native(&[finding("Auth bypass", "paramiko/auth.py", 10)]),
        "?tlp=GREEN",
    )
    .await;
    assert_eq!(b["counts"]["duplicates"], 1, "{b}");

    // An operator exposed through its asset.
    let (operator_org, ops) = operator(&app, "Rural Hospital").await;
    let ehr = asset(&app, &ops, "ehr", true).await;
    let (s, v) = upload(&app, &ops, &ehr, cyclonedx(&[("paramiko", "2.4.0")])).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = import(
        &app,
        &app.admin_token,
        "ghsa.json",
        serde_json::to_vec(&osv_paramiko()).unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["exposures"]["new"], 1, "{v}");

    // As the product wrote them.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM findings").await, 2);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM findings f JOIN submissions s ON s.id = f.submission_id \
             WHERE f.reporter_org = s.org_id AND f.reported_by = s.submitted_by \
             AND f.visibility_id = s.visibility_id"
        )
        .await,
        2,
        "every finding carries its submission's reporter, user and label"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM finding_sightings").await,
        3
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM finding_sightings g JOIN submissions s ON s.id = g.submission_id \
             WHERE g.org_id = s.org_id"
        )
        .await,
        3,
        "every sighting carries its submission's organisation"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM exposures e JOIN assets a ON a.id = e.asset_id \
             WHERE e.org_id = a.org_id"
        )
        .await,
        1,
        "the exposure carries its asset's organisation"
    );

    if app.app.store.backend != Backend::Postgres {
        return;
    }
    // A row that disagrees with its parent is refused, and changes nothing.
    assert!(!accepted(&app, "UPDATE findings SET reporter_org = $1", &lab_b_org).await);
    let (other_user, _) = app.user(&operator_org, "ops-two", &["member"]).await;
    assert!(!accepted(&app, "UPDATE findings SET reported_by = $1", &other_user).await);
    assert!(
        !accepted(
            &app,
            "UPDATE finding_sightings SET org_id = $1",
            &operator_org
        )
        .await
    );
    assert!(!accepted(&app, "UPDATE exposures SET org_id = $1", &lab_b_org).await);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM findings f JOIN submissions s ON s.id = f.submission_id \
             WHERE f.reporter_org = s.org_id"
        )
        .await,
        2
    );
}

both_backends!(rows_agree_with_their_parents, rows_agree_with_their_parents);
