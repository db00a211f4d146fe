//! Weekly scoring (SPEC §6.1–6.9): reference, baseline, floor, ratio and
//! cap per metric; weighted stage scores, the Trust Index and coverage.
//!
//! `EntityScorer::week` scores one entity in one week; periods and
//! comparisons (`period.rs`, `report.rs`) are built from these weeks.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde::Serialize;

use crate::data::{CellValue, EntityData};
use crate::template::{BaselineKind, Better, Template};
use crate::week::Week;

/// Where a metric stands in a week; the first that applies (SPEC §6.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Missing,
    NotApplicable,
    BuildingBaseline,
    NoReference,
    Scored,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Missing => "missing",
            Status::NotApplicable => "not_applicable",
            Status::BuildingBaseline => "building_baseline",
            Status::NoReference => "no_reference",
            Status::Scored => "scored",
        }
    }
}

/// What the score compares against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReferenceKind {
    Target,
    Baseline,
}

impl ReferenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReferenceKind::Target => "target",
            ReferenceKind::Baseline => "baseline",
        }
    }
}

/// One metric in one week.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricWeek {
    /// The canonical value; `None` when missing or not applicable.
    pub value: Option<f64>,
    pub reference: Option<f64>,
    pub kind: Option<ReferenceKind>,
    pub score: Option<f64>,
    pub status: Status,
    /// k of N while the baseline is building.
    pub progress: Option<(usize, usize)>,
}

/// One entity in one week.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekScore {
    pub week: Week,
    pub has_row: bool,
    pub metrics: Vec<MetricWeek>,
    /// Per stage, template order; `None` when no scored metric has weight.
    pub stages: Vec<Option<f64>>,
    pub index: Option<f64>,
    pub coverage: f64,
}

/// The median of a non-empty slice (mean of the two middle values when even).
pub fn median(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => values.get(n / 2).copied(),
        _ => Some((values.get(n / 2 - 1)? + values.get(n / 2)?) / 2.0),
    }
}

/// Scores one entity's weeks.
pub struct EntityScorer<'a> {
    template: &'a Template,
    data: &'a EntityData,
    /// Per metric: its numeric values in week order.
    series: Vec<Vec<(Week, f64)>>,
    /// Per metric (`first` baselines): the baseline and the week it exists from.
    first: Vec<Option<(f64, Week)>>,
    /// Weeks already scored: periods, comparisons and sparklines ask for
    /// the same weeks many times.
    cache: RefCell<HashMap<Week, Rc<WeekScore>>>,
}

impl<'a> EntityScorer<'a> {
    pub fn new(template: &'a Template, data: &'a EntityData) -> Self {
        let n = template.metrics.len();
        let mut series: Vec<Vec<(Week, f64)>> = vec![Vec::new(); n];
        for (week, row) in &data.rows {
            for (m, cell) in row.cells.iter().enumerate() {
                if let (Some(cell), Some(s)) = (cell, series.get_mut(m))
                    && let CellValue::Value(v) = cell.value
                {
                    s.push((*week, v));
                }
            }
        }
        let need = template.scoring.baseline_weeks;
        let first = series
            .iter()
            .map(|s| {
                let firsts = s.get(..need)?;
                let mut values: Vec<f64> = firsts.iter().map(|(_, v)| *v).collect();
                Some((median(&mut values)?, firsts.last()?.0))
            })
            .collect();
        EntityScorer {
            template,
            data,
            series,
            first,
            cache: RefCell::new(HashMap::new()),
        }
    }

    pub fn data(&self) -> &EntityData {
        self.data
    }

    /// The first week the entity has a row.
    pub fn first_week(&self) -> Option<Week> {
        self.data.rows.keys().next().copied()
    }

    /// The reference of metric `m` at week `w`, or the baseline progress.
    fn reference(&self, m: usize, w: Week) -> Result<(f64, ReferenceKind), (usize, usize)> {
        let metric = &self.template.metrics[m];
        if let Some(t) = metric.target {
            return Ok((t, ReferenceKind::Target));
        }
        if let Some(b) = metric.baseline {
            return Ok((b, ReferenceKind::Baseline));
        }
        let need = self.template.scoring.baseline_weeks;
        let series = &self.series[m];
        match self.template.scoring.baseline {
            BaselineKind::First => match self.first[m] {
                Some((b, from)) if from <= w => Ok((b, ReferenceKind::Baseline)),
                _ => Err((
                    series
                        .iter()
                        .take_while(|(wk, _)| *wk <= w)
                        .count()
                        .min(need),
                    need,
                )),
            },
            BaselineKind::Trailing => {
                let before = series.partition_point(|(wk, _)| *wk < w);
                if before < need {
                    return Err((before, need));
                }
                let mut values: Vec<f64> = series[before - need..before]
                    .iter()
                    .map(|(_, v)| *v)
                    .collect();
                median(&mut values)
                    .map(|b| (b, ReferenceKind::Baseline))
                    .ok_or((before, need))
            }
        }
    }

    /// Scores metric `m` at week `w` (SPEC §6.1–6.5, 6.9).
    pub fn metric(&self, m: usize, w: Week) -> MetricWeek {
        let metric = &self.template.metrics[m];
        let cell = self
            .data
            .rows
            .get(&w)
            .and_then(|r| r.cells.get(m).copied().flatten())
            .map(|c| c.value);
        let reference = self.reference(m, w);
        let (reference_value, kind, progress) = match reference {
            Ok((r, k)) => (Some(r), Some(k), None),
            Err(p) => (None, None, Some(p)),
        };
        let base = MetricWeek {
            value: None,
            reference: reference_value,
            kind,
            score: None,
            status: Status::Missing,
            progress: None,
        };
        let v = match cell {
            None => return base,
            Some(CellValue::NotApplicable) => {
                return MetricWeek {
                    status: Status::NotApplicable,
                    ..base
                };
            }
            Some(CellValue::Value(v)) => v,
        };
        let Some(r) = reference_value else {
            return MetricWeek {
                value: Some(v),
                status: Status::BuildingBaseline,
                progress,
                ..base
            };
        };
        let f = metric.floor;
        let cap = self.template.scoring.cap;
        if r - f <= 0.0 {
            return MetricWeek {
                value: Some(v),
                status: Status::NoReference,
                ..base
            };
        }
        let ratio = match metric.better {
            Better::Higher => (v - f) / (r - f),
            Better::Lower if v - f <= 0.0 => cap,
            Better::Lower => (r - f) / (v - f),
        };
        let score = 100.0 * ratio.clamp(0.0, cap);
        MetricWeek {
            value: Some(v),
            score: Some(score),
            status: Status::Scored,
            ..base
        }
    }

    /// Scores every metric, stage and the index at week `w` (SPEC §6.6–6.8).
    pub fn week(&self, w: Week) -> Rc<WeekScore> {
        if let Some(hit) = self.cache.borrow().get(&w) {
            return Rc::clone(hit);
        }
        let score = Rc::new(self.compute_week(w));
        self.cache.borrow_mut().insert(w, Rc::clone(&score));
        score
    }

    fn compute_week(&self, w: Week) -> WeekScore {
        let t = self.template;
        let metrics: Vec<MetricWeek> = (0..t.metrics.len()).map(|m| self.metric(m, w)).collect();
        let mut num = vec![0.0; t.stages.len()];
        let mut den = vec![0.0; t.stages.len()];
        let mut scored_weight = 0.0;
        for (m, mw) in metrics.iter().enumerate() {
            let metric = &t.metrics[m];
            if let (Some(s), Some(n), Some(d)) = (
                mw.score,
                num.get_mut(metric.stage),
                den.get_mut(metric.stage),
            ) {
                *n += metric.weight * s;
                *d += metric.weight;
                scored_weight += metric.weight;
            }
        }
        let stages: Vec<Option<f64>> = num
            .iter()
            .zip(&den)
            .map(|(n, d)| (*d > 0.0).then(|| n / d))
            .collect();
        let (mut inum, mut iden) = (0.0, 0.0);
        for (stage, score) in t.stages.iter().zip(&stages) {
            if let Some(s) = score {
                inum += stage.weight * s;
                iden += stage.weight;
            }
        }
        let total = t.total_weight();
        WeekScore {
            week: w,
            has_row: self.data.rows.contains_key(&w),
            metrics,
            stages,
            index: (iden > 0.0).then(|| inum / iden),
            coverage: if total > 0.0 {
                scored_weight / total
            } else {
                0.0
            },
        }
    }
}
