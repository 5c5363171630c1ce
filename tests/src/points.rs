//! Points set-up for tests: a rule set put in force and ledger rows appended straight through
//! the infra layer, for tests whose subject is something else (redemption, rankings…).

use domain::points::ledger::{HolderKind, LedgerKind};
use domain::points::rules::{AutoSource, BaseStep, Category, Rule, Subject};

use crate::TestApp;

/// A rule as most tests want it: a resident's reward recorded by grid staff and cadres.
pub fn rule(code: &str, points: i64) -> Rule {
    Rule {
        code: code.to_owned(),
        name: format!("规则{code}"),
        category: if points < 0 { Category::Misconduct } else { Category::Neighbourly },
        points,
        cap: None,
        cap_period: None,
        subject: Subject::Resident,
        automatic: None,
        recorders: vec![domain::identity::roles::Role::GridWorker, domain::identity::roles::Role::VillageCadre],
        claimable: true,
    }
}

/// An automatic rule for `source`.
pub fn automatic(code: &str, points: i64, source: AutoSource) -> Rule {
    Rule { automatic: Some(source), recorders: vec![], claimable: false, ..rule(code, points) }
}

impl TestApp {
    /// Puts `rules` in force at `unit` (a new active version, superseding any), as if `by`
    /// wrote and activated it. Returns the rule set's id.
    pub async fn points_rules(&self, unit: &str, by: &str, rules: Vec<Rule>, base: Vec<BaseStep>) -> String {
        let (unit, by, now) = (unit.to_owned(), by.to_owned(), chrono::Utc::now().naive_utc());
        self.state
            .db
            .run(move |conn| {
                infra::db::write_tx(conn, |conn| -> Result<String, infra::points::PointsError> {
                    let draft = infra::points::rules::SetDraft { note: String::new(), rules, base, stars: vec![] };
                    let set = infra::points::rules::create_set(conn, &unit, &by, &draft, now)?;
                    infra::points::rules::activate_in_tx(
                        conn,
                        &set,
                        domain::points::rules::RuleSetAction::Activate,
                        now,
                    )?;
                    Ok(set.id)
                })
            })
            .await
            .unwrap_or_else(|e| panic!("putting points rules in force: {e}"))
    }

    /// Appends an earning row of `points` to `user`'s account in `village` (made if need be).
    /// Returns the balance after it.
    pub async fn points_grant(&self, village: &str, user: &str, points: i64) -> i64 {
        let (village, user, now) = (village.to_owned(), user.to_owned(), chrono::Utc::now().naive_utc());
        self.state
            .db
            .run(move |conn| {
                infra::db::write_tx(conn, |conn| -> Result<i64, infra::points::PointsError> {
                    use infra::points::ledger::{append, Holder, NewRow};
                    let holder =
                        Holder { unit_id: &village, kind: HolderKind::User, id: &user, subject: Subject::Resident };
                    let reference = domain::new_id();
                    let row = NewRow { kind: LedgerKind::Earn, points, reference: &reference, memo: "test grant" };
                    Ok(append(conn, holder, row, false, now)?.balance)
                })
            })
            .await
            .unwrap_or_else(|e| panic!("granting points: {e}"))
    }
}
