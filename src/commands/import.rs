//! `trustidx import SHEET`: the old spreadsheet to a wide data file.

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};

use super::{load_template, print_diagnostics};
use crate::cli::{Global, ImportArgs};
use crate::diagnostic::{Code, Diagnostic, Location};
use crate::error::Error;
use crate::import::{Sheet, SheetCell, import};
use crate::{Status, input, output};

pub fn run(g: &Global, args: &ImportArgs) -> Result<Status, Error> {
    let t = match load_template(g)? {
        Ok(t) => t,
        Err(diags) => {
            print_diagnostics(g, &diags, true);
            return Ok(Status::Invalid);
        }
    };
    let name = args.file.display().to_string();
    let bytes = input::read(&args.file)?;
    let workbook = ["xlsx", "xlsm", "xls", "ods"].iter().any(|e| {
        args.file
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case(e))
    });
    let sheet = if workbook {
        read_workbook(&name, bytes, args.sheet.as_deref())?
    } else {
        match read_csv(&name, &bytes) {
            Ok(s) => s,
            Err(d) => {
                print_diagnostics(g, &[*d], true);
                return Ok(Status::Invalid);
            }
        }
    };
    let date_format = args.date_format.as_deref().or(t.date_format.as_deref());
    let report = match import(&sheet, &t, &args.maps, date_format) {
        Ok(r) => r,
        Err(diags) => {
            print_diagnostics(g, &diags, true);
            return Ok(Status::Invalid);
        }
    };
    let mut notes = String::new();
    for guess in &report.guesses {
        notes.push_str(&format!("note: {guess}\n"));
    }
    match &args.output {
        Some(path) => {
            output::write_atomic(path, report.csv.as_bytes())?;
            notes.push_str(&format!(
                "imported {} metrics × {} weeks into {}\n",
                report.metrics,
                report.weeks,
                path.display()
            ));
        }
        None => output::stdout(&report.csv)?,
    }
    if !g.quiet {
        output::stderr(&notes);
    }
    Ok(Status::Success)
}

fn read_csv(name: &str, bytes: &[u8]) -> Result<Sheet, Box<Diagnostic>> {
    let text = match crate::data::text::decode(bytes, name)? {
        Some(t) => t,
        None => {
            return Err(Box::new(Diagnostic::error(
                Code::EmptyFile,
                Location::file(name),
                format!("{name} is empty"),
            )));
        }
    };
    let delimiter = crate::data::csv_reader::detect_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let Ok(record) = record else { continue };
        let line = record
            .position()
            .map_or(rows.len(), |p| (p.line() as usize).saturating_sub(1));
        // keep physical line numbers: a skipped blank line is an empty row
        while rows.len() < line {
            rows.push(Vec::new());
        }
        rows.push(
            record
                .iter()
                .map(|f| SheetCell::Text(f.to_string()))
                .collect(),
        );
    }
    Ok(Sheet {
        name: name.to_string(),
        rows,
    })
}

fn read_workbook(name: &str, bytes: Vec<u8>, wanted: Option<&str>) -> Result<Sheet, Error> {
    let fail = |message: String| Error::Io {
        path: name.to_string(),
        message,
    };
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| fail(format!("is not a readable workbook: {e}")))?;
    let names = book.sheet_names();
    let sheet = match wanted {
        Some(w) => names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(w))
            .cloned()
            .ok_or_else(|| {
                Error::Usage(format!(
                    "{name} has no sheet {w:?}; its sheets are {}",
                    names.join(", ")
                ))
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| fail("has no sheets".to_string()))?,
    };
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| fail(format!("sheet {sheet:?} cannot be read: {e}")))?;
    let (top, left) = range
        .start()
        .map_or((0, 0), |(r, c)| (r as usize, c as usize));
    let mut rows: Vec<Vec<SheetCell>> = vec![Vec::new(); top];
    for row in range.rows() {
        let mut cells = vec![SheetCell::Empty; left];
        cells.extend(row.iter().map(|d| match d {
            Data::Empty => SheetCell::Empty,
            Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
                SheetCell::Text(s.clone())
            }
            Data::Float(f) => SheetCell::Number(*f),
            Data::Int(i) => SheetCell::Number(*i as f64),
            Data::Bool(b) => SheetCell::Text(b.to_string()),
            Data::DateTime(dt) => SheetCell::Time(dt.as_f64()),
            Data::Error(e) => SheetCell::Text(e.to_string()),
        }));
        rows.push(cells);
    }
    Ok(Sheet {
        name: format!("{name}[{sheet}]"),
        rows,
    })
}
