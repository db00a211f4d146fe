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

/// `leads --out`: every contact, best first. Written byte by byte, not
/// through the CSV writer's records: this file has a row per contact
/// (hundreds of thousands), formatted on every core.
pub fn leads(leads: &[crate::leads::Lead]) -> String {
    const HEADER: &str =
        "contact_id,fit,behavior,total,mql,pageviews_before_lead,video_minutes,shares\n";
    let size = leads.len().div_ceil(crate::parallel::threads()).max(50_000);
    let chunks = crate::parallel::map(leads.chunks(size).collect(), lead_rows);
    let mut out =
        String::with_capacity(HEADER.len() + chunks.iter().map(String::len).sum::<usize>());
    out.push_str(HEADER);
    for c in chunks {
        out.push_str(&c);
    }
    out
}

/// The rows of `leads --out`, without the header.
fn lead_rows(leads: &[crate::leads::Lead]) -> String {
    use super::{push_fixed2, push_whole};
    let mut out = String::with_capacity(leads.len() * 64);
    for l in leads {
        push_field(&mut out, &l.contact_id);
        for v in [l.fit, l.behavior, l.total] {
            out.push(',');
            push_fixed2(&mut out, v);
        }
        out.push_str(if l.mql { ",true," } else { ",false," });
        if let Some(n) = l.pageviews_before_lead {
            push_whole(&mut out, n);
        }
        out.push(',');
        push_fixed2(&mut out, l.video_minutes);
        out.push(',');
        push_whole(&mut out, l.shares);
        out.push('\n');
    }
    out
}

/// One CSV field: as it is, or, when it holds a delimiter, a quote or a
/// line end, quoted with its quotes doubled (what the CSV writer does;
/// tested against it).
fn push_field(out: &mut String, field: &str) {
    if !field
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.push_str(field);
        return;
    }
    out.push('"');
    out.push_str(&field.replace('"', "\"\""));
    out.push('"');
}

/// `leads --weekly`: long rows ready for `add`.
pub fn weekly(rows: &[(crate::week::Week, &str, f64)]) -> String {
    let rows = rows
        .iter()
        .map(|(w, m, v)| vec![w.to_string(), (*m).to_string(), fixed2(Some(*v))])
        .collect();
    write(&["week", "metric", "value"], rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_rows_quote_ids_as_the_csv_writer_does() {
        let lead = |id: &str, pv: Option<u64>| crate::leads::Lead {
            contact_id: id.to_string(),
            fit: -0.001,
            behavior: 12.345,
            total: 12.344,
            mql: pv.is_some(),
            pageviews_before_lead: pv,
            video_minutes: 0.125,
            shares: 3,
        };
        let rows = [
            lead("plain", Some(4)),
            lead("a,b", None),
            lead("say \"hi\"", Some(0)),
            lead("two\nlines", None),
        ];
        let mut want = Vec::new();
        {
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(&mut want);
            for l in &rows {
                let pv = l
                    .pageviews_before_lead
                    .map(|n| n.to_string())
                    .unwrap_or_default();
                let _ = w.write_record([
                    l.contact_id.clone(),
                    super::super::fixed2(Some(l.fit)),
                    super::super::fixed2(Some(l.behavior)),
                    super::super::fixed2(Some(l.total)),
                    l.mql.to_string(),
                    pv,
                    super::super::fixed2(Some(l.video_minutes)),
                    l.shares.to_string(),
                ]);
            }
        }
        assert_eq!(lead_rows(&rows), String::from_utf8_lossy(&want));
        assert!(lead_rows(&rows).starts_with("plain,0.00,12.35,12.34,true,4,0.12,3\n"));
    }
}
