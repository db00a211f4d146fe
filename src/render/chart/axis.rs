//! Axis ticks for charts: dates along x (weeks, months or years, spaced so
//! their labels never overlap) and round values along y, in the metric's
//! unit. Pure: the drawing code measures text and places what this returns.

use chrono::{Datelike, Duration, NaiveDate};

use crate::value::{self, Unit};

/// A date tick: its label and, under it, the year where the year changes.
#[derive(Debug, Clone, PartialEq)]
pub struct DateTick {
    pub date: NaiveDate,
    pub label: String,
    pub year: Option<String>,
}

/// How far apart date ticks are.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    Weeks(i64),
    Months(u32),
    Years(i32),
}

const STEPS: [Step; 14] = [
    Step::Weeks(1),
    Step::Weeks(2),
    Step::Months(1),
    Step::Months(2),
    Step::Months(3),
    Step::Months(6),
    Step::Years(1),
    Step::Years(2),
    Step::Years(5),
    Step::Years(10),
    Step::Years(20),
    Step::Years(50),
    Step::Years(100),
    Step::Years(1000),
];

/// Date ticks between `lo` and `hi`: the finest step whose labels, `width`
/// wide each (`px_per_day` apart per day), keep a `gap` between them.
/// Week ticks fall on `anchor` (a week start) and only for short ranges;
/// otherwise ticks are month starts (Jan, Apr, Jul, Oct for quarters) or
/// years. `one_line`: the year goes after the label of the ticks that
/// start one (`Jan 2026`) rather than under the label.
pub fn date_ticks(
    lo: NaiveDate,
    hi: NaiveDate,
    anchor: NaiveDate,
    px_per_day: f64,
    gap: f64,
    one_line: bool,
    width: &dyn Fn(&str) -> f64,
) -> Vec<DateTick> {
    let span = (hi - lo).num_days();
    let mut last = Vec::new();
    for step in STEPS {
        if matches!(step, Step::Weeks(_)) && span > 26 * 7 {
            continue;
        }
        let mut ticks = generate(step, lo, hi, anchor);
        if one_line {
            for (i, t) in ticks.iter_mut().enumerate() {
                // on one line only a new year is named: `Jul`, `Jan 2026`, `Jul`
                let year = t.year.take().filter(|_| i > 0 || t.date.month() == 1);
                if let Some(year) = year {
                    t.label = format!("{} {year}", t.label);
                }
            }
        }
        if ticks.is_empty() {
            continue;
        }
        let fits = ticks.windows(2).all(|pair| {
            let apart = (pair[1].date - pair[0].date).num_days() as f64 * px_per_day;
            apart >= (tick_width(&pair[0], width) + tick_width(&pair[1], width)) / 2.0 + gap
        });
        if fits {
            return ticks;
        }
        last = ticks;
    }
    last.truncate(1);
    last
}

/// The wider of a tick's two lines.
pub fn tick_width(t: &DateTick, width: &dyn Fn(&str) -> f64) -> f64 {
    let year = t.year.as_deref().map_or(0.0, width);
    width(&t.label).max(year)
}

fn generate(step: Step, lo: NaiveDate, hi: NaiveDate, anchor: NaiveDate) -> Vec<DateTick> {
    let mut dates = Vec::new();
    match step {
        Step::Weeks(n) => {
            // back from the anchor to the first tick at or after lo
            let behind = (anchor - lo).num_days().div_euclid(7 * n);
            let mut d = anchor - Duration::days(7 * n * behind);
            while d < lo {
                d += Duration::days(7 * n);
            }
            while d <= hi {
                dates.push(d);
                d += Duration::days(7 * n);
            }
        }
        Step::Months(n) => {
            let mut m = lo.year() * 12 + lo.month0() as i32;
            let end = hi.year() * 12 + hi.month0() as i32;
            while m <= end {
                let month = m.rem_euclid(12) as u32;
                if month.is_multiple_of(n)
                    && let Some(d) = NaiveDate::from_ymd_opt(m.div_euclid(12), month + 1, 1)
                    && d >= lo
                    && d <= hi
                {
                    dates.push(d);
                }
                m += 1;
            }
        }
        Step::Years(n) => {
            for y in lo.year()..=hi.year() {
                if y.rem_euclid(n) == 0
                    && let Some(d) = NaiveDate::from_ymd_opt(y, 1, 1)
                    && d >= lo
                    && d <= hi
                {
                    dates.push(d);
                }
            }
        }
    }
    let mut ticks = Vec::with_capacity(dates.len());
    let mut previous_year = None;
    for date in dates {
        let (label, year) = match step {
            Step::Weeks(_) => (date.format("%-d %b").to_string(), true),
            Step::Months(_) => (date.format("%b").to_string(), true),
            Step::Years(_) => (date.year().to_string(), false),
        };
        let new_year = previous_year != Some(date.year());
        previous_year = Some(date.year());
        ticks.push(DateTick {
            date,
            label,
            year: (year && new_year).then(|| date.year().to_string()),
        });
    }
    ticks
}

/// Round y ticks covering `lo..=hi`, about `target` of them, and the range
/// they span (from the first tick to the last).
pub fn value_ticks(lo: f64, hi: f64, target: usize, unit: Option<Unit>) -> (Vec<f64>, f64, f64) {
    let span = (hi - lo).max(f64::EPSILON);
    let step = nice_step(span / target.max(1) as f64, unit);
    let first = (lo / step).floor() * step;
    let last = (hi / step).ceil() * step;
    let n = ((last - first) / step).round().clamp(1.0, 1000.0) as usize;
    let ticks = (0..=n).map(|k| first + step * k as f64).collect();
    (ticks, first, first + step * n as f64)
}

/// The smallest round step at least `raw`: 1, 2, 5 × 10^k; for
/// durations whole seconds, minutes and hours; for counts at least 1.
fn nice_step(raw: f64, unit: Option<Unit>) -> f64 {
    const CLOCK: [f64; 13] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0,
    ];
    if unit == Some(Unit::Duration)
        && let Some(s) = CLOCK.iter().find(|s| **s >= raw)
    {
        return *s;
    }
    let raw = match unit {
        Some(Unit::Count) => raw.max(1.0),
        _ => raw,
    };
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
}

/// A y tick label: scores with the decimals the step needs,
/// metric values in their unit's syntax.
pub fn value_label(v: f64, step: f64, unit: Option<Unit>) -> String {
    // ticks are multiples of the step: drop float noise before formatting
    let v = if v.abs() < step * 1e-6 { 0.0 } else { v };
    match unit {
        Some(u) => value::format(v, u),
        None => {
            let decimals = (0..4)
                .find(|d| {
                    let scaled = step * 10f64.powi(*d);
                    (scaled - scaled.round()).abs() < 1e-6
                })
                .unwrap_or(4) as usize;
            format!("{v:.decimals$}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn seven_px(text: &str) -> f64 {
        7.0 * text.chars().count() as f64
    }

    #[test]
    fn eighteen_months_on_a_wide_axis_get_month_ticks() {
        let (lo, hi) = (d("2025-05-23"), d("2026-11-26"));
        let ticks = date_ticks(
            lo,
            hi,
            d("2025-05-26"),
            1000.0 / 552.0,
            8.0,
            false,
            &seven_px,
        );
        assert_eq!(ticks.first().map(|t| t.date), Some(d("2025-06-01")));
        assert_eq!(
            ticks.first().and_then(|t| t.year.clone()).as_deref(),
            Some("2025")
        );
        let jan = ticks.iter().find(|t| t.date == d("2026-01-01"));
        assert_eq!(
            jan.map(|t| (t.label.as_str(), t.year.as_deref())),
            Some(("Jan", Some("2026")))
        );
        let feb = ticks.iter().find(|t| t.date == d("2026-02-01"));
        assert_eq!(feb.and_then(|t| t.year.clone()), None);
    }

    #[test]
    fn a_narrow_axis_takes_wider_steps_so_labels_never_touch() {
        let (lo, hi) = (d("2021-01-01"), d("2026-01-01"));
        let px = 300.0 / (hi - lo).num_days() as f64;
        let ticks = date_ticks(lo, hi, d("2021-01-04"), px, 8.0, false, &seven_px);
        for pair in ticks.windows(2) {
            let apart = (pair[1].date - pair[0].date).num_days() as f64 * px;
            assert!(apart >= 28.0 + 8.0, "{pair:?}");
        }
        assert!(ticks.len() >= 2);
    }

    #[test]
    fn a_few_weeks_get_week_ticks_on_week_starts() {
        let (lo, hi) = (d("2026-10-22"), d("2026-11-19"));
        let ticks = date_ticks(lo, hi, d("2026-10-26"), 20.0, 8.0, false, &seven_px);
        let dates: Vec<String> = ticks.iter().map(|t| t.date.to_string()).collect();
        assert_eq!(
            dates,
            ["2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16"]
        );
        assert_eq!(ticks[0].label, "26 Oct");
        let one_line = date_ticks(lo, hi, d("2026-10-26"), 20.0, 8.0, true, &seven_px);
        assert_eq!(one_line[0].label, "26 Oct");
        assert_eq!(one_line[0].year, None);
        let (lo, hi) = (d("2025-12-20"), d("2026-01-20"));
        let one_line = date_ticks(lo, hi, d("2025-12-22"), 20.0, 8.0, true, &seven_px);
        assert_eq!(one_line[2].label, "5 Jan 2026");
    }

    #[test]
    fn value_ticks_are_round_and_cover_the_range() {
        let (ticks, lo, hi) = value_ticks(83.0, 131.0, 5, None);
        assert_eq!((lo, hi), (80.0, 140.0));
        assert_eq!(ticks, [80.0, 90.0, 100.0, 110.0, 120.0, 130.0, 140.0]);
        let (ticks, _, _) = value_ticks(139.0, 161.0, 2, Some(Unit::Duration));
        assert_eq!(ticks, [135.0, 150.0, 165.0]);
        assert_eq!(value_label(150.0, 15.0, Some(Unit::Duration)), "2m 30s");
        assert_eq!(value_label(40.0, 2.0, Some(Unit::Percent)), "40%");
        assert_eq!(value_label(97.5, 0.5, None), "97.5");
        assert_eq!(value_label(-0.0, 10.0, None), "0");
    }
}
