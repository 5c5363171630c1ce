//! A village's member pool (成员库: respected residents, 乡贤, social workers, social
//! organisations) and its directory of services for Pengshui's private referrals, the
//! stakeholders invited to one matter (邀约协商), and the village's versioned rules of procedure
//! (《议事协商规则》, the "1" of the 1+3 loop) that every dossier cites.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::deliberation::access::lives_in;
use domain::identity::org::OrgKind;
use domain::identity::principal::Principal;
use domain::identity::roles::{Permission, Place};
use serde_json::json;

use super::queries;
use super::rows::{self, EventRow};
use super::service::Caller;
use super::DeliberationError;
use crate::db::{insert_unique, write_tx, Inserted};
use crate::identity::queries::{org, users};
use crate::identity::rows::{split_path, OrgUnitRow};
use crate::schema::deliberation_members::dsl as dm;
use crate::schema::matter_stakeholders::dsl as st;
use crate::schema::village_documents::dsl as vd;
use crate::DbConn;

/// An invitee with an account is told they were invited to a matter.
pub const STAKEHOLDER_INVITED: &str = "stakeholder_invited";

/// The kinds of entries a village keeps: its member pool, and `service` for its directory.
pub const MEMBER_KINDS: &[&str] = &["resident_elite", "xiangxian", "social_worker", "social_org", "service"];

/// The one kind of village document so far: the council's rules of procedure.
pub const RULES_OF_PROCEDURE: &str = "rules_of_procedure";

/// A village of the org tree with its place, or not found.
fn village(conn: &mut DbConn, village_id: &str) -> Result<(OrgUnitRow, Place), DeliberationError> {
    let unit = org::find_unit(conn, village_id)?.ok_or(DeliberationError::NotFound)?;
    let place = Place::in_org(split_path(&unit.path));
    Ok((unit, place))
}

fn require_village(unit: &OrgUnitRow) -> Result<(), DeliberationError> {
    if unit.kind == OrgKind::Village.as_str() {
        Ok(())
    } else {
        Err(DeliberationError::invalid("village_id", "a village"))
    }
}

// ---------------------------------------------------------------------------------------------
// The member pool

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::deliberation_members)]
pub struct MemberRow {
    pub id: String,
    pub village_id: String,
    pub user_id: Option<String>,
    pub name: String,
    pub kind: String,
    pub contact: Option<String>,
    pub note: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

/// An entry of the pool as a cadre writes it (validated by the api's parsing).
#[derive(Debug, Clone)]
pub struct MemberDraft {
    pub user_id: Option<String>,
    pub name: String,
    pub kind: String,
    pub contact: Option<String>,
    pub note: String,
    pub active: bool,
}

/// A kind of pool entry, checked.
pub fn member_kind(value: &str) -> Result<String, DeliberationError> {
    if MEMBER_KINDS.contains(&value) {
        Ok(value.to_owned())
    } else {
        Err(DeliberationError::invalid("kind", MEMBER_KINDS.join(", ")))
    }
}

fn check_user(conn: &mut DbConn, user_id: Option<&str>) -> Result<(), DeliberationError> {
    if let Some(user_id) = user_id {
        if users::find(conn, user_id)?.is_none_or(|u| u.deleted_at.is_some()) {
            return Err(DeliberationError::invalid("user_id", "unknown user"));
        }
    }
    Ok(())
}

/// The pool of a village, by kind (holders of CouncilWork over it).
pub fn members(
    conn: &mut DbConn,
    principal: &Principal,
    village_id: &str,
    kind: Option<&str>,
) -> Result<Vec<MemberRow>, DeliberationError> {
    let (unit, place) = village(conn, village_id)?;
    principal.require(&place, Permission::CouncilWork)?;
    require_village(&unit)?;
    let mut query =
        dm::deliberation_members.filter(dm::village_id.eq(village_id)).select(MemberRow::as_select()).into_boxed();
    if let Some(kind) = kind {
        query = query.filter(dm::kind.eq(member_kind(kind)?));
    }
    Ok(query.order((dm::kind.asc(), dm::name.asc())).load(conn)?)
}

/// Adds an entry to a village's pool (its cadres).
pub fn add_member(
    conn: &mut DbConn,
    caller: &Caller,
    village_id: &str,
    draft: &MemberDraft,
    now: NaiveDateTime,
) -> Result<MemberRow, DeliberationError> {
    write_tx(conn, |conn| {
        let (unit, place) = village(conn, village_id)?;
        caller.principal.require(&place, Permission::ManageDeliberation)?;
        require_village(&unit)?;
        check_user(conn, draft.user_id.as_deref())?;
        let row = MemberRow {
            id: domain::new_id(),
            village_id: village_id.to_owned(),
            user_id: draft.user_id.clone(),
            name: draft.name.clone(),
            kind: draft.kind.clone(),
            contact: draft.contact.clone(),
            note: draft.note.clone(),
            active: draft.active,
            created_at: now,
        };
        diesel::insert_into(dm::deliberation_members).values(&row).execute(conn)?;
        caller.audit(
            conn,
            "deliberation.member.add",
            "deliberation_member",
            &row.id,
            json!({ "kind": row.kind }),
            now,
        )?;
        Ok(row)
    })
}

/// Changes an entry of the pool (its village's cadres).
pub fn update_member(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    draft: &MemberDraft,
    now: NaiveDateTime,
) -> Result<MemberRow, DeliberationError> {
    write_tx(conn, |conn| {
        let found: MemberRow = dm::deliberation_members
            .filter(dm::id.eq(id))
            .select(MemberRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(DeliberationError::NotFound)?;
        let (_, place) = village(conn, &found.village_id)?;
        caller.principal.require(&place, Permission::ManageDeliberation)?;
        check_user(conn, draft.user_id.as_deref())?;
        diesel::update(dm::deliberation_members.filter(dm::id.eq(id)))
            .set((
                dm::user_id.eq(&draft.user_id),
                dm::name.eq(&draft.name),
                dm::kind.eq(&draft.kind),
                dm::contact.eq(&draft.contact),
                dm::note.eq(&draft.note),
                dm::active.eq(draft.active),
            ))
            .execute(conn)?;
        caller.audit(
            conn,
            "deliberation.member.update",
            "deliberation_member",
            id,
            json!({ "kind": draft.kind }),
            now,
        )?;
        Ok(MemberRow {
            user_id: draft.user_id.clone(),
            name: draft.name.clone(),
            kind: draft.kind.clone(),
            contact: draft.contact.clone(),
            note: draft.note.clone(),
            active: draft.active,
            ..found
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Stakeholders (邀约协商)

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::matter_stakeholders)]
pub struct StakeholderRow {
    pub id: String,
    pub matter_id: String,
    pub member_id: Option<String>,
    pub user_id: Option<String>,
    pub name: String,
    pub invited_by: String,
    pub created_at: NaiveDateTime,
}

/// Who is invited: an entry of the village's pool, an account, or a person named only.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub member_id: Option<String>,
    pub user_id: Option<String>,
    pub name: Option<String>,
}

/// The stakeholders of a matter the caller sees, in the order they were invited.
pub fn stakeholders(
    conn: &mut DbConn,
    principal: &Principal,
    matter_id: &str,
) -> Result<Vec<StakeholderRow>, DeliberationError> {
    queries::seen(conn, principal, matter_id)?;
    of_matter(conn, matter_id)
}

fn of_matter(conn: &mut DbConn, matter_id: &str) -> Result<Vec<StakeholderRow>, DeliberationError> {
    Ok(st::matter_stakeholders
        .filter(st::matter_id.eq(matter_id))
        .order(st::id.asc())
        .select(StakeholderRow::as_select())
        .load(conn)?)
}

/// Invites a stakeholder to a matter (holders of CouncilWork over its scope): from the village's
/// pool, an account, or by name. An invitee with an account is told; each person once.
pub fn invite(
    conn: &mut DbConn,
    caller: &Caller,
    matter_id: &str,
    invitation: &Invitation,
    now: NaiveDateTime,
) -> Result<Vec<StakeholderRow>, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = queries::seen(conn, principal, matter_id)?;
        seen.require(principal, Permission::CouncilWork)?;
        let status = seen.status()?;
        if status.is_final() {
            return Err(DeliberationError::NotNow { action: "invite", status: status.as_str().to_owned() });
        }
        if invitation.member_id.is_some() && invitation.user_id.is_some() {
            return Err(DeliberationError::invalid("member_id", "a pool entry or an account, not both"));
        }
        let member = match &invitation.member_id {
            Some(member_id) => Some(
                dm::deliberation_members
                    .filter(dm::id.eq(member_id))
                    .filter(dm::village_id.eq(&seen.row.village_id))
                    .filter(dm::active.eq(true))
                    .select(MemberRow::as_select())
                    .first(conn)
                    .optional()?
                    .ok_or_else(|| DeliberationError::invalid("member_id", "not in this village's member pool"))?,
            ),
            None => None,
        };
        let account = match &invitation.user_id {
            Some(user_id) => Some(
                users::find(conn, user_id)?
                    .filter(|u| u.deleted_at.is_none())
                    .ok_or_else(|| DeliberationError::invalid("user_id", "unknown user"))?,
            ),
            None => None,
        };
        let user_id = member.as_ref().and_then(|m| m.user_id.clone()).or(account.as_ref().map(|u| u.id.clone()));
        let name = invitation
            .name
            .clone()
            .or(member.as_ref().map(|m| m.name.clone()))
            .or(account.as_ref().map(|u| u.display_name.clone()))
            .ok_or_else(|| DeliberationError::invalid("name", "required for a person outside the pool"))?;
        let already = of_matter(conn, matter_id)?.into_iter().any(|s| {
            (member.is_some() && s.member_id.as_ref() == member.as_ref().map(|m| &m.id))
                || (user_id.is_some() && s.user_id == user_id)
        });
        if already {
            return Err(DeliberationError::Duplicate);
        }
        let row = StakeholderRow {
            id: domain::new_id(),
            matter_id: matter_id.to_owned(),
            member_id: member.as_ref().map(|m| m.id.clone()),
            user_id: user_id.clone(),
            name,
            invited_by: principal.user_id.clone(),
            created_at: now,
        };
        diesel::insert_into(st::matter_stakeholders).values(&row).execute(conn)?;
        let mut event = EventRow::new(matter_id, "stakeholder_invited", Some(&principal.user_id), now);
        event.proxy_id = principal.proxy().map(str::to_owned);
        event.details = json!({ "name": row.name, "member_id": row.member_id, "user_id": row.user_id }).to_string();
        rows::insert_event(conn, &event)?;
        caller.audit(conn, "matter.invite", "matter", matter_id, json!({ "stakeholder_id": row.id }), now)?;
        if let Some(user_id) = &user_id {
            let data = json!({ "matter": seen.row.title, "name": row.name });
            crate::notify::enqueue_to(conn, STAKEHOLDER_INVITED, std::slice::from_ref(user_id), &data, now)?;
        }
        of_matter(conn, matter_id)
    })
}

// ---------------------------------------------------------------------------------------------
// Village documents: the rules of procedure

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::village_documents)]
pub struct DocumentRow {
    pub id: String,
    pub village_id: String,
    pub kind: String,
    pub version: i32,
    pub title: String,
    pub body: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// A kind of village document, checked (an unknown one is not found).
pub fn document_kind(value: &str) -> Result<&'static str, DeliberationError> {
    if value == RULES_OF_PROCEDURE {
        Ok(RULES_OF_PROCEDURE)
    } else {
        Err(DeliberationError::NotFound)
    }
}

/// Every version of a village's document of `kind`, newest first: for its residents and the
/// staff whose scope holds it.
pub fn documents(
    conn: &mut DbConn,
    principal: &Principal,
    village_id: &str,
    kind: &str,
) -> Result<Vec<DocumentRow>, DeliberationError> {
    let (unit, place) = village(conn, village_id)?;
    let homes = queries::homes_of(conn, principal)?;
    if !principal.sees(&place) && !lives_in(&homes, &split_path(&unit.path)) {
        return Err(DeliberationError::NotFound);
    }
    require_village(&unit)?;
    Ok(vd::village_documents
        .filter(vd::village_id.eq(village_id))
        .filter(vd::kind.eq(kind))
        .order(vd::version.desc())
        .select(DocumentRow::as_select())
        .load(conn)?)
}

/// Publishes the next version of a village's document (holders of ManageDeliberation over it).
pub fn publish(
    conn: &mut DbConn,
    caller: &Caller,
    village_id: &str,
    kind: &str,
    title: &str,
    body: &str,
    now: NaiveDateTime,
) -> Result<DocumentRow, DeliberationError> {
    write_tx(conn, |conn| {
        let (unit, place) = village(conn, village_id)?;
        caller.principal.require(&place, Permission::ManageDeliberation)?;
        require_village(&unit)?;
        let last: Option<i32> = vd::village_documents
            .filter(vd::village_id.eq(village_id))
            .filter(vd::kind.eq(kind))
            .select(diesel::dsl::max(vd::version))
            .first(conn)?;
        let row = DocumentRow {
            id: domain::new_id(),
            village_id: village_id.to_owned(),
            kind: kind.to_owned(),
            version: last.unwrap_or(0) + 1,
            title: title.to_owned(),
            body: body.to_owned(),
            created_by: caller.principal.user_id.clone(),
            created_at: now,
        };
        // Two cadres publishing at once: the unique (village, kind, version) lets one win.
        if insert_unique(conn, |conn| diesel::insert_into(vd::village_documents).values(&row).execute(conn))?
            == Inserted::Duplicate
        {
            return Err(DeliberationError::Stale);
        }
        caller.audit(
            conn,
            "deliberation.document.publish",
            "village_document",
            &row.id,
            json!({ "kind": kind, "version": row.version }),
            now,
        )?;
        Ok(row)
    })
}

/// The rules of procedure in force in a village, as a dossier cites them: (version, title, id).
pub fn current_rules(conn: &mut DbConn, village_id: &str) -> Result<Option<(i32, String, String)>, DieselError> {
    vd::village_documents
        .filter(vd::village_id.eq(village_id))
        .filter(vd::kind.eq(RULES_OF_PROCEDURE))
        .order(vd::version.desc())
        .select((vd::version, vd::title, vd::id))
        .first(conn)
        .optional()
}
