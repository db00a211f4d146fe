//! `trustidx validate [FILES]`: every problem of the template and data (SPEC §5).

use super::{load, print_diagnostics, today};
use crate::cli::{Global, ValidateArgs, ValidateFormat};
use crate::diagnostic::{self, Diagnostic};
use crate::error::Error;
use crate::{Status, output, render};

pub fn run(g: &Global, args: &ValidateArgs) -> Result<Status, Error> {
    let mut diags: Vec<Diagnostic> = match load(g, &args.data, today())? {
        Ok(ws) => ws.diagnostics,
        Err(template_diags) => template_diags,
    };
    diagnostic::sort(&mut diags);
    let failed = diagnostic::fails(&diags, args.data.deny_warnings);
    match args.format {
        ValidateFormat::Json => output::stdout(&render::json::diagnostics(&diags))?,
        ValidateFormat::Table => {
            print_diagnostics(g, &diags, args.data.deny_warnings);
            if !g.quiet {
                output::stderr(&render::diagnostics::summary(&diags));
            }
        }
    }
    Ok(if failed {
        Status::Invalid
    } else {
        Status::Success
    })
}
