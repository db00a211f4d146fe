//! CSV output (SPEC §8): per-metric rows for one entity, the ranked summary
//! for several; the template's metrics.

use super::fixed2;
use crate::report::{ScoreReport, weakest_stage};
use crate::template::Template;

fn write(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = w.write_record(header);
    for row in rows {
        let _ = w.write_record(row);
    }
    w.into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

pub fn score(r: &ScoreReport) -> String {
    if r.entities.len() > 1 {
        summary(r)
    } else {
        per_metric(r)
    }
}

fn per_metric(r: &ScoreReport) -> String {
    let mut rows = Vec::new();
    for e in &r.entities {
        for s in &e.stages {
            for m in &s.metrics {
                rows.push(vec![
                    e.entity.clone().unwrap_or_default(),
                    s.id.clone(),
                    m.id.clone(),
                    fixed2(m.value),
                    fixed2(m.reference),
                    m.reference_kind
                        .map(|k| k.as_str().to_string())
                        .unwrap_or_default(),
                    fixed2(m.score),
                    fixed2(m.previous),
                    fixed2(m.change),
                    m.status.as_str().to_string(),
                ]);
            }
        }
    }
    write(
        &[
            "entity",
            "stage",
            "metric",
            "value",
            "reference",
            "reference_kind",
            "score",
            "previous",
            "change",
            "status",
        ],
        rows,
    )
}

fn summary(r: &ScoreReport) -> String {
    let rows = r
        .entities
        .iter()
        .map(|e| {
            vec![
                e.entity.clone().unwrap_or_default(),
                fixed2(e.index.score),
                fixed2(e.index.previous),
                fixed2(e.index.change),
                fixed2(e.index.rolling_4w),
                fixed2(Some(e.index.coverage)),
                e.index.low_coverage.to_string(),
                weakest_stage(e).map(|s| s.id.clone()).unwrap_or_default(),
            ]
        })
        .collect();
    write(
        &[
            "entity",
            "index",
            "previous",
            "change",
            "rolling_4w",
            "coverage",
            "low_coverage",
            "weakest_stage",
        ],
        rows,
    )
}

pub fn metrics(t: &Template) -> String {
    let rows = t
        .metrics
        .iter()
        .map(|m| {
            let stage = t
                .stages
                .get(m.stage)
                .map(|s| s.id.clone())
                .unwrap_or_default();
            vec![
                stage,
                m.id.clone(),
                m.label.clone(),
                m.unit.as_str().to_string(),
                m.better.as_str().to_string(),
                format!("{}", m.weight),
                m.target.map(|v| v.to_string()).unwrap_or_default(),
                m.how.clone(),
            ]
        })
        .collect();
    write(
        &[
            "stage", "id", "label", "unit", "better", "weight", "target", "how",
        ],
        rows,
    )
}

/// `report --format csv`: `row,<period labels>`, 2 decimals, empty when absent.
pub fn grid(g: &crate::grid::Grid) -> String {
    let mut header = vec!["row"];
    header.extend(g.columns.iter().map(String::as_str));
    let rows = g
        .rows
        .iter()
        .map(|r| {
            std::iter::once(r.row.clone())
                .chain(r.values.iter().map(|v| fixed2(*v)))
                .collect()
        })
        .collect();
    write(&header, rows)
}

/// `nps --format csv`: long rows ready for `add`.
pub fn nps(metric: &str, weeks: &[crate::nps::NpsWeek]) -> String {
    let rows = weeks
        .iter()
        .map(|w| vec![w.week.to_string(), metric.to_string(), fixed2(Some(w.nps))])
        .collect();
    write(&["week", "metric", "value"], rows)
}

/// `leads --out`: every contact, best first. Written field by field: this
/// file has a row per contact (hundreds of thousands).
pub fn leads(leads: &[crate::leads::Lead]) -> String {
    const HEADER: &str =
        "contact_id,fit,behavior,total,mql,pageviews_before_lead,video_minutes,shares\n";
    // half a million rows of four numbers each: formatted on every core
    let size = leads.len().div_ceil(crate::parallel::threads()).max(50_000);
    let chunks = crate::parallel::map(leads.chunks(size).collect(), lead_rows);
    let mut out = Vec::with_capacity(HEADER.len() + chunks.iter().map(Vec::len).sum::<usize>());
    out.extend_from_slice(HEADER.as_bytes());
    for c in chunks {
        out.extend_from_slice(&c);
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The rows of `leads --out`, without the header.
fn lead_rows(leads: &[crate::leads::Lead]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::with_capacity(leads.len() * 64));
    let mut field = String::new();
    let mut number = |w: &mut csv::Writer<Vec<u8>>, v: f64| {
        field.clear();
        super::push_fixed2(&mut field, v);
        let _ = w.write_field(&field);
    };
    for l in leads {
        let _ = w.write_field(&l.contact_id);
        number(&mut w, l.fit);
        number(&mut w, l.behavior);
        number(&mut w, l.total);
        let _ = w.write_field(if l.mql { "true" } else { "false" });
        let _ = w.write_field(
            l.pageviews_before_lead
                .map(|n| n.to_string())
                .unwrap_or_default(),
        );
        number(&mut w, l.video_minutes);
        let _ = w.write_field(l.shares.to_string());
        let _ = w.write_record(None::<&[u8]>);
    }
    w.into_inner().unwrap_or_default()
}

/// `leads --weekly`: long rows ready for `add`.
pub fn weekly(rows: &[(crate::week::Week, &str, f64)]) -> String {
    let rows = rows
        .iter()
        .map(|(w, m, v)| vec![w.to_string(), (*m).to_string(), fixed2(Some(*v))])
        .collect();
    write(&["week", "metric", "value"], rows)
}
