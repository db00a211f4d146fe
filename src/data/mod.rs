//! Data: values per (entity, week, metric), each with the place it came
//! from (SPEC §4). Readers turn one file into `FileRows`; `merge` combines
//! the history file and the command-line files into one `Dataset`,
//! reporting duplicates and conflicts.

pub(crate) mod csv_reader;
pub mod long_scan;
mod merge;
pub(crate) mod text;
mod toml_reader;

use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic, Location, excerpt};
use crate::template::Template;
use crate::value::{self, Parsed, ValueError};
use crate::week::Week;

pub use merge::merge;

/// Where a cell or row came from: a file of `Dataset::files`, 1-based line
/// and column (field number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub file: u16,
    pub line: u32,
    pub column: u32,
}

/// A non-empty cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellValue {
    /// A canonical number in the metric's base unit.
    Value(f64),
    /// Explicitly not applicable that week.
    NotApplicable,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    pub value: CellValue,
    pub origin: Origin,
}

/// One (entity, week): its cells in template metric order (`None` =
/// missing) and where the row first appeared.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub origin: Origin,
    pub cells: Vec<Option<Cell>>,
}

/// The weeks of one entity.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EntityData {
    /// `None` when the data has no entity column.
    pub name: Option<String>,
    pub rows: BTreeMap<Week, Row>,
}

/// Everything the commands score: every entity, sorted by name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dataset {
    /// File names as messages show them; `Origin::file` indexes this.
    pub files: Vec<String>,
    /// Whether any file had an entity column.
    pub has_entity: bool,
    pub entities: Vec<EntityData>,
}

impl Dataset {
    pub fn file_name(&self, origin: Origin) -> &str {
        self.files
            .get(usize::from(origin.file))
            .map_or("", String::as_str)
    }

    pub fn location(&self, origin: Origin) -> Location {
        Location::at(
            self.file_name(origin),
            origin.line,
            (origin.column > 0).then_some(origin.column),
        )
    }

    /// The latest week with a row in any entity.
    pub fn latest_week(&self) -> Option<Week> {
        self.entities
            .iter()
            .filter_map(|e| e.rows.keys().next_back().copied())
            .max()
    }

    /// Every entity, or only `name` (`--entity`).
    pub fn selected<'a>(
        &'a self,
        name: Option<&'a str>,
    ) -> impl Iterator<Item = &'a EntityData> + 'a {
        self.entities
            .iter()
            .filter(move |e| name.is_none_or(|n| e.name.as_deref() == Some(n)))
    }

    pub fn entity(&self, name: &str) -> Option<&EntityData> {
        self.entities
            .iter()
            .find(|e| e.name.as_deref() == Some(name))
    }
}

/// One row as a reader found it.
#[derive(Debug, Clone, PartialEq)]
pub struct RowRecord {
    pub entity: Option<String>,
    pub week: Week,
    pub origin: Origin,
    /// (metric index, cell); a missing cell is simply absent.
    pub cells: Vec<(usize, Cell)>,
}

/// What a reader got from one file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FileRows {
    pub has_entity: bool,
    pub rows: Vec<RowRecord>,
}

/// One input: its bytes, the name messages use, and its role.
pub struct Input<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
    /// The template's history file: a header alone is an empty history.
    pub is_history: bool,
}

/// Options of the readers that come from the command line.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    pub delimiter: Option<u8>,
}

/// Reads one file (CSV by default, TOML by its `.toml` extension).
pub fn read_file(
    input: &Input<'_>,
    file: u16,
    template: &Template,
    options: ReadOptions,
    diags: &mut Vec<Diagnostic>,
) -> FileRows {
    let text = match text::decode(input.bytes, input.name) {
        Ok(Some(t)) => t,
        Ok(None) if input.is_history => return FileRows::default(),
        Ok(None) => {
            diags.push(Diagnostic::error(
                Code::EmptyFile,
                Location::file(input.name),
                format!("{} is empty", input.name),
            ));
            return FileRows::default();
        }
        Err(d) => {
            diags.push(*d);
            return FileRows::default();
        }
    };
    let ctx = Context {
        name: input.name,
        file,
        template,
    };
    let rows = if input.name.to_ascii_lowercase().ends_with(".toml") {
        toml_reader::read(&text, &ctx, diags)
    } else {
        csv_reader::read(&text, &ctx, options.delimiter, diags)
    };
    if rows.rows.is_empty()
        && !input.is_history
        && !diags
            .iter()
            .any(|d| d.is_error() && d.file.as_deref() == Some(input.name))
    {
        diags.push(
            Diagnostic::error(
                Code::NoData,
                Location::file(input.name),
                format!("{} has no data rows", input.name),
            )
            .with_hint("the export may have failed; a data file needs at least one week"),
        );
    }
    rows
}

/// What the readers share: the file and the template.
pub(crate) struct Context<'a> {
    pub name: &'a str,
    pub file: u16,
    pub template: &'a Template,
}

impl Context<'_> {
    pub fn origin(&self, line: u32, column: u32) -> Origin {
        Origin {
            file: self.file,
            line,
            column,
        }
    }

    pub fn location(&self, line: u32, column: u32) -> Location {
        Location::at(self.name, line, (column > 0).then_some(column))
    }

    /// Parses one value cell of `metric`; `Ok(None)` for an empty cell.
    pub fn cell(
        &self,
        text: &str,
        metric: usize,
        origin: Origin,
        week: Option<Week>,
    ) -> Result<Option<Cell>, Box<Diagnostic>> {
        let Some(m) = self.template.metrics.get(metric) else {
            return Ok(None);
        };
        let loc = self.location(origin.line, origin.column);
        let shown = || excerpt(text.trim());
        let with_context = |d: Diagnostic| {
            let d = d.with_metric(&m.id);
            match week {
                Some(w) => d.with_week(w),
                None => d,
            }
        };
        let value = match value::parse_cell(text, m.unit, self.template.decimal) {
            Ok(Parsed::Empty) => return Ok(None),
            Ok(Parsed::NotApplicable) => CellValue::NotApplicable,
            Ok(Parsed::Value(v)) => {
                if let Some(why) = value::check_range(v, m.unit, m.min, m.max) {
                    return Err(Box::new(
                        with_context(Diagnostic::error(
                            Code::OutOfRange,
                            loc,
                            format!("{} = {} {why}", m.id, shown()),
                        ))
                        .with_hint(range_hint(m)),
                    ));
                }
                CellValue::Value(v)
            }
            Err(ValueError::Spreadsheet(e)) => {
                return Err(Box::new(with_context(Diagnostic::error(
                    Code::SpreadsheetError,
                    loc,
                    format!("{} = {e} is a spreadsheet formula error, not a value", m.id),
                ))
                .with_hint("fix the formula in the sheet and export again, or leave the cell empty (not tracked) or n/a")));
            }
            Err(ValueError::Invalid(why)) => {
                return Err(Box::new(
                    with_context(Diagnostic::error(
                        Code::InvalidValue,
                        loc,
                        format!("{} = {} is not a valid {}: {why}", m.id, shown(), m.unit),
                    ))
                    .with_hint(format!(
                        "write {}; leave it empty if not tracked, or n/a",
                        m.unit.syntax()
                    )),
                ));
            }
        };
        Ok(Some(Cell { value, origin }))
    }
}

/// The diagnostic of a refused week cell: `not-week-start` or `invalid-value`.
pub(crate) fn week_diagnostic(e: &crate::week::WeekError, text: &str, loc: Location) -> Diagnostic {
    let code = match e {
        crate::week::WeekError::NotWeekStart { .. } => Code::NotWeekStart,
        crate::week::WeekError::Invalid { .. } => Code::InvalidValue,
    };
    let d = Diagnostic::error(code, loc, e.message(text));
    match e.hint() {
        Some(h) => d.with_hint(h),
        None => d,
    }
}

impl CellValue {
    /// The same canonical value (`155` and `2m 35s` are; n/a only equals n/a).
    pub fn same(self, other: CellValue) -> bool {
        match (self, other) {
            (CellValue::Value(x), CellValue::Value(y)) => {
                x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs())
            }
            (CellValue::NotApplicable, CellValue::NotApplicable) => true,
            _ => false,
        }
    }
}

fn range_hint(m: &crate::template::Metric) -> String {
    use crate::value::Unit;
    match (m.min, m.max, m.unit) {
        (None, None, Unit::Percent) if m.id.contains("rate") => {
            "a rate is a share of a whole, so it lies in 0–100 (write 45 or 45% for 45 %)"
                .to_string()
        }
        (None, None, Unit::Percent) => "a percentage lies in 0–100".to_string(),
        (None, None, Unit::Nps) => {
            "an NPS is % promoters − % detractors, so it lies in −100..100".to_string()
        }
        (None, None, Unit::Score) => "a score lies in 0–100 unless the metric sets max".to_string(),
        (None, None, _) => format!("a {} is never negative", m.unit),
        _ => "the template sets this metric's min/max".to_string(),
    }
}
