//! One file per subcommand; each wires load → validate → score → render.
//! This module holds what they share: choosing the template and loading
//! the data with every diagnostic.

pub(crate) mod add;
mod chart;
mod import;
mod init;
mod leads;
mod metrics;
mod nps;
mod report;
mod score;
mod validate;

use std::path::{Path, PathBuf};

use crate::cli::{Cli, Command, DataArgs, Global};
use crate::data::{self, Dataset, Input, ReadOptions};
use crate::diagnostic::Diagnostic;
use crate::error::Error;
use crate::template::{LoadError, Template, TemplateChoice};
use crate::{Status, input, output, render};

/// Runs one command.
pub fn run(cli: Cli) -> Result<Status, Error> {
    let g = &cli.global;
    match &cli.command {
        Command::Init(args) => init::run(g, args),
        Command::Validate(args) => validate::run(g, args),
        Command::Score(args) => score::run(g, args),
        Command::Report(args) => report::run(g, args),
        Command::Chart(args) => chart::run(g, args),
        Command::Nps(args) => nps::run(g, args),
        Command::Import(args) => import::run(g, args),
        Command::Leads(args) => leads::run(g, args),
        Command::Add(args) => add::run(g, args),
        Command::Metrics(args) => metrics::run(g, args),
    }
}

/// The template the global flags ask for.
pub fn template_choice(g: &Global) -> TemplateChoice {
    match (&g.template, &g.preset) {
        (Some(path), _) => TemplateChoice::Path(path.clone()),
        (None, Some(name)) => TemplateChoice::Preset(name.clone()),
        (None, None) => TemplateChoice::Discover,
    }
}

fn cwd() -> Result<PathBuf, Error> {
    std::env::current_dir().map_err(|e| Error::io(Path::new("."), &e))
}

/// Loads the template; `Err(diagnostics)` when it is invalid.
pub fn load_template(g: &Global) -> Result<Result<Template, Vec<Diagnostic>>, Error> {
    match crate::template::load(&template_choice(g), &cwd()?) {
        Ok(t) => Ok(Ok(t)),
        Err(LoadError::Fatal(e)) => Err(e),
        Err(LoadError::Invalid(d)) => Ok(Err(d)),
    }
}

/// A template and its merged data, with every problem found loading them.
pub struct Workspace {
    pub template: Template,
    pub data: Dataset,
    pub diagnostics: Vec<Diagnostic>,
    /// The command-line files as read (name, bytes), for `score --record`.
    pub inputs: Vec<(String, Vec<u8>)>,
}

/// Loads the template, the history file and the given files, merges them
/// and validates; `Err(diagnostics)` when the template itself is invalid.
pub fn load(
    g: &Global,
    args: &DataArgs,
    today: chrono::NaiveDate,
) -> Result<Result<Workspace, Vec<Diagnostic>>, Error> {
    let template = match load_template(g)? {
        Ok(t) => t,
        Err(d) => return Ok(Err(d)),
    };
    load_data(template, args, today).map(Ok)
}

/// Loads the history file and the given files for `template`, merges them
/// and validates.
pub fn load_data(
    template: Template,
    args: &DataArgs,
    today: chrono::NaiveDate,
) -> Result<Workspace, Error> {
    let mut sources: Vec<(String, Vec<u8>, bool)> = Vec::new();
    if let Some(history) = &template.data {
        match std::fs::metadata(history) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            _ => sources.push((history.display().to_string(), input::read(history)?, true)),
        }
    }
    for path in &args.files {
        let name = if path.as_os_str() == "-" {
            "<stdin>".to_string()
        } else {
            path.display().to_string()
        };
        sources.push((name, input::read(path)?, false));
    }
    let mut diagnostics = Vec::new();
    let options = ReadOptions {
        delimiter: args.delimiter,
    };
    let mut files = Vec::new();
    let mut rows = Vec::new();
    for (i, (name, bytes, is_history)) in sources.iter().enumerate() {
        let file = u16::try_from(i)
            .map_err(|_| Error::Usage("too many files (the limit is 65,535)".to_string()))?;
        let input = Input {
            name,
            bytes,
            is_history: *is_history,
        };
        rows.push(data::read_file(
            &input,
            file,
            &template,
            options,
            &mut diagnostics,
        ));
        files.push(name.clone());
    }
    let mut data = data::merge(&template, files, rows, &mut diagnostics);
    diagnostics.extend(crate::derive::derive(&template, &mut data));
    diagnostics.extend(crate::validate::validate(&template, &data, today));
    let inputs = sources
        .into_iter()
        .filter(|(_, _, history)| !history)
        .map(|(n, b, _)| (n, b))
        .collect();
    Ok(Workspace {
        template,
        data,
        diagnostics,
        inputs,
    })
}

/// Prints diagnostics on stderr in the human form of SPEC §5, in reading
/// order. `-q` hides warnings, unless they are what fails the run.
pub fn print_diagnostics(g: &Global, diagnostics: &[Diagnostic], deny_warnings: bool) {
    let color = output::use_color(g.color, output::stderr_is_terminal());
    let mut shown: Vec<Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.is_error() || !g.quiet || deny_warnings)
        .cloned()
        .collect();
    crate::diagnostic::sort(&mut shown);
    output::stderr(&render::diagnostics::render(&shown, color));
}

/// A usage error for an `--entity` the data does not have, with a suggestion.
pub fn check_entity(data: &Dataset, entity: Option<&str>) -> Result<(), Error> {
    let Some(name) = entity else { return Ok(()) };
    if data.entity(name).is_some() || data.entities.is_empty() {
        return Ok(());
    }
    let names = data.entities.iter().filter_map(|e| e.name.as_deref());
    let hint = crate::diagnostic::did_you_mean(name, names)
        .map_or_else(String::new, |s| format!("; did you mean {s}?"));
    Err(Error::Usage(format!(
        "--entity {name:?}: no such entity in the data{hint}"
    )))
}

/// Errors from anywhere, warnings only for weeks from `first` on (the
/// columns a grid shows), in reading order.
pub fn warnings_from(
    mut diags: Vec<Diagnostic>,
    first: Option<chrono::NaiveDate>,
) -> Vec<Diagnostic> {
    diags.retain(|d| d.is_error() || d.week.is_none_or(|w| first.is_none_or(|f| w.start() >= f)));
    crate::diagnostic::sort(&mut diags);
    diags
}

/// Today's date (UTC) for `future-week` and `init`.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}
