//! The human table (comfy-table): the score of one entity by stage and
//! metric, the ranked summary of several, and the metrics list. Tables fit
//! the terminal width: the sparkline column goes first, then text wraps.

use comfy_table::{Cell, CellAlignment, Color, ContentArrangement, Table, TableComponent, presets};

use super::{change1, heading, reference_text, score1, sparkline, status_text, value_text};
use crate::report::{EntityReport, ScoreReport, weakest_stage};
use crate::score::Status;
use crate::template::Template;
use crate::value;

fn new_table(header: &[&str], color: bool, right: &[usize]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    t.set_style(TableComponent::HeaderLines, '─');
    t.set_style(TableComponent::MiddleHeaderIntersections, '─');
    if color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t.set_header(header.iter().map(Cell::new));
    for &i in right {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    t
}

fn change_cell(v: Option<f64>, color: bool) -> Cell {
    let cell = Cell::new(change1(v));
    match v {
        Some(x) if color && x >= 0.05 => cell.fg(Color::Green),
        Some(x) if color && x <= -0.05 => cell.fg(Color::Red),
        _ => cell,
    }
}

/// Renders with the widest layout that fits `width`.
fn fit(build: impl Fn(bool) -> Table, width: Option<usize>, wide_allowed: bool) -> String {
    if !wide_allowed {
        let mut narrow = build(false);
        if let Some(w) = width
            && narrow.lines().any(|l| console_width(&l) > w)
        {
            narrow
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(u16::try_from(w).unwrap_or(u16::MAX));
        }
        return narrow.to_string();
    }
    let wide = build(true);
    let Some(w) = width else {
        return wide.to_string();
    };
    if wide.lines().all(|l| console_width(&l) <= w) {
        return wide.to_string();
    }
    let mut narrow = build(false);
    if narrow.lines().any(|l| console_width(&l) > w) {
        narrow
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(u16::try_from(w).unwrap_or(u16::MAX));
        // the first column names the row (a metric id, an entity): other
        // columns wrap before it is cut into pieces
        if let Some(c) = narrow.column_mut(0) {
            c.set_constraint(comfy_table::ColumnConstraint::ContentWidth);
        }
    }
    narrow.to_string()
}

fn console_width(line: &str) -> usize {
    let mut n = 0;
    let mut in_escape = false;
    for c in line.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            _ => n += 1,
        }
    }
    n
}

/// The score table; `sparklines` adds the last 12 weekly scores when the
/// width allows.
pub fn score(
    t: &Template,
    r: &ScoreReport,
    color: bool,
    width: Option<usize>,
    sparklines: bool,
) -> String {
    let mut out = format!("{}\n", heading(&t.name, r));
    match r.entities.as_slice() {
        [one] => out.push_str(&entity(one, color, width, sparklines)),
        many => out.push_str(&summary(many, color, width, sparklines)),
    }
    out
}

fn entity(e: &EntityReport, color: bool, width: Option<usize>, sparklines: bool) -> String {
    let build = |with_trend: bool| {
        let mut header = vec!["metric", "value", "reference", "score", "change"];
        if with_trend {
            header.push("last 12 weeks");
        }
        header.push("status");
        let mut table = new_table(&header, color, &[1, 2, 3, 4]);
        for s in &e.stages {
            let mut row = vec![
                Cell::new(&s.label).add_attribute(comfy_table::Attribute::Bold),
                Cell::new(""),
                Cell::new(""),
                Cell::new(score1(s.score)).add_attribute(comfy_table::Attribute::Bold),
                change_cell(s.change, color),
            ];
            if with_trend {
                row.push(Cell::new(""));
            }
            row.push(Cell::new(""));
            table.add_row(row);
            for m in &s.metrics {
                let status = Cell::new(status_text(m));
                let status = if color && m.status != Status::Scored {
                    status.fg(Color::DarkGrey)
                } else {
                    status
                };
                let mut row = vec![
                    Cell::new(format!("  {}", m.id)),
                    Cell::new(value_text(m)),
                    Cell::new(reference_text(m)),
                    Cell::new(score1(m.score)),
                    change_cell(m.change, color),
                ];
                if with_trend {
                    row.push(Cell::new(sparkline(&m.trend)));
                }
                row.push(status);
                table.add_row(row);
            }
        }
        table
    };
    let mut out = String::new();
    if let Some(name) = &e.entity {
        out.push_str(&format!("entity {name}\n"));
    }
    out.push_str(&fit(build, width, sparklines));
    out.push('\n');
    out.push_str(&index_line(e, color));
    out
}

fn index_line(e: &EntityReport, color: bool) -> String {
    let i = &e.index;
    let score = match i.score {
        Some(s) if color => format!("\x1b[1m{s:.1}\x1b[0m"),
        Some(s) => format!("{s:.1}"),
        None => "–".to_string(),
    };
    let mut parts = vec![format!("Trust Index {score}")];
    if i.change.is_some() {
        parts.push(format!("change {}", change1(i.change)));
    }
    if let Some(r) = i.rolling_4w {
        parts.push(format!("rolling 4w {r:.1}"));
    }
    let coverage = format!("coverage {:.0}%", i.coverage * 100.0);
    parts.push(if i.low_coverage {
        format!("{coverage} (low coverage)")
    } else {
        coverage
    });
    format!("{}\n", parts.join(" · "))
}

fn summary(
    entities: &[EntityReport],
    color: bool,
    width: Option<usize>,
    sparklines: bool,
) -> String {
    let build = |with_trend: bool| {
        let mut header = vec![
            "#",
            "entity",
            "index",
            "change",
            "coverage",
            "weakest stage",
        ];
        if with_trend {
            header.insert(4, "last 12 weeks");
        }
        let mut table = new_table(&header, color, &[0, 2, 3]);
        for (rank, e) in entities.iter().enumerate() {
            let coverage = format!(
                "{:.0}%{}",
                e.index.coverage * 100.0,
                if e.index.low_coverage { " low" } else { "" }
            );
            let mut row = vec![
                Cell::new(rank + 1),
                Cell::new(e.entity.as_deref().unwrap_or("")),
                Cell::new(score1(e.index.score)),
                change_cell(e.index.change, color),
            ];
            if with_trend {
                row.push(Cell::new(sparkline(&e.index.trend)));
            }
            row.push(Cell::new(coverage));
            row.push(Cell::new(
                weakest_stage(e).map_or(String::new(), |s| s.label.clone()),
            ));
            table.add_row(row);
        }
        table
    };
    let mut out = fit(build, width, sparklines);
    out.push('\n');
    out
}

pub fn metrics(t: &Template, color: bool, width: Option<usize>) -> String {
    let mut out = format!(
        "{} · {} metrics in {} stages\n",
        t.name,
        t.metrics.len(),
        t.stages.len()
    );
    for (s, stage) in t.stages.iter().enumerate() {
        out.push_str(&format!(
            "\n{} ({}, weight {})\n",
            stage.label, stage.id, stage.weight
        ));
        let with_target = t.metrics.iter().any(|m| m.target.is_some());
        let mut header = vec!["metric", "unit", "better", "weight"];
        if with_target {
            header.push("target");
        }
        header.push("how to measure");
        let right: &[usize] = if with_target { &[3, 4] } else { &[3] };
        let mut table = new_table(&header, color, right);
        for m in t.stage_metrics(s).filter_map(|i| t.metrics.get(i)) {
            let mut row = vec![
                Cell::new(&m.id),
                Cell::new(m.unit.as_str()),
                Cell::new(m.better.as_str().to_string()),
                Cell::new(format!("{}", m.weight)),
            ];
            if with_target {
                row.push(Cell::new(
                    m.target
                        .map(|v| value::format(v, m.unit))
                        .unwrap_or_default(),
                ));
            }
            row.push(Cell::new(&m.how));
            table.add_row(row);
        }
        // only the how column wraps: ids and numbers stay whole
        for i in 0..header.len() - 1 {
            if let Some(c) = table.column_mut(i) {
                c.set_constraint(comfy_table::ColumnConstraint::ContentWidth);
            }
        }
        if let Some(w) = width {
            table
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(u16::try_from(w).unwrap_or(u16::MAX));
        }
        out.push_str(&table.to_string());
        out.push('\n');
    }
    out
}

/// The report grid; the oldest columns are dropped until it fits `width`.
pub fn grid(t: &Template, g: &crate::grid::Grid, color: bool, width: Option<usize>) -> String {
    let build = |skip: usize| {
        let mut header = vec![""];
        header.extend(g.columns.iter().skip(skip).map(String::as_str));
        let right: Vec<usize> = (1..header.len()).collect();
        let mut table = new_table(&header, color, &right);
        for r in &g.rows {
            let mut row = vec![Cell::new(&r.label)];
            row.extend(r.values.iter().skip(skip).map(|v| {
                if r.kind == crate::grid::RowKind::Change {
                    change_cell(*v, color)
                } else {
                    Cell::new(super::grid_cell(r.kind, *v))
                }
            }));
            table.add_row(row);
        }
        table
    };
    let mut skip = 0;
    let mut table = build(skip);
    while let Some(w) = width {
        if skip + 1 >= g.columns.len() || table.lines().all(|l| console_width(&l) <= w) {
            break;
        }
        skip += 1;
        table = build(skip);
    }
    let mut title = format!("{} by {}", t.name, g.period.as_str());
    if skip > 0 {
        title.push_str(&format!(" ({skip} older hidden)"));
    }
    let mut out: String = match width {
        Some(w) if title.chars().count() > w => title.chars().take(w).collect(),
        _ => title,
    };
    out.push('\n');
    if g.columns.is_empty() {
        out.push_str("no data yet\n");
        return out;
    }
    out.push_str(&table.to_string());
    out.push('\n');
    out
}

/// `nps`: one row per week.
pub fn nps(metric: &str, weeks: &[crate::nps::NpsWeek]) -> String {
    let mut table = new_table(
        &[
            "week",
            "responses",
            "promoters",
            "passives",
            "detractors",
            metric,
            "±95%",
        ],
        false,
        &[1, 2, 3, 4, 5, 6],
    );
    for w in weeks {
        table.add_row(vec![
            Cell::new(w.week),
            Cell::new(w.responses),
            Cell::new(w.promoters),
            Cell::new(w.passives),
            Cell::new(w.detractors),
            Cell::new(format!("{:.1}", w.nps)),
            Cell::new(format!("{:.1}", w.margin_of_error)),
        ]);
    }
    format!("{table}\n")
}

/// `leads`: counts, a histogram of totals and the top N.
pub fn leads(leads: &[crate::leads::Lead], threshold: f64, top: usize) -> String {
    let mqls = leads.iter().filter(|l| l.mql).count();
    let share = if leads.is_empty() {
        0.0
    } else {
        100.0 * mqls as f64 / leads.len() as f64
    };
    let mut out = format!(
        "{} contacts, {mqls} MQLs ({share:.1}%) at a threshold of {threshold}\n\n",
        leads.len()
    );
    let bins = [
        (f64::NEG_INFINITY, 0.0),
        (0.0, 0.25),
        (0.25, 0.5),
        (0.5, 0.75),
        (0.75, 1.0),
        (1.0, f64::INFINITY),
    ];
    let counts: Vec<usize> = bins
        .iter()
        .map(|(lo, hi)| {
            leads
                .iter()
                .filter(|l| {
                    l.total >= lo * threshold.abs().max(1.0)
                        && l.total < hi * threshold.abs().max(1.0)
                })
                .count()
        })
        .collect();
    let most = counts.iter().copied().max().unwrap_or(0).max(1);
    for ((lo, hi), n) in bins.iter().zip(&counts) {
        let label = match (lo.is_finite(), hi.is_finite()) {
            (false, _) => "below 0".to_string(),
            (_, false) => format!("{:.0}+ (MQL)", threshold),
            _ => format!("{:.0}–{:.0}", lo * threshold, hi * threshold),
        };
        let bar = "█".repeat((n * 40).div_ceil(most).min(40));
        out.push_str(&format!("{label:>12}  {n:>8}  {bar}\n"));
    }
    let mut table = new_table(
        &[
            "contact",
            "fit",
            "behaviour",
            "total",
            "MQL",
            "views before lead",
            "video min",
            "shares",
        ],
        false,
        &[1, 2, 3, 5, 6, 7],
    );
    for l in leads.iter().take(top) {
        table.add_row(vec![
            Cell::new(&l.contact_id),
            Cell::new(format!("{:.1}", l.fit)),
            Cell::new(format!("{:.1}", l.behavior)),
            Cell::new(format!("{:.1}", l.total)),
            Cell::new(if l.mql { "yes" } else { "no" }),
            Cell::new(
                l.pageviews_before_lead
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            ),
            Cell::new(format!("{:.1}", l.video_minutes)),
            Cell::new(l.shares),
        ]);
    }
    out.push_str(&format!("\ntop {}\n{table}\n", top.min(leads.len())));
    out
}
