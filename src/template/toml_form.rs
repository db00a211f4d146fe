//! The TOML form of a template (`trustidx.toml`, the presets) → `Draft`.

use serde::Deserialize;
use toml::Spanned;

use super::build::{Draft, DraftCheck, DraftMetric, DraftStage, Located, Scalar};
use crate::diagnostic::{Code, Diagnostic, LineIndex, Location, line_col};

type Field<T> = Option<Spanned<T>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    name: Field<String>,
    week_start: Field<String>,
    data: Field<String>,
    #[serde(default)]
    ignore_columns: Vec<String>,
    decimal: Field<String>,
    date_format: Field<String>,
    scoring: Option<RawScoring>,
    #[serde(default)]
    stage: Vec<Spanned<RawStage>>,
    #[serde(default)]
    metric: Vec<Spanned<RawMetric>>,
    #[serde(default)]
    check: Vec<Spanned<RawCheck>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScoring {
    baseline: Field<String>,
    baseline_weeks: Field<Scalar>,
    cap: Field<Scalar>,
    min_coverage: Field<Scalar>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    id: Field<String>,
    label: Field<String>,
    weight: Field<Scalar>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetric {
    id: Field<String>,
    label: Field<String>,
    stage: Field<String>,
    unit: Field<String>,
    better: Field<String>,
    aggregate: Field<String>,
    weight: Field<Scalar>,
    target: Field<Scalar>,
    baseline: Field<Scalar>,
    floor: Field<Scalar>,
    min: Field<Scalar>,
    max: Field<Scalar>,
    required: Field<Scalar>,
    formula: Field<String>,
    how: Field<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    rule: Field<String>,
    message: Field<String>,
    severity: Field<String>,
    tolerance: Field<Scalar>,
}

/// Reads TOML text; a syntax, unknown-key or type problem is one located
/// `template-invalid` diagnostic.
pub fn parse(text: &str, file: &str) -> Result<Draft, Box<Diagnostic>> {
    let raw: RawTemplate = toml::from_str(text).map_err(|e| {
        let loc = match e.span() {
            Some(span) => {
                let (line, col) = line_col(text, span.start);
                Location::at(file, line, Some(col))
            }
            None => Location::file(file),
        };
        let message = e.message().trim().replace('\n', " ");
        Diagnostic::error(
            Code::TemplateInvalid,
            loc,
            format!("the template does not load: {message}"),
        )
    })?;
    let index = LineIndex::new(text);
    let at = |span: std::ops::Range<usize>| {
        let (line, col) = index.line_col(span.start);
        Location::at(file, line, Some(col))
    };
    let loc = |f: Field<String>| {
        f.map(|s| Located {
            loc: at(s.span()),
            value: s.into_inner(),
        })
    };
    let num = |f: Field<Scalar>| {
        f.map(|s| Located {
            loc: at(s.span()),
            value: s.into_inner(),
        })
    };
    let scoring = raw.scoring.unwrap_or(RawScoring {
        baseline: None,
        baseline_weeks: None,
        cap: None,
        min_coverage: None,
    });
    Ok(Draft {
        name: loc(raw.name),
        week_start: loc(raw.week_start),
        data: loc(raw.data),
        ignore_columns: raw.ignore_columns,
        decimal: loc(raw.decimal),
        date_format: loc(raw.date_format),
        baseline: loc(scoring.baseline),
        baseline_weeks: num(scoring.baseline_weeks),
        cap: num(scoring.cap),
        min_coverage: num(scoring.min_coverage),
        stages: raw
            .stage
            .into_iter()
            .map(|s| {
                let at_table = at(s.span());
                let s = s.into_inner();
                DraftStage {
                    at: at_table,
                    id: loc(s.id),
                    label: loc(s.label),
                    weight: num(s.weight),
                }
            })
            .collect(),
        metrics: raw
            .metric
            .into_iter()
            .map(|m| {
                let at_table = at(m.span());
                let m = m.into_inner();
                DraftMetric {
                    at: at_table,
                    id: loc(m.id),
                    label: loc(m.label),
                    stage: loc(m.stage),
                    unit: loc(m.unit),
                    better: loc(m.better),
                    aggregate: loc(m.aggregate),
                    weight: num(m.weight),
                    target: num(m.target),
                    baseline: num(m.baseline),
                    floor: num(m.floor),
                    min: num(m.min),
                    max: num(m.max),
                    required: num(m.required),
                    formula: loc(m.formula),
                    how: loc(m.how),
                }
            })
            .collect(),
        checks: raw
            .check
            .into_iter()
            .map(|c| {
                let at_table = at(c.span());
                let c = c.into_inner();
                DraftCheck {
                    at: at_table,
                    rule: loc(c.rule),
                    message: loc(c.message),
                    severity: loc(c.severity),
                    tolerance: num(c.tolerance),
                }
            })
            .collect(),
    })
}
