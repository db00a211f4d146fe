//! Renderers: one module per output format, all reading the same report.
//! Shared number formatting lives here.

pub mod chart;
pub mod csv;
pub mod diagnostics;
pub mod json;
pub mod markdown;
pub mod table;

use crate::report::{MetricReport, ScoreReport};
use crate::score::Status;
use crate::value;

/// One line per crossed threshold, for stderr (and the mail cron sends).
pub fn alerts(alerts: &[crate::report::Alert]) -> String {
    use crate::report::AlertKind;
    let mut out = String::new();
    for a in alerts {
        let who = a
            .entity
            .as_deref()
            .map_or_else(String::new, |e| format!(" for {e}"));
        let line = match a.kind {
            AlertKind::Below => format!(
                "alert: the Trust Index{who} is {:.1}, below {}",
                a.value, a.threshold
            ),
            AlertKind::Drop => format!(
                "alert: the Trust Index{who} fell by {:.1} points (threshold {})",
                -a.value, a.threshold
            ),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A score with 1 decimal (tables), empty when absent.
pub fn score1(v: Option<f64>) -> String {
    v.map(|v| no_negative_zero(format!("{v:.1}")))
        .unwrap_or_default()
}

/// A change with its sign and 1 decimal (`+4.3`, `−2.1`), empty when absent.
pub fn change1(v: Option<f64>) -> String {
    match v {
        Some(v) => {
            let s = no_negative_zero(format!("{:.1}", v.abs()));
            if s == "0.0" {
                "0.0".to_string()
            } else if v > 0.0 {
                format!("+{s}")
            } else {
                format!("-{s}")
            }
        }
        None => String::new(),
    }
}

/// A number with 2 decimals (CSV), empty when absent; never `-0.00`.
pub fn fixed2(v: Option<f64>) -> String {
    v.map(|v| no_negative_zero(format!("{v:.2}")))
        .unwrap_or_default()
}

fn no_negative_zero(s: String) -> String {
    if s.starts_with('-') && s.bytes().all(|b| matches!(b, b'-' | b'0' | b'.')) {
        s[1..].to_string()
    } else {
        s
    }
}

/// A metric's value in its unit's syntax, or why there is none.
pub fn value_text(m: &MetricReport) -> String {
    match (m.value, m.status) {
        (Some(v), _) => value::format(v, m.unit),
        (None, Status::NotApplicable) => "n/a".to_string(),
        (None, _) => "–".to_string(),
    }
}

/// The reference in the unit's syntax with its kind (`2m 30s base`).
pub fn reference_text(m: &MetricReport) -> String {
    match (m.reference, m.reference_kind) {
        (Some(r), Some(k)) => format!(
            "{} {}",
            value::format(r, m.unit),
            if k.as_str() == "target" {
                "target"
            } else {
                "base"
            }
        ),
        _ => String::new(),
    }
}

/// A short status for tables.
pub fn status_text(m: &MetricReport) -> String {
    match (m.status, &m.baseline_progress) {
        (Status::BuildingBaseline, Some(p)) => format!("building {}/{}", p.have, p.need),
        (Status::NotApplicable, _) => "n/a".to_string(),
        (Status::NoReference, _) => "no reference".to_string(),
        (s, _) => s.as_str().replace('_', " "),
    }
}

/// A grid cell as a table shows it: scores with 1 decimal, changes signed,
/// metric values in their unit's syntax.
pub fn grid_cell(kind: crate::grid::RowKind, v: Option<f64>) -> String {
    use crate::grid::RowKind;
    match (kind, v) {
        (_, None) => String::new(),
        (RowKind::Change, v) => change1(v),
        (RowKind::Metric(unit), Some(x)) => value::format(x, unit),
        (_, v) => score1(v),
    }
}

/// A sparkline of scores: one block per week, `·` where there is none.
pub fn sparkline(values: &[Option<f64>]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let lo = present.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = present.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    values
        .iter()
        .map(|v| match v {
            None => '·',
            Some(_) if hi - lo < 1e-9 => BARS[3],
            Some(v) => {
                let k = ((v - lo) / (hi - lo) * 7.0).round().clamp(0.0, 7.0) as usize;
                BARS.get(k).copied().unwrap_or('?')
            }
        })
        .collect()
}

/// The heading of a score report: the period and what it is compared with.
pub fn heading(name: &str, r: &ScoreReport) -> String {
    let p = &r.period;
    let what = match p.kind {
        crate::period::PeriodKind::Week => format!("week {}", p.label),
        _ => format!("{} {}", p.kind.as_str(), p.label),
    };
    let partial = if p.partial { " (partial)" } else { "" };
    if p.compared_label.is_empty() {
        format!("{name} · {what}{partial}")
    } else {
        format!(
            "{name} · {what}{partial} · compared with {}",
            p.compared_label
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_never_print_negative_zero() {
        assert_eq!(fixed2(Some(-0.001)), "0.00");
        assert_eq!(score1(Some(-0.04)), "0.0");
        assert_eq!(change1(Some(-0.04)), "0.0");
        assert_eq!(change1(Some(4.26)), "+4.3");
        assert_eq!(change1(Some(-2.1)), "-2.1");
        assert_eq!(fixed2(None), "");
    }

    #[test]
    fn sparklines_scale_to_their_range() {
        assert_eq!(sparkline(&[Some(0.0), None, Some(100.0)]), "▁·█");
    }
}
