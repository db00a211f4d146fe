//! `trustidx` replaces the weekly "Trust Index" spreadsheet: it validates
//! every cell, scores each week against baselines and targets, and compares
//! periods.
//!
//! The pipeline, one module per step:
//! `template` and `data` (load) → `validate` → `score` → `period` and
//! `report` (compare) → `render` (one module per output format).
//! `commands` wire the steps together for each subcommand.

pub mod cli;
pub mod commands;
pub mod data;
pub mod derive;
pub mod diagnostic;
pub mod error;
pub mod formula;
pub mod grid;
pub mod history;
pub mod import;
pub mod input;
pub mod leads;
pub mod nps;
pub mod output;
pub mod parallel;
pub mod period;
pub mod render;
pub mod report;
pub mod score;
pub mod template;
pub mod validate;
pub mod value;
pub mod week;

pub use error::Error;

/// How a successful run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Exit 0.
    Success,
    /// Exit 1: invalid data or template; diagnostics were printed.
    Invalid,
    /// Exit 3: an alert threshold was crossed (results were printed).
    Alert,
}

impl Status {
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Invalid => 1,
            Status::Alert => 3,
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: cli::Cli) -> Result<Status, Error> {
    commands::run(cli)
}
