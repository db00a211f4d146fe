//! Big long CSV files (`entity,week,metric,value`) in one streaming pass
//! with bounded memory (SPEC §10, the w2 "agency" workload).
//!
//! The full reader (`csv_reader`) keeps every cell of every week. A
//! `score` run needs far less: every row's week (gaps, coverage, the first
//! week), whether a cell was seen (duplicates), and per (entity, metric)
//! only the values a report can read: the latest `recent_weeks` weeks, the
//! earliest `baseline_weeks` values (a `first` baseline) and the
//! `baseline_weeks` values before the recent ones (a trailing baseline).
//! Memory grows with entities × metrics, not with weeks × cells.
//!
//! The file is read by several threads at once, each reading the whole
//! file but keeping only the entities that hash to it, so no state is
//! shared or merged and every thread counts lines itself.
//!
//! This is a fast path for well-formed files only: on the first thing it
//! does not handle exactly like the full reader (a quote, a bad cell, a
//! duplicate, an unknown metric, another encoding...) it declines, and the
//! caller reads the file the full way, which reports every problem with
//! its location. So the two paths never disagree about what a file means.

use std::collections::{BTreeMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault};
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Datelike, NaiveDate};
use rustc_hash::{FxHashMap, FxHasher};

use super::{Cell, CellValue, EntityData, Origin, Row};
use crate::template::{BaselineKind, Template};
use crate::value::{self, Parsed};
use crate::week::{Week, parse_week};

/// Bytes read at a time by each thread.
const CHUNK: usize = 1 << 20;
/// A line longer than this is not what an export writes: decline.
const MAX_LINE: usize = 1 << 24;
/// Weeks one entity may span (about 190 years).
const MAX_WEEKS: i64 = 10_000;

/// What the scan keeps of each series.
#[derive(Debug, Clone, Copy)]
pub struct ScanOptions {
    /// `--delimiter`, else detected from the header.
    pub delimiter: Option<u8>,
    /// Weeks back from an entity's latest week whose cells are kept
    /// (`report::weeks_needed`).
    pub recent_weeks: usize,
    /// Threads reading the file.
    pub threads: usize,
}

/// The four columns of a long file, by position.
#[derive(Debug, Clone, Copy)]
struct Layout {
    delimiter: u8,
    entity: usize,
    week: usize,
    metric: usize,
    value: usize,
}

/// A kept cell: its week (day number of the week's first day), line and
/// value (NaN = n/a; parsed values are never NaN).
#[derive(Debug, Clone, Copy)]
struct Entry {
    day: i32,
    line: u32,
    value: f64,
}

/// What is kept of one (entity, metric).
#[derive(Debug, Default)]
struct Series {
    /// The latest cells by week, oldest first.
    recent: VecDeque<Entry>,
    /// n/a entries in `recent`.
    na: usize,
    /// The earliest values by week, oldest first (`first` baselines).
    earliest: Vec<Entry>,
}

/// How much each metric's series keeps.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Entries in `recent`: the recent weeks plus a trailing baseline.
    recent: usize,
    /// The recent window in days, from the series' latest week.
    window_days: i32,
    /// Values in `earliest`.
    earliest: usize,
}

impl Series {
    fn push(&mut self, e: Entry, limits: Limits) {
        let is_na = e.value.is_nan();
        if self.recent.capacity() == 0 {
            self.recent.reserve_exact(limits.recent + 1);
        }
        match self.recent.back() {
            Some(b) if b.day > e.day => {
                let at = self.recent.partition_point(|x| x.day < e.day);
                self.recent.insert(at, e);
            }
            _ => self.recent.push_back(e),
        }
        if is_na {
            self.na += 1;
        }
        while self.recent.len() > limits.recent {
            let lo = self
                .recent
                .back()
                .map_or(i32::MIN, |b| b.day - limits.window_days);
            // an n/a outside the window is worth nothing; values before it
            // may still be a trailing baseline
            let stale = if self.na > 0 {
                self.recent
                    .iter()
                    .position(|x| x.value.is_nan() && x.day < lo)
            } else {
                None
            };
            let gone = match stale {
                Some(i) => self.recent.remove(i),
                None => self.recent.pop_front(),
            };
            if gone.is_some_and(|g| g.value.is_nan()) {
                self.na -= 1;
            }
        }
        if !is_na
            && limits.earliest > 0
            && (self.earliest.len() < limits.earliest
                || self.earliest.last().is_some_and(|l| e.day < l.day))
        {
            let at = self.earliest.partition_point(|x| x.day < e.day);
            self.earliest.insert(at, e);
            self.earliest.truncate(limits.earliest);
        }
    }
}

/// One entity as scanned.
#[derive(Debug)]
struct EntityState {
    name: Box<str>,
    /// Day number of the first week of `lines`.
    base: i32,
    /// Per week from `base`: the line it first appears on; 0 = no row.
    lines: Vec<u32>,
    /// Per week from `base`: `words` words of metrics seen (duplicates).
    seen: Vec<u64>,
    series: Vec<Series>,
}

/// Why the scan stepped aside.
#[derive(Debug)]
struct Declined;

impl EntityState {
    fn new(name: Box<str>, metrics: usize) -> Self {
        EntityState {
            name,
            base: 0,
            lines: Vec::new(),
            seen: Vec::new(),
            series: (0..metrics).map(|_| Series::default()).collect(),
        }
    }

    /// Marks `metric` seen in the week of `day`; `Declined` on a duplicate.
    fn see(&mut self, day: i32, metric: usize, line: u32, words: usize) -> Result<(), Declined> {
        if self.lines.is_empty() {
            self.base = day;
        }
        if day < self.base {
            let shift = usize::try_from((self.base - day) / 7).map_err(|_| Declined)?;
            if (self.lines.len() + shift) as i64 > MAX_WEEKS {
                return Err(Declined);
            }
            self.lines.splice(0..0, std::iter::repeat_n(0, shift));
            self.seen
                .splice(0..0, std::iter::repeat_n(0, shift * words));
            self.base = day;
        }
        let week = usize::try_from((day - self.base) / 7).map_err(|_| Declined)?;
        if week as i64 >= MAX_WEEKS {
            return Err(Declined);
        }
        if week >= self.lines.len() {
            self.lines.resize(week + 1, 0);
            self.seen.resize((week + 1) * words, 0);
        }
        let word = self
            .seen
            .get_mut(week * words + metric / 64)
            .ok_or(Declined)?;
        let bit = 1u64 << (metric % 64);
        if *word & bit != 0 {
            return Err(Declined);
        }
        *word |= bit;
        if let Some(first) = self.lines.get_mut(week)
            && *first == 0
        {
            *first = line;
        }
        Ok(())
    }

    fn has(&self, week: usize, metric: usize, words: usize) -> bool {
        self.seen
            .get(week * words + metric / 64)
            .is_some_and(|w| w & (1u64 << (metric % 64)) != 0)
    }

    fn first_day(&self) -> Option<i32> {
        let i = self.lines.iter().position(|l| *l != 0)?;
        Some(self.base + 7 * i32::try_from(i).ok()?)
    }

    fn last_day(&self) -> Option<i32> {
        let i = self.lines.iter().rposition(|l| *l != 0)?;
        Some(self.base + 7 * i32::try_from(i).ok()?)
    }
}

fn week_of(day: i32) -> Option<Week> {
    NaiveDate::from_num_days_from_ce_opt(day).map(Week::starting)
}

/// A scanned file: what `score` needs of every entity.
#[derive(Debug)]
pub struct Scanned {
    entities: Vec<EntityState>,
    metrics: usize,
    /// The value column, for cell locations.
    value_column: u32,
}

impl Scanned {
    /// The latest week with a row.
    pub fn latest_week(&self) -> Option<Week> {
        self.entities
            .iter()
            .filter_map(EntityState::last_day)
            .max()
            .and_then(week_of)
    }

    /// The earliest week with a row among the entities `keep` accepts.
    pub fn first_week(&self, keep: impl Fn(&str) -> bool) -> Option<Week> {
        self.entities
            .iter()
            .filter(|e| keep(&e.name))
            .filter_map(EntityState::first_day)
            .min()
            .and_then(week_of)
    }

    pub fn has_entity(&self, name: &str) -> bool {
        self.entities.iter().any(|e| &*e.name == name)
    }

    /// Every entity, sorted by name, with every row but only the cells
    /// kept; each is built as it is asked for and the scan's state for it
    /// dropped.
    pub fn into_entities(self) -> impl Iterator<Item = EntityData> {
        let (metrics, column) = (self.metrics, self.value_column);
        self.entities
            .into_iter()
            .map(move |e| entity_data(e, metrics, column))
    }
}

fn entity_data(e: EntityState, metrics: usize, column: u32) -> EntityData {
    let mut rows: Vec<Option<Row>> = e
        .lines
        .iter()
        .map(|&line| {
            (line != 0).then(|| Row {
                origin: Origin {
                    file: 0,
                    line,
                    column: 0,
                },
                cells: vec![None; metrics],
            })
        })
        .collect();
    for (m, s) in e.series.iter().enumerate() {
        for x in s.earliest.iter().chain(&s.recent) {
            let Ok(week) = usize::try_from((x.day - e.base) / 7) else {
                continue;
            };
            if let Some(Some(row)) = rows.get_mut(week)
                && let Some(slot) = row.cells.get_mut(m)
            {
                *slot = Some(Cell {
                    value: if x.value.is_nan() {
                        CellValue::NotApplicable
                    } else {
                        CellValue::Value(x.value)
                    },
                    origin: Origin {
                        file: 0,
                        line: x.line,
                        column,
                    },
                });
            }
        }
    }
    let base = e.base;
    let rows: BTreeMap<Week, Row> = rows
        .into_iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let day = base + 7 * i32::try_from(i).ok()?;
            Some((week_of(day)?, r?))
        })
        .collect();
    EntityData {
        name: Some(e.name.into_string()),
        rows,
    }
}

/// Scans a long CSV file; `None` when it is not one this path reads
/// exactly like the full reader (the caller then reads it the full way).
/// `open` gives a fresh reader of the whole file, once per thread.
pub fn scan<R, F>(open: F, template: &Template, options: ScanOptions) -> Option<Scanned>
where
    R: Read,
    F: Fn() -> std::io::Result<R> + Sync,
{
    let metrics = template.metrics.len();
    if metrics == 0 || options.recent_weeks == 0 {
        return None;
    }
    let layout = header(open().ok()?, options.delimiter)?;
    let need = template.scoring.baseline_weeks;
    let limits: Vec<Limits> = template
        .metrics
        .iter()
        .map(|m| {
            let fixed = m.target.is_some() || m.baseline.is_some();
            let trailing = template.scoring.baseline == BaselineKind::Trailing && !fixed;
            let first = template.scoring.baseline == BaselineKind::First && !fixed;
            Limits {
                recent: options.recent_weeks + if trailing { need } else { 0 },
                window_days: i32::try_from(7 * (options.recent_weeks - 1)).unwrap_or(i32::MAX),
                earliest: if first { need } else { 0 },
            }
        })
        .collect();
    let threads = options.threads.max(1);
    let stop = AtomicBool::new(false);
    let ctx = PartContext {
        template,
        layout,
        limits: &limits,
        parts: threads,
        stop: &stop,
    };
    let results: Vec<Result<Part, Declined>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|part| {
                let (ctx, open) = (&ctx, &open);
                s.spawn(move || {
                    let r = open()
                        .map_err(|_| Declined)
                        .and_then(|src| scan_part(src, part, ctx));
                    if r.is_err() {
                        ctx.stop.store(true, Ordering::Relaxed);
                    }
                    r
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Err(Declined)))
            .collect()
    });
    let mut entities = Vec::new();
    let mut has_empty = false;
    for r in results {
        let part = r.ok()?;
        has_empty |= part.has_empty;
        entities.extend(part.entities);
    }
    entities.sort_by(|a, b| a.name.cmp(&b.name));
    let words = metrics.div_ceil(64);
    let required: Vec<usize> = (0..metrics)
        .filter(|&m| template.metrics.get(m).is_some_and(|x| x.required))
        .collect();
    if !required.is_empty() {
        // an empty cell of a required metric is an error the full reader
        // locates; a missing one too
        if has_empty {
            return None;
        }
        for e in &entities {
            for (w, line) in e.lines.iter().enumerate() {
                if *line != 0 && required.iter().any(|&m| !e.has(w, m, words)) {
                    return None;
                }
            }
        }
    }
    Some(Scanned {
        entities,
        metrics,
        value_column: u32::try_from(layout.value + 1).unwrap_or(u32::MAX),
    })
}

/// The header line: exactly `entity`, `week`, `metric` and `value` in any
/// order (other columns are the full reader's business).
fn header(mut src: impl Read, delimiter: Option<u8>) -> Option<Layout> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut filled = 0;
    loop {
        let n = src.read(buf.get_mut(filled..)?).ok()?;
        filled += n;
        if n == 0 || buf.get(..filled)?.contains(&b'\n') || filled == buf.len() {
            break;
        }
    }
    let bytes = buf.get(..filled)?;
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if super::text::signature(bytes).is_some() {
        return None;
    }
    let end = memchr::memchr(b'\n', bytes)?;
    let line = std::str::from_utf8(bytes.get(..end)?).ok()?;
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.contains('"') {
        return None;
    }
    let delimiter = delimiter.unwrap_or_else(|| super::csv_reader::detect_delimiter(line));
    let names: Vec<String> = line
        .split(char::from(delimiter))
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    let at = |want: &str| {
        let mut hits = names.iter().enumerate().filter(|(_, n)| *n == want);
        match (hits.next(), hits.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    };
    if names.len() != 4 {
        return None;
    }
    Some(Layout {
        delimiter,
        entity: at("entity")?,
        week: at("week")?,
        metric: at("metric")?,
        value: at("value")?,
    })
}

struct PartContext<'a> {
    template: &'a Template,
    layout: Layout,
    limits: &'a [Limits],
    parts: usize,
    stop: &'a AtomicBool,
}

/// One thread's entities.
struct Part {
    entities: Vec<EntityState>,
    has_empty: bool,
}

/// The thread an entity belongs to: the same for every thread.
fn owner(name: &str, parts: usize) -> usize {
    let h = BuildHasherDefault::<FxHasher>::default().hash_one(name);
    usize::try_from(h % parts as u64).unwrap_or(0)
}

/// The state one thread carries from line to line.
struct PartState<'a> {
    ctx: &'a PartContext<'a>,
    part: usize,
    words: usize,
    entities: Vec<EntityState>,
    ids: FxHashMap<Box<str>, usize>,
    /// The last entity cell and its state (`None`: another thread's).
    last_entity: Vec<u8>,
    current: Option<usize>,
    last_week: Vec<u8>,
    day: i32,
    metric_ids: FxHashMap<Vec<u8>, usize>,
    guess: usize,
    has_empty: bool,
}

fn scan_part(mut src: impl Read, part: usize, ctx: &PartContext<'_>) -> Result<Part, Declined> {
    let mut state = PartState {
        ctx,
        part,
        words: ctx.template.metrics.len().div_ceil(64),
        entities: Vec::new(),
        ids: FxHashMap::default(),
        last_entity: Vec::new(),
        current: None,
        last_week: Vec::new(),
        day: 0,
        metric_ids: FxHashMap::default(),
        guess: 0,
        has_empty: false,
    };
    let mut buf = vec![0u8; CHUNK];
    let (mut filled, mut line, mut first) = (0usize, 0u32, true);
    loop {
        if ctx.stop.load(Ordering::Relaxed) {
            return Err(Declined);
        }
        let room = buf.get_mut(filled..).ok_or(Declined)?;
        let n = src.read(room).map_err(|_| Declined)?;
        filled += n;
        let eof = n == 0;
        let data = buf.get(..filled).ok_or(Declined)?;
        let end = if eof {
            filled
        } else {
            match memchr::memrchr(b'\n', data) {
                Some(i) => i + 1,
                None if filled < buf.len() => continue,
                None if buf.len() < MAX_LINE => {
                    buf.resize(buf.len() * 2, 0);
                    continue;
                }
                None => return Err(Declined),
            }
        };
        let mut block = data.get(..end).ok_or(Declined)?;
        if first {
            block = block.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(block);
            first = false;
        }
        // quotes and NUL bytes are the full reader's; so is anything not UTF-8
        if memchr::memchr2(b'"', 0, block).is_some()
            || (!block.is_ascii() && std::str::from_utf8(block).is_err())
        {
            return Err(Declined);
        }
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', block)
            .map(Some)
            .chain(std::iter::once(None))
        {
            let stop_at = nl.unwrap_or(block.len());
            if nl.is_none() && stop_at == start {
                break;
            }
            let text = block.get(start..stop_at).ok_or(Declined)?;
            start = stop_at + 1;
            line = line.checked_add(1).ok_or(Declined)?;
            if line > 1 {
                state.line(text.strip_suffix(b"\r").unwrap_or(text), line)?;
            }
        }
        if eof {
            break;
        }
        buf.copy_within(end..filled, 0);
        filled -= end;
    }
    Ok(Part {
        entities: state.entities,
        has_empty: state.has_empty,
    })
}

fn utf8(bytes: &[u8]) -> Result<&str, Declined> {
    std::str::from_utf8(bytes).map_err(|_| Declined)
}

impl PartState<'_> {
    fn line(&mut self, text: &[u8], line: u32) -> Result<(), Declined> {
        let layout = self.ctx.layout;
        let mut fields: [&[u8]; 4] = [&[]; 4];
        let mut rest = text;
        for (i, slot) in fields.iter_mut().enumerate() {
            if i == 3 {
                if memchr::memchr(layout.delimiter, rest).is_some() {
                    return Err(Declined);
                }
                *slot = rest;
            } else {
                let Some(at) = memchr::memchr(layout.delimiter, rest) else {
                    // too few fields: fine only for a blank line
                    return if text.iter().all(u8::is_ascii_whitespace) {
                        Ok(())
                    } else {
                        Err(Declined)
                    };
                };
                *slot = rest.get(..at).ok_or(Declined)?;
                rest = rest.get(at + 1..).ok_or(Declined)?;
            }
        }
        let field = |i: usize| fields.get(i).copied().unwrap_or(&[]);
        let entity = field(layout.entity);
        if entity != self.last_entity.as_slice() || self.last_entity.is_empty() {
            let name = utf8(entity)?.trim();
            if name.is_empty() {
                // a line of blank fields is skipped; an unnamed row is an error
                let blank = fields
                    .iter()
                    .all(|f| utf8(f).is_ok_and(|s| s.trim().is_empty()));
                return if blank { Ok(()) } else { Err(Declined) };
            }
            self.current = (owner(name, self.ctx.parts) == self.part).then(|| self.intern(name));
            self.last_entity.clear();
            self.last_entity.extend_from_slice(entity);
        }
        let Some(id) = self.current else {
            return Ok(());
        };
        let week = field(layout.week);
        if week != self.last_week.as_slice() || self.last_week.is_empty() {
            let t = self.ctx.template;
            let w = parse_week(utf8(week)?, t.week_start, t.date_format.as_deref())
                .map_err(|_| Declined)?;
            self.day = w.start().num_days_from_ce();
            self.last_week.clear();
            self.last_week.extend_from_slice(week);
        }
        let metric = self.metric(field(layout.metric))?;
        let m = self.ctx.template.metrics.get(metric).ok_or(Declined)?;
        let value = match value::parse_cell(
            utf8(field(layout.value))?,
            m.unit,
            self.ctx.template.decimal,
        ) {
            Ok(Parsed::Empty) => None,
            Ok(Parsed::NotApplicable) => Some(f64::NAN),
            Ok(Parsed::Value(v)) if value::check_range(v, m.unit, m.min, m.max).is_none() => {
                Some(v)
            }
            _ => return Err(Declined),
        };
        let (day, words) = (self.day, self.words);
        let e = self.entities.get_mut(id).ok_or(Declined)?;
        e.see(day, metric, line, words)?;
        match value {
            None => self.has_empty = true,
            Some(value) => {
                let limits = *self.ctx.limits.get(metric).ok_or(Declined)?;
                e.series
                    .get_mut(metric)
                    .ok_or(Declined)?
                    .push(Entry { day, line, value }, limits);
            }
        }
        Ok(())
    }

    fn intern(&mut self, name: &str) -> usize {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.entities.len();
        self.entities.push(EntityState::new(
            name.into(),
            self.ctx.template.metrics.len(),
        ));
        self.ids.insert(name.into(), id);
        id
    }

    /// The metric a cell names: the one after the last is tried first
    /// (exports list a row's metrics in template order).
    fn metric(&mut self, name: &[u8]) -> Result<usize, Declined> {
        let metrics = &self.ctx.template.metrics;
        let guess = self.guess;
        if metrics.get(guess).is_some_and(|m| m.id.as_bytes() == name) {
            self.guess = (guess + 1) % metrics.len();
            return Ok(guess);
        }
        let m = match self.metric_ids.get(name) {
            Some(&m) => m,
            None => {
                let m = self
                    .ctx
                    .template
                    .column_metric(utf8(name)?.trim())
                    .ok_or(Declined)?;
                self.metric_ids.insert(name.to_vec(), m);
                m
            }
        };
        self.guess = (m + 1) % metrics.len();
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(week: i32, value: f64) -> Entry {
        Entry {
            day: week * 7,
            line: u32::try_from(week).unwrap_or(0),
            value,
        }
    }

    fn weeks(v: &VecDeque<Entry>) -> Vec<i32> {
        v.iter().map(|e| e.day / 7).collect()
    }

    #[test]
    fn a_series_keeps_the_latest_weeks_and_the_earliest_values_in_any_order() {
        let limits = Limits {
            recent: 3,
            window_days: 7 * 2,
            earliest: 2,
        };
        let mut s = Series::default();
        for w in [5, 1, 9, 3, 7, 2, 8] {
            s.push(entry(w, f64::from(w)), limits);
        }
        assert_eq!(weeks(&s.recent), vec![7, 8, 9]);
        let first: Vec<i32> = s.earliest.iter().map(|e| e.day / 7).collect();
        assert_eq!(first, vec![1, 2]);
    }

    #[test]
    fn stale_na_cells_go_before_values_a_trailing_baseline_needs() {
        // window of 2 weeks plus 2 trailing values
        let limits = Limits {
            recent: 4,
            window_days: 7,
            earliest: 0,
        };
        let mut s = Series::default();
        s.push(entry(1, 1.0), limits);
        s.push(entry(2, 2.0), limits);
        s.push(entry(3, f64::NAN), limits);
        s.push(entry(4, 4.0), limits);
        s.push(entry(5, 5.0), limits);
        // week 3's n/a is outside the window (4, 5): it goes, week 2 stays
        assert_eq!(weeks(&s.recent), vec![1, 2, 4, 5]);
        assert_eq!(s.na, 0);
    }

    #[test]
    fn a_duplicate_cell_declines() {
        let mut e = EntityState::new("a".into(), 3);
        assert!(e.see(700, 1, 2, 1).is_ok());
        assert!(e.see(693, 1, 3, 1).is_ok());
        assert!(e.see(700, 2, 4, 1).is_ok());
        assert!(e.see(700, 1, 5, 1).is_err());
        assert_eq!(e.lines, vec![3, 2]);
        assert_eq!(e.first_day(), Some(693));
        assert_eq!(e.last_day(), Some(700));
    }

    #[test]
    fn only_the_four_long_columns_are_taken() {
        let l = header("Week;Entity;metric;value\n".as_bytes(), None);
        assert!(matches!(
            l,
            Some(Layout {
                delimiter: b';',
                week: 0,
                entity: 1,
                ..
            })
        ));
        assert!(header("week,metric,value\n".as_bytes(), None).is_none());
        assert!(header("entity,week,metric,value,note\n".as_bytes(), None).is_none());
        assert!(header("\"entity\",week,metric,value\n".as_bytes(), None).is_none());
    }
}
