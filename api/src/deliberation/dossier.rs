//! One matter, one file over HTTP: the dossier as JSON (every event) and as a printable page
//! for the village archive; the village's results showcase and its monthly report.

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDateTime;
use domain::deliberation::MatterId;
use domain::identity::ids::OrgUnitId;
use infra::deliberation::dossier::{self as file, Dossier, ShowcaseItem};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::MatterView;
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::query::Query;
use crate::http::support::{rfc3339, RequestMeta};
use crate::state::AppState;

// ---------------------------------------------------------------------------------------------
// The JSON file

#[derive(Debug, Serialize, ToSchema)]
pub struct SheetView {
    pub id: String,
    /// record (民情记录单), suggestion (民情建议单) or supervision (民情督办单).
    pub kind: String,
    pub commitment_id: Option<String>,
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
    pub status: String,
    pub created_at: String,
    pub closed_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionSummaryView {
    pub total: i64,
    pub withheld: i64,
    pub replies: i64,
    pub supports: i64,
    pub top: Vec<TopOpinion>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopOpinion {
    pub author: String,
    pub body: String,
    pub supports: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingRecordView {
    pub id: String,
    pub title: String,
    pub mode: String,
    pub courtyard: bool,
    pub status: String,
    pub starts_at: Option<String>,
    pub place: Option<String>,
    pub minutes: Option<String>,
    pub outcome: Option<String>,
    pub invited: i64,
    pub attendees: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResolutionRecordView {
    pub decided_by: String,
    pub body: String,
    pub decided_at: String,
    pub recorded_by: String,
    pub vote_ref: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartyRecordView {
    pub name: String,
    pub acknowledged_at: Option<String>,
    pub method: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementRecordView {
    pub id: String,
    pub body: String,
    pub created_at: String,
    pub parties: Vec<PartyRecordView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressRecordView {
    pub author: String,
    pub body: String,
    pub done: bool,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommitmentRecordView {
    pub id: String,
    pub owner: String,
    pub what: String,
    pub due_at: String,
    pub status: String,
    pub extensions: i32,
    pub done_at: Option<String>,
    pub progress: Vec<ProgressRecordView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationSummaryView {
    pub count: i64,
    pub average: Option<f64>,
    /// How many gave 1, 2, 3, 4 and 5.
    pub distribution: Vec<i64>,
    pub comments: Vec<RatedComment>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatedComment {
    pub rating: i32,
    pub comment: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevisitRecordView {
    pub visitor: String,
    pub note: String,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CourtyardRecordView {
    pub meeting_title: String,
    pub anonymous: bool,
    pub answer_due: String,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
    pub revisited_at: Option<String>,
}

/// One option of a published vote and its count.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoteCountView {
    pub text: String,
    pub count: u64,
}

/// A poll the matter was put to, as published (云票选).
#[derive(Debug, Serialize, ToSchema)]
pub struct VoteRecordView {
    pub poll_id: String,
    pub title: String,
    /// single, multiple, approval or motion.
    pub kind: String,
    /// residents, adults, representatives or households.
    pub electorate: String,
    /// The size of the roll frozen at opening.
    pub electorate_size: u64,
    pub ballots: u64,
    /// Ballots per hundred of the electorate, one decimal.
    pub turnout_percent: f64,
    pub counts: Vec<VoteCountView>,
    /// passed, failed, no_quorum or counted.
    pub outcome: String,
    /// The hash chain over the board's ballots.
    pub board_digest: String,
    /// sha256 over the sorted voter keys of the frozen roll.
    pub roll_hash: Option<String>,
    pub opens_at: String,
    pub closes_at: String,
    pub published_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RulesRefView {
    pub id: String,
    pub version: i32,
    pub title: String,
}

/// The whole record of a matter (一事一档).
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierView {
    pub village_name: String,
    /// The rules of procedure (《议事协商规则》) in force when it was raised.
    pub rules_of_procedure: Option<RulesRefView>,
    /// The matter with every step of its timeline.
    pub matter: MatterView,
    pub sheets: Vec<SheetView>,
    pub solicitation: Option<Window>,
    pub opinions: OpinionSummaryView,
    pub meetings: Vec<MeetingRecordView>,
    pub resolution: Option<ResolutionRecordView>,
    /// The polls the matter was put to, as published.
    pub votes: Vec<VoteRecordView>,
    pub agreements: Vec<AgreementRecordView>,
    pub commitments: Vec<CommitmentRecordView>,
    pub evaluation: EvaluationSummaryView,
    pub revisits: Vec<RevisitRecordView>,
    pub courtyard: Option<CourtyardRecordView>,
    pub generated_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Window {
    pub opens_at: String,
    pub closes_at: String,
}

fn at(t: Option<NaiveDateTime>) -> Option<String> {
    t.map(rfc3339)
}

impl From<Dossier> for DossierView {
    fn from(d: Dossier) -> Self {
        Self {
            village_name: d.village_name,
            rules_of_procedure: d.rules.map(|r| RulesRefView { id: r.id, version: r.version, title: r.title }),
            matter: MatterView::from(d.matter),
            sheets: d
                .sheets
                .into_iter()
                .map(|s| SheetView {
                    id: s.id,
                    kind: s.kind,
                    commitment_id: s.commitment_id,
                    body: serde_json::from_str(&s.body).unwrap_or(serde_json::Value::Null),
                    status: s.status,
                    created_at: rfc3339(s.created_at),
                    closed_at: at(s.closed_at),
                })
                .collect(),
            solicitation: d.solicitation.map(|(o, c)| Window { opens_at: rfc3339(o), closes_at: rfc3339(c) }),
            opinions: OpinionSummaryView {
                total: d.opinions.total,
                withheld: d.opinions.withheld,
                replies: d.opinions.replies,
                supports: d.opinions.supports,
                top: d
                    .opinions
                    .top
                    .into_iter()
                    .map(|(author, body, supports)| TopOpinion { author, body, supports })
                    .collect(),
            },
            meetings: d
                .meetings
                .into_iter()
                .map(|m| MeetingRecordView {
                    id: m.id,
                    title: m.title,
                    mode: m.mode,
                    courtyard: m.courtyard,
                    status: m.status,
                    starts_at: at(m.starts_at),
                    place: m.place,
                    minutes: m.minutes,
                    outcome: m.outcome,
                    invited: m.invited,
                    attendees: m.attendees,
                })
                .collect(),
            resolution: d.resolution.map(|r| ResolutionRecordView {
                decided_by: r.decided_by,
                body: r.body,
                decided_at: rfc3339(r.decided_at),
                recorded_by: r.recorded_by,
                vote_ref: r.vote_ref,
            }),
            votes: d
                .votes
                .into_iter()
                .map(|v| VoteRecordView {
                    poll_id: v.poll_id,
                    title: v.title,
                    kind: v.kind,
                    electorate: v.electorate,
                    electorate_size: v.electorate_size,
                    ballots: v.ballots,
                    turnout_percent: v.turnout_percent,
                    counts: v.counts.into_iter().map(|c| VoteCountView { text: c.text, count: c.count }).collect(),
                    outcome: v.outcome,
                    board_digest: v.board_digest,
                    roll_hash: v.roll_hash,
                    opens_at: rfc3339(v.opens_at),
                    closes_at: rfc3339(v.closes_at),
                    published_at: rfc3339(v.published_at),
                })
                .collect(),
            agreements: d
                .agreements
                .into_iter()
                .map(|a| AgreementRecordView {
                    id: a.id,
                    body: a.body,
                    created_at: rfc3339(a.created_at),
                    parties: a
                        .parties
                        .into_iter()
                        .map(|p| PartyRecordView {
                            name: p.name,
                            acknowledged_at: at(p.acknowledged_at),
                            method: p.method,
                        })
                        .collect(),
                })
                .collect(),
            commitments: d
                .commitments
                .into_iter()
                .map(|c| CommitmentRecordView {
                    id: c.id,
                    owner: c.owner,
                    what: c.what,
                    due_at: rfc3339(c.due_at),
                    status: c.status,
                    extensions: c.extensions,
                    done_at: at(c.done_at),
                    progress: c
                        .progress
                        .into_iter()
                        .map(|p| ProgressRecordView { author: p.author, body: p.body, done: p.done, at: rfc3339(p.at) })
                        .collect(),
                })
                .collect(),
            evaluation: EvaluationSummaryView {
                count: d.evaluation.count,
                average: d.evaluation.average,
                distribution: d.evaluation.distribution.to_vec(),
                comments: d
                    .evaluation
                    .comments
                    .into_iter()
                    .map(|(rating, comment)| RatedComment { rating, comment })
                    .collect(),
            },
            revisits: d
                .revisits
                .into_iter()
                .map(|r| RevisitRecordView { visitor: r.visitor, note: r.note, at: rfc3339(r.at) })
                .collect(),
            courtyard: d.courtyard.map(|c| CourtyardRecordView {
                meeting_title: c.meeting_title,
                anonymous: c.anonymous,
                answer_due: rfc3339(c.answer_due),
                answer: c.answer,
                answered_at: at(c.answered_at),
                revisited_at: at(c.revisited_at),
            }),
            generated_at: rfc3339(d.generated_at),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The printable file

/// Beijing time, as the archive reads it.
fn local(t: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|t| t.with_timezone(&domain::calendar::beijing()).format("%Y年%m月%d日 %H:%M").to_string())
        .unwrap_or_default()
}

fn local_opt(t: &Option<String>) -> String {
    t.as_deref().map(local).unwrap_or_else(|| "—".to_owned())
}

fn decided_by(word: &str) -> &'static str {
    match word {
        "council" => "村民议事会",
        "committees" => "村两委",
        "assembly_vote" => "村民（代表）会议表决",
        "department" => "县级职能部门",
        _ => "—",
    }
}

fn outcome_name(word: &str) -> &'static str {
    match word {
        "passed" => "通过",
        "failed" => "未通过",
        "no_quorum" => "未达法定人数，表决无效",
        "counted" => "计票公布（无表决规则）",
        _ => "—",
    }
}

fn electorate_name(word: &str) -> &'static str {
    match word {
        "residents" => "全体村（居）民",
        "adults" => "年满十八周岁村民",
        "representatives" => "村民代表",
        "households" => "每户一票",
        _ => "—",
    }
}

fn poll_kind_name(word: &str) -> &'static str {
    match word {
        "single" => "单选",
        "multiple" => "多选",
        "approval" => "赞成投票",
        "motion" => "议案表决（同意／反对／弃权）",
        _ => "—",
    }
}

fn tier_name(word: Option<&str>) -> &'static str {
    match word {
        Some("private") => "私事",
        Some("small") => "小事",
        Some("big") => "大事",
        Some("major") => "要事",
        _ => "未分流",
    }
}

fn event_name(kind: &str) -> &str {
    match kind {
        "raised" => "提出议题",
        "triaged" => "三事分流",
        "merged" => "合并",
        "absorbed" => "并入议题",
        "declined" => "不予受理",
        "triage_overdue" => "超期未分流提醒",
        "moderated" => "内容审核",
        "suggested" => "提交民情建议单",
        "resolved" => "形成决议",
        "guided" => "引导办结",
        "evaluation_opened" => "开始民评",
        "archived" => "归档",
        "meeting_announced" => "会议通知",
        "meeting_held" => "召开会议",
        "opinion_moderated" => "意见审核",
        "solicitation_opened" => "开始征求意见",
        "stakeholder_invited" => "邀约利益相关方",
        "agreement" => "签订调解协议",
        "agreement_acknowledged" => "当事人确认协议",
        "commitment_progress" => "承诺事项进展",
        "commitment_done" => "承诺事项完成",
        "commitment_overdue" => "承诺逾期，发出督办单",
        "commitment_extended" => "督办延期",
        "commitment_escalated" => "督办上报乡镇",
        "revisited" => "回访",
        "ledger_answered" => "屋场会问题答复",
        "ledger_overdue" => "屋场会问题逾期",
        "ledger_revisited" => "屋场会问题回访",
        "put_to_vote" => "交付表决",
        "vote_published" => "表决结果公布",
        "vote_cancelled" => "表决取消",
        other => other,
    }
}

/// What a suggestion or supervision sheet says, as its writer put it.
fn sheet_text(body: &serde_json::Value) -> String {
    let field = |k: &str| body.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    match (field("suggestion"), field("commitment")) {
        (s, _) if !s.is_empty() => s,
        (_, c) if !c.is_empty() => format!("承诺事项“{c}”已逾期，请督促办理"),
        _ => field("body"),
    }
}

const PRINT_CSS: &str = r#"
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", serif; color: #111; font-size: 11pt; line-height: 1.6; max-width: 780px; margin: 0 auto; }
header { text-align: center; border-bottom: 2px solid #8b0000; margin-bottom: 12px; }
header h1 { font-size: 20pt; margin: 4px 0; letter-spacing: 4px; }
header .sub { color: #555; }
h2 { font-size: 13pt; border-left: 4px solid #8b0000; padding-left: 8px; margin: 18px 0 6px; page-break-after: avoid; }
table { width: 100%; border-collapse: collapse; margin: 4px 0 8px; page-break-inside: auto; }
th, td { border: 1px solid #999; padding: 4px 6px; vertical-align: top; text-align: left; }
th { background: #f3f3f3; width: 18%; white-space: nowrap; }
tr { page-break-inside: avoid; }
.muted { color: #666; }
footer { margin-top: 18px; border-top: 1px solid #999; font-size: 9pt; color: #555; }
.sign { margin-top: 24px; display: flex; justify-content: space-between; }
@media print { a { color: inherit; text-decoration: none; } }
"#;

/// The file as a document a person reads and prints.
pub fn render(d: &DossierView) -> Markup {
    let m = &d.matter;
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                title { "一事一档 · " (m.title) }
                style { (PreEscaped(PRINT_CSS)) }
            }
            body {
                header {
                    div.sub { (d.village_name) " · 村（居）民议事协商档案" }
                    h1 { "一事一档" }
                    div.sub { "档案编号 " (m.id) }
                }
                h2 { "一、议题基本信息（民情记录单）" }
                table {
                    tr { th { "议题" } td { (m.title) } }
                    tr { th { "内容" } td { (m.body) } }
                    tr { th { "范围" } td { (m.scope.name) } }
                    tr { th { "提出人" } td { (m.author.display_name) @if let Some(p) = &m.proxy { span.muted { "（由 " (p.display_name) " 代办）" } } } }
                    tr { th { "提出时间" } td { (local(&m.raised_at)) } }
                    tr { th { "当前状态" } td { (m.status_label) } }
                    tr { th { "支持人数" } td { (m.supports) } }
                }
                h2 { "二、三事分流" }
                table {
                    tr { th { "类别" } td { (tier_name(m.tier.as_deref())) } }
                    tr { th { "办理方式" } td { (m.handled_by.clone().unwrap_or_else(|| "—".into())) } }
                    tr { th { "分流说明" } td { (m.triage_note.clone().unwrap_or_else(|| "—".into())) } }
                    tr { th { "分流时间" } td { (local_opt(&m.triaged_at)) } }
                    @if let Some(case) = &m.case {
                        tr { th { "部门办理" } td { "事件 " (case.id) "，状态：" (case.status) @if let Some(o) = &case.outcome { "，结果：" (o) } } }
                    }
                }
                h2 { "三、民议：意见征集" }
                @if let Some(w) = &d.solicitation {
                    p { "征集期：" (local(&w.opens_at)) " 至 " (local(&w.closes_at)) }
                }
                p { "共收到意见 " (d.opinions.total) " 条（其中回复 " (d.opinions.replies) " 条，未公开 " (d.opinions.withheld) " 条），获得支持 " (d.opinions.supports) " 次。" }
                @if !d.opinions.top.is_empty() {
                    table {
                        tr { th { "意见人" } th { "主要意见" } th { "支持" } }
                        @for o in &d.opinions.top { tr { td { (o.author) } td { (o.body) } td { (o.supports) } } }
                    }
                }
                h2 { "四、议事会议" }
                @if d.meetings.is_empty() { p.muted { "无" } }
                @for mt in &d.meetings {
                    table {
                        tr { th { "会议" } td { (mt.title) @if mt.courtyard { "（屋场会）" } } }
                        tr { th { "时间地点" } td { (local_opt(&mt.starts_at)) " " (mt.place.clone().unwrap_or_default()) } }
                        tr { th { "应到 / 实到" } td { (mt.invited) " / " (mt.attendees.len()) "：" (mt.attendees.join("、")) } }
                        tr { th { "会议纪要" } td { (mt.minutes.clone().unwrap_or_else(|| "—".into())) } }
                        tr { th { "本议题结论" } td { (mt.outcome.clone().unwrap_or_else(|| "—".into())) } }
                    }
                }
                h2 { "五、民识：决议" }
                @match &d.resolution {
                    Some(r) => table {
                        tr { th { "决策主体" } td { (decided_by(&r.decided_by)) } }
                        tr { th { "决议内容" } td { (r.body) } }
                        tr { th { "决议时间" } td { (local(&r.decided_at)) "，记录人 " (r.recorded_by) } }
                        @if let Some(v) = &r.vote_ref { tr { th { "表决依据" } td { (v) } } }
                    },
                    None => p.muted { "尚未形成决议" },
                }
                @for v in &d.votes {
                    h2 { "交付表决（云票选）" }
                    table {
                        tr { th { "表决事项" } td { (v.title) "（" (poll_kind_name(&v.kind)) "）" } }
                        tr { th { "投票范围" } td { (electorate_name(&v.electorate)) "，名册 " (v.electorate_size) " 人（户）" } }
                        tr { th { "投票时间" } td { (local(&v.opens_at)) " 至 " (local(&v.closes_at)) } }
                        tr { th { "参与情况" } td { "收到选票 " (v.ballots) " 张，参与率 " (format!("{:.1}", v.turnout_percent)) "%" } }
                        @for c in &v.counts { tr { th.muted { (c.text) } td { (c.count) " 票" } } }
                        tr { th { "表决结果" } td { strong { (outcome_name(&v.outcome)) } "，公布于 " (local(&v.published_at)) } }
                        tr { th { "公示摘要" } td.muted { "选票链摘要 " (v.board_digest) br; "名册哈希 " (v.roll_hash.clone().unwrap_or_else(|| "—".into())) } }
                    }
                }
                @for a in &d.agreements {
                    h2 { "调解协议" }
                    p { (a.body) }
                    table {
                        tr { th { "当事人" } th { "确认" } }
                        @for p in &a.parties { tr { td { (p.name) } td { (local_opt(&p.acknowledged_at)) @if p.method.as_deref() == Some("paper") { "（纸质签字）" } } } }
                    }
                }
                h2 { "六、承诺事项（有诺必践）" }
                @if d.commitments.is_empty() { p.muted { "无" } }
                @for c in &d.commitments {
                    table {
                        tr { th { "事项" } td { (c.what) } }
                        tr { th { "责任人" } td { (c.owner) } }
                        tr { th { "期限" } td { (local(&c.due_at)) @if c.extensions > 0 { "（经监委会延期）" } } }
                        tr { th { "完成情况" } td { @if c.status == "done" { "已完成 " (local_opt(&c.done_at)) } @else { (c.status) } } }
                        @for p in &c.progress { tr { th.muted { "进展" } td { (local(&p.at)) " " (p.author) "：" (p.body) } } }
                    }
                }
                h2 { "七、督办与建议" }
                @let sheets: Vec<&SheetView> = d.sheets.iter().filter(|s| s.kind != "record").collect();
                @if sheets.is_empty() { p.muted { "无" } }
                @for s in sheets {
                    p { @if s.kind == "supervision" { "民情督办单" } @else { "民情建议单" } "（" (local(&s.created_at)) "）：" (sheet_text(&s.body)) }
                }
                h2 { "八、民评" }
                p {
                    "参评 " (d.evaluation.count) " 人" @if let Some(avg) = d.evaluation.average { "，平均 " (format!("{avg:.2}")) " 分（满分 5 分）" } "。"
                }
                @for r in &d.revisits { p { "回访（" (local(&r.at)) "，" (r.visitor) "）：" (r.note) } }
                h2 { "九、全过程记录" }
                table {
                    tr { th { "时间" } th { "环节" } th { "经办" } th { "说明" } }
                    @for e in &m.timeline {
                        tr {
                            td { (local(&e.at)) }
                            td { (event_name(&e.kind)) }
                            td { (e.actor.as_ref().map(|a| a.display_name.clone()).unwrap_or_else(|| "系统".into())) }
                            td { (e.note.clone().unwrap_or_default()) }
                        }
                    }
                }
                div.sign { span { "经办人（签字）：" } span { "监委会（盖章）：" } span { "归档日期：" } }
                footer {
                    p {
                        "依据：" @match &d.rules_of_procedure { Some(r) => { (r.title) "（第 " (r.version) " 版）" }, None => "本村议事协商规则" }
                        "。生成时间：" (local(&d.generated_at)) "。"
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// The whole record of a matter (一事一档) as JSON: every step with who and when, every sheet,
/// meetings, resolution, commitments, evaluations. Staff of its scope who triage or deliberate;
/// each read is audited.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = DossierView), (status = 403, body = ErrorBody)))]
#[get("/matters/{id}/dossier")]
pub async fn matter_dossier(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MatterId>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), state.clock.now().naive_utc(), id.into_inner());
    let dossier = state.db.run(move |conn| file::dossier(conn, &caller, id.as_str(), now)).await?;
    Ok(HttpResponse::Ok().json(DossierView::from(dossier)))
}

/// The same file as a printable page (HTML with a print stylesheet) for the village archive.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, content_type = "text/html", body = String), (status = 403, body = ErrorBody)))]
#[get("/matters/{id}/dossier.html")]
pub async fn matter_dossier_page(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MatterId>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), state.clock.now().naive_utc(), id.into_inner());
    let dossier = state.db.run(move |conn| file::dossier(conn, &caller, id.as_str(), now)).await?;
    let page = render(&DossierView::from(dossier)).into_string();
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(page))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShowcaseItemView {
    pub id: String,
    pub title: String,
    pub tier: Option<String>,
    pub status: String,
    pub decided_by: Option<String>,
    pub resolution: Option<String>,
    pub resolved_at: Option<String>,
    pub commitments: i64,
    pub commitments_done: i64,
    pub average_rating: Option<f64>,
}

impl From<ShowcaseItem> for ShowcaseItemView {
    fn from(i: ShowcaseItem) -> Self {
        let (decided_by, resolution) = i.resolution.map(|(by, body, _)| (Some(by), Some(body))).unwrap_or((None, None));
        Self {
            id: i.row.id,
            title: i.row.title,
            tier: i.row.tier,
            status: i.row.status,
            decided_by,
            resolution,
            resolved_at: i.row.resolved_at.map(rfc3339),
            commitments: i.commitments,
            commitments_done: i.commitments_done,
            average_rating: i.average_rating,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShowcaseList {
    pub items: Vec<ShowcaseItemView>,
}

/// The village's results showcase (成果展示): its resolved village-wide matters, newest first —
/// public village affairs, readable without logging in; it names nobody.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = ShowcaseList)))]
#[get("/org-units/{id}/matter-showcase")]
pub async fn matter_showcase(state: web::Data<AppState>, id: web::Path<OrgUnitId>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().into_string();
    let items = state.db.run(move |conn| file::showcase(conn, &id, 100)).await?;
    Ok(HttpResponse::Ok().json(ShowcaseList { items: items.into_iter().map(ShowcaseItemView::from).collect() }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportQuery {
    /// The month, Beijing time.
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2026-12")]
    pub month: String,
}

impl ReportQuery {
    fn parse(&self) -> Result<(i32, u32), ApiError> {
        let bad = || ApiError::invalid_field("month", "YYYY-MM");
        let (y, m) = self.month.split_once('-').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if y.len() != 4 || m.len() != 2 || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok((year, month))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TierCount {
    pub tier: String,
    pub count: i64,
}

/// A month of a village's deliberation (implementation report).
#[derive(Debug, Serialize, ToSchema)]
pub struct MatterReport {
    pub month: String,
    pub raised: i64,
    pub triaged_by_tier: Vec<TierCount>,
    /// Triaged in the month by their deadline.
    pub triaged_on_time: i64,
    pub resolved: i64,
    pub commitments_due: i64,
    pub commitments_on_time: i64,
    pub commitments_overdue: i64,
    pub ratings: i64,
    pub average_satisfaction: Option<f64>,
    pub courtyard_items: i64,
    pub courtyard_answered: i64,
    pub courtyard_revisited: i64,
}

/// The monthly implementation report of a village: raised, triaged by tier and on time,
/// resolved, commitments on time and overdue, satisfaction, courtyard-meeting items.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path), ReportQuery), responses((status = 200, body = MatterReport), (status = 403, body = ErrorBody)))]
#[get("/org-units/{id}/matter-report")]
pub async fn matter_report(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
    query: Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, q, now) =
        (auth.0, id.into_inner().into_string(), query.into_inner(), state.clock.now().naive_utc());
    let month = q.parse()?;
    let r = state.db.run(move |conn| file::monthly(conn, &principal, &id, month, now)).await?;
    Ok(HttpResponse::Ok().json(MatterReport::new(q.month, r)))
}

impl MatterReport {
    fn new(month: String, r: file::MonthlyReport) -> Self {
        Self {
            month,
            raised: r.raised,
            triaged_by_tier: r.triaged_by_tier.into_iter().map(|(tier, count)| TierCount { tier, count }).collect(),
            triaged_on_time: r.triaged_on_time,
            resolved: r.resolved,
            commitments_due: r.commitments_due,
            commitments_on_time: r.commitments_on_time,
            commitments_overdue: r.commitments_overdue,
            ratings: r.ratings,
            average_satisfaction: r.average_satisfaction,
            courtyard_items: r.courtyard_items,
            courtyard_answered: r.courtyard_answered,
            courtyard_revisited: r.courtyard_revisited,
        }
    }
}
