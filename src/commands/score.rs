//! `trustidx score [FILES]`: validate, then score the latest week (or the
//! period asked for) and print it (SPEC §6, §8).

use chrono::Datelike;

use super::{load_data, load_template, print_diagnostics, today};
use crate::cli::{Global, ReportFormat, ScoreArgs};
use crate::data::Dataset;
use crate::data::long_scan::{self, ScanOptions};
use crate::diagnostic::{self, Code, Diagnostic, Location};
use crate::error::Error;
use crate::period::Period;
use crate::period::PeriodKind;
use crate::report::Frame;
use crate::report::{self, AlertRules, ScoreReport, ScoreRequest};
use crate::score::EntityScorer;
use crate::score::Status as MetricStatus;
use crate::template::Template;
use crate::validate;
use crate::week::{Week, day_name};
use crate::{Status, output, render};

pub fn run(g: &Global, args: &ScoreArgs) -> Result<Status, Error> {
    let t = match load_template(g)? {
        Ok(t) => t,
        Err(diags) => return refuse(g, args.format, diags),
    };
    if let (Some(date), PeriodKind::Week) = (args.week, args.period)
        && date.weekday() != t.week_start
    {
        let start = Week::containing(date, t.week_start);
        return Err(Error::Usage(format!(
            "--week {date} is a {}, but weeks start on {}; did you mean --week {start}?",
            day_name(date.weekday()),
            day_name(t.week_start)
        )));
    }
    let request = ScoreRequest {
        date: args.week,
        period: args.period,
        compare: args.compare,
        entity: args.entity.clone(),
    };
    let (t, mut diags, computed, inputs) = match streamed(&t, args, &request) {
        Some((diags, computed)) => (t, diags, Some(computed), Vec::new()),
        None => {
            let ws = load_data(t, &args.data, today())?;
            super::check_entity(&ws.data, args.entity.as_deref())?;
            let computed = report::compute(&ws.template, &ws.data, &request);
            (ws.template, ws.diagnostics, computed, ws.inputs)
        }
    };
    let t = &t;
    let Some((mut report, period, latest)) = computed else {
        if diags.iter().any(Diagnostic::is_error) {
            return refuse(g, args.format, diags);
        }
        return Err(Error::Usage(match &t.data {
            Some(h) => format!(
                "nothing to score: {} has no weeks yet and no data file was given",
                h.display()
            ),
            None => "nothing to score: give a data file (trustidx score week.csv)".to_string(),
        }));
    };
    // Warnings only for the weeks shown; errors from anywhere.
    let shown = report::shown_weeks(&period, latest);
    diags.retain(|d| d.is_error() || d.week.is_none_or(|w| shown.contains(&w)));
    diags.extend(no_reference_warnings(&report));
    diagnostic::sort(&mut diags);
    if diagnostic::fails(&diags, args.data.deny_warnings) {
        return refuse(g, args.format, diags);
    }
    if args.format != ReportFormat::Json {
        print_diagnostics(g, &diags, false);
    }
    report.diagnostics = diags;
    report.alerts = report::alerts(
        &report.entities,
        AlertRules {
            below: args.alert_below,
            drop: args.alert_drop,
        },
    );
    let color = output::use_color(g.color, output::stdout_is_terminal());
    let text = match args.format {
        ReportFormat::Table => {
            render::table::score(t, &report, color, output::width(), !args.no_sparklines)
        }
        ReportFormat::Json => render::json::score(&report),
        ReportFormat::Csv => render::csv::score(&report),
        ReportFormat::Markdown => render::markdown::score(t, &report),
    };
    output::stdout(&text)?;
    // recorded before the alert check: exit 3 still records (SPEC §8)
    if args.record {
        if inputs.is_empty() {
            return Err(Error::Usage(
                "--record adds the files on the command line; give the week's file".to_string(),
            ));
        }
        let options = crate::data::ReadOptions {
            delimiter: args.data.delimiter,
        };
        let (recorded, said) =
            super::add::record(g, t, &inputs, false, options, args.data.deny_warnings)?;
        if recorded != Status::Success {
            return Ok(recorded);
        }
        if !g.quiet {
            output::stderr(&said);
        }
    }
    if report.alerts.is_empty() {
        return Ok(Status::Success);
    }
    output::stderr(&render::alerts(&report.alerts));
    Ok(Status::Alert)
}

/// A refused run: diagnostics on stderr (or one JSON document), exit 1.
fn refuse(g: &Global, format: ReportFormat, mut diags: Vec<Diagnostic>) -> Result<Status, Error> {
    diagnostic::sort(&mut diags);
    if format == ReportFormat::Json {
        output::stdout(&render::json::refused(&diags))?;
    } else {
        print_diagnostics(g, &diags, true);
    }
    Ok(Status::Invalid)
}

fn no_reference_warnings(report: &ScoreReport) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for e in &report.entities {
        for s in &e.stages {
            for m in s
                .metrics
                .iter()
                .filter(|m| m.status == MetricStatus::NoReference)
            {
                // with many entities, the message must say which one
                let whose = e
                    .entity
                    .as_deref()
                    .map_or(String::new(), |name| format!(" for {name}"));
                let reference = m
                    .reference
                    .map_or("none".to_string(), |r| crate::value::format(r, m.unit));
                let mut d = Diagnostic::warning(
                    Code::NoReference,
                    Location::default(),
                    format!(
                        "{}{whose} is unscored: its reference ({reference}) is not above its floor",
                        m.id
                    ),
                )
                .with_metric(&m.id)
                .with_entity(e.entity.as_deref())
                .with_hint("a reference at or below the metric's floor (0, -100 for NPS, or its own floor) leaves nothing to compare with; set a target or a fixed baseline for this metric");
                if let Some(w) = report.week {
                    d = d.with_week(w);
                }
                out.push(d);
            }
        }
    }
    out
}

/// The streaming path for one big long CSV file (`data::long_scan`):
/// bounded memory, several threads. `None` when the run needs the full
/// reader: more than one file or a history, `--record`, `--week`, checks
/// or formulas that need whole rows, or a file the scan declines (any
/// problem in it, which the full reader then reports with its location).
fn streamed(
    t: &Template,
    args: &ScoreArgs,
    request: &ScoreRequest,
) -> Option<(Vec<Diagnostic>, (ScoreReport, Period, Week))> {
    let [path] = args.data.files.as_slice() else {
        return None;
    };
    // a history file that is there, or that cannot even be looked at (the
    // full path then reports why), is the full reader's
    let history = t.data.as_ref().is_some_and(
        |h| !matches!(std::fs::metadata(h), Err(e) if e.kind() == std::io::ErrorKind::NotFound),
    );
    let lower = path.to_string_lossy().to_ascii_lowercase();
    if history
        || args.record
        || args.week.is_some()
        || path.as_os_str() == "-"
        || lower.ends_with(".toml")
        || !t.checks.is_empty()
        || t.metrics.iter().any(|m| m.formula.is_some())
    {
        return None;
    }
    let options = ScanOptions {
        delimiter: args.data.delimiter,
        recent_weeks: report::weeks_needed(t, request),
        threads: crate::parallel::threads(),
    };
    let scanned = long_scan::scan(|| std::fs::File::open(path), t, options)?;
    let wanted = |name: &str| request.entity.as_deref().is_none_or(|e| e == name);
    if let Some(e) = &request.entity
        && !scanned.has_entity(e)
    {
        return None;
    }
    let frame = Frame::new(
        t,
        request,
        scanned.latest_week()?,
        scanned.first_week(wanted),
    )?;
    // the files as diagnostics name them; the entities come one at a time
    let files = Dataset {
        files: vec![path.display().to_string()],
        has_entity: true,
        entities: Vec::new(),
    };
    let today = today();
    // warnings are kept for the weeks shown only: look no earlier
    let since = frame.shown_weeks().into_iter().min();
    let done = scanned.map_entities(options.threads, |e| {
        let mut diags = Vec::new();
        validate::entity_warnings(t, &files, &e, today, since, &mut diags);
        let report = e
            .name
            .as_deref()
            .is_some_and(wanted)
            .then(|| frame.entity(t, &EntityScorer::new(t, &e)));
        (diags, report)
    });
    let (mut diags, mut entities) = (Vec::new(), Vec::new());
    for (d, report) in done {
        diags.extend(d);
        entities.extend(report);
    }
    Some((diags, frame.finish(entities)))
}
