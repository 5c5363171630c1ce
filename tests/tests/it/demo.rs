//! The demo county: loaded on the first development run, once; refused by production.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::Value;
use yishi_tests::{spawn_app_with, Setup};

async fn table_counts(db: &infra::Database) -> Vec<i64> {
    db.run(|conn| {
        use diesel::prelude::*;
        use infra::testing::schema::*;
        Ok::<_, infra::InfraError>(vec![
            users::table.count().get_result(conn)?,
            org_units::table.count().get_result(conn)?,
            grids::table.count().get_result(conn)?,
            departments::table.count().get_result(conn)?,
            role_grants::table.count().get_result(conn)?,
            households::table.count().get_result(conn)?,
            household_members::table.count().get_result(conn)?,
            residencies::table.count().get_result(conn)?,
            consents::table.count().get_result(conn)?,
            audit_log::table.count().get_result(conn)?,
        ])
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_demo_county_loads_once_and_can_be_used() {
    let app = spawn_app_with(Setup { env: vec![("YISHI_DEMO_DATA", "auto".into())], ..Setup::default() }).await;
    let db = app.state.db.clone();
    let before = table_counts(&db).await;
    assert_eq!(
        &before[1..4],
        &[19, 9, 5],
        "units (1 county, 2 townships, 3 villages, 6 groups, 7 courtyards), grids, departments: {before:?}"
    );
    let now = chrono::Utc::now().naive_utc();
    assert_eq!(api::demo::seed(&db, now, "2026-11").await.unwrap(), api::demo::Seeded::AlreadyThere);
    assert_eq!(table_counts(&db).await, before, "a second run changes nothing");

    // A demo resident logs in with the development WeChat and lives in 塘湾村.
    let resident = app.wechat_login("dev:wangjianguo").await;
    assert_eq!(resident["user"]["display_name"], "王建国");
    assert_eq!(resident["user"]["consent"]["accepted"], true);
    let token = resident["access_token"].as_str().unwrap();
    let (status, mine) = {
        let res = app.get_as(token, "/api/v1/me/residency").await;
        (res.status(), res.json::<Value>().await.unwrap())
    };
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine["items"][0]["status"], "approved");

    // Every role has a demo account that logs in with the README's password.
    for username in [
        "demo-admin",
        "demo-county",
        "demo-housing",
        "demo-township",
        "demo-cadre",
        "demo-supervisor",
        "demo-representative",
        "demo-council",
        "demo-gridleader",
        "demo-gridworker",
        "demo-volunteer",
    ] {
        let login = app.login(username, api::demo::DEMO_PASSWORD).await;
        assert_eq!(login["user"]["roles"].as_array().unwrap().len(), 1, "{username}");
    }
    let cadre = app.login("demo-cadre", api::demo::DEMO_PASSWORD).await;
    let res = app.get_as(cadre["access_token"].as_str().unwrap(), "/api/v1/residencies?status=approved").await;
    let list: Value = res.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 6, "塘湾村's six residents");
    let text = list.to_string();
    assert!(!text.contains("1380000"), "phones stay masked: {text}");
    // Two matters wait for the cadre to triage them, under the township's Wuyi scheme.
    let matters: Value = app
        .get_as(cadre["access_token"].as_str().unwrap(), "/api/v1/matters?status=raised")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(matters["items"].as_array().map(Vec::len), Some(2), "{matters}");
    let village = matters["items"][0]["village_id"].as_str().unwrap().to_owned();
    let scheme: Value = app
        .get_as(cadre["access_token"].as_str().unwrap(), &format!("/api/v1/org-units/{village}/triage-scheme"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(scheme["scheme"].as_str(), Some("wuyi"));
    // 塘湾村's board shows its two public notices to anyone, with their periods running.
    let board: Value = app.get(&format!("/api/v1/public/org-units/{village}/board")).await.json().await.unwrap();
    let titles: Vec<&str> = board["notices"].as_array().unwrap().iter().filter_map(|n| n["title"].as_str()).collect();
    assert_eq!(titles, vec!["塘湾村村口道路硬化工程公示", "塘湾村2026年11月村级财务收支公开"], "{board}");

    // The demo grid answers a point in 塘湾村.
    let grid =
        app.get_as(cadre["access_token"].as_str().unwrap(), "/api/v1/grids/locate?lat=27.4542&lng=112.1931").await;
    assert_eq!(grid.status(), StatusCode::OK);

    // Production refuses to start on this database.
    let mut env = std::collections::HashMap::new();
    env.insert("YISHI_ENV", "production".to_owned());
    env.insert("YISHI_JWT_SECRET", "a-production-secret-of-forty-characters!!".to_owned());
    env.insert("YISHI_REPORT_SECRET", "another-production-secret-of-forty-chars".to_owned());
    env.insert("WECHAT_APPID", "wx1".to_owned());
    env.insert("WECHAT_SECRET", "s".to_owned());
    env.insert("DATABASE_URL", app.database_url.clone());
    env.insert("YISHI_BIND", "127.0.0.1:0".to_owned());
    env.insert("YISHI_METRICS_BIND", "off".to_owned());
    let config = api::Config::from_lookup(|k| env.get(k).cloned()).unwrap();
    let options =
        api::AppOptions { run_jobs: false, clock: Arc::new(domain::SystemClock), ..api::AppOptions::default() };
    let refused = api::Application::build(config, options).await;
    assert!(matches!(refused, Err(api::app::StartupError::DemoAccounts)), "production must refuse demo accounts");
}

/// Four replicas starting together on an empty database: every one comes up, and the shipped
/// working-day calendar, the demo county and the bootstrap administrator are each loaded once
/// (they are loaded under the migration lock, not after it).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_instances_starting_at_once_load_everything_once() {
    let db = yishi_tests::Db::create();
    let starts = (0..4).map(|_| {
        spawn_app_with(Setup {
            no_database: true,
            env: vec![("DATABASE_URL", db.url.clone()), ("YISHI_DEMO_DATA", "auto".into())],
            ..Setup::default()
        })
    });
    let apps = futures_util::future::join_all(starts).await;
    let state = apps[0].state.db.clone();
    let counts = table_counts(&state).await;
    assert_eq!(&counts[1..4], &[19, 9, 5], "one demo county: {counts:?}");
    let shipped: usize = infra::cases::calendar::shipped_years().unwrap().values().map(Vec::len).sum();
    let (calendar, admins) = state
        .run(|conn| {
            use diesel::prelude::*;
            use infra::testing::schema::*;
            let calendar: i64 = calendar_days::table.count().get_result(conn)?;
            let admins: i64 = users::table.filter(users::username.eq("admin")).count().get_result(conn)?;
            Ok::<_, infra::InfraError>((calendar, admins))
        })
        .await
        .unwrap();
    assert_eq!(calendar, i64::try_from(shipped).unwrap(), "the shipped calendar, once");
    assert_eq!(admins, 1, "one bootstrap administrator");
    for app in &apps {
        assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
        app.login("demo-admin", api::demo::DEMO_PASSWORD).await;
    }
}
