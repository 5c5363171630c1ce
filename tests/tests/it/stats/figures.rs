//! A unit's monthly figures against a prepared data set with known answers: village A and
//! village B of one township in November 2026 (Beijing), with things just outside the month.
//! Residents and cases go through HTTP (report, accept, resolve, confirm); matters,
//! commitments, ratings, polls, ballots and points rows are written as those features store them.

use chrono::TimeZone;
use diesel::connection::SimpleConnection;
use domain::cases::SatisfiedFrom;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::{Account, World};
use yishi_tests::{body, id, spawn_app, spawn_app_with, Setup, TestApp};

/// Inside grid A.
const P: (f64, f64) = (27.7105, 112.0005);

async fn report(app: &TestApp, who: &Account, category: &str, text: &str) -> String {
    let payload = json!({ "category": category, "description": text, "lat": P.0, "lng": P.1 });
    let (status, case) = body(app.post(Some(&who.token), "/api/v1/cases", payload).await).await;
    assert_eq!(status, StatusCode::CREATED, "report: {case}");
    id(&case)
}

async fn step(app: &TestApp, who: &str, case: &str, action: &str, payload: Value) {
    let (status, b) = body(app.post(Some(who), &format!("/api/v1/cases/{case}/{action}"), payload).await).await;
    assert_eq!(status, StatusCode::OK, "{action}: {b}");
}

async fn run_sql(app: &TestApp, sql: String) {
    app.state
        .db
        .run(move |conn| conn.batch_execute(&sql).map_err(infra::InfraError::from))
        .await
        .unwrap_or_else(|e| panic!("seeding: {e}"));
}

pub struct Seeded {
    pub w: World,
    pub ra1: Account,
}

/// The data set. Village A: residents ra1–ra4; 3 cases (ra1), 2 closed: 1 fixed rated 5, 1
/// unable to fix rated 2; a matter triaged big (ra2) and one raised in October; commitments due
/// in November: one kept on time, one not kept; one due in December; ratings 5 and 2; a poll
/// closed with electorate 4 and 3 ballots (ra3 voted); points: 10 + 5 effective (ra2), 7 only
/// posted, 9 effective in October; a redemption of 4 handed over and one only ordered.
/// Village B: residents rb1, rb2; a private matter referred to a department (rb1); a poll with
/// electorate 2 and 1 ballot; one in December; 3 points effective (rb1).
pub async fn seed(app: &TestApp) -> Seeded {
    let nov10 =
        domain::calendar::beijing().with_ymd_and_hms(2026, 11, 10, 10, 0, 0).unwrap().with_timezone(&chrono::Utc);
    app.clock.set(nov10);
    let w = app.world().await;
    let ra1 = app.villager(&w.village_a, &w.cadre_a.token, "ra1", "13900001111").await;
    let ra2 = app.member("ra2", &w.village_a, &w.cadre_a.token).await;
    let ra3 = app.member("ra3", &w.village_a, &w.cadre_a.token).await;
    let _ra4 = app.member("ra4", &w.village_a, &w.cadre_a.token).await;
    let rb1 = app.member("rb1", &w.village_b, &w.admin).await;
    let _rb2 = app.member("rb2", &w.village_b, &w.admin).await;

    let fixed = report(app, &ra1, "road", "村口的路灯坏了，晚上很黑").await;
    let unable = report(app, &ra1, "water", "自来水管破了，路上一直在流水").await;
    let _open = report(app, &ra1, "sanitation", "河边垃圾堆了好几天没人清理").await;
    let worker = w.worker_a.token.clone();
    for (case, outcome, rating) in [(&fixed, "fixed", 5), (&unable, "unable_to_fix", 2)] {
        step(app, &worker, case, "accept", json!({})).await;
        step(app, &worker, case, "resolve", json!({ "outcome": outcome, "note": "处理了" })).await;
        step(app, &ra1.token, case, "confirm", json!({ "rating": rating })).await;
    }

    let set = app.points_rules(&w.village_a, &w.cadre_a.id, vec![yishi_tests::points::rule("help", 10)], vec![]).await;
    let rule = format!("(SELECT id FROM points_rules WHERE rule_set_id = '{set}')");

    let (a, b, admin) = (&w.village_a, &w.village_b, &w.cadre_a.id);
    let n = domain::new_id;
    let (m1, m2, m3) = (n(), n(), n());
    let (p1, p2, p3) = (n(), n(), n());
    let item = n();
    let mut sql = String::new();
    let matter = |mid: &str, unit: &str, author: &str, tier: &str, route: &str, at: &str| {
        format!(
            "INSERT INTO matters (id, scope_id, village_id, category, title, body, author_id, origin, status, \
             moderation, moderation_note, tier, route, supports, opinions, raised_at, updated_at, version) VALUES \
             ('{mid}', '{unit}', '{unit}', 'village_affairs', '议题', '内容', '{author}', 'resident', 'triaged', \
             'clear', '', '{tier}', '{route}', 0, 0, '{at}', '{at}', 1);\n"
        )
    };
    sql += &matter(&m1, a, &ra2.id, "big", "council_suggests", "2026-11-10 03:00:00");
    sql += &matter(&m2, a, &ra2.id, "small", "council_settles", "2026-10-20 03:00:00");
    sql += &matter(&m3, b, &rb1.id, "private", "department", "2026-11-11 03:00:00");
    for (due, status, done) in [
        ("2026-11-20 02:00:00", "done", "'2026-11-18 02:00:00'"),
        ("2026-11-25 02:00:00", "open", "NULL"),
        ("2026-12-05 02:00:00", "open", "NULL"),
    ] {
        sql += &format!(
            "INSERT INTO commitments (id, matter_id, what, due_at, status, extensions, done_at, created_by, \
             created_at, version) VALUES ('{}', '{m1}', '修路', '{due}', '{status}', 0, {done}, '{admin}', \
             '2026-11-10 04:00:00', 1);\n",
            n()
        );
    }
    for (who, rating) in [(&ra2.id, 5), (&ra3.id, 2)] {
        sql += &format!(
            "INSERT INTO evaluations (matter_id, user_id, rating, created_at) VALUES ('{m1}', '{who}', {rating}, \
             '2026-11-26 02:00:00');\n"
        );
    }
    let poll = |pid: &str, unit: &str, status: &str, closes: &str, size: i32| {
        format!(
            "INSERT INTO polls (id, scope_id, village_id, title, description, kind, secrecy, electorate, results, \
             shuffle, status, opens_at, closes_at, electorate_size, created_by, created_at, updated_at, version) \
             VALUES ('{pid}', '{unit}', '{unit}', '表决', '', 'motion', 'secret', 'residents', 'after_close', false, \
             '{status}', '2026-11-01 02:00:00', '{closes}', {size}, '{admin}', '2026-11-01 01:00:00', \
             '2026-11-01 01:00:00', 1);\n"
        )
    };
    sql += &poll(&p1, a, "published", "2026-11-15 02:00:00", 4);
    sql += &poll(&p2, b, "closed", "2026-11-20 02:00:00", 2);
    sql += &poll(&p3, b, "closed", "2026-12-01 02:00:00", 2);
    for pid in [&p1, &p1, &p1, &p2, &p3] {
        sql += &format!(
            "INSERT INTO ballots (id, poll_id, choices, receipt, origin, cast_on) VALUES ('{}', '{pid}', '[0]', \
             '{}', 'online', '2026-11-14');\n",
            n(),
            n()
        );
    }
    sql += &format!(
        "INSERT INTO poll_participation (poll_id, voter_key, voter_id, origin, voted_on) VALUES ('{p1}', 'k3', \
         '{}', 'online', '2026-11-14');\n",
        ra3.id
    );
    for (unit, user, points, status, at) in [
        (a, &ra2.id, 10, "effective", "'2026-11-12 02:00:00'"),
        (a, &ra2.id, 5, "effective", "'2026-11-13 02:00:00'"),
        (a, &ra2.id, 7, "posted", "NULL"),
        (a, &ra2.id, 9, "effective", "'2026-10-13 02:00:00'"),
        (b, &rb1.id, 3, "effective", "'2026-11-13 02:00:00'"),
    ] {
        sql += &format!(
            "INSERT INTO points_entries (id, org_unit_id, user_id, rule_id, rule_code, subject, points, note, \
             occurred_on, status, source, effective_at, created_at, updated_at) VALUES ('{}', '{unit}', '{user}', \
             {rule}, 'help', 'resident', {points}, '', '2026-11-09', '{status}', 'recorded', {at}, \
             '2026-11-09 02:00:00', '2026-11-09 02:00:00');\n",
            n()
        );
    }
    sql += &format!(
        "INSERT INTO points_items (id, org_unit_id, kind, name, description, price, stock, active, created_at, \
         updated_at) VALUES ('{item}', '{a}', 'goods', '肥皂', '', 4, 10, true, '2026-11-01 02:00:00', \
         '2026-11-01 02:00:00');\n"
    );
    for (status, handled) in [("handed_over", "'2026-11-12 05:00:00'"), ("ordered", "NULL")] {
        sql += &format!(
            "INSERT INTO points_orders (id, item_id, org_unit_id, user_id, quantity, points, status, handled_at, \
             created_at) VALUES ('{}', '{item}', '{a}', '{}', 1, 4, '{status}', {handled}, '2026-11-12 02:00:00');\n",
            n(),
            ra2.id
        );
    }
    run_sql(app, sql).await;
    Seeded { w, ra1 }
}

fn rate(v: &Value) -> (u64, u64, Option<f64>) {
    (v["part"].as_u64().unwrap(), v["whole"].as_u64().unwrap(), v["rate"].as_f64())
}

/// The figures that matter, flattened for one comparison.
fn flat(f: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (section, keys) in [
        ("cases", &["received", "closed", "resolved", "on_time", "satisfied"][..]),
        (
            "deliberation",
            &[
                "raised",
                "private",
                "small",
                "big",
                "major",
                "government",
                "commitments_on_time",
                "commitments_overdue",
                "satisfied",
            ][..],
        ),
        ("voting", &["polls", "turnout"][..]),
        ("points", &["entries", "points_awarded", "redemptions", "points_redeemed"][..]),
        ("participation", &["active_residents"][..]),
    ] {
        for key in keys {
            let v = &f[section][key];
            let v = if v.is_object() { json!([v["part"], v["whole"]]) } else { v.clone() };
            out.push((format!("{section}.{key}"), v));
        }
    }
    out
}

fn expect(pairs: &[(&str, Value)]) -> Vec<(String, Value)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

#[tokio::test]
async fn figures_match_a_prepared_month_and_a_township_sums_its_villages() {
    let app = spawn_app().await;
    let Seeded { w, ra1 } = seed(&app).await;
    let officer = &w.officer.token;
    let get = |unit: &str, month: &str| format!("/api/v1/org-units/{unit}/stats?month={month}");

    let (status, a) = body(app.get_as(officer, &get(&w.village_a, "2026-11")).await).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    let village_a = expect(&[
        ("cases.received", json!(3)),
        ("cases.closed", json!(2)),
        ("cases.resolved", json!([1, 2])),
        ("cases.on_time", json!([2, 2])),
        ("cases.satisfied", json!([1, 2])),
        ("deliberation.raised", json!(1)),
        ("deliberation.private", json!(0)),
        ("deliberation.small", json!(0)),
        ("deliberation.big", json!(1)),
        ("deliberation.major", json!(0)),
        ("deliberation.government", json!(0)),
        ("deliberation.commitments_on_time", json!([1, 2])),
        ("deliberation.commitments_overdue", json!(1)),
        ("deliberation.satisfied", json!([1, 2])),
        ("voting.polls", json!(1)),
        ("voting.turnout", json!([3, 4])),
        ("points.entries", json!(2)),
        ("points.points_awarded", json!(15)),
        ("points.redemptions", json!(1)),
        ("points.points_redeemed", json!(4)),
        ("participation.active_residents", json!([3, 4])),
    ]);
    assert_eq!(flat(&a), village_a);
    assert_eq!(rate(&a["cases"]["resolved"]), (1, 2, Some(0.5)));
    assert_eq!(rate(&a["voting"]["turnout"]), (3, 4, Some(0.75)));
    assert_eq!(a["name"], "杨家村");

    let (_, b) = body(app.get_as(officer, &get(&w.village_b, "2026-11")).await).await;
    let village_b = expect(&[
        ("cases.received", json!(0)),
        ("cases.closed", json!(0)),
        ("cases.resolved", json!([0, 0])),
        ("cases.on_time", json!([0, 0])),
        ("cases.satisfied", json!([0, 0])),
        ("deliberation.raised", json!(1)),
        ("deliberation.private", json!(1)),
        ("deliberation.small", json!(0)),
        ("deliberation.big", json!(0)),
        ("deliberation.major", json!(0)),
        ("deliberation.government", json!(1)),
        ("deliberation.commitments_on_time", json!([0, 0])),
        ("deliberation.commitments_overdue", json!(0)),
        ("deliberation.satisfied", json!([0, 0])),
        ("voting.polls", json!(1)),
        ("voting.turnout", json!([1, 2])),
        ("points.entries", json!(1)),
        ("points.points_awarded", json!(3)),
        ("points.redemptions", json!(0)),
        ("points.points_redeemed", json!(0)),
        ("participation.active_residents", json!([1, 2])),
    ]);
    assert_eq!(flat(&b), village_b);
    assert_eq!(b["cases"]["resolved"]["rate"], Value::Null, "no closed case, no rate");

    // The township is the sum of its villages, figure by figure.
    let (_, t) = body(app.get_as(officer, &get(&w.township, "2026-11")).await).await;
    let summed: Vec<(String, Value)> = village_a
        .iter()
        .zip(&village_b)
        .map(|((k, x), (_, y))| {
            let v = match (x, y) {
                (Value::Array(x), Value::Array(y)) => json!([
                    x[0].as_u64().unwrap() + y[0].as_u64().unwrap(),
                    x[1].as_u64().unwrap() + y[1].as_u64().unwrap()
                ]),
                _ => json!(x.as_i64().unwrap() + y.as_i64().unwrap()),
            };
            (k.clone(), v)
        })
        .collect();
    assert_eq!(flat(&t), summed);

    // The township's children are its villages with the same figures.
    let (status, children) =
        body(app.get_as(officer, &format!("/api/v1/org-units/{}/stats/children?month=2026-11", w.township)).await)
            .await;
    assert_eq!(status, StatusCode::OK, "{children}");
    let kids = children["children"].as_array().unwrap();
    assert_eq!(kids.len(), 2);
    let kid = |unit: &str| kids.iter().find(|k| k["org_unit_id"] == unit).cloned().unwrap();
    assert_eq!(flat(&kid(&w.village_a)), village_a);
    assert_eq!(flat(&kid(&w.village_b)), village_b);

    // A month with nothing: zeros and no rates, but the residents are still there (none active).
    let (_, empty) = body(app.get_as(officer, &get(&w.township, "2026-09")).await).await;
    let quiet: Vec<(String, Value)> =
        flat(&empty).into_iter().filter(|(k, _)| k != "participation.active_residents").collect();
    assert!(quiet.iter().all(|(_, v)| *v == json!(0) || *v == json!([0, 0])), "{empty}");
    assert_eq!(rate(&empty["participation"]["active_residents"]), (0, 6, Some(0.0)));
    assert_eq!(empty["cases"]["satisfied"]["rate"], Value::Null);
    assert_eq!(empty["voting"]["turnout"]["rate"], Value::Null);

    // Denials: a cadre of village A reads their own village but village B (not in scope) is 404;
    // a resident is in no scope: 404. A bad month is 422.
    assert_eq!(app.get_as(&w.cadre_a.token, &get(&w.village_b, "2026-11")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&w.cadre_a.token, &get(&w.village_a, "2026-11")).await.status(), StatusCode::OK);
    assert_eq!(app.get_as(&ra1.token, &get(&w.village_a, "2026-11")).await.status(), StatusCode::NOT_FOUND);
    for bad in ["2026-13", "26-11", "x"] {
        yishi_tests::assert_invalid_field(app.get_as(officer, &get(&w.village_a, bad)).await, "month").await;
    }
    assert_eq!(app.get_as(officer, &get("no-such-unit", "2026-11")).await.status(), StatusCode::NOT_FOUND);
}

/// The deployment's threshold for a satisfied case (`YISHI_CASE_SATISFIED_MIN_RATING`) is the
/// one the figures count by, as the cases' own figures do: at 2, both closed cases (rated 5 and
/// 2) are satisfied; matters keep four stars and up (one of ratings 5 and 2).
#[tokio::test]
async fn the_satisfaction_threshold_the_deployment_chose_counts_cases_in_the_figures() {
    let env = vec![("YISHI_CASE_SATISFIED_MIN_RATING", "2".to_owned())];
    let app = spawn_app_with(Setup { env, ..Setup::default() }).await;
    let Seeded { w, .. } = seed(&app).await;
    let path = format!("/api/v1/org-units/{}/stats?month=2026-11", w.village_a);
    let (status, a) = body(app.get_as(&w.officer.token, &path).await).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(rate(&a["cases"]["satisfied"]), (2, 2, Some(1.0)), "{a}");
    assert_eq!(rate(&a["deliberation"]["satisfied"]), (1, 2, Some(0.5)), "{a}");
    let cases = format!("/api/v1/case-figures?org_unit_id={}&month=2026-11", w.village_a);
    let (status, own) = body(app.get_as(&w.officer.token, &cases).await).await;
    assert_eq!(status, StatusCode::OK, "{own}");
    assert_eq!(
        (own["totals"]["satisfied"].as_i64(), own["totals"]["satisfied_from"].as_u64()),
        (Some(2), Some(2)),
        "the cases' own figures agree: {own}"
    );
}

/// The statements `for_units` runs do not grow with the number of units.
#[tokio::test]
async fn for_units_reads_many_units_in_a_bounded_number_of_statements() {
    let app = spawn_app().await;
    let Seeded { w, .. } = seed(&app).await;
    let month = domain::stats::figures::Month::parse("2026-11").unwrap();
    let ids = vec![w.village_a.clone(), w.village_b.clone(), w.township.clone(), w.county.clone(), "unknown".into()];
    let one = vec![w.village_a.clone()];
    let (figures, statements, alone) = app
        .state
        .db
        .run(move |conn| {
            let (one, alone) = infra::testing::count_statements(conn, |conn| {
                infra::stats::figures::for_units(conn, &one, month, SatisfiedFrom::default())
            });
            one?;
            let (figures, statements) = infra::testing::count_statements(conn, |conn| {
                infra::stats::figures::for_units(conn, &ids, month, SatisfiedFrom::default())
            });
            Ok::<_, infra::InfraError>((figures?, statements, alone))
        })
        .await
        .unwrap();
    assert_eq!(
        (alone, statements),
        (infra::stats::figures::STATEMENTS, infra::stats::figures::STATEMENTS),
        "one unit or five, the same statements"
    );
    assert_eq!(figures.len(), 5);
    assert_eq!(figures[0].cases.received, 3);
    assert_eq!(figures[2].points.points_awarded, 18);
    assert_eq!(figures[3].voting.turnout, domain::stats::figures::Ratio::new(4, 6));
    assert_eq!(
        figures[4],
        domain::stats::figures::MonthlyFigures { org_unit_id: "unknown".into(), ..Default::default() }
    );
    assert_eq!(infra::stats::figures::STATEMENTS, 14);
}
