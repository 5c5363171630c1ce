//! The monthly report: HTML with charts, a PNG that decodes and is not blank, an XLSX whose
//! sheets hold the numbers, a CSV with a BOM and the numbers; with the denials.

use std::io::Read;

use reqwest::StatusCode;
use yishi_tests::spawn_app;

use super::figures::{seed, Seeded};

async fn fetch(app: &yishi_tests::TestApp, token: &str, path: &str) -> (StatusCode, String, Vec<u8>) {
    let res = app.get_as(token, path).await;
    let status = res.status();
    let kind = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (status, kind, res.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn the_monthly_report_renders_as_html_png_xlsx_and_csv_with_the_numbers() {
    let app = spawn_app().await;
    let Seeded { w, .. } = seed(&app).await;
    let officer = &w.officer.token;
    let path = |ext: &str| format!("/api/v1/org-units/{}/reports/monthly.{ext}?month=2026-11", w.township);

    let (status, kind, html) = fetch(&app, officer, &path("html")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/html"), "{kind}");
    let html = String::from_utf8(html).unwrap();
    for needle in ["杨市镇 2026-11 月度报告", "杨家村", "李家村", "<svg", "近12个月案件", "案件受理数", "3/4 (75.0%)"]
    {
        assert!(html.contains(needle), "{needle} missing");
    }

    let (status, kind, png) = fetch(&app, officer, &path("png")).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "image/png"));
    let picture = image::load_from_memory(&png).unwrap().to_rgb8();
    assert_eq!(picture.dimensions(), (1000, 1050));
    let colours: std::collections::HashSet<[u8; 3]> = picture.pixels().map(|p| p.0).collect();
    assert!(colours.len() > 20, "a real picture: {} colours", colours.len());
    if std::env::var("YISHI_REPORT_PNG").is_ok() {
        std::fs::write(std::env::var("YISHI_REPORT_PNG").unwrap(), &png).unwrap();
    }

    let (status, _, xlsx) = fetch(&app, officer, &path("xlsx")).await;
    assert_eq!(status, StatusCode::OK);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut text).unwrap();
        text
    };
    let book = read("xl/workbook.xml");
    for sheet in ["本月数据", "1-李家村", "2-杨家村", "近12个月"] {
        assert!(book.contains(sheet), "sheet {sheet}: {book}");
    }
    let strings = read("xl/sharedStrings.xml");
    assert!(strings.contains("案件受理数") && strings.contains("活跃居民数"));
    // The township's sheet: received 3, awarded 18, residents 6, active 4.
    let figures = read("xl/worksheets/sheet1.xml");
    for v in ["<v>3</v>", "<v>18</v>", "<v>6</v>", "<v>4</v>"] {
        assert!(figures.contains(v), "{v} in {figures}");
    }

    let (status, kind, csv) = fetch(&app, officer, &path("csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/csv"));
    assert_eq!(&csv[..3], b"\xEF\xBB\xBF", "a BOM for Excel");
    let csv = String::from_utf8(csv[3..].to_vec()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("单位,月份,案件受理数,案件办结数,解决数"));
    assert!(lines[1].starts_with("杨市镇,2026-11,3,2,1,2,1,2,"), "{}", lines[1]);
    assert!(lines[3].starts_with("杨家村,2026-11,3,2,1,"), "{}", lines[3]);
    assert!(lines[1].ends_with(",0.5,0.5,0.6667,0.6667"), "{}", lines[1]);

    // Denials as for the figures, and a bad month.
    let for_a = |ext: &str| format!("/api/v1/org-units/{}/reports/monthly.{ext}?month=2026-11", w.village_b);
    assert_eq!(app.get_as(&w.cadre_a.token, &for_a("csv")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&w.cadre_a.token, &path("xlsx")).await.status(), StatusCode::NOT_FOUND);
    let bad = format!("/api/v1/org-units/{}/reports/monthly.png?month=2026-00", w.township);
    assert_eq!(app.get_as(officer, &bad).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
