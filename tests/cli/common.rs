//! Shared helpers for the CLI tests: the real `trustidx` binary with a
//! predictable environment, fixture paths, scratch folders and snapshots.
//!
//! Every command runs with `NO_COLOR=1` and without `COLUMNS`, in a fixture
//! folder, so its output depends only on its arguments and files.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use assert_cmd::assert::Assert;
use serde_json::Value;
use tempfile::TempDir;

/// A path under `tests/fixtures/`.
pub fn fixture(path: impl AsRef<Path>) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

/// `trustidx` run in `dir`, with no colour and no terminal width.
pub fn trustidx_in(dir: impl AsRef<Path>) -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("trustidx");
    cmd.current_dir(dir.as_ref())
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        .env_remove("CLICOLOR_FORCE");
    cmd
}

/// `trustidx` run in `tests/fixtures/trust-index/` (data for the default
/// preset; no template there, so pass `--preset` where it matters).
pub fn trustidx() -> Command {
    trustidx_in(fixture("trust-index"))
}

/// `trustidx SUBCOMMAND --preset trust-index`, in `tests/fixtures/trust-index/`:
/// the built-in template named explicitly, never discovered.
pub fn trust_index(subcommand: &str) -> Command {
    let mut cmd = trustidx();
    cmd.args([subcommand, "--preset", "trust-index"]);
    cmd
}

/// `trustidx` run in `tests/fixtures/custom/`, which holds a `trustidx.toml`
/// (two stages, four metrics) and its history.
pub fn custom() -> Command {
    trustidx_in(fixture("custom"))
}

/// An empty scratch folder under the target directory. No `trustidx.toml`
/// lies above it unless a test puts one there.
pub fn scratch() -> TempDir {
    tempfile::Builder::new()
        .prefix("trustidx-cli-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("create a scratch folder")
}

/// Copies the files of fixture folder `name` into `dest`.
pub fn copy_fixture(name: &str, dest: &Path) {
    for entry in fs::read_dir(fixture(name)).expect("fixture folder") {
        let path = entry.expect("fixture entry").path();
        if path.is_file() {
            let to = dest.join(path.file_name().expect("file name"));
            fs::copy(&path, to).expect("copy a fixture file");
        }
    }
}

/// The standard output of a finished run, as text.
pub fn stdout(assert: &Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).expect("stdout is UTF-8")
}

/// The standard error of a finished run, as text.
pub fn stderr(assert: &Assert) -> String {
    String::from_utf8(assert.get_output().stderr.clone()).expect("stderr is UTF-8")
}

/// The standard output of a finished run, parsed as one JSON document.
pub fn json(assert: &Assert) -> Value {
    serde_json::from_slice(&assert.get_output().stdout).expect("one JSON document on stdout")
}

/// Runs `trustidx ARGS` in fixture folder `dir` with a 200-column terminal,
/// expects success and compares stdout with `tests/snapshots/NAME.snap`.
pub fn assert_stdout_snapshot(name: &str, dir: &str, args: &[&str]) {
    let assert = trustidx_in(fixture(dir))
        .env("COLUMNS", "200")
        .args(args)
        .assert()
        .success();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_description(format!(
        "COLUMNS=200 trustidx {} (in tests/fixtures/{dir})",
        args.join(" ")
    ));
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, stdout(&assert)));
}
