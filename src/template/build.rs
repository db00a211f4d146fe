//! From a `Draft` (every field with its location, as either form read it)
//! to a checked `Template`: every problem becomes a located diagnostic.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::{
    Aggregate, BaselineKind, Better, Check, CheckSeverity, Comparison, Metric, Scoring, Source,
    Stage, Template,
};
use crate::diagnostic::{Code, Diagnostic, Location, did_you_mean};
use crate::formula::Expr;
use crate::value::{self, DecimalMark, Unit};
use crate::week::parse_weekday;

/// A value with the place it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    pub value: T,
    pub loc: Location,
}

/// A scalar as a template may write it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Num(f64),
    Str(String),
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Num(n) => write!(f, "{n}"),
            Scalar::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// A template as read, before any check.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub name: Option<Located<String>>,
    pub week_start: Option<Located<String>>,
    pub data: Option<Located<String>>,
    pub ignore_columns: Vec<String>,
    pub decimal: Option<Located<String>>,
    pub date_format: Option<Located<String>>,
    pub baseline: Option<Located<String>>,
    pub baseline_weeks: Option<Located<Scalar>>,
    pub cap: Option<Located<Scalar>>,
    pub min_coverage: Option<Located<Scalar>>,
    pub stages: Vec<DraftStage>,
    pub metrics: Vec<DraftMetric>,
    pub checks: Vec<DraftCheck>,
}

#[derive(Debug, Clone, Default)]
pub struct DraftStage {
    /// Where the stage is declared (its table header or CSV row).
    pub at: Location,
    pub id: Option<Located<String>>,
    pub label: Option<Located<String>>,
    pub weight: Option<Located<Scalar>>,
}

#[derive(Debug, Clone, Default)]
pub struct DraftMetric {
    pub at: Location,
    pub id: Option<Located<String>>,
    pub label: Option<Located<String>>,
    pub stage: Option<Located<String>>,
    pub unit: Option<Located<String>>,
    pub better: Option<Located<String>>,
    pub aggregate: Option<Located<String>>,
    pub weight: Option<Located<Scalar>>,
    pub target: Option<Located<Scalar>>,
    pub baseline: Option<Located<Scalar>>,
    pub floor: Option<Located<Scalar>>,
    pub min: Option<Located<Scalar>>,
    pub max: Option<Located<Scalar>>,
    pub required: Option<Located<Scalar>>,
    pub formula: Option<Located<String>>,
    pub how: Option<Located<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct DraftCheck {
    pub at: Location,
    pub rule: Option<Located<String>>,
    pub message: Option<Located<String>>,
    pub severity: Option<Located<String>>,
    pub tolerance: Option<Located<Scalar>>,
}

struct Builder {
    diags: Vec<Diagnostic>,
}

impl Builder {
    fn error(&mut self, loc: &Location, message: String) {
        self.diags.push(Diagnostic::error(
            Code::TemplateInvalid,
            loc.clone(),
            message,
        ));
    }

    fn error_hint(&mut self, loc: &Location, message: String, hint: String) {
        self.diags
            .push(Diagnostic::error(Code::TemplateInvalid, loc.clone(), message).with_hint(hint));
    }

    /// A finite number ≥ `min` (a weight, a cap...).
    fn number(&mut self, field: &Located<Scalar>, name: &str, min: f64) -> Option<f64> {
        let v = match &field.value {
            Scalar::Num(n) => Some(*n),
            Scalar::Str(s) => s.trim().parse::<f64>().ok(),
            Scalar::Bool(_) => None,
        };
        match v {
            Some(v) if v.is_finite() && v >= min => Some(v),
            Some(v) if v.is_finite() => {
                self.error(
                    &field.loc,
                    format!("{name} = {v} is below {min}: it must be at least {min}"),
                );
                None
            }
            _ => {
                self.error(
                    &field.loc,
                    format!("{name} = {} is not a finite number", field.value),
                );
                None
            }
        }
    }

    /// A number in the base unit, or a string in the unit's syntax.
    fn unit_value(
        &mut self,
        field: &Located<Scalar>,
        name: &str,
        unit: Unit,
        mark: DecimalMark,
    ) -> Option<f64> {
        match &field.value {
            Scalar::Num(n) if n.is_finite() => Some(*n),
            Scalar::Str(s) => match value::parse_value(s, unit, mark) {
                Ok(v) => Some(v),
                Err(e) => {
                    let why = match e {
                        value::ValueError::Spreadsheet(x) => format!("{x} is a spreadsheet error"),
                        value::ValueError::Invalid(why) => why,
                    };
                    self.error_hint(
                        &field.loc,
                        format!("{name} = {s:?} is not in the {unit} syntax: {why}"),
                        format!("write {}", unit.syntax()),
                    );
                    None
                }
            },
            other => {
                self.error(
                    &field.loc,
                    format!("{name} = {other} is not a number or a {unit} value"),
                );
                None
            }
        }
    }

    fn choice<T: Copy>(
        &mut self,
        field: &Located<String>,
        name: &str,
        options: &[(&str, T)],
    ) -> Option<T> {
        let found = options
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(field.value.trim()))
            .map(|(_, t)| *t);
        if found.is_none() {
            let list: Vec<&str> = options.iter().map(|(s, _)| *s).collect();
            self.error_hint(
                &field.loc,
                format!(
                    "{name} = {:?} is not one of {}",
                    field.value,
                    list.join(", ")
                ),
                match did_you_mean(&field.value, list.iter().copied()) {
                    Some(s) => format!("did you mean {s:?}?"),
                    None => format!("use one of {}", list.join(", ")),
                },
            );
        }
        found
    }
}

fn is_identifier(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

const RESERVED: [&str; 4] = ["week", "entity", "metric", "value"];

/// Checks a draft and builds the template, or returns every problem found.
pub fn build(
    draft: Draft,
    source: Source,
    dir: Option<&Path>,
) -> Result<Template, Vec<Diagnostic>> {
    let mut b = Builder { diags: Vec::new() };
    let file = source.display();
    let week_start = match &draft.week_start {
        Some(f) => parse_weekday(&f.value).unwrap_or_else(|| {
            b.error(
                &f.loc,
                format!("week_start = {:?} is not a day of the week", f.value),
            );
            chrono::Weekday::Mon
        }),
        None => chrono::Weekday::Mon,
    };
    let decimal = match &draft.decimal {
        Some(f) => b
            .choice(
                f,
                "decimal",
                &[(".", DecimalMark::Point), (",", DecimalMark::Comma)],
            )
            .unwrap_or_default(),
        None => DecimalMark::Point,
    };
    let scoring = build_scoring(&mut b, &draft);
    let stages = build_stages(&mut b, &draft.stages);
    let mut metrics = build_metrics(&mut b, &draft.metrics, &stages, decimal);
    // a stage named by any metric (even one with other problems) is used
    for stage in &draft.stages {
        if let Some(id) = &stage.id {
            let used = draft
                .metrics
                .iter()
                .any(|m| m.stage.as_ref().is_some_and(|s| s.value == id.value));
            if !used {
                b.error_hint(
                    &id.loc,
                    format!("stage {} has no metrics", id.value),
                    "give a metric `stage = \"...\"` with this id, or remove the stage".to_string(),
                );
            }
        }
    }
    check_formulas(&mut b, &draft.metrics, &mut metrics);
    let checks = build_checks(&mut b, &draft.checks, &metrics);
    if let Some(date_format) = &draft.date_format
        && chrono::format::StrftimeItems::new(&date_format.value)
            .parse()
            .is_err()
    {
        b.error(
            &date_format.loc,
            format!(
                "date_format = {:?} is not a valid strftime format",
                date_format.value
            ),
        );
    }
    if !b.diags.is_empty() {
        return Err(b.diags);
    }
    let fallback = Path::new(&file)
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    Ok(Template {
        name: draft.name.map_or(fallback, |n| n.value),
        source,
        week_start,
        data: draft.data.map(|d| {
            dir.map_or_else(
                || Path::new(&d.value).to_path_buf(),
                |dir| dir.join(&d.value),
            )
        }),
        ignore_columns: draft.ignore_columns,
        decimal,
        date_format: draft.date_format.map(|d| d.value),
        scoring,
        stages,
        metrics,
        checks,
    })
}

fn build_scoring(b: &mut Builder, draft: &Draft) -> Scoring {
    let mut s = Scoring::default();
    if let Some(f) = &draft.baseline {
        let options = [
            ("first", BaselineKind::First),
            ("trailing", BaselineKind::Trailing),
        ];
        s.baseline = b.choice(f, "baseline", &options).unwrap_or(s.baseline);
    }
    if let Some(f) = &draft.baseline_weeks
        && let Some(n) = b.number(f, "baseline_weeks", 1.0)
    {
        if n.fract() != 0.0 || n > 520.0 {
            b.error(
                &f.loc,
                format!("baseline_weeks = {n} must be a whole number of weeks from 1 to 520"),
            );
        } else {
            s.baseline_weeks = n as usize;
        }
    }
    if let Some(f) = &draft.cap
        && let Some(v) = b.number(f, "cap", 0.0)
    {
        if v == 0.0 {
            b.error(
                &f.loc,
                "cap = 0 would make every score 0; it must be above 0".to_string(),
            );
        }
        s.cap = v;
    }
    if let Some(f) = &draft.min_coverage
        && let Some(v) = b.number(f, "min_coverage", 0.0)
    {
        if v > 1.0 {
            b.error(
                &f.loc,
                format!("min_coverage = {v} is a fraction from 0 to 1"),
            );
        }
        s.min_coverage = v;
    }
    s
}

fn build_stages(b: &mut Builder, drafts: &[DraftStage]) -> Vec<Stage> {
    let mut stages = Vec::new();
    let mut seen: HashMap<String, Location> = HashMap::new();
    for d in drafts {
        let Some(id) = &d.id else {
            b.error(&d.at, "a [[stage]] has no id".to_string());
            stages.push(Stage {
                id: String::new(),
                label: String::new(),
                weight: 0.0,
            });
            continue;
        };
        if !is_identifier(&id.value) {
            b.error(
                &id.loc,
                format!("stage id {:?} must be letters, digits and _", id.value),
            );
        }
        if let Some(first) = seen.get(&id.value) {
            b.error(
                &id.loc,
                format!(
                    "stage {} is declared twice (first at {})",
                    id.value,
                    first.display()
                ),
            );
        }
        seen.insert(id.value.clone(), id.loc.clone());
        let weight = d
            .weight
            .as_ref()
            .and_then(|w| b.number(w, "weight", 0.0))
            .unwrap_or(1.0);
        let label = d
            .label
            .as_ref()
            .map_or_else(|| id.value.clone(), |l| l.value.clone());
        stages.push(Stage {
            id: id.value.clone(),
            label,
            weight,
        });
    }
    stages
}

fn build_metrics(
    b: &mut Builder,
    drafts: &[DraftMetric],
    stages: &[Stage],
    mark: DecimalMark,
) -> Vec<Metric> {
    let mut metrics = Vec::new();
    let mut seen: HashMap<String, Location> = HashMap::new();
    for d in drafts {
        let (Some(id), Some(stage), Some(unit)) = (&d.id, &d.stage, &d.unit) else {
            let missing: Vec<&str> = [
                ("id", d.id.is_none()),
                ("stage", d.stage.is_none()),
                ("unit", d.unit.is_none()),
            ]
            .iter()
            .filter(|(_, m)| *m)
            .map(|(k, _)| *k)
            .collect();
            let which = d.id.as_ref().map_or_else(
                || "a [[metric]]".to_string(),
                |i| format!("metric {}", i.value),
            );
            b.error(&d.at, format!("{which} has no {}", missing.join(", ")));
            continue;
        };
        if !is_identifier(&id.value) || RESERVED.contains(&id.value.as_str()) {
            b.error_hint(
                &id.loc,
                format!("metric id {:?} is not usable", id.value),
                "ids are letters, digits and _ (snake_case), and not week, entity, metric or value"
                    .to_string(),
            );
        }
        if let Some(first) = seen.get(&id.value) {
            b.error(
                &id.loc,
                format!(
                    "metric {} is defined twice (first at {})",
                    id.value,
                    first.display()
                ),
            );
            continue;
        }
        seen.insert(id.value.clone(), id.loc.clone());
        let stage_index = stages.iter().position(|s| s.id == stage.value);
        if stage_index.is_none() {
            let hint = match did_you_mean(&stage.value, stages.iter().map(|s| s.id.as_str())) {
                Some(s) => format!("did you mean {s:?}?"),
                None => "declare it with a [[stage]] table".to_string(),
            };
            b.error_hint(
                &stage.loc,
                format!(
                    "metric {} names stage {:?}, which is not declared",
                    id.value, stage.value
                ),
                hint,
            );
        }
        let unit_options: Vec<(&str, Unit)> = Unit::ALL.iter().map(|u| (u.as_str(), *u)).collect();
        let Some(unit_v) = b.choice(unit, "unit", &unit_options) else {
            continue;
        };
        let better = d
            .better
            .as_ref()
            .and_then(|f| {
                b.choice(
                    f,
                    "better",
                    &[("higher", Better::Higher), ("lower", Better::Lower)],
                )
            })
            .unwrap_or(Better::Higher);
        let default_aggregate = if matches!(unit_v, Unit::Count | Unit::Currency) {
            Aggregate::Sum
        } else {
            Aggregate::Mean
        };
        let aggregate = d
            .aggregate
            .as_ref()
            .and_then(|f| {
                b.choice(
                    f,
                    "aggregate",
                    &[
                        ("sum", Aggregate::Sum),
                        ("mean", Aggregate::Mean),
                        ("last", Aggregate::Last),
                    ],
                )
            })
            .unwrap_or(default_aggregate);
        let weight = d
            .weight
            .as_ref()
            .and_then(|w| b.number(w, "weight", 0.0))
            .unwrap_or(1.0);
        let target = d
            .target
            .as_ref()
            .and_then(|f| b.unit_value(f, "target", unit_v, mark));
        let baseline = d
            .baseline
            .as_ref()
            .and_then(|f| b.unit_value(f, "baseline", unit_v, mark));
        let floor = d
            .floor
            .as_ref()
            .and_then(|f| b.unit_value(f, "floor", unit_v, mark));
        let min = d
            .min
            .as_ref()
            .and_then(|f| b.unit_value(f, "min", unit_v, mark));
        let max = d
            .max
            .as_ref()
            .and_then(|f| b.unit_value(f, "max", unit_v, mark));
        if let (Some(lo), Some(hi), Some(f)) = (min, max, &d.max)
            && lo > hi
        {
            b.error(
                &f.loc,
                format!("metric {}: min = {lo} is above max = {hi}", id.value),
            );
        }
        let required = match &d.required {
            None => false,
            Some(Located {
                value: Scalar::Bool(v),
                ..
            }) => *v,
            Some(Located {
                value: Scalar::Str(s),
                loc,
            }) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => true,
                "false" | "no" | "0" | "" => false,
                _ => {
                    b.error(loc, format!("required = {s:?} is not true or false"));
                    false
                }
            },
            Some(Located { value, loc }) => {
                b.error(loc, format!("required = {value} is not true or false"));
                false
            }
        };
        metrics.push(Metric {
            id: id.value.clone(),
            label: d
                .label
                .as_ref()
                .map_or_else(|| id.value.clone(), |l| l.value.clone()),
            stage: stage_index.unwrap_or(0),
            unit: unit_v,
            better,
            aggregate,
            weight,
            target,
            baseline,
            floor: floor.unwrap_or_else(|| unit_v.default_floor()),
            min,
            max,
            required,
            formula: None,
            formula_text: d.formula.as_ref().map(|f| f.value.clone()),
            how: d.how.as_ref().map(|h| h.value.clone()).unwrap_or_default(),
        });
    }
    metrics
}

/// Parses formulas, checks their ids exist and that no metric depends on itself.
fn check_formulas(b: &mut Builder, drafts: &[DraftMetric], metrics: &mut [Metric]) {
    let ids: Vec<String> = metrics.iter().map(|m| m.id.clone()).collect();
    let mut formula_loc: HashMap<String, Location> = HashMap::new();
    for d in drafts {
        let (Some(id), Some(text)) = (&d.id, &d.formula) else {
            continue;
        };
        let Some(metric) = metrics.iter_mut().find(|m| m.id == id.value) else {
            continue;
        };
        if text.value.trim().is_empty() {
            continue;
        }
        formula_loc.insert(id.value.clone(), text.loc.clone());
        match parse_expression(
            b,
            &text.value,
            &text.loc,
            &ids,
            &format!("metric {}", id.value),
        ) {
            Some(expr) => metric.formula = Some(expr),
            None => metric.formula_text = None,
        }
    }
    if let Some(cycle) = find_cycle(metrics) {
        let names: Vec<&str> = cycle.iter().map(|&i| metrics[i].id.as_str()).collect();
        let loc = formula_loc.get(names[0]).cloned().unwrap_or_default();
        let mut path = names.clone();
        path.push(names[0]);
        b.diags.push(
            Diagnostic::error(
                Code::FormulaCycle,
                loc,
                format!(
                    "derived metrics depend on themselves: {}",
                    path.join(" -> ")
                ),
            )
            .with_metric(names[0])
            .with_hint("a formula may only use metrics that do not, in turn, use it".to_string()),
        );
    }
}

/// Parses an expression and checks every id it names; `None` after a diagnostic.
fn parse_expression(
    b: &mut Builder,
    text: &str,
    loc: &Location,
    ids: &[String],
    what: &str,
) -> Option<Expr> {
    match Expr::parse(text) {
        Err(e) => {
            b.diags.push(Diagnostic::error(
                Code::FormulaInvalid,
                loc.clone(),
                format!("{what}: {text:?} does not parse: {e}"),
            ));
            None
        }
        Ok(expr) => {
            let mut ok = true;
            for name in expr.ids() {
                if !ids.iter().any(|i| i == name) {
                    ok = false;
                    let mut d = Diagnostic::error(
                        Code::FormulaInvalid,
                        loc.clone(),
                        format!(
                            "{what}: {text:?} names {name}, which is no metric of the template"
                        ),
                    );
                    if let Some(s) = did_you_mean(name, ids.iter().map(String::as_str)) {
                        d = d.with_hint(format!("did you mean {s}?"));
                    }
                    b.diags.push(d);
                }
            }
            ok.then_some(expr)
        }
    }
}

/// The metrics of one dependency cycle among formulas, in order, if any.
fn find_cycle(metrics: &[Metric]) -> Option<Vec<usize>> {
    let edges: Vec<Vec<usize>> = metrics
        .iter()
        .map(|m| {
            m.formula.as_ref().map_or_else(Vec::new, |f| {
                f.ids()
                    .iter()
                    .filter_map(|id| metrics.iter().position(|x| x.id == *id))
                    .collect()
            })
        })
        .collect();
    // 0 = unseen, 1 = on the current path, 2 = done; an explicit stack keeps
    // the depth off the call stack.
    let mut state = vec![0u8; metrics.len()];
    for start in 0..metrics.len() {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&to) = edges[node].get(*next) {
                *next += 1;
                match state[to] {
                    0 => {
                        state[to] = 1;
                        stack.push((to, 0));
                    }
                    1 => {
                        let from = stack.iter().position(|(n, _)| *n == to).unwrap_or(0);
                        return Some(stack[from..].iter().map(|(n, _)| *n).collect());
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                stack.pop();
            }
        }
    }
    None
}

fn build_checks(b: &mut Builder, drafts: &[DraftCheck], metrics: &[Metric]) -> Vec<Check> {
    let ids: Vec<String> = metrics.iter().map(|m| m.id.clone()).collect();
    let mut checks = Vec::new();
    for d in drafts {
        let Some(rule) = &d.rule else {
            b.error(&d.at, "a [[check]] has no rule".to_string());
            continue;
        };
        let Some((left, comparison, right)) = split_comparison(&rule.value) else {
            b.diags.push(
                Diagnostic::error(
                    Code::FormulaInvalid,
                    rule.loc.clone(),
                    format!("check {:?} compares nothing", rule.value),
                )
                .with_hint(
                    "a rule is two expressions joined by <=, <, >=, >, == or !=".to_string(),
                ),
            );
            continue;
        };
        let what = format!("check {:?}", rule.value);
        let left = parse_expression(b, left, &rule.loc, &ids, &what);
        let right = parse_expression(b, right, &rule.loc, &ids, &what);
        let severity = d
            .severity
            .as_ref()
            .and_then(|f| {
                b.choice(
                    f,
                    "severity",
                    &[
                        ("warning", CheckSeverity::Warning),
                        ("error", CheckSeverity::Error),
                    ],
                )
            })
            .unwrap_or(CheckSeverity::Warning);
        let tolerance = d
            .tolerance
            .as_ref()
            .and_then(|t| b.number(t, "tolerance", 0.0))
            .unwrap_or(0.0);
        if let (Some(left), Some(right)) = (left, right) {
            checks.push(Check {
                rule: rule.value.clone(),
                left,
                comparison,
                right,
                message: d
                    .message
                    .as_ref()
                    .map_or_else(|| rule.value.clone(), |m| m.value.clone()),
                severity,
                tolerance,
            });
        }
    }
    checks
}

fn split_comparison(rule: &str) -> Option<(&str, Comparison, &str)> {
    const OPS: [(&str, Comparison); 6] = [
        ("<=", Comparison::Le),
        (">=", Comparison::Ge),
        ("==", Comparison::Eq),
        ("!=", Comparison::Ne),
        ("<", Comparison::Lt),
        (">", Comparison::Gt),
    ];
    OPS.iter()
        .find_map(|(op, c)| rule.split_once(op).map(|(l, r)| (l, *c, r)))
}
