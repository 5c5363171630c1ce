//! Notifications IV: mail through a real SMTP conversation with a local sink — Chinese
//! subjects decoded, a sink that is down retried until dead and then by an administrator, and
//! daily digests.

use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::{Account, World};
use yishi_tests::{smtp_sink, spawn_app_with, Setup, TestApp};

async fn app_with_smtp(url: String) -> (TestApp, World) {
    let app = spawn_app_with(Setup { env: vec![("SMTP_URL", url)], ..Setup::default() }).await;
    let world = app.world().await;
    (app, world)
}

async fn with_email(app: &TestApp, name: &str) -> Account {
    let resident = app.resident(name).await;
    let res = app
        .client
        .put(app.url("/api/v1/me/email"))
        .bearer_auth(&resident.token)
        .json(&json!({ "email": format!("{name}@example.com") }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    resident
}

async fn rejected(app: &TestApp, w: &World, resident: &Account, reason: &str) {
    let application = app.apply(resident, &w.village_a).await;
    let path = format!("/api/v1/residencies/{}/reject", application["id"].as_str().unwrap());
    assert_eq!(app.post(Some(&w.cadre_a.token), &path, json!({ "reason": reason })).await.status(), StatusCode::OK);
}

async fn dispatch(app: &TestApp) {
    app.state.jobs.run_now("dispatch_outbox").await.unwrap();
}

#[tokio::test]
async fn a_notice_is_mailed_with_its_chinese_subject_and_body() {
    let sink = smtp_sink::start(0).await;
    let (app, w) = app_with_smtp(sink.url()).await;
    let resident = with_email(&app, "mailer").await;
    let bad = app
        .client
        .put(app.url("/api/v1/me/email"))
        .bearer_auth(&resident.token)
        .json(&json!({ "email": "not-an-address" }))
        .send()
        .await
        .unwrap();
    yishi_tests::assert_invalid_field(bad, "email").await;
    rejected(&app, &w, &resident, "地址不符").await;
    dispatch(&app).await;

    let received = sink.received();
    assert_eq!(received.len(), 1);
    let parsed = mailparse::parse_mail(&received[0]).unwrap();
    use mailparse::MailHeaderMap;
    assert_eq!(parsed.headers.get_first_value("Subject").as_deref(), Some("【议事】入户申请未通过"));
    assert_eq!(parsed.headers.get_first_value("To").as_deref(), Some("mailer@example.com"));
    assert_eq!(parsed.get_body().unwrap().trim(), "您加入杨家村的申请未通过审核。原因：地址不符");
}

#[tokio::test]
async fn a_sink_that_is_down_is_retried_until_dead_then_an_administrator_retries() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (app, w) = app_with_smtp(format!("smtp://127.0.0.1:{port}")).await;
    let resident = with_email(&app, "patient").await;
    rejected(&app, &w, &resident, "地址不符").await;
    for _ in 0..7 {
        dispatch(&app).await;
        app.clock.advance(chrono::Duration::hours(2));
    }
    let admin = app.login("admin", yishi_tests::ADMIN_PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    let dead: Value = app.get_as(&admin, "/api/v1/outbox/dead").await.json().await.unwrap();
    let letter = &dead["items"][0];
    assert_eq!((letter["channel"].as_str(), letter["attempts"].as_i64()), (Some("mail"), Some(6)));

    let sink = smtp_sink::start(port).await;
    let path = format!("/api/v1/outbox/{}/retry", letter["id"].as_str().unwrap());
    assert_eq!(app.post(Some(&admin), &path, json!({})).await.status(), StatusCode::OK);
    dispatch(&app).await;
    assert_eq!(sink.received().len(), 1);
}

#[tokio::test]
async fn a_daily_digest_gathers_the_days_notices_into_one_mail() {
    let sink = smtp_sink::start(0).await;
    let (app, w) = app_with_smtp(sink.url()).await;
    let resident = with_email(&app, "digest").await;
    let daily = app
        .client
        .put(app.url("/api/v1/me/notification-preferences"))
        .bearer_auth(&resident.token)
        .json(&json!({ "channel": "mail", "enabled": true, "digest": "daily" }))
        .send()
        .await
        .unwrap();
    assert_eq!(daily.status(), StatusCode::OK);
    rejected(&app, &w, &resident, "第一次").await;
    rejected(&app, &w, &resident, "第二次").await;
    dispatch(&app).await;
    assert!(sink.received().is_empty(), "waits for the digest");
    assert_eq!(app.state.jobs.run_now("mail_digests").await.unwrap(), 0, "not a day old yet");
    app.clock.advance(chrono::Duration::hours(25));
    assert_eq!(app.state.jobs.run_now("mail_digests").await.unwrap(), 1);
    let received = sink.received();
    assert_eq!(received.len(), 1);
    let parsed = mailparse::parse_mail(&received[0]).unwrap();
    let body = parsed.get_body().unwrap();
    assert!(body.contains("第一次") && body.contains("第二次"), "{body}");
    assert_eq!(app.state.jobs.run_now("mail_digests").await.unwrap(), 0, "sent once");
}

/// A resident of village A with a mail address and a mail preference (`None`: the default).
async fn member_with_email(app: &TestApp, w: &World, name: &str, mail: Option<(bool, &str)>) -> Account {
    let resident = app.member(name, &w.village_a, &w.cadre_a.token).await;
    let put = |path: &str, body: Value| app.client.put(app.url(path)).bearer_auth(&resident.token).json(&body).send();
    let res = put("/api/v1/me/email", json!({ "email": format!("{name}@example.com") })).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    if let Some((enabled, digest)) = mail {
        let body = json!({ "channel": "mail", "enabled": enabled, "digest": digest });
        assert_eq!(put("/api/v1/me/notification-preferences", body).await.unwrap().status(), StatusCode::OK);
    }
    resident
}

fn recipients_of(mails: &[Vec<u8>]) -> Vec<String> {
    use mailparse::MailHeaderMap;
    let mut to: Vec<String> =
        mails.iter().map(|m| mailparse::parse_mail(m).unwrap().headers.get_first_value("To").unwrap()).collect();
    to.sort();
    to
}

/// Issue 8, item 12: an announcement reaches residents who gave an address by mail too, at once
/// or in their digest, and not those who turned mail off.
#[tokio::test]
async fn an_announcement_is_mailed_to_residents_with_an_address_as_their_preference_says() {
    let sink = smtp_sink::start(0).await;
    let (app, w) = app_with_smtp(sink.url()).await;
    member_with_email(&app, &w, "now", None).await;
    member_with_email(&app, &w, "daily", Some((true, "daily"))).await;
    member_with_email(&app, &w, "never", Some((false, "immediate"))).await;
    let no_address = app.member("nomail", &w.village_a, &w.cadre_a.token).await;
    let elsewhere = app.member("other", &w.village_b, &w.officer.token).await;
    let res = app
        .client
        .put(app.url("/api/v1/me/email"))
        .bearer_auth(&elsewhere.token)
        .json(&json!({ "email": "other@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    dispatch(&app).await; // the residency notices
    let before = sink.received().len();

    let notice = json!({ "org_unit_id": w.village_a, "title": "停水通知", "body": "11月25日全村停水，请提前储水。" });
    assert_eq!(app.post(Some(&w.cadre_a.token), "/api/v1/announcements", notice).await.status(), StatusCode::CREATED);
    assert_eq!(app.state.jobs.run_now("fan_out_announcements").await.unwrap(), 4);
    dispatch(&app).await;

    let mails = sink.received()[before..].to_vec();
    assert_eq!(recipients_of(&mails), vec!["now@example.com".to_owned()], "at once to the one who wants it so");
    let parsed = mailparse::parse_mail(&mails[0]).unwrap();
    use mailparse::MailHeaderMap;
    assert_eq!(parsed.headers.get_first_value("Subject").as_deref(), Some("【议事】停水通知"));
    assert_eq!(parsed.get_body().unwrap().trim(), "11月25日全村停水，请提前储水。");
    let inbox: Value = app.get_as(&no_address.token, "/api/v1/me/notifications").await.json().await.unwrap();
    assert_eq!(inbox["items"][0]["title"], "停水通知", "no address: the inbox still tells");

    // The daily digest carries it a day later; the one who turned mail off never gets it.
    app.clock.advance(chrono::Duration::hours(25));
    assert_eq!(app.state.jobs.run_now("mail_digests").await.unwrap(), 1);
    let mails = sink.received()[before..].to_vec();
    assert_eq!(recipients_of(&mails), vec!["daily@example.com".to_owned(), "now@example.com".to_owned()]);
    let digest =
        mailparse::parse_mail(mails.iter().find(|m| String::from_utf8_lossy(m).contains("daily@")).unwrap()).unwrap();
    assert!(digest.get_body().unwrap().contains("停水通知"));
    dispatch(&app).await;
    assert_eq!(sink.received().len() - before, 2, "nothing more: not to `never`, nor outside the village");
}
