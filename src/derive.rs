//! Derived metrics (SPEC §7): each formula computed per entity and week from
//! the other metrics' canonical values, before scoring. A missing input
//! leaves the result missing (`formula-no-value`); division by an input of 0
//! makes it not applicable; a supplied value that differs from the formula
//! by more than 0.5 % is a `derived-mismatch` warning (the computed value
//! is used).

use crate::data::{Cell, CellValue, Dataset, Origin};
use crate::diagnostic::{Code, Diagnostic};
use crate::formula::Eval;
use crate::template::Template;
use crate::value;

/// Formula metrics in an order where every input comes before its result.
fn order(t: &Template) -> Vec<usize> {
    let mut done = vec![false; t.metrics.len()];
    let mut out = Vec::new();
    // the template has no cycles (checked at load), so this settles
    for _ in 0..t.metrics.len() {
        for (m, metric) in t.metrics.iter().enumerate() {
            let Some(f) = &metric.formula else { continue };
            if done[m] {
                continue;
            }
            let ready = f.ids().iter().all(|id| {
                t.metric_index(id)
                    .is_none_or(|i| t.metrics[i].formula.is_none() || done[i])
            });
            if ready {
                done[m] = true;
                out.push(m);
            }
        }
    }
    out
}

/// Computes every derived metric in place and returns the warnings.
pub fn derive(t: &Template, data: &mut Dataset) -> Vec<Diagnostic> {
    let order = order(t);
    if order.is_empty() {
        return Vec::new();
    }
    let mut diags = Vec::new();
    let files = data.files.clone();
    let location = |o: Origin| {
        crate::diagnostic::Location::at(
            files.get(usize::from(o.file)).map_or("", String::as_str),
            o.line,
            (o.column > 0).then_some(o.column),
        )
    };
    for entity in &mut data.entities {
        for (week, row) in &mut entity.rows {
            for &m in &order {
                let metric = &t.metrics[m];
                let Some(f) = &metric.formula else { continue };
                let cells = &row.cells;
                let mut not_applicable = false;
                let mut missing = Vec::new();
                let mut present = 0;
                for id in f.ids() {
                    match t
                        .metric_index(id)
                        .and_then(|i| cells.get(i).copied().flatten())
                    {
                        Some(Cell {
                            value: CellValue::NotApplicable,
                            ..
                        }) => not_applicable = true,
                        Some(_) => present += 1,
                        None => missing.push(id.to_string()),
                    }
                }
                let get = |id: &str| match t
                    .metric_index(id)
                    .and_then(|i| cells.get(i).copied().flatten())?
                    .value
                {
                    CellValue::Value(v) => Some(v),
                    CellValue::NotApplicable => None,
                };
                let origin = Origin {
                    column: 0,
                    ..row.origin
                };
                let computed = match f.eval(&get) {
                    Eval::Value(v) if v.is_finite() => Some(CellValue::Value(v)),
                    Eval::DivisionByZero => Some(CellValue::NotApplicable),
                    _ if not_applicable => Some(CellValue::NotApplicable),
                    _ => None,
                };
                let supplied = row.cells.get(m).copied().flatten();
                match (computed, supplied) {
                    (Some(c), Some(s)) => {
                        if let (CellValue::Value(x), CellValue::Value(y)) = (c, s.value)
                            && (x - y).abs() > 0.005 * x.abs().max(y.abs())
                        {
                            diags.push(
                                    Diagnostic::warning(
                                        Code::DerivedMismatch,
                                        location(s.origin),
                                        format!(
                                            "{} = {} in the data, but its formula {} gives {}",
                                            metric.id,
                                            value::format(y, metric.unit),
                                            metric.formula_text.as_deref().unwrap_or(""),
                                            value::format(x, metric.unit)
                                        ),
                                    )
                                    .with_metric(&metric.id)
                                    .with_week(*week)
                                    .with_entity(entity.name.as_deref())
                                    .with_hint("the computed value is used; leave the column empty to silence this"),
                                );
                        }
                        if let Some(slot) = row.cells.get_mut(m) {
                            *slot = Some(Cell {
                                value: c,
                                origin: s.origin,
                            });
                        }
                    }
                    (Some(c), None) => {
                        if let Some(slot) = row.cells.get_mut(m) {
                            *slot = Some(Cell { value: c, origin });
                        }
                    }
                    (None, Some(_)) => {}
                    (None, None) => {
                        if present > 0 && !missing.is_empty() {
                            diags.push(
                                Diagnostic::warning(
                                    Code::FormulaNoValue,
                                    location(origin),
                                    format!(
                                        "{} cannot be computed for week {week}: {} has no value",
                                        metric.id,
                                        missing.join(", ")
                                    ),
                                )
                                .with_metric(&metric.id)
                                .with_week(*week)
                                .with_entity(entity.name.as_deref()),
                            );
                        }
                    }
                }
            }
        }
    }
    diags
}
