//! CSV data, wide (`week,<metric>...`) or long (`week,metric,value`), with
//! an optional `entity` column (SPEC §4.2).

use std::collections::HashMap;

use super::{Context, FileRows, RowRecord};
use crate::diagnostic::{Code, Diagnostic, did_you_mean, excerpt};
use crate::week::{Week, parse_week};

/// What a header column holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Column {
    Week,
    Entity,
    Metric(usize),
    /// Long form: the metric column and the value column.
    MetricName,
    Value,
    Ignored,
    /// A blank header name: must stay blank in every row.
    Blank,
}

/// The delimiter: `--delimiter`, else the most frequent of `,` `;` tab in
/// the header line.
pub(crate) fn detect_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let count = |c: char| header.chars().filter(|&x| x == c).count();
    let (comma, semi, tab) = (count(','), count(';'), count('\t'));
    if tab > comma && tab >= semi {
        b'\t'
    } else if semi > comma {
        b';'
    } else {
        b','
    }
}

/// The line where a quoted field opens and never closes, if any.
fn unterminated_quote(text: &str, delimiter: u8) -> Option<u32> {
    if !text.contains('"') {
        return None;
    }
    let (mut line, mut open_line) = (1u32, 0u32);
    let (mut in_quote, mut field_start) = (false, true);
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if in_quote {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    in_quote = false;
                }
            } else if b == b'\n' {
                line += 1;
            }
        } else if b == b'"' && field_start {
            in_quote = true;
            open_line = line;
        } else if b == b'\n' {
            line += 1;
            field_start = true;
            i += 1;
            continue;
        }
        field_start = !in_quote && (b == delimiter || b == b'\r' && field_start);
        i += 1;
    }
    in_quote.then_some(open_line)
}

fn col(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

/// Reads CSV text into rows; every problem goes to `diags`.
pub fn read(
    text: &str,
    ctx: &Context<'_>,
    delimiter: Option<u8>,
    diags: &mut Vec<Diagnostic>,
) -> FileRows {
    let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(text));
    if let Some(line) = unterminated_quote(text, delimiter) {
        diags.push(
            Diagnostic::error(Code::UnterminatedQuote, ctx.location(line, 0), "a quoted field opens here and is never closed")
                .with_hint("close the quote, or remove it: the rest of the file would be swallowed into one cell"),
        );
        return FileRows::default();
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        _ => return FileRows::default(),
    };
    let Some(columns) = read_header(&header, ctx, diags) else {
        return FileRows::default();
    };
    let long = columns.contains(&Column::MetricName);
    let has_entity = columns.contains(&Column::Entity);
    let mut out = FileRows {
        has_entity,
        rows: Vec::new(),
    };
    let mut seen: HashMap<(Option<String>, Week, Option<usize>), u32> = HashMap::new();
    let mut row_index: HashMap<(Option<String>, Week), usize> = HashMap::new();
    let mut empty_lines: HashMap<(usize, usize), u32> = HashMap::new();
    let mut blank_reported = vec![false; columns.len()];
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e
                    .position()
                    .map_or(0, |p| u32::try_from(p.line()).unwrap_or(u32::MAX));
                diags.push(Diagnostic::error(
                    Code::InvalidValue,
                    ctx.location(line, 0),
                    format!("unreadable CSV row: {e}"),
                ));
                continue;
            }
        };
        let line = record
            .position()
            .map_or(0, |p| u32::try_from(p.line()).unwrap_or(u32::MAX));
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != columns.len() {
            diags.push(
                Diagnostic::error(
                    Code::RaggedRow,
                    ctx.location(line, 0),
                    format!("the row has {} fields but the header has {}", record.len(), columns.len()),
                )
                .with_hint("a stray delimiter, or an unquoted 1,234 in a comma-separated file: quote it as \"1,234\""),
            );
            continue;
        }
        let row = RawRow {
            fields: record.iter().collect(),
            line,
        };
        for (i, c) in columns.iter().enumerate() {
            if *c == Column::Blank
                && !blank_reported[i]
                && row.fields.get(i).is_some_and(|f| !f.trim().is_empty())
            {
                blank_reported[i] = true;
                diags.push(
                    Diagnostic::error(
                        Code::BlankColumn,
                        ctx.location(1, col(i)),
                        format!(
                            "column {} has no name but holds values (line {line})",
                            i + 1
                        ),
                    )
                    .with_hint("name the column with a metric id, or list it in ignore_columns"),
                );
            }
        }
        let Some((entity, week)) = row_key(&row, &columns, ctx, diags) else {
            // still check the value cells, so every problem is reported
            if !long {
                for (i, c) in columns.iter().enumerate() {
                    if let (Column::Metric(m), Some(text)) = (c, row.fields.get(i))
                        && let Err(d) = ctx.cell(text, *m, ctx.origin(line, col(i)), None)
                    {
                        diags.push(*d);
                    }
                }
            }
            continue;
        };
        let record = if long {
            long_row(&row, &columns, ctx, entity, week, diags)
        } else {
            wide_row(&row, &columns, ctx, entity, week, diags)
        };
        let Some((record, metric_key)) = record else {
            continue;
        };
        // Long files: one record per (entity, week), however many lines
        // hold its cells; a metric twice in it is a duplicate.
        if long {
            let target = match out.rows.last() {
                Some(last) if last.week == record.week && last.entity == record.entity => {
                    Some(out.rows.len() - 1)
                }
                _ => row_index
                    .get(&(record.entity.clone(), record.week))
                    .copied(),
            };
            let Some(m) = metric_key else { continue };
            let Some(idx) = target else {
                row_index.insert((record.entity.clone(), record.week), out.rows.len());
                if record.cells.is_empty() {
                    empty_lines.insert((out.rows.len(), m), line);
                }
                out.rows.push(record);
                continue;
            };
            let earlier = out.rows.get(idx).and_then(|r| {
                r.cells
                    .iter()
                    .find(|(x, _)| *x == m)
                    .map(|(_, c)| c.origin.line)
            });
            if let Some(first) = earlier.or_else(|| empty_lines.get(&(idx, m)).copied()) {
                let what = ctx.template.metrics.get(m).map_or(String::new(), |x| {
                    format!("{} for week {}", x.id, record.week)
                });
                diags.push(duplicate(ctx, &record, &what, first, line));
                continue;
            }
            if record.cells.is_empty() {
                empty_lines.insert((idx, m), line);
            }
            if let Some(target) = out.rows.get_mut(idx) {
                target.cells.extend(record.cells);
            }
            continue;
        }
        let key = (record.entity.clone(), record.week, metric_key);
        if let Some(first) = seen.get(&key) {
            let what = match metric_key.and_then(|m| ctx.template.metrics.get(m)) {
                Some(m) => format!("{} for week {}", m.id, record.week),
                None => format!("week {}", record.week),
            };
            diags.push(duplicate(ctx, &record, &what, *first, line));
            continue;
        }
        seen.insert(key, line);
        out.rows.push(record);
    }
    out
}

/// `duplicate-week`: the same row (or cell of a long file) twice in one file.
fn duplicate(
    ctx: &Context<'_>,
    record: &RowRecord,
    what: &str,
    first: u32,
    line: u32,
) -> Diagnostic {
    let who = record
        .entity
        .as_deref()
        .map_or_else(String::new, |e| format!(" of {e}"));
    Diagnostic::error(
        Code::DuplicateWeek,
        ctx.location(line, 0),
        format!("{what}{who} appears twice: on line {first} and line {line}"),
    )
    .with_week(record.week)
    .with_entity(record.entity.as_deref())
    .with_hint("keep one of the two rows")
}

struct RawRow<'a> {
    fields: Vec<&'a str>,
    line: u32,
}

fn read_header(
    header: &csv::StringRecord,
    ctx: &Context<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<Column>> {
    let names: Vec<&str> = header.iter().map(str::trim).collect();
    let is = |n: &str, want: &str| n.eq_ignore_ascii_case(want);
    if !names.iter().any(|n| is(n, "week")) {
        let first = names.first().copied().unwrap_or("");
        let message = if first.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            format!(
                "the file starts with data ({}), not with a header naming a week column",
                excerpt(first)
            )
        } else {
            "the header names no week column".to_string()
        };
        diags.push(
            Diagnostic::error(Code::NoHeader, ctx.location(1, 0), message).with_hint(
                "the first line must be a header such as week,<metric id>,... or week,metric,value",
            ),
        );
        return None;
    }
    let long = names.iter().any(|n| is(n, "metric")) && names.iter().any(|n| is(n, "value"));
    let t = ctx.template;
    let mut columns = Vec::with_capacity(names.len());
    let mut first_at: HashMap<String, usize> = HashMap::new();
    for (i, name) in names.iter().enumerate() {
        let column = if is(name, "week") {
            Column::Week
        } else if is(name, "entity") {
            Column::Entity
        } else if long && is(name, "metric") {
            Column::MetricName
        } else if long && is(name, "value") {
            Column::Value
        } else if name.is_empty() {
            Column::Blank
        } else if t.is_ignored(name) {
            Column::Ignored
        } else if let (false, Some(m)) = (long, t.column_metric(name)) {
            Column::Metric(m)
        } else {
            let candidates = t
                .metrics
                .iter()
                .flat_map(|m| [m.id.as_str(), m.label.as_str()]);
            let mut d = Diagnostic::error(
                Code::UnknownColumn,
                ctx.location(1, col(i)),
                format!("column {:?} is not a metric of the template", excerpt(name)),
            );
            d = match did_you_mean(name, candidates) {
                Some(s) => d.with_hint(format!("did you mean {s}? (or list the column in ignore_columns)")),
                None => d.with_hint("use a metric id (trustidx metrics lists them), or list the column in ignore_columns"),
            };
            diags.push(d);
            Column::Ignored
        };
        let key = match column {
            Column::Metric(m) => Some(format!("metric:{m}")),
            Column::Week | Column::Entity | Column::MetricName | Column::Value => {
                Some(format!("{column:?}"))
            }
            _ => None,
        };
        if let Some(key) = key {
            if let Some(first) = first_at.get(&key) {
                let what = match column {
                    Column::Metric(m) => t.metrics.get(m).map_or(String::new(), |m| m.id.clone()),
                    _ => name.to_ascii_lowercase(),
                };
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateColumn,
                        ctx.location(1, col(i)),
                        format!("columns {} and {} both name {what}", first + 1, i + 1),
                    )
                    .with_hint("remove one of them: which of the two values counts is unknowable"),
                );
                columns.push(Column::Ignored);
                continue;
            }
            first_at.insert(key, i);
        }
        columns.push(column);
    }
    Some(columns)
}

/// The (entity, week) of a row, or `None` after a diagnostic.
fn row_key(
    row: &RawRow<'_>,
    columns: &[Column],
    ctx: &Context<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Option<String>, Week)> {
    let t = ctx.template;
    let mut entity = None;
    let mut week = None;
    let mut ok = true;
    for (i, c) in columns.iter().enumerate() {
        let text = row.fields.get(i).copied().unwrap_or("").trim();
        match c {
            Column::Entity if text.is_empty() => {
                ok = false;
                diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        ctx.location(row.line, col(i)),
                        "the entity cell is empty",
                    )
                    .with_hint("every row of a file with an entity column names its entity"),
                );
            }
            Column::Entity => entity = Some(text.to_string()),
            Column::Week => match parse_week(text, t.week_start, t.date_format.as_deref()) {
                Ok(w) => week = Some(w),
                Err(e) => {
                    ok = false;
                    diags.push(super::week_diagnostic(
                        &e,
                        &excerpt(text),
                        ctx.location(row.line, col(i)),
                    ));
                }
            },
            _ => {}
        }
    }
    if ok { week.map(|w| (entity, w)) } else { None }
}

fn wide_row(
    row: &RawRow<'_>,
    columns: &[Column],
    ctx: &Context<'_>,
    entity: Option<String>,
    week: Week,
    diags: &mut Vec<Diagnostic>,
) -> Option<(RowRecord, Option<usize>)> {
    let mut cells = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        let Column::Metric(m) = c else { continue };
        let text = row.fields.get(i).copied().unwrap_or("");
        match ctx.cell(text, *m, ctx.origin(row.line, col(i)), Some(week)) {
            Ok(Some(cell)) => cells.push((*m, cell)),
            Ok(None) => {}
            Err(d) => diags.push(d.with_entity(entity.as_deref())),
        }
    }
    Some((
        RowRecord {
            entity,
            week,
            origin: ctx.origin(row.line, 0),
            cells,
        },
        None,
    ))
}

fn long_row(
    row: &RawRow<'_>,
    columns: &[Column],
    ctx: &Context<'_>,
    entity: Option<String>,
    week: Week,
    diags: &mut Vec<Diagnostic>,
) -> Option<(RowRecord, Option<usize>)> {
    let at = |want: Column| columns.iter().position(|c| *c == want);
    let (mi, vi) = (at(Column::MetricName)?, at(Column::Value)?);
    let name = row.fields.get(mi).copied().unwrap_or("").trim();
    let t = ctx.template;
    let Some(m) = t.column_metric(name) else {
        let mut d = Diagnostic::error(
            Code::UnknownMetric,
            ctx.location(row.line, col(mi)),
            format!("metric {:?} is not in the template", excerpt(name)),
        )
        .with_week(week)
        .with_entity(entity.as_deref());
        d = match did_you_mean(name, t.metric_ids()) {
            Some(s) => d.with_hint(format!("did you mean {s}?")),
            None => d.with_hint("trustidx metrics lists the template's metric ids"),
        };
        diags.push(d);
        return None;
    };
    let text = row.fields.get(vi).copied().unwrap_or("");
    let mut cells = Vec::new();
    match ctx.cell(text, m, ctx.origin(row.line, col(vi)), Some(week)) {
        Ok(Some(cell)) => cells.push((m, cell)),
        Ok(None) => {}
        Err(d) => {
            diags.push(d.with_entity(entity.as_deref()));
            return None;
        }
    }
    Some((
        RowRecord {
            entity,
            week,
            origin: ctx.origin(row.line, 0),
            cells,
        },
        Some(m),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_detected_from_the_header() {
        assert_eq!(detect_delimiter("week;nps;x\n1,2;3"), b';');
        assert_eq!(detect_delimiter("week\tnps\n"), b'\t');
        assert_eq!(detect_delimiter("week,nps\n"), b',');
    }

    #[test]
    fn unterminated_quotes_are_found_where_they_open() {
        assert_eq!(unterminated_quote("a,b\n1,\"2\n3,4\n", b','), Some(2));
        assert_eq!(unterminated_quote("a,b\n1,\"2,\"\"x\"\"\"\n", b','), None);
        assert_eq!(unterminated_quote("a,b\n1,x\"y\n", b','), None);
    }
}
