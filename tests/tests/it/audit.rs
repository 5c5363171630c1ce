//! The audit log's hash chain: entries sealed into one sequence, an edit, a deletion and a
//! cut-off tail named by the route and by the real `yishi audit-verify`, sealers racing without
//! sealing an entry twice, and only administrators verifying.

use std::process::Command;

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::{body, spawn_app, TestApp};

const VERIFY: &str = "/api/v1/audit-log/verify";

fn yishi_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let binary = dir.join("yishi");
    assert!(binary.exists(), "{} is missing: run `cargo build -p yishi-api --bin yishi` first", binary.display());
    binary
}

/// Runs `yishi audit-verify` against the test's database: (exit code, stdout and stderr).
fn audit_verify(app: &TestApp) -> (i32, String) {
    let out = Command::new(yishi_binary())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.database_url)
        .env("YISHI_METRICS_BIND", "off")
        .arg("audit-verify")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code().unwrap_or(-1), format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)))
}

async fn sql(app: &TestApp, statement: String) {
    app.state
        .db
        .run(move |conn| diesel::sql_query(statement).execute(conn).map_err(infra::InfraError::from))
        .await
        .unwrap();
}

async fn seal(app: &TestApp) -> usize {
    let now = chrono::Utc::now().naive_utc();
    app.state
        .db
        .run(move |conn| infra::identity::audit::seal(conn, now).map_err(infra::InfraError::from))
        .await
        .unwrap()
}

/// Every entry as (id, seq), in sequence order (unsealed last).
async fn entries(app: &TestApp) -> Vec<(String, Option<i64>)> {
    use infra::testing::schema::audit_log::dsl as a;
    let mut rows: Vec<(String, Option<i64>)> = app
        .state
        .db
        .run(|conn| a::audit_log.select((a::id, a::seq)).load(conn).map_err(infra::InfraError::from))
        .await
        .unwrap();
    rows.sort_by_key(|(id, seq)| (seq.is_none(), *seq, id.clone()));
    rows
}

async fn verify(app: &TestApp, admin: &str) -> Value {
    let (status, found) = body(app.get_as(admin, VERIFY).await).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    found
}

/// Appends audited work: staff reveal a resident's phone (a personal-data action) `n` times.
async fn reveal_phones(app: &TestApp, cadre: &str, village: &str, n: usize) {
    let resident = app.member("audited", village, cadre).await;
    for i in 0..n {
        let res = app
            .post(
                Some(cadre),
                &format!("/api/v1/users/{}/reveal-phone", resident.id),
                json!({ "reason": format!("call back {i}") }),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn the_chain_names_an_edited_entry_a_deleted_one_and_a_cut_tail_and_the_command_agrees() {
    let app = spawn_app().await;
    let w = app.world().await;
    reveal_phones(&app, &w.cadre_a.token, &w.village_a, 3).await;

    // Unsealed entries are counted, not checked; the sealer takes them all, once.
    let before = entries(&app).await;
    assert!(before.len() >= 10 && before.iter().all(|(_, seq)| seq.is_none()), "{before:?}");
    let pending = verify(&app, &w.admin).await;
    assert_eq!((pending["intact"].as_bool(), pending["unsealed"].as_u64()), (Some(true), Some(before.len() as u64)));
    app.state.jobs.run_now("seal_audit_log").await.unwrap();
    assert_eq!(seal(&app).await, 0);
    let sealed = entries(&app).await;
    let seqs: Vec<i64> = sealed.iter().map(|(_, s)| s.unwrap()).collect();
    assert_eq!(seqs, (1..=sealed.len() as i64).collect::<Vec<_>>());
    let clean = verify(&app, &w.admin).await;
    assert_eq!(
        (clean["intact"].as_bool(), clean["sealed"].as_u64(), clean["unsealed"].as_u64()),
        (Some(true), Some(sealed.len() as u64), Some(0)),
        "{clean}"
    );
    let (code, out) = audit_verify(&app);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("intact"), "{out}");

    // An edit: named by its id, with its sequence number; undone, the chain is whole again.
    let (edited, edited_seq) = sealed[4].clone();
    sql(&app, format!("UPDATE audit_log SET object_id = 'someone-else' WHERE id = '{edited}'")).await;
    let found = verify(&app, &w.admin).await;
    assert_eq!(
        (found["intact"].as_bool(), found["broken"]["id"].as_str(), found["broken"]["reason"].as_str()),
        (Some(false), Some(edited.as_str()), Some("hash")),
        "{found}"
    );
    assert_eq!(found["broken"]["seq"].as_i64(), edited_seq);
    let (code, out) = audit_verify(&app);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&edited) && out.contains("hash"), "{out}");

    // A deletion: the entry after the gap is named.
    let (deleted, _) = sealed[2].clone();
    let (after_gap, _) = sealed[3].clone();
    sql(&app, format!("DELETE FROM audit_log WHERE id = '{deleted}'")).await;
    let found = verify(&app, &w.admin).await;
    assert_eq!(
        (found["broken"]["id"].as_str(), found["broken"]["reason"].as_str()),
        (Some(after_gap.as_str()), Some("sequence")),
        "{found}"
    );
    let (code, out) = audit_verify(&app);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&after_gap) && out.contains("sequence"), "{out}");
}

#[tokio::test]
async fn a_cut_tail_is_found_new_entries_seal_after_the_head_and_only_administrators_verify() {
    let app = spawn_app().await;
    let w = app.world().await;
    seal(&app).await;
    reveal_phones(&app, &w.cadre_a.token, &w.village_a, 2).await;
    seal(&app).await;
    let sealed = entries(&app).await;
    let last = sealed.last().unwrap().clone();
    assert!(verify(&app, &w.admin).await["intact"].as_bool().unwrap());

    sql(&app, format!("DELETE FROM audit_log WHERE id = '{}'", last.0)).await;
    let found = verify(&app, &w.admin).await;
    assert_eq!(
        (found["intact"].as_bool(), found["broken"]["reason"].as_str(), found["broken"]["seq"].as_i64()),
        (Some(false), Some("head"), last.1),
        "{found}"
    );
    assert_eq!(audit_verify(&app).0, 1);

    for who in [&w.cadre_a.token, &w.officer.token] {
        let (status, refused) = body(app.get_as(who, VERIFY).await).await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden")),
            "{refused}"
        );
    }
}

/// Several instances sealing at once, round after round with new entries between: every entry
/// sealed exactly once, one unbroken sequence.
#[tokio::test]
async fn sealers_racing_seal_each_entry_once() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut total_sealed = 0;
    for round in 0..15 {
        reveal_phones(&app, &w.cadre_a.token, &w.village_a, 1 + round % 2).await;
        let sealers = (0..6).map(|_| seal(&app));
        total_sealed += futures_util::future::join_all(sealers).await.into_iter().sum::<usize>();
        let all = entries(&app).await;
        assert!(all.iter().all(|(_, seq)| seq.is_some()), "round {round}: an entry left unsealed");
        assert_eq!(total_sealed, all.len(), "round {round}: entries sealed more or less than once");
    }
    let found = verify(&app, &w.admin).await;
    assert_eq!(
        (found["intact"].as_bool(), found["sealed"].as_u64()),
        (Some(true), Some(total_sealed as u64)),
        "{found}"
    );
}
