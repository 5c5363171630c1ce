//! Rankings: a township's villages ranked with red and black lists by its rules, the
//! good-governance contest's hand scores with reasons and their history, the leadership grading
//! run as a poll and shown with the ranking — and who may read and change what.

use diesel::prelude::*;
use domain::clock::Clock;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::Account;
use yishi_tests::{body, id, spawn_app_with, Setup, TestApp};

async fn rankings_app() -> TestApp {
    let env = [
        ("YISHI_ACCESS_TOKEN_TTL_SECS", "86400"),
        ("YISHI_LIMIT_WRITES_PER_USER_PER_MINUTE", "100000"),
        ("YISHI_LIMIT_REQUESTS_PER_IP_PER_MINUTE", "1000000"),
    ];
    spawn_app_with(Setup { env: env.map(|(k, v)| (k, v.to_owned())).to_vec(), ..Setup::default() }).await
}

async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    body(app.get_as(token, path).await).await
}

async fn put(app: &TestApp, token: &str, path: &str, v: Value) -> (StatusCode, Value) {
    body(app.put(token, path, v).await).await
}

async fn post(app: &TestApp, token: &str, path: &str, v: Value) -> (StatusCode, Value) {
    body(app.post(Some(token), path, v).await).await
}

async fn audited(app: &TestApp, action: &'static str) -> i64 {
    use infra::testing::schema::audit_log::dsl as audit;
    app.state
        .db
        .run(move |conn| {
            audit::audit_log.filter(audit::action.eq(action)).count().get_result(conn).map_err(infra::InfraError::from)
        })
        .await
        .unwrap()
}

fn ids(ranking: &Value) -> Vec<String> {
    ranking["units"].as_array().unwrap().iter().map(|u| u["org_unit_id"].as_str().unwrap().to_owned()).collect()
}

fn listings(ranking: &Value) -> Vec<Value> {
    ranking["units"].as_array().unwrap().iter().map(|u| u["listing"].clone()).collect()
}

fn standings(ranking: &Value) -> Vec<(String, f64)> {
    ranking["contest"]["standings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["org_unit_id"].as_str().unwrap().to_owned(), s["total"].as_f64().unwrap()))
        .collect()
}

async fn other_township_officer(app: &TestApp, admin: &str, county: &str) -> Account {
    let township = app.unit(admin, Some(county), "township", "石马山镇").await;
    let officer = app.staff(admin, "officer-other", &township).await;
    let res = app.grant(admin, &officer.id, "township_officer", "org_unit", &township).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    officer
}

#[tokio::test]
async fn a_township_ranks_its_villages_with_lists_by_its_rules_and_its_contest() {
    let app = rankings_app().await;
    let w = app.world().await;
    let village_c = app.unit(&w.admin, Some(&w.township), "village", "王家村").await;
    let other = other_township_officer(&app, &w.admin, &w.county).await;
    let ranking = format!("/api/v1/org-units/{}/rankings?month=2026-11", w.township);
    let config = format!("/api/v1/org-units/{}/ranking-config", w.township);
    let scores = format!("/api/v1/org-units/{}/contest-scores", w.township);

    // The defaults: the three villages, the contest's four dimensions; a cadre reads their own
    // township's ranking, an officer of another township does not see it.
    let (status, first) = get(&app, &w.officer.token, &ranking).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["config_version"], 0);
    let mut expected = vec![w.village_a.clone(), w.village_b.clone(), village_c.clone()];
    expected.sort();
    assert_eq!(ids(&first), expected, "no figures: every score equal, ties by id");
    assert_eq!(first["contest"]["dimensions"].as_array().map(Vec::len), Some(4));
    let (status, seen_by_cadre) = get(&app, &w.cadre_a.token, &ranking).await;
    assert_eq!((status, ids(&seen_by_cadre)), (StatusCode::OK, expected.clone()));
    assert_eq!(get(&app, &other.token, &ranking).await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, &other.token, &config).await.0, StatusCode::NOT_FOUND);
    let village_ranking = format!("/api/v1/org-units/{}/rankings?month=2026-11", w.village_a);
    assert_eq!(get(&app, &w.cadre_a.token, &village_ranking).await.0, StatusCode::UNPROCESSABLE_ENTITY);

    // Rules: the first red, the last black. A cadre may not set them (403), another township's
    // officer does not see the township (404); bad rules are refused and change nothing.
    let rules = json!({
        "weights": {"case_resolution": 60, "case_satisfaction": 40},
        "lists": {"red_top": 1, "black_bottom": 1, "black_resolution_below": 80, "black_on_overdue": true},
    });
    assert_eq!(put(&app, &w.cadre_a.token, &config, rules.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(put(&app, &other.token, &config, rules.clone()).await.0, StatusCode::NOT_FOUND);
    for (bad, field) in [
        (json!({"weights": {"nope": 1}, "lists": rules["lists"]}), "weights"),
        (json!({"weights": {"turnout": 0}, "lists": rules["lists"]}), "weights"),
        (json!({"weights": {"turnout": 1}, "lists": {"red_top": 0, "black_on_overdue": false}}), "red_top"),
        (
            json!({"weights": {"turnout": 1}, "lists": {"black_resolution_below": 180, "black_on_overdue": false}}),
            "black_resolution_below",
        ),
        (json!({"weights": {"turnout": 1}, "lists": rules["lists"], "dimensions": []}), "dimensions"),
    ] {
        let (status, refused) = put(&app, &w.officer.token, &config, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"]["details"]["field"], field, "{refused}");
    }
    assert_eq!(get(&app, &w.officer.token, &config).await.1["version"], 0);
    assert_eq!(audited(&app, "ranking_config.set").await, 0);
    let (status, set) = put(&app, &w.officer.token, &config, rules).await;
    assert_eq!((status, set["version"].as_i64()), (StatusCode::OK, Some(1)), "{set}");
    assert_eq!(set["weights"], json!({"case_resolution": 60, "case_satisfaction": 40}));
    assert_eq!(audited(&app, "ranking_config.set").await, 1);
    let (_, listed) = get(&app, &w.officer.token, &ranking).await;
    assert_eq!(listed["config_version"], 1);
    assert_eq!(listings(&listed), [json!("red"), Value::Null, json!("black")]);
    assert_eq!(listed["units"][0]["reasons"], json!(["red_top"]));
    assert_eq!(listed["units"][2]["reasons"], json!(["black_bottom"]));

    // The contest: hand scores with reasons rank the villages; a later entry supersedes an
    // earlier one and the history keeps both.
    let score = |village: &str, value: f64, reason: &str| json!({"village_id": village, "year": 2026, "dimension": "industry", "score": value, "reason": reason});
    for (who, status) in [(&w.cadre_a.token, StatusCode::FORBIDDEN), (&other.token, StatusCode::NOT_FOUND)] {
        assert_eq!(post(&app, who, &scores, score(&w.village_a, 90.0, "产业园投产")).await.0, status);
    }
    for (bad, field) in [
        (score(&w.village_a, 120.0, "产业园投产"), "score"),
        (score(&w.village_a, 50.0, " "), "reason"),
        (
            json!({"village_id": w.village_a, "year": 2026, "dimension": "nope", "score": 5, "reason": "理由充分"}),
            "dimension",
        ),
        (score(&w.township, 50.0, "不是本镇的村"), "village_id"),
    ] {
        let (status, refused) = post(&app, &w.officer.token, &scores, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"]["details"]["field"], field, "{refused}");
    }
    let history = format!("{scores}?year=2026");
    assert_eq!(get(&app, &w.officer.token, &history).await.1["items"], json!([]));
    let (status, entered) = post(&app, &w.officer.token, &scores, score(&w.village_b, 90.0, "产业园投产")).await;
    assert_eq!(status, StatusCode::CREATED, "{entered}");
    assert_eq!(
        post(&app, &w.officer.token, &scores, score(&w.village_a, 60.0, "合作社起步")).await.0,
        StatusCode::CREATED
    );
    let (_, contest) = get(&app, &w.officer.token, &ranking).await;
    let order = standings(&contest);
    assert_eq!((order[0].clone(), order[1].clone()), ((w.village_b.clone(), 22.5), (w.village_a.clone(), 15.0)));
    assert_eq!(
        contest["contest"]["standings"][0]["scores"][0],
        json!({"dimension": "industry", "score": 90.0, "by_hand": true})
    );
    assert_eq!(
        post(&app, &w.officer.token, &scores, score(&w.village_a, 100.0, "复核后上调：新增两家企业")).await.0,
        StatusCode::CREATED
    );
    let (_, contest) = get(&app, &w.officer.token, &ranking).await;
    let order = standings(&contest);
    assert_eq!((order[0].clone(), order[1].clone()), ((w.village_a.clone(), 25.0), (w.village_b.clone(), 22.5)));
    let (status, page) = get(&app, &w.cadre_a.token, &format!("{history}&village_id={}", w.village_a)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let reasons: Vec<&str> = page["items"].as_array().unwrap().iter().map(|i| i["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["复核后上调：新增两家企业", "合作社起步"]);
    assert_eq!(audited(&app, "contest_score.enter").await, 3);
    assert_eq!(get(&app, &other.token, &history).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_villages_leadership_grading_is_a_poll_shown_with_the_ranking() {
    let app = rankings_app().await;
    let w = app.world().await;
    let gradings = format!("/api/v1/org-units/{}/leadership-gradings", w.village_a);
    let now = app.clock.now();
    let grading = json!({
        "term": 2026,
        "opens_at": (now + chrono::Duration::minutes(10)).to_rfc3339(),
        "closes_at": (now + chrono::Duration::hours(2)).to_rfc3339(),
    });
    assert_eq!(post(&app, &w.cadre_a.token, &gradings, grading.clone()).await.0, StatusCode::FORBIDDEN);
    let backwards = json!({"term": 2026, "opens_at": grading["closes_at"], "closes_at": grading["opens_at"]});
    assert_eq!(post(&app, &w.officer.token, &gradings, backwards).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let township_gradings = format!("/api/v1/org-units/{}/leadership-gradings", w.township);
    assert_eq!(
        post(&app, &w.officer.token, &township_gradings, grading.clone()).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (status, created) = post(&app, &w.officer.token, &gradings, grading.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(post(&app, &w.officer.token, &gradings, grading).await.0, StatusCode::CONFLICT);
    let poll = created["poll_id"].as_str().unwrap().to_owned();
    let (_, seen) = get(&app, &w.officer.token, &format!("/api/v1/polls/{poll}")).await;
    let options: Vec<&str> = seen["options"].as_array().unwrap().iter().filter_map(|o| o["text"].as_str()).collect();
    assert_eq!(options, ["优秀", "称职", "基本称职", "不称职"], "{seen}");

    let mut residents = Vec::new();
    for name in ["gr-1", "gr-2", "gr-3", "gr-4"] {
        residents.push(app.member(name, &w.village_a, &w.cadre_a.token).await);
    }
    assert_eq!(
        post(&app, &w.officer.token, &format!("/api/v1/polls/{poll}/schedule"), json!({})).await.0,
        StatusCode::OK
    );
    app.clock.advance(chrono::Duration::minutes(11));
    app.state.jobs.run_now("open_polls").await.unwrap();
    for (resident, choice) in residents.iter().take(3).zip([0, 0, 1]) {
        let (status, cast) =
            post(&app, &resident.token, &format!("/api/v1/polls/{poll}/ballots"), json!({"choices": [choice]})).await;
        assert_eq!(status, StatusCode::CREATED, "{cast}");
    }
    let ranking = format!("/api/v1/org-units/{}/rankings?month=2026-11", w.township);
    let (_, open) = get(&app, &w.officer.token, &ranking).await;
    let row =
        open["units"].as_array().unwrap().iter().find(|u| u["org_unit_id"] == w.village_a.as_str()).unwrap().clone();
    assert_eq!((row["grading"]["status"].as_str(), &row["grading"]["grades"]), (Some("open"), &Value::Null), "{row}");
    app.clock.advance(chrono::Duration::hours(3));
    app.state.jobs.run_now("close_polls").await.unwrap();
    let (_, closed) = get(&app, &w.officer.token, &ranking).await;
    let row =
        closed["units"].as_array().unwrap().iter().find(|u| u["org_unit_id"] == w.village_a.as_str()).unwrap().clone();
    let grades: Vec<(String, u64)> = row["grading"]["grades"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["grade"].as_str().unwrap().to_owned(), g["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(grades, [("优秀".into(), 2), ("称职".into(), 1), ("基本称职".into(), 0), ("不称职".into(), 0)]);
    assert_eq!(
        (row["grading"]["ballots"].as_u64(), row["grading"]["electorate"].as_u64()),
        (Some(3), Some(4)),
        "{row}"
    );
    assert_eq!(row["grading"]["turnout"].as_f64(), Some(0.75));
    assert_eq!(audited(&app, "leadership_grading.create").await, 1);
    let other =
        closed["units"].as_array().unwrap().iter().find(|u| u["org_unit_id"] == w.village_b.as_str()).unwrap().clone();
    assert_eq!(other["grading"], Value::Null);
    let _ = id(&created);
}

/// Acceptance 3, the rankings part: the prepared November of `stats::figures::seed` (village A:
/// cases resolved 1 of 2, all on time, satisfied 1 of 2; commitments 1 of 2 on time and one
/// overdue; matters satisfied 1 of 2; turnout 3 of 4; active 3 of 4; 2 points entries. Village
/// B: no case, no commitment, turnout 1 of 2, active 1 of 2, 1 points entry) ranks by hand-worked
/// scores. Default weights: A = (0.5·25 + 1·15 + 0.5·15 + 0.5·10 + 0·5 + 0.5·10 + 0.75·5 +
/// 0.75·10 + 1·5) / 100 = 61.25; B = (1·5 + 0.5·5 + 0.5·10 + 0.5·5) / 25 = 60 (its figures with
/// nothing to count leave their weights out). Weighing only overdue commitments turns it round.
#[tokio::test]
async fn a_prepared_month_ranks_in_the_hand_worked_order_and_its_lists_follow_the_figures() {
    let app = rankings_app().await;
    let super::figures::Seeded { w, .. } = super::figures::seed(&app).await;
    let ranking = format!("/api/v1/org-units/{}/rankings?month=2026-11", w.township);
    let config = format!("/api/v1/org-units/{}/ranking-config", w.township);
    let scores = |r: &Value| -> Vec<(String, f64)> {
        r["units"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| (u["org_unit_id"].as_str().unwrap().to_owned(), u["score"].as_f64().unwrap()))
            .collect()
    };

    let (status, ranked) = get(&app, &w.officer.token, &ranking).await;
    assert_eq!(status, StatusCode::OK, "{ranked}");
    assert_eq!(scores(&ranked), [(w.village_a.clone(), 61.25), (w.village_b.clone(), 60.0)], "{ranked}");
    // The default lists (red: the first; black: resolution under 80 %, or a commitment overdue):
    // A heads the ranking but resolved 50 % and has a commitment overdue, and black wins over
    // red; B has no closed case, so no resolution rate to fall short of.
    assert_eq!(listings(&ranked), [json!("black"), Value::Null], "{ranked}");
    assert_eq!(ranked["units"][0]["reasons"], json!(["black_resolution_below", "black_on_overdue"]), "{ranked}");

    // The same weights with only the red rule: A red.
    let rules = json!({"weights": ranked_weights(), "lists": {"red_top": 1, "black_on_overdue": false}});
    let (status, set) = put(&app, &w.officer.token, &config, rules).await;
    assert_eq!(status, StatusCode::OK, "{set}");
    let (_, listed) = get(&app, &w.officer.token, &ranking).await;
    assert_eq!(scores(&listed), scores(&ranked));
    assert_eq!(listings(&listed), [json!("red"), Value::Null], "{listed}");
    assert_eq!(listed["units"][0]["reasons"], json!(["red_top"]), "{listed}");

    // Only overdue commitments weighed: B (none overdue) first and red, A black.
    let flipped = json!({
        "weights": {"commitments_overdue": 100},
        "lists": {"red_top": 1, "black_resolution_below": 80, "black_on_overdue": true},
    });
    assert_eq!(put(&app, &w.officer.token, &config, flipped).await.0, StatusCode::OK);
    let (_, flipped) = get(&app, &w.officer.token, &ranking).await;
    assert_eq!(scores(&flipped), [(w.village_b.clone(), 100.0), (w.village_a.clone(), 0.0)], "{flipped}");
    assert_eq!(listings(&flipped), [json!("red"), json!("black")], "{flipped}");
}

/// The default weights, as a configuration body.
fn ranked_weights() -> Value {
    json!({
        "case_resolution": 25, "case_on_time": 15, "case_satisfaction": 15, "commitments_on_time": 10,
        "commitments_overdue": 5, "deliberation_satisfaction": 10, "turnout": 5, "participation": 10,
        "points_entries": 5,
    })
}
