//! The spreadsheet view of `report` (SPEC §8): one column per period,
//! oldest left; rows `index`, `change`, `stage:<id>` and `metric:<id>`, or
//! one `entity:<name>` row per entity. Pure: renderers read the `Grid`.

use serde::Serialize;

use crate::data::Dataset;
use crate::period::{Period, PeriodKind};
use crate::report::{PeriodScore, period_score, ranking};
use crate::score::EntityScorer;
use crate::template::Template;
use crate::value::Unit;

/// What `report` was asked for.
#[derive(Debug, Clone)]
pub struct GridRequest {
    pub period: PeriodKind,
    /// Only the K latest periods.
    pub last: Option<usize>,
    /// Add a `metric:<id>` row per metric (its period value).
    pub metrics: bool,
    pub entity: Option<String>,
}

/// What a row holds, for formatting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RowKind {
    Index,
    Change,
    Stage,
    /// A metric's period value in its canonical unit.
    Metric(Unit),
    Entity,
}

#[derive(Debug, Clone, Serialize)]
pub struct GridRow {
    /// `index`, `change`, `stage:<id>`, `metric:<id>`, `entity:<name>`.
    pub row: String,
    /// A human label for tables.
    #[serde(skip)]
    pub label: String,
    #[serde(skip)]
    pub kind: RowKind,
    /// One value per column; `null` when absent.
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Grid {
    /// Always `trustidx.report.v1`.
    pub schema: &'static str,
    pub period: PeriodKind,
    /// Period labels, oldest first: `2026-11-16`, `2026-11`, `2026-Q4`, `2026`.
    pub columns: Vec<String>,
    /// The first day of each column's period.
    #[serde(skip)]
    pub starts: Vec<chrono::NaiveDate>,
    pub rows: Vec<GridRow>,
}

/// The periods from the one holding the first week with data to the one
/// holding the latest.
fn periods(t: &Template, data: &Dataset, kind: PeriodKind, entity: Option<&str>) -> Vec<Period> {
    let selected = data.selected(entity);
    let first = selected.filter_map(|e| e.rows.keys().next().copied()).min();
    let (Some(first), Some(latest)) = (first, data.latest_week()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut p = Period::containing(kind, first.start(), t.week_start);
    while let Some(period) = p {
        if period.start > latest.start() {
            break;
        }
        out.push(period);
        p = Period::containing(
            kind,
            period.end.succ_opt().unwrap_or(period.end),
            t.week_start,
        )
        .filter(|n| n.start > period.end);
    }
    out
}

/// Builds the grid.
pub fn compute(t: &Template, data: &Dataset, req: &GridRequest) -> Grid {
    let mut columns = periods(t, data, req.period, req.entity.as_deref());
    if let Some(k) = req.last {
        let drop = columns.len().saturating_sub(k);
        columns.drain(..drop);
    }
    let latest = data.latest_week();
    let score_all = |scorer: &EntityScorer<'_>| -> Vec<PeriodScore> {
        match latest {
            Some(l) => columns
                .iter()
                .map(|p| period_score(t, scorer, p, l))
                .collect(),
            None => Vec::new(),
        }
    };
    let selected: Vec<_> = data.selected(req.entity.as_deref()).collect();
    let mut rows = Vec::new();
    if selected.len() > 1 {
        let mut entity_rows: Vec<GridRow> = selected
            .iter()
            .map(|e| {
                let scores = score_all(&EntityScorer::new(t, e));
                let name = e.name.clone().unwrap_or_default();
                GridRow {
                    row: format!("entity:{name}"),
                    label: name,
                    kind: RowKind::Entity,
                    values: scores.iter().map(|s| s.index).collect(),
                }
            })
            .collect();
        let latest = |r: &GridRow| r.values.last().copied().flatten();
        entity_rows
            .sort_by(|a, b| ranking(latest(a), latest(b)).then_with(|| a.label.cmp(&b.label)));
        rows = entity_rows;
    } else if let Some(e) = selected.first() {
        let scores = score_all(&EntityScorer::new(t, e));
        let index: Vec<Option<f64>> = scores.iter().map(|s| s.index).collect();
        let change = index
            .iter()
            .enumerate()
            .map(|(i, v)| Some((*v)? - (*index.get(i.checked_sub(1)?)?)?))
            .collect();
        rows.push(GridRow {
            row: "index".into(),
            label: "Trust Index".into(),
            kind: RowKind::Index,
            values: index,
        });
        rows.push(GridRow {
            row: "change".into(),
            label: "change".into(),
            kind: RowKind::Change,
            values: change,
        });
        for (i, stage) in t.stages.iter().enumerate() {
            rows.push(GridRow {
                row: format!("stage:{}", stage.id),
                label: stage.label.clone(),
                kind: RowKind::Stage,
                values: scores
                    .iter()
                    .map(|s| s.stages.get(i).copied().flatten())
                    .collect(),
            });
        }
        if req.metrics {
            for (i, m) in t.metrics.iter().enumerate() {
                rows.push(GridRow {
                    row: format!("metric:{}", m.id),
                    label: m.id.clone(),
                    kind: RowKind::Metric(m.unit),
                    values: scores
                        .iter()
                        .map(|s| s.values.get(i).copied().flatten())
                        .collect(),
                });
            }
        }
    }
    Grid {
        schema: "trustidx.report.v1",
        period: req.period,
        columns: columns.iter().map(Period::label).collect(),
        starts: columns.iter().map(|p| p.start).collect(),
        rows,
    }
}
