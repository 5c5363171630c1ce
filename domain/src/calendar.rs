//! China's working-day calendar and deadlines counted in working hours.
//!
//! A day is a working day when it is a weekday that is not a statutory holiday, or a weekend day
//! the State Council declared a make-up workday (调休). Working hours are 09:00–17:00 Beijing time
//! (UTC+8, no daylight saving), so eight working hours are one working day. Urgent matters count
//! calendar hours instead.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};

use crate::DomainError;

/// How a day differs from the weekday/weekend rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// A statutory holiday (法定节假日), also when it falls on a weekend.
    Holiday,
    /// A weekend day worked to make up for a holiday (调休上班).
    MakeupWorkday,
}

impl DayKind {
    pub const ALL: [DayKind; 2] = [Self::Holiday, Self::MakeupWorkday];

    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::MakeupWorkday => "makeup_workday",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        match text {
            "holiday" => Ok(Self::Holiday),
            "makeup_workday" => Ok(Self::MakeupWorkday),
            _ => Err(DomainError::Invalid { field: "kind", reason: "holiday or makeup_workday" }),
        }
    }
}

/// The years a working-day calendar may be kept for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// One published exception to the weekday rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialDay {
    pub day: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

/// The first and last working hour of a day, Beijing time.
const DAY_START: u32 = 9;
const DAY_END: u32 = 17;

/// The working hours of one working day (9:00–17:00 Beijing time).
pub const HOURS_PER_WORKING_DAY: u32 = DAY_END - DAY_START;
/// Days to look ahead before giving up (a calendar with no working day at all).
const HORIZON_DAYS: i64 = 3_660;

const BEIJING: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

pub fn beijing() -> FixedOffset {
    BEIJING
}

/// The Beijing day of a UTC instant (as stored: naive UTC).
pub fn beijing_day(at: NaiveDateTime) -> NaiveDate {
    Utc.from_utc_datetime(&at).with_timezone(&BEIJING).date_naive()
}

/// The naive UTC instant a Beijing day begins.
pub fn beijing_midnight(day: NaiveDate) -> NaiveDateTime {
    day.and_time(NaiveTime::MIN) - Duration::hours(8)
}

/// The special days known to the product: holidays and make-up workdays by date.
#[derive(Debug, Clone, Default)]
pub struct WorkingCalendar {
    special: BTreeMap<NaiveDate, DayKind>,
}

impl WorkingCalendar {
    pub fn new(days: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        Self { special: days.into_iter().collect() }
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.special.get(&day) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::MakeupWorkday) => true,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The instant `days` whole working days after `start`.
    pub fn add_working_days(&self, start: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        self.add_working_hours(start, days * HOURS_PER_WORKING_DAY)
    }

    /// The instant `hours` working hours after `start`.
    pub fn add_working_hours(&self, start: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
        let tz = beijing();
        let local = start.with_timezone(&tz).naive_local();
        let mut day = local.date();
        let mut minutes_left = i64::from(hours) * 60;
        let mut from = local.time();
        for _ in 0..HORIZON_DAYS {
            if self.is_working_day(day) {
                let open = NaiveTime::from_hms_opt(DAY_START, 0, 0).unwrap_or_default();
                let close = NaiveTime::from_hms_opt(DAY_END, 0, 0).unwrap_or_default();
                let begin = from.max(open);
                if begin < close {
                    let available = (close - begin).num_minutes();
                    if minutes_left <= available {
                        let at = day.and_time(begin) + Duration::minutes(minutes_left);
                        return tz.from_local_datetime(&at).single().map_or(start, |t| t.with_timezone(&Utc));
                    }
                    minutes_left -= available;
                }
            }
            day = day.succ_opt().unwrap_or(day);
            from = NaiveTime::MIN;
        }
        start + Duration::hours(i64::from(hours))
    }

    /// The working hours between two instants (what the figures count as time to act).
    pub fn working_hours_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
        if to <= from {
            return 0.0;
        }
        let tz = beijing();
        let (a, b) = (from.with_timezone(&tz).naive_local(), to.with_timezone(&tz).naive_local());
        let mut day = a.date();
        let mut minutes = 0i64;
        while day <= b.date() {
            if self.is_working_day(day) {
                let open = day.and_hms_opt(DAY_START, 0, 0).unwrap_or_default();
                let close = day.and_hms_opt(DAY_END, 0, 0).unwrap_or_default();
                let (s, e) = (open.max(a), close.min(b));
                if e > s {
                    minutes += (e - s).num_minutes();
                }
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        minutes as f64 / 60.0
    }
}

/// How a deadline is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counting {
    WorkingHours,
    CalendarHours,
}

/// The instant `hours` after `start`, counted as `counting` says.
pub fn deadline(calendar: &WorkingCalendar, start: DateTime<Utc>, hours: u32, counting: Counting) -> DateTime<Utc> {
    match counting {
        Counting::WorkingHours => calendar.add_working_hours(start, hours),
        Counting::CalendarHours => start + Duration::hours(i64::from(hours)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    fn at(text: &str) -> DateTime<Utc> {
        beijing()
            .from_local_datetime(&chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap_or_default())
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    /// National Day 2022 as the State Council published it: 1–7 October off, Saturday 8 and
    /// Sunday 9 October worked.
    fn national_day_2022() -> WorkingCalendar {
        let mut days: Vec<(NaiveDate, DayKind)> =
            (1..=7).map(|n| (d(&format!("2022-10-{n:02}")), DayKind::Holiday)).collect();
        days.push((d("2022-10-08"), DayKind::MakeupWorkday));
        days.push((d("2022-10-09"), DayKind::MakeupWorkday));
        WorkingCalendar::new(days)
    }

    #[test]
    fn eight_working_hours_from_friday_afternoon_before_national_day_land_on_the_makeup_saturday() {
        let calendar = national_day_2022();
        // Friday 30 September 2022, 16:00: one hour that day, the holiday week off, then the
        // remaining seven on the make-up workday, Saturday 8 October.
        let due = calendar.add_working_hours(at("2022-09-30 16:00"), 8);
        assert_eq!(due, at("2022-10-08 16:00"));
        // Without the 调休 the same deadline would fall on Monday 10 October.
        let plain = WorkingCalendar::new((1..=7).map(|n| (d(&format!("2022-10-{n:02}")), DayKind::Holiday)));
        assert_eq!(plain.add_working_hours(at("2022-09-30 16:00"), 8), at("2022-10-10 16:00"));
    }

    #[test]
    fn working_hours_start_at_opening_and_skip_nights_and_weekends() {
        let calendar = WorkingCalendar::default();
        // Monday 2026-11-23 before opening: counting starts at 09:00.
        assert_eq!(calendar.add_working_hours(at("2026-11-23 07:30"), 4), at("2026-11-23 13:00"));
        // After closing on Friday: Monday morning.
        assert_eq!(calendar.add_working_hours(at("2026-11-27 20:00"), 2), at("2026-11-30 11:00"));
        // Exactly at closing with zero hours left stays put.
        assert_eq!(calendar.add_working_hours(at("2026-11-23 15:00"), 2), at("2026-11-23 17:00"));
        assert_eq!(calendar.add_working_hours(at("2026-11-23 15:00"), 3), at("2026-11-24 10:00"));
        // 40 working hours: one working week.
        assert_eq!(calendar.add_working_hours(at("2026-11-23 09:00"), 40), at("2026-11-27 17:00"));
    }

    #[test]
    fn holidays_on_weekdays_are_off_and_makeup_weekends_are_on() {
        let calendar = national_day_2022();
        assert!(!calendar.is_working_day(d("2022-10-03")), "a Monday in the holiday");
        assert!(calendar.is_working_day(d("2022-10-08")), "the make-up Saturday");
        assert!(!calendar.is_working_day(d("2022-10-15")), "an ordinary Saturday");
        assert!(calendar.is_working_day(d("2022-10-10")));
    }

    #[test]
    fn calendar_hours_ignore_the_calendar() {
        let calendar = national_day_2022();
        assert_eq!(deadline(&calendar, at("2022-09-30 16:00"), 8, Counting::CalendarHours), at("2022-10-01 00:00"));
    }

    #[test]
    fn working_hours_between_counts_only_office_hours() {
        let calendar = national_day_2022();
        let hours = calendar.working_hours_between(at("2022-09-30 16:00"), at("2022-10-08 16:00"));
        assert!((hours - 8.0).abs() < 1e-9, "{hours}");
        assert!(calendar.working_hours_between(at("2022-10-02 10:00"), at("2022-10-02 12:00")).abs() < 1e-9);
    }
}
