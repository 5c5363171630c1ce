//! The monthly report of an org unit: its figures, its child units' and the last twelve months,
//! as an HTML document with inline SVG charts (plotters), a PNG of the charts (resvg), an XLSX
//! workbook (rust_xlsxwriter) and a CSV (UTF-8 with a BOM, so Excel reads the Chinese).
//!
//! Statements: the unit (1), its children (1), their figures (14), and twelve months of the
//! unit's own (12 × 14): bounded whatever the number of child units.

use domain::cases::SatisfiedFrom;
use domain::identity::principal::Principal;
use domain::stats::figures::{Month, MonthlyFigures, Ratio};
use plotters::prelude::*;

use super::figures::{for_units, readable_unit};
use super::StatsError;
use crate::identity::queries::org;
use crate::DbConn;

/// The font family the charts ask for; the PNG renderer falls back to any CJK font it finds.
pub const CJK_FAMILY: &str = "Noto Sans CJK SC";

/// What a report shows.
#[derive(Debug, Clone)]
pub struct MonthlyReport {
    pub unit_id: String,
    pub unit_name: String,
    pub month: Month,
    pub figures: MonthlyFigures,
    /// (name, figures) per child unit, by name.
    pub children: Vec<(String, MonthlyFigures)>,
    /// The twelve months ending with this one, oldest first.
    pub series: Vec<(Month, MonthlyFigures)>,
}

/// Gathers a report for those who may read the unit's figures.
pub fn gather(
    conn: &mut DbConn,
    principal: &Principal,
    unit_id: &str,
    month: Month,
    satisfied_from: SatisfiedFrom,
) -> Result<MonthlyReport, StatsError> {
    let unit = readable_unit(conn, principal, unit_id)?;
    let children = org::children(conn, Some(&unit.id))?;
    let ids: Vec<String> = children.iter().map(|c| c.id.clone()).collect();
    let figures = for_units(conn, &ids, month, satisfied_from)?;
    let children = children.into_iter().map(|c| c.name).zip(figures).collect();
    let mut series = Vec::new();
    for m in month.trailing(12) {
        let f = for_units(conn, std::slice::from_ref(&unit.id), m, satisfied_from)?.pop().unwrap_or_default();
        series.push((m, f));
    }
    let this = series.last().map(|(_, f)| f.clone()).unwrap_or_default();
    Ok(MonthlyReport { unit_id: unit.id, unit_name: unit.name, month, figures: this, children, series })
}

fn pct(r: Ratio) -> String {
    r.rate().map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(|| "—".to_owned())
}

/// (label, value as text) of every headline figure, in report order.
pub fn rows(f: &MonthlyFigures) -> Vec<(&'static str, String)> {
    let (c, d, v, p, a) = (f.cases, f.deliberation, f.voting, f.points, f.participation.active_residents);
    let of = |r: Ratio| format!("{}/{} ({})", r.part, r.whole, pct(r));
    vec![
        ("案件受理数", c.received.to_string()),
        ("案件办结数", c.resolved.whole.to_string()),
        ("解决率", of(c.resolved)),
        ("按时办结率", of(c.on_time)),
        ("满意率", of(c.satisfied)),
        ("议事事项数", d.raised.to_string()),
        ("私事", d.private.to_string()),
        ("小事", d.small.to_string()),
        ("大事", d.big.to_string()),
        ("要事", d.major.to_string()),
        ("转政府部门", d.government.to_string()),
        ("承诺按期兑现", of(d.commitments_on_time)),
        ("承诺逾期", d.commitments_overdue.to_string()),
        ("议事满意度", of(d.satisfied)),
        ("结束投票数", v.polls.to_string()),
        ("投票率", of(v.turnout)),
        ("积分生效条数", p.entries.to_string()),
        ("发放积分", p.points_awarded.to_string()),
        ("兑换次数", p.redemptions.to_string()),
        ("兑换积分", p.points_redeemed.to_string()),
        ("活跃居民", of(a)),
    ]
}

/// Numbers only (counts; a rate as its part, whole and rate), for the spreadsheet and CSV.
pub fn numbers(f: &MonthlyFigures) -> Vec<(&'static str, f64)> {
    let (c, d, v, p, a) = (f.cases, f.deliberation, f.voting, f.points, f.participation.active_residents);
    let mut out = vec![
        ("案件受理数", c.received as f64),
        ("案件办结数", c.resolved.whole as f64),
        ("解决数", c.resolved.part as f64),
        ("按时办结数", c.on_time.part as f64),
        ("满意数", c.satisfied.part as f64),
        ("议事事项数", d.raised as f64),
        ("私事", d.private as f64),
        ("小事", d.small as f64),
        ("大事", d.big as f64),
        ("要事", d.major as f64),
        ("转政府部门", d.government as f64),
        ("到期承诺", d.commitments_on_time.whole as f64),
        ("按期兑现承诺", d.commitments_on_time.part as f64),
        ("逾期承诺", d.commitments_overdue as f64),
        ("议事评价数", d.satisfied.whole as f64),
        ("议事满意数", d.satisfied.part as f64),
        ("结束投票数", v.polls as f64),
        ("应投票人数", v.turnout.whole as f64),
        ("实投票数", v.turnout.part as f64),
        ("积分生效条数", p.entries as f64),
        ("发放积分", p.points_awarded as f64),
        ("兑换次数", p.redemptions as f64),
        ("兑换积分", p.points_redeemed as f64),
        ("居民数", a.whole as f64),
        ("活跃居民数", a.part as f64),
    ];
    for (label, r) in [("解决率", c.resolved), ("满意率", c.satisfied), ("投票率", v.turnout), ("活跃率", a)]
    {
        out.push((label, r.rate().unwrap_or(f64::NAN)));
    }
    out
}

fn draw_err(e: impl std::fmt::Display) -> StatsError {
    StatsError::Report(e.to_string())
}

/// The charts as one SVG: this month's figures per child unit (bars) and the last twelve
/// months (lines: cases received and resolved; resolution, satisfaction, turnout and active
/// residents' rates).
pub fn charts_svg(r: &MonthlyReport) -> Result<String, StatsError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 1050)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let title = format!("{} {} 月度报告", r.unit_name, r.month);
        let root = root.titled(&title, (CJK_FAMILY, 28)).map_err(draw_err)?;
        let (top, rest) = root.split_vertically(340);
        let (middle, bottom) = rest.split_vertically(340);
        bars(&top, r)?;
        let months: Vec<String> = r.series.iter().map(|(m, _)| format!("{:02}月", m.month())).collect();
        let received: Vec<Option<f64>> = r.series.iter().map(|(_, f)| Some(f.cases.received as f64)).collect();
        let resolved: Vec<Option<f64>> = r.series.iter().map(|(_, f)| Some(f.cases.resolved.part as f64)).collect();
        lines(&middle, "近12个月案件（件）", &months, &[("受理", received, BLUE), ("解决", resolved, GREEN)], None)?;
        // A month with nothing to count has no rate: a gap in the line, not a fall to 0 %.
        let rate = |get: fn(&MonthlyFigures) -> Ratio| -> Vec<Option<f64>> {
            r.series.iter().map(|(_, f)| get(f).rate().map(|x| x * 100.0)).collect()
        };
        lines(
            &bottom,
            "近12个月比率（%）",
            &months,
            &[
                ("解决率", rate(|f| f.cases.resolved), BLUE),
                ("满意率", rate(|f| f.cases.satisfied), GREEN),
                ("投票率", rate(|f| f.voting.turnout), RED),
                ("活跃居民", rate(|f| f.participation.active_residents), MAGENTA),
            ],
            Some(100.0),
        )?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

fn bars(area: &Area<'_>, r: &MonthlyReport) -> Result<(), StatsError> {
    let (names, values): (Vec<String>, Vec<[u64; 3]>) = if r.children.is_empty() {
        (vec![r.unit_name.clone()], vec![triple(&r.figures)])
    } else {
        r.children.iter().map(|(n, f)| (n.clone(), triple(f))).unzip()
    };
    let top = values.iter().flat_map(|v| v.iter().copied()).max().unwrap_or(0).max(1) as f64 * 1.15;
    let n = names.len();
    let mut chart = ChartBuilder::on(area)
        .caption(format!("{} 各单位本月数据", r.month), (CJK_FAMILY, 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d(0f64..n as f64, 0f64..top)
        .map_err(draw_err)?;
    let label = |x: &f64| names.get(x.floor() as usize).filter(|_| x.fract() == 0.5).cloned().unwrap_or_default();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n * 2 + 1)
        .x_label_formatter(&|x| label(x))
        .label_style((CJK_FAMILY, 14))
        .draw()
        .map_err(draw_err)?;
    let series = [("案件受理", BLUE), ("案件解决", GREEN), ("活跃居民", RED)];
    for (k, (name, color)) in series.into_iter().enumerate() {
        let rects = values.iter().enumerate().map(|(i, v)| {
            let x0 = i as f64 + 0.15 + k as f64 * 0.23;
            Rectangle::new([(x0, 0.0), (x0 + 0.2, v[k] as f64)], color.filled())
        });
        chart
            .draw_series(rects)
            .map_err(draw_err)?
            .label(name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .label_font((CJK_FAMILY, 14))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(draw_err)
}

fn triple(f: &MonthlyFigures) -> [u64; 3] {
    [f.cases.received, f.cases.resolved.part, f.participation.active_residents.part]
}

fn lines(
    area: &Area<'_>,
    caption: &str,
    months: &[String],
    series: &[(&str, Vec<Option<f64>>, RGBColor)],
    max: Option<f64>,
) -> Result<(), StatsError> {
    let top =
        max.unwrap_or_else(|| series.iter().flat_map(|s| s.1.iter().flatten().copied()).fold(1.0, f64::max) * 1.15);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (CJK_FAMILY, 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d(0f64..(months.len().max(2) - 1) as f64, 0f64..top)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .x_labels(months.len())
        .x_label_formatter(&|x| months.get(x.round() as usize).cloned().unwrap_or_default())
        .label_style((CJK_FAMILY, 14))
        .draw()
        .map_err(draw_err)?;
    for (name, values, color) in series {
        let color = *color;
        // Each run of months with a value is its own line; every value gets a dot, so a month
        // alone between gaps still shows.
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (i, value) in values.iter().enumerate() {
            match value {
                Some(v) => runs.last_mut().map(|run| run.push((i as f64, *v))).unwrap_or_default(),
                None if runs.last().is_some_and(|run| !run.is_empty()) => runs.push(Vec::new()),
                None => {}
            }
        }
        for run in runs.iter().filter(|run| run.len() > 1) {
            chart.draw_series(LineSeries::new(run.iter().copied(), color.stroke_width(2))).map_err(draw_err)?;
        }
        chart
            .draw_series(runs.iter().flatten().map(|&point| Circle::new(point, 3, color.filled())))
            .map_err(draw_err)?
            .label(*name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
    }
    // Top left: the months that matter most, the latest, are on the right.
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((CJK_FAMILY, 14))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(draw_err)
}

/// Whether a CJK font is installed for the PNG (`fonts-noto-cjk` on Debian).
pub fn fonts() -> resvg::usvg::fontdb::Database {
    let mut db = resvg::usvg::fontdb::Database::new();
    db.load_system_fonts();
    db.set_sans_serif_family(CJK_FAMILY);
    db
}

/// The charts rasterized: a PNG.
pub fn png(svg: &str) -> Result<Vec<u8>, StatsError> {
    use resvg::{tiny_skia, usvg};
    let options = usvg::Options {
        font_family: CJK_FAMILY.to_owned(),
        fontdb: std::sync::Arc::new(fonts()),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(draw_err)?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| draw_err("an empty picture"))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(draw_err)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The report as one HTML document, charts inline.
pub fn html(r: &MonthlyReport, svg: &str) -> String {
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{name} {month} 月度报告</title>\
         <style>body{{font-family:'{CJK_FAMILY}',sans-serif;margin:2em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #999;padding:4px 8px;text-align:right}}th{{background:#eee}}</style></head><body>\
         <h1>{name} {month} 月度报告</h1><h2>主要数据</h2><table>",
        name = escape(&r.unit_name),
        month = r.month
    );
    for (label, value) in rows(&r.figures) {
        out += &format!("<tr><th>{label}</th><td>{}</td></tr>", escape(&value));
    }
    out += "</table>";
    if !r.children.is_empty() {
        out += "<h2>各下级单位</h2><table><tr><th>单位</th>";
        for (label, _) in rows(&MonthlyFigures::default()) {
            out += &format!("<th>{label}</th>");
        }
        out += "</tr>";
        for (name, f) in &r.children {
            out += &format!("<tr><th>{}</th>", escape(name));
            for (_, value) in rows(f) {
                out += &format!("<td>{}</td>", escape(&value));
            }
            out += "</tr>";
        }
        out += "</table>";
    }
    out += "<h2>图表</h2>";
    out += svg.trim_start_matches(|c| c != '<').split_once("?>").map(|(_, s)| s).unwrap_or(svg);
    out += "</body></html>";
    out
}

/// A spreadsheet: the figures, a sheet per child unit, and the twelve-month series.
pub fn xlsx(r: &MonthlyReport) -> Result<Vec<u8>, StatsError> {
    use rust_xlsxwriter::Workbook;
    let mut book = Workbook::new();
    let err = |e: rust_xlsxwriter::XlsxError| StatsError::Report(e.to_string());
    let write =
        |sheet: &mut rust_xlsxwriter::Worksheet, f: &MonthlyFigures| -> Result<(), rust_xlsxwriter::XlsxError> {
            sheet.write_string(0, 0, "指标")?;
            sheet.write_string(0, 1, "数值")?;
            for (i, (label, value)) in numbers(f).into_iter().enumerate() {
                let row = i as u32 + 1;
                sheet.write_string(row, 0, label)?;
                if value.is_finite() {
                    sheet.write_number(row, 1, value)?;
                }
            }
            Ok(())
        };
    let sheet = book.add_worksheet().set_name("本月数据").map_err(err)?;
    write(sheet, &r.figures).map_err(err)?;
    for (i, (name, f)) in r.children.iter().enumerate() {
        let title: String = format!("{}-{}", i + 1, domain::cases::spreadsheet_safe(name))
            .chars()
            .filter(|c| !"[]:*?/\\'".contains(*c))
            .take(31)
            .collect();
        let sheet = book.add_worksheet().set_name(title).map_err(err)?;
        write(sheet, f).map_err(err)?;
    }
    let sheet = book.add_worksheet().set_name("近12个月").map_err(err)?;
    sheet.write_string(0, 0, "月份").map_err(err)?;
    for (j, (label, _)) in numbers(&MonthlyFigures::default()).into_iter().enumerate() {
        sheet.write_string(0, j as u16 + 1, label).map_err(err)?;
    }
    for (i, (m, f)) in r.series.iter().enumerate() {
        sheet.write_string(i as u32 + 1, 0, m.to_string()).map_err(err)?;
        for (j, (_, value)) in numbers(f).into_iter().enumerate() {
            if value.is_finite() {
                sheet.write_number(i as u32 + 1, j as u16 + 1, value).map_err(err)?;
            }
        }
    }
    book.save_to_buffer().map_err(err)
}

/// A CSV, UTF-8 with a BOM: one row per unit (the unit, then each child), one column a figure.
pub fn csv(r: &MonthlyReport) -> Vec<u8> {
    let cell = |text: &str| {
        let text = domain::cases::spreadsheet_safe(text);
        if text.contains([',', '"', '\n']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text
        }
    };
    let mut out = String::from("\u{feff}单位,月份");
    for (label, _) in numbers(&MonthlyFigures::default()) {
        out += &format!(",{label}");
    }
    out += "\r\n";
    let mut line = |name: &str, f: &MonthlyFigures| {
        out += &format!("{},{}", cell(name), r.month);
        for (_, value) in numbers(f) {
            if value.is_finite() {
                out += &format!(",{}", (value * 10000.0).round() / 10000.0);
            } else {
                out += ",";
            }
        }
        out += "\r\n";
    };
    line(&r.unit_name, &r.figures);
    for (name, f) in &r.children {
        line(name, f);
    }
    out.into_bytes()
}
