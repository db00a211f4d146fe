//! Adding cells to the history file without disturbing it (SPEC §8 `add`):
//! the pure part. Given the history's text and the incoming rows, it plans
//! which cells are added, replaced, unchanged or in conflict, and produces
//! the new text: wide stays wide, long stays long, untouched rows are kept
//! byte for byte, new weeks go in week order (appended when the file is
//! not sorted). `commands/add.rs` does the locking and the atomic write.

mod csv_edit;
mod toml_history;

use crate::data::{Cell, CellValue, RowRecord};
use crate::diagnostic::{Code, Diagnostic, Location};
use crate::template::{Metric, Template};
use crate::value::{DecimalMark, Unit};
use crate::week::Week;

/// Applies the incoming rows to a history's text, by its format (`.toml`
/// or CSV).
pub fn edit(
    text: &str,
    name: &str,
    t: &Template,
    inc: &Incoming<'_>,
    replace: bool,
) -> Result<(String, Summary), Vec<Diagnostic>> {
    if name.to_ascii_lowercase().ends_with(".toml") {
        toml_history::edit(text, name, t, inc, replace)
    } else {
        csv_edit::edit(text, name, t, inc, replace)
    }
}

/// What an `add` did (or would do).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Cells that were empty or absent and now have a value.
    pub added: usize,
    /// Cells whose value changed (`--replace`).
    pub replaced: usize,
    /// Cells that already held the same value.
    pub unchanged: usize,
    /// Weeks that had no row before.
    pub new_weeks: Vec<(Option<String>, Week)>,
    /// Metric columns appended to a wide header.
    pub new_columns: Vec<String>,
    /// Cells that differ, when not replacing.
    pub conflicts: Vec<Diagnostic>,
}

impl Summary {
    pub fn changed(&self) -> bool {
        self.added > 0
            || self.replaced > 0
            || !self.new_weeks.is_empty()
            || !self.new_columns.is_empty()
    }
}

/// Cells to add, from the files being added (already validated).
pub struct Incoming<'a> {
    pub rows: &'a [RowRecord],
    /// File names by `Origin::file`, for conflict messages.
    pub files: &'a [String],
    pub has_entity: bool,
}

/// A canonical value as the history stores it: the shortest plain number,
/// with the template's decimal mark, or `n/a`.
pub fn write_value(value: CellValue, mark: DecimalMark) -> String {
    match value {
        CellValue::NotApplicable => "n/a".to_string(),
        CellValue::Value(v) => {
            let s = format!("{}", if v == 0.0 { 0.0 } else { v });
            if mark == DecimalMark::Comma {
                s.replace('.', ",")
            } else {
                s
            }
        }
    }
}

/// A cell that differs from the history's: `conflicting-value` at the added
/// cell, naming the history's place (`there`) and value (`theirs`).
pub(crate) fn conflict(
    inc: &Incoming<'_>,
    cell: &Cell,
    metric: &Metric,
    week: Week,
    entity: Option<&str>,
    theirs: &str,
    there: &str,
) -> Diagnostic {
    let file = inc
        .files
        .get(usize::from(cell.origin.file))
        .map_or("", String::as_str);
    let here = Location::at(file, cell.origin.line, Some(cell.origin.column));
    let who = entity.map_or_else(String::new, |e| format!(" of {e}"));
    Diagnostic::error(
        Code::ConflictingValue,
        here.clone(),
        format!(
            "{} for week {week}{who} is {} here but {theirs} in {there}",
            metric.id,
            show(cell.value, metric.unit)
        ),
    )
    .with_metric(&metric.id)
    .with_week(week)
    .with_entity(entity)
    .with_hint(format!(
        "correct {} or {there}, or add with --replace to overwrite the history",
        here.display()
    ))
}

/// A value as messages show it, in the unit's syntax.
pub(crate) fn show(value: CellValue, unit: Unit) -> String {
    match value {
        CellValue::NotApplicable => "n/a".to_string(),
        CellValue::Value(v) => crate::value::format(v, unit),
    }
}

/// The text of a new history file for these rows, in the template's layout:
/// `[[week]]` tables for a `.toml` history, else wide CSV with every metric
/// a column; weeks in order.
pub fn create(t: &Template, name: &str, incoming: &Incoming<'_>) -> (String, Summary) {
    if name.to_ascii_lowercase().ends_with(".toml") {
        return toml_history::edit("", name, t, incoming, false).unwrap_or_default();
    }
    let empty = format!(
        "week{},{}\n",
        if incoming.has_entity { ",entity" } else { "" },
        t.metric_ids().collect::<Vec<_>>().join(",")
    );
    match csv_edit::edit(&empty, "", t, incoming, false) {
        Ok(done) => done,
        Err(_) => (empty, Summary::default()),
    }
}
