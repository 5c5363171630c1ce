//! The bootstrap administrator: created at start when `YISHI_BOOTSTRAP_ADMIN_PASSWORD` is set
//! and no `admin` account exists. It must change the password before anything else works.

use chrono::NaiveDateTime;
use domain::identity::roles::{Grant, Role, ScopeKind};
use infra::db::setup_tx;
use infra::identity::{audit, grants, users};
use infra::{Database, InfraError};
use secrecy::ExposeSecret;

use crate::config::Config;

pub const ADMIN_USERNAME: &str = "admin";

pub async fn admin(db: &Database, config: &Config, now: NaiveDateTime) -> Result<(), InfraError> {
    let Some(password) = config.bootstrap_admin_password.as_ref() else {
        return Ok(());
    };
    let exists = db.run(|conn| users::any_with_username(conn, ADMIN_USERNAME).map_err(InfraError::from)).await?;
    if exists {
        return Ok(());
    }
    let hash = crate::auth::password::hash(password.expose_secret().to_owned())
        .await
        .map_err(|e| InfraError::Task(e.to_string()))?;
    db.run(move |conn| {
        setup_tx(conn, |conn| -> Result<(), InfraError> {
            // Another instance may have created it meanwhile (checked under the startup lock).
            if users::any_with_username(conn, ADMIN_USERNAME)? {
                return Ok(());
            }
            let id = domain::new_id();
            users::insert(conn, &users::NewUser::staff(&id, ADMIN_USERNAME, &hash, "系统管理员", now))?;
            let root = Grant {
                role: Role::Admin,
                scope_kind: ScopeKind::OrgUnit,
                scope_id: grants::ROOT_SCOPE.into(),
                org_path: Vec::new(),
                grids_within: Vec::new(),
            };
            grants::insert(conn, &domain::new_id(), &id, &root, None, now)?;
            audit::append(
                conn,
                &audit::Entry {
                    action: "bootstrap_admin",
                    object_kind: "user",
                    object_id: &id,
                    details: serde_json::json!({}),
                    ..Default::default()
                },
                now,
            )?;
            tracing::info!("bootstrap administrator 'admin' created; it must change its password at first login");
            Ok(())
        })
    })
    .await
}
