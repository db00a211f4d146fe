//! `trustidx add FILE [--replace]`: merge a file into the history, under a
//! lock, atomically (SPEC §8 `add`). `score --record` calls `record`.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use super::{load_template, print_diagnostics};
use crate::cli::{AddArgs, Global};
use crate::data::{self, Input, ReadOptions};
use crate::diagnostic::{self, Diagnostic};
use crate::error::Error;
use crate::history::{self, Incoming, Summary};
use crate::template::Template;
use crate::{Status, input, output};

pub fn run(g: &Global, args: &AddArgs) -> Result<Status, Error> {
    let t = match load_template(g)? {
        Ok(t) => t,
        Err(diags) => {
            print_diagnostics(g, &diags, true);
            return Ok(Status::Invalid);
        }
    };
    let name = if args.file.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        args.file.display().to_string()
    };
    let bytes = input::read(&args.file)?;
    let options = ReadOptions {
        delimiter: args.delimiter,
    };
    let (status, said) = record(
        g,
        &t,
        &[(name, bytes)],
        args.replace,
        options,
        args.deny_warnings,
    )?;
    output::stdout(&said)?;
    Ok(status)
}

/// The history file of a template, or the usage error of SPEC §2.
fn history_path(t: &Template) -> Result<PathBuf, Error> {
    t.data.clone().ok_or_else(|| {
        Error::Usage("the template names no history file; set `data = ...`".to_string())
    })
}

/// Adds the cells of `files` to the template's history; returns the status
/// and what it did, in words (the caller prints it where it belongs).
pub fn record(
    g: &Global,
    t: &Template,
    files: &[(String, Vec<u8>)],
    replace: bool,
    options: ReadOptions,
    deny_warnings: bool,
) -> Result<(Status, String), Error> {
    let history = history_path(t)?;
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut rows = Vec::new();
    let mut has_entity = false;
    for (i, (name, bytes)) in files.iter().enumerate() {
        let file = u16::try_from(i).map_err(|_| Error::Usage("too many files".to_string()))?;
        let read = data::read_file(
            &Input {
                name,
                bytes,
                is_history: false,
            },
            file,
            t,
            options,
            &mut diags,
        );
        has_entity |= read.has_entity;
        rows.extend(read.rows);
    }
    if diagnostic::fails(&diags, deny_warnings) {
        print_diagnostics(g, &diags, true);
        return Ok((Status::Invalid, String::new()));
    }
    let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let incoming = Incoming {
        rows: &rows,
        files: &names,
        has_entity,
    };

    // Written through a symlink to its target, so the link stays a link.
    let target = std::fs::canonicalize(&history).unwrap_or_else(|_| history.clone());
    let _lock = lock(&target)?;
    output::remove_stale_temporaries(&target);
    let shown = history.display().to_string();
    let (text, summary) = match read_history(&target)? {
        None => history::create(t, &shown, &incoming),
        Some(old) => {
            let mut check = Vec::new();
            data::read_file(
                &Input {
                    name: &shown,
                    bytes: old.as_bytes(),
                    is_history: true,
                },
                0,
                t,
                options,
                &mut check,
            );
            if check.iter().any(Diagnostic::is_error) {
                print_diagnostics(g, &check, true);
                output::stderr(&format!(
                    "trustidx: {shown} has errors; fix them before adding to it\n"
                ));
                return Ok((Status::Invalid, String::new()));
            }
            match history::edit(&old, &shown, t, &incoming, replace) {
                Ok(done) => done,
                Err(d) => {
                    print_diagnostics(g, &d, true);
                    return Ok((Status::Invalid, String::new()));
                }
            }
        }
    };
    if !summary.conflicts.is_empty() && !replace {
        print_diagnostics(g, &summary.conflicts, true);
        output::stderr(&format!("trustidx: nothing was written to {shown}\n"));
        return Ok((Status::Invalid, String::new()));
    }
    if summary.changed() {
        // never write a history the next run could not read
        let mut check = Vec::new();
        data::read_file(
            &Input {
                name: &shown,
                bytes: text.as_bytes(),
                is_history: true,
            },
            0,
            t,
            options,
            &mut check,
        );
        if check.iter().any(Diagnostic::is_error) {
            print_diagnostics(g, &check, true);
            return Err(Error::Io {
                path: shown,
                message: "the merged history would not read back; nothing was written".to_string(),
            });
        }
        output::write_atomic(&target, text.as_bytes())?;
    }
    Ok((Status::Success, describe(&shown, &summary)))
}

fn read_history(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| Error::Io {
            path: path.display().to_string(),
            message: "is not UTF-8 text; save it as UTF-8 before adding to it".to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, &e)),
    }
}

/// An exclusive lock on a sidecar file, held until dropped: two `add`s at
/// once take turns, and each re-reads the history under the lock.
fn lock(target: &Path) -> Result<std::fs::File, Error> {
    let mut name = target.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, &e))?;
    file.lock().map_err(|e| Error::io(&path, &e))?;
    Ok(file)
}

fn describe(history: &str, s: &Summary) -> String {
    if !s.changed() {
        return format!(
            "{history}: nothing to add; {} cell{} already there\n",
            s.unchanged,
            if s.unchanged == 1 { " is" } else { "s are" }
        );
    }
    let mut parts = vec![format!(
        "added {} cell{}",
        s.added,
        if s.added == 1 { "" } else { "s" }
    )];
    if s.replaced > 0 {
        parts.push(format!("replaced {}", s.replaced));
    }
    if s.unchanged > 0 {
        parts.push(format!("{} unchanged", s.unchanged));
    }
    let mut out = format!("{history}: {}\n", parts.join(", "));
    if !s.new_weeks.is_empty() {
        let weeks: Vec<String> = s
            .new_weeks
            .iter()
            .map(|(e, w)| {
                e.as_ref()
                    .map_or_else(|| w.to_string(), |e| format!("{w} ({e})"))
            })
            .collect();
        out.push_str(&format!(
            "new week{}: {}\n",
            if weeks.len() == 1 { "" } else { "s" },
            weeks.join(", ")
        ));
    }
    if !s.new_columns.is_empty() {
        out.push_str(&format!(
            "new column{}: {}\n",
            if s.new_columns.len() == 1 { "" } else { "s" },
            s.new_columns.join(", ")
        ));
    }
    out
}
