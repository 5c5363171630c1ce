//! The ledger: balances of a person and a household (base points plus members) equal to the
//! ledger's sums at each step, base points posted once per rule-set version (a new version the
//! difference), a row reversed once (also when reversals race), spending not reversed, rankings
//! with ties, cadres apart and the month boundary in Beijing time, stars, verify finding an
//! edited and a deleted row through the route and the real `yishi points-verify`, and every
//! route refused to another village's cadre (404), grid staff without the right (403) and
//! residents reading others' ledgers.

use std::process::Command;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::points::ledger::{HolderKind, LedgerKind};
use domain::points::rules::{BaseStep, Subject};
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::points::rule;
use yishi_tests::world::{Account, World};
use yishi_tests::{assert_invalid_field, body, spawn_app_with, Setup, TestApp};

async fn ledger_app() -> TestApp {
    let env = [
        ("YISHI_ACCESS_TOKEN_TTL_SECS", "86400"),
        ("YISHI_LIMIT_WRITES_PER_USER_PER_MINUTE", "100000"),
        ("YISHI_LIMIT_REQUESTS_PER_IP_PER_MINUTE", "1000000"),
    ];
    spawn_app_with(Setup { env: env.map(|(k, v)| (k, v.to_owned())).to_vec(), ..Setup::default() }).await
}

fn steps(pairs: &[(u32, i64)]) -> Vec<BaseStep> {
    pairs.iter().map(|&(min_members, points)| BaseStep { min_members, points }).collect()
}

/// Puts a set in force at `unit` with base steps and star thresholds; returns its id.
async fn rules_in_force(app: &TestApp, unit: &str, by: &str, base: Vec<BaseStep>, stars: Vec<i64>) -> String {
    let (unit, by, now) = (unit.to_owned(), by.to_owned(), chrono::Utc::now().naive_utc());
    app.state
        .db
        .run(move |conn| {
            infra::db::write_tx(conn, |conn| -> Result<String, infra::points::PointsError> {
                let draft =
                    infra::points::rules::SetDraft { note: String::new(), rules: vec![rule("help", 5)], base, stars };
                let set = infra::points::rules::create_set(conn, &unit, &by, &draft, now)?;
                let activate = domain::points::rules::RuleSetAction::Activate;
                infra::points::rules::activate_in_tx(conn, &set, activate, now)?;
                Ok(set.id)
            })
        })
        .await
        .unwrap()
}

/// Appends a row at `at` to a holder's account in `village`; returns the row's id.
#[allow(clippy::too_many_arguments)]
async fn append_at(
    app: &TestApp,
    village: &str,
    kind: HolderKind,
    holder: &str,
    subject: Subject,
    row_kind: LedgerKind,
    points: i64,
    at: NaiveDateTime,
) -> String {
    let (village, holder) = (village.to_owned(), holder.to_owned());
    app.state
        .db
        .run(move |conn| {
            infra::db::write_tx(conn, |conn| -> Result<String, infra::points::PointsError> {
                use infra::points::ledger::{append, Holder, NewRow};
                let who = Holder { unit_id: &village, kind, id: &holder, subject };
                let reference = domain::new_id();
                let row = NewRow { kind: row_kind, points, reference: &reference, memo: "test" };
                Ok(append(conn, who, row, false, at)?.ledger_id)
            })
        })
        .await
        .unwrap()
}

async fn earn(app: &TestApp, village: &str, user: &str, points: i64) -> String {
    let now = chrono::Utc::now().naive_utc();
    append_at(app, village, HolderKind::User, user, Subject::Resident, LedgerKind::Earn, points, now).await
}

/// The sum of the ledger rows of these holders' accounts in `village` (what balances must equal).
async fn ledger_sum(app: &TestApp, village: &str, holders: &[&str]) -> i64 {
    use infra::testing::schema::points_accounts::dsl as a;
    use infra::testing::schema::points_ledger::dsl as l;
    let (village, holders) = (village.to_owned(), holders.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    app.state
        .db
        .run(move |conn| {
            let accounts: Vec<String> = a::points_accounts
                .filter(a::org_unit_id.eq(&village))
                .filter(a::holder_id.eq_any(&holders))
                .select(a::id)
                .load(conn)?;
            let points: Vec<i64> =
                l::points_ledger.filter(l::account_id.eq_any(&accounts)).select(l::points).load(conn)?;
            Ok::<_, infra::InfraError>(points.iter().sum())
        })
        .await
        .unwrap()
}

async fn ledger_rows(app: &TestApp) -> i64 {
    use infra::testing::schema::points_ledger::dsl as l;
    app.state
        .db
        .run(|conn| l::points_ledger.count().get_result::<i64>(conn).map_err(infra::InfraError::from))
        .await
        .unwrap()
}

async fn household_of(app: &TestApp, user: &str) -> String {
    use infra::testing::schema::household_members::dsl as m;
    let user = user.to_owned();
    app.state
        .db
        .run(move |conn| {
            m::household_members
                .filter(m::user_id.eq(user))
                .select(m::household_id)
                .first(conn)
                .map_err(infra::InfraError::from)
        })
        .await
        .unwrap()
}

/// Adds `user` to `household` as a member.
async fn join(app: &TestApp, household: &str, user: &str) {
    use infra::testing::schema::household_members::dsl as m;
    let (household, user, now) = (household.to_owned(), user.to_owned(), chrono::Utc::now().naive_utc());
    app.state
        .db
        .run(move |conn| {
            diesel::insert_into(m::household_members)
                .values((
                    m::user_id.eq(user),
                    m::household_id.eq(household),
                    m::relation.eq("spouse"),
                    m::joined_at.eq(now),
                ))
                .execute(conn)
                .map_err(infra::InfraError::from)
        })
        .await
        .unwrap();
}

/// A village cadre of village B.
async fn cadre_b(app: &TestApp, w: &World) -> Account {
    let cadre = app.staff(&w.admin, "cadre-b", &w.village_b).await;
    let res = app.grant(&w.admin, &cadre.id, "village_cadre", "org_unit", &w.village_b).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    cadre
}

async fn get(app: &TestApp, who: &str, path: &str) -> (StatusCode, Value) {
    body(app.get_as(who, path).await).await
}

async fn post(app: &TestApp, who: &str, path: &str, b: Value) -> (StatusCode, Value) {
    body(app.post(Some(who), path, b).await).await
}

#[tokio::test]
async fn balances_equal_the_ledger_and_base_points_post_once_per_version() {
    let app = ledger_app().await;
    let w = app.world().await;
    let alice = app.member("alice", &w.village_a, &w.cadre_a.token).await;
    let bob = app.resident("bob").await;
    let household = household_of(&app, &alice.id).await;
    join(&app, &household, &bob.id).await;
    let single = app.seed_households(&w.village_a, None, 1).await;
    let base_path = format!("/api/v1/org-units/{}/points/base-points", w.village_a);

    let (status, no_rules) = post(&app, &w.cadre_a.token, &base_path, json!({})).await;
    assert_eq!((status, no_rules["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("no_points_rules")));

    rules_in_force(&app, &w.village_a, &w.cadre_a.id, steps(&[(1, 10), (2, 20)]), vec![]).await;
    let (status, posted) = post(&app, &w.cadre_a.token, &base_path, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    assert_eq!(
        (posted["households"].as_u64(), posted["posted"].as_u64(), posted["points"].as_i64()),
        (Some(2), Some(2), Some(30))
    );
    let (_, again) = post(&app, &w.cadre_a.token, &base_path, json!({})).await;
    assert_eq!((again["posted"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(2)));

    earn(&app, &w.village_a, &alice.id, 7).await;
    earn(&app, &w.village_a, &bob.id, 3).await;
    let spend = append_at(
        &app,
        &w.village_a,
        HolderKind::User,
        &alice.id,
        Subject::Resident,
        LedgerKind::Spend,
        -2,
        chrono::Utc::now().naive_utc(),
    )
    .await;
    assert!(!spend.is_empty());

    let check = |h: Value, base: i64, balance: i64, earned: i64| {
        assert_eq!(
            (h["base_points"].as_i64(), h["balance"].as_i64(), h["earned"].as_i64()),
            (Some(base), Some(balance), Some(earned)),
            "{h}"
        );
    };
    let path = format!("/api/v1/households/{household}/points");
    let (status, h) = get(&app, &w.cadre_a.token, &path).await;
    assert_eq!(status, StatusCode::OK, "{h}");
    check(h.clone(), 20, 28, 30);
    assert_eq!(h["balance"].as_i64(), Some(ledger_sum(&app, &w.village_a, &[&household, &alice.id, &bob.id]).await));
    assert_eq!(h["members"].as_array().map(Vec::len), Some(2));
    assert!(!h.to_string().contains("phone"));

    // A new version with a bigger step for two: only the difference, only where it differs.
    rules_in_force(&app, &w.village_a, &w.cadre_a.id, steps(&[(1, 10), (2, 25)]), vec![]).await;
    let (_, posted) = post(&app, &w.cadre_a.token, &base_path, json!({})).await;
    assert_eq!(
        (posted["posted"].as_u64(), posted["unchanged"].as_u64(), posted["points"].as_i64()),
        (Some(1), Some(1), Some(5))
    );
    let (_, h) = get(&app, &bob.token, &path).await;
    check(h, 25, 33, 35);
    assert_eq!(ledger_sum(&app, &w.village_a, &[&household, &alice.id, &bob.id]).await, 33);
    assert_eq!(ledger_sum(&app, &w.village_a, &[&single[0].0]).await, 10);

    // The caller's own view, per village.
    let (status, mine) = get(&app, &alice.token, "/api/v1/me/points").await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let village = &mine["items"][0];
    assert_eq!(
        (village["village_id"].as_str(), village["balance"].as_i64(), village["earned"].as_i64()),
        (Some(w.village_a.as_str()), Some(5), Some(7))
    );
    assert_eq!(village["household"]["balance"].as_i64(), Some(33));
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(1));
    // In a bounded number of statements (the accounts, where they live, their household with its
    // members' and its own accounts, the stars in force, the villages' names).
    let me = domain::identity::principal::Principal {
        user_id: alice.id.clone(),
        session_id: String::new(),
        kind: domain::identity::principal::AccountKind::Resident,
        grants: Vec::new(),
        acting_for: None,
    };
    let (villages, statements) = app
        .state
        .db
        .run(move |conn| {
            let (villages, statements) =
                infra::testing::count_statements(conn, |conn| infra::points::standings::mine(conn, &me));
            Ok::<_, infra::points::PointsError>((villages?, statements))
        })
        .await
        .unwrap();
    assert_eq!(villages.first().and_then(|v| v.household.as_ref()).map(|h| h.balance), Some(33));
    assert!(statements <= 8, "GET /me/points: {statements} statements (10 before they were merged)");

    // Own ledger, newest first, paged by sequence.
    let ledger = format!("/api/v1/me/points/ledger?unit={}&limit=1", w.village_a);
    let (status, page) = get(&app, &alice.token, &ledger).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!((page["items"][0]["kind"].as_str(), page["items"][0]["points"].as_i64()), (Some("spend"), Some(-2)));
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let (_, next) = get(&app, &alice.token, &format!("{ledger}&cursor={cursor}")).await;
    assert_eq!((next["items"][0]["kind"].as_str(), next["next_cursor"].as_str()), (Some("earn"), None));
    assert_invalid_field(app.get_as(&alice.token, "/api/v1/me/points/ledger?unit=nope").await, "unit").await;

    // Denials: a resident outside the household, another village's cadre, a volunteer-level grant.
    let cadre_b = cadre_b(&app, &w).await;
    let carol = app.member("carol", &w.village_a, &w.cadre_a.token).await;
    assert_eq!(app.get_as(&carol.token, &path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&cadre_b.token, &path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.post(Some(&cadre_b.token), &base_path, json!({})).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.post(Some(&w.worker_a.token), &base_path, json!({})).await.status(), StatusCode::FORBIDDEN);
    let township = format!("/api/v1/org-units/{}/points/base-points", w.township);
    assert_invalid_field(app.post(Some(&w.officer.token), &township, json!({})).await, "id").await;
    let person = format!("/api/v1/org-units/{}/points/people/{}", w.village_a, alice.id);
    let (status, seen) = get(&app, &w.cadre_a.token, &format!("{person}?limit=5")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!((seen["person"]["balance"].as_i64(), seen["items"].as_array().map(Vec::len)), (Some(5), Some(2)));
    assert_eq!(app.audited("points.ledger_read", &alice.id).await, 1, "a staff read of a ledger is audited");
    assert_eq!(app.get_as(&cadre_b.token, &person).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&carol.token, &person).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&w.worker_a.token, &person).await.status(), StatusCode::FORBIDDEN);
    let stranger = app.resident("stranger").await;
    let nobody = format!("/api/v1/org-units/{}/points/people/{}", w.village_a, stranger.id);
    assert_eq!(app.get_as(&w.cadre_a.token, &nobody).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_row_is_reversed_once_even_when_reversals_race_and_spending_is_not_reversed() {
    let app = ledger_app().await;
    let w = app.world().await;
    let alice = app.member("alice", &w.village_a, &w.cadre_a.token).await;
    let first = earn(&app, &w.village_a, &alice.id, 10).await;
    let second = earn(&app, &w.village_a, &alice.id, 4).await;
    let reverse = |id: &str| format!("/api/v1/points/ledger/{id}/reverse");

    assert_invalid_field(app.post(Some(&w.cadre_a.token), &reverse(&first), json!({ "reason": "  " })).await, "reason")
        .await;
    let cadre_b = cadre_b(&app, &w).await;
    let why = json!({ "reason": "重复录入" });
    assert_eq!(app.post(Some(&cadre_b.token), &reverse(&first), why.clone()).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.post(Some(&alice.token), &reverse(&first), why.clone()).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.post(Some(&w.worker_a.token), &reverse(&first), why.clone()).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(ledger_rows(&app).await, 2);

    let (status, done) = post(&app, &w.cadre_a.token, &reverse(&first), why.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{done}");
    assert_eq!((done["balance"].as_i64(), done["reversal"]["points"].as_i64()), (Some(4), Some(-10)));
    assert_eq!(
        (done["reversal"]["reference"].as_str(), done["reversal"]["memo"].as_str()),
        (Some(first.as_str()), Some("重复录入"))
    );
    let (status, again) = post(&app, &w.cadre_a.token, &reverse(&first), why.clone()).await;
    assert_eq!((status, again["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("already_done")));
    let reversal = done["reversal"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.post(Some(&w.cadre_a.token), &reverse(&reversal), why.clone()).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    for _ in 0..3 {
        let row = earn(&app, &w.village_a, &alice.id, 1).await;
        let target = reverse(&row);
        let sends = (0..8).map(|_| app.post(Some(&w.cadre_a.token), &target, why.clone()));
        let statuses: Vec<StatusCode> =
            futures_util::future::join_all(sends).await.iter().map(|r| r.status()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT), "{statuses:?}");
    }
    let spend = append_at(
        &app,
        &w.village_a,
        HolderKind::User,
        &alice.id,
        Subject::Resident,
        LedgerKind::Spend,
        -3,
        chrono::Utc::now().naive_utc(),
    )
    .await;
    assert_eq!(
        app.post(Some(&w.cadre_a.token), &reverse(&spend), why.clone()).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(ledger_sum(&app, &w.village_a, &[&alice.id]).await, 1);
    let (_, mine) = get(&app, &alice.token, "/api/v1/me/points").await;
    assert_eq!((mine["items"][0]["balance"].as_i64(), mine["items"][0]["earned"].as_i64()), (Some(1), Some(4)));
    assert!(!second.is_empty());
}

fn at(text: &str) -> NaiveDateTime {
    chrono::DateTime::parse_from_rfc3339(text).unwrap().naive_utc()
}

fn standings(v: &Value) -> Vec<(i64, String, i64)> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["rank"].as_i64().unwrap(), s["name"].as_str().unwrap().to_owned(), s["points"].as_i64().unwrap()))
        .collect()
}

fn line(rank: i64, name: &str, points: i64) -> (i64, String, i64) {
    (rank, name.to_owned(), points)
}

#[tokio::test]
async fn rankings_share_ties_keep_cadres_apart_and_count_months_in_beijing_time() {
    let app = ledger_app().await;
    let w = app.world().await;
    let seeded = app.seed_households(&w.village_a, None, 4).await;
    let (v, r, user) = (&w.village_a, Subject::Resident, HolderKind::User);
    // 23:59:59 on 30 November in Beijing, then midnight of 1 December.
    append_at(&app, v, user, &seeded[0].1, r, LedgerKind::Earn, 10, at("2026-11-30T15:59:59Z")).await;
    append_at(&app, v, user, &seeded[1].1, r, LedgerKind::Earn, 10, at("2026-11-30T16:00:00Z")).await;
    append_at(&app, v, user, &seeded[2].1, r, LedgerKind::Earn, 4, at("2026-12-05T02:00:00Z")).await;
    append_at(&app, v, user, &seeded[2].1, r, LedgerKind::Earn, 6, at("2026-12-06T02:00:00Z")).await;
    append_at(&app, v, user, &seeded[3].1, r, LedgerKind::Earn, 3, at("2026-12-06T02:00:00Z")).await;
    append_at(&app, v, user, &seeded[3].1, r, LedgerKind::Spend, -3, at("2026-12-07T02:00:00Z")).await;
    append_at(&app, v, HolderKind::Household, &seeded[3].0, r, LedgerKind::Base, 20, at("2026-12-01T02:00:00Z")).await;
    append_at(&app, v, user, &w.cadre_a.id, Subject::Cadre, LedgerKind::Earn, 50, at("2026-12-02T02:00:00Z")).await;

    let alice = app.member("alice", &w.village_a, &w.cadre_a.token).await;
    let path = |q: &str| format!("/api/v1/org-units/{}/points/rankings?{q}", w.village_a);
    let (status, all) = get(&app, &alice.token, &path("period=all")).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(
        standings(&all),
        vec![line(1, "户主0", 10), line(1, "户主1", 10), line(1, "户主2", 10), line(4, "户主3", 3)]
    );
    assert!(!all.to_string().contains("phone"));
    let (_, december) = get(&app, &alice.token, &path("period=2026-12")).await;
    assert_eq!(standings(&december), vec![line(1, "户主1", 10), line(1, "户主2", 10), line(3, "户主3", 3)]);
    let (_, november) = get(&app, &w.cadre_a.token, &path("period=2026-11")).await;
    assert_eq!(standings(&november), vec![line(1, "户主0", 10)]);
    let (_, cadres) = get(&app, &alice.token, &path("subject=cadre")).await;
    assert_eq!(standings(&cadres), vec![line(1, "cadre-a", 50)]);
    let (_, households) = get(&app, &alice.token, &path("holder=household")).await;
    assert_eq!(
        standings(&households),
        vec![line(1, "3号户", 23), line(2, "0号户", 10), line(2, "1号户", 10), line(2, "2号户", 10)]
    );
    let (_, top) = get(&app, &alice.token, &path("holder=household&period=2026-12&limit=2")).await;
    assert_eq!(standings(&top), vec![line(1, "3号户", 23), line(2, "1号户", 10)]);

    for (q, field) in [
        ("period=2026-13", "period"),
        ("holder=x", "holder"),
        ("subject=x", "subject"),
        ("holder=household&subject=cadre", "holder"),
        ("limit=0", "limit"),
    ] {
        assert_invalid_field(app.get_as(&alice.token, &path(q)).await, field).await;
    }

    // Stars by the thresholds in force: the household's earned points, most stars first.
    let stars = format!("/api/v1/org-units/{}/points/stars", w.village_a);
    let (_, none) = get(&app, &alice.token, &stars).await;
    assert_eq!(none["items"].as_array().map(Vec::len), Some(0));
    rules_in_force(&app, &w.village_a, &w.cadre_a.id, vec![], vec![10, 20]).await;
    let (status, starred) = get(&app, &alice.token, &stars).await;
    assert_eq!(status, StatusCode::OK, "{starred}");
    let got: Vec<(String, i64)> = starred["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap().to_owned(), s["stars"].as_i64().unwrap()))
        .collect();
    let want: Vec<(String, i64)> =
        [("3号户", 2), ("0号户", 1), ("1号户", 1), ("2号户", 1)].iter().map(|(n, s)| (n.to_string(), *s)).collect();
    assert_eq!(got, want);
    let household = format!("/api/v1/households/{}/points", seeded[3].0);
    let (_, h) = get(&app, &w.cadre_a.token, &household).await;
    assert_eq!((h["stars"].as_i64(), h["earned"].as_i64(), h["balance"].as_i64()), (Some(2), Some(23), Some(20)));

    // Another village's cadre and residents see nothing; grid staff without the right are refused.
    let cadre_b = cadre_b(&app, &w).await;
    let outsider = app.member("dave", &w.village_b, &cadre_b.token).await;
    for who in [&cadre_b.token, &outsider.token] {
        assert_eq!(app.get_as(who, &path("")).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.get_as(who, &stars).await.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(app.get_as(&w.worker_a.token, &path("")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get_as(&w.officer.token, &path("")).await.status(), StatusCode::OK);
}

fn yishi_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let binary = dir.join("yishi");
    assert!(binary.exists(), "{} is missing: run `cargo build -p yishi-api --bin yishi` first", binary.display());
    binary
}

/// Runs `yishi points-verify` against the test's database: (exit code, stdout).
fn points_verify(app: &TestApp, unit: Option<&str>) -> (i32, String) {
    let mut command = Command::new(yishi_binary());
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.database_url)
        .env("YISHI_METRICS_BIND", "off")
        .arg("points-verify");
    if let Some(unit) = unit {
        command.args(["--unit", unit]);
    }
    let out = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code().unwrap_or(-1), format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)))
}

async fn tamper(app: &TestApp, sql: String) {
    app.state.db.run(move |conn| diesel::sql_query(sql).execute(conn).map_err(infra::InfraError::from)).await.unwrap();
}

#[tokio::test]
async fn verify_names_an_edited_row_and_a_deleted_one_and_the_command_agrees() {
    let app = ledger_app().await;
    let w = app.world().await;
    let seeded = app.seed_households(&w.village_a, None, 2).await;
    let mut rows = Vec::new();
    for (_, user) in &seeded {
        let mut mine = Vec::new();
        for points in [5, 6, 7] {
            mine.push(earn(&app, &w.village_a, user, points).await);
        }
        rows.push(mine);
    }
    let path = format!("/api/v1/org-units/{}/points/verify", w.village_a);
    let (status, clean) = get(&app, &w.cadre_a.token, &path).await;
    assert_eq!(status, StatusCode::OK, "{clean}");
    assert_eq!(
        (clean["accounts"].as_u64(), clean["rows"].as_u64(), clean["breaks"].as_array().map(Vec::len)),
        (Some(2), Some(6), Some(0))
    );
    let (code, out) = points_verify(&app, None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 broken"), "{out}");

    tamper(&app, format!("UPDATE points_ledger SET points = 99 WHERE id = '{}'", rows[0][1])).await;
    let (_, found) = get(&app, &w.cadre_a.token, &path).await;
    let breaks = found["breaks"].as_array().unwrap();
    assert_eq!(breaks.len(), 1, "{found}");
    assert_eq!(
        (breaks[0]["ledger_id"].as_str(), breaks[0]["reason"].as_str(), breaks[0]["seq"].as_i64()),
        (Some(rows[0][1].as_str()), Some("hash"), Some(2))
    );
    assert_eq!(breaks[0]["holder_id"].as_str(), Some(seeded[0].1.as_str()));
    let (code, out) = points_verify(&app, None);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&rows[0][1]), "{out}");

    tamper(&app, format!("DELETE FROM points_ledger WHERE id = '{}'", rows[1][1])).await;
    let (_, found) = get(&app, &w.cadre_a.token, &path).await;
    let breaks = found["breaks"].as_array().unwrap();
    assert_eq!(breaks.len(), 2, "{found}");
    let deleted = breaks.iter().find(|b| b["holder_id"].as_str() == Some(seeded[1].1.as_str())).unwrap();
    assert_eq!(
        (deleted["ledger_id"].as_str(), deleted["reason"].as_str()),
        (Some(rows[1][2].as_str()), Some("sequence"))
    );
    let (code, out) = points_verify(&app, Some(&w.village_a));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&rows[0][1]) && out.contains(&rows[1][2]), "{out}");
    let (code, out) = points_verify(&app, Some(&w.village_b));
    assert_eq!(code, 0, "{out}");

    // Who asked is recorded; others are refused.
    use infra::testing::schema::audit_log::dsl as audit;
    let asked: i64 = app
        .state
        .db
        .run(|conn| {
            audit::audit_log
                .filter(audit::action.eq("points.verify"))
                .count()
                .get_result(conn)
                .map_err(infra::InfraError::from)
        })
        .await
        .unwrap();
    assert_eq!(asked, 3);
    let cadre_b = cadre_b(&app, &w).await;
    let resident = app.member("erin", &w.village_a, &w.cadre_a.token).await;
    assert_eq!(app.get_as(&cadre_b.token, &path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&resident.token, &path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&w.worker_a.token, &path).await.status(), StatusCode::FORBIDDEN);
    let (status, township) =
        get(&app, &w.officer.token, &format!("/api/v1/org-units/{}/points/verify", w.township)).await;
    assert_eq!((status, township["breaks"].as_array().map(Vec::len)), (StatusCode::OK, Some(2)));
}
