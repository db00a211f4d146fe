//! Merging files into one `Dataset` (SPEC §4.4): the same cell with the
//! same value is fine; different values are `conflicting-value`.

use std::collections::BTreeMap;

use super::{CellValue, Dataset, EntityData, FileRows, Row};
use crate::diagnostic::{Code, Diagnostic};
use crate::template::Template;
use crate::value;

fn show(v: CellValue, unit: value::Unit) -> String {
    match v {
        CellValue::Value(x) => value::format(x, unit),
        CellValue::NotApplicable => "n/a".to_string(),
    }
}

/// Merges the files' rows (in the order given: history first) into one dataset.
pub fn merge(
    template: &Template,
    files: Vec<String>,
    inputs: Vec<FileRows>,
    diags: &mut Vec<Diagnostic>,
) -> Dataset {
    let n = template.metrics.len();
    let has_entity = inputs.iter().any(|f| f.has_entity);
    let mut entities: BTreeMap<Option<String>, BTreeMap<crate::week::Week, Row>> = BTreeMap::new();
    let mut dataset = Dataset {
        files,
        has_entity,
        entities: Vec::new(),
    };
    for file in inputs {
        for record in file.rows {
            // An empty row from a file without entities (the row `init`
            // writes) belongs to no entity when others name theirs.
            if has_entity && record.entity.is_none() && record.cells.is_empty() {
                continue;
            }
            let rows = entities.entry(record.entity.clone()).or_default();
            let row = rows.entry(record.week).or_insert_with(|| Row {
                origin: record.origin,
                cells: vec![None; n],
            });
            for (m, cell) in record.cells {
                let Some(slot) = row.cells.get_mut(m) else {
                    continue;
                };
                match slot {
                    None => *slot = Some(cell),
                    Some(old) if old.value.same(cell.value) => {}
                    Some(old) => {
                        let metric = &template.metrics[m];
                        let here = dataset.location(cell.origin).display();
                        let there = dataset.location(old.origin).display();
                        let who = record
                            .entity
                            .as_deref()
                            .map_or_else(String::new, |e| format!(" of {e}"));
                        diags.push(
                            Diagnostic::error(
                                Code::ConflictingValue,
                                dataset.location(cell.origin),
                                format!(
                                    "{} for week {}{who} is {} here but {} in {there}",
                                    metric.id,
                                    record.week,
                                    show(cell.value, metric.unit),
                                    show(old.value, metric.unit),
                                ),
                            )
                            .with_metric(&metric.id)
                            .with_week(record.week)
                            .with_entity(record.entity.as_deref())
                            .with_hint(format!(
                                "decide which is right and correct {here} or {there}"
                            )),
                        );
                    }
                }
            }
        }
    }
    dataset.entities = entities
        .into_iter()
        .map(|(name, rows)| EntityData { name, rows })
        .collect();
    dataset
}
