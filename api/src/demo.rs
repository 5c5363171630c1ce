//! The demo county: a small, believable deployment a newcomer can click through in Swagger.
//! Loaded by `yishi seed-demo`, and by the first development run on an empty database. All in
//! one transaction, and only once: a second run changes nothing. Production refuses to start
//! while demo accounts exist.

use chrono::NaiveDateTime;
use domain::identity::roles::{Role, ScopeKind};
use infra::db::setup_tx;
use infra::identity::{audit, queries, rows, service};
use infra::{Database, InfraError};

/// Every demo staff account's password (printed in the README; development only).
pub const DEMO_PASSWORD: &str = "yishi-demo-2026";

/// What a seeding run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seeded {
    Created,
    AlreadyThere,
}

/// Whether the database holds nothing yet (no account, no org unit).
pub async fn is_empty(db: &Database) -> Result<bool, InfraError> {
    db.run(|conn| infra::identity::queries::users::nothing_yet(conn).map_err(InfraError::from)).await
}

pub async fn demo_accounts(db: &Database) -> Result<i64, InfraError> {
    db.run(|conn| queries::users::demo_accounts(conn).map_err(InfraError::from)).await
}

/// A square of `half` degrees around a point, as GeoJSON (GCJ-02, [lng, lat]).
fn square(lat: f64, lng: f64, half: f64) -> String {
    let ring = [
        (lng - half, lat - half),
        (lng + half, lat - half),
        (lng + half, lat + half),
        (lng - half, lat + half),
        (lng - half, lat - half),
    ];
    let coords: Vec<String> = ring.iter().map(|(x, y)| format!("[{x:.5},{y:.5}]")).collect();
    format!(r#"{{"type":"Polygon","coordinates":[[{}]]}}"#, coords.join(","))
}

struct Village {
    name: &'static str,
    lat: f64,
    lng: f64,
    groups: &'static [(&'static str, &'static [&'static str])],
}

const TOWNSHIPS: &[(&str, &[Village])] = &[
    (
        "杏子铺镇",
        &[
            Village {
                name: "塘湾村",
                lat: 27.4592,
                lng: 112.1931,
                groups: &[("一组", &["王家院子", "刘家院子"]), ("二组", &["李家院子"])],
            },
            Village {
                name: "黄田村",
                lat: 27.4821,
                lng: 112.2265,
                groups: &[("一组", &["黄家院子"]), ("二组", &["曾家院子"])],
            },
        ],
    ),
    (
        "青树坪镇",
        &[Village {
            name: "中心村",
            lat: 27.3957,
            lng: 112.0874,
            groups: &[("一组", &["周家院子"]), ("二组", &["彭家院子"])],
        }],
    ),
];

const DEPARTMENTS: &[&str] = &["县住建局", "县民政局", "县公安局", "县水利局", "县交通运输局"];

/// Residents: (dev WeChat name, display name, village index, group index, relation in the
/// household founded by the first of each surname).
const RESIDENTS: &[(&str, &str, usize, usize)] = &[
    ("wangjianguo", "王建国", 0, 0),
    ("wangxiuying", "王秀英", 0, 0),
    ("liuguiying", "刘桂英", 0, 0),
    ("liuzhiqiang", "刘志强", 0, 0),
    ("lichunhua", "李春华", 0, 1),
    ("limingliang", "李明亮", 0, 1),
    ("huangdefu", "黄德福", 1, 0),
    ("zengxiaoli", "曾小丽", 1, 1),
    ("zhouyonggang", "周永刚", 2, 0),
    ("zhoufang", "周芳", 2, 0),
    ("pengjun", "彭军", 2, 1),
    ("pengyumei", "彭玉梅", 2, 1),
];

pub async fn seed(db: &Database, now: NaiveDateTime, policy_version: &str) -> Result<Seeded, InfraError> {
    if demo_accounts(db).await? > 0 {
        return Ok(Seeded::AlreadyThere);
    }
    let hash =
        crate::auth::password::hash(DEMO_PASSWORD.to_owned()).await.map_err(|e| InfraError::Task(e.to_string()))?;
    let policy_version = policy_version.to_owned();
    db.run(move |conn| {
        setup_tx(conn, |conn| -> Result<Seeded, InfraError> {
            // Checked again under the startup lock: two first starts must not seed twice.
            if queries::users::demo_accounts(conn)? > 0 {
                return Ok(Seeded::AlreadyThere);
            }
            let county = service::org::insert_unit(conn, &domain::new_id(), None, "county", "双峰县", now)?;
            let mut departments = Vec::new();
            for name in DEPARTMENTS {
                let id = domain::new_id();
                service::org::insert_department(conn, &id, &county.id, name, now)?;
                departments.push(id);
            }
            // villages[i] = (village unit, big grid id, [(group unit, small grid id, buildings)])
            let mut villages = Vec::new();
            let mut townships = Vec::new();
            for (t, (township_name, township_villages)) in TOWNSHIPS.iter().enumerate() {
                let township =
                    service::org::insert_unit(conn, &domain::new_id(), Some(&county), "township", township_name, now)?;
                for (v, village) in township_villages.iter().enumerate() {
                    let unit = service::org::insert_unit(
                        conn,
                        &domain::new_id(),
                        Some(&township),
                        "village",
                        village.name,
                        now,
                    )?;
                    // Unified codes (统一编码): county, township, village, grid.
                    let code = format!("SF-{:02}-{:02}", t + 1, v + 1);
                    let big = grid(
                        conn,
                        (&unit.id, "big", &format!("{}网格", village.name), &format!("{code}-00")),
                        &square(village.lat, village.lng, 0.012),
                        now,
                    )?;
                    let mut groups = Vec::new();
                    for (g, (group_name, buildings)) in village.groups.iter().enumerate() {
                        let group =
                            service::org::insert_unit(conn, &domain::new_id(), Some(&unit), "group", group_name, now)?;
                        let offset = if g == 0 { -0.005 } else { 0.005 };
                        let small = grid(
                            conn,
                            (
                                &group.id,
                                "small",
                                &format!("{}{}网格", village.name, group_name),
                                &format!("{code}-{:02}", g + 1),
                            ),
                            &square(village.lat + offset, village.lng, 0.004),
                            now,
                        )?;
                        let mut units = Vec::new();
                        for building in *buildings {
                            units.push(service::org::insert_unit(
                                conn,
                                &domain::new_id(),
                                Some(&group),
                                "building",
                                building,
                                now,
                            )?);
                        }
                        groups.push((group, small, units));
                    }
                    villages.push((unit, big, groups));
                }
                townships.push(township);
            }

            let (tangwan, tangwan_grid, tangwan_groups) = &villages[0];
            let group_one_grid = &tangwan_groups[0].1;
            let staff: [(&str, &str, Role, ScopeKind, &str); 11] = [
                ("demo-admin", "演示管理员", Role::Admin, ScopeKind::OrgUnit, queries::grants::ROOT_SCOPE),
                ("demo-county", "县管理员", Role::CountyAdmin, ScopeKind::OrgUnit, &county.id),
                ("demo-housing", "住建局干部", Role::DepartmentOfficer, ScopeKind::Department, &departments[0]),
                ("demo-township", "镇干部", Role::TownshipOfficer, ScopeKind::OrgUnit, &townships[0].id),
                ("demo-cadre", "村干部", Role::VillageCadre, ScopeKind::OrgUnit, &tangwan.id),
                ("demo-supervisor", "监委会成员", Role::Supervisor, ScopeKind::OrgUnit, &tangwan.id),
                ("demo-representative", "村民代表", Role::Representative, ScopeKind::OrgUnit, &tangwan.id),
                ("demo-council", "议事会成员", Role::CouncilMember, ScopeKind::OrgUnit, &tangwan.id),
                ("demo-gridleader", "网格长", Role::GridLeader, ScopeKind::Grid, tangwan_grid),
                ("demo-gridworker", "网格员", Role::GridWorker, ScopeKind::Grid, group_one_grid),
                ("demo-volunteer", "志愿者", Role::Volunteer, ScopeKind::Grid, group_one_grid),
            ];
            let mut staff_ids: Vec<(&str, String)> = Vec::new();
            for (username, display_name, role, scope_kind, scope_id) in staff {
                let id = domain::new_id();
                staff_ids.push((username, id.clone()));
                service::users::insert(
                    conn,
                    &rows::NewUser {
                        must_change_password: false,
                        is_demo: true,
                        ..rows::NewUser::staff(&id, username, &hash, display_name, now)
                    },
                )?;
                let grant = queries::grants::resolve_scope(conn, role, scope_kind, scope_id)?
                    .ok_or_else(|| InfraError::Task(format!("demo scope {scope_id} missing")))?;
                service::grants::insert(conn, &domain::new_id(), &id, &grant, None, now)?;
            }

            let mut heads: Vec<(String, String)> = Vec::new(); // (surname, household id)
            for (i, (name, display_name, v, g)) in RESIDENTS.iter().enumerate() {
                let id = domain::new_id();
                let phone = format!("1380000{:04}", i + 1);
                let openid = infra::wechat::dev_openid(name);
                service::users::insert(
                    conn,
                    &rows::NewUser {
                        phone: Some(&phone),
                        is_demo: true,
                        ..rows::NewUser::resident(&id, &openid, None, display_name, now)
                    },
                )?;
                infra::identity::service::me::record_consent(conn, &id, &policy_version, now)?;
                let (_, _, groups) = &villages[*v];
                let (building, group_grid) = (&groups[*g].2[0], &groups[*g].1);
                let surname: String = display_name.chars().take(1).collect();
                let (household, relation) = match heads.iter().find(|(s, _)| *s == surname) {
                    Some((_, h)) => (h.clone(), "spouse"),
                    None => {
                        let h = domain::new_id();
                        service::residency::insert_household(
                            conn,
                            &h,
                            &building.id,
                            &format!("{display_name}家"),
                            Some(&id),
                            now,
                        )?;
                        service::org::put_on_grid(conn, group_grid, std::slice::from_ref(&h))?;
                        heads.push((surname, h.clone()));
                        (h, "head")
                    }
                };
                let application = domain::new_id();
                service::residency::insert(
                    conn,
                    &rows::NewResidency {
                        id: &application,
                        user_id: &id,
                        org_unit_id: &building.id,
                        household_id: Some(&household),
                        new_household_name: None,
                        relation,
                        proxied_by: None,
                        status: "pending",
                        created_at: now,
                    },
                )?;
                service::residency::decide(conn, &application, "approved", None, &id, now)?;
                service::residency::join_household(conn, &id, &household, relation, now)?;
            }
            demo_cases(conn, &departments, now)?;
            demo_visits(conn, group_one_grid, &heads, now)?;
            let township_ids: Vec<String> = townships.iter().map(|t| t.id.clone()).collect();
            demo_matters(conn, &township_ids, &tangwan.id, now)?;
            demo_points(conn, &tangwan.id, group_one_grid, &heads, now)?;
            demo_board(conn, &tangwan.id, &staff_ids, now)?;
            audit::append(
                conn,
                &audit::Entry {
                    action: "demo_seeded",
                    object_kind: "org_unit",
                    object_id: &county.id,
                    details: serde_json::json!({}),
                    ..Default::default()
                },
                now,
            )?;
            Ok(Seeded::Created)
        })
    })
    .await
}

/// A grid drawn in `unit`: (unit, level, name, code).
fn grid(
    conn: &mut infra::DbConn,
    (unit, level, name, code): (&str, &str, &str, &str),
    boundary: &str,
    now: NaiveDateTime,
) -> Result<String, InfraError> {
    let shape = domain::identity::org::Boundary::parse(boundary).map_err(|e| InfraError::Task(e.to_string()))?;
    let id = domain::new_id();
    service::org::insert_grid(
        conn,
        &rows::NewGrid {
            id: &id,
            org_unit_id: unit,
            level,
            name,
            boundary,
            min_lat: shape.min_lat,
            min_lng: shape.min_lng,
            max_lat: shape.max_lat,
            max_lng: shape.max_lng,
            created_at: now,
            code,
        },
    )?;
    Ok(id)
}

/// The county departments cases climb to, by category, and two fresh cases in 塘湾村一组
/// waiting for its grid worker (demo-gridworker) to accept, filed as 王建国 through the app.
fn demo_cases(conn: &mut infra::DbConn, departments: &[String], now: NaiveDateTime) -> Result<(), InfraError> {
    use domain::geo_cn::{ChinaPoint, Datum};
    use domain::identity::principal::{AccountKind, Principal};
    use infra::cases::service::{self, Report, Rules};
    // 住建局, 民政局, 公安局, 水利局, 交通运输局 (DEPARTMENTS order).
    for (code, department) in [("road", 4), ("water", 3), ("safety", 2), ("hazard", 0), ("policy", 1)] {
        service::map_department(conn, code, &departments[department]).map_err(demo_error)?;
    }
    let reporter = queries::users::find_by_openid(conn, &infra::wechat::dev_openid("wangjianguo"))?
        .ok_or_else(|| InfraError::Task("demo reporter missing".into()))?;
    let principal = Principal {
        user_id: reporter.id,
        session_id: String::new(),
        kind: AccountKind::Resident,
        grants: Vec::new(),
        acting_for: None,
    };
    let point = ChinaPoint::parse(27.4542, 112.1931, Datum::Gcj02).map_err(demo_error)?;
    let rules =
        Rules { policy: domain::cases::DeadlinePolicy::default(), require_phone: true, reference: Default::default() };
    for (description, category) in
        [("塘湾村一组路口的路灯坏了一个多星期，晚上很黑", "road"), ("王家院子旁的排水沟堵了，下雨就漫到路上", "water")]
    {
        let report = Report {
            category: category.into(),
            description: description.into(),
            point: Some(point),
            address: Some("塘湾村一组".into()),
            urgency: domain::cases::Urgency::Normal,
            anonymous: false,
            public: Some(true),
            media: Vec::new(),
            client_id: None,
            grid_id: None,
            captured_at: None,
            details: serde_json::json!({}),
        };
        service::file(conn, &principal, domain::cases::routing::Channel::App, &report, &rules, now)
            .map_err(demo_error)?;
    }
    Ok(())
}

/// Deliberation: the first township triages by Wuyi's scheme, the second by Pengshui's with a
/// small reference catalog; 王建国 has raised two matters in 塘湾村 waiting for demo-cadre to
/// triage them.
fn demo_matters(
    conn: &mut infra::DbConn,
    townships: &[String],
    tangwan: &str,
    now: NaiveDateTime,
) -> Result<(), InfraError> {
    use domain::deliberation::{Scheme, Tier};
    use domain::identity::principal::{AccountKind, Principal};
    use infra::deliberation::rows::TriageItemRow;
    use infra::deliberation::service::{self, Caller, Draft, Rules};
    for (township, scheme) in townships.iter().zip([Scheme::Wuyi, Scheme::Pengshui]) {
        service::choose_scheme(conn, township, scheme, now).map_err(demo_error)?;
    }
    if let Some(pengshui) = townships.get(1) {
        for (tier, title) in [
            (Tier::Big, "农村公路建设与养护"),
            (Tier::Big, "饮水安全工程"),
            (Tier::Small, "村内公共设施维护"),
            (Tier::Small, "环境卫生整治"),
            (Tier::Private, "家庭内部纠纷"),
            (Tier::Private, "个人生产经营"),
        ] {
            let row = TriageItemRow {
                id: domain::new_id(),
                org_unit_id: pengshui.clone(),
                scheme: Scheme::Pengshui.as_str().into(),
                tier: tier.as_str().into(),
                title: title.into(),
                description: String::new(),
                active: true,
                created_at: now,
            };
            service::insert_triage_item(conn, &row).map_err(demo_error)?;
        }
    }
    let author = queries::users::find_by_openid(conn, &infra::wechat::dev_openid("wangjianguo"))?
        .ok_or_else(|| InfraError::Task("demo author missing".into()))?;
    let principal = Principal {
        user_id: author.id,
        session_id: String::new(),
        kind: AccountKind::Resident,
        grants: Vec::new(),
        acting_for: None,
    };
    let caller = Caller { principal, origin: Default::default() };
    let rules = Rules::new(Default::default());
    for (category, title, body) in [
        (
            "public_welfare",
            "村口小广场想装几盏路灯",
            "小广场晚上跳舞、乘凉的人多，没有路灯，老人小孩容易摔倒。大家看看装几盏、电费怎么出。",
        ),
        ("village_affairs", "村规民约里加一条养犬管理", "最近几家的狗不拴绳，吓到放学的孩子，建议在村规民约里写清楚。"),
    ] {
        let draft = Draft {
            scope_id: tangwan.to_owned(),
            category: category.into(),
            title: title.into(),
            body: body.into(),
            media: Vec::new(),
            client_id: None,
        };
        service::raise(conn, &caller, &draft, None, &rules, now).map_err(demo_error)?;
    }
    Ok(())
}

/// The demo is fixed data: a refusal while seeding it is a bug in this file.
/// Two visits by demo-gridworker to households of 塘湾村一组 (王家 three days ago, 刘家 a week
/// ago, with information collected), so a grid's coverage and the figures show something.
fn demo_visits(
    conn: &mut infra::DbConn,
    grid: &str,
    heads: &[(String, String)],
    now: NaiveDateTime,
) -> Result<(), InfraError> {
    use domain::grid_work::visits::{Draft, Visit};
    use infra::grid_work::visits::{record_in_tx, NewVisit};
    let principal = staff(conn, "demo-gridworker", Role::GridWorker, ScopeKind::Grid, grid)?;
    let rules = infra::cases::service::Rules {
        policy: domain::cases::DeadlinePolicy::default(),
        require_phone: true,
        reference: Default::default(),
    };
    for (surname, kind, met, note, info_items, days_ago) in [
        ("王", "routine", "王建国及家人", "家中一切正常，提醒冬季用电安全。", 0, 3),
        ("刘", "information", "刘桂英", "更新了家庭人口信息和联系方式。", 2, 7),
    ] {
        let Some((_, household)) = heads.iter().find(|(s, _)| s == surname) else { continue };
        let draft = Draft {
            kind,
            met,
            note,
            info_items,
            visited_at: Some(now - chrono::Duration::days(days_ago)),
            client_id: None,
            lat: None,
            lng: None,
        };
        let visit = Visit::parse(&draft, now).map_err(demo_error)?;
        let new = NewVisit { household_id: household.clone(), visit, media: Vec::new(), case: None };
        record_in_tx(conn, &principal, &Default::default(), &rules, &new, now).map_err(demo_error)?;
    }
    Ok(())
}

/// 塘湾村's points scheme (积分制) in force — manual rules the grid worker and cadres record,
/// automatic ones for meetings, ballots, confirmed reports, winning ideas and volunteer hours,
/// a penalty, a cadre's attendance, base points by household size and star thresholds — a
/// catalog of three items, and two entries demo-gridworker recorded for 王家 and 刘家 waiting for
/// demo-cadre's review.
fn demo_points(
    conn: &mut infra::DbConn,
    village: &str,
    grid: &str,
    heads: &[(String, String)],
    now: NaiveDateTime,
) -> Result<(), InfraError> {
    use domain::points::redemption::ItemKind;
    use domain::points::rules::{AutoSource as A, BaseStep, CapPeriod, Category as C, Rule, RuleSetAction, Subject};
    use infra::points::{entries, redemption, rules};
    let cadre = staff(conn, "demo-cadre", Role::VillageCadre, ScopeKind::OrgUnit, village)?;
    let manual = |code: &str, name: &str, category: C, points: i64, recorders: Vec<Role>| Rule {
        code: code.to_owned(),
        name: name.to_owned(),
        category,
        points,
        cap: None,
        cap_period: None,
        subject: Subject::Resident,
        automatic: None,
        recorders,
        claimable: points > 0,
    };
    let auto = |code: &str, name: &str, category: C, points: i64, source: A| Rule {
        automatic: Some(source),
        recorders: vec![],
        claimable: false,
        ..manual(code, name, category, points, vec![])
    };
    let grid_staff = vec![Role::GridWorker, Role::GridLeader, Role::VillageCadre];
    let set = rules::SetDraft {
        note: "2026年村民代表会议通过的积分细则".to_owned(),
        rules: vec![
            Rule {
                cap: Some(20),
                cap_period: Some(CapPeriod::Month),
                ..manual("garbage_sorting", "垃圾分类", C::Garbage, 2, grid_staff.clone())
            },
            manual("neighbour_help", "邻里互助", C::Neighbourly, 5, grid_staff.clone()),
            manual("charity", "慈善捐助", C::Charity, 10, vec![Role::VillageCadre]),
            manual("safety_patrol", "义务巡逻", C::Safety, 3, grid_staff),
            manual("misconduct", "违反村规民约", C::Misconduct, -20, vec![Role::VillageCadre]),
            Rule {
                cap: Some(8),
                cap_period: Some(CapPeriod::Month),
                ..auto("meeting", "参加议事会议", C::Deliberation, 2, A::MeetingCheckin)
            },
            auto("vote", "参与投票", C::Deliberation, 1, A::Ballot),
            auto("case_report", "随手拍问题属实", C::Safety, 3, A::CaseConfirmed),
            auto("golden_idea", "金点子获奖", C::Deliberation, 20, A::IdeaWon),
            auto("volunteer", "志愿服务（每小时）", C::Service, 4, A::ServiceHours),
            Rule {
                subject: Subject::Cadre,
                claimable: false,
                ..manual(
                    "cadre_attendance",
                    "干部出勤",
                    C::Attendance,
                    1,
                    vec![Role::VillageCadre, Role::TownshipOfficer],
                )
            },
        ],
        base: vec![
            BaseStep { min_members: 1, points: 50 },
            BaseStep { min_members: 3, points: 60 },
            BaseStep { min_members: 5, points: 70 },
        ],
        stars: vec![60, 100, 150, 200, 300],
    };
    let created = rules::create_set(conn, village, &cadre.user_id, &set, now).map_err(demo_error)?;
    rules::activate_in_tx(conn, &created, RuleSetAction::Activate, now).map_err(demo_error)?;
    let caller = infra::identity::audit::Caller { principal: cadre, origin: Default::default() };
    for (kind, name, description, price, stock) in [
        (ItemKind::Goods, "洗衣粉", "一袋（1kg），村部小卖部领取", 20, 50),
        (ItemKind::Service, "免费理发", "每月第一个周六，村部", 10, 30),
        (ItemKind::Credit, "信用贷款利率优惠", "凭三星及以上文明户证明到农商行办理", 100, 10),
    ] {
        let item =
            redemption::NewItem { kind, name: name.to_owned(), description: description.to_owned(), price, stock };
        redemption::create_item_in_tx(conn, &caller, village, &item, now).map_err(demo_error)?;
    }
    let worker = staff(conn, "demo-gridworker", Role::GridWorker, ScopeKind::Grid, grid)?;
    for (surname, rule, note, days_ago) in
        [("王", "neighbour_help", "帮邻居抢收晾晒的稻谷", 2), ("刘", "garbage_sorting", "垃圾分类入户检查合格", 1)]
    {
        let Some((_, household)) = heads.iter().find(|(s, _)| s == surname) else { continue };
        let Some(member) = queries::residency::members(conn, household)?.into_iter().next() else { continue };
        let new = entries::NewEntry {
            user_id: member.user_id,
            rule_code: rule.to_owned(),
            occurred_on: (now - chrono::Duration::days(days_ago)).date(),
            note: note.to_owned(),
        };
        entries::record_in_tx(conn, &worker, &new, now).map_err(demo_error)?;
    }
    Ok(())
}

/// 塘湾村's public board (五亮): three cadre posts, the supervisory committee's contact, the
/// small-powers list and the village rules in force.
fn demo_board(
    conn: &mut infra::DbConn,
    village: &str,
    staff: &[(&str, String)],
    now: NaiveDateTime,
) -> Result<(), InfraError> {
    use domain::notices::board::{CadrePostDraft, SupervisionDraft};
    use domain::notices::documents::{DocumentDraft, DocumentKind};
    use domain::notices::powers::Power;
    use infra::notices::{board, documents};
    let who = |name: &str| staff.iter().find(|(u, _)| *u == name).map(|(_, id)| id.clone()).unwrap_or_default();
    let by = who("demo-cadre");
    let posts = [
        (
            "demo-cadre",
            "村党组织书记、村委会主任",
            "主持村党组织和村委会全面工作，负责村级重大事项决策“四议两公开”",
            "13807381234",
            1,
        ),
        (
            "demo-council",
            "村委会委员（民生）",
            "负责低保、养老、医保等民生事项办理和村民议事会日常工作",
            "13907385678",
            2,
        ),
        ("demo-gridleader", "网格长", "负责全村网格事项收集、走访和矛盾纠纷排查调处", "13607382468", 3),
    ];
    for (user, title, duties, phone, position) in posts {
        let draft =
            CadrePostDraft::parse(who(user), title, duties, Some(phone.to_owned()), position).map_err(demo_error)?;
        board::insert_post(conn, village, &by, &draft, now).map_err(demo_error)?;
    }
    let committee = SupervisionDraft::parse(
        "塘湾村村务监督委员会",
        Some("0738-6821234".to_owned()),
        "村部二楼监委会办公室，每周一、四上午接待",
    )
    .map_err(demo_error)?;
    board::seed_supervision(conn, village, &by, &committee, now).map_err(demo_error)?;
    let power = |name: &str, category: &str, by: &str, steps: &[&str], basis: &str| Power {
        name: name.to_owned(),
        category: category.to_owned(),
        exercised_by: by.to_owned(),
        steps: steps.iter().map(|s| (*s).to_owned()).collect(),
        basis: basis.to_owned(),
    };
    let powers = vec![
        power(
            "村级重大事项决策",
            "重大事项决策",
            "村党组织、村委会",
            &["村党组织提议", "村两委会议商议", "党员大会审议", "村民代表会议决议", "决议公开、实施结果公开"],
            "《中华人民共和国村民委员会组织法》",
        ),
        power(
            "村级工程项目建设",
            "项目管理",
            "村委会",
            &["立项申请", "村民代表会议决议", "公开招标或比选", "施工监督", "竣工验收并公示"],
            "双峰县村级小微权力清单",
        ),
        power(
            "村级财务收支",
            "资金管理",
            "村报账员、村务监督委员会",
            &["经办人提供票据", "村主任审核", "监委会审签", "镇三资中心记账", "每月公开"],
            "农村集体财务管理规定",
        ),
        power(
            "低保申请初审",
            "便民服务",
            "村委会",
            &["村民申请", "入户调查", "村民代表评议", "公示七天", "报镇审核"],
            "社会救助暂行办法",
        ),
    ];
    let drafts = [
        DocumentDraft::parse(DocumentKind::SmallPowers, "塘湾村小微权力清单（2026年版）", "", powers).map_err(demo_error)?,
        DocumentDraft::parse(
            DocumentKind::VillageRules,
            "塘湾村村规民约",
            "一、爱党爱国，遵纪守法，维护村内和谐稳定。\n二、移风易俗，红白喜事简办，不搞攀比，不大操大办。\n三、垃圾分类投放，门前三包，不乱堆乱放。\n四、邻里互助，尊老爱幼，有事好商量。\n五、积极参加村民议事和志愿服务，按积分制获得奖励。",
            vec![],
        )
        .map_err(demo_error)?,
        DocumentDraft::parse(
            DocumentKind::NegativeList,
            "塘湾村村级组织负面清单",
            "不得违规举债搞建设；不得擅自处置集体资产；不得优亲厚友办理低保。",
            vec![],
        )
        .map_err(demo_error)?,
    ];
    for draft in &drafts {
        documents::seed_in_force(conn, village, &by, draft, now).map_err(demo_error)?;
    }
    demo_notices(conn, village, now)
}

/// 塘湾村's public notices (阳光村务): last month's accounts and a road project, posted by the
/// village's cadre, their objection windows open.
fn demo_notices(conn: &mut infra::DbConn, village: &str, now: NaiveDateTime) -> Result<(), InfraError> {
    use domain::notices::notices::{DraftInput, NoticeDraft};
    let principal = staff(conn, "demo-cadre", Role::VillageCadre, ScopeKind::OrgUnit, village)?;
    let notices = [
        (
            "finance",
            "塘湾村2026年11月村级财务收支公开",
            "本月收入：上级转移支付 48,000 元，集体资产租金 12,600 元，合计 60,600 元。\n本月支出：\
             村道路灯电费 1,240 元，保洁员工资 6,000 元，村部办公 1,880 元，\
             小广场路灯安装（第一期）23,500 元，合计 32,620 元。\n月末结余 27,980 元。\n\
             对以上收支有疑问的，请在公示期内在小程序中对本公示提出异议，或到村部监委会办公室反映。",
        ),
        (
            "project",
            "塘湾村村口道路硬化工程公示",
            "工程内容：村口至一组路段硬化，长 860 米、宽 4.5 米。\n预算：258,000 元（县交通局以奖代补 180,000 元，\
             村集体 78,000 元）。\n施工单位：经村民代表会议决议，比选确定。\n工期：2026年12月至2027年2月。\n\
             监督：村务监督委员会全程监督，竣工后公示验收结果。",
        ),
    ];
    for (kind, title, body) in notices {
        let draft = NoticeDraft::parse(DraftInput {
            kind,
            title,
            body,
            from: now - chrono::Duration::days(1),
            to: now + chrono::Duration::days(6),
            public: true,
            attachments: Vec::new(),
        })
        .map_err(demo_error)?;
        infra::notices::notices::create_in_tx(conn, &principal, village, &draft, now).map_err(demo_error)?;
    }
    Ok(())
}

/// A demo staff account acting with one of its grants (`role` over `scope`).
fn staff(
    conn: &mut infra::DbConn,
    username: &str,
    role: Role,
    scope_kind: ScopeKind,
    scope: &str,
) -> Result<domain::identity::principal::Principal, InfraError> {
    let user = queries::users::find_by_username(conn, username)?
        .ok_or_else(|| InfraError::Task(format!("{username} missing")))?;
    let grant = queries::grants::resolve_scope(conn, role, scope_kind, scope)?
        .ok_or_else(|| InfraError::Task("demo scope missing".into()))?;
    Ok(domain::identity::principal::Principal {
        user_id: user.id,
        session_id: String::new(),
        kind: domain::identity::principal::AccountKind::Staff,
        grants: vec![grant],
        acting_for: None,
    })
}

fn demo_error(error: impl std::fmt::Display) -> InfraError {
    InfraError::Task(format!("demo seeding: {error}"))
}
