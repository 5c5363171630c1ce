//! A small world built through the API, as an administrator would: a county with one
//! township and two villages, a grid in village A, staff with roles, and residents.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::TestApp;

pub const FIRST_PASSWORD: &str = "first-Passw0rd-1";
pub const STAFF_PASSWORD: &str = "changed-Passw0rd-2";

/// The grid of village A: a square around (27.71, 112.00), GCJ-02.
pub const GRID_A: &str = r#"{"type":"Polygon","coordinates":[[[111.99,27.70],[112.01,27.70],[112.01,27.72],[111.99,27.72],[111.99,27.70]]]}"#;

#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub token: String,
}

pub struct World {
    pub admin: String,
    pub county: String,
    pub township: String,
    pub village_a: String,
    pub village_b: String,
    pub grid_a: String,
    pub cadre_a: Account,
    pub officer: Account,
    pub worker_a: Account,
}

async fn created(res: reqwest::Response, what: &str) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap_or_default();
    assert_eq!(status, StatusCode::CREATED, "{what}: {body}");
    body
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

impl TestApp {
    pub async fn unit(&self, token: &str, parent: Option<&str>, kind: &str, name: &str) -> String {
        id(&created(
            self.post(Some(token), "/api/v1/org-units", json!({ "parent_id": parent, "kind": kind, "name": name }))
                .await,
            name,
        )
        .await)
    }

    /// A staff account serving in `unit`, with its first password changed, and a token.
    pub async fn staff(&self, by: &str, username: &str, unit: &str) -> Account {
        let body =
            json!({ "username": username, "display_name": username, "password": FIRST_PASSWORD, "org_unit_id": unit });
        let user = created(self.post(Some(by), "/api/v1/users", body).await, username).await;
        // Below the administrators the server suffixes the name; log in with the one it gave.
        let login_name = user["username"].as_str().unwrap_or(username).to_owned();
        let login = self.login(&login_name, FIRST_PASSWORD).await;
        let token = login["access_token"].as_str().unwrap_or_default().to_owned();
        let change = json!({ "current_password": FIRST_PASSWORD, "new_password": STAFF_PASSWORD });
        assert_eq!(self.post(Some(&token), "/api/v1/me/password", change).await.status(), StatusCode::OK);
        Account { id: id(&user), token }
    }

    pub async fn grant(
        &self,
        by: &str,
        user_id: &str,
        role: &str,
        scope_kind: &str,
        scope_id: &str,
    ) -> reqwest::Response {
        self.post(
            Some(by),
            "/api/v1/role-grants",
            json!({ "user_id": user_id, "role": role, "scope_kind": scope_kind, "scope_id": scope_id }),
        )
        .await
    }

    /// A resident logged in through the development WeChat, privacy policy accepted.
    pub async fn resident(&self, name: &str) -> Account {
        let login = self.wechat_login(&format!("dev:{name}")).await;
        let token = login["access_token"].as_str().unwrap_or_default().to_owned();
        let res = self.post(Some(&token), "/api/v1/me/consents", json!({ "policy_version": "2026-11" })).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        Account { id: login["user"]["id"].as_str().unwrap_or_default().to_owned(), token }
    }

    /// A resident's application to found a household in `unit`; returns the application.
    pub async fn apply(&self, resident: &Account, unit: &str) -> Value {
        let body = json!({ "org_unit_id": unit, "new_household_name": format!("{}家", &resident.id[..8]) });
        created(self.post(Some(&resident.token), "/api/v1/me/residency", body).await, "residency").await
    }

    /// A resident of `unit`: applied and approved by `approver`.
    pub async fn member(&self, name: &str, unit: &str, approver: &str) -> Account {
        let resident = self.resident(name).await;
        let application = self.apply(&resident, unit).await;
        let path = format!("/api/v1/residencies/{}/approve", id(&application));
        assert_eq!(self.post(Some(approver), &path, json!({})).await.status(), StatusCode::OK);
        resident
    }

    /// A resident of `unit` (approved by `approver`) with a bound phone.
    pub async fn villager(&self, unit: &str, approver: &str, name: &str, phone: &str) -> Account {
        let resident = self.member(name, unit, approver).await;
        let code = json!({ "code": format!("dev:{phone}") });
        let res = self.post(Some(&resident.token), "/api/v1/auth/wechat/phone", code).await;
        assert_eq!(res.status(), StatusCode::OK, "bind phone");
        resident
    }

    /// `n` approved residents of `unit`, written straight to the database in one transaction (for
    /// tests of scale: announcements to a township).
    pub async fn seed_residents(&self, unit: &str, n: usize) {
        use diesel::prelude::*;
        use infra::testing::schema::{residencies as r, users as u};
        let (unit, now) = (unit.to_owned(), chrono::Utc::now().naive_utc());
        self.state
            .db
            .run(move |conn| {
                infra::db::write_tx(conn, |conn| -> Result<(), infra::InfraError> {
                    for i in 0..n {
                        let id = domain::new_id();
                        diesel::insert_into(u::table)
                            .values((
                                u::id.eq(&id),
                                u::kind.eq("resident"),
                                u::display_name.eq(format!("村民{i}")),
                                u::created_at.eq(now),
                            ))
                            .execute(conn)?;
                        diesel::insert_into(r::table)
                            .values((
                                r::id.eq(domain::new_id()),
                                r::user_id.eq(&id),
                                r::org_unit_id.eq(&unit),
                                r::relation.eq("head"),
                                r::status.eq("approved"),
                                r::created_at.eq(now),
                            ))
                            .execute(conn)?;
                    }
                    Ok(())
                })
            })
            .await
            .unwrap_or_else(|e| panic!("seeding residents: {e}"));
    }

    /// `n` households of `unit` (each with one approved member) on `grid` (if any), written
    /// straight to the database in one transaction: a prepared grid for coverage tests. Returns
    /// (household id, member id) pairs in the order made.
    pub async fn seed_households(&self, unit: &str, grid: Option<&str>, n: usize) -> Vec<(String, String)> {
        use diesel::prelude::*;
        use infra::testing::schema::{household_members as m, households as h, residencies as r, users as u};
        let (unit, grid, now) = (unit.to_owned(), grid.map(str::to_owned), chrono::Utc::now().naive_utc());
        self.state
            .db
            .run(move |conn| {
                infra::db::write_tx(conn, |conn| -> Result<Vec<(String, String)>, infra::InfraError> {
                    let mut made = Vec::with_capacity(n);
                    for i in 0..n {
                        let (user, household) = (domain::new_id(), domain::new_id());
                        diesel::insert_into(u::table)
                            .values((
                                u::id.eq(&user),
                                u::kind.eq("resident"),
                                u::display_name.eq(format!("户主{i}")),
                                u::created_at.eq(now),
                            ))
                            .execute(conn)?;
                        diesel::insert_into(h::table)
                            .values((
                                h::id.eq(&household),
                                h::org_unit_id.eq(&unit),
                                h::name.eq(format!("{i}号户")),
                                h::head_user_id.eq(&user),
                                h::created_at.eq(now),
                                h::grid_id.eq(&grid),
                            ))
                            .execute(conn)?;
                        diesel::insert_into(m::table)
                            .values((
                                m::user_id.eq(&user),
                                m::household_id.eq(&household),
                                m::relation.eq("head"),
                                m::joined_at.eq(now),
                            ))
                            .execute(conn)?;
                        diesel::insert_into(r::table)
                            .values((
                                r::id.eq(domain::new_id()),
                                r::user_id.eq(&user),
                                r::org_unit_id.eq(&unit),
                                r::household_id.eq(&household),
                                r::relation.eq("head"),
                                r::status.eq("approved"),
                                r::created_at.eq(now),
                            ))
                            .execute(conn)?;
                        made.push((household, user));
                    }
                    Ok(made)
                })
            })
            .await
            .unwrap_or_else(|e| panic!("seeding households: {e}"))
    }

    pub async fn world(&self) -> World {
        let admin = self.admin_token().await;
        let county = self.unit(&admin, None, "county", "涟源县").await;
        let township = self.unit(&admin, Some(&county), "township", "杨市镇").await;
        let village_a = self.unit(&admin, Some(&township), "village", "杨家村").await;
        let village_b = self.unit(&admin, Some(&township), "village", "李家村").await;
        let grid = json!({ "org_unit_id": village_a, "level": "small", "name": "杨家村一网格", "boundary": serde_json::from_str::<Value>(GRID_A).unwrap_or_default() });
        let grid_a = id(&created(self.post(Some(&admin), "/api/v1/grids", grid).await, "grid").await);
        let cadre_a = self.staff(&admin, "cadre-a", &village_a).await;
        let officer = self.staff(&admin, "officer-t", &township).await;
        let worker_a = self.staff(&admin, "worker-a", &village_a).await;
        for (who, role, kind, scope) in [
            (&cadre_a, "village_cadre", "org_unit", &village_a),
            (&officer, "township_officer", "org_unit", &township),
            (&worker_a, "grid_worker", "grid", &grid_a),
        ] {
            created(self.grant(&admin, &who.id, role, kind, scope).await, role).await;
        }
        World { admin, county, township, village_a, village_b, grid_a, cadre_a, officer, worker_a }
    }
}
