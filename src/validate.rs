//! Checks across the merged data (SPEC §5): required metrics, `[[check]]`
//! rules, and the four warnings (outlier, looks-like-fraction, week-gap,
//! future-week). Cell-level errors are found by the readers.

use chrono::NaiveDate;

use crate::data::{CellValue, Dataset, EntityData};
use crate::diagnostic::{Code, Diagnostic, Location};
use crate::formula::Eval;
use crate::score::median;
use crate::template::{CheckSeverity, Comparison, Template};
use crate::value::{self, Unit};
use crate::week::Week;

/// Every dataset-level problem; `today` decides what is a future week.
pub fn validate(t: &Template, data: &Dataset, today: NaiveDate) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for e in &data.entities {
        missing_required(t, data, e, &mut diags);
        checks(t, data, e, &mut diags);
        entity_warnings(t, data, e, today, None, &mut diags);
    }
    fractions(t, data, &mut diags);
    diags
}

/// The warnings one entity's own weeks can raise: outliers, week gaps and
/// future weeks; only for weeks from `since` when given. `data` names the
/// files; `e` need not be one of its entities.
pub fn entity_warnings(
    t: &Template,
    data: &Dataset,
    e: &EntityData,
    today: NaiveDate,
    since: Option<Week>,
    diags: &mut Vec<Diagnostic>,
) {
    outliers(t, data, e, since, diags);
    gaps(data, e, since, diags);
    for (week, row) in e.rows.range(Week::containing(today, t.week_start)..) {
        if week.start() > today {
            diags.push(
                Diagnostic::warning(
                    Code::FutureWeek,
                    data.location(row.origin),
                    format!("week {week} starts after today ({today})"),
                )
                .with_week(*week)
                .with_entity(e.name.as_deref())
                .with_hint("check the year and month of the week cell"),
            );
        }
    }
}

fn missing_required(t: &Template, data: &Dataset, e: &EntityData, diags: &mut Vec<Diagnostic>) {
    for (week, row) in &e.rows {
        for (m, metric) in t.metrics.iter().enumerate() {
            if metric.required && row.cells.get(m).copied().flatten().is_none() {
                diags.push(
                    Diagnostic::error(
                        Code::MissingRequired,
                        data.location(row.origin),
                        format!("{} is required but has no value for week {week}", metric.id),
                    )
                    .with_metric(&metric.id)
                    .with_week(*week)
                    .with_entity(e.name.as_deref())
                    .with_hint("fill the cell, or write n/a when it does not apply that week"),
                );
            }
        }
    }
}

fn checks(t: &Template, data: &Dataset, e: &EntityData, diags: &mut Vec<Diagnostic>) {
    if t.checks.is_empty() {
        return;
    }
    for (week, row) in &e.rows {
        let get = |id: &str| {
            let m = t.metric_index(id)?;
            match row.cells.get(m).copied().flatten()?.value {
                CellValue::Value(v) => Some(v),
                CellValue::NotApplicable => None,
            }
        };
        for c in &t.checks {
            let (Eval::Value(l), Eval::Value(r)) = (c.left.eval(&get), c.right.eval(&get)) else {
                continue;
            };
            let ok = match c.comparison {
                Comparison::Le => l <= r + c.tolerance,
                Comparison::Lt => l < r + c.tolerance,
                Comparison::Ge => l + c.tolerance >= r,
                Comparison::Gt => l + c.tolerance > r,
                Comparison::Eq => (l - r).abs() <= c.tolerance,
                Comparison::Ne => (l - r).abs() > c.tolerance,
            };
            if !ok {
                let message = format!("{} (rule {}: {l} vs {r}) in week {week}", c.message, c.rule);
                let loc = data.location(row.origin);
                let d = match c.severity {
                    CheckSeverity::Error => Diagnostic::error(Code::CheckFailed, loc, message),
                    CheckSeverity::Warning => Diagnostic::warning(Code::CheckFailed, loc, message),
                };
                diags.push(d.with_week(*week).with_entity(e.name.as_deref()));
            }
        }
    }
}

/// A value more than 5× or under 1/5 of the median of the previous 8 weeks.
fn outliers(
    t: &Template,
    data: &Dataset,
    e: &EntityData,
    since: Option<Week>,
    diags: &mut Vec<Diagnostic>,
) {
    // a week's outlier check reads the 8 weeks before it
    let from = since.and_then(|w| w.plus_weeks(-8));
    let rows = || match from {
        Some(f) => e.rows.range(f..),
        None => e.rows.range(..),
    };
    for (m, metric) in t.metrics.iter().enumerate() {
        let series: Vec<(Week, f64, crate::data::Origin)> = rows()
            .filter_map(|(w, r)| match r.cells.get(m).copied().flatten() {
                Some(c) => match c.value {
                    CellValue::Value(v) => Some((*w, v, c.origin)),
                    CellValue::NotApplicable => None,
                },
                None => None,
            })
            .collect();
        // one buffer for every window: no allocation per value
        let mut previous: Vec<f64> = Vec::with_capacity(8);
        for (i, (week, v, origin)) in series.iter().enumerate() {
            let Some(from) = week.plus_weeks(-8) else {
                continue;
            };
            if since.is_some_and(|s| *week < s) {
                continue;
            }
            previous.clear();
            previous.extend(
                series[..i]
                    .iter()
                    .rev()
                    .take_while(|(w, _, _)| *w >= from)
                    .map(|(_, v, _)| *v),
            );
            if previous.len() < 4 {
                continue;
            }
            let Some(med) = median(&mut previous) else {
                continue;
            };
            // relative to the floor, so an NPS near 0 is not "5× its median"
            let (x, typical_above_floor) = (*v - metric.floor, med - metric.floor);
            if typical_above_floor <= 0.0
                || !(x > 5.0 * typical_above_floor || x < typical_above_floor / 5.0)
            {
                continue;
            }
            let (shown, typical) = (
                value::format(*v, metric.unit),
                value::format(med, metric.unit),
            );
            let side = if *v > med {
                "more than 5×"
            } else {
                "less than 1/5 of"
            };
            diags.push(
                Diagnostic::warning(Code::Outlier, data.location(*origin), format!("{} = {shown} is {side} its median of the previous 8 weeks ({typical})", metric.id))
                    .with_metric(&metric.id)
                    .with_week(*week)
                    .with_entity(e.name.as_deref())
                    .with_hint("possibly a data-entry error (an extra digit, the wrong unit); correct it if so"),
            );
        }
    }
}

fn gaps(data: &Dataset, e: &EntityData, since: Option<Week>, diags: &mut Vec<Diagnostic>) {
    let (mut previous, rows) = match since {
        Some(s) => (
            e.rows.range(..s).next_back().map(|(w, _)| *w),
            e.rows.range(s..),
        ),
        None => (None, e.rows.range(..)),
    };
    for (week, row) in rows {
        if let Some(p) = previous {
            let missing = p.weeks_until(*week) - 1;
            if missing > 0 {
                let first = p.plus_weeks(1).map(|w| w.to_string()).unwrap_or_default();
                let range = if missing == 1 {
                    format!("week {first} is")
                } else {
                    format!("{missing} weeks from {first} are")
                };
                let who = e
                    .name
                    .as_deref()
                    .map_or_else(String::new, |n| format!(" for {n}"));
                diags.push(
                    Diagnostic::warning(Code::WeekGap, data.location(row.origin), format!("{range} missing before week {week}{who}"))
                        .with_week(*week)
                        .with_entity(e.name.as_deref())
                        .with_hint("add the missing weeks (cells may be empty) so comparisons and baselines line up"),
                );
            }
        }
        previous = Some(*week);
    }
}

/// Every value of a percent metric in one file is ≤ 1 while the rest of its
/// history is above 1: probably fractions (0.45) instead of percents.
fn fractions(t: &Template, data: &Dataset, diags: &mut Vec<Diagnostic>) {
    for (m, metric) in t.metrics.iter().enumerate() {
        if metric.unit != Unit::Percent {
            continue;
        }
        let mut by_file: Vec<Vec<(f64, crate::data::Origin)>> = vec![Vec::new(); data.files.len()];
        for e in &data.entities {
            for row in e.rows.values() {
                if let Some(c) = row.cells.get(m).copied().flatten()
                    && let (CellValue::Value(v), Some(list)) =
                        (c.value, by_file.get_mut(usize::from(c.origin.file)))
                {
                    list.push((v, c.origin));
                }
            }
        }
        for (f, values) in by_file.iter().enumerate() {
            if values.is_empty() || values.iter().any(|(v, _)| *v > 1.0) {
                continue;
            }
            let mut others: Vec<f64> = by_file
                .iter()
                .enumerate()
                .filter(|(g, _)| *g != f)
                .flat_map(|(_, vs)| vs.iter().map(|(v, _)| *v))
                .collect();
            if median(&mut others).is_some_and(|med| med > 1.0) {
                let first = values.iter().map(|(_, o)| *o).min();
                let loc = first.map_or_else(
                    || Location::file(data.files.get(f).map_or("", String::as_str)),
                    |o| data.location(o),
                );
                diags.push(
                    Diagnostic::warning(Code::LooksLikeFraction, loc, format!("every {} value in this file is at most 1 while its history is above 1: these look like fractions", metric.id))
                        .with_metric(&metric.id)
                        .with_hint("write percents as 0–100 (45 or 45%), not 0.45"),
                );
            }
        }
    }
}
