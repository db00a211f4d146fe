//! `trustidx leads ACTIVITIES.csv`: lead scores from a CRM activity export
//! (SPEC §9), streamed row by row.

use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};

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
    let name = shown(&args.activities);
    let mut found = Found::default();
    let progress = progress_bar(&args.activities, g.quiet);
    read_activities(&args.activities, &name, &mut engine, &mut found, &progress)?;
    progress.finish_and_clear();
    let Found { mut diags, dropped } = found;
    if let Some(path) = &args.contacts {
        read_contacts(path, &rules, &mut engine, &mut diags)?;
    }
    if !diags.is_empty() {
        print_diagnostics(g, &diags, true);
        if dropped > 0 {
            output::stderr(&format!("… and {dropped} more problems\n"));
        }
        return Ok(Status::Invalid);
    }
    let (leads, weekly) = engine.finish();
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

/// A progress bar over the file's bytes on stderr, only when stderr is a
/// terminal (never in pipes, cron or tests).
fn progress_bar(path: &Path, quiet: bool) -> ProgressBar {
    let size = std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    match size {
        Some(len) if !quiet && output::stderr_is_terminal() => {
            let style = ProgressStyle::with_template(
                "{bar:40} {percent:>3}% {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            ProgressBar::new(len).with_style(style)
        }
        _ => ProgressBar::hidden(),
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

const COLUMNS: [&str; 5] = ["contact_id", "timestamp", "activity", "target", "value"];

/// Where the activity columns are.
#[derive(Clone, Copy)]
struct Layout {
    at: [usize; 5],
    width: usize,
}

/// Problems found while reading, with a count of those not kept.
#[derive(Default)]
struct Found {
    diags: Vec<Diagnostic>,
    dropped: usize,
}

impl Found {
    fn push(&mut self, d: Diagnostic) {
        if self.diags.len() < MAX_DIAGNOSTICS {
            self.diags.push(d);
        } else {
            self.dropped += 1;
        }
    }
}

fn layout(header: &csv::ByteRecord, name: &str, found: &mut Found) -> Option<Layout> {
    let names: Vec<String> = header
        .iter()
        .map(|f| {
            String::from_utf8_lossy(f)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    let mut at = [usize::MAX; 5];
    for (i, h) in names.iter().enumerate() {
        match COLUMNS.iter().position(|c| c.eq_ignore_ascii_case(h)) {
            Some(k) => at[k] = i,
            None => {
                let loc = Location::at(name, 1, u32::try_from(i + 1).ok());
                let mut d = Diagnostic::error(
                    Code::UnknownColumn,
                    loc,
                    format!("column {:?} is not part of an activity export", excerpt(h)),
                );
                if let Some(s) = did_you_mean(h, COLUMNS) {
                    d = d.with_hint(format!("did you mean {s}?"));
                }
                found.push(d);
            }
        }
    }
    if let Some(k) = at[..4].iter().position(|&i| i == usize::MAX) {
        found.push(
            Diagnostic::error(
                Code::NoHeader,
                Location::at(name, 1, None),
                format!("the header names no {} column", COLUMNS[k]),
            )
            .with_hint("an activity export starts with contact_id,timestamp,activity,target,value"),
        );
        return None;
    }
    Some(Layout {
        at,
        width: names.len(),
    })
}

fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(b)) if !a.is_ascii_whitespace() && !b.is_ascii_whitespace() => s,
        _ => s.trim(),
    }
}

/// Reads activity rows (no header) into `engine`; `first_line` is the
/// physical line the reader starts on.
fn read_rows<R: std::io::Read>(
    reader: R,
    layout: Layout,
    first_line: u64,
    name: &str,
    engine: &mut Engine<'_>,
    found: &mut Found,
) -> Result<(), Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() + first_line - 1);
                if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    let loc = Location::at(name, u32::try_from(line).unwrap_or(u32::MAX), None);
                    found.push(
                        Diagnostic::error(Code::BadEncoding, loc, "the row is not UTF-8 text")
                            .with_hint("save the export as UTF-8"),
                    );
                    continue;
                }
                return Err(Error::Io {
                    path: name.to_string(),
                    message: e.to_string(),
                });
            }
        }
        let line = record.position().map_or(0, |p| p.line() + first_line - 1);
        let fields: Vec<&str> = record.iter().collect();
        process_row(&fields, layout, line, name, engine, found);
    }
}

/// Reads quote-free activity rows: with no `"` in the file every comma
/// ends a field and every newline a row, so rows are split with `memchr`
/// rather than the general CSV state machine (3–4× fewer instructions per
/// row on the w3 profile). Blank lines are skipped, as the CSV reader does.
fn read_plain_rows<R: std::io::Read>(
    mut reader: R,
    layout: Layout,
    first_line: u64,
    name: &str,
    engine: &mut Engine<'_>,
    found: &mut Found,
) -> Result<bool, Error> {
    let mut buf: Vec<u8> = vec![0; 1 << 20];
    let (mut filled, mut line) = (0usize, first_line);
    loop {
        let mut fields: Vec<&str> = Vec::with_capacity(layout.width);
        let n = reader
            .read(buf.get_mut(filled..).unwrap_or(&mut []))
            .map_err(|e| Error::Io {
                path: name.to_string(),
                message: crate::error::describe_io(&e),
            })?;
        let end = filled + n;
        // a quote means fields may hold commas or newlines: not for this reader
        if memchr::memchr(b'"', buf.get(filled..end).unwrap_or(&[])).is_some() {
            return Ok(false);
        }
        let at_eof = n == 0;
        let data = buf.get(..end).unwrap_or(&[]);
        let mut start = 0;
        while start < end {
            let stop = match memchr::memchr(b'\n', data.get(start..).unwrap_or(&[])) {
                Some(i) => start + i,
                None if at_eof => end,
                None => break,
            };
            let raw = data.get(start..stop).unwrap_or(&[]);
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            start = stop + 1;
            let this_line = line;
            line += 1;
            if raw.is_empty() {
                continue;
            }
            let Ok(text) = std::str::from_utf8(raw) else {
                let loc = Location::at(name, u32::try_from(this_line).unwrap_or(u32::MAX), None);
                found.push(
                    Diagnostic::error(Code::BadEncoding, loc, "the row is not UTF-8 text")
                        .with_hint("save the export as UTF-8"),
                );
                continue;
            };
            fields.clear();
            fields.extend(text.split(','));
            process_row(&fields, layout, this_line, name, engine, found);
        }
        if at_eof {
            return Ok(true);
        }
        // keep the partial row for the next read, growing the buffer for a long one
        buf.copy_within(start..end, 0);
        filled = end - start;
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
    }
}

/// Checks one row's fields and feeds it to the engine.
fn process_row(
    fields: &[&str],
    layout: Layout,
    line: u64,
    name: &str,
    engine: &mut Engine<'_>,
    found: &mut Found,
) {
    let at = layout.at;
    let line = u32::try_from(line).unwrap_or(u32::MAX);
    let col = |k: usize| u32::try_from(at[k] + 1).ok();
    if fields.len() != layout.width {
        if fields.iter().all(|f| f.is_empty()) {
            return;
        }
        found.push(Diagnostic::error(
            Code::RaggedRow,
            Location::at(name, line, None),
            format!(
                "the row has {} fields but the header has {}",
                fields.len(),
                layout.width
            ),
        ));
        return;
    }
    let field = |k: usize| fields.get(at[k]).map_or("", |f| trim(f));
    let ts = field(1);
    let Some(timestamp) = parse_timestamp(ts) else {
        found.push(
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
        return;
    };
    let value = match if at[4] == usize::MAX { "" } else { field(4) } {
        "" => 0.0,
        v => match v.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => x,
            _ => {
                found.push(Diagnostic::error(
                    Code::InvalidValue,
                    Location::at(name, line, col(4)),
                    format!(
                        "value {:?} is not a number of seconds (0 or more)",
                        excerpt(v)
                    ),
                ));
                return;
            }
        },
    };
    engine.feed(Activity {
        contact: field(0),
        timestamp,
        activity: field(2),
        target: field(3),
        value,
    });
}

/// Reads the activity file, in two parallel halves when it is a large
/// regular file: the halves are split at a newline and read with the
/// quote-free reader; a `"` anywhere sends the whole file to the CSV reader.
fn read_activities(
    path: &Path,
    name: &str,
    engine: &mut Engine<'_>,
    found: &mut Found,
    progress: &ProgressBar,
) -> Result<(), Error> {
    use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
    let mut input = BufReader::with_capacity(1 << 20, input::open(path)?);
    let mut header_line = Vec::new();
    input
        .read_until(b'\n', &mut header_line)
        .map_err(|e| Error::io(path, &e))?;
    if header_line.iter().all(u8::is_ascii_whitespace) {
        found.push(Diagnostic::error(
            Code::EmptyFile,
            Location::file(name),
            format!("{name} is empty"),
        ));
        return Ok(());
    }
    let mut header = csv::ByteRecord::new();
    let mut hr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(header_line.as_slice());
    if !hr.read_byte_record(&mut header).unwrap_or(false) {
        found.push(Diagnostic::error(
            Code::NoHeader,
            Location::at(name, 1, None),
            "the first line is not a header",
        ));
        return Ok(());
    }
    let Some(layout) = layout(&header, name, found) else {
        return Ok(());
    };
    let start = header_line.len() as u64;
    let split = (path.as_os_str() != "-")
        .then(|| split_point(path, start))
        .flatten();
    let Some(mid) = split else {
        return read_rows(progress.wrap_read(input), layout, 2, name, engine, found);
    };
    let open_at = |offset: u64| -> Result<BufReader<std::fs::File>, Error> {
        let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, &e))?;
        f.seek(SeekFrom::Start(offset))
            .map_err(|e| Error::io(path, &e))?;
        Ok(BufReader::with_capacity(1 << 20, f))
    };
    let first = progress.wrap_read(open_at(start)?.take(mid - start));
    let second = progress.wrap_read(open_at(mid)?);
    let mut other = engine.fork();
    let mut other_found = Found::default();
    let plain = std::thread::scope(|scope| {
        let worker =
            scope.spawn(|| read_plain_rows(second, layout, 1, name, &mut other, &mut other_found));
        let first_plain = read_plain_rows(first, layout, 2, name, engine, found)?;
        let second_plain = worker.join().unwrap_or_else(|_| {
            Err(Error::Io {
                path: name.to_string(),
                message: "a reader thread failed".to_string(),
            })
        })?;
        Ok::<bool, Error>(first_plain && second_plain)
    })?;
    if !plain {
        // quoted fields somewhere: start again with the CSV reader, whole
        *engine = engine.fork();
        *found = Found::default();
        progress.set_position(start);
        return read_rows(
            progress.wrap_read(open_at(start)?),
            layout,
            2,
            name,
            engine,
            found,
        );
    }
    if !other_found.diags.is_empty() {
        // the second half's lines count from its start: shift them
        let lines_before = count_lines(path, mid)?;
        for mut d in other_found.diags {
            d.line = d
                .line
                .map(|l| l.saturating_add(u32::try_from(lines_before).unwrap_or(u32::MAX)));
            found.push(d);
        }
    }
    found.dropped += other_found.dropped;
    engine.merge(other);
    Ok(())
}

/// The byte offset of a row start near the middle of a large file with no
/// `"` (so every newline ends a row); `None` when it should be read whole.
fn split_point(path: &Path, start: u64) -> Option<u64> {
    use std::io::{Read, Seek, SeekFrom};
    const MIN: u64 = 32 << 20;
    let size = std::fs::metadata(path).ok().filter(|m| m.is_file())?.len();
    if size < MIN {
        return None;
    }
    let half = start + (size - start) / 2;
    let mut file = std::fs::File::open(path).ok()?;
    file.seek(SeekFrom::Start(half)).ok()?;
    let mut buf = vec![0u8; 1 << 20];
    let n = file.read(&mut buf).ok()?;
    let i = memchr::memchr(b'\n', buf.get(..n)?)?;
    Some(half + i as u64 + 1).filter(|m| *m < size)
}

fn count_lines(path: &Path, upto: u64) -> Result<u64, Error> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)
        .map_err(|e| Error::io(path, &e))?
        .take(upto);
    let mut buf = vec![0u8; 4 << 20];
    let mut lines = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| Error::io(path, &e))?;
        if n == 0 {
            return Ok(lines);
        }
        lines += memchr::memchr_iter(b'\n', buf.get(..n).unwrap_or(&[])).count() as u64;
    }
}

fn read_contacts(
    path: &Path,
    rules: &Rules,
    engine: &mut Engine<'_>,
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
    // each rule's column, found once
    let columns: Vec<Option<usize>> = rules
        .fit
        .iter()
        .map(|r| header.iter().position(|h| *h == r.attribute))
        .collect();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).unwrap_or(false) {
        let Some(id) = record.get(id_col).map(str::trim).filter(|s| !s.is_empty()) else {
            continue;
        };
        let fit: f64 = rules
            .fit
            .iter()
            .zip(&columns)
            .map(|(rule, col)| {
                if rule.matches(col.and_then(|c| record.get(c)).map(str::trim)) {
                    rule.points
                } else {
                    0.0
                }
            })
            .sum();
        engine.contact(id, fit);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(plain: bool, data: &str) -> (Vec<crate::leads::Lead>, Vec<Option<u32>>) {
        let rules = match Rules::parse(
            "[[behavior]]\nactivity = \"page_view\"\npoints = 2\n",
            "r.toml",
        ) {
            Ok(r) => r,
            Err(d) => panic!("{d:?}"),
        };
        let layout = Layout {
            at: [0, 1, 2, 3, 4],
            width: 5,
        };
        let mut engine = Engine::new(&rules, 2_000_000_000, chrono::Weekday::Mon);
        let mut found = Found::default();
        let ok = if plain {
            read_plain_rows(data.as_bytes(), layout, 2, "a.csv", &mut engine, &mut found)
                .is_ok_and(|plain| plain)
        } else {
            read_rows(data.as_bytes(), layout, 2, "a.csv", &mut engine, &mut found).is_ok()
        };
        assert!(ok);
        let lines = found.diags.iter().map(|d| d.line).collect();
        (engine.finish().0, lines)
    }

    #[test]
    fn the_quote_free_reader_steps_aside_at_a_quote() {
        let rules = Rules {
            mql_threshold: 100.0,
            half_life_days: None,
            behavior: Vec::new(),
            fit: Vec::new(),
        };
        let layout = Layout {
            at: [0, 1, 2, 3, 4],
            width: 5,
        };
        let mut engine = Engine::new(&rules, 2_000_000_000, chrono::Weekday::Mon);
        let data = "c1,2026-01-05T10:00:00Z,page_view,\"/a,b\",\n";
        let plain = read_plain_rows(
            data.as_bytes(),
            layout,
            2,
            "a.csv",
            &mut engine,
            &mut Found::default(),
        );
        assert!(matches!(plain, Ok(false)));
    }

    #[test]
    fn the_quote_free_reader_agrees_with_the_csv_reader() {
        let data = "c1,2026-01-05T10:00:00Z,page_view,/a,\r\n\nc2,2026-01-06T10:00:00Z,form_submit,/f,\nc1,bad,page_view,/b,\nc2,2026-01-05T10:00:00Z,page_view,/a,\nc3,2026-01-05T10:00:00Z,video_watch,/v,90\nc4,x\nc1,2026-01-07T10:00:00Z,page_view,/a,";
        let (csv, csv_lines) = scored(false, data);
        let (plain, plain_lines) = scored(true, data);
        assert_eq!(csv, plain);
        assert_eq!(csv_lines, plain_lines);
        assert_eq!(plain_lines, vec![Some(5), Some(8)]);
        assert_eq!(plain.len(), 3);
    }
}
