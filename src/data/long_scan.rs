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
//! shared or merged and every thread counts lines itself. (Cutting the file
//! into ranges and merging the parts was tried: every thread then holds
//! every entity, and the cache misses cost more than reading twice.)
//!
//! This is a fast path for well-formed files only: on the first thing it
//! does not handle exactly like the full reader (a quote, a bad cell, a
//! duplicate, an unknown metric, another encoding...) it declines, and the
//! caller reads the file the full way, which reports every problem with
//! its location. So the two paths never disagree about what a file means.

use std::collections::BTreeMap;
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

/// What each metric keeps beyond the recent weeks.
#[derive(Debug, Clone)]
struct Shape {
    /// Weeks in the ring: the recent window.
    weeks: usize,
    metrics: usize,
    /// Values kept per metric: the earliest (`first` baselines) and the
    /// latest before the window (trailing baselines); 0 = none.
    earliest: Vec<usize>,
    before: Vec<usize>,
    /// `baseline_weeks`: the room each metric has in `earliest`/`before`.
    room: usize,
}

const EMPTY_WEEK: i32 = i32::MIN;

/// The cells one entity keeps, laid out by entity so that the rows of one
/// (entity, week), which exports write together, touch a few cache lines.
///
/// The ring holds the latest `weeks` weeks, a week in the slot of its
/// number modulo `weeks`. A week pushed out of the ring gives its values to
/// `before`, which keeps per metric the latest values below the ring; a
/// value older than its slot's week goes there directly. Together they
/// hold every cell of the recent window and the values before it that a
/// trailing baseline reads; `earliest` holds the values a `first` baseline
/// reads, whatever order the rows come in.
#[derive(Debug)]
struct Kept {
    /// Per slot: the day number of its week, or `EMPTY_WEEK`.
    days: Vec<i32>,
    /// Per slot × metric: value (NaN = n/a) and line (0 = no cell).
    values: Vec<f64>,
    lines: Vec<u32>,
    /// Per metric × room, sorted by week: the earliest values...
    earliest: Vec<Entry>,
    earliest_len: Vec<u8>,
    /// Per metric: the latest week in a full `earliest` (i32::MAX until full).
    earliest_cut: Vec<i32>,
    /// ...and the latest values below the ring.
    before: Vec<Entry>,
    before_len: Vec<u8>,
}

impl Kept {
    fn new(shape: &Shape) -> Self {
        let (k, m, room) = (shape.weeks, shape.metrics, shape.room);
        let none = Entry {
            day: EMPTY_WEEK,
            line: 0,
            value: 0.0,
        };
        let firsts = shape.earliest.iter().any(|n| *n > 0);
        let befores = shape.before.iter().any(|n| *n > 0);
        Kept {
            days: vec![EMPTY_WEEK; k],
            values: vec![0.0; k * m],
            lines: vec![0; k * m],
            earliest: if firsts {
                vec![none; m * room]
            } else {
                Vec::new()
            },
            earliest_len: if firsts { vec![0; m] } else { Vec::new() },
            earliest_cut: if firsts {
                vec![i32::MAX; m]
            } else {
                Vec::new()
            },
            before: if befores {
                vec![none; m * room]
            } else {
                Vec::new()
            },
            before_len: if befores { vec![0; m] } else { Vec::new() },
        }
    }

    /// The ring slot of the week of `day`.
    fn slot(day: i32, shape: &Shape) -> usize {
        let k = i32::try_from(shape.weeks).unwrap_or(i32::MAX);
        usize::try_from(day.div_euclid(7).rem_euclid(k)).unwrap_or(0)
    }

    /// Keeps the cell of `metric` in the week of `e.day`, whose ring slot
    /// is `slot`.
    #[inline]
    fn push(&mut self, metric: usize, slot: usize, e: Entry, shape: &Shape) {
        let m = shape.metrics;
        let held = self.days.get(slot).copied().unwrap_or(EMPTY_WEEK);
        if held != e.day {
            if held > e.day {
                // older than the ring
                if !e.value.is_nan() {
                    self.keep_before(metric, e, shape);
                    self.keep_earliest(metric, e, shape);
                }
                return;
            }
            self.evict(slot, shape);
            if let Some(d) = self.days.get_mut(slot) {
                *d = e.day;
            }
        }
        let at = slot * m + metric;
        if let (Some(v), Some(l)) = (self.values.get_mut(at), self.lines.get_mut(at)) {
            *v = e.value;
            *l = e.line;
        }
        // the cut test of keep_earliest, inline: most values fail it
        if !e.value.is_nan() && self.earliest_cut.get(metric).is_some_and(|c| e.day < *c) {
            self.keep_earliest(metric, e, shape);
        }
    }

    /// Empties a slot, its values going to `before`.
    fn evict(&mut self, slot: usize, shape: &Shape) {
        let m = shape.metrics;
        let day = self.days.get(slot).copied().unwrap_or(EMPTY_WEEK);
        for metric in 0..m {
            let at = slot * m + metric;
            let (Some(&value), Some(line)) = (self.values.get(at), self.lines.get_mut(at)) else {
                continue;
            };
            if *line == 0 {
                continue;
            }
            let e = Entry {
                day,
                line: *line,
                value,
            };
            *line = 0;
            if !value.is_nan() {
                self.keep_before(metric, e, shape);
            }
        }
    }

    fn keep_before(&mut self, metric: usize, e: Entry, shape: &Shape) {
        let n = shape.before.get(metric).copied().unwrap_or(0);
        // the latest n: drop the earliest
        keep_sorted(
            &mut self.before,
            &mut self.before_len,
            metric,
            shape.room,
            n,
            e,
            false,
        );
    }

    fn keep_earliest(&mut self, metric: usize, e: Entry, shape: &Shape) {
        // most values come after the earliest: one comparison says so
        let Some(cut) = self.earliest_cut.get_mut(metric) else {
            return;
        };
        if e.day >= *cut {
            return;
        }
        let n = shape.earliest.get(metric).copied().unwrap_or(0);
        keep_sorted(
            &mut self.earliest,
            &mut self.earliest_len,
            metric,
            shape.room,
            n,
            e,
            true,
        );
        let len = usize::from(self.earliest_len.get(metric).copied().unwrap_or(0));
        if len >= n {
            *cut = self
                .earliest
                .get(metric * shape.room + len.saturating_sub(1))
                .map_or(i32::MAX, |x| x.day);
        }
    }

    /// Every kept cell of `metric`.
    fn cells<'a>(&'a self, metric: usize, shape: &Shape) -> impl Iterator<Item = Entry> + 'a {
        let m = shape.metrics;
        let ring = self
            .days
            .iter()
            .enumerate()
            .filter_map(move |(slot, &day)| {
                let at = slot * m + metric;
                let line = *self.lines.get(at)?;
                (day != EMPTY_WEEK && line != 0).then(|| Entry {
                    day,
                    line,
                    value: self.values.get(at).copied().unwrap_or(f64::NAN),
                })
            });
        let list = move |v: &'a [Entry], len: &[u8]| -> &'a [Entry] {
            let n = usize::from(len.get(metric).copied().unwrap_or(0));
            v.get(metric * shape.room..metric * shape.room + n)
                .unwrap_or(&[])
        };
        let extra = list(&self.earliest, &self.earliest_len)
            .iter()
            .chain(list(&self.before, &self.before_len))
            .copied();
        ring.chain(extra)
    }
}

/// Keeps `e` in metric `metric`'s sorted list of at most `n` entries: the
/// `n` earliest weeks when `earliest`, else the `n` latest.
fn keep_sorted(
    all: &mut [Entry],
    lens: &mut [u8],
    metric: usize,
    room: usize,
    n: usize,
    e: Entry,
    earliest: bool,
) {
    let (Some(len), Some(list)) = (
        lens.get_mut(metric),
        all.get_mut(metric * room..metric * room + n.min(room)),
    ) else {
        return;
    };
    let used = usize::from(*len).min(list.len());
    if list.is_empty() {
        return;
    }
    if used < list.len() {
        if let Some(slot) = list.get_mut(used) {
            *slot = e;
        }
        *len += 1;
    } else {
        // full: replace the worst if e is better
        let worst = if earliest { list.len() - 1 } else { 0 };
        let better = list.get(worst).is_some_and(|w| {
            if earliest {
                e.day < w.day
            } else {
                e.day > w.day
            }
        });
        if !better {
            return;
        }
        if let Some(slot) = list.get_mut(worst) {
            *slot = e;
        }
    }
    let filled = usize::from(*len).min(list.len());
    if let Some(l) = list.get_mut(..filled) {
        // at most `room` entries, nearly sorted: insertion sort
        l.sort_by_key(|x| x.day);
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
    kept: Kept,
}

/// Why the scan stepped aside.
#[derive(Debug)]
struct Declined;

impl EntityState {
    fn new(name: Box<str>, shape: &Shape) -> Self {
        EntityState {
            name,
            base: 0,
            lines: Vec::new(),
            seen: Vec::new(),
            kept: Kept::new(shape),
        }
    }

    /// The row of the week of `day`, made if new (first seen on `line`):
    /// its index in `lines`.
    fn row(&mut self, day: i32, line: u32, words: usize) -> Result<usize, Declined> {
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
        if let Some(first) = self.lines.get_mut(week)
            && *first == 0
        {
            *first = line;
        }
        Ok(week)
    }

    /// Marks `metric` seen in row `week`; `Declined` on a duplicate.
    fn mark(&mut self, week: usize, metric: usize, words: usize) -> Result<(), Declined> {
        let word = self
            .seen
            .get_mut(week * words + metric / 64)
            .ok_or(Declined)?;
        let bit = 1u64 << (metric % 64);
        if *word & bit != 0 {
            return Err(Declined);
        }
        *word |= bit;
        Ok(())
    }

    #[cfg(test)]
    fn see(&mut self, day: i32, metric: usize, line: u32, words: usize) -> Result<(), Declined> {
        let week = self.row(day, line, words)?;
        self.mark(week, metric, words)
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
    shape: Shape,
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

    /// `f` of every entity, sorted by name, on `threads` threads. Each
    /// entity has every row but only the cells kept (a row without any
    /// has no cells); it is built as `f` asks for it and the scan's state
    /// for it dropped.
    pub fn map_entities<R, F>(self, threads: usize, f: F) -> Vec<R>
    where
        R: Send,
        F: Fn(EntityData) -> R + Sync,
    {
        let (shape, column) = (&self.shape, self.value_column);
        let size = self.entities.len().div_ceil(threads.max(1)).max(1);
        let mut chunks: Vec<Vec<EntityState>> = Vec::new();
        let mut rest = self.entities.into_iter();
        loop {
            let chunk: Vec<EntityState> = rest.by_ref().take(size).collect();
            if chunk.is_empty() {
                break;
            }
            chunks.push(chunk);
        }
        crate::parallel::map(chunks, |chunk| {
            chunk
                .into_iter()
                .map(|e| f(entity_data(e, shape, column)))
                .collect::<Vec<R>>()
        })
        .into_iter()
        .flatten()
        .collect()
    }
}

fn entity_data(e: EntityState, shape: &Shape, column: u32) -> EntityData {
    let mut rows: Vec<Option<Row>> = e
        .lines
        .iter()
        .map(|&line| {
            // cells come below, for the weeks that kept some
            (line != 0).then(|| Row {
                origin: Origin {
                    file: 0,
                    line,
                    column: 0,
                },
                cells: Vec::new(),
            })
        })
        .collect();
    for m in 0..shape.metrics {
        for x in e.kept.cells(m, shape) {
            let Ok(week) = usize::try_from((x.day - e.base) / 7) else {
                continue;
            };
            let Some(Some(row)) = rows.get_mut(week) else {
                continue;
            };
            if row.cells.is_empty() {
                row.cells = vec![None; shape.metrics];
            }
            if let Some(slot) = row.cells.get_mut(m) {
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
    let wants = |kind: BaselineKind| -> Vec<usize> {
        template
            .metrics
            .iter()
            .map(|m| {
                let fixed = m.target.is_some() || m.baseline.is_some();
                if template.scoring.baseline == kind && !fixed {
                    need
                } else {
                    0
                }
            })
            .collect()
    };
    let shape = Shape {
        weeks: options.recent_weeks,
        metrics,
        earliest: wants(BaselineKind::First),
        before: wants(BaselineKind::Trailing),
        room: need,
    };
    let threads = options.threads.max(1);
    let stop = AtomicBool::new(false);
    let ctx = PartContext {
        template,
        ranges: template
            .metrics
            .iter()
            .map(|m| value::bounds(m.unit, m.min, m.max))
            .collect(),
        layout,
        shape: &shape,
        parts: threads,
        stop: &stop,
    };
    let results = crate::parallel::map((0..threads).collect(), |part| {
        let r = open()
            .map_err(|_| Declined)
            .and_then(|src| scan_part(src, part, &ctx));
        if r.is_err() {
            // the others stop at their next buffer: the full reader takes over
            ctx.stop.store(true, Ordering::Relaxed);
        }
        r
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
        shape,
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
    /// Per metric: `value::bounds`, the values `value::check_range` accepts.
    ranges: Vec<(f64, f64)>,
    layout: Layout,
    shape: &'a Shape,
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
    /// The row index and ring slot of the current (entity, week).
    row: Option<(usize, usize)>,
    /// Metric ids may be predicted when none holds the delimiter.
    predict_metric: bool,
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
        row: None,
        predict_metric: !ctx
            .template
            .metrics
            .iter()
            .any(|m| m.id.as_bytes().contains(&ctx.layout.delimiter)),
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
        for end in memchr::memchr_iter(b'\n', block) {
            line = line.checked_add(1).ok_or(Declined)?;
            if line > 1 {
                state.line(block.get(start..end).ok_or(Declined)?, line)?;
            }
            start = end + 1;
        }
        if let Some(last) = block.get(start..).filter(|l| !l.is_empty()) {
            // the last line, without a line end
            line = line.checked_add(1).ok_or(Declined)?;
            if line > 1 {
                state.line(last, line)?;
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

/// `a == b`, without a call to `memcmp` for the short cells of a row:
/// two overlapping loads from each end cover every byte.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    fn ends<const N: usize>(s: &[u8]) -> Option<([u8; N], [u8; N])> {
        Some((*s.first_chunk::<N>()?, *s.last_chunk::<N>()?))
    }
    match a.len() {
        0..4 => a.iter().zip(b).all(|(x, y)| x == y),
        4..8 => ends::<4>(a) == ends::<4>(b),
        8..16 => ends::<8>(a) == ends::<8>(b),
        16..=32 => ends::<16>(a) == ends::<16>(b),
        _ => a == b,
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, Declined> {
    std::str::from_utf8(bytes).map_err(|_| Declined)
}

impl PartState<'_> {
    fn line(&mut self, text: &[u8], line: u32) -> Result<(), Declined> {
        let layout = self.ctx.layout;
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        // another thread's entity, as on the line before: skip it unsplit
        let known = self.last_entity.len();
        if layout.entity == 0
            && self.current.is_none()
            && known > 0
            && text.get(known) == Some(&layout.delimiter)
            && text
                .get(..known)
                .is_some_and(|e| same(e, &self.last_entity))
        {
            return Ok(());
        }
        let Some(fields) = self.split(text) else {
            // the wrong number of fields: fine only for a blank line
            return if text.iter().all(u8::is_ascii_whitespace) {
                Ok(())
            } else {
                Err(Declined)
            };
        };
        let field = |i: usize| fields.get(i).copied().unwrap_or(&[]);
        let entity = field(layout.entity);
        if !same(entity, &self.last_entity) || self.last_entity.is_empty() {
            let name = utf8(entity)?.trim();
            if name.is_empty() {
                // a line of blank fields is skipped; an unnamed row is an error
                let blank = fields
                    .iter()
                    .all(|f| utf8(f).is_ok_and(|s| s.trim().is_empty()));
                return if blank { Ok(()) } else { Err(Declined) };
            }
            self.current = (owner(name, self.ctx.parts) == self.part).then(|| self.intern(name));
            self.row = None;
            self.last_entity.clear();
            self.last_entity.extend_from_slice(entity);
        }
        let Some(id) = self.current else {
            return Ok(());
        };
        let week = field(layout.week);
        if !same(week, &self.last_week) || self.last_week.is_empty() {
            let t = self.ctx.template;
            let w = parse_week(utf8(week)?, t.week_start, t.date_format.as_deref())
                .map_err(|_| Declined)?;
            self.day = w.start().num_days_from_ce();
            self.row = None;
            self.last_week.clear();
            self.last_week.extend_from_slice(week);
        }
        let metric = self.metric(field(layout.metric))?;
        let m = self.ctx.template.metrics.get(metric).ok_or(Declined)?;
        let cell = field(layout.value);
        let mark = self.ctx.template.decimal;
        let parsed = match value::plain_cell(cell, m.unit, mark) {
            Some(v) => Ok(Parsed::Value(v)),
            None => value::parse_cell(utf8(cell)?, m.unit, mark),
        };
        let value = match parsed {
            Ok(Parsed::Empty) => None,
            Ok(Parsed::NotApplicable) => Some(f64::NAN),
            Ok(Parsed::Value(v)) => {
                let (lo, hi) = self.ctx.ranges.get(metric).copied().ok_or(Declined)?;
                if !(lo..=hi).contains(&v) {
                    return Err(Declined);
                }
                Some(v)
            }
            _ => return Err(Declined),
        };
        let (day, words, shape) = (self.day, self.words, self.ctx.shape);
        let e = self.entities.get_mut(id).ok_or(Declined)?;
        // the rows of one (entity, week) come together: find its row once
        let (week, slot) = match self.row {
            Some(r) => r,
            None => {
                let r = (e.row(day, line, words)?, Kept::slot(day, shape));
                self.row = Some(r);
                r
            }
        };
        e.mark(week, metric, words)?;
        match value {
            None => self.has_empty = true,
            Some(value) => e.kept.push(metric, slot, Entry { day, line, value }, shape),
        }
        Ok(())
    }

    /// The four fields of a line, or `None` when it has another number.
    /// A field is first tried as what it was on the line before (the
    /// entity, the week) or the metric after the last, which saves looking
    /// for its delimiter byte by byte.
    fn split<'t>(&self, text: &'t [u8]) -> Option<[&'t [u8]; 4]> {
        let layout = self.ctx.layout;
        let d = layout.delimiter;
        let mut fields: [&[u8]; 4] = [&[]; 4];
        let mut rest = text;
        for (col, field) in fields.iter_mut().enumerate() {
            if col == 3 {
                if rest.contains(&d) {
                    return None;
                }
                *field = rest;
                break;
            }
            let predicted: &[u8] = if col == layout.entity {
                &self.last_entity
            } else if col == layout.week {
                &self.last_week
            } else if col == layout.metric && self.predict_metric {
                self.ctx
                    .template
                    .metrics
                    .get(self.guess)
                    .map_or(&[], |m| m.id.as_bytes())
            } else {
                &[]
            };
            let n = predicted.len();
            let len = if n > 0
                && rest.get(n) == Some(&d)
                && rest.get(..n).is_some_and(|f| same(f, predicted))
            {
                n
            } else {
                rest.iter().position(|&b| b == d)?
            };
            *field = rest.get(..len)?;
            rest = rest.get(len + 1..)?;
        }
        Some(fields)
    }

    fn intern(&mut self, name: &str) -> usize {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.entities.len();
        self.entities
            .push(EntityState::new(name.into(), self.ctx.shape));
        self.ids.insert(name.into(), id);
        id
    }

    /// The metric a cell names: the one after the last is tried first
    /// (exports list a row's metrics in template order).
    fn metric(&mut self, name: &[u8]) -> Result<usize, Declined> {
        let metrics = &self.ctx.template.metrics;
        let guess = self.guess;
        if metrics
            .get(guess)
            .is_some_and(|m| same(m.id.as_bytes(), name))
        {
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

    fn shape(weeks: usize, earliest: usize, before: usize) -> Shape {
        Shape {
            weeks,
            metrics: 2,
            earliest: vec![earliest; 2],
            before: vec![before; 2],
            room: earliest.max(before),
        }
    }

    fn push(k: &mut Kept, e: Entry, shape: &Shape) {
        k.push(1, Kept::slot(e.day, shape), e, shape);
    }

    #[test]
    fn same_compares_every_byte() {
        let a = b"client-0001,2026-11-16,newsletter_click_rate".to_vec();
        for n in 0..a.len() {
            for i in 0..n {
                let mut b = a.clone();
                if let Some(x) = b.get_mut(i) {
                    *x ^= 1;
                }
                assert!(!same(&a[..n], &b[..n]), "{n} {i}");
            }
            assert!(same(&a[..n], &a.clone()[..n]));
        }
    }

    /// The weeks kept of metric 1, sorted.
    fn kept_weeks(k: &Kept, shape: &Shape) -> Vec<i32> {
        let mut w: Vec<i32> = k.cells(1, shape).map(|e| e.day / 7).collect();
        w.sort_unstable();
        w.dedup();
        w
    }

    #[test]
    fn the_ring_keeps_the_latest_weeks_and_the_earliest_values_in_any_order() {
        let shape = shape(3, 2, 0);
        let mut k = Kept::new(&shape);
        for w in [5, 1, 9, 3, 7, 2, 8] {
            push(&mut k, entry(w, f64::from(w)), &shape);
        }
        // the ring: 7, 8, 9; the earliest: 1, 2
        assert_eq!(kept_weeks(&k, &shape), vec![1, 2, 7, 8, 9]);
        assert_eq!(k.cells(0, &shape).count(), 0);
    }

    #[test]
    fn values_below_the_ring_stay_for_a_trailing_baseline_but_na_cells_go() {
        let shape = shape(2, 0, 2);
        let mut k = Kept::new(&shape);
        for (w, v) in [
            (1, 1.0),
            (2, 2.0),
            (3, f64::NAN),
            (4, 4.0),
            (5, 5.0),
            (6, f64::NAN),
        ] {
            push(&mut k, entry(w, v), &shape);
        }
        // the ring: 5 and 6 (n/a); before it the two latest values: 2 and 4
        assert_eq!(kept_weeks(&k, &shape), vec![2, 4, 5, 6]);
        // a late value older than the ring replaces a worse one
        push(&mut k, entry(3, 3.0), &shape);
        assert_eq!(kept_weeks(&k, &shape), vec![3, 4, 5, 6]);
    }

    #[test]
    fn a_duplicate_cell_declines() {
        let mut e = EntityState::new("a".into(), &shape(4, 0, 0));
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
