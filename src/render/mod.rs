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
    let mut out = String::new();
    if let Some(v) = v {
        push_fixed2(&mut out, v);
    }
    out
}

/// `v` with 2 decimals, as `format!("{v:.2}")` writes it (the exact binary
/// value rounded half to even) but never `-0.00`. Computed with integers
/// below 2^53, where every CSV number of this tool falls: `format!` takes
/// its slow exact path (big numbers) for many values, a tenth of the time
/// of `leads --out` on half a million contacts.
pub fn push_fixed2(out: &mut String, v: f64) {
    match hundredths(v.abs()) {
        Some(n) => {
            if n != 0 && v.is_sign_negative() {
                out.push('-');
            }
            push_whole(out, n / 100);
            out.push('.');
            let cents = n % 100;
            out.push(char::from(b'0' + (cents / 10) as u8));
            out.push(char::from(b'0' + (cents % 10) as u8));
        }
        None => out.push_str(&no_negative_zero(format!("{v:.2}"))),
    }
}

/// `n` in decimal digits, as `n.to_string()` but without allocating.
pub fn push_whole(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        if let Some(d) = digits.get_mut(at) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    for &d in digits.get(at..).unwrap_or(&[]) {
        out.push(char::from(d));
    }
}

/// `v` × 100 rounded half to even, exactly, for a finite `v` from 0 to
/// 9·10^15; `None` otherwise.
fn hundredths(v: f64) -> Option<u64> {
    if !(0.0..9.0e15).contains(&v) {
        return None;
    }
    let bits = v.to_bits();
    let exponent = i64::try_from((bits >> 52) & 0x7FF).ok()?;
    let fraction = bits & ((1 << 52) - 1);
    // v = m · 2^e with m below 2^53
    let (m, e) = match exponent {
        0 => (fraction, -1074),
        _ => (fraction | (1 << 52), exponent - 1075),
    };
    if e >= 0 {
        // a whole number below 2^53: times 100 stays below 2^60
        return Some((m << e) * 100);
    }
    let shift = u32::try_from(-e).ok()?;
    let scaled = m * 100;
    if shift >= 64 {
        // below half a hundredth (scaled < 2^60 < 2^(shift-1))
        return Some(0);
    }
    let (whole, rest, half) = (
        scaled >> shift,
        scaled & ((1 << shift) - 1),
        1u64 << (shift - 1),
    );
    Some(match rest.cmp(&half) {
        std::cmp::Ordering::Greater => whole + 1,
        std::cmp::Ordering::Equal => whole + (whole & 1),
        std::cmp::Ordering::Less => whole,
    })
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

    /// What `push_fixed2` must print: `format!` without a negative zero.
    fn slow(v: f64) -> String {
        no_negative_zero(format!("{v:.2}"))
    }

    #[test]
    fn two_decimals_round_the_exact_value_half_to_even_like_format() {
        for v in [
            0.125,
            0.375,
            0.625,
            -0.125,
            0.005,
            0.015,
            0.025,
            1.005,
            0.0,
            -0.0,
            1e-300,
            5e-324,
            -0.004,
            99.995,
            8.9e15,
            9.1e15,
            1e300,
            f64::NAN,
            f64::INFINITY,
            -f64::INFINITY,
        ] {
            assert_eq!(fixed2(Some(v)), slow(v), "{v:e}");
        }
        assert_eq!(fixed2(Some(0.125)), "0.12");
        assert_eq!(fixed2(Some(0.375)), "0.38");
    }

    proptest::proptest! {
        #[test]
        fn two_decimals_agree_with_format_for_any_bits(bits in proptest::num::u64::ANY) {
            let v = f64::from_bits(bits);
            proptest::prop_assert_eq!(fixed2(Some(v)), slow(v));
        }

        #[test]
        fn two_decimals_agree_with_format_for_everyday_sizes(v in -1.0e7f64..1.0e7) {
            proptest::prop_assert_eq!(fixed2(Some(v)), slow(v));
        }

        #[test]
        fn two_decimals_agree_with_format_near_ties(k in -2_000_000_000i64..2_000_000_000, d in 0u32..4) {
            // k/8 and k/1000: exact ties and their nearest doubles
            let v = match d {
                0 => k as f64 / 8.0,
                1 => k as f64 / 1000.0,
                2 => k as f64 / 200.0,
                _ => (k as f64 / 200.0).next_up(),
            };
            proptest::prop_assert_eq!(fixed2(Some(v)), slow(v));
        }
    }

    #[test]
    fn whole_numbers_print_as_to_string_does() {
        for n in [0, 7, 10, 99, 100, 12_345, u64::MAX] {
            let mut out = String::new();
            push_whole(&mut out, n);
            assert_eq!(out, n.to_string());
        }
    }

    #[test]
    fn sparklines_scale_to_their_range() {
        assert_eq!(sparkline(&[Some(0.0), None, Some(100.0)]), "▁·█");
    }
}
