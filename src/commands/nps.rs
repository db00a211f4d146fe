//! `trustidx nps RESPONSES.csv`: weekly NPS from raw survey answers.

use super::{load_template, print_diagnostics};
use crate::cli::{Global, NpsArgs, NpsFormat};
use crate::diagnostic::{Code, Diagnostic, Location, did_you_mean};
use crate::error::Error;
use crate::nps::{self, Columns};
use crate::{Status, input, output, render};

pub fn run(g: &Global, args: &NpsArgs) -> Result<Status, Error> {
    let t = match load_template(g)? {
        Ok(t) => t,
        Err(diags) => {
            print_diagnostics(g, &diags, true);
            return Ok(Status::Invalid);
        }
    };
    if t.metric_index(&args.metric).is_none() {
        let mut d = Diagnostic::error(
            Code::UnknownMetric,
            Location::default(),
            format!("--metric {}: the template has no such metric", args.metric),
        );
        if let Some(s) = did_you_mean(&args.metric, t.metric_ids()) {
            d = d.with_hint(format!("did you mean {s}?"));
        }
        print_diagnostics(g, &[d], true);
        return Ok(Status::Invalid);
    }
    let name = args.file.display().to_string();
    let bytes = input::read(&args.file)?;
    let text = match crate::data::text::decode(&bytes, &name) {
        Ok(Some(text)) => text,
        Ok(None) => {
            let d = Diagnostic::error(
                Code::EmptyFile,
                Location::file(&name),
                format!("{name} is empty"),
            );
            print_diagnostics(g, &[d], true);
            return Ok(Status::Invalid);
        }
        Err(d) => {
            print_diagnostics(g, &[*d], true);
            return Ok(Status::Invalid);
        }
    };
    let columns = Columns {
        date: args.date_column.clone(),
        score: args.score_column.clone(),
    };
    let mut diags = Vec::new();
    let weeks = nps::compute(
        &text,
        &name,
        &columns,
        t.week_start,
        args.date_format.as_deref().or(t.date_format.as_deref()),
        &mut diags,
    )
    .map_err(Error::Usage)?;
    if !diags.is_empty() {
        if args.format == NpsFormat::Json {
            output::stdout(&render::json::nps_refused(&args.metric, &diags))?;
        } else {
            print_diagnostics(g, &diags, true);
        }
        return Ok(Status::Invalid);
    }
    let text = match args.format {
        NpsFormat::Table => render::table::nps(&args.metric, &weeks),
        NpsFormat::Csv => render::csv::nps(&args.metric, &weeks),
        NpsFormat::Json => render::json::nps(&args.metric, &weeks),
    };
    output::stdout(&text)?;
    Ok(Status::Success)
}
