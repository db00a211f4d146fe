//! Diagnostics: every problem found while loading or validating, with a
//! stable code, a location and a plain-words message (SPEC §5).
//!
//! The core only collects `Diagnostic`s; `render::diagnostics` prints them.

use serde::Serialize;

use crate::week::Week;

/// How bad a problem is: errors stop `score`, warnings never do (unless
/// `--deny-warnings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// The stable diagnostic codes of SPEC §5 and `bad-inputs/CODES.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    UnknownMetric,
    InvalidValue,
    OutOfRange,
    NotWeekStart,
    DuplicateWeek,
    ConflictingValue,
    SpreadsheetError,
    MissingRequired,
    RaggedRow,
    BadEncoding,
    TemplateInvalid,
    Outlier,
    LooksLikeFraction,
    WeekGap,
    FutureWeek,
    NoReference,
    FormulaNoValue,
    DerivedMismatch,
    CheckFailed,
    BadTimestamp,
    RulesInvalid,
    EmptyFile,
    NoData,
    NoHeader,
    DuplicateColumn,
    BlankColumn,
    UnterminatedQuote,
    BinaryFile,
    NotCsv,
    FormulaCycle,
    FormulaInvalid,
    UnknownColumn,
}

impl Code {
    /// The kebab-case name printed as `error[<name>]` and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::UnknownMetric => "unknown-metric",
            Code::InvalidValue => "invalid-value",
            Code::OutOfRange => "out-of-range",
            Code::NotWeekStart => "not-week-start",
            Code::DuplicateWeek => "duplicate-week",
            Code::ConflictingValue => "conflicting-value",
            Code::SpreadsheetError => "spreadsheet-error",
            Code::MissingRequired => "missing-required",
            Code::RaggedRow => "ragged-row",
            Code::BadEncoding => "bad-encoding",
            Code::TemplateInvalid => "template-invalid",
            Code::Outlier => "outlier",
            Code::LooksLikeFraction => "looks-like-fraction",
            Code::WeekGap => "week-gap",
            Code::FutureWeek => "future-week",
            Code::NoReference => "no-reference",
            Code::FormulaNoValue => "formula-no-value",
            Code::DerivedMismatch => "derived-mismatch",
            Code::CheckFailed => "check-failed",
            Code::BadTimestamp => "bad-timestamp",
            Code::RulesInvalid => "rules-invalid",
            Code::EmptyFile => "empty-file",
            Code::NoData => "no-data",
            Code::NoHeader => "no-header",
            Code::DuplicateColumn => "duplicate-column",
            Code::BlankColumn => "blank-column",
            Code::UnterminatedQuote => "unterminated-quote",
            Code::BinaryFile => "binary-file",
            Code::NotCsv => "not-csv",
            Code::FormulaCycle => "formula-cycle",
            Code::FormulaInvalid => "formula-invalid",
            Code::UnknownColumn => "unknown-column",
        }
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Where a problem is: a file, and inside it a 1-based line and column
/// (for CSV the column is the field number).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub file: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

impl Location {
    pub fn file(file: &str) -> Self {
        Location {
            file: Some(file.to_string()),
            line: None,
            column: None,
        }
    }

    pub fn at(file: &str, line: u32, column: Option<u32>) -> Self {
        Location {
            file: Some(file.to_string()),
            line: Some(line),
            column,
        }
    }

    /// `file:line:col`, `file:line` or `file`; empty when there is no file.
    pub fn display(&self) -> String {
        let mut out = self.file.clone().unwrap_or_default();
        if let Some(line) = self.line {
            out.push_str(&format!(":{line}"));
            if let Some(col) = self.column {
                out.push_str(&format!(":{col}"));
            }
        }
        out
    }
}

/// One problem, in the shape of SPEC §5 and the `diagnostics` array of §10.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// `error` or `warning`.
    pub severity: Severity,
    /// Stable kebab-case code.
    pub code: Code,
    /// What is wrong, in plain words.
    pub message: String,
    /// The file as the user gave it (or as the template names it).
    pub file: Option<String>,
    /// 1-based physical line.
    pub line: Option<u32>,
    /// 1-based column (the field number in a CSV row).
    pub column: Option<u32>,
    /// The metric concerned, when there is one.
    pub metric: Option<String>,
    /// The week concerned, when there is one.
    pub week: Option<Week>,
    /// The entity concerned, when there is one.
    pub entity: Option<String>,
    /// How to fix it, when that helps.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(code: Code, location: Location, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, location, message)
    }

    pub fn warning(code: Code, location: Location, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, location, message)
    }

    fn new(severity: Severity, code: Code, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            file: location.file,
            line: location.line,
            column: location.column,
            metric: None,
            week: None,
            entity: None,
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_metric(mut self, metric: &str) -> Self {
        self.metric = Some(metric.to_string());
        self
    }

    pub fn with_week(mut self, week: Week) -> Self {
        self.week = Some(week);
        self
    }

    pub fn with_entity(mut self, entity: Option<&str>) -> Self {
        self.entity = entity.map(str::to_string);
        self
    }

    pub fn location(&self) -> Location {
        Location {
            file: self.file.clone(),
            line: self.line,
            column: self.column,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// True when any diagnostic fails the run: an error, or a warning under
/// `--deny-warnings`.
pub fn fails(diagnostics: &[Diagnostic], deny_warnings: bool) -> bool {
    diagnostics.iter().any(|d| d.is_error() || deny_warnings)
}

/// Sorts diagnostics into reading order (file, line, column) while keeping
/// the order of problems found at the same place.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.file.is_none(), &a.file, a.line, a.column).cmp(&(
            b.file.is_none(),
            &b.file,
            b.line,
            b.column,
        ))
    });
}

/// Line starts of a text, for many `line_col` lookups in O(log n) each.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let col = self
            .text
            .get(start..offset)
            .map_or(0, |t| t.chars().count())
            + 1;
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        )
    }
}

/// The 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

/// Shortens user text quoted in a message, so a 10 MB cell never floods stderr.
pub fn excerpt(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        return text.to_string();
    }
    let head: String = text.chars().take(MAX).collect();
    format!("{head}… ({} bytes)", text.len())
}

/// A did-you-mean suggestion among `candidates`, when one is close enough:
/// a few typos (edit distance with transpositions) or a long common stem.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let allowed = (lower.chars().count() / 4).max(1);
    candidates
        .into_iter()
        .filter_map(|c| {
            let other = c.to_lowercase();
            let distance = strsim::osa_distance(&lower, &other);
            let close = distance <= allowed || strsim::jaro_winkler(&lower, &other) >= 0.9;
            close.then_some((distance, c))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_display_has_only_the_parts_it_knows() {
        assert_eq!(Location::at("a.csv", 3, Some(7)).display(), "a.csv:3:7");
        assert_eq!(Location::at("a.csv", 3, None).display(), "a.csv:3");
        assert_eq!(Location::file("a.csv").display(), "a.csv");
    }

    #[test]
    fn line_index_agrees_with_a_scan() {
        let text = "ab\ncdé\n\nxyz";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() {
            if text.is_char_boundary(offset) {
                assert_eq!(index.line_col(offset), line_col(text, offset), "{offset}");
            }
        }
    }

    #[test]
    fn did_you_mean_finds_typos_only() {
        let ids = ["direct_traffic", "nps", "session_duration"];
        assert_eq!(did_you_mean("direct_trafic", ids), Some("direct_traffic"));
        assert_eq!(did_you_mean("nsp", ids), Some("nps"));
        assert_eq!(did_you_mean("zzzzzz", ids), None);
    }

    #[test]
    fn excerpt_shortens_long_text() {
        let long = "x".repeat(10_000);
        let e = excerpt(&long);
        assert!(e.len() < 80, "{e}");
        assert_eq!(excerpt("12abc"), "12abc");
    }
}
