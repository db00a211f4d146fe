//! A template back to text, for `init`: commented TOML (every metric with
//! its `how`), or the CSV form.

use super::{BaselineKind, CheckSeverity, Template, csv_form};
use crate::value::{DecimalMark, Unit};
use crate::week::day_name;

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.1}")
    } else {
        v.to_string()
    }
}

fn unit_number(v: f64, unit: Unit) -> String {
    if unit == Unit::Count && v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        number(v)
    }
}

/// The template as a commented `trustidx.toml` naming `data` as its history.
pub fn to_toml(t: &Template, data: Option<&str>) -> String {
    let mut out = String::new();
    out.push_str("# trustidx template: the stages and metrics of your weekly Trust Index.\n");
    out.push_str("# Every metric is scored against its target, or else its baseline; 100 = at the reference.\n");
    out.push_str("# Edit labels, weights and targets freely; keep ids stable (they name the data columns).\n");
    out.push_str(&format!("name = {}\n", quote(&t.name)));
    out.push_str(&format!(
        "week_start = {}\n",
        quote(&day_name(t.week_start).to_lowercase())
    ));
    if let Some(data) = data {
        out.push_str(&format!(
            "data = {}                # history file, relative to this file\n",
            quote(data)
        ));
    }
    if !t.ignore_columns.is_empty() {
        let cols: Vec<String> = t.ignore_columns.iter().map(|c| quote(c)).collect();
        out.push_str(&format!("ignore_columns = [{}]\n", cols.join(", ")));
    }
    if t.decimal == DecimalMark::Comma {
        out.push_str("decimal = \",\"\n");
    }
    if let Some(f) = &t.date_format {
        out.push_str(&format!("date_format = {}\n", quote(f)));
    }
    let s = &t.scoring;
    out.push_str("\n[scoring]\n");
    let kind = if s.baseline == BaselineKind::First {
        "first"
    } else {
        "trailing"
    };
    out.push_str(&format!("baseline = {}          # \"first\": median of the first weeks; \"trailing\": of the weeks just before\n", quote(kind)));
    out.push_str(&format!("baseline_weeks = {}\n", s.baseline_weeks));
    out.push_str(&format!(
        "cap = {}                  # a metric scores at most cap x 100\n",
        number(s.cap)
    ));
    out.push_str(&format!(
        "min_coverage = {}         # below this share of metric weight, the index is flagged\n",
        number(s.min_coverage)
    ));
    for (i, stage) in t.stages.iter().enumerate() {
        out.push_str(&format!(
            "\n# ---- stage {} ----\n[[stage]]\nid = {}\nlabel = {}\nweight = {}\n",
            stage.id,
            quote(&stage.id),
            quote(&stage.label),
            number(stage.weight)
        ));
        for m in t.metrics.iter().filter(|m| m.stage == i) {
            out.push('\n');
            for line in wrap(&m.how, 76) {
                out.push_str(&format!("# {line}\n"));
            }
            out.push_str(&format!(
                "[[metric]]\nid = {}\nlabel = {}\nstage = {}\nunit = {}\n",
                quote(&m.id),
                quote(&m.label),
                quote(&stage.id),
                quote(m.unit.as_str())
            ));
            out.push_str(&format!(
                "better = {}\naggregate = {}\nweight = {}\n",
                quote(m.better.as_str()),
                quote(m.aggregate.as_str()),
                number(m.weight)
            ));
            for (key, v) in [
                ("target", m.target),
                ("baseline", m.baseline),
                ("min", m.min),
                ("max", m.max),
            ] {
                if let Some(v) = v {
                    out.push_str(&format!("{key} = {}\n", unit_number(v, m.unit)));
                }
            }
            if m.floor != m.unit.default_floor() {
                out.push_str(&format!("floor = {}\n", number(m.floor)));
            }
            if m.required {
                out.push_str("required = true\n");
            }
            if let Some(f) = &m.formula_text {
                out.push_str(&format!("formula = {}\n", quote(f)));
            }
            out.push_str(&format!("how = {}\n", quote(&m.how)));
        }
    }
    for c in &t.checks {
        out.push_str(&format!(
            "\n[[check]]\nrule = {}\nmessage = {}\n",
            quote(&c.rule),
            quote(&c.message)
        ));
        let sev = if c.severity == CheckSeverity::Error {
            "error"
        } else {
            "warning"
        };
        out.push_str(&format!("severity = {}\n", quote(sev)));
        if c.tolerance != 0.0 {
            out.push_str(&format!("tolerance = {}\n", number(c.tolerance)));
        }
    }
    out
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The template in the CSV form (one row per metric). Stage labels and
/// weights, checks and `[scoring]` do not exist in that form.
pub fn to_csv(t: &Template) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = w.write_record(csv_form::COLUMNS);
    let opt = |v: Option<f64>, unit: Unit| v.map(|v| unit_number(v, unit)).unwrap_or_default();
    for m in &t.metrics {
        let stage = t
            .stages
            .get(m.stage)
            .map(|s| s.id.clone())
            .unwrap_or_default();
        let floor = if m.floor != m.unit.default_floor() {
            number(m.floor)
        } else {
            String::new()
        };
        let _ = w.write_record([
            stage,
            m.id.clone(),
            m.label.clone(),
            m.unit.as_str().to_string(),
            m.better.as_str().to_string(),
            m.aggregate.as_str().to_string(),
            number(m.weight),
            opt(m.target, m.unit),
            opt(m.min, m.unit),
            opt(m.max, m.unit),
            if m.required {
                "true".to_string()
            } else {
                String::new()
            },
            m.formula_text.clone().unwrap_or_default(),
            m.how.clone(),
            opt(m.baseline, m.unit),
            floor,
        ]);
    }
    w.into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}
