//! `trustidx chart`: PNG or SVG charts (SPEC §8). Being built (issue 6).

use crate::Status;
use crate::cli::{ChartArgs, Global};
use crate::error::Error;

pub fn run(_g: &Global, _args: &ChartArgs) -> Result<Status, Error> {
    Err(Error::Usage("chart is not available yet".to_string()))
}
