//! Portable leases: "claim this row" for work that several server instances might try at once
//! (the outbox, deadline sweepers, periodic jobs). A claim is one conditional UPDATE; whoever
//! changed the row holds it until `lease_until`. Work that may outlast its lease renews it as it
//! goes ([`Lease::renew`]), so leases can be short — what a crashed holder leaves behind is taken
//! over soon — and still never be taken from a holder that is alive.

use chrono::NaiveDateTime;
use diesel::result::Error as DieselError;

use super::DbConn;

/// The time during one pass of leased work: the pass's `now` (the application clock, manual in
/// tests) moved on by the real time the pass has taken, so renewals reach past the time the
/// work actually goes on to.
#[derive(Debug, Clone, Copy)]
pub struct PassClock {
    start: NaiveDateTime,
    started: std::time::Instant,
}

impl PassClock {
    pub fn starting(now: NaiveDateTime) -> Self {
        Self { start: now, started: std::time::Instant::now() }
    }

    pub fn now(&self) -> NaiveDateTime {
        self.start + chrono::Duration::from_std(self.started.elapsed()).unwrap_or_default()
    }
}

/// A table whose rows can be claimed: it has `id`, `lease_owner` and `lease_until` columns.
/// Implement with [`impl_lease!`](crate::impl_lease).
pub trait Lease {
    /// Claims row `id` for `owner` until `until`, if nobody holds an unexpired lease on it.
    /// Returns whether this caller got it.
    fn try_claim(
        conn: &mut DbConn,
        id: &str,
        owner: &str,
        now: NaiveDateTime,
        until: NaiveDateTime,
    ) -> Result<bool, DieselError>;

    /// Gives the row up, if `owner` still holds it.
    fn release(conn: &mut DbConn, id: &str, owner: &str) -> Result<bool, DieselError>;

    /// Extends `owner`'s lease on each of `ids` to `until`, where `owner` still holds it (its
    /// lease may have run out, as long as no one else has claimed the row since). Returns how
    /// many rows `owner` still holds.
    fn renew(conn: &mut DbConn, ids: &[String], owner: &str, until: NaiveDateTime) -> Result<usize, DieselError>;
}

/// Implements [`Lease`] for a table of [`crate::schema`].
#[macro_export]
macro_rules! impl_lease {
    ($table:ident) => {
        impl $crate::db::Lease for $crate::schema::$table::table {
            fn try_claim(
                conn: &mut $crate::db::DbConn,
                id: &str,
                owner: &str,
                now: ::chrono::NaiveDateTime,
                until: ::chrono::NaiveDateTime,
            ) -> Result<bool, ::diesel::result::Error> {
                use ::diesel::prelude::*;
                use $crate::schema::$table::dsl as t;
                let changed = ::diesel::update(
                    t::$table.filter(t::id.eq(id)).filter(t::lease_until.is_null().or(t::lease_until.lt(now))),
                )
                .set((t::lease_owner.eq(owner), t::lease_until.eq(until)))
                .execute(conn)?;
                Ok(changed == 1)
            }

            fn release(conn: &mut $crate::db::DbConn, id: &str, owner: &str) -> Result<bool, ::diesel::result::Error> {
                use ::diesel::prelude::*;
                use $crate::schema::$table::dsl as t;
                let changed = ::diesel::update(t::$table.filter(t::id.eq(id)).filter(t::lease_owner.eq(owner)))
                    .set((t::lease_owner.eq(None::<String>), t::lease_until.eq(None::<::chrono::NaiveDateTime>)))
                    .execute(conn)?;
                Ok(changed == 1)
            }

            fn renew(
                conn: &mut $crate::db::DbConn,
                ids: &[String],
                owner: &str,
                until: ::chrono::NaiveDateTime,
            ) -> Result<usize, ::diesel::result::Error> {
                use ::diesel::prelude::*;
                use $crate::schema::$table::dsl as t;
                ::diesel::update(t::$table.filter(t::id.eq_any(ids)).filter(t::lease_owner.eq(owner)))
                    .set(t::lease_until.eq(until))
                    .execute(conn)
            }
        }
    };
}

crate::impl_lease!(job_leases);
