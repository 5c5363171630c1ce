//! The content check's local word list (kept by admins) and moderation: matters and opinions
//! held by the check wait for a moderator of their scope, who approves them (now others see
//! them; a matter's triagers are told) or rejects them with a reason (the author is told why).
//! Nothing held is dropped silently; every decision is on the matter's timeline.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::deliberation::{transition, Action, Facts, MatterStatus, Moderation};
use domain::identity::principal::Principal;
use domain::identity::roles::{Permission, Place};
use serde_json::json;

use super::opinions::{self, OpinionRow};
use super::queries::{self, MatterView};
use super::rows::{self, EventRow, MatterChanges};
use super::service::{self, Caller};
use super::DeliberationError;
use crate::db::{insert_unique, write_tx, Inserted};
use crate::identity::queries::org;
use crate::schema::matters::dsl as m;
use crate::schema::moderation_words::dsl as mw;
use crate::schema::opinions::dsl as op;
use crate::DbConn;

/// The author of held text is told the moderator's decision.
pub const MATTER_MODERATED: &str = "matter_moderated";

/// The longest listed word.
pub const WORD_MAX: usize = 40;

/// A moderator's decision on held text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

impl Decision {
    pub fn parse(value: &str) -> Result<Self, DeliberationError> {
        match value {
            "approve" => Ok(Self::Approve),
            "reject" => Ok(Self::Reject),
            _ => Err(DeliberationError::invalid("decision", "approve or reject")),
        }
    }

    fn moderation(self) -> Moderation {
        match self {
            Self::Approve => Moderation::Clear,
            Self::Reject => Moderation::Rejected,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
        }
    }

    fn told(self) -> &'static str {
        match self {
            Self::Approve => "已通过审核，其他人现在可以看到",
            Self::Reject => "未通过审核",
        }
    }
}

/// A moderator's decision with its reason (required to reject).
#[derive(Debug, Clone)]
pub struct Moderated {
    pub decision: Decision,
    pub reason: Option<String>,
}

impl Moderated {
    pub fn parse(decision: &str, reason: Option<String>) -> Result<Self, DeliberationError> {
        let decision = Decision::parse(decision)?;
        let reason = service::note(reason, "reason", decision == Decision::Reject)?;
        Ok(Self { decision, reason })
    }
}

// ---------------------------------------------------------------------------------------------
// The word list

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::moderation_words)]
pub struct WordRow {
    pub word: String,
    pub added_by: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A word as the list keeps it: trimmed, 1 to 40 characters, plain text.
pub fn word(value: String) -> Result<String, DeliberationError> {
    Ok(service::written(Some(value), "word", WORD_MAX, true)?.unwrap_or_default())
}

fn admins_only(principal: &Principal) -> Result<(), DeliberationError> {
    if principal.is_admin() {
        Ok(())
    } else {
        Err(DeliberationError::Forbidden)
    }
}

/// The local word list (admins).
pub fn words(conn: &mut DbConn, principal: &Principal) -> Result<Vec<WordRow>, DeliberationError> {
    admins_only(principal)?;
    Ok(mw::moderation_words.order(mw::word.asc()).select(WordRow::as_select()).load(conn)?)
}

/// Adds a word to the list (admins); a listed word again is a duplicate.
pub fn add_word(
    conn: &mut DbConn,
    caller: &Caller,
    word: &str,
    now: NaiveDateTime,
) -> Result<WordRow, DeliberationError> {
    admins_only(&caller.principal)?;
    write_tx(conn, |conn| {
        let row = WordRow { word: word.to_owned(), added_by: Some(caller.principal.user_id.clone()), created_at: now };
        let inserted =
            insert_unique(conn, |conn| diesel::insert_into(mw::moderation_words).values(&row).execute(conn))?;
        if inserted == Inserted::Duplicate {
            return Err(DeliberationError::Duplicate);
        }
        caller.audit(conn, "moderation.word.add", "moderation_word", word, json!({}), now)?;
        Ok(row)
    })
}

/// Takes a word off the list (admins).
pub fn remove_word(
    conn: &mut DbConn,
    caller: &Caller,
    word: &str,
    now: NaiveDateTime,
) -> Result<(), DeliberationError> {
    admins_only(&caller.principal)?;
    write_tx(conn, |conn| {
        let n = diesel::delete(mw::moderation_words.filter(mw::word.eq(word))).execute(conn)?;
        if n == 0 {
            return Err(DeliberationError::NotFound);
        }
        caller.audit(conn, "moderation.word.remove", "moderation_word", word, json!({}), now)?;
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// The queue

/// A held opinion as the queue shows it, with its matter's title.
#[derive(Debug, Clone)]
pub struct HeldOpinion {
    pub row: OpinionRow,
    pub author_name: Option<String>,
    pub matter_title: String,
}

/// What waits for a moderator in a village, oldest first.
#[derive(Debug, Clone)]
pub struct Queue {
    pub matters: Vec<MatterView>,
    pub opinions: Vec<HeldOpinion>,
}

/// The most items of each kind the queue shows at once.
const QUEUE_MAX: i64 = 100;

/// Held matters and opinions of a village, for its moderators (404 outside the caller's scope,
/// 403 inside it without the right).
pub fn queue(conn: &mut DbConn, principal: &Principal, village_id: &str) -> Result<Queue, DeliberationError> {
    let unit = org::find_unit(conn, village_id)?.ok_or(DeliberationError::NotFound)?;
    let path = org::unit_path(conn, village_id)?.unwrap_or_default();
    principal.require(&Place::in_org(path), Permission::ModerateContent)?;
    if unit.kind != domain::identity::org::OrgKind::Village.as_str() {
        return Err(DeliberationError::invalid("village_id", "a village"));
    }
    let held = Moderation::Held.as_str();
    let rows: Vec<rows::MatterRow> = m::matters
        .filter(m::village_id.eq(village_id))
        .filter(m::moderation.eq(held))
        .order(m::id.asc())
        .limit(QUEUE_MAX)
        .select(rows::MatterRow::as_select())
        .load(conn)?;
    let mut matters = Vec::with_capacity(rows.len());
    for row in rows {
        let seen = queries::seen_row(conn, principal, row)?;
        matters.push(queries::view_of(conn, principal, seen)?);
    }
    let opinions: Vec<(OpinionRow, String)> = op::opinions
        .inner_join(m::matters.on(m::id.eq(op::matter_id)))
        .filter(m::village_id.eq(village_id))
        .filter(op::moderation.eq(held))
        .order(op::id.asc())
        .limit(QUEUE_MAX)
        .select((OpinionRow::as_select(), m::title))
        .load(conn)?;
    let authors: Vec<String> = opinions.iter().map(|(row, _)| row.author_id.clone()).collect();
    let names = crate::identity::queries::users::names(conn, &authors)?;
    let opinions = opinions
        .into_iter()
        .map(|(row, matter_title)| HeldOpinion { author_name: names.get(&row.author_id).cloned(), row, matter_title })
        .collect();
    Ok(Queue { matters, opinions })
}

// ---------------------------------------------------------------------------------------------
// Decisions

fn notice(decision: &Moderated, what: &str) -> serde_json::Value {
    let note = decision.reason.as_ref().map(|r| format!("原因：{r}")).unwrap_or_default();
    json!({ "matter": what, "result": decision.decision.told(), "note": note })
}

/// Approves or rejects a held matter (moderators of its scope). Approved, it is seen by everyone
/// who may see it and its triagers are told; rejected, it is declined. The author is told either
/// way.
pub fn moderate_matter(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    decision: &Moderated,
    now: NaiveDateTime,
) -> Result<MatterView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = queries::seen(conn, principal, id)?;
        if !seen.moderator {
            return Err(DeliberationError::Forbidden);
        }
        if seen.row.moderation() != Moderation::Held {
            return Err(DeliberationError::NotNow { action: "moderate", status: seen.row.moderation.clone() });
        }
        let mut changes = MatterChanges {
            moderation: Some(decision.decision.moderation().as_str().to_owned()),
            moderation_note: Some(decision.reason.clone().unwrap_or_default()),
            ..MatterChanges::default()
        };
        let status = seen.status()?;
        let mut status_after = None;
        if decision.decision == Decision::Reject && status == MatterStatus::Raised {
            // A rejected matter is declined: it never waits for a triage nobody can give.
            let to = transition(status, Action::Decline, Facts::default())?;
            changes.status = Some(to.as_str().to_owned());
            changes.closed_at = Some(Some(now));
            status_after = Some(to.as_str().to_owned());
        }
        if !rows::update_matter(conn, id, seen.row.version, &changes, now)? {
            return Err(DeliberationError::Stale);
        }
        let mut event = EventRow::new(id, "moderated", Some(&principal.user_id), now);
        event.proxy_id = principal.proxy().map(str::to_owned);
        event.status_after = status_after;
        event.note = decision.reason.clone().unwrap_or_default();
        event.details =
            json!({ "decision": decision.decision.as_str(), "held_for": seen.row.moderation_note }).to_string();
        rows::insert_event(conn, &event)?;
        caller.audit(conn, "matter.moderate", "matter", id, json!({ "decision": decision.decision.as_str() }), now)?;
        let data = notice(decision, &seen.row.title);
        crate::notify::enqueue_to(conn, MATTER_MODERATED, std::slice::from_ref(&seen.row.author_id), &data, now)?;
        if decision.decision == Decision::Approve && status == MatterStatus::Raised {
            let scope = org::find_unit(conn, &seen.row.scope_id)?.map(|u| u.name).unwrap_or_default();
            service::announce_raised(conn, &seen.row, &scope, now)?;
        }
        queries::view(conn, principal, id)
    })
}

/// Approves or rejects a held opinion (moderators of its matter's scope); the author is told,
/// and an approved opinion counts on its matter.
pub fn moderate_opinion(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    decision: &Moderated,
    now: NaiveDateTime,
) -> Result<OpinionRow, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let row = opinions::find(conn, id)?.ok_or(DeliberationError::NotFound)?;
        let seen = queries::seen(conn, principal, &row.matter_id)?;
        if !seen.moderator {
            let own = row.author_id == principal.subject();
            let shown = row.moderation == Moderation::Clear.as_str();
            return Err(if own || shown { DeliberationError::Forbidden } else { DeliberationError::NotFound });
        }
        let to = decision.decision.moderation().as_str();
        let n = diesel::update(op::opinions.filter(op::id.eq(id)).filter(op::moderation.eq(Moderation::Held.as_str())))
            .set((op::moderation.eq(to), op::moderation_note.eq(decision.reason.clone().unwrap_or_default())))
            .execute(conn)?;
        if n == 0 {
            return Err(DeliberationError::NotNow { action: "moderate", status: row.moderation.clone() });
        }
        if decision.decision == Decision::Approve {
            opinions::count_one(conn, &row.matter_id)?;
        }
        let mut event = EventRow::new(&row.matter_id, "opinion_moderated", Some(&principal.user_id), now);
        event.proxy_id = principal.proxy().map(str::to_owned);
        event.note = decision.reason.clone().unwrap_or_default();
        event.details =
            json!({ "opinion_id": id, "decision": decision.decision.as_str(), "held_for": row.moderation_note })
                .to_string();
        rows::insert_event(conn, &event)?;
        caller.audit(
            conn,
            "opinion.moderate",
            "opinion",
            id,
            json!({ "decision": decision.decision.as_str() }),
            now,
        )?;
        let data = notice(decision, &opinions::label(&seen.row.title));
        crate::notify::enqueue_to(conn, MATTER_MODERATED, std::slice::from_ref(&row.author_id), &data, now)?;
        opinions::find(conn, id)?.ok_or(DeliberationError::NotFound)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejection_needs_a_reason_and_decisions_are_two() {
        assert!(Moderated::parse("approve", None).is_ok());
        assert!(matches!(Moderated::parse("reject", None), Err(DeliberationError::Invalid { field: "reason", .. })));
        let rejected = Moderated::parse("reject", Some(" 广告 ".into())).map(|m| (m.decision, m.reason));
        assert_eq!(rejected.ok(), Some((Decision::Reject, Some("广告".to_owned()))));
        assert!(matches!(Moderated::parse("hide", None), Err(DeliberationError::Invalid { field: "decision", .. })));
    }
}
