//! TOML data: `[[week]]` tables with `week`, optional `entity`, and one key
//! per metric (SPEC §4.3).

use std::collections::HashMap;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{Context, FileRows, RowRecord};
use crate::diagnostic::{Code, Diagnostic, LineIndex, Location, did_you_mean};
use crate::week::{Week, parse_week};

/// Reads TOML data text into rows; every problem goes to `diags`.
pub fn read(text: &str, ctx: &Context<'_>, diags: &mut Vec<Diagnostic>) -> FileRows {
    let index = LineIndex::new(text);
    let at = |offset: usize| index.line_col(offset);
    let root = match DeTable::parse(text) {
        Ok(r) => r,
        Err(e) => {
            let (line, col) = e.span().map_or((1, 1), |s| at(s.start));
            diags.push(Diagnostic::error(
                Code::InvalidValue,
                ctx.location(line, col),
                format!(
                    "the TOML data does not parse: {}",
                    e.message().trim().replace('\n', " ")
                ),
            ));
            return FileRows::default();
        }
    };
    let mut out = FileRows::default();
    let mut tables = Vec::new();
    for (key, value) in root.get_ref() {
        let (line, col) = at(key.span().start);
        match (key.get_ref().as_ref(), value.get_ref()) {
            ("week", DeValue::Array(items)) => tables.extend(items.iter()),
            _ => diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    ctx.location(line, col),
                    format!("unexpected key {:?} in TOML data", key.get_ref().as_ref()),
                )
                .with_hint("TOML data is a list of [[week]] tables"),
            ),
        }
    }
    out.has_entity = tables.iter().any(|t| {
        t.get_ref()
            .as_table()
            .is_some_and(|t| t.keys().any(|k| k.get_ref().as_ref() == "entity"))
    });
    let mut seen: HashMap<(Option<String>, Week), u32> = HashMap::new();
    for table in tables {
        let (line, col) = at(table.span().start);
        let Some(fields) = table.get_ref().as_table() else {
            diags.push(Diagnostic::error(
                Code::InvalidValue,
                ctx.location(line, col),
                "week must be an array of [[week]] tables",
            ));
            continue;
        };
        if let Some(record) = read_table(fields, line, ctx, out.has_entity, &at, diags) {
            let key = (record.entity.clone(), record.week);
            let this = record.origin.line;
            if let Some(first) = seen.get(&key) {
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateWeek,
                        ctx.location(this, 0),
                        format!(
                            "week {} appears twice: on line {first} and line {this}",
                            record.week
                        ),
                    )
                    .with_week(record.week)
                    .with_entity(record.entity.as_deref()),
                );
                continue;
            }
            seen.insert(key, this);
            out.rows.push(record);
        }
    }
    out
}

fn read_table(
    fields: &DeTable<'_>,
    table_line: u32,
    ctx: &Context<'_>,
    has_entity: bool,
    at: &dyn Fn(usize) -> (u32, u32),
    diags: &mut Vec<Diagnostic>,
) -> Option<RowRecord> {
    let t = ctx.template;
    let mut week = None;
    let mut entity = None;
    let mut ok = true;
    let mut values: Vec<(usize, &Spanned<DeValue<'_>>, u32, u32)> = Vec::new();
    for (key, value) in fields {
        let name = key.get_ref().as_ref();
        let (line, col) = at(value.span().start);
        let loc = Location::at(ctx.name, line, Some(col));
        match name {
            "week" => {
                let text = match value.get_ref() {
                    DeValue::String(s) => s.to_string(),
                    DeValue::Datetime(d) => d.to_string(),
                    other => {
                        ok = false;
                        diags.push(Diagnostic::error(
                            Code::InvalidValue,
                            loc,
                            format!("week is a {}, not a date", other.type_str()),
                        ));
                        continue;
                    }
                };
                match parse_week(&text, t.week_start, t.date_format.as_deref()) {
                    Ok(w) => week = Some(w),
                    Err(e) => {
                        ok = false;
                        diags.push(super::week_diagnostic(&e, &text, loc));
                    }
                }
            }
            "entity" => match value.get_ref().as_str() {
                Some(s) if !s.trim().is_empty() => entity = Some(s.trim().to_string()),
                _ => {
                    ok = false;
                    diags.push(Diagnostic::error(
                        Code::InvalidValue,
                        loc,
                        "entity must be a non-empty string",
                    ));
                }
            },
            _ => match t.column_metric(name) {
                Some(m) => values.push((m, value, line, col)),
                None if t.is_ignored(name) => {}
                None => {
                    let mut d = Diagnostic::error(
                        Code::UnknownMetric,
                        loc,
                        format!("{name:?} is not a metric of the template"),
                    );
                    if let Some(s) = did_you_mean(name, t.metric_ids()) {
                        d = d.with_hint(format!("did you mean {s}?"));
                    }
                    diags.push(d);
                }
            },
        }
    }
    if week.is_none() && ok {
        diags.push(Diagnostic::error(
            Code::InvalidValue,
            ctx.location(table_line, 0),
            "this [[week]] table has no week key",
        ));
        ok = false;
    }
    if has_entity && entity.is_none() && ok {
        diags.push(Diagnostic::error(
            Code::InvalidValue,
            ctx.location(table_line, 0),
            "this [[week]] table has no entity, while others in the file do",
        ));
        ok = false;
    }
    let mut cells = Vec::new();
    for (m, value, line, col) in values {
        let origin = ctx.origin(line, col);
        let text = match value.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Integer(i) => i.as_str().replace('_', ""),
            DeValue::Float(f) => f.as_str().replace('_', ""),
            other => {
                let id = t.metrics.get(m).map_or("", |x| x.id.as_str());
                diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        ctx.location(line, col),
                        format!(
                            "{id} is a {}; a number or a string in the unit's syntax was expected",
                            other.type_str()
                        ),
                    )
                    .with_metric(id),
                );
                continue;
            }
        };
        match ctx.cell(&text, m, origin, week) {
            Ok(Some(cell)) => cells.push((m, cell)),
            Ok(None) => {}
            Err(d) => diags.push(d.with_entity(entity.as_deref())),
        }
    }
    if !ok {
        return None;
    }
    Some(RowRecord {
        entity,
        week: week?,
        origin: ctx.origin(table_line, 0),
        cells,
    })
}
