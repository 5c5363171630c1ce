//! Notifications: the kinds, each rendered to a Chinese title and body from its data, and the
//! retry schedule of deliveries. Adding a kind is adding one entry to [`TEMPLATES`]. The rules of
//! preferences, subscriptions and announcements, and who may manage the outbox, are in the
//! submodules.

pub mod access;
pub mod announcements;
pub mod ids;
pub mod preferences;
pub mod subscriptions;

use std::time::Duration;

use serde_json::Value;

use crate::DomainError;

/// One kind of notification: its stable name and how it reads. `{field}` is replaced by the
/// data's `field`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    pub kind: &'static str,
    pub title: &'static str,
    pub body: &'static str,
}

pub const RESIDENCY_APPROVED: &str = "residency_approved";
pub const RESIDENCY_REJECTED: &str = "residency_rejected";
pub const ANNOUNCEMENT: &str = "announcement";

pub const TEMPLATES: &[Template] = &[
    Template {
        kind: RESIDENCY_APPROVED,
        title: "入户申请已通过",
        body: "您加入{unit}的申请已通过审核，欢迎参与村（社区）事务。",
    },
    Template {
        kind: RESIDENCY_REJECTED,
        title: "入户申请未通过",
        body: "您加入{unit}的申请未通过审核。原因：{reason}",
    },
    Template { kind: ANNOUNCEMENT, title: "{title}", body: "{body}" },
    Template {
        kind: "case_status_changed", title: "您反映的问题有新进展", body: "“{case}”已{status}。{note}"
    },
    Template {
        kind: "case_assigned",
        title: "新的网格事件待受理",
        body: "“{case}”（{category}）已转到您处，请在{due}前受理。",
    },
    Template {
        kind: "case_overdue", title: "网格事件已超期", body: "“{case}”已超过办理时限，请尽快处理并反馈。"
    },
    Template {
        kind: "meeting_scheduled",
        title: "议事会议通知",
        body: "“{matter}”将于{time}在{place}召开议事会议，请准时参加。",
    },
    Template {
        kind: "meeting_reminder",
        title: "议事会议提醒",
        body: "“{meeting}”将于{time}在{place}召开，请准时参加。",
    },
    Template {
        kind: "meeting_cancelled", title: "议事会议已取消", body: "原定{time}召开的“{meeting}”已取消。"
    },
    Template {
        kind: "ledger_answered",
        title: "屋场会问题已答复",
        body: "您在屋场会上提出的“{matter}”已有答复：{answer}",
    },
    Template {
        kind: "ledger_overdue",
        title: "屋场会问题逾期未答复",
        body: "{village}屋场会问题台账中的“{matter}”已超过答复期限{due}，请尽快答复。",
    },
    Template {
        kind: "poll_opened", title: "投票已开始", body: "“{poll}”投票已开始，截止时间{closes_at}。"
    },
    Template {
        kind: "poll_published", title: "投票结果已公布", body: "“{poll}”投票结果：{counts}（{outcome}）。"
    },
    Template {
        kind: "poll_reminder", title: "投票即将截止", body: "“{poll}”投票将于{closes_at}截止，请及时投票。"
    },
    Template { kind: "poll_cancelled", title: "投票已取消", body: "“{poll}”投票已取消：{reason}" },
    Template {
        kind: "idea_moderated",
        title: "金点子审核结果",
        body: "您在“{contest}”提交的点子“{idea}”{decision}。{note}",
    },
    Template {
        kind: "contest_cancelled", title: "金点子评比已取消", body: "“{contest}”已取消：{reason}"
    },
    Template {
        kind: "contest_won",
        title: "您的金点子获奖了",
        body: "恭喜！您在“{contest}”提交的点子“{idea}”获评第{rank}名。",
    },
    Template {
        kind: "contest_announced",
        title: "金点子评比结果已公布",
        body: "“{contest}”评比结果已公布，获奖点子：{winners}。",
    },
    Template {
        kind: "points_reviewed", title: "积分审核结果", body: "您的积分“{rule}”{points}分{decision}。{reason}"
    },
    Template {
        kind: "points_posted",
        title: "积分公示",
        body: "您的积分“{rule}”{points}分正在公示，公示期至{ends_at}。",
    },
    Template {
        kind: "points_objected",
        title: "积分收到异议",
        body: "您公示中的积分“{rule}”{points}分收到一条异议，村里将核实答复。",
    },
    Template {
        kind: "points_objection_answered",
        title: "异议已答复",
        body: "您对“{subject}”提出的异议{ruling}：{answer}",
    },
    Template {
        kind: "points_effective", title: "积分已生效", body: "您的积分“{rule}”{points}分{outcome}。"
    },
    Template {
        kind: "points_order",
        title: "积分兑换",
        body: "您兑换的“{item}”×{quantity}（{points}分）{outcome}。{reason}",
    },
    Template {
        kind: "points_service",
        title: "志愿服务时长",
        body: "“{team}”{served_on}的志愿服务“{title}”{outcome}。",
    },
    Template {
        kind: "notice_objected",
        title: "公示收到异议",
        body: "您发布的公示“{title}”收到一条异议，请及时答复。",
    },
    Template {
        kind: "notice_objection_answered",
        title: "异议已答复",
        body: "您对公示“{title}”提出的异议{decision}：{answer}",
    },
    Template {
        kind: "points_dividend",
        title: "积分分红公示",
        body: "“{title}”已公示：您家{points}分，分得{yuan}元，公示期至{ends_at}。",
    },
    Template {
        kind: "commitment_overdue",
        title: "承诺事项已逾期",
        body: "“{commitment}”已超过承诺期限{deadline}，请尽快办理并反馈。",
    },
    Template {
        kind: "matter_raised",
        title: "新议题待分流",
        body: "{scope}有新议题“{matter}”，请在{due}前分流（三事分流）。",
    },
    Template {
        kind: "matter_raised_for_you",
        title: "已为您提交议题",
        body: "{proxy}已代您提交议题“{matter}”，办理进展会通知您。",
    },
    Template {
        kind: "matter_status_changed", title: "您关注的议题有新进展", body: "“{matter}”{status}。{note}"
    },
    Template {
        kind: "matter_held", title: "内容审核中", body: "您提交的“{matter}”正在审核，通过后其他人才能看到。"
    },
    Template {
        kind: "matter_moderated", title: "内容审核结果", body: "您提交的“{matter}”{result}。{note}"
    },
    Template {
        kind: "solicitation_opened",
        title: "议题征求意见",
        body: "“{matter}”正在征求意见（{opens}至{closes}），欢迎发表您的意见。",
    },
    Template {
        kind: "stakeholder_invited", title: "邀约协商", body: "您被邀请参与“{matter}”的协商，请留意会议安排。"
    },
    Template {
        kind: "matter_untriaged",
        title: "议题超期未分流",
        body: "{village}的议题“{matter}”已超过{days}个工作日未分流，请督促办理。",
    },
    Template {
        kind: "matter_suggested",
        title: "民情建议单待决策",
        body: "议事会已就“{matter}”提交民情建议单，请两委决策。",
    },
    Template {
        kind: "commitment_assigned",
        title: "新的承诺事项",
        body: "“{matter}”的决议请您承办：“{commitment}”，期限{deadline}。",
    },
    Template {
        kind: "commitment_supervised",
        title: "民情督办单",
        body: "“{matter}”的承诺“{commitment}”已超过期限{deadline}，已生成督办单，请督办。",
    },
    Template {
        kind: "commitment_extended",
        title: "承诺期限已延长",
        body: "“{commitment}”的期限延长至{deadline}（{reason}）。",
    },
    Template {
        kind: "commitment_escalated",
        title: "承诺事项提级督办",
        body: "{village}“{matter}”的承诺“{commitment}”逾期未办，已提交乡镇督办。",
    },
    Template {
        kind: "matter_guided",
        title: "您的议题已引导办结",
        body: "“{matter}”：{guidance}。推荐服务：{referral}，联系方式：{contact}。",
    },
    Template {
        kind: "agreement_to_acknowledge",
        title: "调解协议待确认",
        body: "“{matter}”的调解协议已达成，请查看并确认。",
    },
    Template {
        kind: "matter_rating_open",
        title: "请为议题办理结果评议",
        body: "“{matter}”已办结，请在{closes_at}前评议。",
    },
    Template {
        kind: "report_received", title: "新的举报", body: "{village}收到一条新的举报，请及时处理。"
    },
    Template {
        kind: "report_added_to", title: "举报补充材料", body: "{village}的一条举报有补充材料，请查看。"
    },
];

pub fn template(kind: &str) -> Result<&'static Template, DomainError> {
    TEMPLATES
        .iter()
        .find(|t| t.kind == kind)
        .ok_or(DomainError::Invalid { field: "kind", reason: "unknown notification kind" })
}

/// A rendered notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub title: String,
    pub body: String,
}

fn fill(text: &str, data: &Value) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let field = &after[..end];
                match data.get(field) {
                    Some(Value::String(s)) => out.push_str(s),
                    Some(Value::Null) | None => {}
                    Some(other) => out.push_str(&other.to_string()),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The title and body of a notice of `kind` with `data`.
pub fn render(kind: &str, data: &Value) -> Result<Rendered, DomainError> {
    let t = template(kind)?;
    Ok(Rendered { title: fill(t.title, data), body: fill(t.body, data) })
}

/// Cuts text to at most `max` characters (never inside a character), marking the cut with `…`.
pub fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// WeChat's length limit for a subscribe-message data field, by the field's type prefix
/// (`thing1` is a `thing`): `None` where WeChat sets none we need to enforce.
pub fn wechat_field_limit(field: &str) -> Option<usize> {
    let kind = field.trim_end_matches(|c: char| c.is_ascii_digit());
    match kind {
        "thing" => Some(20),
        "phrase" | "symbol" => Some(5),
        "name" | "amount" => Some(10),
        "car_number" => Some(8),
        "character_string" | "number" | "letter" => Some(32),
        _ => None,
    }
}

/// A value made to fit its WeChat field.
pub fn fit_wechat_field(field: &str, value: &str) -> String {
    match wechat_field_limit(field) {
        Some(max) => truncate_chars(value, max),
        None => value.to_owned(),
    }
}

/// How many times a delivery is tried before it is dead.
pub const MAX_ATTEMPTS: i32 = 6;

/// The wait before attempt `attempt + 1` after `attempt` failures: 30 s doubling to at most an
/// hour, spread by ±20 % (`jitter` in 0..1) so failed deliveries do not retry in lockstep.
pub fn backoff(attempt: i32, jitter: f64) -> Duration {
    let base = 30.0 * 2f64.powi(attempt.clamp(0, 20) - 1).max(1.0);
    let capped = base.min(3600.0);
    let spread = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    Duration::from_secs_f64(capped * spread)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_kind_renders_chinese_text_from_its_data() {
        let r = render(RESIDENCY_REJECTED, &json!({ "unit": "塘湾村", "reason": "地址不符" }));
        assert_eq!(r.map(|r| r.body), Ok("您加入塘湾村的申请未通过审核。原因：地址不符".to_owned()));
        for t in TEMPLATES {
            let r = render(t.kind, &json!({ "title": "停水通知", "body": "明日停水" }));
            assert!(r.is_ok_and(|r| !r.title.is_empty() && !r.title.contains('{')), "{}", t.kind);
        }
        assert!(render("no_such_kind", &json!({})).is_err());
        let kinds: std::collections::BTreeSet<&str> = TEMPLATES.iter().map(|t| t.kind).collect();
        assert_eq!(kinds.len(), TEMPLATES.len(), "kinds are unique");
    }

    #[test]
    fn truncation_respects_characters() {
        let long = "村委会关于二〇二六年冬季水利设施修缮工程的通知公告";
        let cut = truncate_chars(long, 20);
        assert_eq!(cut.chars().count(), 20);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate_chars("短", 20), "短");
    }

    #[test]
    fn wechat_fields_are_cut_to_their_type_limit() {
        let reason = "地址与户籍登记信息不一致请携带户口簿到村委会当面核实处理";
        assert_eq!(reason.chars().count(), 28);
        assert_eq!(fit_wechat_field("thing2", reason).chars().count(), 20);
        assert_eq!(fit_wechat_field("phrase1", "已经通过审核").chars().count(), 5);
        assert_eq!(fit_wechat_field("time3", "2026年11月22日 10:00"), "2026年11月22日 10:00");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1, 0.5), Duration::from_secs(30));
        assert_eq!(backoff(2, 0.5), Duration::from_secs(60));
        assert_eq!(backoff(3, 0.5), Duration::from_secs(120));
        assert_eq!(backoff(30, 0.5), Duration::from_secs(3600));
        assert!(backoff(2, 0.0) < backoff(2, 1.0));
    }
}
