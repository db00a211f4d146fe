//! Periods: weeks rolled into months, quarters and years, and the period a
//! comparison looks at (SPEC §6 "Periods", "Comparisons").

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Serialize;

use crate::week::Week;

/// How long a period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum PeriodKind {
    Week,
    Month,
    Quarter,
    Year,
}

/// What a period is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Compare {
    /// The calendar period immediately before.
    Previous,
    /// The same period one year earlier.
    Year,
}

/// A calendar period: its kind and first and last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub kind: PeriodKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
    week_start: Weekday,
}

fn first_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)
}

fn month_shift(date: NaiveDate, months: i32) -> Option<NaiveDate> {
    let total = date.year() * 12 + date.month0() as i32 + months;
    first_of_month(total.div_euclid(12), total.rem_euclid(12) as u32 + 1)
}

impl PeriodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Week => "week",
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Year => "year",
        }
    }
}

impl Period {
    /// The period of `kind` that contains `date` (for weeks: the week that
    /// contains it).
    pub fn containing(kind: PeriodKind, date: NaiveDate, week_start: Weekday) -> Option<Period> {
        let (start, end) = match kind {
            PeriodKind::Week => {
                let w = Week::containing(date, week_start);
                (w.start(), w.end())
            }
            PeriodKind::Month => {
                let s = first_of_month(date.year(), date.month())?;
                (s, month_shift(s, 1)? - Duration::days(1))
            }
            PeriodKind::Quarter => {
                let s = first_of_month(date.year(), date.month0() / 3 * 3 + 1)?;
                (s, month_shift(s, 3)? - Duration::days(1))
            }
            PeriodKind::Year => (
                NaiveDate::from_ymd_opt(date.year(), 1, 1)?,
                NaiveDate::from_ymd_opt(date.year(), 12, 31)?,
            ),
        };
        Some(Period {
            kind,
            start,
            end,
            week_start,
        })
    }

    /// The period just before.
    pub fn previous(&self) -> Option<Period> {
        Period::containing(
            self.kind,
            self.start.checked_sub_signed(Duration::days(1))?,
            self.week_start,
        )
    }

    /// The same period a year earlier. For weeks: the same ISO week number
    /// of the previous ISO year, or 364 days earlier when that week does
    /// not exist or weeks do not start on Monday.
    pub fn year_earlier(&self) -> Option<Period> {
        match self.kind {
            PeriodKind::Week => {
                let iso = self.start.iso_week();
                let same = (self.week_start == Weekday::Mon)
                    .then(|| NaiveDate::from_isoywd_opt(iso.year() - 1, iso.week(), Weekday::Mon))
                    .flatten();
                let date = match same {
                    Some(d) => d,
                    None => self.start.checked_sub_signed(Duration::days(364))?,
                };
                Period::containing(PeriodKind::Week, date, self.week_start)
            }
            _ => Period::containing(
                self.kind,
                self.start.with_year(self.start.year() - 1)?,
                self.week_start,
            ),
        }
    }

    /// The weeks that belong to it: those whose start date lies inside.
    pub fn weeks(&self) -> Vec<Week> {
        let mut out = Vec::new();
        let first = Week::containing(self.start, self.week_start);
        let mut w = if first.start() < self.start {
            first.plus_weeks(1)
        } else {
            Some(first)
        };
        while let Some(week) = w {
            if week.start() > self.end {
                break;
            }
            out.push(week);
            w = week.plus_weeks(1);
        }
        out
    }

    /// `2026-11-16`, `2026-11`, `2026-Q4`, `2026`.
    pub fn label(&self) -> String {
        match self.kind {
            PeriodKind::Week => self.start.format("%Y-%m-%d").to_string(),
            PeriodKind::Month => self.start.format("%Y-%m").to_string(),
            PeriodKind::Quarter => {
                format!("{}-Q{}", self.start.year(), self.start.month0() / 3 + 1)
            }
            PeriodKind::Year => self.start.year().to_string(),
        }
    }

    /// The comparison period.
    pub fn compared(&self, compare: Compare) -> Option<Period> {
        match compare {
            Compare::Previous => self.previous(),
            Compare::Year => self.year_earlier(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn at(kind: PeriodKind, s: &str, start: Weekday) -> Period {
        match Period::containing(kind, d(s), start) {
            Some(p) => p,
            None => panic!("no {kind:?} contains {s}"),
        }
    }

    #[test]
    fn a_month_holds_the_weeks_that_start_in_it() {
        let p = at(PeriodKind::Month, "2026-11-18", Weekday::Mon);
        let weeks: Vec<String> = p.weeks().iter().map(|w| w.to_string()).collect();
        assert_eq!(
            weeks,
            [
                "2026-11-02",
                "2026-11-09",
                "2026-11-16",
                "2026-11-23",
                "2026-11-30"
            ]
        );
        assert_eq!(p.label(), "2026-11");
        assert_eq!(p.previous().map(|p| p.label()).as_deref(), Some("2026-10"));
    }

    #[test]
    fn quarters_and_years() {
        let q = at(PeriodKind::Quarter, "2026-11-18", Weekday::Mon);
        assert_eq!(
            (q.start, q.end, q.label()),
            (d("2026-10-01"), d("2026-12-31"), "2026-Q4".to_string())
        );
        assert_eq!(q.previous().map(|p| p.label()).as_deref(), Some("2026-Q3"));
        assert_eq!(
            q.year_earlier().map(|p| p.label()).as_deref(),
            Some("2025-Q4")
        );
        let y = at(PeriodKind::Year, "2026-01-05", Weekday::Mon);
        assert_eq!(y.previous().map(|p| p.label()).as_deref(), Some("2025"));
    }

    #[test]
    fn a_year_earlier_week_has_the_same_iso_number() {
        let w = at(PeriodKind::Week, "2026-11-16", Weekday::Mon);
        assert_eq!(w.year_earlier().map(|p| p.start), Some(d("2025-11-17")));
        // 2026-W53 exists, 2025-W53 does not: 364 days earlier
        let w53 = at(PeriodKind::Week, "2026-12-28", Weekday::Mon);
        assert_eq!(w53.year_earlier().map(|p| p.start), Some(d("2025-12-29")));
        let sunday = at(PeriodKind::Week, "2026-11-15", Weekday::Sun);
        assert_eq!(
            sunday.year_earlier().map(|p| p.start),
            Some(d("2025-11-16"))
        );
    }
}
