//! The format-neutral score report: one period, every entity, every stage
//! and metric with its comparison (SPEC §6 periods and comparisons, §10).
//! `Serialize` of these types *is* the `trustidx.score.v1` JSON schema;
//! every renderer reads the same report.

use chrono::NaiveDate;
use serde::Serialize;

use crate::data::Dataset;
use crate::diagnostic::Diagnostic;
use crate::period::{Compare, Period, PeriodKind};
use crate::score::{EntityScorer, MetricWeek, ReferenceKind, Status, WeekScore};
use crate::template::{Aggregate, Template};
use crate::value::Unit;
use crate::week::Week;

/// How many weekly scores a sparkline shows.
pub const TREND_WEEKS: usize = 12;

/// What to score.
#[derive(Debug, Clone)]
pub struct ScoreRequest {
    /// `--week`: a date inside the period to show; else the latest week.
    pub date: Option<NaiveDate>,
    pub period: PeriodKind,
    pub compare: Compare,
    /// `--entity`: only this entity.
    pub entity: Option<String>,
}

/// The whole `score` result.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreReport {
    /// Always `trustidx.score.v1`.
    pub schema: &'static str,
    /// The week shown: the latest week of the period that has data.
    pub week: Option<Week>,
    pub period: PeriodInfo,
    /// Every entity, best index first (no index last), then by name.
    pub entities: Vec<EntityReport>,
    /// Problems found (warnings for the weeks shown; errors anywhere).
    pub diagnostics: Vec<Diagnostic>,
    /// Thresholds crossed (`--alert-below`, `--alert-drop`); empty when none.
    pub alerts: Vec<Alert>,
}

/// What kind of threshold an alert crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertKind {
    /// The index is below `--alert-below`.
    Below,
    /// The index fell by `--alert-drop` points or more.
    Drop,
}

/// A crossed threshold (SPEC §8 alerts).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub entity: Option<String>,
    pub kind: AlertKind,
    pub threshold: f64,
    /// The index for `below`, the change for `drop`.
    pub value: f64,
}

/// The thresholds of `--alert-below X` and `--alert-drop P`.
#[derive(Debug, Clone, Copy, Default)]
pub struct AlertRules {
    pub below: Option<f64>,
    pub drop: Option<f64>,
}

/// Every threshold crossed, in ranking order.
pub fn alerts(entities: &[EntityReport], rules: AlertRules) -> Vec<Alert> {
    let mut out = Vec::new();
    for e in entities {
        if let (Some(x), Some(index)) = (rules.below, e.index.score)
            && index < x
        {
            out.push(Alert {
                entity: e.entity.clone(),
                kind: AlertKind::Below,
                threshold: x,
                value: index,
            });
        }
        if let (Some(p), Some(change)) = (rules.drop, e.index.change)
            && change <= -p
        {
            out.push(Alert {
                entity: e.entity.clone(),
                kind: AlertKind::Drop,
                threshold: p,
                value: change,
            });
        }
    }
    out
}

#[derive(Debug, Clone, Serialize)]
pub struct PeriodInfo {
    /// `week`, `month`, `quarter` or `year`.
    pub kind: PeriodKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// A week of the period starts after the latest week, or before the first.
    pub partial: bool,
    /// The period compared with (previous, or a year earlier).
    #[serde(skip)]
    pub compared_label: String,
    #[serde(skip)]
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntityReport {
    /// `null` when the data has no entity column.
    pub entity: Option<String>,
    pub index: IndexReport,
    pub stages: Vec<StageReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndexReport {
    /// The Trust Index: the weight-averaged stage scores.
    pub score: Option<f64>,
    pub previous: Option<f64>,
    pub change: Option<f64>,
    /// Mean index of the 4 weeks ending at the period's last week with data.
    pub rolling_4w: Option<f64>,
    /// Σ weight of scored metrics / Σ weight of all metrics (0–1).
    pub coverage: f64,
    pub low_coverage: bool,
    /// The index of the last 12 weeks, oldest first.
    pub trend: Vec<Option<f64>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StageReport {
    pub id: String,
    pub label: String,
    pub score: Option<f64>,
    pub previous: Option<f64>,
    pub change: Option<f64>,
    pub metrics: Vec<MetricReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaselineProgress {
    pub have: usize,
    pub need: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricReport {
    pub id: String,
    pub label: String,
    pub unit: Unit,
    /// Canonical value (seconds, percent points, days...); null when missing or n/a.
    pub value: Option<f64>,
    pub previous_value: Option<f64>,
    pub value_change_pct: Option<f64>,
    pub reference: Option<f64>,
    pub reference_kind: Option<ReferenceKind>,
    pub score: Option<f64>,
    pub previous: Option<f64>,
    pub change: Option<f64>,
    pub status: Status,
    pub baseline_progress: Option<BaselineProgress>,
    /// The metric's last 12 weekly scores, oldest first.
    pub trend: Vec<Option<f64>>,
}

/// A period's scores for one entity.
pub struct PeriodScore {
    pub index: Option<f64>,
    pub stages: Vec<Option<f64>>,
    pub metric_scores: Vec<Option<f64>>,
    pub values: Vec<Option<f64>>,
    pub coverage: f64,
    /// The metrics of the period's latest week with a row (else its last week).
    meta: Vec<MetricWeek>,
    /// The week `rolling_4w` is taken at.
    anchor: Option<Week>,
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

fn diff(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? - b?)
}

/// Scores one entity over one period (SPEC §6 periods): means of the weekly
/// scores, values by each metric's aggregate.
pub fn period_score(
    t: &Template,
    scorer: &EntityScorer<'_>,
    period: &Period,
    latest: Week,
) -> PeriodScore {
    let weeks: Vec<std::rc::Rc<WeekScore>> = period
        .weeks()
        .into_iter()
        .filter(|w| *w <= latest)
        .map(|w| scorer.week(w))
        .collect();
    let n = t.metrics.len();
    let first = scorer.first_week();
    let coverage = mean(
        weeks
            .iter()
            .filter(|w| first.is_some_and(|f| w.week >= f))
            .map(|w| w.coverage),
    )
    .unwrap_or(0.0);
    let with_row = weeks.iter().rev().find(|w| w.has_row);
    let meta_week = with_row.or(weeks.last());
    let meta = match meta_week {
        Some(w) => w.metrics.clone(),
        None => {
            let last = period.weeks().last().copied().unwrap_or(latest);
            scorer.week(last).metrics.clone()
        }
    };
    let mut values: Vec<Option<f64>> = (0..n)
        .map(|m| {
            let vals: Vec<f64> = weeks
                .iter()
                .filter_map(|w| w.metrics.get(m).and_then(|x| x.value))
                .collect();
            match t.metrics[m].aggregate {
                Aggregate::Sum => (!vals.is_empty()).then(|| vals.iter().sum()),
                Aggregate::Mean => mean(vals.iter().copied()),
                Aggregate::Last => vals.last().copied(),
            }
        })
        .collect();
    if period.kind != PeriodKind::Week {
        let inputs = values.clone();
        for (m, metric) in t.metrics.iter().enumerate() {
            if let Some(f) = &metric.formula {
                let get = |id: &str| {
                    t.metric_index(id)
                        .and_then(|i| inputs.get(i).copied().flatten())
                };
                values[m] = match f.eval(&get) {
                    crate::formula::Eval::Value(v) if v.is_finite() => Some(v),
                    _ => None,
                };
            }
        }
    }
    PeriodScore {
        index: mean(weeks.iter().filter_map(|w| w.index)),
        stages: (0..t.stages.len())
            .map(|s| {
                mean(
                    weeks
                        .iter()
                        .filter_map(|w| w.stages.get(s).copied().flatten()),
                )
            })
            .collect(),
        metric_scores: (0..n)
            .map(|m| {
                mean(
                    weeks
                        .iter()
                        .filter_map(|w| w.metrics.get(m).and_then(|x| x.score)),
                )
            })
            .collect(),
        values,
        coverage,
        meta,
        anchor: with_row
            .map(|w| w.week)
            .or_else(|| meta_week.map(|w| w.week)),
    }
}

/// The 12 weekly values of `f` ending at `end`, oldest first.
fn trend(
    scorer: &EntityScorer<'_>,
    end: Week,
    f: impl Fn(&WeekScore) -> Option<f64>,
) -> Vec<Option<f64>> {
    (0..TREND_WEEKS as i64)
        .rev()
        .map(|k| {
            end.plus_weeks(-k)
                .map(|w| f(&scorer.week(w)))
                .unwrap_or(None)
        })
        .collect()
}

fn entity_report(
    t: &Template,
    scorer: &EntityScorer<'_>,
    period: &Period,
    compared: Option<&Period>,
    latest: Week,
) -> EntityReport {
    let now = period_score(t, scorer, period, latest);
    let before = compared.map(|p| period_score(t, scorer, p, latest));
    // a week is its own anchor, with data or not (SPEC §8 rolling_4w);
    // longer periods anchor at their last week with data
    let anchor = match (period.kind, period.weeks().first()) {
        (PeriodKind::Week, Some(w)) => *w,
        _ => now.anchor.unwrap_or(latest),
    };
    let rolling = mean(
        (0..4)
            .filter_map(|k| anchor.plus_weeks(-k))
            .filter_map(|w| scorer.week(w).index),
    );
    let trend_end = anchor;
    let index = IndexReport {
        score: now.index,
        previous: before.as_ref().and_then(|b| b.index),
        change: diff(now.index, before.as_ref().and_then(|b| b.index)),
        rolling_4w: rolling,
        coverage: now.coverage,
        low_coverage: now.coverage < t.scoring.min_coverage,
        trend: trend(scorer, trend_end, |w| w.index),
    };
    let stages = t
        .stages
        .iter()
        .enumerate()
        .map(|(s, stage)| {
            let prev = before
                .as_ref()
                .and_then(|b| b.stages.get(s).copied().flatten());
            let score = now.stages.get(s).copied().flatten();
            StageReport {
                id: stage.id.clone(),
                label: stage.label.clone(),
                score,
                previous: prev,
                change: diff(score, prev),
                metrics: t
                    .stage_metrics(s)
                    .map(|m| metric_report(t, scorer, &now, before.as_ref(), m, trend_end))
                    .collect(),
            }
        })
        .collect();
    EntityReport {
        entity: scorer.data().name.clone(),
        index,
        stages,
    }
}

fn metric_report(
    t: &Template,
    scorer: &EntityScorer<'_>,
    now: &PeriodScore,
    before: Option<&PeriodScore>,
    m: usize,
    trend_end: Week,
) -> MetricReport {
    let metric = &t.metrics[m];
    let meta = now.meta[m];
    let value = now.values[m];
    let previous_value = before.and_then(|b| b.values[m]);
    let score = now.metric_scores[m];
    let previous = before.and_then(|b| b.metric_scores[m]);
    MetricReport {
        id: metric.id.clone(),
        label: metric.label.clone(),
        unit: metric.unit,
        value,
        previous_value,
        value_change_pct: match (value, previous_value) {
            (Some(v), Some(p)) if p != 0.0 => Some((v - p) / p.abs() * 100.0),
            _ => None,
        },
        reference: meta.reference,
        reference_kind: meta.kind,
        score,
        previous,
        change: diff(score, previous),
        status: meta.status,
        baseline_progress: match (meta.status, meta.progress) {
            (Status::BuildingBaseline, Some((have, need))) => Some(BaselineProgress { have, need }),
            _ => None,
        },
        trend: trend(scorer, trend_end, |w| {
            w.metrics.get(m).and_then(|x| x.score)
        }),
    }
}

/// The entity ranking every output uses: index descending (no index last), then name.
pub fn rank(entities: &mut [EntityReport]) {
    entities.sort_by(|a, b| {
        ranking(a.index.score, b.index.score).then_with(|| a.entity.cmp(&b.entity))
    });
}

/// Best score first, no score last.
pub fn ranking(a: Option<f64>, b: Option<f64>) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The stage with the lowest score among those that have one (ties: the
/// first in template order).
pub fn weakest_stage(e: &EntityReport) -> Option<&StageReport> {
    e.stages
        .iter()
        .filter(|s| s.score.is_some())
        .fold(None, |best: Option<&StageReport>, s| match best {
            Some(b) if b.score <= s.score => Some(b),
            _ => Some(s),
        })
}

/// The weeks a `score` run shows, for filtering warnings: the period's
/// weeks and the 12 sparkline weeks before its end.
pub fn shown_weeks(period: &Period, latest: Week) -> Vec<Week> {
    let mut weeks = period.weeks();
    let end = weeks
        .iter()
        .rev()
        .find(|w| **w <= latest)
        .copied()
        .unwrap_or(latest);
    weeks.extend((1..TREND_WEEKS as i64).filter_map(|k| end.plus_weeks(-k)));
    weeks
}

/// Scores a dataset for the request; `None` when there is no week to score.
pub fn compute(
    t: &Template,
    data: &Dataset,
    req: &ScoreRequest,
) -> Option<(ScoreReport, Period, Week)> {
    let selected: Vec<_> = data.selected(req.entity.as_deref()).collect();
    let first = selected
        .iter()
        .filter_map(|e| e.rows.keys().next().copied())
        .min();
    let frame = Frame::new(t, req, data.latest_week()?, first)?;
    let entities = selected
        .iter()
        .map(|e| frame.entity(t, &EntityScorer::new(t, e)))
        .collect();
    Some(frame.finish(entities))
}

/// What every entity of one `score` run shares: the period shown, the one
/// compared with, and the latest week of the data. Built once; entities
/// are then reported one at a time, so a streaming reader can hand them
/// over as it builds them (`data::long_scan`).
pub struct Frame {
    period: Period,
    compared: Option<Period>,
    latest: Week,
    partial: bool,
}

impl Frame {
    /// `latest` is the latest week with a row; `first` the earliest week of
    /// the entities reported.
    pub fn new(
        t: &Template,
        req: &ScoreRequest,
        latest: Week,
        first: Option<Week>,
    ) -> Option<Self> {
        let date = req.date.unwrap_or(latest.start());
        let period = Period::containing(req.period, date, t.week_start)?;
        let partial = period
            .weeks()
            .iter()
            .any(|w| *w > latest || first.is_some_and(|f| *w < f));
        Some(Frame {
            compared: period.compared(req.compare),
            period,
            latest,
            partial,
        })
    }

    /// The weeks this run shows (`shown_weeks`).
    pub fn shown_weeks(&self) -> Vec<Week> {
        shown_weeks(&self.period, self.latest)
    }

    /// One entity's report.
    pub fn entity(&self, t: &Template, scorer: &EntityScorer<'_>) -> EntityReport {
        entity_report(t, scorer, &self.period, self.compared.as_ref(), self.latest)
    }

    /// The whole report, entities ranked.
    pub fn finish(self, mut entities: Vec<EntityReport>) -> (ScoreReport, Period, Week) {
        let period = self.period;
        let week_in_period = period.weeks().into_iter().rev().find(|w| *w <= self.latest);
        rank(&mut entities);
        let report = ScoreReport {
            schema: "trustidx.score.v1",
            week: week_in_period.or(period.weeks().first().copied()),
            period: PeriodInfo {
                kind: period.kind,
                start: period.start,
                end: period.end,
                partial: self.partial,
                compared_label: self.compared.map(|p| p.label()).unwrap_or_default(),
                label: period.label(),
            },
            entities,
            diagnostics: Vec::new(),
            alerts: Vec::new(),
        };
        (report, period, self.latest)
    }
}

/// How many weeks back from the latest week a `score` run without
/// `--week` can look at, the latest week included: the period and the one
/// compared with, the sparkline and rolling weeks, and the 8 weeks before
/// each shown week that the outlier check reads. Baselines come on top
/// (`data::long_scan` keeps them apart). The periods' calendar makes it
/// depend on where the latest week falls, so it is the most over six years
/// of latest weeks.
pub fn weeks_needed(t: &Template, req: &ScoreRequest) -> usize {
    let Some(origin) = NaiveDate::from_ymd_opt(2024, 1, 1) else {
        return 0;
    };
    let mut most = 0;
    for k in 0..(6 * 53) {
        let latest = Week::containing(origin + chrono::Duration::weeks(k), t.week_start);
        let Some(period) = Period::containing(req.period, latest.start(), t.week_start) else {
            continue;
        };
        let mut earliest = latest;
        let mut weeks = period.weeks();
        if let Some(c) = period.compared(req.compare) {
            weeks.extend(c.weeks());
        }
        // the shown weeks reach back 11 weeks from the period's last
        // week with data, and each needs 8 earlier weeks for outliers
        weeks.extend(
            shown_weeks(&period, latest)
                .iter()
                .filter_map(|w| w.plus_weeks(-8)),
        );
        weeks.extend(latest.plus_weeks(-(TREND_WEEKS as i64) - 8));
        for w in weeks {
            earliest = earliest.min(w);
        }
        let span = usize::try_from(earliest.weeks_until(latest)).unwrap_or(0) + 1;
        most = most.max(span);
    }
    most
}
