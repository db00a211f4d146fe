//! Importing the old spreadsheet (SPEC §8 `import`): metric labels down the
//! first column, week dates across the header row, section and blank rows
//! in between. Labels map to metric ids (id, label, then a close match that
//! is reported); the result is canonical wide CSV. Pure: the command reads
//! the CSV or workbook into a `Sheet`.

use chrono::{Datelike, Duration, NaiveDate};

use crate::diagnostic::{Code, Diagnostic, Location, did_you_mean, excerpt};
use crate::template::Template;
use crate::value::{self, Parsed, ValueError};
use crate::week::{WeekError, day_name, parse_date};

/// One cell of the sheet as read.
#[derive(Debug, Clone, PartialEq)]
pub enum SheetCell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    /// A workbook date/time cell: its serial (days since 1899-12-30; the
    /// fraction is the time of day).
    Time(f64),
}

impl SheetCell {
    fn is_empty(&self) -> bool {
        match self {
            SheetCell::Empty => true,
            SheetCell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    fn text(&self) -> String {
        match self {
            SheetCell::Empty => String::new(),
            SheetCell::Text(t) => t.trim().to_string(),
            SheetCell::Number(n) => format!("{n}"),
            SheetCell::Date(d) => d.to_string(),
            SheetCell::Time(serial) => {
                excel_date(*serial).map_or_else(|| format!("{serial}"), |d| d.to_string())
            }
        }
    }
}

/// A sheet: rows of cells, and the name locations use.
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<SheetCell>>,
}

/// What the import did besides writing the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    /// The CSV text.
    pub csv: String,
    /// Close matches used, as `"Label" → id`, for the user to check.
    pub guesses: Vec<String>,
    pub weeks: usize,
    pub metrics: usize,
}

/// An Excel serial date (days since 1899-12-30).
pub fn excel_date(serial: f64) -> Option<NaiveDate> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    (serial.is_finite() && (1.0..2_958_466.0).contains(&serial))
        .then(|| base + Duration::days(serial.floor() as i64))
}

fn loc(sheet: &Sheet, row: usize, col: usize) -> Location {
    Location::at(
        &sheet.name,
        u32::try_from(row + 1).unwrap_or(u32::MAX),
        u32::try_from(col + 1).ok(),
    )
}

/// Converts a sheet; `maps` are `--map "Label=id"` pairs.
pub fn import(
    sheet: &Sheet,
    t: &Template,
    maps: &[(String, String)],
    date_format: Option<&str>,
) -> Result<ImportReport, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    for (label, id) in maps {
        if t.metric_index(id).is_none() {
            let mut d = Diagnostic::error(
                Code::UnknownMetric,
                Location::default(),
                format!("--map {label:?}={id}: the template has no metric {id}"),
            );
            if let Some(s) = did_you_mean(id, t.metric_ids()) {
                d = d.with_hint(format!("did you mean {s}?"));
            }
            diags.push(d);
        }
    }
    let Some(h) = sheet
        .rows
        .iter()
        .position(|r| r.iter().any(|c| !c.is_empty()))
    else {
        return Err(vec![Diagnostic::error(
            Code::EmptyFile,
            Location::file(&sheet.name),
            format!("{} is empty", sheet.name),
        )]);
    };
    let header = &sheet.rows[h];
    // week columns
    let mut weeks: Vec<(usize, NaiveDate)> = Vec::new();
    for (c, cell) in header.iter().enumerate().skip(1) {
        let date = match cell {
            SheetCell::Empty => continue,
            SheetCell::Text(t) if t.trim().is_empty() => continue,
            SheetCell::Date(d) => Ok(*d),
            SheetCell::Time(serial) => {
                excel_date(*serial).ok_or_else(|| format!("{serial} is not a date"))
            }
            SheetCell::Number(n) if sheet.name.to_ascii_lowercase().ends_with(".csv") => {
                Err(format!("{n} is not a date"))
            }
            SheetCell::Number(n) => excel_date(*n).ok_or_else(|| format!("{n} is not a date")),
            SheetCell::Text(text) => parse_date(text, date_format).map_err(|e| match e {
                WeekError::Invalid { message, .. } => message.replacen("week", "header", 1),
                other => other.message(text),
            }),
        };
        match date {
            Ok(d) if d.weekday() != t.week_start => {
                let start = crate::week::Week::containing(d, t.week_start);
                diags.push(
                    Diagnostic::error(Code::NotWeekStart, loc(sheet, h, c), format!("week {d} is a {}, but weeks start on {}", day_name(d.weekday()), day_name(t.week_start)))
                        .with_hint(format!("the week that contains it starts on {start}")),
                );
            }
            Ok(d) => {
                if let Some((c0, _)) = weeks.iter().find(|(_, w)| *w == d) {
                    diags.push(Diagnostic::error(Code::DuplicateWeek, loc(sheet, h, c), format!("week {d} is in columns {} and {}", c0 + 1, c + 1)));
                }
                weeks.push((c, d));
            }
            Err(message) => diags.push(
                Diagnostic::error(Code::InvalidValue, loc(sheet, h, c), message)
                    .with_hint("week columns are dates (2026-11-16); give --date-format for others, e.g. %d.%m.%Y"),
            ),
        }
    }
    // metric rows
    let mut report = ImportReport::default();
    let mut rows: Vec<(usize, usize)> = Vec::new(); // (sheet row, metric)
    for (r, row) in sheet.rows.iter().enumerate().skip(h + 1) {
        let label = row.first().map(SheetCell::text).unwrap_or_default();
        let has_values = row.iter().skip(1).any(|c| !c.is_empty());
        if label.is_empty() && !has_values {
            continue;
        }
        let is_section = t
            .stages
            .iter()
            .any(|s| s.id.eq_ignore_ascii_case(&label) || s.label.eq_ignore_ascii_case(&label));
        if is_section && !has_values {
            continue;
        }
        let mapped = maps
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(&label))
            .and_then(|(_, id)| t.metric_index(id));
        let by_id = t
            .metrics
            .iter()
            .position(|m| m.id.eq_ignore_ascii_case(&label));
        let exact = mapped.or(by_id).or_else(|| t.column_metric(&label));
        let m = match exact {
            Some(m) => m,
            None => {
                let candidates = t
                    .metrics
                    .iter()
                    .flat_map(|m| [m.id.as_str(), m.label.as_str()]);
                match did_you_mean(&label, candidates).and_then(|s| t.column_metric(s)) {
                    Some(m) if !label.is_empty() => {
                        report
                            .guesses
                            .push(format!("{label:?} → {}", t.metrics[m].id));
                        m
                    }
                    _ => {
                        if !has_values {
                            continue; // a heading or note row
                        }
                        let ids: Vec<&str> = t.metric_ids().collect();
                        diags.push(
                            Diagnostic::error(
                                Code::UnknownMetric,
                                loc(sheet, r, 0),
                                format!(
                                    "row label {:?} is no metric of the template",
                                    excerpt(&label)
                                ),
                            )
                            .with_hint(format!(
                                "map it with --map \"{label}=<id>\"; the ids are {}",
                                ids.join(", ")
                            )),
                        );
                        continue;
                    }
                }
            }
        };
        if let Some((r0, _)) = rows.iter().find(|(_, x)| *x == m) {
            diags.push(Diagnostic::error(
                Code::DuplicateColumn,
                loc(sheet, r, 0),
                format!(
                    "rows {} and {} both map to {}",
                    r0 + 1,
                    r + 1,
                    t.metrics[m].id
                ),
            ));
            continue;
        }
        rows.push((r, m));
    }
    rows.sort_by_key(|(_, m)| *m);
    weeks.sort_by_key(|(_, d)| *d);
    // cells, checked in their unit
    // Workbook cells keep what the sheet showed: a time cell is a duration
    // (a fraction of a day), and a percent row whose numbers are all ≤ 1
    // was formatted as a percentage (45 % is stored as 0.45).
    let cell_at = |r: usize, c: usize| {
        sheet
            .rows
            .get(r)
            .and_then(|row| row.get(c))
            .cloned()
            .unwrap_or(SheetCell::Empty)
    };
    let workbook = !sheet.name.to_ascii_lowercase().ends_with(".csv");
    let mut fractions: Vec<usize> = Vec::new();
    for (r, m) in &rows {
        let numbers: Vec<f64> = weeks
            .iter()
            .filter_map(|(c, _)| match cell_at(*r, *c) {
                SheetCell::Number(n) => Some(n),
                _ => None,
            })
            .collect();
        if workbook
            && t.metrics[*m].unit == crate::value::Unit::Percent
            && !numbers.is_empty()
            && numbers.iter().all(|n| n.abs() <= 1.0)
        {
            fractions.push(*m);
            report.guesses.push(format!(
                "{}: every value is at most 1, read as percentage cells (0.45 = 45%)",
                t.metrics[*m].id
            ));
        }
    }
    let mut table: Vec<Vec<String>> = Vec::new();
    for (c, date) in &weeks {
        let mut out = vec![date.to_string()];
        for (r, m) in &rows {
            let metric = &t.metrics[*m];
            let text = match cell_at(*r, *c) {
                SheetCell::Time(serial) if metric.unit == crate::value::Unit::Duration => {
                    format!("{}", (serial * 86_400.0).round())
                }
                SheetCell::Number(n) if fractions.contains(m) => {
                    format!("{}", (n * 100.0 * 1e9).round() / 1e9)
                }
                other => other.text(),
            };
            match value::parse_cell(&text, metric.unit, t.decimal) {
                Ok(Parsed::Value(v)) => {
                    if let Some(why) = value::check_range(v, metric.unit, metric.min, metric.max) {
                        diags.push(
                            Diagnostic::error(
                                Code::OutOfRange,
                                loc(sheet, *r, *c),
                                format!("{} = {} {why}", metric.id, excerpt(&text)),
                            )
                            .with_metric(&metric.id),
                        );
                    }
                }
                Ok(_) => {}
                Err(ValueError::Spreadsheet(e)) => diags.push(Diagnostic::error(
                    Code::SpreadsheetError,
                    loc(sheet, *r, *c),
                    format!("{} = {e} is a spreadsheet formula error", metric.id),
                )),
                Err(ValueError::Invalid(why)) => diags.push(Diagnostic::error(
                    Code::InvalidValue,
                    loc(sheet, *r, *c),
                    format!(
                        "{} = {} is not a valid {}: {why}",
                        metric.id,
                        excerpt(&text),
                        metric.unit
                    ),
                )),
            }
            out.push(text);
        }
        table.push(out);
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let mut header_out = vec!["week".to_string()];
    header_out.extend(rows.iter().map(|(_, m)| t.metrics[*m].id.clone()));
    let _ = w.write_record(&header_out);
    for row in &table {
        let _ = w.write_record(row);
    }
    report.csv = w
        .into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    report.weeks = weeks.len();
    report.metrics = rows.len();
    Ok(report)
}
