//! `trustidx init [DIR]`: a ready template and an empty data file with a
//! row for the last complete week (SPEC §8).

use std::path::Path;

use super::today;
use crate::cli::{Global, InitArgs, InitFormat};
use crate::error::Error;
use crate::template::{self, LoadError, Template};
use crate::week::Week;
use crate::{Status, output};

pub fn run(g: &Global, args: &InitArgs) -> Result<Status, Error> {
    if args.list {
        let width = template::PRESETS
            .iter()
            .map(|p| p.name.len())
            .max()
            .unwrap_or(0);
        let lines: String = template::PRESETS
            .iter()
            .map(|p| format!("{:width$}  {}\n", p.name, p.summary))
            .collect();
        output::stdout(&lines)?;
        return Ok(Status::Success);
    }
    let dir = args.dir.clone().unwrap_or_else(|| ".".into());
    let preset_name = g.preset.as_deref().unwrap_or("trust-index");
    let files: Vec<(String, String)> = if let Some(p) =
        template::preset(preset_name).filter(|p| !p.weekly)
    {
        vec![("scoring.toml".to_string(), p.text.to_string())]
    } else {
        let t = match &g.template {
            Some(path) => template::from_file(path),
            None => template::from_preset(preset_name),
        };
        let t = match t {
            Ok(t) => t,
            Err(LoadError::Fatal(e)) => return Err(e),
            Err(LoadError::Invalid(diags)) => {
                super::print_diagnostics(g, &diags, false);
                return Ok(Status::Invalid);
            }
        };
        let template_file = match args.format {
            InitFormat::Toml => (
                "trustidx.toml".to_string(),
                template::to_toml(&t, Some("trust-index.csv")),
            ),
            InitFormat::Csv => {
                if !t.checks.is_empty() && !g.quiet {
                    output::stderr(&format!(
                        "note: the CSV form of a template has no place for its {} [[check]] rules (e.g. {}); use --format toml to keep them\n",
                        t.checks.len(),
                        t.checks.first().map_or("", |c| c.rule.as_str())
                    ));
                }
                ("trustidx.csv".to_string(), template::to_csv(&t))
            }
        };
        vec![
            template_file,
            ("trust-index.csv".to_string(), data_file(&t)),
        ]
    };
    for (name, _) in &files {
        let path = dir.join(name);
        if path.exists() && !args.force {
            return Err(Error::Usage(format!(
                "{} already exists; use --force to overwrite it",
                path.display()
            )));
        }
    }
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Io {
            path: dir.display().to_string(),
            message: "is a file, not a folder".to_string(),
        });
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, &e))?;
    let mut report = String::new();
    for (name, text) in &files {
        let path = dir.join(name);
        output::write_atomic(&path, text.as_bytes())?;
        report.push_str(&format!("created {}\n", shown(&path)));
    }
    if !g.quiet && files.len() > 1 {
        report.push_str("next: fill last week's row in trust-index.csv, then run `trustidx validate` and `trustidx score`\n");
    }
    output::stdout(&report)?;
    Ok(Status::Success)
}

fn shown(path: &Path) -> String {
    path.strip_prefix(".").unwrap_or(path).display().to_string()
}

/// A wide CSV header and one empty row for the last complete week (the week
/// before the one containing today).
fn data_file(t: &Template) -> String {
    let this_week = Week::containing(today(), t.week_start);
    let last = this_week.prev().unwrap_or(this_week);
    let ids: Vec<&str> = t.metric_ids().collect();
    format!("week,{}\n{last}{}\n", ids.join(","), ",".repeat(ids.len()))
}
