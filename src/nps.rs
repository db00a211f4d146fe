//! NPS from raw survey answers (SPEC §8 `nps`): per week, promoters (9–10),
//! passives (7–8), detractors (0–6), NPS = %promoters − %detractors and its
//! 95 % margin of error.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::csv_reader::detect_delimiter;
use crate::diagnostic::{Code, Diagnostic, Location, excerpt};
use crate::week::{Week, parse_date};

/// One week of answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NpsWeek {
    pub week: Week,
    pub responses: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    /// %promoters − %detractors, −100..100.
    pub nps: f64,
    /// 1.96 × 100 × sqrt((pP + pD − (pP − pD)²) / n).
    pub margin_of_error: f64,
}

impl NpsWeek {
    fn from_counts(week: Week, promoters: u64, passives: u64, detractors: u64) -> Self {
        let n = promoters + passives + detractors;
        let (pp, pd) = if n == 0 {
            (0.0, 0.0)
        } else {
            (promoters as f64 / n as f64, detractors as f64 / n as f64)
        };
        let moe = if n == 0 {
            0.0
        } else {
            1.96 * 100.0 * ((pp + pd - (pp - pd).powi(2)).max(0.0) / n as f64).sqrt()
        };
        NpsWeek {
            week,
            responses: n,
            promoters,
            passives,
            detractors,
            nps: 100.0 * (pp - pd),
            margin_of_error: moe,
        }
    }
}

/// Which columns hold the date and the score.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    pub date: Option<String>,
    pub score: Option<String>,
}

const DATE_NAMES: [&str; 9] = [
    "date",
    "week",
    "submitted",
    "submitted_at",
    "timestamp",
    "created",
    "created_at",
    "response_date",
    "time",
];
const SCORE_NAMES: [&str; 7] = [
    "score",
    "nps",
    "rating",
    "answer",
    "likelihood",
    "recommend",
    "value",
];

fn find(header: &[String], wanted: Option<&str>, names: &[&str]) -> Option<usize> {
    match wanted {
        Some(w) => header.iter().position(|h| h.eq_ignore_ascii_case(w)),
        None => names
            .iter()
            .find_map(|n| header.iter().position(|h| h.eq_ignore_ascii_case(n))),
    }
}

/// Counts answers per week. Errors are located diagnostics; a missing
/// column is `Err(message)` (a usage error).
pub fn compute(
    text: &str,
    file: &str,
    columns: &Columns,
    week_start: chrono::Weekday,
    date_format: Option<&str>,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<NpsWeek>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(detect_delimiter(text))
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(h)) => h.iter().map(|s| s.trim().to_string()).collect(),
        _ => return Err(format!("{file} has no header")),
    };
    let listed = header.join(", ");
    let date_col = find(&header, columns.date.as_deref(), &DATE_NAMES).ok_or_else(|| {
        format!("{file}: no date column (the columns are {listed}); name it with --date-column")
    })?;
    let score_col = find(&header, columns.score.as_deref(), &SCORE_NAMES).ok_or_else(|| {
        format!("{file}: no score column (the columns are {listed}); name it with --score-column")
    })?;
    let mut weeks: BTreeMap<Week, (u64, u64, u64)> = BTreeMap::new();
    for record in records {
        let Ok(record) = record else { continue };
        let line = record
            .position()
            .map_or(0, |p| u32::try_from(p.line()).unwrap_or(u32::MAX));
        let at = |c: usize| Location::at(file, line, u32::try_from(c + 1).ok());
        let score_text = record.get(score_col).unwrap_or("").trim();
        if score_text.is_empty() {
            continue;
        }
        let date_text = record.get(date_col).unwrap_or("").trim();
        // a timestamp's date part is enough: answers are counted by week
        let day = date_text.get(..10).filter(|_| {
            date_text.len() > 10
                && date_text
                    .as_bytes()
                    .get(10)
                    .is_some_and(|b| *b == b'T' || *b == b' ')
        });
        let date = match parse_date(day.unwrap_or(date_text), date_format) {
            Ok(d) => d,
            Err(e) => {
                let message = match e {
                    crate::week::WeekError::Invalid { message, .. } => {
                        message.replacen("week", "date", 1)
                    }
                    other => other.message(date_text),
                };
                diags.push(
                    Diagnostic::error(Code::InvalidValue, at(date_col), message).with_hint(
                        "write dates as YYYY-MM-DD, or give --date-format (e.g. %m/%d/%Y)",
                    ),
                );
                continue;
            }
        };
        let score = match score_text.parse::<u8>() {
            Ok(s) if s <= 10 => s,
            Ok(_) | Err(_) if score_text.parse::<i64>().is_ok() => {
                diags.push(
                    Diagnostic::error(
                        Code::OutOfRange,
                        at(score_col),
                        format!("answer {} is outside the 0–10 scale", excerpt(score_text)),
                    )
                    .with_hint("NPS answers are whole numbers from 0 to 10 (1–10 scales are fine)"),
                );
                continue;
            }
            _ => {
                diags.push(Diagnostic::error(
                    Code::InvalidValue,
                    at(score_col),
                    format!(
                        "answer {} is not a whole number from 0 to 10",
                        excerpt(score_text)
                    ),
                ));
                continue;
            }
        };
        let counts = weeks.entry(Week::containing(date, week_start)).or_default();
        match score {
            9..=10 => counts.0 += 1,
            7..=8 => counts.1 += 1,
            _ => counts.2 += 1,
        }
    }
    Ok(weeks
        .into_iter()
        .map(|(w, (p, n, d))| NpsWeek::from_counts(w, p, n, d))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_answers_by_hand() {
        // 25 promoters, 15 passives, 10 detractors: NPS = 50 % − 20 % = 30;
        // MoE = 1.96 × 100 × sqrt((0.5 + 0.2 − 0.3²) / 50) = 1.96 × 100 × sqrt(0.0122)
        let w = NpsWeek::from_counts(
            Week::containing(chrono::NaiveDate::default(), chrono::Weekday::Mon),
            25,
            15,
            10,
        );
        assert_eq!(w.responses, 50);
        assert!((w.nps - 30.0).abs() < 1e-9);
        assert!(
            (w.margin_of_error - 196.0 * 0.0122f64.sqrt()).abs() < 1e-9,
            "{}",
            w.margin_of_error
        );
    }

    #[test]
    fn answers_are_counted_per_week_and_bad_ones_located() {
        let text = "submitted_at,score\n2026-11-16T09:00:00Z,10\n2026-11-18,6\n2026-11-23,8\n2026-11-24,11\n2026-11-24,x\n";
        let mut diags = Vec::new();
        let weeks = compute(
            text,
            "r.csv",
            &Columns::default(),
            chrono::Weekday::Mon,
            None,
            &mut diags,
        )
        .unwrap_or_default();
        assert_eq!(weeks.len(), 2);
        assert_eq!((weeks[0].promoters, weeks[0].detractors), (1, 1));
        assert_eq!(weeks[1].passives, 1);
        let codes: Vec<(Code, Option<u32>)> = diags.iter().map(|d| (d.code, d.line)).collect();
        assert_eq!(
            codes,
            vec![(Code::OutOfRange, Some(5)), (Code::InvalidValue, Some(6))]
        );
    }
}
