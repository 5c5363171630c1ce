//! Deciding a matter: the council's suggestion sheet (民情建议单) to the committees, the
//! resolution (民识) with its commitments, the referral of a Pengshui big matter to a county
//! department as a case, guidance closing a private matter, and mediation agreements with
//! their parties' acknowledgements.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::deliberation::{transition, Action, DecidedBy, Facts};
use domain::identity::principal::Principal;
use domain::identity::roles::{Permission, Role};
use serde_json::json;

use super::commitments::{self, CommitmentDraft, CommitmentView};
use super::queries::{self, MatterView, Seen};
use super::rows::{self, EventRow, MatterChanges, SheetRow};
use super::service::{self, step, Caller};
use super::DeliberationError;
use crate::db::write_tx;
use crate::identity::queries::{org, users};
use crate::schema::agreement_parties::dsl as ap;
use crate::schema::agreements::dsl as ag;
use crate::schema::commitments::dsl as c;
use crate::schema::deliberation_members::dsl as dm;
use crate::schema::resolutions::dsl as rs;
use crate::DbConn;

pub const MATTER_SUGGESTED: &str = "matter_suggested";
pub const MATTER_GUIDED: &str = "matter_guided";
pub const AGREEMENT_TO_ACKNOWLEDGE: &str = "agreement_to_acknowledge";

/// The facts the state machine needs about a matter, read: its route, whether its
/// solicitation ran its minimum length, whether its department case is done, its open
/// commitments and whether its rating window closed.
pub fn facts(conn: &mut DbConn, seen: &Seen, min_days: u32, now: NaiveDateTime) -> Result<Facts, DeliberationError> {
    let mut facts = service::facts_of(seen)?;
    facts.solicited = super::opinions::solicited(conn, &seen.row.id, now, min_days)?;
    facts.case_done = match &seen.row.case_id {
        Some(case) => {
            crate::cases::queries::find(conn, case)?.is_some_and(|c| c.resolved_at.is_some() || c.closed_at.is_some())
        }
        None => false,
    };
    facts.open_commitments = commitments::open_count(conn, &seen.row.id)?;
    facts.rating_over = seen.row.rating_closes_at.is_some_and(|closes| closes <= now);
    Ok(facts)
}

// ---------------------------------------------------------------------------------------------
// Suggestion sheet

/// The council hands its suggestion sheet (民情建议单) to the committees (Wuyi big): the matter
/// waits for their decision, and the village's cadres are told.
pub fn suggest(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    body: String,
    min_days: u32,
    now: NaiveDateTime,
) -> Result<MatterView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = queries::seen(conn, principal, id)?;
        seen.require(principal, Permission::CouncilWork)?;
        let to = transition(seen.status()?, Action::Suggest, facts(conn, &seen, min_days, now)?)?;
        let row = SheetRow::new(
            id,
            "suggestion",
            &json!({ "title": seen.row.title, "suggestion": body }),
            Some(&principal.user_id),
            now,
        );
        rows::insert_sheet(conn, &row)?;
        let mut event = EventRow::new(id, "suggested", Some(&principal.user_id), now);
        event.note = body.clone();
        event.details = json!({ "sheet_id": row.id }).to_string();
        step(conn, caller, &seen, to, MatterChanges::default(), event, now)?;
        let cadres = service::holders_on(conn, &seen.row.village_id, &[Role::VillageCadre])?;
        crate::notify::enqueue_to(conn, MATTER_SUGGESTED, &cadres, &json!({ "matter": seen.row.title }), now)?;
        queries::view(conn, principal, id)
    })
}

// ---------------------------------------------------------------------------------------------
// Resolution

/// A decision as it is recorded.
#[derive(Debug, Clone)]
pub struct Resolution {
    pub decided_by: DecidedBy,
    pub body: String,
    pub meeting_id: Option<String>,
    pub vote_ref: Option<String>,
    pub commitments: Vec<CommitmentDraft>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::resolutions)]
pub struct ResolutionRow {
    pub matter_id: String,
    pub decided_by: String,
    pub body: String,
    pub meeting_id: Option<String>,
    pub vote_ref: Option<String>,
    pub recorded_by: String,
    pub decided_at: NaiveDateTime,
}

/// The permission recording a decision by `by` needs.
fn decider(by: DecidedBy) -> Permission {
    match by {
        DecidedBy::Council => Permission::CouncilWork,
        DecidedBy::Committees | DecidedBy::AssemblyVote | DecidedBy::Department => Permission::DecideMatters,
    }
}

/// Records the decision that resolves a matter (民识), by whoever decides on its route, with its
/// commitments; their owners are told.
pub fn resolve(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    r: &Resolution,
    min_days: u32,
    now: NaiveDateTime,
) -> Result<MatterView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = queries::seen(conn, principal, id)?;
        seen.require(principal, decider(r.decided_by))?;
        let facts = facts(conn, &seen, min_days, now)?;
        if let Some(route) = facts.route {
            if !route.may_decide(r.decided_by) {
                return Err(DeliberationError::invalid("decided_by", "does not decide matters on this route"));
            }
        }
        let to = transition(seen.status()?, Action::Resolve, facts)?;
        if let Some(vote_ref) = &r.vote_ref {
            super::votes::check_vote_ref(conn, id, vote_ref)?;
        }
        if let Some(meeting) = &r.meeting_id {
            use crate::schema::meetings::dsl as mt;
            let village: Option<String> =
                mt::meetings.filter(mt::id.eq(meeting)).select(mt::village_id).first(conn).optional()?;
            if village.as_deref() != Some(seen.row.village_id.as_str()) {
                return Err(DeliberationError::invalid("meeting_id", "a meeting of the matter's village"));
            }
        }
        let row = ResolutionRow {
            matter_id: id.to_owned(),
            decided_by: r.decided_by.as_str().to_owned(),
            body: r.body.clone(),
            meeting_id: r.meeting_id.clone(),
            vote_ref: r.vote_ref.clone(),
            recorded_by: principal.user_id.clone(),
            decided_at: now,
        };
        diesel::insert_into(rs::resolutions).values(&row).execute(conn)?;
        let made = commitments::make(conn, caller, &seen, None, &r.commitments, now)?;
        let changes = MatterChanges { resolved_at: Some(Some(now)), ..MatterChanges::default() };
        let mut event = EventRow::new(id, "resolved", Some(&principal.user_id), now);
        event.note = r.body.clone();
        event.details = json!({
            "decided_by": r.decided_by.as_str(),
            "meeting_id": r.meeting_id,
            "vote_ref": r.vote_ref,
            "commitments": made,
            "case_id": seen.row.case_id,
        })
        .to_string();
        step(conn, caller, &seen, to, changes, event, now)?;
        queries::view(conn, principal, id)
    })
}

/// The resolution of a matter the caller sees.
pub fn resolution_of(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
) -> Result<Option<ResolutionRow>, DeliberationError> {
    queries::seen(conn, principal, id)?;
    Ok(rs::resolutions.filter(rs::matter_id.eq(id)).select(ResolutionRow::as_select()).first(conn).optional()?)
}

// ---------------------------------------------------------------------------------------------
// Department referral (Pengshui big)

/// Files the department-level case of a matter being triaged big under Pengshui's scheme, in
/// the triage's transaction; returns its id. The department is the one given, of the matter's
/// county.
pub fn refer(
    conn: &mut DbConn,
    caller: &Caller,
    seen: &Seen,
    department_id: Option<&str>,
    rules: Option<&crate::cases::service::Rules>,
    now: NaiveDateTime,
) -> Result<String, DeliberationError> {
    let department_id =
        department_id.ok_or_else(|| DeliberationError::invalid("department_id", "name the department to refer to"))?;
    let department = org::find_department(conn, department_id)?
        .filter(|d| seen.scope_path.contains(&d.org_unit_id))
        .ok_or_else(|| DeliberationError::invalid("department_id", "a department of the matter's county"))?;
    let rules = rules.ok_or_else(|| DeliberationError::Corrupt("no case rules for a referral".to_owned()))?;
    let report = crate::cases::service::Report {
        category: "public_opinion".to_owned(),
        description: format!("{}\n{}", seen.row.title, seen.row.body),
        point: None,
        address: None,
        urgency: domain::cases::Urgency::Normal,
        anonymous: false,
        public: Some(false),
        media: Vec::new(),
        client_id: None,
        grid_id: None,
        captured_at: Some(seen.row.raised_at),
        details: json!({ "matter_id": seen.row.id, "origin": "deliberation" }),
    };
    let to = crate::cases::service::DepartmentReferral {
        reporter_id: &seen.row.author_id,
        org_unit_id: &seen.row.village_id,
        department_id: &department.id,
    };
    let case =
        crate::cases::service::file_for_department(conn, &caller.principal, &report, to, rules, now).map_err(|e| {
            match e {
                crate::cases::CasesError::Db(e) => DeliberationError::Db(e),
                other => DeliberationError::Corrupt(format!("referral: {other}")),
            }
        })?;
    Ok(case.id)
}

// ---------------------------------------------------------------------------------------------
// Guidance (Pengshui private)

/// Closes a private matter with guidance, and a referral to a service of the village's
/// directory; its author is told whom to contact.
pub fn guide(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    guidance: String,
    member_id: Option<&str>,
    now: NaiveDateTime,
) -> Result<MatterView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = queries::seen(conn, principal, id)?;
        seen.require(principal, Permission::DecideMatters)?;
        let to = transition(seen.status()?, Action::Guide, service::facts_of(&seen)?)?;
        let referral: Option<(String, String, Option<String>)> = match member_id {
            Some(member) => Some(
                dm::deliberation_members
                    .filter(dm::id.eq(member))
                    .filter(dm::village_id.eq(&seen.row.village_id))
                    .filter(dm::active.eq(true))
                    .filter(dm::kind.eq_any(["service", "social_org", "social_worker"]))
                    .select((dm::id, dm::name, dm::contact))
                    .first(conn)
                    .optional()?
                    .ok_or_else(|| {
                        DeliberationError::invalid("referral_member_id", "a service of the village's directory")
                    })?,
            ),
            None => None,
        };
        let changes = MatterChanges { closed_at: Some(Some(now)), ..MatterChanges::default() };
        let mut event = EventRow::new(id, "guided", Some(&principal.user_id), now);
        event.note = guidance.clone();
        event.details = json!({
            "referral": referral.as_ref().map(|(id, name, contact)| json!({ "id": id, "name": name, "contact": contact })),
        })
        .to_string();
        step(conn, caller, &seen, to, changes, event, now)?;
        let (name, contact) = referral.map(|(_, n, c)| (n, c.unwrap_or_default())).unwrap_or_default();
        let data = json!({ "matter": seen.row.title, "guidance": guidance, "referral": name, "contact": contact });
        crate::notify::enqueue_to(conn, MATTER_GUIDED, std::slice::from_ref(&seen.row.author_id), &data, now)?;
        queries::view(conn, principal, id)
    })
}

// ---------------------------------------------------------------------------------------------
// Mediation agreements

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::agreements)]
pub struct AgreementRow {
    pub id: String,
    pub matter_id: String,
    pub body: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::agreement_parties)]
pub struct PartyRow {
    pub id: String,
    pub agreement_id: String,
    pub user_id: Option<String>,
    pub name: String,
    pub acknowledged_at: Option<NaiveDateTime>,
    /// `app` (the party themselves) or `paper` (a signature a cadre recorded).
    pub method: Option<String>,
    pub recorded_by: Option<String>,
}

/// A party as the agreement names them: an account, or only a name.
#[derive(Debug, Clone)]
pub struct PartyDraft {
    pub user_id: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct AgreementDraft {
    pub body: String,
    pub parties: Vec<PartyDraft>,
    pub commitments: Vec<CommitmentDraft>,
}

#[derive(Debug, Clone)]
pub struct AgreementView {
    pub row: AgreementRow,
    pub parties: Vec<PartyRow>,
    pub commitments: Vec<CommitmentView>,
}

fn agreement_view(conn: &mut DbConn, row: AgreementRow) -> Result<AgreementView, DeliberationError> {
    let parties = ap::agreement_parties
        .filter(ap::agreement_id.eq(&row.id))
        .order(ap::id.asc())
        .select(PartyRow::as_select())
        .load(conn)?;
    let made = c::commitments
        .filter(c::agreement_id.eq(&row.id))
        .order(c::id.asc())
        .select(commitments::CommitmentRow::as_select())
        .load(conn)?;
    Ok(AgreementView { parties, commitments: commitments::views_of(conn, made)?, row })
}

/// Records a mediation agreement on a matter being handled (council work), with its parties —
/// those with an account are asked to acknowledge it — and its commitments.
pub fn agree(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    draft: &AgreementDraft,
    now: NaiveDateTime,
) -> Result<AgreementView, DeliberationError> {
    let principal = &caller.principal;
    if draft.parties.len() < 2 || draft.parties.len() > 20 {
        return Err(DeliberationError::invalid("parties", "from 2 to 20 parties"));
    }
    write_tx(conn, |conn| {
        let seen = queries::seen(conn, principal, id)?;
        seen.require(principal, Permission::CouncilWork)?;
        let status = seen.status()?;
        if status.is_final() || status == domain::deliberation::MatterStatus::Raised {
            return Err(DeliberationError::NotNow { action: "agreement", status: status.as_str().to_owned() });
        }
        let accounts: Vec<String> = draft.parties.iter().filter_map(|p| p.user_id.clone()).collect();
        let mut unique = accounts.clone();
        unique.sort();
        unique.dedup();
        if unique.len() != accounts.len() || users::names(conn, &accounts)?.len() != accounts.len() {
            return Err(DeliberationError::invalid("parties", "distinct, known user_id"));
        }
        let row = AgreementRow {
            id: domain::new_id(),
            matter_id: id.to_owned(),
            body: draft.body.clone(),
            created_by: principal.user_id.clone(),
            created_at: now,
        };
        diesel::insert_into(ag::agreements).values(&row).execute(conn)?;
        for p in &draft.parties {
            let party = PartyRow {
                id: domain::new_id(),
                agreement_id: row.id.clone(),
                user_id: p.user_id.clone(),
                name: p.name.clone(),
                acknowledged_at: None,
                method: None,
                recorded_by: None,
            };
            diesel::insert_into(ap::agreement_parties).values(&party).execute(conn)?;
        }
        commitments::make(conn, caller, &seen, Some(&row.id), &draft.commitments, now)?;
        let mut event = EventRow::new(id, "agreement", Some(&principal.user_id), now);
        event.details = json!({ "agreement_id": row.id, "parties": draft.parties.len() }).to_string();
        rows::insert_event(conn, &event)?;
        caller.audit(conn, "agreement.create", "agreement", &row.id, json!({ "matter_id": id }), now)?;
        let data = json!({ "matter": seen.row.title });
        crate::notify::enqueue_to(conn, AGREEMENT_TO_ACKNOWLEDGE, &accounts, &data, now)?;
        agreement_view(conn, row)
    })
}

fn find_agreement(conn: &mut DbConn, id: &str) -> Result<AgreementRow, DeliberationError> {
    ag::agreements
        .filter(ag::id.eq(id))
        .select(AgreementRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(DeliberationError::NotFound)
}

/// An agreement: its parties and whoever sees its matter read it.
pub fn agreement(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<AgreementView, DeliberationError> {
    let row = find_agreement(conn, id)?;
    let view = agreement_view(conn, row)?;
    if !view.parties.iter().any(|p| p.user_id.as_deref() == Some(principal.subject())) {
        queries::seen(conn, principal, &view.row.matter_id)?;
    }
    Ok(view)
}

/// A party acknowledges the agreement in the app, once.
pub fn acknowledge(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    now: NaiveDateTime,
) -> Result<AgreementView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let view = agreement(conn, principal, id)?;
        let party = view
            .parties
            .iter()
            .find(|p| p.user_id.as_deref() == Some(principal.subject()))
            .ok_or(DeliberationError::Forbidden)?;
        mark(conn, caller, &view, &party.id, "app", now)?;
        agreement_view(conn, view.row)
    })
}

/// A cadre records a party's signature on paper.
pub fn record_paper(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    party_id: &str,
    now: NaiveDateTime,
) -> Result<AgreementView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let row = find_agreement(conn, id)?;
        let seen = queries::seen(conn, principal, &row.matter_id)?;
        seen.require(principal, Permission::CouncilWork)?;
        let view = agreement_view(conn, row)?;
        if !view.parties.iter().any(|p| p.id == party_id) {
            return Err(DeliberationError::NotFound);
        }
        mark(conn, caller, &view, party_id, "paper", now)?;
        agreement_view(conn, view.row)
    })
}

fn mark(
    conn: &mut DbConn,
    caller: &Caller,
    view: &AgreementView,
    party_id: &str,
    method: &str,
    now: NaiveDateTime,
) -> Result<(), DeliberationError> {
    let n = diesel::update(ap::agreement_parties.filter(ap::id.eq(party_id)).filter(ap::acknowledged_at.is_null()))
        .set((
            ap::acknowledged_at.eq(Some(now)),
            ap::method.eq(Some(method)),
            ap::recorded_by.eq(Some(&caller.principal.user_id)),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(DeliberationError::Duplicate);
    }
    let mut event = EventRow::new(&view.row.matter_id, "agreement_acknowledged", Some(&caller.principal.user_id), now);
    event.details = json!({ "agreement_id": view.row.id, "party_id": party_id, "method": method }).to_string();
    rows::insert_event(conn, &event)?;
    caller.audit(conn, "agreement.acknowledge", "agreement", &view.row.id, json!({ "party_id": party_id }), now)?;
    Ok(())
}
