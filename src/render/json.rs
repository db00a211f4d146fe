//! JSON output: the `trustidx.score.v1` document (SPEC §10), diagnostics
//! for `validate --format json`, and the template's metrics.

use serde::Serialize;
use serde_json::json;

use crate::diagnostic::Diagnostic;
use crate::report::ScoreReport;
use crate::template::Template;

fn pretty<T: Serialize>(value: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

pub fn score(report: &ScoreReport) -> String {
    pretty(report)
}

/// A refused `score`: no entities, every diagnostic.
pub fn refused(diagnostics: &[Diagnostic]) -> String {
    pretty(&json!({
        "schema": "trustidx.score.v1",
        "week": null,
        "period": null,
        "entities": [],
        "diagnostics": diagnostics,
    }))
}

/// `validate --format json`.
pub fn diagnostics(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    pretty(&json!({
        "schema": "trustidx.validate.v1",
        "errors": errors,
        "warnings": diagnostics.len() - errors,
        "diagnostics": diagnostics,
    }))
}

/// `metrics --format json`.
pub fn metrics(t: &Template) -> String {
    let stages: Vec<_> = t
        .stages
        .iter()
        .enumerate()
        .map(|(s, stage)| {
            let metrics: Vec<_> = t
                .stage_metrics(s)
                .filter_map(|m| t.metrics.get(m))
                .map(|m| {
                    json!({
                        "id": m.id, "label": m.label, "unit": m.unit, "better": m.better,
                        "aggregate": m.aggregate, "weight": m.weight, "target": m.target,
                        "baseline": m.baseline, "floor": m.floor, "min": m.min, "max": m.max,
                        "required": m.required, "formula": m.formula_text, "how": m.how,
                    })
                })
                .collect();
            json!({"id": stage.id, "label": stage.label, "weight": stage.weight, "metrics": metrics})
        })
        .collect();
    pretty(&json!({"schema": "trustidx.metrics.v1", "name": t.name, "stages": stages}))
}

/// `report --format json`: the grid (`trustidx.report.v1`).
pub fn grid(g: &crate::grid::Grid) -> String {
    pretty(g)
}

/// `nps --format json`: counts and margins of error per week.
pub fn nps(metric: &str, weeks: &[crate::nps::NpsWeek]) -> String {
    pretty(&json!({"schema": "trustidx.nps.v1", "metric": metric, "weeks": weeks}))
}

/// `leads --format json`: every contact, best first.
pub fn leads(leads: &[crate::leads::Lead], mql_threshold: f64) -> String {
    let mqls = leads.iter().filter(|l| l.mql).count();
    pretty(
        &json!({"schema": "trustidx.leads.v1", "contacts": leads.len(), "mqls": mqls, "mql_threshold": mql_threshold, "leads": leads}),
    )
}

/// A refused `nps --format json`: no weeks, every diagnostic.
pub fn nps_refused(metric: &str, diagnostics: &[Diagnostic]) -> String {
    pretty(
        &json!({"schema": "trustidx.nps.v1", "metric": metric, "weeks": [], "diagnostics": diagnostics}),
    )
}
