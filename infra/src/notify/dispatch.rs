//! The dispatcher: a job that claims due outbox rows with the portable lease (any number of
//! instances may run it), delivers them to the inbox, WeChat or mail, and records the outcome;
//! failures back off and end dead after `MAX_ATTEMPTS`, for an administrator to retry. And the
//! digest job, which sends waiting mail gathered by day or week.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::notify::preferences::{digest_period, mail_digest, Channel, Digest};
use domain::notify::{self, MAX_ATTEMPTS};
use rand::Rng;

use crate::db::{write_tx, Database, DbConn, Lease, PassClock};
use crate::notify::queries::{channel_enabled, stored_preference};
use crate::notify::rows::{NewNotification, OutboxRow};
use crate::schema::notifications::dsl as n;
use crate::schema::outbox::dsl as o;
use crate::InfraError;

/// How a notification kind goes out as a WeChat subscribe message: the template, the page it
/// opens, and where each data field comes from (`$title`, `$body`, or a key of the notice's
/// data).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct WeChatTemplate {
    pub template_id: String,
    #[serde(default = "default_page")]
    pub page: String,
    pub fields: std::collections::BTreeMap<String, String>,
}

fn default_page() -> String {
    "pages/notifications/index".to_owned()
}

/// What the dispatcher delivers through besides the inbox.
#[derive(Debug, Clone)]
pub struct Channels {
    pub wechat: crate::wechat::WeChat,
    /// Notification kind → template.
    pub templates: std::collections::HashMap<String, WeChatTemplate>,
    /// Outgoing mail, when `SMTP_URL` is set.
    pub mailer: Option<crate::mail::Mailer>,
    /// How long a claimed delivery stays with its dispatcher before another may take it over
    /// (a dispatcher that died mid-delivery gives its rows back after this).
    pub lease: chrono::Duration,
}

crate::impl_lease!(outbox);

/// Renews a dispatcher's claims every third of the lease while its pass runs, so a slow send
/// keeps its row however short the lease; stops when dropped (the pass is over) or when none of
/// the rows is held any more.
struct Heartbeat(tokio::task::JoinHandle<()>);

impl Heartbeat {
    fn start(db: &Database, ids: Vec<String>, owner: String, clock: PassClock, lease: chrono::Duration) -> Self {
        let db = db.clone();
        let every = (lease / 3).to_std().unwrap_or_default().max(std::time::Duration::from_millis(50));
        Self(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let (ids, owner) = (ids.clone(), owner.clone());
                let until = clock.now() + lease;
                let held = db
                    .run(move |conn| {
                        crate::schema::outbox::table::renew(conn, &ids, &owner, until).map_err(InfraError::from)
                    })
                    .await;
                match held {
                    Ok(0) => return,
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "renewing delivery claims failed"),
                }
            }
        }))
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Who holds a claimed delivery and until when its lease is to reach when renewed.
struct Claim {
    owner: String,
    clock: PassClock,
    lease: chrono::Duration,
}

impl Claim {
    /// Renews the claim on `id`; false when the row is no longer ours (a dispatcher that stalled
    /// past its lease leaves the row to whoever took it over).
    fn still_ours(&self, conn: &mut DbConn, id: &str) -> Result<bool, DieselError> {
        let ids = [id.to_owned()];
        Ok(crate::schema::outbox::table::renew(conn, &ids, &self.owner, self.clock.now() + self.lease)? == 1)
    }
}

/// Claims up to `batch` due deliveries for `owner` until `until`, oldest due first, in one
/// statement, and returns them. Per-backend branch: PostgreSQL skips rows another dispatcher is
/// claiming at the same moment (`FOR UPDATE SKIP LOCKED`); SQLite runs one writer at a time,
/// so its single statement is the portable lease on every row it takes. Either way a row is
/// taken only if it is pending, due, and nobody holds an unexpired lease on it.
fn claim_due(
    conn: &mut DbConn,
    owner: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
    batch: i64,
) -> Result<Vec<OutboxRow>, DieselError> {
    use diesel::sql_types::{BigInt, Text, Timestamp};
    const RETURNING: &str = "RETURNING id, kind, recipient_id, channel, payload, status, attempts, next_attempt_at, \
                             last_error, created_at, delivered_at";
    match conn {
        DbConn::Pg(pg) => diesel::sql_query(format!(
            "UPDATE outbox SET lease_owner = $1, lease_until = $2 WHERE id IN (SELECT id FROM outbox \
             WHERE status = 'pending' AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until < $3) \
             ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED) {RETURNING}"
        ))
        .bind::<Text, _>(owner)
        .bind::<Timestamp, _>(until)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(batch)
        .load(pg),
        DbConn::Sqlite(sqlite) => diesel::sql_query(format!(
            "UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE id IN (SELECT id FROM outbox \
             WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?) \
             ORDER BY next_attempt_at LIMIT ?) {RETURNING}"
        ))
        .bind::<Text, _>(owner)
        .bind::<Timestamp, _>(until)
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(batch)
        .load(sqlite),
    }
}

/// One dispatcher pass: claims up to `batch` due rows in one statement and delivers them,
/// renewing the claims while it works: the inbox ones together in one transaction, the others
/// (WeChat, mail) one by one around their sends. Returns how many were delivered.
pub async fn dispatch(
    db: &Database,
    channels: &Channels,
    owner: &str,
    now: NaiveDateTime,
    batch: i64,
) -> Result<usize, InfraError> {
    let owner = owner.to_owned();
    let lease = channels.lease;
    let clock = PassClock::starting(now);
    let claim = Claim { owner: owner.clone(), clock, lease };
    let mut claimed: Vec<OutboxRow> =
        db.run(move |conn| claim_due(conn, &owner, now, now + lease, batch).map_err(InfraError::from)).await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    claimed.sort_by(|a, b| a.id.cmp(&b.id));
    let _heartbeat =
        Heartbeat::start(db, claimed.iter().map(|r| r.id.clone()).collect(), claim.owner.clone(), clock, lease);
    let claim = std::sync::Arc::new(claim);
    let (inbox, others): (Vec<OutboxRow>, Vec<OutboxRow>) =
        claimed.into_iter().partition(|row| Channel::parse(&row.channel) == Some(Channel::Inbox));
    let mut delivered = 0;
    if !inbox.is_empty() {
        let ids: Vec<String> = inbox.iter().map(|r| r.id.clone()).collect();
        match db.run(move |conn| write_tx(conn, |conn| deliver_to_inboxes(conn, &inbox, now))).await {
            Ok((count, failed)) => {
                delivered += count;
                for (id, error) in failed {
                    record_failure(db, &id, &error, now).await?;
                }
            }
            Err(error) => {
                for id in ids {
                    record_failure(db, &id, &error.to_string(), now).await?;
                }
            }
        }
    }
    for row in others {
        let id = row.id.clone();
        match deliver(db, channels, row, now, &claim).await {
            Ok(true) => delivered += 1,
            Ok(false) => {}
            Err(error) => record_failure(db, &id, &error.to_string(), now).await?,
        }
    }
    Ok(delivered)
}

/// Puts the notices of inbox deliveries in their recipients' inboxes and marks the deliveries
/// done: one insert and one update for them all, in the caller's transaction. The outbox id is
/// the delivery key, so a delivery made before (by a dispatcher that died before marking it)
/// adds nothing. Returns how many were delivered, and the deliveries whose notice could not be
/// rendered, with why.
fn deliver_to_inboxes(
    conn: &mut DbConn,
    rows: &[OutboxRow],
    now: NaiveDateTime,
) -> Result<(usize, Vec<(String, String)>), InfraError> {
    let mut notices = Vec::with_capacity(rows.len());
    let mut failed = Vec::new();
    for row in rows {
        let data: serde_json::Value = serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null);
        match notify::render(&row.kind, &data) {
            Ok(rendered) => notices.push(NewNotification {
                id: domain::new_id(),
                user_id: &row.recipient_id,
                kind: &row.kind,
                title: rendered.title,
                body: rendered.body,
                data: &row.payload,
                delivery_key: &row.id,
                created_at: now,
            }),
            Err(error) => failed.push((row.id.clone(), error.to_string())),
        }
    }
    let ids: Vec<&str> = notices.iter().map(|n| n.delivery_key).collect();
    // Chunks keep each statement well under SQLite's bound-parameter limit. Per-backend branch:
    // a multi-row insert that skips existing keys cannot be expressed through the multi-backend
    // connection (`ON CONFLICT DO NOTHING` on PostgreSQL, `INSERT OR IGNORE` on SQLite: every
    // value is set, so the only constraint it can meet is the delivery key).
    for chunk in notices.chunks(500) {
        match conn {
            DbConn::Pg(pg) => {
                diesel::insert_into(n::notifications).values(chunk).on_conflict_do_nothing().execute(pg)?
            }
            DbConn::Sqlite(sqlite) => diesel::insert_or_ignore_into(n::notifications).values(chunk).execute(sqlite)?,
        };
    }
    for chunk in ids.chunks(500) {
        finish_all(conn, chunk, "delivered", now)?;
    }
    Ok((ids.len(), failed))
}

/// Delivers one row of WeChat or mail; `false` when it ended without a delivery (skipped, no
/// grant, refused, or no longer ours).
async fn deliver(
    db: &Database,
    channels: &Channels,
    row: OutboxRow,
    now: NaiveDateTime,
    claim: &std::sync::Arc<Claim>,
) -> Result<bool, InfraError> {
    match Channel::parse(&row.channel) {
        Some(Channel::Wechat) => deliver_wechat(db, channels, row, now, claim.clone()).await,
        Some(Channel::Mail) => deliver_mail(db, channels, row, now, claim.clone()).await,
        Some(Channel::Inbox) | None => Err(InfraError::Task(format!("no channel {}", row.channel))),
    }
}

fn mark_delivered(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<usize, DieselError> {
    finish(conn, id, "delivered", now)
}

/// Ends a delivery with `status`: delivered, or one of the outcomes that are not retried —
/// `skipped` (opted out, or no template), `no_grant` (no subscription left), `refused` (43101).
fn finish(conn: &mut DbConn, id: &str, status: &str, now: NaiveDateTime) -> Result<usize, DieselError> {
    finish_all(conn, &[id], status, now)
}

/// Ends deliveries `ids` with `status`, as [`finish`] does one.
fn finish_all(conn: &mut DbConn, ids: &[&str], status: &str, now: NaiveDateTime) -> Result<usize, DieselError> {
    diesel::update(o::outbox.filter(o::id.eq_any(ids)))
        .set((
            o::status.eq(status),
            o::delivered_at.eq(now),
            o::lease_owner.eq(None::<String>),
            o::lease_until.eq(None::<NaiveDateTime>),
            o::last_error.eq(None::<String>),
        ))
        .execute(conn)
}

/// What to send, once the checks and the grant are settled; `None` when the delivery ended.
fn prepare_wechat(
    conn: &mut DbConn,
    channels: &Channels,
    row: &OutboxRow,
    now: NaiveDateTime,
    claim: &Claim,
) -> Result<Option<crate::wechat::SubscribeMessage>, InfraError> {
    use crate::schema::subscription_grants::dsl as g;
    if !claim.still_ours(conn, &row.id)? {
        return Ok(None);
    }
    let (openid, _) = crate::identity::queries::users::contacts(conn, &row.recipient_id)?;
    let template = channels.templates.get(&row.kind);
    let (Some(openid), Some(template)) = (openid, template) else {
        finish(conn, &row.id, "skipped", now)?;
        return Ok(None);
    };
    if !channel_enabled(conn, &row.recipient_id, Channel::Wechat)? {
        finish(conn, &row.id, "skipped", now)?;
        return Ok(None);
    }
    let taken: bool = o::outbox.filter(o::id.eq(&row.id)).select(o::grant_taken).first(conn)?;
    if !taken {
        // One grant, one message: take it once, however often the send is retried.
        let took = diesel::update(
            g::subscription_grants
                .filter(g::user_id.eq(&row.recipient_id))
                .filter(g::template_id.eq(&template.template_id))
                .filter(g::remaining.gt(0)),
        )
        .set((g::remaining.eq(g::remaining - 1), g::updated_at.eq(now)))
        .execute(conn)?;
        if took == 0 {
            finish(conn, &row.id, "no_grant", now)?;
            return Ok(None);
        }
        diesel::update(o::outbox.filter(o::id.eq(&row.id))).set(o::grant_taken.eq(true)).execute(conn)?;
    }
    let data: serde_json::Value = serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null);
    let rendered = notify::render(&row.kind, &data).map_err(|e| InfraError::Task(e.to_string()))?;
    let mut fields = serde_json::Map::new();
    for (field, source) in &template.fields {
        let value = match source.as_str() {
            "$title" => rendered.title.clone(),
            "$body" => rendered.body.clone(),
            key => match data.get(key) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            },
        };
        fields.insert(field.clone(), serde_json::json!({ "value": notify::fit_wechat_field(field, &value) }));
    }
    Ok(Some(crate::wechat::SubscribeMessage {
        touser: openid,
        template_id: template.template_id.clone(),
        page: format!("{}?delivery={}", template.page, row.id),
        data: fields,
        miniprogram_state: "formal",
        lang: "zh_CN",
    }))
}

async fn deliver_wechat(
    db: &Database,
    channels: &Channels,
    row: OutboxRow,
    now: NaiveDateTime,
    claim: std::sync::Arc<Claim>,
) -> Result<bool, InfraError> {
    let prepared = {
        let (channels, row) = (channels.clone(), row.clone());
        db.run(move |conn| write_tx(conn, |conn| prepare_wechat(conn, &channels, &row, now, &claim))).await?
    };
    let Some(message) = prepared else {
        return Ok(false);
    };
    let sent = channels.wechat.send_subscribe(&message).await.map_err(|e| InfraError::Http(e.to_string()))?;
    let template_id = message.template_id;
    db.run(move |conn| {
        write_tx(conn, |conn| -> Result<bool, InfraError> {
            match sent {
                crate::wechat::Sent::Delivered => {
                    mark_delivered(conn, &row.id, now)?;
                    Ok(true)
                }
                crate::wechat::Sent::Refused => {
                    // The user turned the template off: no grant of it is left to use.
                    use crate::schema::subscription_grants::dsl as g;
                    diesel::update(
                        g::subscription_grants
                            .filter(g::user_id.eq(&row.recipient_id))
                            .filter(g::template_id.eq(&template_id)),
                    )
                    .set((g::remaining.eq(0), g::updated_at.eq(now)))
                    .execute(conn)?;
                    finish(conn, &row.id, "refused", now)?;
                    Ok(false)
                }
            }
        })
    })
    .await
}

async fn deliver_mail(
    db: &Database,
    channels: &Channels,
    row: OutboxRow,
    now: NaiveDateTime,
    claim: std::sync::Arc<Claim>,
) -> Result<bool, InfraError> {
    let has_mailer = channels.mailer.is_some();
    let prepared = {
        let row = row.clone();
        db.run(move |conn| {
            write_tx(conn, |conn| -> Result<Option<(String, notify::Rendered)>, InfraError> {
                if !claim.still_ours(conn, &row.id)? {
                    return Ok(None);
                }
                let email: Option<String> = crate::identity::queries::users::contacts(conn, &row.recipient_id)?.1;
                let digest = mail_preference(conn, &row.recipient_id)?;
                let (Some(email), Some(digest), true) = (email, digest, has_mailer) else {
                    finish(conn, &row.id, "skipped", now)?;
                    return Ok(None);
                };
                if digest != Digest::Immediate {
                    // Waits for the digest job, which sends it with the others.
                    diesel::update(o::outbox.filter(o::id.eq(&row.id)))
                        .set((
                            o::status.eq("digest"),
                            o::lease_owner.eq(None::<String>),
                            o::lease_until.eq(None::<NaiveDateTime>),
                        ))
                        .execute(conn)?;
                    return Ok(None);
                }
                let data: serde_json::Value = serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null);
                let rendered = notify::render(&row.kind, &data).map_err(|e| InfraError::Task(e.to_string()))?;
                Ok(Some((email, rendered)))
            })
        })
        .await?
    };
    let (Some((email, rendered)), Some(mailer)) = (prepared, &channels.mailer) else {
        return Ok(false);
    };
    mailer.send(&email, &format!("【议事】{}", rendered.title), &rendered.body).await?;
    db.run(move |conn| mark_delivered(conn, &row.id, now).map_err(InfraError::from)).await?;
    Ok(true)
}

/// How mail reaches a user: `None` when they turned it off, else the digest.
fn mail_preference(conn: &mut DbConn, user_id: &str) -> Result<Option<Digest>, InfraError> {
    Ok(mail_digest(stored_preference(conn, user_id, Channel::Mail)?))
}

/// Sends each user's waiting digest once it is due: a day (daily) or a week (weekly) after its
/// oldest notice. Returns how many digests went out.
pub async fn send_digests(db: &Database, channels: &Channels, now: NaiveDateTime) -> Result<usize, InfraError> {
    let Some(mailer) = channels.mailer.clone() else {
        return Ok(0);
    };
    let users: Vec<String> = db
        .run(|conn| {
            Ok::<_, InfraError>(o::outbox.filter(o::status.eq("digest")).select(o::recipient_id).distinct().load(conn)?)
        })
        .await?;
    let mut sent = 0;
    for user in users {
        let due = {
            let user = user.clone();
            db.run(move |conn| -> Result<Option<(String, Vec<OutboxRow>)>, InfraError> {
                let rows: Vec<OutboxRow> = o::outbox
                    .filter(o::recipient_id.eq(&user))
                    .filter(o::status.eq("digest"))
                    .select(OutboxRow::as_select())
                    .order(o::id.asc())
                    .load(conn)?;
                let period = chrono::Duration::from_std(digest_period(mail_preference(conn, &user)?))
                    .unwrap_or(chrono::Duration::days(1));
                let email = crate::identity::queries::users::contacts(conn, &user)?.1;
                let oldest = rows.first().map(|r| r.created_at);
                match (email, oldest) {
                    (Some(email), Some(oldest)) if now - oldest >= period => Ok(Some((email, rows))),
                    _ => Ok(None),
                }
            })
            .await?
        };
        let Some((email, rows)) = due else {
            continue;
        };
        let mut body = String::from("以下是您近期的消息：\n");
        for row in &rows {
            let data: serde_json::Value = serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null);
            if let Ok(rendered) = notify::render(&row.kind, &data) {
                body.push_str(&format!("\n· {}\n  {}\n", rendered.title, rendered.body));
            }
        }
        mailer.send(&email, &format!("【议事】消息汇总（{}条）", rows.len()), &body).await?;
        let ids: Vec<String> = rows.into_iter().map(|r| r.id).collect();
        db.run(move |conn| {
            diesel::update(o::outbox.filter(o::id.eq_any(&ids)))
                .set((o::status.eq("delivered"), o::delivered_at.eq(now)))
                .execute(conn)
                .map_err(InfraError::from)
        })
        .await?;
        sent += 1;
    }
    Ok(sent)
}

/// After a failed attempt: back off, or give up once the attempts are spent.
async fn record_failure(db: &Database, id: &str, error: &str, now: NaiveDateTime) -> Result<(), InfraError> {
    tracing::warn!(outbox = %id, %error, "delivery failed");
    let (id, error) = (id.to_owned(), error.to_owned());
    let jitter: f64 = rand::rng().random();
    db.run(move |conn| -> Result<(), InfraError> {
        let attempts: i32 = o::outbox.filter(o::id.eq(&id)).select(o::attempts).first(conn)?;
        let attempts = attempts + 1;
        let next =
            now + chrono::Duration::from_std(notify::backoff(attempts, jitter)).unwrap_or(chrono::Duration::minutes(1));
        let status = if attempts >= MAX_ATTEMPTS { "dead" } else { "pending" };
        diesel::update(o::outbox.filter(o::id.eq(&id)))
            .set((
                o::attempts.eq(attempts),
                o::status.eq(status),
                o::next_attempt_at.eq(next),
                o::last_error.eq(error.chars().take(500).collect::<String>()),
                o::lease_owner.eq(None::<String>),
                o::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        Ok(())
    })
    .await
}
