//! The bootstrap administrator: created at start when `YISHI_BOOTSTRAP_ADMIN_PASSWORD` is set
//! and no `admin` account exists. It must change the password before anything else works.

use chrono::NaiveDateTime;
use infra::identity::{queries, service};
use infra::{Database, InfraError};
use secrecy::ExposeSecret;

use crate::config::Config;

pub const ADMIN_USERNAME: &str = "admin";

pub async fn admin(db: &Database, config: &Config, now: NaiveDateTime) -> Result<(), InfraError> {
    let Some(password) = config.bootstrap_admin_password.as_ref() else {
        return Ok(());
    };
    let exists =
        db.run(|conn| queries::users::any_with_username(conn, ADMIN_USERNAME).map_err(InfraError::from)).await?;
    if exists {
        return Ok(());
    }
    let hash = crate::auth::password::hash(password.expose_secret().to_owned())
        .await
        .map_err(|e| InfraError::Task(e.to_string()))?;
    let created = db.run(move |conn| service::users::bootstrap_admin(conn, ADMIN_USERNAME, &hash, now)).await?;
    if created {
        tracing::info!("bootstrap administrator 'admin' created; it must change its password at first login");
    }
    Ok(())
}
