//! The template: stages, metrics and scoring settings (SPEC §2).
//!
//! Both forms (`trustidx.toml`, and the CSV form with one row per metric)
//! are read into a `Draft` with a location for every field, and one
//! builder (`build`) checks it and makes the `Template` every later step
//! uses. Presets are embedded TOML files; `discover` finds the template a
//! command should use.

mod build;
mod csv_form;
mod discover;
mod preset;
mod toml_form;
mod write;

use std::path::PathBuf;

use chrono::Weekday;
use serde::Serialize;

use crate::formula::Expr;
use crate::value::{DecimalMark, Unit};

pub use build::{Draft, DraftCheck, DraftMetric, DraftStage, Located, Scalar};
pub use discover::{LoadError, Source, TemplateChoice, from_file, from_preset, load};
pub use preset::{PRESETS, Preset, preset};
pub use write::{to_csv, to_toml};

/// Which way is better for a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    Higher,
    Lower,
}

impl Better {
    pub fn as_str(self) -> &'static str {
        match self {
            Better::Higher => "higher",
            Better::Lower => "lower",
        }
    }
}

/// How weekly values roll up into months, quarters and years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    Sum,
    Mean,
    Last,
}

impl Aggregate {
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregate::Sum => "sum",
            Aggregate::Mean => "mean",
            Aggregate::Last => "last",
        }
    }
}

/// How a metric's baseline is computed (SPEC §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineKind {
    First,
    Trailing,
}

/// The `[scoring]` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Scoring {
    pub baseline: BaselineKind,
    pub baseline_weeks: usize,
    pub cap: f64,
    pub min_coverage: f64,
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring {
            baseline: BaselineKind::First,
            baseline_weeks: 4,
            cap: 2.0,
            min_coverage: 0.5,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub id: String,
    pub label: String,
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub id: String,
    pub label: String,
    /// Index into `Template::stages`.
    pub stage: usize,
    pub unit: Unit,
    pub better: Better,
    pub aggregate: Aggregate,
    pub weight: f64,
    pub target: Option<f64>,
    /// A fixed baseline replacing the computed one.
    pub baseline: Option<f64>,
    pub floor: f64,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub required: bool,
    pub formula: Option<Expr>,
    /// The formula as written, for `metrics` and `init`.
    pub formula_text: Option<String>,
    pub how: String,
}

/// Severity of a failed `[[check]]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckSeverity {
    Warning,
    Error,
}

/// Comparison of a `[[check]]` rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Le,
    Lt,
    Ge,
    Gt,
    Eq,
    Ne,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub rule: String,
    pub left: Expr,
    pub comparison: Comparison,
    pub right: Expr,
    pub message: String,
    pub severity: CheckSeverity,
    pub tolerance: f64,
}

/// A loaded, checked template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub name: String,
    /// Where it came from, as the user should see it in messages.
    pub source: Source,
    pub week_start: Weekday,
    /// The history file, resolved against the template's folder.
    pub data: Option<PathBuf>,
    pub ignore_columns: Vec<String>,
    pub decimal: DecimalMark,
    pub date_format: Option<String>,
    pub scoring: Scoring,
    pub stages: Vec<Stage>,
    pub metrics: Vec<Metric>,
    pub checks: Vec<Check>,
}

impl Template {
    /// The metric with this id.
    pub fn metric_index(&self, id: &str) -> Option<usize> {
        self.metrics.iter().position(|m| m.id == id)
    }

    /// The metric a column header names: its id, or its label when exactly
    /// one metric has it (case-insensitive).
    pub fn column_metric(&self, name: &str) -> Option<usize> {
        self.metric_index(name).or_else(|| {
            let mut hits = self
                .metrics
                .iter()
                .enumerate()
                .filter(|(_, m)| m.label.eq_ignore_ascii_case(name));
            match (hits.next(), hits.next()) {
                (Some((i, _)), None) => Some(i),
                _ => None,
            }
        })
    }

    /// Whether a column is listed in `ignore_columns`.
    pub fn is_ignored(&self, name: &str) -> bool {
        self.ignore_columns
            .iter()
            .any(|c| c.eq_ignore_ascii_case(name))
    }

    /// Σ weight of every metric (the denominator of coverage).
    pub fn total_weight(&self) -> f64 {
        self.metrics.iter().map(|m| m.weight).sum()
    }

    /// Metric indices of a stage, in template order.
    pub fn stage_metrics(&self, stage: usize) -> impl Iterator<Item = usize> + '_ {
        self.metrics
            .iter()
            .enumerate()
            .filter(move |(_, m)| m.stage == stage)
            .map(|(i, _)| i)
    }

    /// The metric ids, for did-you-mean suggestions.
    pub fn metric_ids(&self) -> impl Iterator<Item = &str> {
        self.metrics.iter().map(|m| m.id.as_str())
    }
}
