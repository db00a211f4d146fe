//! The command line (clap derive): commands, their flags, and the output
//! formats each accepts (SPEC §8).

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::period::{Compare, PeriodKind};

#[derive(Debug, Parser)]
#[command(
    name = "trustidx",
    version,
    about = "Score the weekly Trust Index: validate trust signals, compare periods, run from cron",
    after_help = "Examples:\n  trustidx init\n  trustidx score week.csv\n  trustidx score --period month --format json"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes, before or after its name.
#[derive(Debug, Args)]
pub struct Global {
    /// Template file (TOML, or the CSV form by its .csv extension); default: discover trustidx.toml
    #[arg(long, global = true, value_name = "PATH", conflicts_with = "preset")]
    pub template: Option<PathBuf>,
    /// Built-in preset: trust-index, inbound, social-selling, service, lead-scoring
    #[arg(long, global = true, value_name = "NAME")]
    pub preset: Option<String>,
    /// When to colour the output (NO_COLOR is respected)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Print only results and errors (no warnings or notes)
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a ready template (trustidx.toml) and an empty data file for last week
    #[command(
        after_help = "Examples:\n  trustidx init\n  trustidx init acme --preset inbound --format csv"
    )]
    Init(InitArgs),
    /// Check the template and data files and print every problem
    #[command(
        after_help = "Examples:\n  trustidx validate week.csv\n  trustidx validate --format json week.csv"
    )]
    Validate(ValidateArgs),
    /// Score the latest week (or --week/--period) against baselines and targets
    #[command(
        after_help = "Examples:\n  trustidx score week.csv\n  trustidx score --period month --compare year --format json"
    )]
    Score(ScoreArgs),
    /// The spreadsheet view: one column per period, rows for the index, stages and metrics
    #[command(
        after_help = "Examples:\n  trustidx report --period month --last 6\n  trustidx report --metrics --format csv > trust-index-weeks.csv"
    )]
    Report(ReportArgs),
    /// Draw the Trust Index, its stages or its metrics as a PNG or SVG chart
    #[command(
        after_help = "Examples:\n  trustidx chart -o trust.png\n  trustidx chart --kind metrics --metric nps --metric referrals -o signals.svg"
    )]
    Chart(ChartArgs),
    /// Weekly NPS from raw survey answers (0–10), ready for `add`
    #[command(
        after_help = "Examples:\n  trustidx nps survey.csv\n  trustidx nps survey.csv --format csv > nps.csv && trustidx add nps.csv"
    )]
    Nps(NpsArgs),
    /// Convert the old Trust Index spreadsheet (CSV or workbook) to a wide data file
    #[command(
        after_help = "Examples:\n  trustidx import trust-sheet.xlsx -o trust-index.csv\n  trustidx import sheet.csv --map \"Avg. time on site=session_duration\" --date-format %d.%m.%Y"
    )]
    Import(ImportArgs),
    /// Score leads from a CRM activity export (behaviour, fit, decay, MQLs)
    #[command(
        after_help = "Examples:\n  trustidx leads activities.csv --contacts contacts.csv --out leads.csv\n  trustidx leads activities.csv --as-of 2026-11-23 --weekly signals.csv && trustidx add signals.csv"
    )]
    Leads(LeadsArgs),
    /// Merge a data file into the template's history file (atomic, locked)
    #[command(
        after_help = "Examples:\n  trustidx add week.csv\n  trustidx add corrected.csv --replace"
    )]
    Add(AddArgs),
    /// List the template's metrics by stage, with how to measure each
    #[command(
        after_help = "Examples:\n  trustidx metrics\n  trustidx metrics --preset inbound --format csv"
    )]
    Metrics(MetricsArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to create the files in (default: the current folder)
    pub dir: Option<PathBuf>,
    /// Template form to write
    #[arg(long, value_enum, default_value_t = InitFormat::Toml)]
    pub format: InitFormat,
    /// Overwrite existing files
    #[arg(long)]
    pub force: bool,
    /// List the built-in presets and exit
    #[arg(long)]
    pub list: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitFormat {
    Toml,
    Csv,
}

/// Data files and how to read them.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Data files (CSV or TOML; - for standard input), merged with the history file
    #[arg(value_name = "FILES")]
    pub files: Vec<PathBuf>,
    /// Field delimiter of CSV files: , ; tab or | (default: detected from the header)
    #[arg(long, value_parser = parse_delimiter, value_name = "CHAR")]
    pub delimiter: Option<u8>,
    /// Fail (exit 1) on warnings too
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[arg(long, value_enum, default_value_t = ValidateFormat::Table)]
    pub format: ValidateFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
    Markdown,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// A date in the period to show (with --period week: the week start); default: the latest week
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub week: Option<NaiveDate>,
    /// Period to score
    #[arg(long, value_enum, default_value_t = PeriodKind::Week)]
    pub period: PeriodKind,
    /// Compare with the previous period, or the same period a year earlier
    #[arg(long, value_enum, default_value_t = Compare::Previous)]
    pub compare: Compare,
    /// Show only this entity
    #[arg(long, value_name = "NAME")]
    pub entity: Option<String>,
    /// No sparkline column in the table
    #[arg(long)]
    pub no_sparklines: bool,
    /// After a successful score, add the scored files to the history (as `add`)
    #[arg(long)]
    pub record: bool,
    /// Exit 3 when the Trust Index is below X
    #[arg(long, value_name = "X", value_parser = parse_threshold)]
    pub alert_below: Option<f64>,
    /// Exit 3 when the Trust Index fell by P points or more against the comparison period
    #[arg(long, value_name = "P", value_parser = parse_threshold)]
    pub alert_drop: Option<f64>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Period of each column
    #[arg(long, value_enum, default_value_t = PeriodKind::Week)]
    pub period: PeriodKind,
    /// Only the K latest periods
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..))]
    pub last: Option<u32>,
    /// Add a row per metric with its period value
    #[arg(long)]
    pub metrics: bool,
    /// Show only this entity
    #[arg(long, value_name = "NAME")]
    pub entity: Option<String>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct ChartArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Output file: .png or .svg
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// What to draw
    #[arg(long, value_enum, default_value_t = ChartKind::Index)]
    pub kind: ChartKind,
    /// With --kind metrics: only these metrics (repeatable)
    #[arg(long = "metric", value_name = "ID")]
    pub metrics: Vec<String>,
    /// Only the K latest periods
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..))]
    pub last: Option<u32>,
    /// Draw this entity
    #[arg(long, value_name = "NAME")]
    pub entity: Option<String>,
    /// Image size in pixels, WxH
    #[arg(long, value_name = "WxH", default_value = "1200x700", value_parser = parse_size)]
    pub size: (u32, u32),
    /// Period of each point
    #[arg(long, value_enum, default_value_t = PeriodKind::Week)]
    pub period: PeriodKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChartKind {
    Index,
    Stages,
    Metrics,
}

#[derive(Debug, Args)]
pub struct NpsArgs {
    /// Survey answers: a CSV with a date and a 0–10 score per answer
    pub file: PathBuf,
    /// The column with the answer's date (default: date, submitted_at, timestamp, ...)
    #[arg(long, value_name = "C")]
    pub date_column: Option<String>,
    /// The column with the 0–10 answer (default: score, nps, rating, ...)
    #[arg(long, value_name = "C")]
    pub score_column: Option<String>,
    /// The metric the weekly NPS is written to
    #[arg(long, value_name = "ID", default_value = "nps")]
    pub metric: String,
    /// How the dates are written (chrono strftime), e.g. %m/%d/%Y (default: the template's date_format)
    #[arg(long, value_name = "FORMAT")]
    pub date_format: Option<String>,
    #[arg(long, value_enum, default_value_t = NpsFormat::Table)]
    pub format: NpsFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NpsFormat {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The sheet: CSV, or a workbook (.xlsx, .xls, .ods)
    pub file: PathBuf,
    /// The workbook sheet to read (default: the first)
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Write the data file here (atomically) instead of standard output
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Map a row label to a metric id (repeatable)
    #[arg(long = "map", value_name = "LABEL=ID", value_parser = parse_map)]
    pub maps: Vec<(String, String)>,
    /// How the header's dates are written (chrono strftime), e.g. %d.%m.%Y
    #[arg(long, value_name = "FORMAT")]
    pub date_format: Option<String>,
}

fn parse_map(text: &str) -> Result<(String, String), String> {
    match text.rsplit_once('=') {
        Some((label, id)) if !label.trim().is_empty() && !id.trim().is_empty() => {
            Ok((label.trim().to_string(), id.trim().to_string()))
        }
        _ => Err(format!("{text:?} is not LABEL=ID")),
    }
}

#[derive(Debug, Args)]
pub struct LeadsArgs {
    /// Activity export: contact_id,timestamp,activity,target,value (- for standard input)
    pub activities: PathBuf,
    /// Contacts file: contact_id and one column per attribute, for fit rules
    #[arg(long, value_name = "CONTACTS.csv")]
    pub contacts: Option<PathBuf>,
    /// Rules file (default: ./scoring.toml, else the built-in example rules)
    #[arg(long, value_name = "scoring.toml")]
    pub rules: Option<PathBuf>,
    /// Score as of 00:00 UTC on this day; later activities are ignored (default: now)
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
    /// How many leads the summary lists
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
    /// Write every contact's scores to this CSV (atomically)
    #[arg(long, value_name = "leads.csv")]
    pub out: Option<PathBuf>,
    /// Write the weekly signals (week,metric,value) to this CSV, ready for `add`
    #[arg(long, value_name = "out.csv")]
    pub weekly: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = LeadsFormat::Table)]
    pub format: LeadsFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LeadsFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The data file to add (CSV or TOML; - for standard input)
    pub file: PathBuf,
    /// Overwrite history cells that hold a different value
    #[arg(long)]
    pub replace: bool,
    /// Field delimiter of the CSV file: , ; tab or | (default: detected)
    #[arg(long, value_parser = parse_delimiter, value_name = "CHAR")]
    pub delimiter: Option<u8>,
    /// Fail (exit 1) on warnings too
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{text:?} is not a date (YYYY-MM-DD)"))
}

fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let bad = || format!("{text:?} is not a size; write WxH, e.g. 1200x700 (each 200 to 8000)");
    let (w, h) = text.split_once(['x', 'X']).ok_or_else(bad)?;
    let (w, h) = (
        w.trim().parse::<u32>().map_err(|_| bad())?,
        h.trim().parse::<u32>().map_err(|_| bad())?,
    );
    if (200..=8000).contains(&w) && (200..=8000).contains(&h) {
        Ok((w, h))
    } else {
        Err(bad())
    }
}

fn parse_threshold(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("{text:?} is not a number of points (0 or more)")),
    }
}

fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "," | "comma" => Ok(b','),
        ";" | "semicolon" => Ok(b';'),
        "\t" | "\\t" | "tab" => Ok(b'\t'),
        "|" | "pipe" => Ok(b'|'),
        _ => Err(format!("{text:?} is not a delimiter; use , ; tab or |")),
    }
}
