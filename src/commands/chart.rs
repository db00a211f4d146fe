//! `trustidx chart [FILES] -o OUT.png|OUT.svg`: the Trust Index, its stages
//! or its metrics over time as an image (SPEC §8). Wires load → the report
//! grid's periods → one `period_score` per period → `render::chart` → an
//! atomic write. The format comes from the extension, checked first.

use super::{check_entity, load, print_diagnostics, today};
use crate::cli::{ChartArgs, ChartKind, Global};
use crate::data::{Dataset, EntityData};
use crate::diagnostic::{self, Diagnostic};
use crate::error::Error;
use crate::grid::{self, GridRequest};
use crate::period::{Period, PeriodKind};
use crate::render::chart::{
    self as draw, Chart, ChartPeriod, INDEX_COLOUR, ImageFormat, Line, Look, PALETTE, Panel,
    RenderError,
};
use crate::report::{PeriodScore, period_score};
use crate::score::EntityScorer;
use crate::template::{Aggregate, Template};
use crate::value::{self, Unit};
use crate::week::Week;
use crate::{Status, output};

/// How many entities a chart of several entities draws (the best ranked).
const MAX_ENTITIES: usize = 8;

pub fn run(g: &Global, args: &ChartArgs) -> Result<Status, Error> {
    let format = ImageFormat::from_path(&args.output).ok_or_else(|| {
        Error::Usage(format!(
            "-o {}: the image format comes from the extension; end the name with .png or .svg",
            args.output.display()
        ))
    })?;
    if !args.metrics.is_empty() && args.kind != ChartKind::Metrics {
        return Err(Error::Usage(
            "--metric chooses the panels of --kind metrics; add --kind metrics".to_string(),
        ));
    }
    let ws = match load(g, &args.data, today())? {
        Ok(ws) => ws,
        Err(diags) => return refuse(g, diags),
    };
    let t = &ws.template;
    check_entity(&ws.data, args.entity.as_deref())?;
    let metrics = chosen_metrics(t, &args.metrics)?;
    let request = GridRequest {
        period: args.period,
        last: args.last.map(|k| k as usize),
        metrics: false,
        entity: args.entity.clone(),
    };
    let grid = grid::compute(t, &ws.data, &request);
    let diags = super::warnings_from(ws.diagnostics, grid.starts.first().copied());
    if diagnostic::fails(&diags, args.data.deny_warnings) {
        return refuse(g, diags);
    }
    let Some(latest) = ws.data.latest_week() else {
        return Err(no_weeks(t));
    };
    print_diagnostics(g, &diags, false);
    let selected = entities_to_draw(&grid, &ws.data, args)?;
    let periods: Vec<Period> = grid
        .starts
        .iter()
        .filter_map(|d| Period::containing(args.period, *d, t.week_start))
        .collect();
    let view = View {
        t,
        periods: &periods,
        latest,
        kind: args.period,
    };
    let chart = match args.kind {
        ChartKind::Index if selected.len() > 1 => view.entities(&selected),
        ChartKind::Index => view.index(&selected),
        ChartKind::Stages => view.stages(&selected),
        ChartKind::Metrics => view.metrics(&selected, &metrics),
    };
    if chart
        .panels
        .iter()
        .flat_map(|p| &p.lines)
        .all(|l| l.values.iter().all(Option::is_none))
    {
        return Err(Error::Usage(nothing_to_draw(t, args.kind)));
    }
    let bytes = draw::render(&chart, format, args.size).map_err(|e| match e {
        RenderError::DoesNotFit(message) => Error::Usage(message),
        RenderError::Failed(message) => Error::Io {
            path: args.output.display().to_string(),
            message: format!("the chart could not be drawn: {message}"),
        },
    })?;
    output::write_atomic(&args.output, &bytes)?;
    Ok(Status::Success)
}

fn no_weeks(t: &Template) -> Error {
    Error::Usage(match &t.data {
        Some(h) => format!(
            "nothing to chart: {} has no weeks yet and no data file was given",
            h.display()
        ),
        None => {
            "nothing to chart: give a data file (trustidx chart week.csv -o chart.png)".to_string()
        }
    })
}

/// The entities drawn: with several, the grid's rows, ranked by their
/// latest index (only `--kind index` draws several); else the one there is
/// or `--entity`.
fn entities_to_draw<'a>(
    grid: &grid::Grid,
    data: &'a Dataset,
    args: &ChartArgs,
) -> Result<Vec<&'a EntityData>, Error> {
    let ranked: Vec<&EntityData> = grid
        .rows
        .iter()
        .filter_map(|r| r.row.strip_prefix("entity:"))
        .filter_map(|name| data.entity(name))
        .collect();
    if ranked.len() > 1 && args.kind != ChartKind::Index {
        let names: Vec<&str> = data
            .entities
            .iter()
            .filter_map(|e| e.name.as_deref())
            .collect();
        return Err(Error::Usage(format!(
            "the data holds {} entities ({}); choose one with --entity",
            names.len(),
            names.join(", ")
        )));
    }
    if !ranked.is_empty() {
        return Ok(ranked);
    }
    let one = match args.entity.as_deref() {
        Some(name) => data.entity(name),
        None => data.entities.first(),
    };
    Ok(one.into_iter().collect())
}

fn refuse(g: &Global, mut diags: Vec<Diagnostic>) -> Result<Status, Error> {
    diagnostic::sort(&mut diags);
    print_diagnostics(g, &diags, true);
    Ok(Status::Invalid)
}

fn nothing_to_draw(t: &Template, kind: ChartKind) -> String {
    match kind {
        ChartKind::Metrics => {
            "nothing to draw: the metrics chosen have no value in the periods shown".to_string()
        }
        _ => format!(
            "nothing to draw: no week has a score yet (each metric's baseline needs {} weeks of values)",
            t.scoring.baseline_weeks
        ),
    }
}

/// The metrics `--metric` names (all of them when none), in the order given.
fn chosen_metrics(t: &Template, ids: &[String]) -> Result<Vec<usize>, Error> {
    if ids.is_empty() {
        return Ok((0..t.metrics.len()).collect());
    }
    let mut out: Vec<usize> = Vec::new();
    for id in ids {
        let Some(m) = t.metric_index(id) else {
            let hint = diagnostic::did_you_mean(id, t.metric_ids())
                .map_or_else(String::new, |s| format!("; did you mean {s}?"));
            return Err(Error::Usage(format!(
                "--metric {id:?}: the template has no such metric{hint}"
            )));
        };
        if !out.contains(&m) {
            out.push(m);
        }
    }
    Ok(out)
}

/// What every kind of chart shares: the template, the periods drawn and
/// the latest week.
struct View<'a> {
    t: &'a Template,
    periods: &'a [Period],
    latest: Week,
    kind: PeriodKind,
}

impl View<'_> {
    fn scores(&self, scorer: &EntityScorer<'_>) -> Vec<PeriodScore> {
        self.periods
            .iter()
            .map(|p| period_score(self.t, scorer, p, self.latest))
            .collect()
    }

    fn hollow(&self, scores: &[PeriodScore]) -> Vec<bool> {
        scores
            .iter()
            .map(|s| s.coverage < self.t.scoring.min_coverage)
            .collect()
    }

    /// The periods along x; partial ones have a week after the latest or
    /// before the first week of the entities drawn.
    fn chart_periods(&self, entities: &[&EntityData]) -> Vec<ChartPeriod> {
        let first = entities
            .iter()
            .filter_map(|e| e.rows.keys().next().copied())
            .min();
        self.periods
            .iter()
            .map(|p| ChartPeriod {
                // a week is drawn at its start, as it is named; longer periods mid-way
                at: match self.kind {
                    PeriodKind::Week => p.start,
                    _ => p.start + (p.end - p.start) / 2,
                },
                start: p.start,
                end: p.end,
                partial: p
                    .weeks()
                    .iter()
                    .any(|w| *w > self.latest || first.is_some_and(|f| *w < f)),
            })
            .collect()
    }

    fn chart(
        &self,
        title: String,
        what: &str,
        entities: &[&EntityData],
        panels: Vec<Panel>,
    ) -> Chart {
        let who = match entities {
            [one] => one.name.as_deref().map(|n| format!(" · {n}")),
            _ => None,
        };
        let range = match (self.periods.first(), self.periods.last()) {
            (Some(a), Some(b)) if a == b => a.label(),
            (Some(a), Some(b)) => format!("{} to {}", a.label(), b.label()),
            _ => String::new(),
        };
        let every = match self.kind {
            PeriodKind::Week => "Weekly",
            PeriodKind::Month => "Monthly",
            PeriodKind::Quarter => "Quarterly",
            PeriodKind::Year => "Yearly",
        };
        Chart {
            title: format!("{title}{} · {range}", who.unwrap_or_default()),
            subtitle: format!("{every} {what}"),
            periods: self.chart_periods(entities),
            panels,
            hollow_means: format!(
                "coverage below {}",
                value::format(self.t.scoring.min_coverage * 100.0, Unit::Percent)
            ),
            reference_means: "reference (target or baseline, latest week)".to_string(),
        }
    }

    /// The index with markers, its 4-week rolling mean and the stages.
    fn index(&self, entities: &[&EntityData]) -> Chart {
        let Some(e) = entities.first() else {
            return self.chart(self.t.name.clone(), "Trust Index", entities, Vec::new());
        };
        let scorer = EntityScorer::new(self.t, e);
        let scores = self.scores(&scorer);
        let hollow = self.hollow(&scores);
        let mut lines = vec![Line {
            label: "Trust Index".to_string(),
            look: Look::Main,
            colour: INDEX_COLOUR,
            values: scores.iter().map(|s| s.index).collect(),
            hollow: hollow.clone(),
        }];
        if self.kind == PeriodKind::Week {
            lines.push(Line {
                label: "4-week rolling mean".to_string(),
                look: Look::Rolling,
                colour: INDEX_COLOUR,
                values: self.periods.iter().map(|p| rolling(&scorer, p)).collect(),
                hollow: vec![false; self.periods.len()],
            });
        }
        lines.extend(self.stage_lines(&scores, false));
        let what = if self.kind == PeriodKind::Week {
            "index with its 4-week rolling mean, and stage scores (100 = at the reference)"
        } else {
            "index and stage scores: means of the weekly scores (100 = at the reference)"
        };
        let panel = score_panel(lines);
        self.chart(self.t.name.clone(), what, entities, vec![panel])
    }

    fn stage_lines(&self, scores: &[PeriodScore], with_weights: bool) -> Vec<Line> {
        let hollow = self.hollow(scores);
        self.t
            .stages
            .iter()
            .enumerate()
            .map(|(i, stage)| Line {
                label: if with_weights {
                    format!(
                        "{} (weight {})",
                        stage.label,
                        value::format(stage.weight, Unit::Number)
                    )
                } else {
                    stage.label.clone()
                },
                look: if with_weights {
                    Look::Thin
                } else {
                    Look::Faint
                },
                colour: PALETTE[i % PALETTE.len()],
                values: scores
                    .iter()
                    .map(|s| s.stages.get(i).copied().flatten())
                    .collect(),
                hollow: if with_weights {
                    hollow.clone()
                } else {
                    vec![false; scores.len()]
                },
            })
            .collect()
    }

    /// One line per stage, its weight in the legend.
    fn stages(&self, entities: &[&EntityData]) -> Chart {
        let lines = match entities.first() {
            Some(e) => self.stage_lines(&self.scores(&EntityScorer::new(self.t, e)), true),
            None => Vec::new(),
        };
        let title = format!("{}: stages", self.t.name);
        self.chart(
            title,
            "stage scores (100 = at the reference)",
            entities,
            vec![score_panel(lines)],
        )
    }

    /// The index of each entity, the best ranked first.
    fn entities(&self, entities: &[&EntityData]) -> Chart {
        let shown = &entities[..entities.len().min(MAX_ENTITIES)];
        let lines = shown
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let scores = self.scores(&EntityScorer::new(self.t, e));
                Line {
                    label: e.name.clone().unwrap_or_default(),
                    look: Look::Thin,
                    colour: PALETTE[i % PALETTE.len()],
                    values: scores.iter().map(|s| s.index).collect(),
                    hollow: self.hollow(&scores),
                }
            })
            .collect();
        let what = if shown.len() < entities.len() {
            format!(
                "index of the {} best ranked of {} entities (100 = at the reference)",
                shown.len(),
                entities.len()
            )
        } else {
            format!(
                "index of {} entities (100 = at the reference)",
                entities.len()
            )
        };
        self.chart(self.t.name.clone(), &what, shown, vec![score_panel(lines)])
    }

    /// Small multiples: each metric's value in its unit, with its reference.
    fn metrics(&self, entities: &[&EntityData], metrics: &[usize]) -> Chart {
        let panels = match entities.first() {
            Some(e) => {
                let scorer = EntityScorer::new(self.t, e);
                let scores = self.scores(&scorer);
                metrics
                    .iter()
                    .map(|&m| self.metric_panel(&scorer, &scores, m))
                    .collect()
            }
            None => Vec::new(),
        };
        let title = format!("{}: metrics", self.t.name);
        let what = match self.kind {
            PeriodKind::Week => "metric values".to_string(),
            _ => "metric values, combined by each metric's aggregate".to_string(),
        };
        self.chart(title, &what, entities, panels)
    }

    fn metric_panel(&self, scorer: &EntityScorer<'_>, scores: &[PeriodScore], m: usize) -> Panel {
        let metric = &self.t.metrics[m];
        // a weekly reference says nothing about a sum over a month
        let comparable = self.kind == PeriodKind::Week || metric.aggregate != Aggregate::Sum;
        Panel {
            title: Some(if metric.label.is_empty() {
                metric.id.clone()
            } else {
                metric.label.clone()
            }),
            unit: Some(metric.unit),
            reference: scorer
                .metric(m, self.latest)
                .reference
                .filter(|_| comparable),
            lines: vec![Line {
                label: "value".to_string(),
                look: Look::Thin,
                colour: INDEX_COLOUR,
                values: scores
                    .iter()
                    .map(|s| s.values.get(m).copied().flatten())
                    .collect(),
                hollow: vec![false; scores.len()],
            }],
        }
    }
}

fn score_panel(lines: Vec<Line>) -> Panel {
    Panel {
        title: None,
        unit: None,
        reference: Some(100.0),
        lines,
    }
}

/// The mean index of the 4 weeks ending at the period's week, over those
/// that have one (SPEC §6 `rolling_4w`).
fn rolling(scorer: &EntityScorer<'_>, period: &Period) -> Option<f64> {
    let week = *period.weeks().first()?;
    let indices: Vec<f64> = (0..4)
        .filter_map(|k| week.plus_weeks(-k))
        .filter_map(|w| scorer.week(w).index)
        .collect();
    (!indices.is_empty()).then(|| indices.iter().sum::<f64>() / indices.len() as f64)
}
