//! Cell syntax → canonical numbers, per unit (SPEC §4.1).
//!
//! `parse_cell` turns the text of one cell into `Parsed` (empty, not
//! applicable, or a finite number in the unit's base); `check_range` applies
//! the metric's valid range; `format` prints a canonical number back in the
//! unit's own syntax for tables and messages.

use std::fmt;

use serde::Serialize;

/// The unit of a metric: how its cells are written and what range they have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Count,
    Number,
    Percent,
    Duration,
    Days,
    Nps,
    Score,
    Currency,
}

impl Unit {
    pub const ALL: [Unit; 8] = [
        Unit::Count,
        Unit::Number,
        Unit::Percent,
        Unit::Duration,
        Unit::Days,
        Unit::Nps,
        Unit::Score,
        Unit::Currency,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Number => "number",
            Unit::Percent => "percent",
            Unit::Duration => "duration",
            Unit::Days => "days",
            Unit::Nps => "nps",
            Unit::Score => "score",
            Unit::Currency => "currency",
        }
    }

    pub fn parse(text: &str) -> Option<Unit> {
        Unit::ALL.into_iter().find(|u| u.as_str() == text)
    }

    /// The default valid range (SPEC §4.1).
    pub fn default_range(self) -> (f64, f64) {
        match self {
            Unit::Percent | Unit::Score => (0.0, 100.0),
            Unit::Nps => (-100.0, 100.0),
            _ => (0.0, f64::INFINITY),
        }
    }

    /// The floor of the score ratio (SPEC §6.3).
    pub fn default_floor(self) -> f64 {
        if self == Unit::Nps { -100.0 } else { 0.0 }
    }

    /// What the unit's cells look like, for hints.
    pub fn syntax(self) -> &'static str {
        match self {
            Unit::Count => "a whole number such as 1234, \"1,234\" or 1 234",
            Unit::Number => "a number such as 3.5",
            Unit::Percent => "a percentage such as 45, 45% or 45.5 %",
            Unit::Duration => "a duration such as 155 (seconds), 2:35, 0:02:35, 2m 35s or 1h 2m",
            Unit::Days => "a number of days such as 45, 45.5 or 45d",
            Unit::Nps => "a Net Promoter Score such as -12, 34 or 33.33",
            Unit::Score => "a score such as 67.5",
            Unit::Currency => "an amount such as 1200.50, $1,200.50 or €1200",
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The decimal mark the template uses (SPEC §2 `decimal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecimalMark {
    #[default]
    Point,
    Comma,
}

/// A parsed cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Parsed {
    /// Not tracked that week.
    Empty,
    /// Explicitly not applicable (`n/a`, `na`, `-`).
    NotApplicable,
    /// A finite canonical number in the unit's base.
    Value(f64),
}

/// Why a cell was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueError {
    /// A spreadsheet formula error such as `#DIV/0!` (`spreadsheet-error`).
    Spreadsheet(&'static str),
    /// Anything else that does not parse (`invalid-value`): the reason.
    Invalid(String),
}

/// The longest cell the tool reads; longer cells are `invalid-value`.
pub const MAX_CELL_BYTES: usize = 256;

const SPREADSHEET_ERRORS: [&str; 7] = [
    "#DIV/0!", "#N/A", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!",
];

/// Parses one cell's text in `unit`'s syntax.
pub fn parse_cell(text: &str, unit: Unit, mark: DecimalMark) -> Result<Parsed, ValueError> {
    let t = text.trim_matches(|c: char| c.is_whitespace());
    if t.is_empty() {
        return Ok(Parsed::Empty);
    }
    if t.len() > MAX_CELL_BYTES {
        return Err(ValueError::Invalid(format!(
            "the cell is {} bytes long; the limit is {MAX_CELL_BYTES}",
            t.len()
        )));
    }
    if ["n/a", "na", "-"]
        .iter()
        .any(|na| t.eq_ignore_ascii_case(na))
    {
        return Ok(Parsed::NotApplicable);
    }
    if let Some(err) = SPREADSHEET_ERRORS
        .iter()
        .find(|e| t.eq_ignore_ascii_case(e))
    {
        return Err(ValueError::Spreadsheet(err));
    }
    parse_number_in(t, unit, mark).map(Parsed::Value)
}

/// Parses a value that must be a number (a `target`, `baseline` or `floor`
/// written as a string in the unit's syntax).
pub fn parse_value(text: &str, unit: Unit, mark: DecimalMark) -> Result<f64, ValueError> {
    match parse_cell(text, unit, mark)? {
        Parsed::Value(v) => Ok(v),
        Parsed::Empty => Err(ValueError::Invalid("it is empty".to_string())),
        Parsed::NotApplicable => Err(ValueError::Invalid(format!("{text} is not a number"))),
    }
}

fn parse_number_in(t: &str, unit: Unit, mark: DecimalMark) -> Result<f64, ValueError> {
    let v = match unit {
        Unit::Count => {
            let v = decimal(t, mark)?;
            if v.fract() != 0.0 {
                return Err(ValueError::Invalid(format!(
                    "{t} is not a whole number, and a count is"
                )));
            }
            v
        }
        Unit::Number | Unit::Nps | Unit::Score => decimal(t, mark)?,
        Unit::Percent => decimal(t.strip_suffix('%').map_or(t, str::trim_end), mark)?,
        Unit::Days => {
            let body = ["days", "day", "d"]
                .iter()
                .find_map(|s| t.strip_suffix(s))
                .map_or(t, str::trim_end);
            decimal(body, mark)?
        }
        Unit::Duration => duration(t, mark)?,
        Unit::Currency => currency(t, mark)?,
    };
    Ok(if v == 0.0 { 0.0 } else { v })
}

/// A plain decimal number with optional sign, grouping (`1,234` or `1 234`)
/// and exponent. Refuses NaN, infinities and overflow by name.
fn decimal(t: &str, mark: DecimalMark) -> Result<f64, ValueError> {
    let t = t.trim();
    // fast path: plain digits (with a point where it is the decimal mark),
    // as exports write them
    if (mark == DecimalMark::Point || !t.contains('.'))
        && let Some(v) = plain_number(t.as_bytes())
    {
        return Ok(v);
    }
    let lower = t.to_ascii_lowercase();
    let bare = lower.trim_start_matches(['+', '-']);
    if bare == "nan" {
        return Err(ValueError::Invalid(format!(
            "{t} (not a number) is not a value"
        )));
    }
    if bare == "inf" || bare == "infinity" {
        return Err(ValueError::Invalid(format!(
            "{t} (infinity) is not a finite value"
        )));
    }
    let canonical = ungroup(t, mark).ok_or_else(|| not_a_number(t, mark))?;
    let v: f64 = canonical.parse().map_err(|_| not_a_number(t, mark))?;
    if !v.is_finite() {
        return Err(ValueError::Invalid(format!(
            "{t} is too large: it overflows a 64-bit number"
        )));
    }
    Ok(v)
}

/// `parse_cell`'s value for a cell that is a plain number, without its
/// general path (the streaming reader's hot path); `None` for any other
/// cell, including a fractional count, which `parse_cell` then refuses.
pub fn plain_cell(bytes: &[u8], unit: Unit, mark: DecimalMark) -> Option<f64> {
    if mark != DecimalMark::Point && bytes.contains(&b'.') {
        return None;
    }
    let v = plain_number(bytes)?;
    if unit == Unit::Count && v.fract() != 0.0 {
        return None;
    }
    Some(if v == 0.0 { 0.0 } else { v })
}

/// Exact powers of ten (every one below 10^23 is an exact `f64`).
const POWERS_OF_TEN: [f64; 18] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17,
];

/// A plain decimal `[-]digits[.digits]` with a point, as exports write
/// numbers, or `None` (anything else: the full parser reads it). Exact:
/// a mantissa below 2^53 and a power of ten below 10^23 are both exact
/// doubles, so one division rounds correctly, as `str::parse` does.
pub fn plain_number(bytes: &[u8]) -> Option<f64> {
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 17 {
        return None;
    }
    let (mut mantissa, mut point) = (0u64, None);
    for (i, &b) in digits.iter().enumerate() {
        let d = b.wrapping_sub(b'0');
        if d < 10 {
            mantissa = mantissa * 10 + u64::from(d);
        } else if b == b'.' && point.is_none() {
            point = Some(i);
        } else {
            return None;
        }
    }
    let scale = point.map_or(0, |p| digits.len() - p - 1);
    // at least one digit
    if digits.len() == usize::from(point.is_some()) || mantissa > 1 << 53 {
        return None;
    }
    let v = mantissa as f64 / POWERS_OF_TEN.get(scale)?;
    Some(if negative { -v } else { v })
}

fn not_a_number(t: &str, mark: DecimalMark) -> ValueError {
    if mark == DecimalMark::Point && t.contains(',') && !t.contains('.') {
        ValueError::Invalid(format!(
            "{t} has a comma where a decimal point is expected (the template sets no decimal = \",\")"
        ))
    } else {
        ValueError::Invalid(format!("{t} is not a number"))
    }
}

/// Removes thousands separators (only in proper groups of three) and turns
/// the decimal mark into a point; `None` when the text is not a number shape.
fn ungroup(t: &str, mark: DecimalMark) -> Option<String> {
    let (sign, rest) = match t.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", t.strip_prefix('+').unwrap_or(t)),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (decimal_char, group_chars): (char, &[char]) = match mark {
        DecimalMark::Point => ('.', &[',', ' ', '\u{a0}', '\u{202f}']),
        DecimalMark::Comma => (',', &[' ', '\u{a0}', '\u{202f}', '.']),
    };
    let (int_part, frac_part) = match mantissa.split_once(decimal_char) {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let groups: Vec<&str> = int_part.split(group_chars).collect();
    let grouped_ok = groups.len() == 1
        || (groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
            && groups.iter().skip(1).all(|g| g.len() == 3));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !grouped_ok || !groups.iter().all(|g| digits(g)) {
        // `.5` is a number too
        if !(int_part.is_empty() && frac_part.is_some()) {
            return None;
        }
    }
    if let Some(f) = frac_part
        && !digits(f)
    {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if !digits(e) {
            return None;
        }
    }
    let mut out = String::with_capacity(t.len());
    out.push_str(sign);
    out.push_str(&groups.concat());
    if let Some(f) = frac_part {
        out.push('.');
        out.push_str(f);
    }
    if let Some(e) = exponent {
        out.push('e');
        out.push_str(e);
    }
    Some(out)
}

/// `155`, `2:35`, `0:02:35`, `2m 35s`, `1h 2m`, `3m`, `45s`.
fn duration(t: &str, mark: DecimalMark) -> Result<f64, ValueError> {
    let bad = || ValueError::Invalid(format!("{t} is not a duration"));
    if t.contains(':') {
        let parts: Vec<&str> = t.split(':').collect();
        let nums: Vec<f64> = parts
            .iter()
            .map(|p| {
                let p = p.trim();
                if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                    None
                } else {
                    p.parse::<f64>().ok()
                }
            })
            .collect::<Option<_>>()
            .ok_or_else(bad)?;
        let (h, m, s) = match nums.as_slice() {
            [m, s] => (0.0, *m, *s),
            [h, m, s] => {
                if *m >= 60.0 {
                    return Err(ValueError::Invalid(format!(
                        "{t} has {m} minutes; h:mm:ss needs 0-59"
                    )));
                }
                (*h, *m, *s)
            }
            _ => return Err(bad()),
        };
        if s >= 60.0 {
            return Err(ValueError::Invalid(format!(
                "{t} has {s} seconds; m:ss needs 0-59"
            )));
        }
        return Ok(h * 3600.0 + m * 60.0 + s);
    }
    if t.bytes()
        .any(|b| matches!(b, b'h' | b'm' | b's' | b'H' | b'M' | b'S'))
    {
        return hms(t).ok_or_else(bad);
    }
    decimal(t, mark)
}

/// `1h 2m 3s` with each part at most once, in that order.
fn hms(t: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut rest = t.trim();
    let mut last_rank = 0;
    while !rest.is_empty() {
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let number: f64 = rest[..end].parse().ok()?;
        let after = rest[end..].trim_start();
        let letter = after.chars().next()?.to_ascii_lowercase();
        let (rank, factor) = match letter {
            'h' => (1, 3600.0),
            'm' => (2, 60.0),
            's' => (3, 1.0),
            _ => return None,
        };
        if rank <= last_rank {
            return None;
        }
        last_rank = rank;
        total += number * factor;
        rest = after[1..].trim_start();
    }
    (last_rank > 0).then_some(total)
}

/// `1200.50`, `$1,200.50`, `€1200`, `1200 €`: one symbol at most.
fn currency(t: &str, mark: DecimalMark) -> Result<f64, ValueError> {
    const SYMBOLS: [char; 5] = ['$', '€', '£', '¥', '₹'];
    let count = t.chars().filter(|c| SYMBOLS.contains(c)).count();
    if count > 1 {
        return Err(ValueError::Invalid(format!(
            "{t} has more than one currency symbol"
        )));
    }
    let (negative, body) = match t.strip_prefix('-') {
        Some(r) => (true, r.trim_start()),
        None => (false, t),
    };
    let body = body
        .strip_prefix(SYMBOLS)
        .or_else(|| body.strip_suffix(SYMBOLS))
        .map_or(body, str::trim);
    if body.starts_with('-') && negative {
        return Err(ValueError::Invalid(format!("{t} is not an amount")));
    }
    let v = decimal(body, mark)?;
    Ok(if negative { -v } else { v })
}

/// The reason a value lies outside `[min, max]`, or `None` when it is inside.
pub fn check_range(v: f64, unit: Unit, min: Option<f64>, max: Option<f64>) -> Option<String> {
    let (lo, hi) = bounds(unit, min, max);
    if v < lo {
        Some(format!("is below {}", format(lo, unit)))
    } else if v > hi {
        Some(format!("is above {}", format(hi, unit)))
    } else {
        None
    }
}

/// The values a metric accepts: its `min`/`max`, else its unit's range.
pub fn bounds(unit: Unit, min: Option<f64>, max: Option<f64>) -> (f64, f64) {
    let (lo, hi) = unit.default_range();
    (min.unwrap_or(lo), max.unwrap_or(hi))
}

/// A canonical number in the unit's own syntax (`2m 35s`, `45.5%`, `1,234`).
pub fn format(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Count if v.fract() == 0.0 => group(v, 0),
        // a baseline (a median) or a period mean can be fractional
        Unit::Count => group(v, 2).trim_end_matches('0').to_string(),
        Unit::Currency => group(v, 2),
        Unit::Percent => format!("{}%", trim_decimals(v, 1)),
        Unit::Days => format!("{}d", trim_decimals(v, 1)),
        Unit::Duration => format_duration(v),
        Unit::Number | Unit::Nps | Unit::Score => trim_decimals(v, 2),
    }
}

fn trim_decimals(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".to_string() } else { s }
}

fn group(v: f64, decimals: usize) -> String {
    let s = format!("{:.decimals$}", v.abs());
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    if v < 0.0 && out.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        out.insert(0, '-');
    }
    out
}

fn format_duration(v: f64) -> String {
    if !v.is_finite() || v < 0.0 {
        return trim_decimals(v, 1);
    }
    let total = v.round() as u64;
    let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m {s}s"),
        (h, m, 0) => format!("{h}h {m}m"),
        (h, m, s) => format!("{h}h {m}m {s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_numbers_parse_exactly_like_the_standard_parser() {
        for t in [
            "0",
            "-0",
            "7",
            "007",
            "1.",
            ".5",
            "-.5",
            "45.25",
            "0.1",
            "99.9",
            "3.14159265358979",
            "9007199254740992",
        ] {
            assert_eq!(plain_number(t.as_bytes()), t.parse::<f64>().ok(), "{t}");
        }
        for t in [
            "",
            "-",
            ".",
            "1.2.3",
            "1e5",
            "+1",
            " 1",
            "1,5",
            "12345678901234567890",
            "9007199254740993",
        ] {
            assert_eq!(plain_number(t.as_bytes()), None, "{t}");
        }
    }

    proptest::proptest! {
        #[test]
        fn plain_numbers_agree_with_str_parse(int in "-?[0-9]{0,9}", frac in proptest::option::of("[0-9]{0,7}")) {
            let t = match &frac {
                Some(f) => format!("{int}.{f}"),
                None => int.clone(),
            };
            if let Some(v) = plain_number(t.as_bytes()) {
                proptest::prop_assert_eq!(Some(v), t.parse::<f64>().ok());
            } else {
                // no number, or one whose digits may not fit the 53-bit shortcut
                let digits = t.bytes().filter(u8::is_ascii_digit).count();
                proptest::prop_assert!(t.parse::<f64>().is_err() || digits >= 16, "{}", t);
            }
            // the streaming reader's shortcut gives parse_cell's value or nothing
            for unit in [Unit::Count, Unit::Percent, Unit::Duration, Unit::Currency, Unit::Nps] {
                for mark in [Point, Comma] {
                    if let Some(v) = plain_cell(t.as_bytes(), unit, mark) {
                        proptest::prop_assert_eq!(parse_cell(&t, unit, mark).ok(), Some(Parsed::Value(v)));
                    }
                }
            }
        }
    }
    use DecimalMark::{Comma, Point};

    fn v(text: &str, unit: Unit) -> f64 {
        match parse_cell(text, unit, Point) {
            Ok(Parsed::Value(v)) => v,
            other => panic!("{text:?} as {unit}: {other:?}"),
        }
    }

    fn invalid(text: &str, unit: Unit, mark: DecimalMark) -> bool {
        matches!(parse_cell(text, unit, mark), Err(ValueError::Invalid(_)))
    }

    #[test]
    fn every_syntax_of_the_unit_table_parses() {
        assert_eq!(v("1234", Unit::Count), 1234.0);
        assert_eq!(v("1,234", Unit::Count), 1234.0);
        assert_eq!(v("1 234", Unit::Count), 1234.0);
        assert_eq!(v("3.5", Unit::Number), 3.5);
        assert_eq!(
            parse_cell("3,5", Unit::Number, Comma),
            Ok(Parsed::Value(3.5))
        );
        assert_eq!(
            parse_cell("1 234,5", Unit::Number, Comma),
            Ok(Parsed::Value(1234.5))
        );
        assert_eq!(v("45", Unit::Percent), 45.0);
        assert_eq!(v("45%", Unit::Percent), 45.0);
        assert_eq!(v("45.5 %", Unit::Percent), 45.5);
        assert_eq!(v("155", Unit::Duration), 155.0);
        assert_eq!(v("2:35", Unit::Duration), 155.0);
        assert_eq!(v("0:02:35", Unit::Duration), 155.0);
        assert_eq!(v("2m 35s", Unit::Duration), 155.0);
        assert_eq!(v("1h 2m", Unit::Duration), 3720.0);
        assert_eq!(v("3m", Unit::Duration), 180.0);
        assert_eq!(v("45s", Unit::Duration), 45.0);
        assert_eq!(v("45", Unit::Days), 45.0);
        assert_eq!(v("45.5", Unit::Days), 45.5);
        assert_eq!(v("45d", Unit::Days), 45.0);
        assert_eq!(v("-12", Unit::Nps), -12.0);
        assert_eq!(v("33.33", Unit::Nps), 33.33);
        assert_eq!(v("67.5", Unit::Score), 67.5);
        assert_eq!(v("1200.50", Unit::Currency), 1200.5);
        assert_eq!(v("$1,200.50", Unit::Currency), 1200.5);
        assert_eq!(v("€1200", Unit::Currency), 1200.0);
    }

    #[test]
    fn empty_and_not_applicable() {
        assert_eq!(parse_cell("  ", Unit::Count, Point), Ok(Parsed::Empty));
        for na in ["n/a", "N/A", "na", "NA", "-"] {
            assert_eq!(
                parse_cell(na, Unit::Percent, Point),
                Ok(Parsed::NotApplicable),
                "{na}"
            );
        }
    }

    #[test]
    fn spreadsheet_errors_are_named() {
        for e in [
            "#DIV/0!", "#N/A", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!",
        ] {
            assert_eq!(
                parse_cell(e, Unit::Number, Point),
                Err(ValueError::Spreadsheet(e))
            );
        }
    }

    #[test]
    fn non_finite_and_malformed_values_are_invalid() {
        for t in [
            "NaN",
            "nan",
            "inf",
            "-inf",
            "Infinity",
            "1e400",
            &"9".repeat(400),
            "12abc",
            "1.2.3",
            "--1",
        ] {
            assert!(invalid(t, Unit::Number, Point), "{t}");
        }
        assert!(invalid("1.5", Unit::Count, Point));
        assert!(invalid("12:75", Unit::Duration, Point));
        assert!(invalid("1:75:00", Unit::Duration, Point));
        assert!(invalid("35s 2m", Unit::Duration, Point));
        assert!(invalid("45,5", Unit::Percent, Point));
        assert!(invalid("$€12", Unit::Currency, Point));
        assert!(invalid("1,23", Unit::Count, Point));
        assert!(invalid(&"x".repeat(10_000), Unit::Count, Point));
    }

    #[test]
    fn ranges_come_from_the_unit_unless_the_metric_says_otherwise() {
        assert!(check_range(145.0, Unit::Percent, None, None).is_some());
        assert!(check_range(-12.0, Unit::Count, None, None).is_some());
        assert!(check_range(-140.0, Unit::Nps, None, None).is_some());
        assert!(check_range(-100.0, Unit::Nps, None, None).is_none());
        assert!(check_range(105.0, Unit::Score, None, None).is_some());
        assert!(check_range(20.0, Unit::Score, None, Some(25.0)).is_none());
        assert!(check_range(26.0, Unit::Score, None, Some(25.0)).is_some());
    }

    #[test]
    fn formatting_uses_the_unit_syntax() {
        assert_eq!(format(155.0, Unit::Duration), "2m 35s");
        assert_eq!(format(3720.0, Unit::Duration), "1h 2m");
        assert_eq!(format(45.5, Unit::Percent), "45.5%");
        assert_eq!(format(1234.0, Unit::Count), "1,234");
        assert_eq!(format(1200.5, Unit::Currency), "1,200.50");
        assert_eq!(format(-0.001, Unit::Number), "0");
    }
}
