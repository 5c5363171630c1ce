//! Portable leases: "claim this row" for work that several server instances might try at once
//! (the outbox, deadline sweepers, periodic jobs). A claim is one conditional UPDATE; whoever
//! changed the row holds it until `lease_until`.

use chrono::NaiveDateTime;
use diesel::result::Error as DieselError;

use super::DbConn;

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
        }
    };
}

crate::impl_lease!(job_leases);
