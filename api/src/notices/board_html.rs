//! The public board as a page (maud escapes every value): phone width first, large type for
//! elderly readers, Chinese, no script.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::board_dto::{BoardRatioView, BoardView};

const CSS: &str = "
*{box-sizing:border-box}
body{margin:0;font-family:'Noto Sans CJK SC','Noto Sans SC','PingFang SC','Microsoft YaHei',sans-serif;font-size:20px;line-height:1.6;color:#1a1a1a;background:#f4f1ea}
header{background:#b71c1c;color:#fff;padding:20px 16px}
header h1{margin:0;font-size:30px}
header p{margin:4px 0 0;font-size:18px}
section{background:#fff;margin:12px 10px;padding:14px 16px;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h2{margin:0 0 10px;font-size:24px;color:#b71c1c;border-left:6px solid #b71c1c;padding-left:10px}
h3{margin:12px 0 4px;font-size:21px}
.card{border-top:1px solid #e5e0d5;padding:10px 0}
.card:first-of-type{border-top:none}
.muted{color:#555;font-size:18px}
.phone{font-size:20px;font-weight:bold;letter-spacing:1px}
ol{margin:4px 0 4px 1.2em;padding:0}
.figs{display:grid;grid-template-columns:1fr 1fr;gap:8px}
.fig{background:#fbf7ef;border-radius:8px;padding:8px;text-align:center}
.fig b{display:block;font-size:28px;color:#b71c1c}
.report{display:block;margin-top:12px;padding:14px;text-align:center;background:#b71c1c;color:#fff;border-radius:8px;font-size:22px;text-decoration:none}
.doc{white-space:pre-wrap}
img.attachment{display:block;max-width:100%;margin-top:8px;border-radius:6px}
";

/// The Beijing date of an RFC 3339 instant, as a resident reads it (2026年11月30日).
fn day(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| t.with_timezone(&domain::calendar::beijing()).format("%Y年%-m月%-d日").to_string())
        .unwrap_or_else(|_| at.to_owned())
}

fn rate(r: &BoardRatioView) -> String {
    r.rate.map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(|| "—".to_owned())
}

pub fn render(b: &BoardView) -> Markup {
    let r = &b.results;
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (b.village_name) " · 村务公开栏" }
                style { (PreEscaped(CSS)) }
            }
            body {
                header { h1 { (b.village_name) } p { "村务公开栏 · 五亮" } }
                section id="cadres" {
                    h2 { "一、干部亮职" }
                    @if b.cadres.is_empty() { p.muted { "暂未公布" } }
                    @for c in &b.cadres {
                        div.card {
                            h3 { (c.title) "：" (c.name) }
                            @if !c.duties.is_empty() { div { "职责：" (c.duties) } }
                            @if let Some(p) = &c.phone_masked { div.muted { "电话：" span.phone { (p) } } }
                        }
                    }
                }
                section id="powers" {
                    h2 { "二、清单亮权" }
                    @match &b.small_powers {
                        None => p.muted { "暂未公布" },
                        Some(list) => {
                            p.muted { (list.title) "（第" (list.version) "版）" }
                            @for item in &list.items {
                                div.card {
                                    h3 { (item.name) }
                                    div.muted { "类别：" (item.category) " · 行使主体：" (item.exercised_by) }
                                    ol { @for step in &item.steps { li { (step) } } }
                                    @if !item.basis.is_empty() { div.muted { "依据：" (item.basis) } }
                                }
                            }
                        }
                    }
                }
                section id="notices" {
                    h2 { "三、公开亮项" }
                    @if b.notices.is_empty() { p.muted { "暂无公开事项" } }
                    @for n in &b.notices {
                        div.card {
                            h3 { (n.title) }
                            div.muted { "公示期：" (day(&n.posted_at)) " 至 " (day(&n.posted_to)) }
                            div.doc { (n.body) }
                            @for a in &n.attachments {
                                @if a.mime.starts_with("image/") {
                                    a href=(a.url) { img.attachment src=(a.url) alt="附件图片"; }
                                } @else {
                                    div { a href=(a.url) { "附件" } }
                                }
                            }
                        }
                    }
                    @for d in &b.documents {
                        @if d.kind != "small_powers" {
                            div.card {
                                h3 { (d.kind_label) "：" (d.title) }
                                div.muted { "第" (d.version) "版，现行有效" }
                                div.doc { (d.body) }
                            }
                        }
                    }
                }
                section id="supervision" {
                    h2 { "四、监督亮责" }
                    @if let Some(c) = &b.supervision.committee {
                        div.card {
                            h3 { (c.committee) }
                            @if let Some(p) = &c.phone { div { "电话：" span.phone { (p) } } }
                            @if !c.address.is_empty() { div.muted { (c.address) } }
                        }
                    }
                    @for s in &b.supervision.supervisors {
                        div.card { "监督员：" (s.name) @if let Some(p) = &s.phone_masked { " " span.phone { (p) } } }
                    }
                    p { "发现干部违纪违规、“三小”（小微权力、小微项目、小微资金）问题，可匿名举报，我们会为您保密。" }
                    a.report href=(b.supervision.report_url) { "我要举报（匿名）" }
                }
                section id="results" {
                    h2 { "五、清廉亮效" }
                    p.muted { (r.month) " 月度数据" }
                    div.figs {
                        div.fig { b { (r.cases_received) } "受理事项" }
                        div.fig { b { (rate(&r.cases_resolved)) } "办结率" }
                        div.fig { b { (rate(&r.cases_satisfied)) } "满意率" }
                        div.fig { b { (r.matters_raised) } "议事议题" }
                        div.fig { b { (r.polls) } "村民投票" }
                        div.fig { b { (rate(&r.turnout)) } "参与率" }
                        div.fig { b { (r.points_entries) } "积分记录" }
                        div.fig { b { (r.redemptions) } "积分兑换" }
                    }
                }
            }
        }
    }
}
