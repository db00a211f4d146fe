//! `trustidx metrics`: the template's metrics by stage, with how to measure each.

use super::{load_template, print_diagnostics};
use crate::cli::{Global, MetricsArgs, ReportFormat};
use crate::error::Error;
use crate::{Status, output, render};

pub fn run(g: &Global, args: &MetricsArgs) -> Result<Status, Error> {
    let t = match load_template(g)? {
        Ok(t) => t,
        Err(diags) => {
            print_diagnostics(g, &diags, false);
            return Ok(Status::Invalid);
        }
    };
    let color = output::use_color(g.color, output::stdout_is_terminal());
    let text = match args.format {
        ReportFormat::Table => render::table::metrics(&t, color, output::width()),
        ReportFormat::Json => render::json::metrics(&t),
        ReportFormat::Csv => render::csv::metrics(&t),
        ReportFormat::Markdown => render::markdown::metrics(&t),
    };
    output::stdout(&text)?;
    Ok(Status::Success)
}
