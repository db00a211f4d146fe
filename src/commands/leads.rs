//! `trustidx leads ACTIVITIES.csv`: lead scores from a CRM activity export
//! (SPEC §9), streamed row by row.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};

use super::{load_template, print_diagnostics};
use crate::cli::{Global, LeadsArgs, LeadsFormat};
use crate::diagnostic::{Code, Diagnostic, Location, did_you_mean, excerpt};
use crate::error::Error;
use crate::leads::{Activity, ContactId, DayCache, Engine, Rules, parse_timestamp_with, trim_cell};
use crate::{Status, input, output, parallel, render, template};

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
    let name = shown(&args.activities);
    let mut found = Found::default();
    let progress = progress_bar(&args.activities, g.quiet);
    let mut engines = read_activities(
        &args.activities,
        &name,
        (&rules, as_of, week_start),
        &mut found,
        &progress,
        threads_for(&args.activities),
    )?;
    progress.finish_and_clear();
    let Found { mut diags, dropped } = found;
    if let Some(path) = &args.contacts {
        read_contacts(path, &rules, &mut engines, &mut diags)?;
    }
    if !diags.is_empty() {
        print_diagnostics(g, &diags, true);
        if dropped > 0 {
            output::stderr(&format!("… and {dropped} more problems\n"));
        }
        return Ok(Status::Invalid);
    }
    let (leads, weekly) = Engine::finish_all(engines);
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
    let mut days = DayCache::default();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() + first_line - 1);
                if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    let loc = Location::at(name, u32::try_from(line).unwrap_or(u32::MAX), None);
                    found.push(not_utf8(loc));
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
        process_row(&fields, layout, line, name, engine, found, &mut days);
    }
}

/// Reads quote-free activity rows into one engine, on this thread (what
/// `read_activities` does with threads, for tests): with no `"` in the file every comma
/// ends a field and every newline a row, so rows are split with `memchr`
/// rather than the general CSV state machine (3–4× fewer instructions per
/// row on the w3 profile). Blank lines are skipped, as the CSV reader does.
/// `Ok(false)`: the file has a quote and needs the CSV reader.
#[cfg(test)]
fn read_plain_rows<R: std::io::Read>(
    reader: R,
    layout: Layout,
    first_line: u64,
    name: &str,
    engine: &mut Engine<'_>,
    found: &mut Found,
) -> Result<bool, Error> {
    let mut days = DayCache::default();
    blocks(reader, (layout, 1), first_line, name, |block| {
        block_rows(&block, layout, name, engine, found, &mut days);
        true
    })
}

/// Whole rows of an activity file, read once however many engines use them.
struct Block {
    /// The rows, as text when all of them are UTF-8 (checked once).
    data: Result<String, Vec<u8>>,
    /// Where each line starts in `data`, then where the last one ends.
    starts: Vec<usize>,
    /// The file line of the first one.
    first_line: u64,
    /// Per engine (`leads::owner`), its rows: their line in the block and
    /// the hash of their contact (`None`: unreadable, the first engine's).
    /// Blank lines are in none.
    rows: Vec<Vec<(usize, Option<u64>)>>,
}

impl Block {
    fn bytes(&self) -> &[u8] {
        match &self.data {
            Ok(text) => text.as_bytes(),
            Err(bytes) => bytes,
        }
    }

    /// Line `k` without its line end: its bytes, and its text when the
    /// block is UTF-8 (a line end is ASCII, so a valid block cuts into
    /// valid rows).
    fn line(&self, k: usize) -> Option<(&[u8], Option<&str>)> {
        let (&start, &stop) = (self.starts.get(k)?, self.starts.get(k + 1)?);
        let raw = self.bytes().get(start..stop)?;
        let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = self
            .data
            .as_ref()
            .ok()
            .and_then(|t| t.get(start..start + raw.len()));
        Some((raw, text))
    }
}

/// The contact cell of a line (byte offsets, `contact_cell`) and its text
/// when it is UTF-8.
fn contact_of<'a>(
    raw: &'a [u8],
    text: Option<&'a str>,
    layout: Layout,
) -> (Option<(usize, usize)>, Option<&'a str>) {
    let cell = contact_cell(raw, layout);
    let contact = cell.and_then(|(a, b)| match text {
        Some(t) => t.get(a..b),
        None => std::str::from_utf8(raw.get(a..b)?).ok(),
    });
    (cell, contact)
}

/// Reads `reader` in blocks of about 1 MB of whole lines and gives each to
/// `emit` until it returns `false`. `Ok(false)`: a `"` was found (fields
/// may then hold commas or line ends: not for this reader).
/// Each row goes to the engine of `parts` that owns its contact.
fn blocks<R: std::io::Read>(
    reader: R,
    split: (Layout, usize),
    first_line: u64,
    name: &str,
    emit: impl FnMut(Arc<Block>) -> bool,
) -> Result<bool, Error> {
    blocks_of(reader, split, 1 << 20, first_line, name, emit)
}

/// `blocks` of about `size` bytes.
fn blocks_of<R: std::io::Read>(
    mut reader: R,
    (layout, parts): (Layout, usize),
    size: usize,
    first_line: u64,
    name: &str,
    mut emit: impl FnMut(Arc<Block>) -> bool,
) -> Result<bool, Error> {
    let size = size.max(1);
    let mut buf: Vec<u8> = vec![0; size];
    let (mut filled, mut line) = (0usize, first_line);
    // blocks given out, oldest first: once every engine is done with one,
    // its buffers are filled again (fresh 1 MB buffers cost page faults
    // and zeroing, and the kernel copied into cold pages)
    let mut given: VecDeque<Arc<Block>> = VecDeque::new();
    loop {
        let n = reader
            .read(buf.get_mut(filled..).unwrap_or(&mut []))
            .map_err(|e| Error::Io {
                path: name.to_string(),
                message: crate::error::describe_io(&e),
            })?;
        let end = filled + n;
        if memchr::memchr(b'"', buf.get(filled..end).unwrap_or(&[])).is_some() {
            return Ok(false);
        }
        let at_eof = n == 0;
        let data = buf.get(..end).unwrap_or(&[]);
        let complete = match at_eof {
            true => end,
            false => memchr::memrchr(b'\n', data).map_or(0, |i| i + 1),
        };
        if complete == 0 && !at_eof {
            // one line longer than the buffer: read on into a bigger one
            filled = end;
            if filled == buf.len() {
                buf.resize(buf.len() * 2, 0);
            }
            continue;
        }
        let spare = match given.front() {
            Some(b) if Arc::strong_count(b) == 1 => given.pop_front().and_then(Arc::into_inner),
            _ => None,
        };
        let (mut next, mut starts, dealt) = match spare {
            Some(b) => {
                let bytes = b.data.map_or_else(|bytes| bytes, String::into_bytes);
                (bytes, b.starts, b.rows)
            }
            None => (Vec::new(), Vec::new(), Vec::new()),
        };
        // the partial last line starts the next buffer
        let carry = end - complete;
        if next.len() < carry + size {
            next.resize(carry + size, 0);
        }
        if let (Some(to), Some(from)) = (next.get_mut(..carry), buf.get(complete..end)) {
            to.copy_from_slice(from);
        }
        filled = carry;
        let mut rows = std::mem::replace(&mut buf, next);
        rows.truncate(complete);
        starts.clear();
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', &rows).map(|i| i + 1));
        if starts.last() != Some(&rows.len()) {
            starts.push(rows.len());
        }
        let lines = starts.len() as u64 - 1;
        let mut block = Block {
            data: String::from_utf8(rows).map_err(std::string::FromUtf8Error::into_bytes),
            starts,
            first_line: line,
            rows: dealt,
        };
        deal(&mut block, layout, parts);
        line += lines;
        if lines > 0 {
            let block = Arc::new(block);
            if given.len() >= 16 {
                given.pop_front();
            }
            given.push_back(block.clone());
            if !emit(block) {
                return Ok(true);
            }
        }
        if at_eof {
            return Ok(true);
        }
    }
}

/// Gives each row of `block` to the engine of `parts` that owns its
/// contact, with the contact's hash: found once here rather than by every
/// engine for every row.
fn deal(block: &mut Block, layout: Layout, parts: usize) {
    let mut rows = std::mem::take(&mut block.rows);
    rows.resize_with(parts.max(1), Vec::new);
    rows.iter_mut().for_each(Vec::clear);
    for k in 0..block.starts.len().saturating_sub(1) {
        let Some((raw, text)) = block.line(k) else {
            continue;
        };
        if raw.is_empty() {
            continue;
        }
        let (_, contact) = contact_of(raw, text, layout);
        let hash = contact.map(|c| ContactId::hash_of(trim_cell(c)));
        let part = hash.map_or(0, |h| crate::leads::owner(h, parts));
        if let Some(list) = rows.get_mut(part) {
            list.push((k, hash));
        }
    }
    block.rows = rows;
}

/// Feeds the rows of `block` that `deal` gave `engine`.
fn block_rows(
    block: &Block,
    layout: Layout,
    name: &str,
    engine: &mut Engine<'_>,
    found: &mut Found,
    days: &mut DayCache,
) {
    let canonical = layout.at == [0, 1, 2, 3, 4] && layout.width == 5;
    let mut fields: Vec<&str> = Vec::with_capacity(layout.width);
    for &(k, hash) in block.rows.get(engine.part()).map_or(&[][..], Vec::as_slice) {
        let Some((raw, valid)) = block.line(k) else {
            continue;
        };
        let this_line = block.first_line + k as u64;
        let (cell, contact) = contact_of(raw, valid, layout);
        let id = hash
            .zip(contact)
            .map(|(h, c)| ContactId::with_hash(trim_cell(c), h));
        // the usual row: read straight from the line
        if let (true, Some(t), Some(id), Some((_, end))) = (canonical, valid, id, cell)
            && let Some(row) = t.get(end + 1..).and_then(|rest| plain_row(rest, days))
        {
            engine.feed_pair(id, row.timestamp, row.pair, row.value);
            continue;
        }
        let text = match valid {
            Some(t) => t,
            None => {
                let Ok(t) = std::str::from_utf8(raw) else {
                    let loc =
                        Location::at(name, u32::try_from(this_line).unwrap_or(u32::MAX), None);
                    found.push(not_utf8(loc));
                    continue;
                };
                t
            }
        };
        // commas are ASCII: cutting at them keeps char boundaries
        fields.clear();
        let mut from = 0;
        for i in memchr::memchr_iter(b',', text.as_bytes()) {
            fields.push(text.get(from..i).unwrap_or(""));
            from = i + 1;
        }
        fields.push(text.get(from..).unwrap_or(""));
        process_row(&fields, layout, this_line, name, engine, found, days);
    }
}

/// The cells after the contact of a row in the usual column order.
struct PlainRow<'a> {
    timestamp: i64,
    /// `activity,target`.
    pair: &'a str,
    value: f64,
}

/// The rest of a row of the usual column order after its contact cell,
/// when every cell is as `process_row` would take it without a second look:
/// no white space to trim, the timestamp in the `2026-11-23T10:00:00Z`
/// form, a value empty or a number of seconds, no cell too many. Anything
/// else is `None`, and `process_row` reads (or reports) the row.
fn plain_row<'a>(rest: &'a str, days: &mut DayCache) -> Option<PlainRow<'a>> {
    let bytes = rest.as_bytes();
    if bytes.get(20) != Some(&b',') {
        return None;
    }
    let timestamp = parse_timestamp_with(rest.get(..20)?, days)?;
    let after = rest.get(21..)?;
    let first = memchr::memchr(b',', after.as_bytes())?;
    let second = first + 1 + memchr::memchr(b',', after.get(first + 1..)?.as_bytes())?;
    let (activity, target) = (after.get(..first)?, after.get(first + 1..second)?);
    let value = after.get(second + 1..)?;
    let clean = |cell: &str| trim_cell(cell).len() == cell.len();
    if value.contains(',') || !clean(activity) || !clean(target) || !clean(value) {
        return None;
    }
    let value = match value {
        "" => 0.0,
        v => Some(v.parse::<f64>().ok()?).filter(|x| x.is_finite() && *x >= 0.0)?,
    };
    Some(PlainRow {
        timestamp,
        pair: after.get(..second)?,
        value,
    })
}

/// `bad-encoding` for one row of an activity or contacts export.
fn not_utf8(loc: Location) -> Diagnostic {
    Diagnostic::error(Code::BadEncoding, loc, "the row is not UTF-8 text")
        .with_hint("save the export as UTF-8")
}

/// Where the contact cell of a raw row lies (byte offsets).
fn contact_cell(raw: &[u8], layout: Layout) -> Option<(usize, usize)> {
    let k = layout.at.first().copied()?;
    let mut start = 0;
    for _ in 0..k {
        start += memchr::memchr(b',', raw.get(start..)?)? + 1;
    }
    let rest = raw.get(start..)?;
    let end = rest.iter().position(|&b| b == b',').unwrap_or(rest.len());
    Some((start, start + end))
}

/// Checks one row's fields and feeds it to the engine.
fn process_row(
    fields: &[&str],
    layout: Layout,
    line: u64,
    name: &str,
    engine: &mut Engine<'_>,
    found: &mut Found,
    days: &mut DayCache,
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
    let field = |k: usize| fields.get(at[k]).map_or("", |f| trim_cell(f));
    let ts = field(1);
    let Some(timestamp) = parse_timestamp_with(ts, days) else {
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

/// Reads the activity file into engines. A large regular file is cut into
/// blocks of whole lines by this thread, which deals each row to the
/// engine that owns its contact (one engine per core, each on its own
/// thread: no state is merged and every line number is exact). A smaller
/// file goes the same way into one engine; a `"` anywhere
/// sends the whole file to the CSV reader and one engine, as does
/// standard input.
fn read_activities<'r>(
    path: &Path,
    name: &str,
    (rules, as_of, week_start): (&'r Rules, i64, chrono::Weekday),
    found: &mut Found,
    progress: &ProgressBar,
    threads: usize,
) -> Result<Vec<Engine<'r>>, Error> {
    use std::io::{BufRead, BufReader, Seek, SeekFrom};
    let single = || Engine::new(rules, as_of, week_start);
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
        return Ok(vec![single()]);
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
        return Ok(vec![single()]);
    }
    let Some(layout) = layout(&header, name, found) else {
        return Ok(vec![single()]);
    };
    let start = header_line.len() as u64;
    if path.as_os_str() == "-" {
        // cannot be read twice: the CSV reader from the start
        return one_engine(progress.wrap_read(input), layout, name, single(), found);
    }
    // the readers fill their own buffers: no BufReader copy in between
    let open_at = |offset: u64| -> Result<std::fs::File, Error> {
        let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, &e))?;
        f.seek(SeekFrom::Start(offset))
            .map_err(|e| Error::io(path, &e))?;
        Ok(f)
    };
    let threads = threads.max(1);
    let mut engines = Engine::parts(rules, as_of, week_start, threads);
    let mut founds: Vec<Found> = (0..threads).map(|_| Found::default()).collect();
    // one reader (this thread) hands every block to every engine: the
    // file is read, cut into lines and checked as UTF-8 once
    let reader = progress.wrap_read(open_at(start)?);
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..threads)
        .map(|_| std::sync::mpsc::sync_channel::<Arc<Block>>(4))
        .unzip();
    let plain = std::thread::scope(|s| {
        let workers: Vec<_> = engines
            .iter_mut()
            .zip(founds.iter_mut())
            .zip(receivers)
            .map(|((engine, found), blocks)| {
                s.spawn(move || {
                    let mut days = DayCache::default();
                    for block in blocks {
                        block_rows(&block, layout, name, engine, found, &mut days);
                    }
                })
            })
            .collect();
        let senders = senders;
        let plain = blocks(reader, (layout, threads), 2, name, |block| {
            senders.iter().all(|to| to.send(block.clone()).is_ok())
        });
        drop(senders);
        for w in workers {
            w.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        }
        plain
    })?;
    if !plain {
        // quoted fields somewhere: start again with the CSV reader, whole
        progress.set_position(start);
        let reader = BufReader::with_capacity(1 << 20, open_at(start)?);
        return one_engine(progress.wrap_read(reader), layout, name, single(), found);
    }
    // the problems in line order, as one reader would have kept them
    let mut diags: Vec<Diagnostic> = Vec::new();
    for f in founds {
        found.dropped += f.dropped;
        diags.extend(f.diags);
    }
    diags.sort_by_key(|d| d.line);
    for d in diags {
        found.push(d);
    }
    Ok(engines)
}

/// The rows after the header, with the CSV reader, into one engine.
fn one_engine<'r, R: std::io::Read>(
    reader: R,
    layout: Layout,
    name: &str,
    mut engine: Engine<'r>,
    found: &mut Found,
) -> Result<Vec<Engine<'r>>, Error> {
    read_rows(reader, layout, 2, name, &mut engine, found)?;
    Ok(vec![engine])
}

/// Threads worth reading `path` with: one per core (up to 4) for a
/// regular file of 32 MB or more, else one.
fn threads_for(path: &Path) -> usize {
    const MIN: u64 = 32 << 20;
    let large = std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() >= MIN);
    match large {
        true => parallel::threads(),
        false => 1,
    }
}

/// Reads the contacts file and gives each engine its own contacts' fit
/// points, every engine on its own thread reading the whole (decoded) text.
fn read_contacts(
    path: &Path,
    rules: &Rules,
    engines: &mut [Engine<'_>],
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
        .byte_headers()
        .map_err(|e| Error::Io {
            path: name.clone(),
            message: e.to_string(),
        })?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
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
    let body = usize::try_from(reader.position().byte()).unwrap_or(0);
    let (text, name, columns) = (text.as_ref(), name.as_str(), columns.as_slice());
    // the rows cut into one part per engine, each read on its own thread
    // and dealt to the engines that own their contacts, then applied by
    // each engine in file order (the last row of a contact wins)
    let cuts = row_cuts(text.as_bytes(), body, engines.len());
    let parts: Vec<(usize, usize)> = cuts
        .windows(2)
        .filter_map(|w| w.first().zip(w.get(1)))
        .map(|(a, b)| (*a, *b))
        .collect();
    let engines_n = engines.len();
    let dealt = parallel::map(parts, |(from, to)| {
        let lines_before =
            memchr::memchr_iter(b'\n', text.as_bytes().get(..from).unwrap_or(&[])).count();
        let rows = text.get(from..to).unwrap_or("");
        contact_rows(
            rows,
            lines_before as u64,
            name,
            rules,
            (id_col, columns),
            engines_n,
        )
    });
    let mut found = Vec::new();
    let mut lists: Vec<Vec<Vec<(ContactId, f64)>>> = Vec::new();
    for part in dealt {
        found.extend(part.diags);
        lists.push(part.fits);
    }
    let work: Vec<(usize, &mut Engine<'_>)> = engines.iter_mut().enumerate().collect();
    let lists = &lists;
    parallel::map(work, |(j, engine)| {
        for part in lists {
            if let Some(fits) = part.get(j) {
                engine.contacts(fits);
            }
        }
    });
    found.sort_by_key(|d| d.line);
    diags.extend(found);
    Ok(())
}

/// Byte offsets cutting `text` from `from` to its end into `n` parts of
/// about the same size, each cut just after a line end outside quotes (an
/// even number of `"` before it: quoted cells hold theirs in pairs).
fn row_cuts(text: &[u8], from: usize, n: usize) -> Vec<usize> {
    let end = text.len();
    let mut cuts = vec![from.min(end)];
    let (mut at, mut quotes) = (from.min(end), 0usize);
    for k in 1..n.max(1) {
        let mut pos = (from + (end.saturating_sub(from)) * k / n).max(at);
        loop {
            let Some(nl) = memchr::memchr(b'\n', text.get(pos..).unwrap_or(&[])).map(|i| pos + i)
            else {
                pos = end;
                break;
            };
            quotes += memchr::memchr_iter(b'"', text.get(at..nl).unwrap_or(&[])).count();
            at = nl;
            pos = nl + 1;
            if quotes % 2 == 0 {
                break;
            }
        }
        cuts.push(pos);
        at = pos.max(at);
    }
    cuts.push(end);
    cuts.dedup();
    cuts
}

/// The fit points of the contacts rows of one part, per owning engine,
/// and the problems of its rows. `lines_before`: line ends before the part.
struct Dealt {
    fits: Vec<Vec<(ContactId, f64)>>,
    diags: Vec<Diagnostic>,
}

fn contact_rows(
    rows: &str,
    lines_before: u64,
    name: &str,
    rules: &Rules,
    (id_col, columns): (usize, &[Option<usize>]),
    parts: usize,
) -> Dealt {
    let mut dealt = Dealt {
        fits: vec![Vec::new(); parts.max(1)],
        diags: Vec::new(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(rows.as_bytes());
    let mut record = csv::ByteRecord::new();
    let at_line = |line: u64| u32::try_from(line + lines_before).unwrap_or(u32::MAX);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return dealt,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                dealt.diags.push(Diagnostic::error(
                    Code::InvalidValue,
                    Location::at(name, at_line(line), None),
                    format!("unreadable contacts row: {e}"),
                ));
                continue;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let location = || Location::at(name, at_line(line), None);
        let cell = |c: usize| record.get(c).map(std::str::from_utf8);
        let id = match cell(id_col) {
            Some(Ok(id)) => id.trim(),
            Some(Err(_)) => {
                dealt.diags.push(not_utf8(location()));
                continue;
            }
            None => continue,
        };
        if id.is_empty() {
            continue;
        }
        let (mut fit, mut unreadable) = (0.0, false);
        for (rule, col) in rules.fit.iter().zip(columns) {
            let value = match col.and_then(cell) {
                Some(Ok(v)) => Some(v.trim()),
                Some(Err(_)) => {
                    unreadable = true;
                    None
                }
                None => None,
            };
            if rule.matches(value) {
                fit += rule.points;
            }
        }
        if unreadable {
            // once per row, however many of its cells are unreadable
            dealt.diags.push(not_utf8(location()));
        }
        let id = ContactId::of(id);
        if let Some(list) = dealt.fits.get_mut(crate::leads::owner(id.hash(), parts)) {
            list.push((id, fit));
        }
    }
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
        let (ok, engine, found) = read_one(plain, &rules, 2_000_000_000, data);
        assert!(ok);
        let lines = found.diags.iter().map(|d| d.line).collect();
        (Engine::finish_all(vec![engine]).0, lines)
    }

    /// One engine's reading of rows in the usual column order, by the
    /// quote-free reader or by the CSV reader; whether it read them all.
    fn read_one<'r>(
        plain: bool,
        rules: &'r Rules,
        as_of: i64,
        data: &str,
    ) -> (bool, Engine<'r>, Found) {
        let layout = Layout {
            at: [0, 1, 2, 3, 4],
            width: 5,
        };
        let mut engine = Engine::new(rules, as_of, chrono::Weekday::Mon);
        let mut found = Found::default();
        let ok = if plain {
            read_plain_rows(data.as_bytes(), layout, 2, "a.csv", &mut engine, &mut found)
                .is_ok_and(|plain| plain)
        } else {
            read_rows(data.as_bytes(), layout, 2, "a.csv", &mut engine, &mut found).is_ok()
        };
        (ok, engine, found)
    }

    #[test]
    fn cells_are_trimmed_of_unicode_spaces_as_the_contacts_file_is() {
        // a no-break space around an id is trimmed, as in the contacts file
        assert_eq!(trim_cell("\u{a0}c1\u{a0}"), "c1");
        assert_eq!(trim_cell(" c1\t"), "c1");
        assert_eq!(trim_cell("c1\u{b}"), "c1");
        assert_eq!(trim_cell("c1"), "c1");
        assert_eq!(trim_cell("/pricing"), "/pricing");
        assert_eq!(trim_cell(""), "");
    }

    #[test]
    fn engines_sharing_the_contacts_agree_with_one_engine() {
        let rules = match Rules::parse(
            "half_life_days = 30\n[[behavior]]\nactivity = \"page_view\"\npoints = 2\n[[behavior]]\nactivity = \"form_submit\"\npoints = 20\n[[behavior]]\nactivity = \"video_watch\"\npoints = 1\nper = \"minute\"\n",
            "r.toml",
        ) {
            Ok(r) => r,
            Err(d) => panic!("{d:?}"),
        };
        let mut data = b"contact_id,timestamp,activity,target,value\n".to_vec();
        for i in 0..400u32 {
            let c = i * 7 % 23;
            let (activity, value) = match i % 5 {
                0 => ("form_submit", ""),
                1 => ("video_watch", "90"),
                2 => ("share", ""),
                _ => ("page_view", ""),
            };
            // out of time order, a few broken rows
            let line = match i {
                50 => "c3,yesterday,page_view,/a,\n".to_string(),
                90 => "c4,2026-01-05T10:00:00Z\n".to_string(),
                _ => format!(
                    "c{c},2026-01-{:02}T10:{:02}:00Z,{activity},/p,{value}\n",
                    1 + (i * 13) % 28,
                    i % 60
                ),
            };
            data.extend_from_slice(line.as_bytes());
        }
        data.extend_from_slice(b"c\xff9,2026-01-05T10:00:00Z,page_view,/a,\n");
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        let path = dir.path().join("a.csv");
        if let Err(e) = std::fs::write(&path, &data) {
            panic!("{e}");
        }
        let run = |threads: usize| {
            let mut found = Found::default();
            let engines = match read_activities(
                &path,
                "a.csv",
                (&rules, 1_800_000_000, chrono::Weekday::Mon),
                &mut found,
                &ProgressBar::hidden(),
                threads,
            ) {
                Ok(e) => e,
                Err(e) => panic!("{e:?}"),
            };
            let lines: Vec<Option<u32>> = found.diags.iter().map(|d| d.line).collect();
            (engines.len(), Engine::finish_all(engines), lines)
        };
        let (one, single, single_lines) = run(1);
        let (three, shared, shared_lines) = run(3);
        assert_eq!((one, three), (1, 3));
        assert_eq!(single, shared);
        assert_eq!(single_lines, vec![Some(52), Some(92), Some(402)]);
        assert_eq!(single_lines, shared_lines);
        // a quoted cell near the end: every reader starts again with the CSV reader
        data.extend_from_slice(
            b"c5,2026-01-05T10:00:00Z,page_view,\"/a,b\",\nc6,late,page_view,/,\n",
        );
        if let Err(e) = std::fs::write(&path, &data) {
            panic!("{e}");
        }
        let (_, single, single_lines) = run(1);
        let (_, shared, shared_lines) = run(3);
        assert_eq!(single, shared);
        assert_eq!(single_lines, vec![Some(52), Some(92), Some(402), Some(404)]);
        assert_eq!(single_lines, shared_lines);
        assert!(single.0.iter().any(|l| l.contact_id == "c5"));
    }

    proptest::proptest! {
        /// Parts cut by `row_cuts` read as CSV give the records (and line
        /// numbers) of the whole text, with quoted cells holding commas,
        /// quotes and line ends anywhere.
        #[test]
        fn contacts_parts_hold_whole_records(
            cells in proptest::collection::vec("[a\n\",]{0,4}", 0..40),
            n in 1usize..6,
        ) {
            let mut text = String::from("contact_id,title\n");
            for (i, c) in cells.iter().enumerate() {
                text.push_str(&format!("c{i},\"{}\"\n", c.replace('"', "\"\"")));
            }
            let read = |rows: &str, lines_before: u64| -> Vec<(u64, Vec<String>)> {
                let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(rows.as_bytes());
                r.records()
                    .filter_map(Result::ok)
                    .map(|rec| (rec.position().map_or(0, |p| p.line()) + lines_before, rec.iter().map(str::to_string).collect()))
                    .collect()
            };
            let body = text.find('\n').map_or(0, |i| i + 1);
            let whole = read(text.get(body..).unwrap_or(""), 1);
            let cuts = row_cuts(text.as_bytes(), body, n);
            let mut parts = Vec::new();
            for w in cuts.windows(2) {
                if let [a, b] = w {
                    let before = text.as_bytes().get(..*a).unwrap_or(&[]).iter().filter(|&&b| b == b'\n').count() as u64;
                    parts.extend(read(text.get(*a..*b).unwrap_or(""), before));
                }
            }
            proptest::prop_assert_eq!(parts, whole);
        }
    }

    #[test]
    fn blocks_hold_whole_lines_numbered_across_blocks() {
        let long = "x".repeat(50);
        let text = format!("a,1\nbb,2\r\n\n{long}\nccc,3\nlast");
        for size in [1, 3, 7, 16, 1000] {
            let (mut lines, mut numbers) = (Vec::new(), Vec::new());
            let layout = Layout {
                at: [0, 1, 2, 3, 4],
                width: 5,
            };
            let plain = blocks_of(text.as_bytes(), (layout, 2), size, 2, "a.csv", |b| {
                for (k, w) in b.starts.windows(2).enumerate() {
                    if let [from, to] = w {
                        lines.push(
                            String::from_utf8_lossy(b.bytes().get(*from..*to).unwrap_or(&[]))
                                .into_owned(),
                        );
                        numbers.push(b.first_line + k as u64);
                    }
                }
                true
            });
            assert!(matches!(plain, Ok(true)));
            assert_eq!(lines.concat(), text, "size {size}");
            assert_eq!(lines.len(), 6, "size {size}");
            assert_eq!(numbers, (2..8).collect::<Vec<u64>>(), "size {size}");
        }
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

    proptest::proptest! {
        /// Rows read straight from the line (`plain_row`) and rows read by
        /// the CSV reader and `process_row` give the same scores, weeks and
        /// diagnostics, whatever mix of clean and unusual cells they hold.
        #[test]
        fn the_fast_row_path_agrees_with_the_csv_reader(
            rows in proptest::collection::vec((0usize..6, 0usize..7, 0usize..7, 0usize..5, 0usize..7, 0usize..8), 0..60),
        ) {
            const CONTACTS: [&str; 6] = ["c1", " c1", "c2\u{a0}", "c3", "a-contact-id-longer-than-23-bytes", ""];
            const TIMES: [&str; 7] = [
                "2026-01-05T10:00:00Z", "2026-01-05 10:00:00", " 2026-01-06T10:00:00Z",
                "2026-02-30T10:00:00Z", "2026-01-05T10:00:00+01:00", "bad", "2030-01-01T00:00:00Z",
            ];
            const ACTIVITIES: [&str; 7] = ["page_view", "form_submit", "video_watch", "share", " page_view", "email_open", ""];
            const TARGETS: [&str; 5] = ["/pricing", "/", "", " /docs", "/pricing/enterprise"];
            const VALUES: [&str; 7] = ["", "90", "-1", "1e3", "abc", " 30", "nan"];
            let rules = match Rules::parse(
                "half_life_days = 30\n[[behavior]]\nactivity = \"page_view\"\npoints = 1\n[[behavior]]\nactivity = \"page_view\"\ntarget_prefix = \"/pricing\"\npoints = 10\n[[behavior]]\nactivity = \"form_submit\"\npoints = 20\n[[behavior]]\nactivity = \"video_watch\"\npoints = 2\nper = \"minute\"\n[[behavior]]\nactivity = \"share\"\npoints = 5\n",
                "r.toml",
            ) {
                Ok(r) => r,
                Err(d) => panic!("{d:?}"),
            };
            let mut data = String::new();
            for &(c, t, a, g, v, extra) in &rows {
                let pick = |list: &[&'static str], i: usize| list.get(i).copied().unwrap_or("");
                data.push_str(&[pick(&CONTACTS, c), pick(&TIMES, t), pick(&ACTIVITIES, a), pick(&TARGETS, g), pick(&VALUES, v)].join(","));
                if extra == 0 {
                    data.push_str(",more");
                }
                data.push('\n');
            }
            let run = |plain: bool| {
                let (ok, engine, found) = read_one(plain, &rules, 1_800_000_000, &data);
                let lines: Vec<(Option<u32>, Option<u32>)> =
                    found.diags.iter().map(|d| (d.line, d.column)).collect();
                (ok, Engine::finish_all(vec![engine]), lines)
            };
            proptest::prop_assert_eq!(run(true), run(false));
        }
    }
}
