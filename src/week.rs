//! Weeks: identified by the date they start on (SPEC §2, §4.2).
//!
//! Parsing a week cell (`2026-11-16`, `2026-W47`, a slash date with the
//! template's `date_format`) and the calendar arithmetic periods need.

use std::fmt;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Serialize;

/// A week, identified by its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Week(NaiveDate);

impl Week {
    /// The week starting on `date` (the caller has checked the weekday).
    pub fn starting(date: NaiveDate) -> Self {
        Week(date)
    }

    /// The week that contains `date`, for weeks starting on `start`.
    pub fn containing(date: NaiveDate, start: Weekday) -> Self {
        let back = (7 + date.weekday().num_days_from_monday() - start.num_days_from_monday()) % 7;
        Week(date - Duration::days(i64::from(back)))
    }

    pub fn start(self) -> NaiveDate {
        self.0
    }

    /// The last day of the week.
    pub fn end(self) -> NaiveDate {
        self.0 + Duration::days(6)
    }

    /// The week `n` weeks later (earlier when negative); `None` off the calendar.
    pub fn plus_weeks(self, n: i64) -> Option<Week> {
        self.0.checked_add_signed(Duration::days(7 * n)).map(Week)
    }

    pub fn prev(self) -> Option<Week> {
        self.plus_weeks(-1)
    }

    /// Whole weeks from `self` to `later`.
    pub fn weeks_until(self, later: Week) -> i64 {
        (later.0 - self.0).num_days() / 7
    }
}

impl fmt::Display for Week {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl Serialize for Week {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why a week cell was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum WeekError {
    /// Not a date or ISO week at all (`invalid-value`).
    Invalid {
        message: String,
        hint: Option<String>,
    },
    /// A real date on the wrong weekday (`not-week-start`).
    NotWeekStart {
        date: NaiveDate,
        suggested: Week,
        start: Weekday,
    },
}

impl WeekError {
    pub fn message(&self, text: &str) -> String {
        match self {
            WeekError::Invalid { message, .. } => message.clone(),
            WeekError::NotWeekStart { date, start, .. } => format!(
                "week {text} is a {}, but weeks start on {}",
                day_name(date.weekday()),
                day_name(*start)
            ),
        }
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            WeekError::Invalid { hint, .. } => hint.clone(),
            WeekError::NotWeekStart {
                suggested, start, ..
            } => Some(format!(
                "the week that contains it starts on {} {suggested}",
                day_name(*start)
            )),
        }
    }
}

/// The English name of a weekday.
pub fn day_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// A weekday from its name (`monday`, `Mon`, any case).
pub fn parse_weekday(text: &str) -> Option<Weekday> {
    text.trim().parse::<Weekday>().ok()
}

/// Parses a calendar date `YYYY-MM-DD` (or with `date_format`).
pub fn parse_date(text: &str, date_format: Option<&str>) -> Result<NaiveDate, WeekError> {
    let t = text.trim();
    // fast path for YYYY-MM-DD (every row of a long file has one)
    let b = t.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let num = |r: std::ops::Range<usize>| {
            b.get(r)?.iter().try_fold(0u32, |acc, &d| {
                d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
            })
        };
        if let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10))
            && let Some(date) = i32::try_from(y)
                .ok()
                .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
        {
            return Ok(date);
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        && t.len() == 10
    {
        return Ok(date);
    }
    if let Some(fmt) = date_format
        && let Ok(date) = NaiveDate::parse_from_str(t, fmt)
    {
        return Ok(date);
    }
    let shown = crate::diagnostic::excerpt(t);
    if t.contains('/') && date_format.is_none() {
        return Err(WeekError::Invalid {
            message: format!("week {shown} is a slash date, which is ambiguous (month/day or day/month?)"),
            hint: Some(
                "write weeks as YYYY-MM-DD (e.g. 2026-11-16), or set date_format = \"%m/%d/%Y\" in the template"
                    .to_string(),
            ),
        });
    }
    let looks_like_date =
        t.len() == 10 && t.as_bytes().get(4) == Some(&b'-') && t.as_bytes().get(7) == Some(&b'-');
    let message = if looks_like_date {
        format!("week {shown} is not a real date")
    } else {
        format!("week {shown} is not a date")
    };
    Err(WeekError::Invalid {
        message,
        hint: Some(match date_format {
            Some(fmt) => format!(
                "write the week as YYYY-MM-DD, as YYYY-Www, or in the template's date_format {fmt}"
            ),
            None => {
                "write the week as the date it starts (YYYY-MM-DD) or as an ISO week (YYYY-Www)"
                    .to_string()
            }
        }),
    })
}

/// Parses a week cell: a date that must fall on `start`, or an ISO week
/// `YYYY-Www` (only when weeks start on Monday).
pub fn parse_week(
    text: &str,
    start: Weekday,
    date_format: Option<&str>,
) -> Result<Week, WeekError> {
    let t = text.trim();
    if let Some(week) = parse_iso_week(t)? {
        if start != Weekday::Mon {
            return Err(WeekError::Invalid {
                message: format!(
                    "week {t} is an ISO week, but weeks start on {}",
                    day_name(start)
                ),
                hint: Some(
                    "ISO weeks start on Monday; write the date the week starts instead".to_string(),
                ),
            });
        }
        return Ok(week);
    }
    let date = parse_date(t, date_format)?;
    if date.weekday() != start {
        return Err(WeekError::NotWeekStart {
            date,
            suggested: Week::containing(date, start),
            start,
        });
    }
    Ok(Week(date))
}

/// `Ok(None)` when the text is not shaped like `YYYY-Www`.
fn parse_iso_week(t: &str) -> Result<Option<Week>, WeekError> {
    let Some((year, week)) = t.split_once(['W', 'w']) else {
        return Ok(None);
    };
    let Some(year) = year.strip_suffix('-') else {
        return Ok(None);
    };
    if year.len() != 4
        || week.len() != 2
        || !(year.bytes().chain(week.bytes())).all(|b| b.is_ascii_digit())
    {
        return Ok(None);
    }
    let (Ok(y), Ok(w)) = (year.parse::<i32>(), week.parse::<u32>()) else {
        return Ok(None);
    };
    match NaiveDate::from_isoywd_opt(y, w, Weekday::Mon) {
        Some(date) => Ok(Some(Week(date))),
        None => Err(WeekError::Invalid {
            message: format!("week {t} does not exist: ISO year {y} has no week {w}"),
            hint: Some("ISO years have 52 weeks, some 53".to_string()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_monday_is_a_week() {
        assert_eq!(
            parse_week("2026-11-16", Weekday::Mon, None),
            Ok(Week(d("2026-11-16")))
        );
    }

    #[test]
    fn a_wednesday_names_the_day_and_suggests_the_monday() {
        let err = parse_week("2025-01-15", Weekday::Mon, None).unwrap_err();
        assert!(err.message("2025-01-15").contains("Wednesday"));
        assert!(err.hint().is_some_and(|h| h.contains("2025-01-13")));
        let err = parse_week("2025-01-13", Weekday::Sun, None).unwrap_err();
        assert!(err.hint().is_some_and(|h| h.contains("2025-01-12")));
    }

    #[test]
    fn iso_weeks_parse_and_impossible_ones_are_refused() {
        assert_eq!(
            parse_week("2026-W47", Weekday::Mon, None),
            Ok(Week(d("2026-11-16")))
        );
        assert!(matches!(
            parse_week("2026-W54", Weekday::Mon, None),
            Err(WeekError::Invalid { .. })
        ));
        assert!(matches!(
            parse_week("2025-W53", Weekday::Mon, None),
            Err(WeekError::Invalid { .. })
        ));
        assert!(matches!(
            parse_week("2026-W47", Weekday::Sun, None),
            Err(WeekError::Invalid { .. })
        ));
    }

    #[test]
    fn slash_dates_need_a_date_format() {
        assert!(matches!(
            parse_week("01/06/2025", Weekday::Mon, None),
            Err(WeekError::Invalid { .. })
        ));
        assert_eq!(
            parse_week("01/06/2025", Weekday::Mon, Some("%m/%d/%Y")),
            Ok(Week(d("2025-01-06")))
        );
    }

    #[test]
    fn impossible_dates_are_invalid() {
        assert!(matches!(
            parse_week("2025-02-30", Weekday::Mon, None),
            Err(WeekError::Invalid { .. })
        ));
        assert!(matches!(
            parse_week("week", Weekday::Mon, None),
            Err(WeekError::Invalid { .. })
        ));
    }

    #[test]
    fn containing_finds_the_start() {
        assert_eq!(
            Week::containing(d("2026-11-19"), Weekday::Mon),
            Week(d("2026-11-16"))
        );
        assert_eq!(
            Week::containing(d("2026-11-16"), Weekday::Sun),
            Week(d("2026-11-15"))
        );
    }
}
