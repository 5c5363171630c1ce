//! Residency: applying to join a unit with one's household, and staff deciding, each with its
//! audit entry and (for decisions) the applicant's notice.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::identity::ids::{OrgUnitId, ResidencyId};
use domain::identity::org::OrgKind;
use domain::identity::principal::Principal;
use domain::identity::residency::{self as rules, Decision, HouseholdChoice};
use domain::DomainError;

use crate::db::{insert_unique, write_tx, Inserted};
use crate::identity::audit::{self, Origin};
use crate::identity::error::IdentityError;
use crate::identity::queries;
use crate::identity::rows::{NewResidency, ResidencyRow};
use crate::schema::household_members::dsl as hm;
use crate::schema::households::dsl as h;
use crate::schema::residencies::dsl as r;
use crate::DbConn;

/// An application to join a unit.
#[derive(Debug, Clone)]
pub struct Application {
    /// A village, compound, group or building.
    pub org_unit_id: OrgUnitId,
    pub household: HouseholdChoice,
}

/// Applies to join a unit, for the caller or the resident a staff member acts for. Runs inside
/// the caller's write transaction (the one that also records the `Idempotency-Key`).
pub fn apply(
    conn: &mut DbConn,
    principal: &Principal,
    application: &Application,
    policy_version: &str,
    now: NaiveDateTime,
) -> Result<ResidencyRow, IdentityError> {
    let subject = principal.subject();
    queries::me::require_consent(conn, subject, policy_version)?;
    let unit = queries::org::unit(conn, &application.org_unit_id)?;
    if !OrgKind::parse(&unit.kind).is_ok_and(OrgKind::takes_residents) {
        return Err(DomainError::Invalid {
            field: "org_unit_id",
            reason: "apply to a village, compound, group or building",
        }
        .into());
    }
    let household_id = application.household.household_id();
    if let Some(household) = household_id {
        let found = queries::residency::find_household(conn, household)?;
        if found.is_none_or(|h| h.org_unit_id != unit.id) {
            return Err(DomainError::Invalid { field: "household_id", reason: "no such household in this unit" }.into());
        }
    }
    let id = domain::new_id();
    let new = NewResidency {
        id: &id,
        user_id: subject,
        org_unit_id: &unit.id,
        household_id,
        new_household_name: application.household.new_household_name(),
        relation: application.household.relation(),
        proxied_by: principal.proxy(),
        status: rules::ResidencyStatus::Pending.as_str(),
        created_at: now,
    };
    if insert_unique(conn, |conn| insert(conn, &new))? == Inserted::Duplicate {
        return Err(IdentityError::ApplicationPending);
    }
    if principal.acting_for.is_some() {
        let entry = audit::Entry {
            actor_id: Some(&principal.user_id),
            acting_for: Some(subject),
            action: "residency_applied_by_proxy",
            object_kind: "residency",
            object_id: &id,
            details: serde_json::json!({}),
            ..Default::default()
        };
        audit::append(conn, &entry, now)?;
    }
    queries::residency::find(conn, &id)?.ok_or(IdentityError::Corrupt("application vanished"))
}

/// Decides a pending application (staff who decide residency over its unit), in one transaction
/// with its audit entry and the notice to the applicant. On approval the resident joins the
/// household asked for, or founds a new one as its head.
pub fn decide_application(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    id: &ResidencyId,
    decision: &Decision,
    now: NaiveDateTime,
) -> Result<ResidencyRow, IdentityError> {
    let id = id.as_str();
    let reason = decision.reason();
    write_tx(conn, |conn| {
        let row = queries::residency::find(conn, id)?.ok_or(IdentityError::NotFound)?;
        let place = queries::residency::place_of_unit(conn, &row.org_unit_id)?;
        rules::may_decide(principal, &place)?;
        if !decide(conn, id, decision.status().as_str(), reason, &principal.user_id, now)? {
            return Err(IdentityError::NotPending { status: row.status });
        }
        if *decision == Decision::Approve {
            let household = match (&row.household_id, &row.new_household_name) {
                (Some(h), _) => h.clone(),
                (None, name) => {
                    let h = domain::new_id();
                    let name = name.as_deref().unwrap_or("新户");
                    insert_household(conn, &h, &row.org_unit_id, name, Some(&row.user_id), now)?;
                    h
                }
            };
            join_household(conn, &row.user_id, &household, &row.relation, now)?;
        }
        // Tell the applicant, in this same transaction: no decision goes unannounced.
        let unit_name = queries::org::find_unit(conn, &row.org_unit_id)?.map(|u| u.name).unwrap_or_default();
        let (kind, action) = match decision {
            Decision::Approve => (domain::notify::RESIDENCY_APPROVED, "residency_approved"),
            Decision::Reject { .. } => (domain::notify::RESIDENCY_REJECTED, "residency_rejected"),
        };
        let notice = serde_json::json!({ "unit": unit_name, "reason": reason, "residency_id": id });
        crate::notify::enqueue(conn, kind, &row.user_id, &notice, now)?;
        let details = serde_json::json!({ "reason": reason, "user_id": row.user_id });
        audit::append(conn, &origin.entry(Some(principal), action, "residency", id, details), now)?;
        queries::residency::find(conn, id)?.ok_or(IdentityError::Corrupt("application vanished"))
    })
}

/// Withdraws a person's pending application (their account is being deleted).
pub fn withdraw_pending(conn: &mut DbConn, user_id: &str, now: NaiveDateTime) -> Result<usize, DieselError> {
    diesel::update(r::residencies.filter(r::user_id.eq(user_id)).filter(r::status.eq("pending")))
        .set((r::status.eq("withdrawn"), r::decided_at.eq(now)))
        .execute(conn)
}

pub fn insert(conn: &mut DbConn, new: &NewResidency<'_>) -> Result<usize, DieselError> {
    diesel::insert_into(r::residencies).values(new).execute(conn)
}

/// Moves a pending application to `status`; false when it was no longer pending (a concurrent
/// decision won).
pub fn decide(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    reason: Option<&str>,
    by: &str,
    now: NaiveDateTime,
) -> Result<bool, DieselError> {
    let changed = diesel::update(r::residencies.filter(r::id.eq(id)).filter(r::status.eq("pending")))
        .set((r::status.eq(status), r::reason.eq(reason), r::decided_by.eq(by), r::decided_at.eq(now)))
        .execute(conn)?;
    Ok(changed == 1)
}

pub fn insert_household(
    conn: &mut DbConn,
    id: &str,
    org_unit_id: &str,
    name: &str,
    head: Option<&str>,
    now: NaiveDateTime,
) -> Result<usize, DieselError> {
    diesel::insert_into(h::households)
        .values((
            h::id.eq(id),
            h::org_unit_id.eq(org_unit_id),
            h::name.eq(name),
            h::head_user_id.eq(head),
            h::created_at.eq(now),
        ))
        .execute(conn)
}

/// Puts a person in a household, leaving any household they were in.
pub fn join_household(
    conn: &mut DbConn,
    user_id: &str,
    household_id: &str,
    relation: &str,
    now: NaiveDateTime,
) -> Result<(), DieselError> {
    diesel::delete(hm::household_members.filter(hm::user_id.eq(user_id))).execute(conn)?;
    diesel::insert_into(hm::household_members)
        .values((
            hm::user_id.eq(user_id),
            hm::household_id.eq(household_id),
            hm::relation.eq(relation),
            hm::joined_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
