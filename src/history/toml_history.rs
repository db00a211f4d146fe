//! Editing a TOML history (`[[week]]` tables) with `toml_edit`, so comments
//! and formatting survive.

use std::collections::HashMap;

use toml_edit::{DocumentMut, Item, Table, value};

use super::{Incoming, Summary, show};
use crate::data::CellValue;
use crate::diagnostic::{Code, Diagnostic, Location};
use crate::template::Template;
use crate::value::{self as cell, Parsed};
use crate::week::{Week, parse_week};

fn layout_error(name: &str, message: String) -> Vec<Diagnostic> {
    vec![Diagnostic::error(
        Code::InvalidValue,
        Location::file(name),
        message,
    )]
}

/// A canonical value as a TOML value: an integer when whole, else a float; `"n/a"`.
fn toml_value(v: CellValue) -> toml_edit::Value {
    match v {
        CellValue::NotApplicable => "n/a".into(),
        CellValue::Value(x) if x.fract() == 0.0 && x.abs() < 9e15 => (x as i64).into(),
        CellValue::Value(x) => x.into(),
    }
}

fn item_value(item: &Item, t: &Template, m: usize) -> Option<CellValue> {
    let unit = t.metrics.get(m)?.unit;
    let text = match item.as_value()? {
        toml_edit::Value::String(s) => s.value().clone(),
        toml_edit::Value::Integer(i) => i.value().to_string(),
        toml_edit::Value::Float(f) => f.value().to_string(),
        _ => return None,
    };
    match cell::parse_cell(&text, unit, t.decimal) {
        Ok(Parsed::Value(v)) => Some(CellValue::Value(v)),
        Ok(Parsed::NotApplicable) => Some(CellValue::NotApplicable),
        _ => None,
    }
}

fn week_of(table: &Table, t: &Template) -> Option<Week> {
    let text = match table.get("week")?.as_value()? {
        toml_edit::Value::String(s) => s.value().clone(),
        toml_edit::Value::Datetime(d) => d.value().to_string(),
        _ => return None,
    };
    parse_week(&text, t.week_start, t.date_format.as_deref()).ok()
}

fn entity_of(table: &Table) -> Option<String> {
    table
        .get("entity")
        .and_then(Item::as_str)
        .map(|s| s.trim().to_string())
}

/// Applies the incoming rows to a TOML history's text.
pub fn edit(
    text: &str,
    name: &str,
    t: &Template,
    inc: &Incoming<'_>,
    replace: bool,
) -> Result<(String, Summary), Vec<Diagnostic>> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| layout_error(name, format!("{name} cannot be edited: {e}")))?;
    let mut summary = Summary::default();
    if doc.get("week").is_none() {
        doc.insert("week", Item::ArrayOfTables(toml_edit::ArrayOfTables::new()));
    }
    let Some(weeks) = doc.get_mut("week").and_then(Item::as_array_of_tables_mut) else {
        return Err(layout_error(
            name,
            format!("{name}: `week` is not a list of [[week]] tables"),
        ));
    };
    let mut rows: Vec<&crate::data::RowRecord> = inc.rows.iter().collect();
    rows.sort_by(|a, b| (a.week, &a.entity).cmp(&(b.week, &b.entity)));
    let keys: Vec<Option<(Week, Option<String>)>> = weeks
        .iter()
        .map(|tb| week_of(tb, t).map(|w| (w, entity_of(tb))))
        .collect();
    let sorted = keys.windows(2).all(|p| match (&p[0], &p[1]) {
        (Some(a), Some(b)) => a <= b,
        _ => true,
    });
    let index: HashMap<(Week, Option<String>), usize> = keys
        .iter()
        .enumerate()
        .filter_map(|(i, k)| k.clone().map(|k| (k, i)))
        .collect();
    let mut inserts: Vec<((Week, Option<String>), Table)> = Vec::new();
    for row in rows {
        let key = (row.week, row.entity.clone());
        match index.get(&key).and_then(|&i| weeks.get_mut(i)) {
            Some(table) => {
                for (m, c) in &row.cells {
                    let metric = &t.metrics[*m];
                    let existing = table
                        .iter()
                        .find(|(k, _)| t.column_metric(k) == Some(*m))
                        .map(|(k, _)| k.to_string());
                    let key_name = existing.clone().unwrap_or_else(|| metric.id.clone());
                    match existing
                        .as_ref()
                        .and_then(|k| table.get(k))
                        .and_then(|item| item_value(item, t, *m))
                    {
                        None => {
                            summary.added += 1;
                            table.insert(&key_name, value(toml_value(c.value)));
                        }
                        Some(old) if old.same(c.value) => summary.unchanged += 1,
                        Some(_) if replace => {
                            summary.replaced += 1;
                            table.insert(&key_name, value(toml_value(c.value)));
                        }
                        Some(old) => {
                            let theirs = show(old, metric.unit);
                            summary.conflicts.push(super::conflict(
                                inc,
                                c,
                                metric,
                                row.week,
                                row.entity.as_deref(),
                                &theirs,
                                name,
                            ));
                        }
                    }
                }
            }
            None => {
                let mut table = Table::new();
                let date: Option<toml_edit::Datetime> = row.week.to_string().parse().ok();
                match date {
                    Some(d) => table.insert("week", value(d)),
                    None => table.insert("week", value(row.week.to_string())),
                };
                if let Some(e) = &row.entity {
                    table.insert("entity", value(e.clone()));
                }
                for (m, c) in &row.cells {
                    summary.added += 1;
                    table.insert(&t.metrics[*m].id, value(toml_value(c.value)));
                }
                summary.new_weeks.push((row.entity.clone(), row.week));
                inserts.push((key, table));
            }
        }
    }
    if !summary.changed() || (!summary.conflicts.is_empty() && !replace) {
        return Ok((text.to_string(), summary));
    }
    for (key, table) in inserts {
        let at = if sorted {
            weeks
                .iter()
                .position(|tb| {
                    week_of(tb, t)
                        .map(|w| (w, entity_of(tb)))
                        .is_some_and(|k| k > key)
                })
                .unwrap_or(weeks.len())
        } else {
            weeks.len()
        };
        weeks.insert(at, table);
    }
    Ok((doc.to_string(), summary))
}
