//! The fan-out job of announcements: one batch of recipients per transaction, resuming after the
//! last recipient done, so a township of 50,000 never holds one long transaction and a crash
//! loses no place.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{write_tx, Database, Lease};
use crate::identity::queries::residency::units_under;
use crate::notify::queries::announcement_recipients;
use crate::schema::announcements::dsl as a;
use crate::InfraError;

crate::impl_lease!(announcements);

/// What one batch of a fan-out came to.
enum Batch {
    Queued,
    Done,
    /// The lease ran out and another instance took the announcement over: it goes on from here.
    Lost,
}

/// One fan-out pass: takes an unfinished announcement (a lease of `lease`) and queues its notices
/// a batch per transaction until done. Each batch renews the lease in its own transaction, so a
/// long fan-out keeps its announcement, while one whose instance died is taken over once its
/// short lease runs out; a batch never runs twice. Returns how many recipients it queued.
pub async fn fan_out(
    db: &Database,
    owner: &str,
    now: NaiveDateTime,
    lease: chrono::Duration,
    batch: i64,
) -> Result<usize, InfraError> {
    use crate::schema::announcements::table as claimable;
    let owner = owner.to_owned();
    let clock = crate::db::PassClock::starting(now);
    db.run(move |conn| -> Result<usize, InfraError> {
        let open: Vec<String> =
            a::announcements.filter(a::fanout_done.eq(false)).select(a::id).order(a::id.asc()).limit(10).load(conn)?;
        let mut total = 0;
        for id in open {
            let at = clock.now();
            if !claimable::try_claim(conn, &id, &owner, at, at + lease)? {
                continue;
            }
            let (unit, title, body): (String, String, String) =
                a::announcements.filter(a::id.eq(&id)).select((a::org_unit_id, a::title, a::body)).first(conn)?;
            let path = crate::identity::queries::org::find_unit(conn, &unit)?.map(|u| u.path).unwrap_or_default();
            let units = units_under(conn, &[path])?;
            let data = serde_json::json!({ "title": title, "body": body, "announcement_id": id });
            let held = std::slice::from_ref(&id);
            loop {
                let step = write_tx(conn, |conn| -> Result<Batch, InfraError> {
                    if claimable::renew(conn, held, &owner, clock.now() + lease)? == 0 {
                        return Ok(Batch::Lost);
                    }
                    let after: Option<String> =
                        a::announcements.filter(a::id.eq(&id)).select(a::fanout_after).first(conn)?;
                    let batch_of = announcement_recipients(conn, &units, after.as_deref(), batch)?;
                    let Some(last) = batch_of.last().map(|r| r.user_id.clone()) else {
                        diesel::update(a::announcements.filter(a::id.eq(&id)))
                            .set(a::fanout_done.eq(true))
                            .execute(conn)?;
                        return Ok(Batch::Done);
                    };
                    let queued = crate::notify::service::enqueue_many(
                        conn,
                        domain::notify::ANNOUNCEMENT,
                        &batch_of,
                        &data,
                        now,
                    )?;
                    total += queued;
                    diesel::update(a::announcements.filter(a::id.eq(&id)))
                        .set((
                            a::fanout_after.eq(last),
                            a::fanned_out.eq(a::fanned_out + i32::try_from(queued).unwrap_or(i32::MAX)),
                        ))
                        .execute(conn)?;
                    Ok(Batch::Queued)
                })?;
                match step {
                    Batch::Queued => {}
                    Batch::Done => {
                        claimable::release(conn, &id, &owner)?;
                        break;
                    }
                    Batch::Lost => {
                        tracing::warn!(announcement = %id, "fan-out lease lost to another instance");
                        break;
                    }
                }
            }
        }
        Ok(total)
    })
    .await
}
