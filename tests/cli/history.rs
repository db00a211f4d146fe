//! The history file and what builds on it (SPEC §4.4, §6 "Periods" and
//! "Comparisons", §8 `add`, `score --record`, `report`, alerts, exit codes,
//! §10 reliability and output; issue 5).
//!
//! Every test writes `trustidx.toml` (the template below, `data =
//! "history.csv"`) and its own `history.csv` into a fresh scratch folder, so
//! the expected numbers and bytes sit next to the assertions. All targets are
//! set, so a metric's weekly score is value / target × 100 (target / value ×
//! 100 for `response`, which is better lower), capped at 200.

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output, Stdio};
use std::time::{Duration, Instant};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde_json::Value;
use tempfile::TempDir;

use crate::common::{scratch, stderr, stdout, trustidx_in};

/// Exit codes of SPEC §8.
const INVALID: i32 = 1;
const IO_ERROR: i32 = 2;
const ALERT: i32 = 3;

/// Two stages, four metrics: a count (sum), a percent (mean), a duration
/// (mean, better lower) and a count rolled up with `last`. Every metric has a
/// target. `notes` columns are ignored.
const TEMPLATE: &str = r#"name = "History fixture"
data = "history.csv"
ignore_columns = ["notes"]

[[stage]]
id = "reach"

[[stage]]
id = "care"

[[metric]]
id = "visits"
stage = "reach"
unit = "count"
target = 1000

[[metric]]
id = "open_rate"
stage = "reach"
unit = "percent"
target = "50%"

[[metric]]
id = "response"
stage = "care"
unit = "duration"
better = "lower"
target = "2m"

[[metric]]
id = "subscribers"
stage = "care"
unit = "count"
aggregate = "last"
target = 400
"#;

const HEADER: &str = "week,visits,open_rate,response,subscribers\n";

/// A scratch folder holding the template and, optionally, a history.
struct Fixture {
    dir: TempDir,
}

impl Fixture {
    /// The template and no history file.
    fn empty() -> Self {
        let dir = scratch();
        fs::write(dir.path().join("trustidx.toml"), TEMPLATE).expect("write the template");
        Fixture { dir }
    }

    /// The template and `history.csv` with these bytes.
    fn new(history: impl AsRef<[u8]>) -> Self {
        let f = Fixture::empty();
        f.write("history.csv", history);
        f
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) {
        fs::write(self.path(name), bytes).expect("write a fixture file");
    }

    fn read(&self, name: &str) -> Vec<u8> {
        fs::read(self.path(name)).expect("read a file of the fixture")
    }

    fn history(&self) -> Vec<u8> {
        self.read("history.csv")
    }

    /// `trustidx` (assert_cmd) in this folder.
    fn cmd(&self) -> assert_cmd::Command {
        trustidx_in(self.dir.path())
    }

    /// `trustidx ARGS` (std) in this folder, with the environment of
    /// `common::trustidx_in`, for spawning and killing.
    fn std_cmd(&self, args: &[&str]) -> StdCommand {
        let mut cmd = StdCommand::new(env!("CARGO_BIN_EXE_trustidx"));
        cmd.current_dir(self.dir.path())
            .args(args)
            .env("NO_COLOR", "1")
            .env_remove("COLUMNS")
            .env_remove("CLICOLOR_FORCE")
            .stdin(Stdio::null());
        cmd
    }

    /// Names in the folder that look like `add`'s temporary files.
    fn temp_files(&self) -> Vec<String> {
        temp_files_in(self.dir.path())
    }
}

fn temp_files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("list the folder")
        .map(|e| {
            e.expect("folder entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.contains(".tmp"))
        .collect();
    names.sort();
    names
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn output_text(out: &Output) -> (String, String) {
    (text(&out.stdout), text(&out.stderr))
}

/// A Monday, checked.
fn monday(y: i32, m: u32, d: u32) -> NaiveDate {
    let date = NaiveDate::from_ymd_opt(y, m, d).expect("a date");
    assert_eq!(date.weekday(), Weekday::Mon, "{date} is not a Monday");
    date
}

fn plus_weeks(d: NaiveDate, weeks: usize) -> NaiveDate {
    d + Days::new(7 * weeks as u64)
}

/// A wide history of `n` consecutive weeks from `start` with steady values
/// (no outliers, no gaps, so no warnings).
fn long_history(start: NaiveDate, n: usize) -> String {
    let mut s = String::from(HEADER);
    for i in 0..n {
        s.push_str(&format!(
            "{},{},{},{},{}\n",
            plus_weeks(start, i),
            1000 + i % 50,
            40 + i % 20,
            100 + i % 30,
            400 + i
        ));
    }
    s
}

/// A simple deterministic PRNG (xorshift64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

fn approx(actual: &Value, expected: f64) -> bool {
    actual.as_f64().is_some_and(|a| (a - expected).abs() < 1e-9)
}

// ---------------------------------------------------------------------------
// add: concurrency, SIGKILL, a full disk

mod add_is_safe {
    use super::*;

    /// The week file for process `i` and the history row it must produce.
    fn week_for(i: usize) -> (NaiveDate, String, String) {
        let week = plus_weeks(monday(2026, 1, 12), i);
        let row = format!("{week},{},{},{},{}\n", 1000 + i, 40 + i, 100 + i, 400 + i);
        (week, format!("{HEADER}{row}"), row)
    }

    /// Starts 20 `add`s at once, each with its own week; returns the
    /// expected rows in week order.
    fn twenty_adds_at_once(f: &Fixture) -> String {
        let mut rows = String::new();
        let mut children = Vec::new();
        for i in 0..20 {
            let (week, file, row) = week_for(i);
            let name = format!("week-{i:02}.csv");
            f.write(&name, file);
            rows.push_str(&row);
            let child = f
                .std_cmd(&["add", &name])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn trustidx add");
            children.push((week, child));
        }
        for (week, child) in children {
            let out = child.wait_with_output().expect("wait for trustidx add");
            let (so, se) = output_text(&out);
            assert_eq!(out.status.code(), Some(0), "add of {week}: {se}");
            assert_eq!(
                so,
                format!("history.csv: added 4 cells\nnew week: {week}\n"),
                "add of {week} says what it added; stderr: {se}"
            );
        }
        rows
    }

    #[test]
    fn twenty_concurrent_adds_of_different_weeks_all_land_once() {
        let first = "2026-01-05,1000,50,120,400\n";
        let f = Fixture::new(format!("{HEADER}{first}"));

        let rows = twenty_adds_at_once(&f);

        // every intermediate file is sorted, so the result is exactly this
        let expected = format!("{HEADER}{first}{rows}");
        assert_eq!(text(&f.history()), expected);
        let history = text(&f.history());
        assert_eq!(history.matches("week,").count(), 1, "header once");
        for i in 0..20 {
            let (week, _, _) = week_for(i);
            assert_eq!(history.matches(&week.to_string()).count(), 1, "{week} once");
        }
        assert!(f.temp_files().is_empty(), "{:?}", f.temp_files());
        f.cmd().arg("validate").assert().code(0);
    }

    #[test]
    fn twenty_concurrent_adds_create_a_missing_history_once() {
        let f = Fixture::empty();

        let rows = twenty_adds_at_once(&f);

        assert_eq!(text(&f.history()), format!("{HEADER}{rows}"));
        assert!(f.temp_files().is_empty(), "{:?}", f.temp_files());
        f.cmd().arg("validate").assert().code(0);
    }

    #[derive(Debug, Default)]
    struct KillStats {
        iterations: u32,
        killed: u32,
        /// killed, history is the old file, no temporary file
        killed_old_clean: u32,
        /// killed, history is the old file, a temporary file was left
        killed_old_temp_left: u32,
        /// killed after the rename: history is the new file
        killed_new: u32,
        /// finished before the kill
        completed: u32,
        /// temporary files left behind in total
        temp_files_left: u32,
    }

    /// Kills `trustidx add` with SIGKILL at least 100 times: half the kills
    /// at a random moment of its run, half just after its temporary file
    /// appears (plus 0–300 µs). After each kill the history is byte for byte
    /// the old file or the new one.
    #[test]
    fn sigkill_at_any_moment_leaves_the_old_or_the_new_history() {
        let start = monday(1990, 1, 1);
        let weeks = 1000;
        let old = long_history(start, weeks).into_bytes();
        let next = plus_weeks(start, weeks);
        let f = Fixture::new(&old);
        f.write(
            "week.csv",
            format!("{HEADER}{next},1025,50,115,{}\n", 400 + weeks),
        );
        f.cmd().arg("validate").assert().code(0);

        // the new file, and how long a whole run takes
        let mut slowest = Duration::ZERO;
        let mut new = Vec::new();
        for _ in 0..3 {
            f.write("history.csv", &old);
            let started = Instant::now();
            let out = f.std_cmd(&["add", "week.csv"]).output().expect("run add");
            slowest = slowest.max(started.elapsed());
            assert!(out.status.success(), "{}", text(&out.stderr));
            new = f.history();
        }
        assert_ne!(new, old);
        assert!(new.starts_with(&old), "the new week goes at the end");
        f.cmd().arg("validate").assert().code(0);
        f.write("history.csv", &old);
        assert!(f.temp_files().is_empty());

        let run_us = u64::try_from(slowest.as_micros()).unwrap_or(u64::MAX);
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut stats = KillStats::default();
        let deadline = Instant::now() + Duration::from_secs(60);
        while stats.killed < 100 {
            stats.iterations += 1;
            assert!(
                stats.iterations <= 400 && Instant::now() < deadline,
                "could not kill add 100 times: {stats:?}"
            );
            let mut child = f
                .std_cmd(&["add", "week.csv"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn trustidx add");
            let temp = f.path(&format!(".history.csv.tmp-{}", child.id()));
            if stats.iterations % 2 == 0 {
                std::thread::sleep(Duration::from_micros(rng.below(run_us)));
            } else {
                // wait for the temporary file, then a little more
                let give_up = Instant::now() + Duration::from_secs(10);
                while !temp.exists()
                    && Instant::now() < give_up
                    && child.try_wait().expect("try_wait").is_none()
                {
                    std::hint::spin_loop();
                }
                let extra = Duration::from_micros(rng.below(300));
                let spin = Instant::now();
                while spin.elapsed() < extra {
                    std::hint::spin_loop();
                }
            }
            let _ = child.kill();
            let status = child.wait().expect("wait for add");
            let killed = status.signal() == Some(libc::SIGKILL);
            if !killed {
                assert!(status.success(), "add failed on its own: {status:?}");
            }

            let now = f.history();
            let is_old = now == old;
            assert!(
                is_old || now == new,
                "after iteration {} the history is neither the old nor the new file \
                 ({} bytes; old {}, new {})",
                stats.iterations,
                now.len(),
                old.len(),
                new.len()
            );
            let left = f.temp_files();
            for name in &left {
                assert!(killed, "a finished add left {name}");
                fs::remove_file(f.path(name)).expect("remove a leftover temporary file");
            }
            stats.temp_files_left += u32::try_from(left.len()).unwrap_or(u32::MAX);
            match (killed, is_old, left.is_empty()) {
                (false, _, _) => stats.completed += 1,
                (true, true, true) => stats.killed_old_clean += 1,
                (true, true, false) => stats.killed_old_temp_left += 1,
                (true, false, _) => stats.killed_new += 1,
            }
            if killed {
                stats.killed += 1;
            }
            if !is_old {
                f.write("history.csv", &old);
            }
        }
        eprintln!("sigkill loop (whole run {slowest:?}): {stats:?}");

        // the lock is not stuck and the history is whole
        let out = f.std_cmd(&["add", "week.csv"]).output().expect("run add");
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(f.history(), new);
        f.cmd().arg("validate").assert().code(0);
    }

    /// A temporary file left by a killed `add` whose process id is reused
    /// must not make a later `add` fail. `exec` keeps the shell's pid, so
    /// `$$` is the pid `add` will have.
    #[test]
    fn a_stale_temporary_file_with_the_same_pid_does_not_block_add() {
        let f = Fixture::new(format!("{HEADER}2026-01-05,1000,50,120,400\n"));
        f.write("week.csv", format!("{HEADER}2026-01-12,800,40,240,420\n"));
        let out = StdCommand::new("sh")
            .current_dir(f.dir.path())
            .env("NO_COLOR", "1")
            .args([
                "-c",
                r#"printf 'week,vis' > ".history.csv.tmp-$$"; exec "$0" add week.csv"#,
                env!("CARGO_BIN_EXE_trustidx"),
            ])
            .output()
            .expect("run sh");
        let (so, se) = output_text(&out);
        assert_eq!(out.status.code(), Some(0), "stdout: {so}\nstderr: {se}");
        assert_eq!(
            text(&f.history()),
            format!("{HEADER}2026-01-05,1000,50,120,400\n2026-01-12,800,40,240,420\n")
        );
    }

    #[test]
    fn temporary_files_of_killed_adds_are_cleaned_up_by_the_next_add() {
        let f = Fixture::new(format!("{HEADER}2026-01-05,1000,50,120,400\n"));
        f.write(".history.csv.tmp-999999", "week,vis");
        f.write(".history.csv.tmp-12", "");
        f.write("week.csv", format!("{HEADER}2026-01-12,800,40,240,420\n"));
        f.cmd().args(["add", "week.csv"]).assert().code(0);
        assert_eq!(f.temp_files(), Vec::<String>::new());
    }

    #[cfg(unix)]
    #[test]
    fn a_private_history_stays_private() {
        use std::os::unix::fs::PermissionsExt;
        let f = Fixture::new(format!("{HEADER}2026-01-05,1000,50,120,400\n"));
        let history = f.path("history.csv");
        std::fs::set_permissions(&history, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        f.write("week.csv", format!("{HEADER}2026-01-12,800,40,240,420\n"));
        f.cmd().args(["add", "week.csv"]).assert().code(0);
        let mode = std::fs::metadata(&history)
            .expect("history")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    /// `ulimit -f 8` (8 × 512 bytes) and a 20 KB history: writing the
    /// temporary file fails with EFBIG (the binary ignores SIGXFSZ).
    #[test]
    fn a_full_disk_exits_2_with_one_line_and_leaves_the_history_untouched() {
        let start = monday(2005, 1, 3);
        let weeks = 750;
        let old = long_history(start, weeks);
        assert!(old.len() > 18_000, "{} bytes", old.len());
        let f = Fixture::new(&old);
        let next = plus_weeks(start, weeks);
        f.write(
            "week.csv",
            format!("{HEADER}{next},1025,50,115,{}\n", 400 + weeks),
        );

        let out = StdCommand::new("sh")
            .current_dir(f.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("COLUMNS")
            .args([
                "-c",
                r#"ulimit -f 8; exec "$0" add week.csv"#,
                env!("CARGO_BIN_EXE_trustidx"),
            ])
            .output()
            .expect("run sh");
        let (so, se) = output_text(&out);
        assert_eq!(
            out.status.code(),
            Some(IO_ERROR),
            "stdout: {so}\nstderr: {se}"
        );
        assert_eq!(so, "", "nothing claims to have been added");
        assert_eq!(se.lines().count(), 1, "one line on stderr: {se}");
        assert!(se.starts_with("trustidx: "), "{se}");
        assert!(se.contains("history.csv"), "names the file: {se}");
        assert!(!se.contains("panicked"), "{se}");
        assert_eq!(text(&f.history()), old, "history byte-identical");
        assert!(f.temp_files().is_empty(), "{:?}", f.temp_files());

        // the same add without the limit works
        f.cmd().args(["add", "week.csv"]).assert().code(0);
        assert!(text(&f.history()).starts_with(&old));
    }
}

// ---------------------------------------------------------------------------
// add: idempotence, conflicts, --replace

mod add_merges {
    use super::*;

    const TWO_WEEKS: &str = "week,visits,open_rate,response,subscribers\n\
                             2026-01-05,1000,50,120,400\n\
                             2026-01-19,1200,40,60,440\n";

    #[test]
    fn adding_the_same_file_twice_changes_nothing_the_second_time() {
        let f = Fixture::new(TWO_WEEKS);
        f.write("week.csv", format!("{HEADER}2026-01-12,800,45,240,420\n"));

        f.cmd()
            .args(["add", "week.csv"])
            .assert()
            .code(0)
            .stdout("history.csv: added 4 cells\nnew week: 2026-01-12\n");
        let once = f.history();
        assert_eq!(
            text(&once),
            "week,visits,open_rate,response,subscribers\n\
             2026-01-05,1000,50,120,400\n\
             2026-01-12,800,45,240,420\n\
             2026-01-19,1200,40,60,440\n"
        );

        let second = f.cmd().args(["add", "week.csv"]).assert().code(0);
        assert_eq!(
            stdout(&second),
            "history.csv: nothing to add; 4 cells are already there\n"
        );
        assert_eq!(f.history(), once, "second add changes no byte");
        assert!(f.temp_files().is_empty());
    }

    #[test]
    fn the_same_value_in_another_syntax_is_not_a_change() {
        let f = Fixture::new(TWO_WEEKS);
        f.write(
            "same.csv",
            "week,visits,open_rate,response,subscribers\n2026-01-05,\"1,000\",50%,2m,400\n",
        );
        let a = f.cmd().args(["add", "same.csv"]).assert().code(0);
        assert!(stdout(&a).contains("nothing to add"), "{}", stdout(&a));
        assert_eq!(text(&f.history()), TWO_WEEKS);
    }

    #[test]
    fn a_conflicting_cell_exits_1_names_both_places_and_writes_nothing() {
        let f = Fixture::new(TWO_WEEKS);
        f.write("fix.csv", "week,visits\n2026-01-19,1300\n");

        let a = f.cmd().args(["add", "fix.csv"]).assert().code(INVALID);
        let err = stderr(&a);
        assert!(err.contains("conflicting-value"), "{err}");
        assert!(err.contains("fix.csv:2:2"), "names the added cell: {err}");
        assert!(
            err.contains("history.csv:3"),
            "names the history row: {err}"
        );
        assert_eq!(stdout(&a), "");
        assert_eq!(text(&f.history()), TWO_WEEKS, "file unchanged");
        assert!(f.temp_files().is_empty());
    }

    #[test]
    fn replace_overwrites_the_cell_and_keeps_every_other_byte() {
        let history = "week,visits,open_rate,response,subscribers\n\
                       2026-01-05,\"1,000\",50 %,2m,400\n\
                       2026-01-19,1200,40,60,440\n";
        let f = Fixture::new(history);
        f.write("fix.csv", "week,visits\n2026-01-19,1300\n");

        f.cmd()
            .args(["add", "fix.csv", "--replace"])
            .assert()
            .code(0)
            .stdout("history.csv: added 0 cells, replaced 1\n");
        assert_eq!(
            text(&f.history()),
            "week,visits,open_rate,response,subscribers\n\
             2026-01-05,\"1,000\",50 %,2m,400\n\
             2026-01-19,1300,40,60,440\n"
        );
    }

    #[test]
    fn replace_with_nothing_different_is_a_no_op() {
        let f = Fixture::new(TWO_WEEKS);
        f.write("same.csv", "week,visits\n2026-01-19,1200\n");
        f.cmd()
            .args(["add", "same.csv", "--replace"])
            .assert()
            .code(0)
            .stdout("history.csv: nothing to add; 1 cell is already there\n");
        assert_eq!(text(&f.history()), TWO_WEEKS);
    }

    #[test]
    fn filling_an_empty_cell_is_an_addition() {
        let f = Fixture::new(
            "week,visits,open_rate,response,subscribers\n\
             2026-01-05,1000,,120,400\n\
             2026-01-12,800,45,240,420\n",
        );
        f.write("fill.csv", "week,visits,open_rate\n2026-01-05,1000,48\n");
        f.cmd()
            .args(["add", "fill.csv"])
            .assert()
            .code(0)
            .stdout("history.csv: added 1 cell, 1 unchanged\n");
        assert_eq!(
            text(&f.history()),
            "week,visits,open_rate,response,subscribers\n\
             2026-01-05,1000,48,120,400\n\
             2026-01-12,800,45,240,420\n"
        );
    }

    #[test]
    fn not_applicable_against_a_number_is_a_conflict_both_ways() {
        let history = "week,visits,open_rate,response,subscribers\n\
                       2026-01-05,1000,n/a,120,400\n";
        let f = Fixture::new(history);
        f.write("number.csv", "week,open_rate\n2026-01-05,45\n");
        f.write("na.csv", "week,visits\n2026-01-05,N/A\n");

        for file in ["number.csv", "na.csv"] {
            let a = f.cmd().args(["add", file]).assert().code(INVALID);
            let err = stderr(&a);
            assert!(err.contains("conflicting-value"), "{file}: {err}");
            assert!(err.contains(&format!("{file}:2:2")), "{err}");
            assert!(err.contains("history.csv:2"), "{err}");
            assert_eq!(text(&f.history()), history, "{file}: file unchanged");
        }
        // the same n/a again is fine
        f.write("na-again.csv", "week,open_rate\n2026-01-05,na\n");
        f.cmd().args(["add", "na-again.csv"]).assert().code(0);
        assert_eq!(text(&f.history()), history);
    }

    #[test]
    fn a_template_without_data_is_a_usage_error() {
        let dir = scratch();
        fs::write(
            dir.path().join("trustidx.toml"),
            TEMPLATE.replace("data = \"history.csv\"\n", ""),
        )
        .unwrap();
        fs::write(
            dir.path().join("week.csv"),
            "week,visits\n2026-01-05,1000\n",
        )
        .unwrap();
        let a = trustidx_in(dir.path())
            .args(["add", "week.csv"])
            .assert()
            .code(IO_ERROR);
        assert!(stderr(&a).contains("data = "), "{}", stderr(&a));
    }
}

// ---------------------------------------------------------------------------
// add: the history keeps its layout

mod add_keeps_layout {
    use super::*;

    const BOM: &str = "\u{feff}";

    /// BOM, a quoted count, an ignored `notes` column with a quoted comma,
    /// an empty cell, sorted weeks with a hole at 2026-01-12.
    fn spreadsheet_history(eol: &str) -> String {
        format!(
            "{BOM}week,visits,notes,open_rate{eol}\
             2026-01-05,\"1,234\",hello there,50{eol}\
             2026-01-19,1200,\"a, b\",{eol}"
        )
    }

    #[test]
    fn new_week_goes_in_week_order_and_other_rows_keep_their_bytes() {
        let f = Fixture::new(spreadsheet_history("\n"));
        f.write("week.csv", "week,visits,open_rate\n2026-01-12,800,45\n");
        f.cmd()
            .args(["add", "week.csv"])
            .assert()
            .code(0)
            .stdout("history.csv: added 2 cells\nnew week: 2026-01-12\n");
        assert_eq!(
            text(&f.history()),
            format!(
                "{BOM}week,visits,notes,open_rate\n\
                 2026-01-05,\"1,234\",hello there,50\n\
                 2026-01-12,800,,45\n\
                 2026-01-19,1200,\"a, b\",\n"
            )
        );
        f.cmd().arg("validate").assert().code(0);
    }

    #[test]
    fn crlf_history_keeps_crlf_and_its_rows_byte_for_byte() {
        let f = Fixture::new(spreadsheet_history("\r\n"));
        f.write("week.csv", "week,visits,open_rate\n2026-01-12,800,45\n");
        f.cmd().args(["add", "week.csv"]).assert().code(0);
        assert_eq!(
            text(&f.history()),
            format!(
                "{BOM}week,visits,notes,open_rate\r\n\
                 2026-01-05,\"1,234\",hello there,50\r\n\
                 2026-01-12,800,,45\r\n\
                 2026-01-19,1200,\"a, b\",\r\n"
            )
        );
    }

    #[test]
    fn crlf_history_gets_a_new_column_without_blank_lines() {
        let f = Fixture::new(spreadsheet_history("\r\n"));
        f.write("week.csv", "week,response\n2026-01-26,240\n");
        f.cmd().args(["add", "week.csv"]).assert().code(0);
        assert_eq!(
            text(&f.history()),
            format!(
                "{BOM}week,visits,notes,open_rate,response\r\n\
                 2026-01-05,\"1,234\",hello there,50,\r\n\
                 2026-01-19,1200,\"a, b\",,\r\n\
                 2026-01-26,,,,240\r\n"
            )
        );
    }

    #[test]
    fn a_metric_missing_from_the_header_becomes_a_new_last_column() {
        let f = Fixture::new(spreadsheet_history("\n"));
        f.write(
            "week.csv",
            "week,visits,open_rate,response\n2026-01-26,900,41,2m 30s\n",
        );
        f.cmd()
            .args(["add", "week.csv"])
            .assert()
            .code(0)
            .stdout("history.csv: added 3 cells\nnew week: 2026-01-26\nnew column: response\n");
        assert_eq!(
            text(&f.history()),
            format!(
                "{BOM}week,visits,notes,open_rate,response\n\
                 2026-01-05,\"1,234\",hello there,50,\n\
                 2026-01-19,1200,\"a, b\",,\n\
                 2026-01-26,900,,41,150\n"
            )
        );
        f.cmd().arg("validate").assert().code(0);
    }

    #[test]
    fn an_unsorted_history_gets_the_new_week_at_the_end() {
        let history = "week,visits,open_rate,response,subscribers\n\
                       2026-01-19,1200,40,60,440\n\
                       2026-01-05,1000,50,120,400\n";
        let f = Fixture::new(history);
        f.write("week.csv", format!("{HEADER}2026-01-12,800,45,240,420\n"));
        f.cmd().args(["add", "week.csv"]).assert().code(0);
        assert_eq!(
            text(&f.history()),
            format!("{history}2026-01-12,800,45,240,420\n")
        );
    }

    #[test]
    fn a_long_history_stays_long_with_the_new_rows_in_week_order() {
        let history = "week,metric,value\n\
                       2026-01-05,visits,1000\n\
                       2026-01-05,open_rate,50\n\
                       2026-01-19,visits,1200\n";
        let f = Fixture::new(history);
        f.write(
            "week.csv",
            "week,visits,open_rate,response\n2026-01-12,800,45,240\n",
        );
        f.cmd()
            .args(["add", "week.csv"])
            .assert()
            .code(0)
            .stdout("history.csv: added 3 cells\nnew week: 2026-01-12\n");
        assert_eq!(
            text(&f.history()),
            "week,metric,value\n\
             2026-01-05,visits,1000\n\
             2026-01-05,open_rate,50\n\
             2026-01-12,visits,800\n\
             2026-01-12,open_rate,45\n\
             2026-01-12,response,240\n\
             2026-01-19,visits,1200\n"
        );
        f.cmd().arg("validate").assert().code(0);
    }

    #[test]
    fn a_symlinked_history_is_written_through_and_stays_a_link() {
        let f = Fixture::empty();
        fs::create_dir(f.path("data")).unwrap();
        let history = format!("{HEADER}2026-01-05,1000,50,120,400\n");
        f.write("data/real.csv", &history);
        std::os::unix::fs::symlink("data/real.csv", f.path("history.csv")).unwrap();
        f.write("week.csv", format!("{HEADER}2026-01-12,800,45,240,420\n"));

        f.cmd().args(["add", "week.csv"]).assert().code(0);

        let meta = fs::symlink_metadata(f.path("history.csv")).unwrap();
        assert!(meta.file_type().is_symlink(), "history.csv is still a link");
        assert_eq!(
            fs::read_link(f.path("history.csv")).unwrap(),
            Path::new("data/real.csv")
        );
        assert_eq!(
            text(&f.read("data/real.csv")),
            format!("{history}2026-01-12,800,45,240,420\n")
        );
        assert!(f.temp_files().is_empty(), "{:?}", f.temp_files());
        assert!(temp_files_in(&f.path("data")).is_empty());
    }
}

// ---------------------------------------------------------------------------
// score --record and alerts

/// Two weeks: 2026-01-05 scores 100 everywhere; 2026-01-12 scores reach
/// (80 + 80) / 2 = 80, care (120/240 → 50, 420/400 → 105) = 77.5, index
/// 78.75.
const ALERT_HISTORY: &str = "week,visits,open_rate,response,subscribers\n\
                             2026-01-05,1000,50,2m,400\n\
                             2026-01-12,800,40,4m,420\n";

/// 2026-01-19 up: reach (90 + 90) / 2 = 90, care (120/150 → 80, 360/400 →
/// 90) = 85, index 87.5, change +8.75.
const UP_WEEK: &str = "week,visits,open_rate,response,subscribers\n\
                       2026-01-19,900,45,2m 30s,360\n";

/// 2026-01-19 down: reach (60 + 70) / 2 = 65, care (50 + 75) / 2 = 62.5,
/// index 63.75, change −15.
const DOWN_WEEK: &str = "week,visits,open_rate,response,subscribers\n\
                         2026-01-19,600,35,4m,300\n";

fn alert_fixture() -> Fixture {
    let f = Fixture::new(ALERT_HISTORY);
    f.write("up.csv", UP_WEEK);
    f.write("down.csv", DOWN_WEEK);
    f
}

fn score_json(f: &Fixture, args: &[&str]) -> (i32, Value, String) {
    let out = f
        .std_cmd(&[&["score", "--format", "json"][..], args].concat())
        .output()
        .expect("run score");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "one JSON document on stdout ({e}):\n{}\nstderr: {}",
            text(&out.stdout),
            text(&out.stderr)
        )
    });
    (
        out.status.code().expect("exit code"),
        doc,
        text(&out.stderr),
    )
}

mod record {
    use super::*;

    const RECORDED: &str = "week,visits,open_rate,response,subscribers\n\
                            2026-01-05,1000,50,2m,400\n\
                            2026-01-12,800,40,4m,420\n\
                            2026-01-19,900,45,150,360\n";

    #[test]
    fn record_adds_the_scored_week() {
        let f = alert_fixture();
        let a = f
            .cmd()
            .args(["score", "up.csv", "--record"])
            .assert()
            .code(0);
        assert!(stdout(&a).contains("Trust Index 87.5"), "{}", stdout(&a));
        assert!(
            !stdout(&a).contains("added"),
            "the add summary is not on stdout"
        );
        assert!(
            stderr(&a).contains("history.csv: added 4 cells"),
            "{}",
            stderr(&a)
        );
        assert_eq!(text(&f.history()), RECORDED);

        // recording again changes nothing
        f.cmd()
            .args(["score", "up.csv", "--record"])
            .assert()
            .code(0);
        assert_eq!(text(&f.history()), RECORDED);
    }

    #[test]
    fn record_still_writes_when_the_alert_fires() {
        let f = alert_fixture();
        let a = f
            .cmd()
            .args(["score", "up.csv", "--record", "--alert-below", "90"])
            .assert()
            .code(ALERT);
        assert!(stdout(&a).contains("Trust Index 87.5"), "printed first");
        assert_eq!(text(&f.history()), RECORDED);
    }

    #[test]
    fn record_with_json_prints_exactly_one_document() {
        let f = alert_fixture();
        let (code, doc, err) = score_json(&f, &["up.csv", "--record"]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(doc["week"], "2026-01-19");
        assert!(approx(&doc["entities"][0]["index"]["score"], 87.5), "{doc}");
        assert!(err.contains("history.csv: added 4 cells"), "{err}");
        assert_eq!(text(&f.history()), RECORDED);
    }

    #[test]
    fn refused_score_records_nothing() {
        let f = alert_fixture();
        f.write("bad.csv", "week,visits,open_rate\n2026-01-19,900,145\n");
        f.write("conflict.csv", "week,visits\n2026-01-12,801\n");
        for file in ["bad.csv", "conflict.csv"] {
            f.cmd()
                .args(["score", file, "--record"])
                .assert()
                .code(INVALID)
                .stdout("");
            assert_eq!(text(&f.history()), ALERT_HISTORY, "{file}");
        }
    }
}

mod alerts {
    use super::*;

    fn index_of(doc: &Value) -> (f64, Option<f64>) {
        let index = &doc["entities"][0]["index"];
        (
            index["score"].as_f64().expect("an index"),
            index["change"].as_f64(),
        )
    }

    fn code_of(f: &Fixture, args: &[&str]) -> i32 {
        let out = f
            .std_cmd(&[&["score"][..], args].concat())
            .output()
            .expect("run score");
        out.status.code().expect("exit code")
    }

    #[test]
    fn alert_below_fires_exactly_when_the_index_is_below_x() {
        let f = alert_fixture();
        let (code, doc, _) = score_json(&f, &["up.csv"]);
        assert_eq!(code, 0);
        let (index, _) = index_of(&doc);
        assert!(
            (index - 87.5).abs() < 1e-9,
            "index by hand is 87.5: {index}"
        );
        assert_eq!(doc["alerts"], Value::Array(vec![]), "no alert asked");

        let exact = format!("{index}");
        assert_eq!(
            code_of(&f, &["up.csv", "--alert-below", &exact]),
            0,
            "not below itself"
        );
        assert_eq!(code_of(&f, &["up.csv", "--alert-below", "87.49"]), 0);
        assert_eq!(code_of(&f, &["up.csv", "--alert-below", "87.51"]), ALERT);
        assert_eq!(code_of(&f, &["up.csv", "--alert-below", "100"]), ALERT);
    }

    #[test]
    fn alert_below_prints_the_results_then_exits_3() {
        let f = alert_fixture();
        let a = f
            .cmd()
            .args(["score", "up.csv", "--alert-below", "87.51"])
            .assert()
            .code(ALERT);
        assert!(stdout(&a).contains("Trust Index 87.5"), "{}", stdout(&a));
        let err = stderr(&a);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("87.5") && err.contains("87.51"), "{err}");
    }

    #[test]
    fn alert_drop_fires_exactly_when_the_change_is_at_most_minus_p() {
        let f = alert_fixture();
        let (_, doc, _) = score_json(&f, &["down.csv"]);
        let (index, change) = index_of(&doc);
        assert!(
            (index - 63.75).abs() < 1e-9,
            "index by hand is 63.75: {index}"
        );
        let change = change.expect("a change");
        assert!(
            (change + 15.0).abs() < 1e-9,
            "change by hand is -15: {change}"
        );

        let exact = format!("{}", -change);
        assert_eq!(
            code_of(&f, &["down.csv", "--alert-drop", &exact]),
            ALERT,
            "a drop of exactly P"
        );
        assert_eq!(code_of(&f, &["down.csv", "--alert-drop", "14.99"]), ALERT);
        assert_eq!(code_of(&f, &["down.csv", "--alert-drop", "15.01"]), 0);
        // a rise never fires a drop alert
        assert_eq!(code_of(&f, &["up.csv", "--alert-drop", "1"]), 0);
        assert_eq!(code_of(&f, &["up.csv", "--alert-drop", "0.5"]), 0);
    }

    #[test]
    fn alert_drop_without_a_previous_week_does_not_fire() {
        let f = Fixture::new(format!("{HEADER}2026-01-05,100,5,20m,40\n"));
        let (code, doc, _) = score_json(&f, &["--alert-drop", "1"]);
        assert_eq!(code, 0, "{doc}");
        assert_eq!(doc["alerts"], Value::Array(vec![]));
    }

    #[test]
    fn json_carries_the_alerts() {
        let f = alert_fixture();
        let (code, doc, err) = score_json(
            &f,
            &["down.csv", "--alert-below", "70", "--alert-drop", "10"],
        );
        assert_eq!(code, ALERT, "{err}");
        let mut alerts = doc["alerts"].as_array().expect("alerts array").clone();
        assert_eq!(alerts.len(), 2, "{doc}");
        alerts.sort_by_key(|a| a["kind"].as_str().unwrap_or_default().to_string());
        assert_eq!(alerts[0]["entity"], Value::Null);
        assert_eq!(alerts[0]["kind"], "below");
        assert!(approx(&alerts[0]["threshold"], 70.0), "{}", alerts[0]);
        assert!(approx(&alerts[0]["value"], 63.75), "{}", alerts[0]);
        assert_eq!(alerts[1]["entity"], Value::Null);
        assert_eq!(alerts[1]["kind"], "drop");
        assert!(approx(&alerts[1]["threshold"], 10.0), "{}", alerts[1]);
        assert!(approx(&alerts[1]["value"], -15.0), "{}", alerts[1]);

        // below fires, drop does not
        let (code, doc, _) = score_json(
            &f,
            &["down.csv", "--alert-below", "70", "--alert-drop", "20"],
        );
        assert_eq!(code, ALERT);
        let alerts = doc["alerts"].as_array().expect("alerts array");
        assert_eq!(alerts.len(), 1, "{doc}");
        assert_eq!(alerts[0]["kind"], "below");

        // nothing crossed: an empty array
        let (code, doc, _) = score_json(
            &f,
            &["down.csv", "--alert-below", "60", "--alert-drop", "20"],
        );
        assert_eq!(code, 0);
        assert_eq!(doc["alerts"], Value::Array(vec![]));
    }

    /// acme rises to 105 (reach 110, care 100), beta falls to 57.5 (reach
    /// 65, care 50).
    fn entities_fixture() -> Fixture {
        let f = Fixture::new(
            "entity,week,metric,value\n\
             acme,2026-01-05,visits,1000\n\
             acme,2026-01-05,open_rate,50\n\
             acme,2026-01-05,response,120\n\
             beta,2026-01-05,visits,1000\n\
             beta,2026-01-05,open_rate,50\n\
             beta,2026-01-05,response,120\n",
        );
        f.write(
            "week.csv",
            "entity,week,metric,value\n\
             acme,2026-01-12,visits,1100\n\
             acme,2026-01-12,open_rate,55\n\
             acme,2026-01-12,response,120\n\
             beta,2026-01-12,visits,600\n\
             beta,2026-01-12,open_rate,35\n\
             beta,2026-01-12,response,240\n",
        );
        f
    }

    #[test]
    fn one_entity_crossing_fires_and_is_named() {
        let f = entities_fixture();
        let a = f
            .cmd()
            .args(["score", "week.csv", "--alert-below", "80"])
            .assert()
            .code(ALERT);
        let err = stderr(&a);
        assert!(err.contains("beta"), "names the entity: {err}");
        assert!(!err.contains("acme"), "only the entity that crossed: {err}");

        let (code, doc, _) = score_json(&f, &["week.csv", "--alert-below", "80"]);
        assert_eq!(code, ALERT);
        let alerts = doc["alerts"].as_array().expect("alerts");
        assert_eq!(alerts.len(), 1, "{doc}");
        assert_eq!(alerts[0]["entity"], "beta");
        assert_eq!(alerts[0]["kind"], "below");
        assert!(approx(&alerts[0]["value"], 57.5), "{}", alerts[0]);

        let (code, doc, _) = score_json(&f, &["week.csv", "--alert-drop", "40"]);
        assert_eq!(code, ALERT);
        let alerts = doc["alerts"].as_array().expect("alerts");
        assert_eq!(alerts.len(), 1, "{doc}");
        assert_eq!(alerts[0]["entity"], "beta");
        assert!(approx(&alerts[0]["value"], -42.5), "{}", alerts[0]);

        assert_eq!(code_of(&f, &["week.csv", "--alert-below", "57.4"]), 0);
        assert_eq!(code_of(&f, &["week.csv", "--alert-drop", "42.6"]), 0);
        // both entities below
        let a = f
            .cmd()
            .args(["score", "week.csv", "--alert-below", "110"])
            .assert()
            .code(ALERT);
        let err = stderr(&a);
        assert!(err.contains("beta") && err.contains("acme"), "{err}");
    }
}

// ---------------------------------------------------------------------------
// report

/// Weekly scores by hand (index = mean of the two stages):
/// - 01-05: reach 100, care 100 → 100
/// - 01-12: reach (80 + 80) / 2 = 80, care (50 + 105) / 2 = 77.5 → 78.75
/// - 01-19: reach 120 (open rate only), care 110 (subscribers only) → 115
/// - 02-02: reach (120 + 90) / 2 = 105, care (200 + 112.5) / 2 = 156.25 → 130.625
/// - 02-09: reach 90 (open rate n/a), care 120/180 → 66.67 → 78.33
/// - 02-16: a row of empty cells, no index
/// - no row in March
/// - 04-06: reach 100, care (80 + 95) / 2 = 87.5 → 93.75
///
/// Months (means of the weekly scores): January index 97.92, reach 100,
/// care 95.83; February index 104.48, reach 97.5, care 111.46; April 93.75,
/// 100, 87.5. Values: visits sums 1800, 2100, 1000; open rate means 50, 45,
/// 50; response means 180 s, 120 s, 150 s; subscribers last 440, 450, 380.
const REPORT_HISTORY: &str = "week,visits,open_rate,response,subscribers\n\
                              2026-01-05,1000,50,2m,400\n\
                              2026-01-12,800,40%,4m,420\n\
                              2026-01-19,,60,,440\n\
                              2026-02-02,1200,45,1m,450\n\
                              2026-02-09,900,n/a,3m,\n\
                              2026-02-16,,,,\n\
                              2026-04-06,1000,50,2m 30s,380\n";

fn report(f: &Fixture, args: &[&str]) -> String {
    let out = f
        .std_cmd(&[&["report", "-q"][..], args].concat())
        .output()
        .expect("run report");
    let (so, se) = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "report {args:?}: {se}");
    so
}

mod report_grid {
    use super::*;

    #[test]
    fn months_as_csv_match_the_period_means_by_hand() {
        let f = Fixture::new(REPORT_HISTORY);
        assert_eq!(
            report(&f, &["--period", "month", "--format", "csv"]),
            "row,2026-01,2026-02,2026-03,2026-04\n\
             index,97.92,104.48,,93.75\n\
             change,,6.56,,\n\
             stage:reach,100.00,97.50,,100.00\n\
             stage:care,95.83,111.46,,87.50\n"
        );
    }

    #[test]
    fn metrics_rows_carry_the_period_values() {
        let f = Fixture::new(REPORT_HISTORY);
        assert_eq!(
            report(&f, &["--period", "month", "--format", "csv", "--metrics"]),
            "row,2026-01,2026-02,2026-03,2026-04\n\
             index,97.92,104.48,,93.75\n\
             change,,6.56,,\n\
             stage:reach,100.00,97.50,,100.00\n\
             stage:care,95.83,111.46,,87.50\n\
             metric:visits,1800.00,2100.00,,1000.00\n\
             metric:open_rate,50.00,45.00,,50.00\n\
             metric:response,180.00,120.00,,150.00\n\
             metric:subscribers,440.00,450.00,,380.00\n"
        );
    }

    #[test]
    fn weeks_as_csv() {
        let f = Fixture::new(
            "week,visits,open_rate,response,subscribers\n\
             2026-01-05,1000,50,2m,400\n\
             2026-01-12,800,40%,4m,420\n\
             2026-01-19,,60,,440\n\
             2026-01-26,,,,\n\
             2026-02-02,1200,45,1m,460\n",
        );
        // 02-02: care (200 + 460/400 → 115) / 2 = 157.5, index 131.25
        assert_eq!(
            report(&f, &["--format", "csv"]),
            "row,2026-01-05,2026-01-12,2026-01-19,2026-01-26,2026-02-02\n\
             index,100.00,78.75,115.00,,131.25\n\
             change,,-21.25,36.25,,\n\
             stage:reach,100.00,80.00,120.00,,105.00\n\
             stage:care,100.00,77.50,110.00,,157.50\n"
        );
    }

    #[test]
    fn quarters_and_years() {
        let f = Fixture::new(REPORT_HISTORY);
        // Q1: mean of the five weekly indexes; Q2: 93.75
        let q1 = (100.0 + 78.75 + 115.0 + 130.625 + (90.0 + 200.0 / 3.0) / 2.0) / 5.0;
        let got = report(&f, &["--period", "quarter", "--format", "csv"]);
        let index_line = got.lines().nth(1).expect("index row");
        assert_eq!(got.lines().next(), Some("row,2026-Q1,2026-Q2"), "{got}");
        assert_eq!(index_line, format!("index,{q1:.2},93.75"), "{got}");
        let got = report(&f, &["--period", "year", "--format", "csv"]);
        assert_eq!(got.lines().next(), Some("row,2026"), "{got}");
        let all = (5.0 * q1 + 93.75) / 6.0;
        assert_eq!(got.lines().nth(1), Some(format!("index,{all:.2}").as_str()));
    }

    #[test]
    fn last_k_keeps_the_latest_periods() {
        let f = Fixture::new(REPORT_HISTORY);
        assert_eq!(
            report(&f, &["--period", "month", "--format", "csv", "--last", "2"]),
            "row,2026-03,2026-04\n\
             index,,93.75\n\
             change,,\n\
             stage:reach,,100.00\n\
             stage:care,,87.50\n"
        );
        assert_eq!(
            report(
                &f,
                &[
                    "--period",
                    "month",
                    "--format",
                    "csv",
                    "--last",
                    "1",
                    "--metrics"
                ]
            ),
            "row,2026-04\n\
             index,93.75\n\
             change,\n\
             stage:reach,100.00\n\
             stage:care,87.50\n\
             metric:visits,1000.00\n\
             metric:open_rate,50.00\n\
             metric:response,150.00\n\
             metric:subscribers,380.00\n"
        );
    }

    /// acme: January 110 (reach 120 and 100), February 90. beta: 80, then
    /// 110. corp: January 100, nothing in February. Ranked by February:
    /// beta, acme, then corp (no index last).
    const ENTITIES: &str = "entity,week,metric,value\n\
                            acme,2026-01-05,visits,1200\n\
                            acme,2026-01-05,open_rate,50\n\
                            acme,2026-02-02,visits,900\n\
                            beta,2026-01-05,visits,800\n\
                            beta,2026-02-02,visits,1100\n\
                            corp,2026-01-05,visits,1000\n";

    #[test]
    fn several_entities_give_one_index_row_each_ranked_by_the_latest_period() {
        let f = Fixture::new(ENTITIES);
        assert_eq!(
            report(&f, &["--period", "month", "--format", "csv"]),
            "row,2026-01,2026-02\n\
             entity:beta,80.00,110.00\n\
             entity:acme,110.00,90.00\n\
             entity:corp,100.00,\n"
        );
        assert_eq!(
            report(
                &f,
                &["--period", "month", "--format", "csv", "--entity", "acme"]
            ),
            "row,2026-01,2026-02\n\
             index,110.00,90.00\n\
             change,,-20.00\n\
             stage:reach,110.00,90.00\n\
             stage:care,,\n"
        );
    }

    #[test]
    fn json_parses_and_matches_the_csv() {
        let f = Fixture::new(REPORT_HISTORY);
        let out = report(&f, &["--period", "month", "--format", "json", "--metrics"]);
        let doc: Value = serde_json::from_str(&out).expect("one JSON document");
        assert_eq!(
            doc["columns"],
            serde_json::json!(["2026-01", "2026-02", "2026-03", "2026-04"])
        );
        let rows = doc["rows"].as_array().expect("rows");
        let keys: Vec<&str> = rows.iter().map(|r| r["row"].as_str().unwrap()).collect();
        assert_eq!(
            keys,
            [
                "index",
                "change",
                "stage:reach",
                "stage:care",
                "metric:visits",
                "metric:open_rate",
                "metric:response",
                "metric:subscribers"
            ]
        );
        let index = &rows[0]["values"];
        assert!(approx(&index[0], (100.0 + 78.75 + 115.0) / 3.0), "{index}");
        assert!(approx(
            &index[1],
            (130.625 + (90.0 + 200.0 / 3.0) / 2.0) / 2.0
        ));
        assert_eq!(index[2], Value::Null);
        assert!(approx(&index[3], 93.75));
        assert_eq!(
            rows[1]["values"][0],
            Value::Null,
            "no change in the first column"
        );
        assert!(approx(&rows[7]["values"][1], 450.0), "subscribers: last");
    }

    fn table_at(f: &Fixture, columns: &str, args: &[&str]) -> String {
        let out = f
            .std_cmd(&[&["report", "-q"][..], args].concat())
            .env("COLUMNS", columns)
            .output()
            .expect("run report");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    }

    /// Week labels in the header line of a table, left to right.
    fn labels(line: &str) -> Vec<String> {
        line.split_whitespace()
            .filter(|w| w.len() == 10 && w.as_bytes()[4] == b'-')
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn table_at_40_columns_drops_the_oldest_columns() {
        let f = Fixture::new(REPORT_HISTORY);
        let all: Vec<String> = report(&f, &["--format", "csv"])
            .lines()
            .next()
            .unwrap()
            .split(',')
            .skip(1)
            .map(str::to_string)
            .collect();
        assert_eq!(all.len(), 14, "2026-01-05 to 2026-04-06");

        let out = table_at(&f, "40", &["--metrics"]);
        let header = out
            .lines()
            .find(|l| l.contains("2026-04-06"))
            .unwrap_or_else(|| panic!("the latest week is shown:\n{out}"));
        let shown = labels(header);
        assert!(!shown.is_empty() && shown.len() < all.len(), "{out}");
        assert_eq!(
            shown,
            all[all.len() - shown.len()..],
            "the newest columns, in order:\n{out}"
        );
        // the grid itself (everything below the title) fits
        for line in out.lines().skip(1) {
            assert!(
                line.chars().count() <= 40,
                "{} chars: {line:?}\n{out}",
                line.chars().count()
            );
        }
        for row in [
            "Trust Index",
            "change",
            "reach",
            "care",
            "visits",
            "subscribers",
        ] {
            assert!(out.contains(row), "row {row}:\n{out}");
        }
    }

    #[test]
    fn table_at_40_columns_never_has_a_line_wider_than_40() {
        let f = Fixture::new(REPORT_HISTORY);
        for args in [&["--metrics"][..], &["--period", "month"], &[]] {
            let out = table_at(&f, "40", args);
            for line in out.lines() {
                assert!(
                    line.chars().count() <= 40,
                    "report {args:?}: {} chars: {line:?}\n{out}",
                    line.chars().count()
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// output in pipes and on a full device

mod pipes {
    use super::*;

    /// A report far bigger than a pipe's buffer.
    fn big_report_fixture() -> Fixture {
        Fixture::new(long_history(monday(1990, 1, 1), 1800))
    }

    fn read_one_line_then_close(f: &Fixture, args: &[&str]) {
        let mut child = f
            .std_cmd(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn report");
        let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        reader.read_line(&mut first).expect("read one line");
        assert!(
            first.starts_with("row,1990-01-01,") || first.starts_with('{'),
            "{first:.80}"
        );
        drop(reader);
        let out = child.wait_with_output().expect("wait for report");
        let err = text(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(err, "", "no error text when the reader goes away");
        assert_eq!(out.status.code(), Some(0), "{:?}: {err}", out.status);
    }

    #[test]
    fn report_csv_into_head_1_ends_quietly() {
        let f = big_report_fixture();
        read_one_line_then_close(&f, &["report", "--format", "csv", "--metrics"]);
    }

    #[test]
    fn report_json_into_head_1_ends_quietly() {
        let f = big_report_fixture();
        read_one_line_then_close(&f, &["report", "--format", "json", "--metrics"]);
    }

    #[test]
    fn shell_pipe_into_head_1_ends_quietly() {
        let f = big_report_fixture();
        let out = StdCommand::new("sh")
            .current_dir(f.dir.path())
            .env("NO_COLOR", "1")
            .args([
                "-c",
                r#"{ "$0" report --format csv --metrics; echo "$?" >code.txt; } 2>err.txt | head -1"#,
                env!("CARGO_BIN_EXE_trustidx"),
            ])
            .output()
            .expect("run sh");
        assert!(text(&out.stdout).starts_with("row,1990-01-01,"));
        assert_eq!(text(&f.read("code.txt")), "0\n", "exit code of trustidx");
        assert_eq!(text(&f.read("err.txt")), "", "nothing on stderr");
    }

    fn to_dev_full(f: &Fixture, args: &[&str]) {
        let full = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("open /dev/full");
        let out = f
            .std_cmd(args)
            .stdout(Stdio::from(full))
            .stderr(Stdio::piped())
            .output()
            .expect("run trustidx");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(IO_ERROR), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.starts_with("trustidx: "), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }

    #[test]
    fn writing_to_dev_full_exits_2_with_one_line() {
        let f = Fixture::new(REPORT_HISTORY);
        to_dev_full(&f, &["report", "-q"]);
        to_dev_full(&f, &["report", "-q", "--format", "csv", "--metrics"]);
        to_dev_full(&f, &["report", "-q", "--format", "json"]);
        to_dev_full(&f, &["score", "-q"]);
        to_dev_full(&f, &["score", "-q", "--format", "json"]);
        let big = big_report_fixture();
        to_dev_full(&big, &["report", "--format", "csv", "--metrics"]);
    }
}
