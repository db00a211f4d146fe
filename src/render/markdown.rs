//! Markdown output: the same rows as the table, as pipe tables.

use super::{change1, heading, reference_text, score1, status_text, value_text};
use crate::report::{ScoreReport, weakest_stage};
use crate::template::Template;
use crate::value;

fn escape(s: &str) -> String {
    s.replace('|', "\\|")
}

fn table(header: &[&str], right: &[usize], rows: &[Vec<String>]) -> String {
    let mut out = format!("| {} |\n|", header.join(" | "));
    for i in 0..header.len() {
        out.push_str(if right.contains(&i) {
            " ---: |"
        } else {
            " --- |"
        });
    }
    out.push('\n');
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

pub fn score(t: &Template, r: &ScoreReport) -> String {
    let mut out = format!("## {}\n\n", heading(&t.name, r));
    if r.entities.len() > 1 {
        let rows: Vec<Vec<String>> = r
            .entities
            .iter()
            .enumerate()
            .map(|(i, e)| {
                vec![
                    (i + 1).to_string(),
                    e.entity.clone().unwrap_or_default(),
                    score1(e.index.score),
                    change1(e.index.change),
                    format!("{:.0}%", e.index.coverage * 100.0),
                    weakest_stage(e)
                        .map(|s| s.label.clone())
                        .unwrap_or_default(),
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "#",
                "entity",
                "index",
                "change",
                "coverage",
                "weakest stage",
            ],
            &[0, 2, 3, 4],
            &rows,
        ));
        return out;
    }
    for e in &r.entities {
        let mut rows = Vec::new();
        for s in &e.stages {
            rows.push(vec![
                format!("**{}**", s.label),
                String::new(),
                String::new(),
                format!("**{}**", score1(s.score)),
                change1(s.change),
                String::new(),
            ]);
            for m in &s.metrics {
                rows.push(vec![
                    m.id.clone(),
                    value_text(m),
                    reference_text(m),
                    score1(m.score),
                    change1(m.change),
                    status_text(m),
                ]);
            }
        }
        out.push_str(&table(
            &["metric", "value", "reference", "score", "change", "status"],
            &[1, 2, 3, 4],
            &rows,
        ));
        let i = &e.index;
        out.push_str(&format!(
            "\n**Trust Index {}** · change {} · rolling 4w {} · coverage {:.0}%{}\n",
            score1(i.score),
            change1(i.change),
            score1(i.rolling_4w),
            i.coverage * 100.0,
            if i.low_coverage {
                " (low coverage)"
            } else {
                ""
            }
        ));
    }
    out
}

pub fn metrics(t: &Template) -> String {
    let mut out = format!("## {}\n\n", t.name);
    let mut rows = Vec::new();
    for m in &t.metrics {
        let stage = t
            .stages
            .get(m.stage)
            .map(|s| s.id.clone())
            .unwrap_or_default();
        rows.push(vec![
            stage,
            m.id.clone(),
            m.label.clone(),
            m.unit.as_str().to_string(),
            m.better.as_str().to_string(),
            m.weight.to_string(),
            m.target
                .map(|v| value::format(v, m.unit))
                .unwrap_or_default(),
            m.how.clone(),
        ]);
    }
    out.push_str(&table(
        &[
            "stage", "metric", "label", "unit", "better", "weight", "target", "how",
        ],
        &[5, 6],
        &rows,
    ));
    out
}

/// `report --format markdown`.
pub fn grid(t: &Template, g: &crate::grid::Grid) -> String {
    let mut out = format!("## {} by {}\n\n", t.name, g.period.as_str());
    let mut header = vec![""];
    header.extend(g.columns.iter().map(String::as_str));
    let right: Vec<usize> = (1..header.len()).collect();
    let rows: Vec<Vec<String>> = g
        .rows
        .iter()
        .map(|r| {
            std::iter::once(r.label.clone())
                .chain(r.values.iter().map(|v| super::grid_cell(r.kind, *v)))
                .collect()
        })
        .collect();
    out.push_str(&table(&header, &right, &rows));
    out
}
