//! Dividends (积分分红): 1,000,000 fen over households with awkward point totals (a penalty
//! making one negative, one with none) add up to exactly 1,000,000, a household at or below
//! zero gets nothing, the same request twice gives the same shares; rows after the cut-off,
//! spending and refunds do not count; the CSV; objection → answer → final, and an upheld
//! objection that blocks finalizing until the dividend is cancelled; denials and bad input.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use domain::clock::Clock;
use domain::points::ledger::{HolderKind, LedgerKind};
use domain::points::rules::Subject;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::World;
use yishi_tests::{assert_invalid_field, body, id, spawn_app, TestApp};

/// Appends a ledger row dated `at` to a person's or a household's account in `village`.
async fn row(
    app: &TestApp,
    village: &str,
    kind: HolderKind,
    holder: &str,
    what: LedgerKind,
    points: i64,
    at: NaiveDateTime,
) {
    let (village, holder) = (village.to_owned(), holder.to_owned());
    app.state
        .db
        .run(move |conn| {
            infra::db::write_tx(conn, |conn| -> Result<(), infra::points::PointsError> {
                use infra::points::ledger::{append, Holder, NewRow};
                let holder = Holder { unit_id: &village, kind, id: &holder, subject: Subject::Resident };
                let reference = domain::new_id();
                append(conn, holder, NewRow { kind: what, points, reference: &reference, memo: "test" }, false, at)?;
                Ok(())
            })
        })
        .await
        .unwrap_or_else(|e| panic!("ledger row: {e}"));
}

fn today(app: &TestApp) -> chrono::NaiveDate {
    app.clock.now().with_timezone(&domain::calendar::beijing()).date_naive()
}

fn dividend_body(app: &TestApp, title: &str, total: i64) -> Value {
    let cut_off = today(app) - Duration::days(1);
    json!({ "title": title, "total_fen": total, "cut_off": cut_off.format("%Y-%m-%d").to_string(), "days": 7 })
}

async fn create(app: &TestApp, token: &str, village: &str, body_: Value) -> (StatusCode, Value) {
    body(app.post(Some(token), &format!("/api/v1/org-units/{village}/points/dividends"), body_).await).await
}

/// Village A's households with awkward points; returns (household id, member id, expected
/// points) in the order made.
async fn awkward_village(app: &TestApp, w: &World) -> Vec<(String, String, i64)> {
    let households = app.seed_households(&w.village_a, None, 7).await;
    let before = app.clock.now().naive_utc() - Duration::days(3);
    let after = app.clock.now().naive_utc();
    let earned = [7, 10, 1, 999, 0, 3333, 50];
    let mut expected = Vec::new();
    for (i, (household, member)) in households.iter().enumerate() {
        let v = &w.village_a;
        if earned[i] != 0 {
            row(app, v, HolderKind::User, member, LedgerKind::Earn, earned[i], before).await;
        }
        // Rows after the cut-off, spending and refunds never count.
        row(app, v, HolderKind::User, member, LedgerKind::Earn, 100_000, after).await;
        let mut points = earned[i];
        match i {
            // Base points on the household's own account count.
            1 => {
                row(app, v, HolderKind::Household, household, LedgerKind::Base, 3, before).await;
                points += 3;
            }
            // A spend and its refund do not.
            3 => {
                row(app, v, HolderKind::User, member, LedgerKind::Spend, -500, before).await;
                row(app, v, HolderKind::User, member, LedgerKind::Refund, 200, before).await;
            }
            // A penalty outweighing the rewards.
            6 => {
                row(app, v, HolderKind::User, member, LedgerKind::Penalty, -80, before).await;
                points -= 80;
            }
            _ => {}
        }
        // Points in another village are that village's.
        row(app, &w.village_b, HolderKind::User, member, LedgerKind::Earn, 77, before).await;
        expected.push((household.clone(), member.clone(), points));
    }
    expected
}

fn shares(v: &Value) -> Vec<(String, i64, i64)> {
    let mut out: Vec<(String, i64, i64)> = v["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (s["household_id"].as_str().unwrap().to_owned(), s["points"].as_i64().unwrap(), s["fen"].as_i64().unwrap())
        })
        .collect();
    out.sort();
    out
}

async fn notices(app: &TestApp, user: &str, kind: &str) -> i64 {
    use infra::testing::schema::outbox::dsl as ob;
    let (user, kind) = (user.to_owned(), kind.to_owned());
    app.state
        .db
        .run(move |conn| {
            ob::outbox
                .filter(ob::recipient_id.eq(&user))
                .filter(ob::kind.eq(&kind))
                .filter(ob::channel.eq("inbox"))
                .count()
                .get_result::<i64>(conn)
                .map_err(infra::InfraError::from)
        })
        .await
        .unwrap()
}

/// Ends a dividend's posting period (as if its days had passed: tokens would not last them).
async fn end_posting(app: &TestApp, dividend_id: &str) {
    use infra::testing::schema::points_dividends::dsl as d;
    use infra::testing::schema::points_postings::dsl as p;
    let (dividend_id, past) = (dividend_id.to_owned(), app.clock.now().naive_utc() - Duration::minutes(1));
    app.state
        .db
        .run(move |conn| -> Result<usize, infra::InfraError> {
            let posting: Option<String> =
                d::points_dividends.filter(d::id.eq(&dividend_id)).select(d::posting_id).first(conn)?;
            Ok(diesel::update(p::points_postings.filter(p::id.eq(posting.unwrap_or_default())))
                .set(p::ends_at.eq(past))
                .execute(conn)?)
        })
        .await
        .unwrap();
}

async fn dividends_stored(app: &TestApp) -> i64 {
    use infra::testing::schema::points_dividends::dsl as d;
    app.state
        .db
        .run(|conn| d::points_dividends.count().get_result::<i64>(conn).map_err(infra::InfraError::from))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_million_fen_over_awkward_points_adds_up_exactly_and_the_same_input_gives_the_same_shares() {
    let app = spawn_app().await;
    let w = app.world().await;
    let expected = awkward_village(&app, &w).await;

    let (status, first) =
        create(&app, &w.cadre_a.token, &w.village_a, dividend_body(&app, "2026年度分红", 1_000_000)).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!((first["status"].as_str(), first["sum_fen"].as_i64()), (Some("posted"), Some(1_000_000)));
    let got = shares(&first);
    assert_eq!(got.iter().map(|s| s.2).sum::<i64>(), 1_000_000);
    for (household, _, points) in &expected {
        let share = got.iter().find(|s| &s.0 == household).unwrap_or_else(|| panic!("{household} has a row"));
        assert_eq!(share.1, *points, "{household}: earned points up to the cut-off");
        if *points <= 0 {
            assert_eq!(share.2, 0, "no points, no share");
        }
    }
    // The shares are the domain's largest-remainder shares of these points.
    let weights: Vec<(String, i64)> = got.iter().map(|s| (s.0.clone(), s.1)).collect();
    let computed = domain::points::share_by_points(1_000_000, &weights).unwrap();
    assert_eq!(got.iter().map(|s| s.2 as u64).collect::<Vec<_>>(), computed.iter().map(|s| s.fen).collect::<Vec<_>>());
    // A view's yuan are exact.
    let big = first["shares"][0].clone();
    assert_eq!(
        big["yuan"],
        format!("{}.{:02}", big["fen"].as_i64().unwrap() / 100, big["fen"].as_i64().unwrap() % 100)
    );

    // The same request again (a second dividend): identical shares.
    let (status, second) =
        create(&app, &w.cadre_a.token, &w.village_a, dividend_body(&app, "2026年度分红", 1_000_000)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(id(&first), id(&second));
    assert_eq!(shares(&first), shares(&second));
    // Each household's members were told, once per dividend.
    assert_eq!(notices(&app, &expected[3].1, "points_dividend").await, 2);

    // Read back by a resident of the village; listed; a cut-off in the future refused.
    let (status, read) =
        body(app.get_as(&w.cadre_a.token, &format!("/api/v1/points/dividends/{}", id(&first))).await).await;
    assert_eq!((status, shares(&read)), (StatusCode::OK, shares(&first)));
    let (_, list) =
        body(app.get_as(&w.cadre_a.token, &format!("/api/v1/org-units/{}/points/dividends", w.village_a)).await).await;
    assert_eq!(list["items"].as_array().unwrap().iter().map(id).collect::<Vec<_>>(), [id(&second), id(&first)]);
    let mut future = dividend_body(&app, "x", 100);
    future["cut_off"] = json!((today(&app) + Duration::days(1)).format("%Y-%m-%d").to_string());
    assert_invalid_field(
        app.post(Some(&w.cadre_a.token), &format!("/api/v1/org-units/{}/points/dividends", w.village_a), future).await,
        "cut_off",
    )
    .await;

    // A cut-off before every row: no household has points.
    let mut early = dividend_body(&app, "x", 100);
    early["cut_off"] = json!((today(&app) - Duration::days(10)).format("%Y-%m-%d").to_string());
    assert_invalid_field(
        app.post(Some(&w.cadre_a.token), &format!("/api/v1/org-units/{}/points/dividends", w.village_a), early).await,
        "cut_off",
    )
    .await;
    // Today as the cut-off counts today's rows too.
    let mut now = dividend_body(&app, "今日", 1_000_000);
    now["cut_off"] = json!(today(&app).format("%Y-%m-%d").to_string());
    let (status, with_today) = create(&app, &w.cadre_a.token, &w.village_a, now).await;
    assert_eq!(status, StatusCode::CREATED, "{with_today}");
    let zero = shares(&with_today).into_iter().find(|s| s.0 == expected[4].0).unwrap();
    assert_eq!(zero.1, 100_000);
}

#[tokio::test]
async fn the_shares_as_csv_with_a_bom() {
    let app = spawn_app().await;
    let w = app.world().await;
    awkward_village(&app, &w).await;
    let resident = app.member("csvreader", &w.village_a, &w.cadre_a.token).await;
    let (_, dividend) = create(&app, &w.cadre_a.token, &w.village_a, dividend_body(&app, "分红", 1_000_000)).await;
    let path = format!("/api/v1/points/dividends/{}/shares.csv", id(&dividend));
    let res = app.get_as(&w.cadre_a.token, &path).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let bytes = res.bytes().await.unwrap();
    assert_eq!(app.audited("points.dividend_exported", &id(&dividend)).await, 1, "an export is audited");
    assert_eq!(&bytes[..3], b"\xef\xbb\xbf", "a BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "户名,积分,分红（元）,分红（分）");
    assert_eq!(lines.len(), 1 + 8, "seven seeded households and the resident's");
    let mut total = 0;
    for line in &lines[1..] {
        let cells: Vec<&str> = line.split(',').collect();
        let fen: i64 = cells[3].parse().unwrap();
        assert_eq!(cells[2], format!("{}.{:02}", fen / 100, fen % 100));
        total += fen;
    }
    assert_eq!(total, 1_000_000);
    assert!(lines.iter().any(|l| l.starts_with("3号户,999,")), "{text}");
    // Residents read the dividend, not the export; other villages neither.
    assert_eq!(app.get_as(&resident.token, &path).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get_as(&resident.token, &format!("/api/v1/points/dividends/{}", id(&dividend))).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.get_as(&w.officer.token, &path).await.status(), StatusCode::OK);
    let b_cadre = app.staff(&w.admin, "cadre-b", &w.village_b).await;
    assert_eq!(
        app.grant(&w.admin, &b_cadre.id, "village_cadre", "org_unit", &w.village_b).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(app.get_as(&b_cadre.token, &path).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn objection_answer_and_final_and_an_upheld_objection_blocks_until_cancelled() {
    let app = spawn_app().await;
    let w = app.world().await;
    awkward_village(&app, &w).await;
    let resident = app.member("objector", &w.village_a, &w.cadre_a.token).await;
    let (_, dividend) = create(&app, &w.cadre_a.token, &w.village_a, dividend_body(&app, "分红", 1_000_000)).await;
    let base = format!("/api/v1/points/dividends/{}", id(&dividend));

    let (status, objection) = body(
        app.post(Some(&resident.token), &format!("{base}/objections"), json!({ "reason": "我家积分算少了" })).await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{objection}");
    assert_eq!(objection["status"], "pending");
    let (status, twice) =
        body(app.post(Some(&resident.token), &format!("{base}/objections"), json!({ "reason": "再说一次" })).await)
            .await;
    assert_eq!((status, twice["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("already_done")));
    // The cadre sees it; the resident sees their own.
    let (_, seen) = body(app.get_as(&resident.token, &base).await).await;
    assert_eq!(seen["objections"].as_array().unwrap().len(), 1);
    // Not final while the period runs or an objection waits.
    let (status, early) = body(app.post(Some(&w.cadre_a.token), &format!("{base}/finalize"), json!({})).await).await;
    assert_eq!((status, early["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")));
    // Answering: residents cannot; the cadre dismisses, once; the objector is told.
    let answer_path = format!("{base}/objections/{}/answer", id(&objection));
    let answer = json!({ "ruling": "dismiss", "answer": "经核实，积分无误" });
    assert_eq!(app.post(Some(&resident.token), &answer_path, answer.clone()).await.status(), StatusCode::NOT_FOUND);
    let (status, answered) = body(app.post(Some(&w.cadre_a.token), &answer_path, answer.clone()).await).await;
    assert_eq!((status, answered["status"].as_str()), (StatusCode::OK, Some("dismissed")), "{answered}");
    assert_eq!(app.post(Some(&w.cadre_a.token), &answer_path, answer).await.status(), StatusCode::CONFLICT);
    assert_eq!(notices(&app, &resident.id, "points_objection_answered").await, 1);
    // Still within the period: not final.
    assert_eq!(
        app.post(Some(&w.cadre_a.token), &format!("{base}/finalize"), json!({})).await.status(),
        StatusCode::CONFLICT
    );
    end_posting(&app, &id(&dividend)).await;
    // After the period: no more objections; final.
    let late = app.post(Some(&resident.token), &format!("{base}/objections"), json!({ "reason": "晚了" })).await;
    assert_eq!(late.status(), StatusCode::CONFLICT);
    let (status, fin) = body(app.post(Some(&w.cadre_a.token), &format!("{base}/finalize"), json!({})).await).await;
    assert_eq!((status, fin["status"].as_str()), (StatusCode::OK, Some("final")), "{fin}");
    assert_eq!(
        app.post(Some(&w.cadre_a.token), &format!("{base}/finalize"), json!({})).await.status(),
        StatusCode::CONFLICT
    );

    // An upheld objection blocks finalizing: the cadre cancels and computes anew.
    let (_, second) = create(&app, &w.cadre_a.token, &w.village_a, dividend_body(&app, "分红二", 500)).await;
    let base = format!("/api/v1/points/dividends/{}", id(&second));
    let (_, objection) =
        body(app.post(Some(&resident.token), &format!("{base}/objections"), json!({ "reason": "漏了我家" })).await)
            .await;
    let uphold = json!({ "ruling": "uphold", "answer": "属实，重新核算" });
    let (status, upheld) =
        body(app.post(Some(&w.cadre_a.token), &format!("{base}/objections/{}/answer", id(&objection)), uphold).await)
            .await;
    assert_eq!((status, upheld["status"].as_str()), (StatusCode::OK, Some("upheld")));
    end_posting(&app, &id(&second)).await;
    assert_eq!(
        app.post(Some(&w.cadre_a.token), &format!("{base}/finalize"), json!({})).await.status(),
        StatusCode::CONFLICT
    );
    let cancel = json!({ "reason": "异议成立，重新核算" });
    assert_eq!(
        app.post(Some(&resident.token), &format!("{base}/cancel"), cancel.clone()).await.status(),
        StatusCode::NOT_FOUND
    );
    let (status, cancelled) =
        body(app.post(Some(&w.cadre_a.token), &format!("{base}/cancel"), cancel.clone()).await).await;
    assert_eq!((status, cancelled["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{cancelled}");
    assert_eq!(
        app.post(Some(&w.cadre_a.token), &format!("{base}/cancel"), cancel).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.post(Some(&w.cadre_a.token), &format!("{base}/finalize"), json!({})).await.status(),
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn denials_and_bad_input() {
    let app = spawn_app().await;
    let w = app.world().await;
    awkward_village(&app, &w).await;
    let resident = app.member("denied", &w.village_a, &w.cadre_a.token).await;
    let b_resident = app.member("elsewhere", &w.village_b, &w.officer.token).await;
    let b_cadre = app.staff(&w.admin, "cadre-b", &w.village_b).await;
    assert_eq!(
        app.grant(&w.admin, &b_cadre.id, "village_cadre", "org_unit", &w.village_b).await.status(),
        StatusCode::CREATED
    );
    let good = dividend_body(&app, "分红", 1_000);
    assert_eq!(create(&app, &b_cadre.token, &w.village_a, good.clone()).await.0, StatusCode::NOT_FOUND);
    assert_eq!(create(&app, &resident.token, &w.village_a, good.clone()).await.0, StatusCode::NOT_FOUND);
    // Village B has households, none with points.
    let (status, none) = create(&app, &b_cadre.token, &w.village_b, good.clone()).await;
    assert_eq!(
        (status, none["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("cut_off"))
    );
    let at_township = format!("/api/v1/org-units/{}/points/dividends", w.township);
    assert_invalid_field(app.post(Some(&w.officer.token), &at_township, good.clone()).await, "id").await;
    let path = format!("/api/v1/org-units/{}/points/dividends", w.village_a);
    for (field, value) in [
        ("total_fen", json!(0)),
        ("total_fen", json!(1.5)),
        ("days", json!(31)),
        ("days", json!(0)),
        ("title", json!(" ")),
        ("cut_off", json!("2026-13-01")),
    ] {
        let mut bad = good.clone();
        bad[field] = value;
        let res = app.post(Some(&w.cadre_a.token), &path, bad).await;
        let (status, answer) = body(res).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {answer}");
    }
    assert_eq!(dividends_stored(&app).await, 0, "nothing stored");

    let (status, dividend) = create(&app, &w.cadre_a.token, &w.village_a, good).await;
    assert_eq!(status, StatusCode::CREATED);
    let base = format!("/api/v1/points/dividends/{}", id(&dividend));
    // Another village's people: not found; a resident of it cannot object either.
    assert_eq!(app.get_as(&b_resident.token, &base).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&b_cadre.token, &base).await.status(), StatusCode::NOT_FOUND);
    let objection = json!({ "reason": "不是我村的" });
    assert_eq!(
        app.post(Some(&b_resident.token), &format!("{base}/objections"), objection.clone()).await.status(),
        StatusCode::NOT_FOUND
    );
    // Staff of the village who do not live there do not object; nor finalize without the role.
    assert_eq!(
        app.post(Some(&w.cadre_a.token), &format!("{base}/objections"), objection).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(Some(&b_cadre.token), &format!("{base}/finalize"), json!({})).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_invalid_field(
        app.post(Some(&resident.token), &format!("{base}/objections"), json!({ "reason": "" })).await,
        "reason",
    )
    .await;
    let list_b = format!("/api/v1/org-units/{}/points/dividends", w.village_a);
    assert_eq!(app.get_as(&b_resident.token, &list_b).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&resident.token, &list_b).await.status(), StatusCode::OK);
}
