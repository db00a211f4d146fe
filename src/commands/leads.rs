//! `trustidx leads ACTIVITIES.csv`: lead scores from a CRM activity export
//! (SPEC §9), streamed row by row.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{load_template, print_diagnostics};
use crate::cli::{Global, LeadsArgs, LeadsFormat};
use crate::diagnostic::{Code, Diagnostic, Location, did_you_mean, excerpt};
use crate::error::Error;
use crate::leads::{Activity, Engine, Rules, parse_timestamp};
use crate::{Status, input, output, render, template};

/// Diagnostics kept for printing; past this, they are only counted.
const MAX_DIAGNOSTICS: usize = 200;

pub fn run(g: &Global, args: &LeadsArgs) -> Result<Status, Error> {
    let (rules, rules_name) = match load_rules(args.rules.as_deref())? {
        Ok(r) => r,
        Err(diags) => {
            print_diagnostics(g, &diags, true);
            return Ok(Status::Invalid);
        }
    };
    if rules_name == "<built-in>" && !g.quiet {
        output::stderr(
            "note: no --rules and no ./scoring.toml: using the built-in example rules (trustidx init --preset lead-scoring writes them)\n",
        );
    }
    let week_start = match load_template(g)? {
        Ok(t) => t.week_start,
        Err(diags) => {
            print_diagnostics(g, &diags, true);
            return Ok(Status::Invalid);
        }
    };
    let as_of = match args.as_of {
        Some(d) => d
            .and_hms_opt(0, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp()),
        None => chrono::Utc::now().timestamp(),
    };
    let mut engine = Engine::new(&rules, as_of, week_start);
    let mut diags = Vec::new();
    let mut dropped = 0usize;
    let name = shown(&args.activities);
    read_activities(
        &args.activities,
        &name,
        &mut engine,
        &mut diags,
        &mut dropped,
    )?;
    let mut fit = HashMap::new();
    if let Some(path) = &args.contacts {
        read_contacts(path, &rules, &mut engine, &mut fit, &mut diags)?;
    }
    if !diags.is_empty() {
        print_diagnostics(g, &diags, true);
        if dropped > 0 {
            output::stderr(&format!("… and {dropped} more problems\n"));
        }
        return Ok(Status::Invalid);
    }
    let (leads, weekly) = engine.finish(&fit);
    if let Some(path) = &args.out {
        output::write_atomic(path, render::csv::leads(&leads).as_bytes())?;
    }
    if let Some(path) = &args.weekly {
        output::write_atomic(path, render::csv::weekly(&weekly).as_bytes())?;
    }
    let text = match args.format {
        LeadsFormat::Table => render::table::leads(&leads, rules.mql_threshold, args.top),
        LeadsFormat::Json => render::json::leads(&leads, rules.mql_threshold),
    };
    output::stdout(&text)?;
    Ok(Status::Success)
}

fn shown(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// `--rules`, else `./scoring.toml`, else the embedded example.
fn load_rules(path: Option<&Path>) -> Result<Result<(Rules, String), Vec<Diagnostic>>, Error> {
    let local = PathBuf::from("scoring.toml");
    let (text, name) = match path {
        Some(p) => (
            String::from_utf8_lossy(&input::read(p)?).into_owned(),
            shown(p),
        ),
        None if local.is_file() => (
            String::from_utf8_lossy(&input::read(&local)?).into_owned(),
            "scoring.toml".to_string(),
        ),
        None => {
            let text = template::preset("lead-scoring")
                .map(|p| p.text)
                .unwrap_or_default();
            (text.to_string(), "<built-in>".to_string())
        }
    };
    Ok(Rules::parse(&text, &name).map(|r| (r, name)))
}

fn push(diags: &mut Vec<Diagnostic>, dropped: &mut usize, d: Diagnostic) {
    if diags.len() < MAX_DIAGNOSTICS {
        diags.push(d);
    } else {
        *dropped += 1;
    }
}

const COLUMNS: [&str; 5] = ["contact_id", "timestamp", "activity", "target", "value"];

fn read_activities(
    path: &Path,
    name: &str,
    engine: &mut Engine<'_>,
    diags: &mut Vec<Diagnostic>,
    dropped: &mut usize,
) -> Result<(), Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input::open(path)?);
    let mut record = csv::ByteRecord::new();
    let io = |e: csv::Error| Error::Io {
        path: name.to_string(),
        message: e.to_string(),
    };
    if !reader.read_byte_record(&mut record).map_err(io)? {
        diags.push(Diagnostic::error(
            Code::EmptyFile,
            Location::file(name),
            format!("{name} is empty"),
        ));
        return Ok(());
    }
    let header: Vec<String> = record
        .iter()
        .map(|f| {
            String::from_utf8_lossy(f)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    let mut at = [usize::MAX; 5];
    for (i, h) in header.iter().enumerate() {
        match COLUMNS.iter().position(|c| c.eq_ignore_ascii_case(h)) {
            Some(k) => at[k] = i,
            None => {
                let mut d = Diagnostic::error(
                    Code::UnknownColumn,
                    Location::at(name, 1, u32::try_from(i + 1).ok()),
                    format!("column {:?} is not part of an activity export", excerpt(h)),
                );
                if let Some(s) = did_you_mean(h, COLUMNS) {
                    d = d.with_hint(format!("did you mean {s}?"));
                }
                diags.push(d);
            }
        }
    }
    if let Some(k) = at[..4].iter().position(|&i| i == usize::MAX) {
        diags.push(
            Diagnostic::error(
                Code::NoHeader,
                Location::at(name, 1, None),
                format!("the header names no {} column", COLUMNS[k]),
            )
            .with_hint("an activity export starts with contact_id,timestamp,activity,target,value"),
        );
        return Ok(());
    }
    let width = header.len();
    while reader.read_byte_record(&mut record).map_err(io)? {
        let line = record
            .position()
            .map_or(0, |p| u32::try_from(p.line()).unwrap_or(u32::MAX));
        if record.len() != width {
            if record.iter().all(<[u8]>::is_empty) {
                continue;
            }
            push(
                diags,
                dropped,
                Diagnostic::error(
                    Code::RaggedRow,
                    Location::at(name, line, None),
                    format!(
                        "the row has {} fields but the header has {width}",
                        record.len()
                    ),
                ),
            );
            continue;
        }
        let field = |k: usize| record.get(at[k]).map(std::str::from_utf8);
        let (Some(Ok(contact)), Some(Ok(ts)), Some(Ok(activity)), Some(Ok(target))) =
            (field(0), field(1), field(2), field(3))
        else {
            push(
                diags,
                dropped,
                Diagnostic::error(
                    Code::BadEncoding,
                    Location::at(name, line, None),
                    "the row is not UTF-8 text",
                )
                .with_hint("save the export as UTF-8"),
            );
            continue;
        };
        let col = |k: usize| u32::try_from(at[k] + 1).ok();
        let Some(timestamp) = parse_timestamp(ts) else {
            push(
                diags,
                dropped,
                Diagnostic::error(
                    Code::BadTimestamp,
                    Location::at(name, line, col(1)),
                    format!(
                        "timestamp {:?} is not an ISO 8601 date and time",
                        excerpt(ts)
                    ),
                )
                .with_hint("write e.g. 2026-11-23T10:00:00Z"),
            );
            continue;
        };
        let value_text = if at[4] == usize::MAX {
            Ok("")
        } else {
            field(4).unwrap_or(Ok(""))
        };
        let value = match value_text.map(str::trim) {
            Ok("") => 0.0,
            Ok(v) => match v.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => x,
                _ => {
                    push(
                        diags,
                        dropped,
                        Diagnostic::error(
                            Code::InvalidValue,
                            Location::at(name, line, col(4)),
                            format!(
                                "value {:?} is not a number of seconds (0 or more)",
                                excerpt(v)
                            ),
                        ),
                    );
                    continue;
                }
            },
            Err(_) => 0.0,
        };
        engine.feed(Activity {
            contact: contact.trim(),
            timestamp,
            activity: activity.trim(),
            target: target.trim(),
            value,
        });
    }
    Ok(())
}

fn read_contacts(
    path: &Path,
    rules: &Rules,
    engine: &mut Engine<'_>,
    fit: &mut HashMap<String, f64>,
    diags: &mut Vec<Diagnostic>,
) -> Result<(), Error> {
    let name = shown(path);
    let bytes = input::read(path)?;
    let text = match crate::data::text::decode(&bytes, &name) {
        Ok(Some(t)) => t,
        Ok(None) => return Ok(()),
        Err(d) => {
            diags.push(*d);
            return Ok(());
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Error::Io {
            path: name.clone(),
            message: e.to_string(),
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let Some(id_col) = header
        .iter()
        .position(|h| h.eq_ignore_ascii_case("contact_id"))
    else {
        diags.push(Diagnostic::error(
            Code::NoHeader,
            Location::at(&name, 1, None),
            "the contacts file names no contact_id column",
        ));
        return Ok(());
    };
    for record in reader.records() {
        let Ok(record) = record else { continue };
        let Some(id) = record.get(id_col).map(str::trim).filter(|s| !s.is_empty()) else {
            continue;
        };
        let get = |attr: &str| {
            header
                .iter()
                .position(|h| h == attr)
                .and_then(|i| record.get(i))
                .map(|v| v.trim().to_string())
        };
        fit.insert(id.to_string(), rules.fit_points(&get));
        engine.touch(id);
    }
    Ok(())
}
