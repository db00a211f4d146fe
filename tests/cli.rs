//! The one integration test binary: the real `trustidx` on files in
//! `tests/fixtures/`.

#[path = "cli/common.rs"]
mod common;

#[path = "cli/commands.rs"]
mod commands;

#[path = "cli/bad_inputs.rs"]
mod bad_inputs;

#[path = "cli/scoring.rs"]
mod scoring;

#[path = "cli/properties.rs"]
mod properties;

#[path = "cli/history.rs"]
mod history;

#[path = "cli/catalogs.rs"]
mod catalogs;

#[path = "cli/charts.rs"]
mod charts;

#[path = "cli/streaming.rs"]
mod streaming;
