//! Editing a CSV history (wide or long) in place, row by row.

use std::collections::HashMap;

use super::{Incoming, Summary, write_value};
use crate::data::CellValue;
use crate::data::csv_reader::detect_delimiter;
use crate::diagnostic::{Code, Diagnostic, Location};
use crate::template::Template;
use crate::value::{self, Parsed};
use crate::week::{Week, parse_week};

/// A row to insert: its (week, entity) and its fields.
type NewRow = ((Week, Option<String>), Vec<String>);

/// One record of the history: its fields and its raw text (with terminator).
struct Record<'a> {
    fields: Vec<String>,
    raw: &'a str,
    line: u32,
}

fn layout_error(name: &str, message: String) -> Vec<Diagnostic> {
    vec![Diagnostic::error(
        Code::InvalidValue,
        Location::file(name),
        message,
    )]
}

fn serialize(fields: &[String], delimiter: u8, crlf: bool) -> String {
    let terminator = if crlf {
        csv::Terminator::CRLF
    } else {
        csv::Terminator::Any(b'\n')
    };
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(terminator)
        .from_writer(Vec::new());
    let _ = w.write_record(fields);
    w.into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

fn records(body: &str, delimiter: u8) -> Result<Vec<Record<'_>>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(body.as_bytes());
    let mut starts = Vec::new();
    let mut fields = Vec::new();
    for r in reader.records() {
        let r = r.map_err(|e| e.to_string())?;
        let pos = r
            .position()
            .map_or((0, 0), |p| (p.byte() as usize, p.line()));
        starts.push(pos);
        fields.push(r.iter().map(str::to_string).collect::<Vec<_>>());
    }
    // A record starts after its terminator: with CRLF the reader may place
    // it on the `\n` of the previous `\r\n`, which belongs to that row.
    let bytes = body.as_bytes();
    for (start, _) in starts.iter_mut().skip(1) {
        while bytes.get(*start) == Some(&b'\n')
            && *start > 0
            && bytes.get(*start - 1) == Some(&b'\r')
        {
            *start += 1;
        }
    }
    let mut out = Vec::new();
    for (i, f) in fields.into_iter().enumerate() {
        let (start, line) = starts[i];
        let end = starts.get(i + 1).map_or(body.len(), |s| s.0);
        out.push(Record {
            fields: f,
            raw: body.get(start..end).unwrap_or(""),
            line: u32::try_from(line).unwrap_or(u32::MAX),
        });
    }
    Ok(out)
}

/// Applies the incoming rows to a CSV history's text.
pub fn edit(
    text: &str,
    name: &str,
    t: &Template,
    inc: &Incoming<'_>,
    replace: bool,
) -> Result<(String, Summary), Vec<Diagnostic>> {
    let (bom, body) = match text.strip_prefix('\u{feff}') {
        Some(b) => ("\u{feff}", b),
        None => ("", text),
    };
    let delimiter = detect_delimiter(body);
    let mut recs = records(body, delimiter)
        .map_err(|e| layout_error(name, format!("{name} cannot be edited: {e}")))?;
    if recs.is_empty() {
        return Err(layout_error(name, format!("{name} has no header")));
    }
    let header_rec = recs.remove(0);
    let crlf = header_rec.raw.ends_with("\r\n");
    let header: Vec<String> = header_rec
        .fields
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let col = |n: &str| header.iter().position(|h| h.eq_ignore_ascii_case(n));
    let (week_col, entity_col) = (col("week"), col("entity"));
    let Some(week_col) = week_col else {
        return Err(layout_error(name, format!("{name} has no week column")));
    };
    if inc.has_entity != entity_col.is_some() {
        let (has, lacks) = if inc.has_entity {
            ("the added file", name)
        } else {
            (name, "the added file")
        };
        return Err(layout_error(
            name,
            format!("{has} has an entity column and {lacks} has none: add it to both"),
        ));
    }
    let long = (col("metric"), col("value"));
    let week_of = |r: &Record<'_>| {
        r.fields
            .get(week_col)
            .and_then(|w| parse_week(w, t.week_start, t.date_format.as_deref()).ok())
    };
    let entity_of = |r: &Record<'_>| {
        entity_col
            .and_then(|c| r.fields.get(c))
            .map(|e| e.trim().to_string())
    };
    let mut summary = Summary::default();
    let mut modified: HashMap<usize, Vec<String>> = HashMap::new();
    let mut new_rows: Vec<NewRow> = Vec::new();
    let mut header_out = header_rec.fields.clone();
    let mut rows: Vec<&crate::data::RowRecord> = inc.rows.iter().collect();
    rows.sort_by(|a, b| (a.week, &a.entity).cmp(&(b.week, &b.entity)));

    // the old value of a history field, the incoming cell, and what to do
    let apply = |old_text: &str,
                 old_at: &str,
                 m: usize,
                 cell: &crate::data::Cell,
                 entity: &Option<String>,
                 week: Week,
                 summary: &mut Summary|
     -> Option<String> {
        let metric = &t.metrics[m];
        let new_text = write_value(cell.value, t.decimal);
        let old = match value::parse_cell(old_text, metric.unit, t.decimal) {
            Ok(Parsed::Empty) | Err(_) => None,
            Ok(Parsed::NotApplicable) => Some(CellValue::NotApplicable),
            Ok(Parsed::Value(v)) => Some(CellValue::Value(v)),
        };
        match old {
            None => {
                summary.added += 1;
                Some(new_text)
            }
            Some(o) if o.same(cell.value) => {
                summary.unchanged += 1;
                None
            }
            Some(_) if replace => {
                summary.replaced += 1;
                Some(new_text)
            }
            Some(_) => {
                let there = format!("{name}:{old_at}");
                summary.conflicts.push(super::conflict(
                    inc,
                    cell,
                    metric,
                    week,
                    entity.as_deref(),
                    old_text.trim(),
                    &there,
                ));
                None
            }
        }
    };

    if let (Some(metric_col), Some(value_col)) = long {
        let mut index: HashMap<(Option<String>, Week, usize), usize> = HashMap::new();
        for (i, r) in recs.iter().enumerate() {
            let m = r
                .fields
                .get(metric_col)
                .and_then(|n| t.column_metric(n.trim()));
            if let (Some(w), Some(m)) = (week_of(r), m) {
                index.insert((entity_of(r), w, m), i);
            }
        }
        for row in rows {
            for (m, cell) in &row.cells {
                match index.get(&(row.entity.clone(), row.week, *m)) {
                    Some(&i) => {
                        let r = &recs[i];
                        let old = r.fields.get(value_col).cloned().unwrap_or_default();
                        let at = format!("{}:{}", r.line, value_col + 1);
                        if let Some(new) =
                            apply(&old, &at, *m, cell, &row.entity, row.week, &mut summary)
                        {
                            let fields = modified.entry(i).or_insert_with(|| r.fields.clone());
                            if let Some(f) = fields.get_mut(value_col) {
                                *f = new;
                            }
                        }
                    }
                    None => {
                        summary.added += 1;
                        let mut fields = vec![String::new(); header.len()];
                        fields[week_col] = row.week.to_string();
                        if let (Some(c), Some(e)) = (entity_col, &row.entity) {
                            fields[c] = e.clone();
                        }
                        fields[metric_col] = t.metrics[*m].id.clone();
                        fields[value_col] = write_value(cell.value, t.decimal);
                        new_rows.push(((row.week, row.entity.clone()), fields));
                    }
                }
            }
            let known = recs
                .iter()
                .any(|r| week_of(r) == Some(row.week) && entity_of(r) == row.entity);
            if !known && !summary.new_weeks.contains(&(row.entity.clone(), row.week)) {
                summary.new_weeks.push((row.entity.clone(), row.week));
            }
        }
    } else {
        let mut metric_cols: HashMap<usize, usize> = HashMap::new();
        for (c, h) in header.iter().enumerate() {
            if c != week_col
                && Some(c) != entity_col
                && let Some(m) = t.column_metric(h)
            {
                metric_cols.entry(m).or_insert(c);
            }
        }
        // metrics the header lacks become new last columns
        let mut needed: Vec<usize> = rows
            .iter()
            .flat_map(|r| r.cells.iter().map(|(m, _)| *m))
            .filter(|m| !metric_cols.contains_key(m))
            .collect();
        needed.sort_unstable();
        needed.dedup();
        for m in needed {
            metric_cols.insert(m, header_out.len());
            header_out.push(t.metrics[m].id.clone());
            summary.new_columns.push(t.metrics[m].id.clone());
        }
        let width = header_out.len();
        let index: HashMap<(Option<String>, Week), usize> = recs
            .iter()
            .enumerate()
            .filter_map(|(i, r)| week_of(r).map(|w| ((entity_of(r), w), i)))
            .collect();
        for row in rows {
            match index.get(&(row.entity.clone(), row.week)) {
                Some(&i) => {
                    let r = &recs[i];
                    for (m, cell) in &row.cells {
                        let Some(&c) = metric_cols.get(m) else {
                            continue;
                        };
                        let old = r.fields.get(c).cloned().unwrap_or_default();
                        let at = format!("{}:{}", r.line, c + 1);
                        if let Some(new) =
                            apply(&old, &at, *m, cell, &row.entity, row.week, &mut summary)
                        {
                            let fields = modified.entry(i).or_insert_with(|| r.fields.clone());
                            fields.resize(width.max(fields.len()), String::new());
                            if let Some(f) = fields.get_mut(c) {
                                *f = new;
                            }
                        }
                    }
                }
                None => {
                    let mut fields = vec![String::new(); width];
                    fields[week_col] = row.week.to_string();
                    if let (Some(c), Some(e)) = (entity_col, &row.entity) {
                        fields[c] = e.clone();
                    }
                    for (m, cell) in &row.cells {
                        if let Some(&c) = metric_cols.get(m) {
                            fields[c] = write_value(cell.value, t.decimal);
                            summary.added += 1;
                        }
                    }
                    summary.new_weeks.push((row.entity.clone(), row.week));
                    new_rows.push(((row.week, row.entity.clone()), fields));
                }
            }
        }
    }
    if !summary.changed() || (!summary.conflicts.is_empty() && !replace) {
        return Ok((text.to_string(), summary));
    }

    // write: header, old rows (byte for byte unless modified or widened), new rows in week order
    let extra = header_out.len().saturating_sub(header.len());
    let pad = (delimiter as char).to_string().repeat(extra);
    let widen = |raw: &str| -> String {
        if extra == 0 {
            return raw.to_string();
        }
        let body = raw.trim_end_matches(['\r', '\n']);
        format!("{body}{pad}{}", &raw[body.len()..])
    };
    let terminated = |s: String| {
        if s.ends_with('\n') {
            s
        } else {
            format!("{s}{}", if crlf { "\r\n" } else { "\n" })
        }
    };
    let mut out = String::with_capacity(text.len() + 256);
    out.push_str(bom);
    out.push_str(&if extra > 0 {
        serialize(&header_out, delimiter, crlf)
    } else {
        terminated(header_rec.raw.to_string())
    });
    let weeks: Vec<Option<(Week, Option<String>)>> = recs
        .iter()
        .map(|r| week_of(r).map(|w| (w, entity_of(r))))
        .collect();
    let sorted = weeks.windows(2).all(|p| match (&p[0], &p[1]) {
        (Some(a), Some(b)) => a <= b,
        _ => true,
    });
    new_rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut pending = new_rows.into_iter().peekable();
    for (i, r) in recs.iter().enumerate() {
        if sorted && let Some(key) = &weeks[i] {
            while pending.peek().is_some_and(|(k, _)| k < key) {
                if let Some((_, fields)) = pending.next() {
                    out.push_str(&serialize(&fields, delimiter, crlf));
                }
            }
        }
        let line = match modified.get(&i) {
            Some(fields) => {
                let mut f = fields.clone();
                f.resize(header_out.len().max(f.len()), String::new());
                serialize(&f, delimiter, crlf)
            }
            None => widen(r.raw),
        };
        out.push_str(&terminated(line));
    }
    for (_, fields) in pending {
        out.push_str(&serialize(&fields, delimiter, crlf));
    }
    Ok((out, summary))
}
