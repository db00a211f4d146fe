//! `trustidx report [FILES]`: the spreadsheet view, one column per period
//! (SPEC §8).

use super::{check_entity, load, print_diagnostics, today};
use crate::cli::{Global, ReportArgs, ReportFormat};
use crate::diagnostic::{self, Diagnostic};
use crate::error::Error;
use crate::grid::{self, GridRequest};
use crate::{Status, output, render};

pub fn run(g: &Global, args: &ReportArgs) -> Result<Status, Error> {
    let ws = match load(g, &args.data, today())? {
        Ok(ws) => ws,
        Err(diags) => return refuse(g, diags),
    };
    let t = &ws.template;
    check_entity(&ws.data, args.entity.as_deref())?;
    let request = GridRequest {
        period: args.period,
        last: args.last.map(|k| k as usize),
        metrics: args.metrics,
        entity: args.entity.clone(),
    };
    let grid = grid::compute(t, &ws.data, &request);
    let diags = super::warnings_from(ws.diagnostics, grid.starts.first().copied());
    if diagnostic::fails(&diags, args.data.deny_warnings) {
        return refuse(g, diags);
    }
    print_diagnostics(g, &diags, false);
    let color = output::use_color(g.color, output::stdout_is_terminal());
    let text = match args.format {
        ReportFormat::Table => render::table::grid(t, &grid, color, output::width()),
        ReportFormat::Json => render::json::grid(&grid),
        ReportFormat::Csv => render::csv::grid(&grid),
        ReportFormat::Markdown => render::markdown::grid(t, &grid),
    };
    output::stdout(&text)?;
    Ok(Status::Success)
}

fn refuse(g: &Global, mut diags: Vec<Diagnostic>) -> Result<Status, Error> {
    diagnostic::sort(&mut diags);
    print_diagnostics(g, &diags, true);
    Ok(Status::Invalid)
}
