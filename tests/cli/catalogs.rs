//! Metric catalogs (issue 7; SPEC §3, §7, §8 `nps` and `import`): the
//! `inbound`, `social-selling` and `service` presets from `init` to `score`
//! on `examples/P.csv`, derived metrics (CAC, formula operators, cycles),
//! funnel checks, NPS from raw survey answers and import of the old sheet.
//!
//! Fixtures in `tests/fixtures/catalogs/`:
//! - `cac.csv`: six weeks of acquisition spend and customers for the
//!   `service` preset; CAC is 10, 11, 9, 12 (baseline 10.5), then 100 / 14 in
//!   2026-11-02, then a week with no new customer;
//! - `cac-supplied.csv`: the same with a `cac` column, off by 0.45 % (fine)
//!   and by 1.1 % (`derived-mismatch`, line 4);
//! - `formulas.toml` / `formulas.csv`: inputs `a`, `b`, `c` and one derived
//!   metric per operator rule; in the second week `b - c` is 0;
//! - `cycle.toml`: spend_share → cost_per_lead → lead_value → spend_share;
//! - `unknown-id.toml`: a formula naming `sesions` (line 22);
//! - `funnel.csv`: inbound counts with more leads than sessions on line 4,
//!   no sessions on line 5 and `n/a` on line 6; `funnel-error.toml` makes
//!   that check an error and adds a default-severity check failing on line 6;
//! - `ssi.csv`: two sellers' SSI and pillars, off by 1.2 points on line 4;
//! - `nps-answers.csv`: 50 answers in the week of 2026-11-16 (25 promoters,
//!   15 passives, 10 detractors) and 4 in the next week;
//!   `nps-1-10.csv`: a 1–10 survey export with its own column names;
//!   `nps-bad.csv`: an answer 11 on line 4;
//! - `sheet.csv`: the old layout (labels down, weeks across, section and
//!   blank rows, `5,604`, `24.1%`, `n/a`) for the `inbound` preset, and
//!   `sheet-wide.csv`, the same numbers as canonical wide CSV.

use std::fs;
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

use crate::common::{fixture, json, scratch, stderr, stdout, trustidx_in};

/// Exit codes of SPEC §8.
const INVALID: i32 = 1;
const USAGE: i32 = 2;

/// The last week of every `examples/P.csv`.
const LAST_EXAMPLE_WEEK: &str = "2026-11-16";

/// `trustidx` run in `tests/fixtures/catalogs/`.
fn catalogs() -> assert_cmd::Command {
    trustidx_in(fixture("catalogs"))
}

/// `validate --preset P FILE --format json` in the fixtures, which must succeed.
fn validate_json(preset: &str, file: &str) -> serde_json::Value {
    json(
        &catalogs()
            .args(["validate", "--preset", preset, file, "--format", "json"])
            .assert()
            .success(),
    )
}

/// `examples/NAME.csv` of the repository.
fn example(preset: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(format!("{preset}.csv"))
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// The metric `id` of entity number `entity` in a `score --format json`
/// document.
fn metric<'a>(doc: &'a Value, entity: usize, id: &str) -> &'a Value {
    doc["entities"][entity]["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .flat_map(|s| s["metrics"].as_array().expect("metrics"))
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("no metric {id} in {doc:#}"))
}

/// The diagnostics of a JSON document with the given code.
fn diagnostics<'a>(doc: &'a Value, code: &str) -> Vec<&'a Value> {
    doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == code)
        .collect()
}

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

fn assert_close(actual: &Value, expected: f64) {
    let x = number(actual);
    assert!((x - expected).abs() < 1e-9, "{x} is not {expected} (±1e-9)");
}

/// Two runs printed the same result (stdout only: stderr names the files).
fn same_stdout(a: &assert_cmd::assert::Assert, b: &assert_cmd::assert::Assert) {
    assert_eq!(stdout(a), stdout(b));
}

mod presets {
    use chrono::{Datelike, Days, NaiveDate, Utc};

    use super::*;

    /// The Monday of the week before the one containing today (UTC).
    fn last_complete_week() -> NaiveDate {
        let today = Utc::now().date_naive();
        let back = u64::from(today.weekday().num_days_from_monday()) + 7;
        today - Days::new(back)
    }

    /// The metric ids of a preset in template order, from `metrics --format json`.
    fn metric_ids(preset: &str) -> Vec<String> {
        let dir = scratch();
        let doc = json(
            &trustidx_in(dir.path())
                .args(["metrics", "--preset", preset, "--format", "json"])
                .assert()
                .success(),
        );
        assert!(
            fs::read_dir(dir.path()).unwrap().next().is_none(),
            "metrics writes nothing"
        );
        doc["stages"]
            .as_array()
            .expect("stages")
            .iter()
            .flat_map(|s| s["metrics"].as_array().expect("metrics"))
            .map(|m| m["id"].as_str().expect("id").to_string())
            .collect()
    }

    /// `init --preset PRESET` in an empty folder: checks the two files and
    /// returns the folder.
    fn init(preset: &str, name: &str, checks: usize) -> tempfile::TempDir {
        let dir = scratch();
        let before = last_complete_week();
        trustidx_in(dir.path())
            .args(["init", "--preset", preset])
            .assert()
            .success()
            .stdout(contains("trustidx.toml").and(contains("trust-index.csv")));
        let after = last_complete_week();

        let mut written: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        written.sort();
        assert_eq!(written, ["trust-index.csv", "trustidx.toml"]);

        let ids = metric_ids(preset);
        let template = fs::read_to_string(dir.path().join("trustidx.toml")).unwrap();
        assert!(
            template.contains(&format!("name = \"{name}\"")),
            "{template}"
        );
        assert!(
            template.contains("data = \"trust-index.csv\""),
            "{template}"
        );
        for id in &ids {
            assert!(
                template.contains(&format!("id = \"{id}\"")),
                "{id} missing from\n{template}"
            );
        }
        assert_eq!(
            template.matches("how = ").count(),
            ids.len(),
            "every metric says how to measure it"
        );
        assert_eq!(
            template.matches("[[check]]").count(),
            checks,
            "{preset}'s funnel checks"
        );

        let data = fs::read_to_string(dir.path().join("trust-index.csv")).unwrap();
        let lines: Vec<&str> = data.lines().collect();
        assert_eq!(lines.len(), 2, "a header and one row:\n{data}");
        let mut header = vec!["week".to_string()];
        header.extend(ids);
        assert_eq!(lines[0], header.join(","));
        let row: Vec<&str> = lines[1].split(',').collect();
        assert_eq!(row.len(), header.len(), "{data}");
        let week = NaiveDate::parse_from_str(row[0], "%Y-%m-%d").expect("a week date");
        assert!(week == before || week == after, "{week} is not {before}");
        assert!(row[1..].iter().all(|cell| cell.is_empty()), "{data}");
        dir
    }

    /// In the folder `init` made: `validate` and `score` on the example.
    /// The `init` row (last week, empty) is the latest week, so `score`
    /// names the example's last week.
    fn validate_and_score(dir: &Path, preset: &str) -> Value {
        let ex = example(preset);
        trustidx_in(dir)
            .args(["validate", path_str(&ex)])
            .assert()
            .success()
            .stderr(contains("error[").not());
        let doc = json(
            &trustidx_in(dir)
                .args(["score", path_str(&ex), "--week", LAST_EXAMPLE_WEEK])
                .args(["--format", "json"])
                .assert()
                .success(),
        );
        assert_eq!(doc["week"], LAST_EXAMPLE_WEEK);
        doc
    }

    /// `score --format csv` of the example in `dir` (the template `init`
    /// wrote) is the same as with `--preset`.
    fn template_scores_like_the_preset(dir: &Path, preset: &str, extra: &[&str]) {
        let ex = example(preset);
        let args = |cmd: &mut assert_cmd::Command| {
            cmd.args(["score", path_str(&ex), "--week", LAST_EXAMPLE_WEEK])
                .args(["--format", "csv"])
                .args(extra);
        };
        let mut written = trustidx_in(dir);
        args(&mut written);
        let other = scratch();
        let mut built_in = trustidx_in(other.path());
        built_in.args(["--preset", preset]);
        args(&mut built_in);
        same_stdout(&written.assert().success(), &built_in.assert().success());
    }

    #[test]
    fn init_list_shows_the_five_presets() {
        let dir = scratch();
        let out = stdout(
            &trustidx_in(dir.path())
                .args(["init", "--list"])
                .assert()
                .success(),
        );
        let names: Vec<&str> = out
            .lines()
            .map(|l| l.split_whitespace().next().unwrap_or(""))
            .collect();
        assert_eq!(
            names,
            [
                "trust-index",
                "inbound",
                "social-selling",
                "service",
                "lead-scoring"
            ],
            "{out}"
        );
        for line in out.lines() {
            assert!(
                line.split_whitespace().count() > 2,
                "a one-line description: {line:?}"
            );
        }
        assert!(
            fs::read_dir(dir.path()).unwrap().next().is_none(),
            "--list writes nothing"
        );
    }

    #[test]
    fn inbound_from_init_to_score() {
        let dir = init("inbound", "Inbound", 3);
        let doc = validate_and_score(dir.path(), "inbound");
        let index = &doc["entities"][0]["index"];
        assert!(number(&index["score"]) > 0.0, "{index}");
        assert_eq!(index["coverage"], 1.0, "every metric of the example scores");

        // the rates are left out of the example and computed
        let value = |id| number(&metric(&doc, 0, id)["value"]);
        assert!(
            (value("visitor_to_lead_rate") - value("leads") / value("sessions") * 100.0).abs()
                < 1e-9
        );
        assert!(
            (value("sql_conversion_rate")
                - value("sales_qualified_leads") / value("quality_leads") * 100.0)
                .abs()
                < 1e-9
        );
        template_scores_like_the_preset(dir.path(), "inbound", &[]);
    }

    #[test]
    fn social_selling_from_init_to_score() {
        let dir = init("social-selling", "Social selling", 1);
        let doc = validate_and_score(dir.path(), "social-selling");
        let sellers: Vec<&Value> = doc["entities"]
            .as_array()
            .expect("entities")
            .iter()
            .filter(|e| !e["entity"].is_null())
            .collect();
        assert_eq!(sellers.len(), 4, "{doc:#}");
        for seller in sellers {
            assert!(number(&seller["index"]["score"]) > 0.0, "{seller}");
        }
        template_scores_like_the_preset(
            dir.path(),
            "social-selling",
            &["--entity", "amara.okafor"],
        );
    }

    #[test]
    fn service_from_init_to_score() {
        let dir = init("service", "Service", 0);
        let doc = validate_and_score(dir.path(), "service");
        let index = &doc["entities"][0]["index"];
        assert!(number(&index["score"]) > 0.0, "{index}");
        assert_eq!(index["coverage"], 1.0, "every metric of the example scores");

        let value = |id| number(&metric(&doc, 0, id)["value"]);
        assert!(
            (value("cac") - value("acquisition_spend") / value("customers_acquired")).abs() < 1e-9
        );
        template_scores_like_the_preset(dir.path(), "service", &[]);
    }

    /// The examples are clean data: no error and no warning for their
    /// preset (no outlier, no failed check, no derived mismatch), 26 weeks
    /// ending with the week of 2026-11-16.
    #[test]
    fn examples_validate_without_a_diagnostic() {
        for preset in ["inbound", "social-selling", "service"] {
            let ex = example(preset);
            let doc = json(
                &catalogs()
                    .args(["validate", "--preset", preset, path_str(&ex)])
                    .args(["--format", "json"])
                    .assert()
                    .success(),
            );
            assert_eq!(doc["diagnostics"], serde_json::json!([]), "{preset}");

            let text = fs::read_to_string(&ex).unwrap();
            assert!(!text.contains('\r'), "{preset}: LF line endings");
            let weeks: std::collections::BTreeSet<&str> = text
                .lines()
                .skip(1)
                .map(|l| l.split(',').next().unwrap())
                .collect();
            assert_eq!(weeks.len(), 26, "{preset}");
            assert_eq!(weeks.last(), Some(&LAST_EXAMPLE_WEEK), "{preset}");
            assert_eq!(weeks.first(), Some(&"2026-05-25"), "{preset}");
        }
    }

    #[test]
    fn social_selling_score_is_a_seller_leaderboard() {
        let ex = example("social-selling");
        let out = stdout(
            &catalogs()
                .args(["score", "--preset", "social-selling", path_str(&ex)])
                .assert()
                .success(),
        );
        let ranked: Vec<Vec<&str>> = out
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|w| w.first().is_some_and(|n| n.parse::<u32>().is_ok()))
            .collect();
        assert_eq!(ranked.len(), 4, "{out}");
        let mut names: Vec<&str> = ranked.iter().map(|w| w[1]).collect();
        for (rank, words) in ranked.iter().enumerate() {
            assert_eq!(words[0], (rank + 1).to_string(), "{out}");
        }

        // the same order as the CSV summary, sorted by index descending
        let summary = stdout(
            &catalogs()
                .args(["score", "--preset", "social-selling", path_str(&ex)])
                .args(["--format", "csv"])
                .assert()
                .success(),
        );
        let rows: Vec<Vec<&str>> = summary
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        assert_eq!(rows.iter().map(|r| r[0]).collect::<Vec<_>>(), names);
        let indexes: Vec<f64> = rows.iter().map(|r| r[1].parse().unwrap()).collect();
        assert!(indexes.windows(2).all(|w| w[0] >= w[1]), "{summary}");

        names.sort_unstable();
        assert_eq!(
            names,
            ["amara.okafor", "ben.hartmann", "carla.mendes", "daniel.kim"]
        );
    }

    #[test]
    fn social_selling_init_folder_ranks_only_the_sellers() {
        let dir = init("social-selling", "Social selling", 1);
        let ex = example("social-selling");
        let summary = stdout(
            &trustidx_in(dir.path())
                .args(["score", path_str(&ex), "--week", LAST_EXAMPLE_WEEK])
                .args(["--format", "csv"])
                .assert()
                .success(),
        );
        assert_eq!(summary.lines().count(), 1 + 4, "{summary}");
    }
}

mod cac {
    use super::*;

    fn score(args: &[&str]) -> Value {
        json(
            &catalogs()
                .args(["score", "--preset", "service"])
                .args(args)
                .args(["--format", "json"])
                .assert()
                .success(),
        )
    }

    /// The seed's Biglytics figure: 100 spent, 14 customers → CAC 7.14,
    /// below its baseline (median of 10, 11, 9, 12 = 10.5), so above 100.
    #[test]
    fn spend_100_and_14_customers_is_a_cac_of_7_14_scored_lower_better() {
        let doc = score(&["cac.csv", "--week", "2026-11-02"]);
        let cac = metric(&doc, 0, "cac");
        assert_close(&cac["value"], 100.0 / 14.0);
        assert_eq!(format!("{:.2}", number(&cac["value"])), "7.14");
        assert_eq!(cac["unit"], "currency");
        assert_eq!(cac["status"], "scored");
        assert_eq!(cac["reference_kind"], "baseline");
        assert_close(&cac["reference"], 10.5);
        // lower is better: 100 × reference / value
        assert_close(&cac["score"], 100.0 * 10.5 / (100.0 / 14.0));
        assert!(number(&cac["score"]) > 100.0);
        assert_close(&cac["previous"], 100.0 * 10.5 / 12.0);

        let csv = stdout(
            &catalogs()
                .args(["score", "--preset", "service", "cac.csv"])
                .args(["--week", "2026-11-02", "--format", "csv"])
                .assert()
                .success(),
        );
        assert!(
            csv.lines()
                .any(|l| l == ",grow,cac,7.14,10.50,baseline,147.00,87.50,59.50,scored"),
            "{csv}"
        );
    }

    #[test]
    fn a_week_without_new_customers_has_no_cac() {
        let doc = score(&["cac.csv"]);
        assert_eq!(doc["week"], "2026-11-09");
        let cac = metric(&doc, 0, "cac");
        assert_eq!(cac["status"], "not_applicable");
        assert_eq!(cac["value"], Value::Null);
        assert_eq!(cac["score"], Value::Null);
        assert!(
            diagnostics(&doc, "formula-no-value").is_empty(),
            "no warning for a week without customers: {doc:#}"
        );
    }

    #[test]
    fn a_supplied_cac_off_by_more_than_half_a_percent_is_a_warning() {
        let doc = validate_json("service", "cac-supplied.csv");
        let found = diagnostics(&doc, "derived-mismatch");
        assert_eq!(found.len(), 1, "11.05 vs 11 is within 0.5 %: {doc:#}");
        let d = found[0];
        assert_eq!(d["severity"], "warning");
        assert_eq!(d["line"], 4);
        assert_eq!(d["column"], 4);
        assert_eq!(d["metric"], "cac");
        assert_eq!(d["week"], "2026-10-19");

        // the computed value is the one scored
        let scored = score(&["cac-supplied.csv"]);
        assert_close(&metric(&scored, 0, "cac")["value"], 9.0);
    }

    /// A month's CAC is the month's spend over the month's customers
    /// (900 / 85), not the mean of the weekly CACs (10.5).
    #[test]
    fn a_months_cac_is_its_spend_over_its_customers() {
        let doc = score(&["cac.csv", "--period", "month", "--week", "2026-10-05"]);
        assert_eq!(doc["period"]["kind"], "month");
        assert_close(&metric(&doc, 0, "acquisition_spend")["value"], 900.0);
        assert_close(&metric(&doc, 0, "customers_acquired")["value"], 85.0);
        assert_close(&metric(&doc, 0, "cac")["value"], 900.0 / 85.0);
        // its score is the mean of the weekly scores (only the fourth week
        // has a baseline)
        assert_close(&metric(&doc, 0, "cac")["score"], 100.0 * 10.5 / 12.0);
    }
}

mod formulas {
    use super::*;

    fn score(args: &[&str]) -> Value {
        json(
            &catalogs()
                .args(["score", "--template", "formulas.toml", "formulas.csv"])
                .args(args)
                .args(["--format", "json"])
                .assert()
                .success(),
        )
    }

    /// a = 10, b = 3, c = 2.
    #[test]
    fn precedence_parentheses_and_unary_minus() {
        let doc = score(&["--week", "2026-11-02"]);
        let value = |id| &metric(&doc, 0, id)["value"];
        assert_close(value("precedence"), 16.0); // a + b * c
        assert_close(value("grouped"), 26.0); // (a + b) * c
        assert_close(value("left_to_right"), 5.0); // a - b - c
        assert_close(value("negated"), -16.0); // -a + b * -c
        assert_close(value("share"), 10.0); // a / (b - c)
    }

    /// a = 20, b = 5, c = 5: `b - c` is 0.
    #[test]
    fn division_by_zero_is_not_applicable_without_a_warning() {
        let doc = score(&[]);
        assert_eq!(doc["week"], "2026-11-09");
        let share = metric(&doc, 0, "share");
        assert_eq!(share["status"], "not_applicable");
        assert_eq!(share["value"], Value::Null);
        assert_close(&metric(&doc, 0, "precedence")["value"], 45.0);
        assert_close(&metric(&doc, 0, "negated")["value"], -45.0);
        assert_eq!(doc["diagnostics"], serde_json::json!([]), "{doc:#}");
    }

    /// A month's derived value is the formula over the month's input values
    /// (means here: a 15, b 4, c 3.5), not the mean of the weekly results.
    #[test]
    fn a_months_value_is_the_formula_over_the_months_inputs() {
        let doc = score(&["--period", "month"]);
        assert_eq!(doc["period"]["start"], "2026-11-01");
        let value = |id| &metric(&doc, 0, id)["value"];
        assert_close(value("a"), 15.0);
        assert_close(value("precedence"), 15.0 + 4.0 * 3.5);
        assert_close(value("grouped"), (15.0 + 4.0) * 3.5);
        assert_close(value("share"), 15.0 / (4.0 - 3.5));
    }

    #[test]
    fn a_cycle_of_three_metrics_is_refused_naming_each() {
        let assert = catalogs()
            .args(["validate", "--template", "cycle.toml"])
            .assert()
            .code(INVALID);
        let err = stderr(&assert);
        assert!(err.contains("error[formula-cycle]: cycle.toml:"), "{err}");
        for id in ["spend_share", "cost_per_lead", "lead_value"] {
            assert!(err.contains(id), "{id} in {err}");
        }

        let doc = json(
            &catalogs()
                .args(["validate", "--template", "cycle.toml", "--format", "json"])
                .assert()
                .code(INVALID),
        );
        let found = diagnostics(&doc, "formula-cycle");
        assert_eq!(found.len(), 1, "{doc:#}");
        assert_eq!(found[0]["severity"], "error");

        // a template error refuses scoring too
        catalogs()
            .args(["score", "--template", "cycle.toml", "formulas.csv"])
            .assert()
            .code(INVALID)
            .stdout("")
            .stderr(contains("formula-cycle"));
    }

    #[test]
    fn an_unknown_id_is_formula_invalid_with_a_did_you_mean() {
        let doc = json(
            &catalogs()
                .args(["validate", "--template", "unknown-id.toml"])
                .args(["--format", "json"])
                .assert()
                .code(INVALID),
        );
        let found = diagnostics(&doc, "formula-invalid");
        assert_eq!(found.len(), 1, "{doc:#}");
        let d = found[0];
        assert_eq!(d["severity"], "error");
        assert_eq!(d["file"], "unknown-id.toml");
        assert_eq!(d["line"], 22);
        assert!(d["message"].as_str().unwrap().contains("sesions"), "{d}");
        let hint = d["hint"].as_str().expect("a hint");
        assert!(
            hint.contains("did you mean") && hint.contains("sessions"),
            "{hint}"
        );
    }

    #[test]
    fn a_formula_that_does_not_parse_is_located() {
        let dir = scratch();
        let text = fs::read_to_string(fixture("catalogs/unknown-id.toml"))
            .unwrap()
            .replace("leads / sesions * 100", "leads / (sessions * 100");
        fs::write(dir.path().join("trustidx.toml"), text).unwrap();
        trustidx_in(dir.path())
            .arg("validate")
            .assert()
            .code(INVALID)
            .stderr(
                contains("error[formula-invalid]: trustidx.toml:22:").and(contains("parenthesis")),
            );
    }
}

mod funnel_checks {
    use super::*;

    #[test]
    fn inbound_check_fires_on_the_row_with_more_leads_than_sessions() {
        let doc = validate_json("inbound", "funnel.csv");
        let found = diagnostics(&doc, "check-failed");
        assert_eq!(found.len(), 1, "{doc:#}");
        let d = found[0];
        assert_eq!(d["severity"], "warning");
        assert_eq!(d["file"], "funnel.csv");
        assert_eq!(d["line"], 4);
        assert_eq!(d["week"], "2026-11-02");
        let message = d["message"].as_str().unwrap();
        assert!(message.contains("sessions >= leads"), "{message}");

        // a warning: scoring goes on
        catalogs()
            .args(["score", "--preset", "inbound", "funnel.csv"])
            .args(["--week", "2026-11-02"])
            .assert()
            .success()
            .stderr(contains("warning[check-failed]: funnel.csv:4"));
    }

    /// Line 5 has no sessions and line 6 `n/a`: `sessions >= leads` is
    /// skipped there (only line 4 fails).
    #[test]
    fn a_check_with_a_missing_or_na_input_is_skipped() {
        let doc = validate_json("inbound", "funnel.csv");
        let lines: Vec<&Value> = diagnostics(&doc, "check-failed")
            .iter()
            .map(|d| &d["line"])
            .collect();
        assert_eq!(lines, [4]);
    }

    #[test]
    fn an_error_check_refuses_the_data() {
        let assert = catalogs()
            .args(["validate", "--template", "funnel-error.toml", "funnel.csv"])
            .assert()
            .code(INVALID);
        let err = stderr(&assert);
        assert!(err.contains("error[check-failed]: funnel.csv:4"), "{err}");
        // the second check names no severity: a warning
        assert!(err.contains("warning[check-failed]: funnel.csv:6"), "{err}");

        let doc = json(
            &catalogs()
                .args(["score", "--template", "funnel-error.toml", "funnel.csv"])
                .args(["--format", "json"])
                .assert()
                .code(INVALID),
        );
        assert_eq!(doc["entities"], serde_json::json!([]));
        let errors: Vec<&Value> = diagnostics(&doc, "check-failed")
            .into_iter()
            .filter(|d| d["severity"] == "error")
            .collect();
        assert_eq!(errors.len(), 1, "{doc:#}");
        assert_eq!(errors[0]["line"], 4);
    }

    /// `ssi == ssi_brand + ssi_people + ssi_insights + ssi_relationships`
    /// with a tolerance of 0.5: ben's 0.3 passes, amara's 1.2 on line 4
    /// fails, ben's row without `ssi_insights` is skipped.
    #[test]
    fn ssi_is_the_sum_of_its_pillars_within_half_a_point() {
        let doc = validate_json("social-selling", "ssi.csv");
        let found = diagnostics(&doc, "check-failed");
        assert_eq!(found.len(), 1, "{doc:#}");
        assert_eq!(found[0]["line"], 4);
        assert_eq!(found[0]["entity"], "amara");
        assert_eq!(found[0]["week"], "2026-11-09");
    }

    #[test]
    fn an_ssi_pillar_above_25_is_out_of_range() {
        let dir = scratch();
        fs::write(
            dir.path().join("ssi.csv"),
            "week,entity,ssi,ssi_brand\n2026-11-02,amara,80,26\n",
        )
        .unwrap();
        trustidx_in(dir.path())
            .args(["validate", "--preset", "social-selling", "ssi.csv"])
            .assert()
            .code(INVALID)
            .stderr(contains("error[out-of-range]: ssi.csv:2:4").and(contains("ssi_brand")));
    }
}

mod nps {
    use super::*;

    /// 25 promoters, 15 passives, 10 detractors: NPS 50 % − 20 % = 30,
    /// margin of error 1.96 × 100 × sqrt((0.5 + 0.2 − 0.3²) / 50) = 21.65.
    fn margin_of_error(promoters: f64, detractors: f64, n: f64) -> f64 {
        let (p, d) = (promoters / n, detractors / n);
        1.96 * 100.0 * ((p + d - (p - d).powi(2)) / n).sqrt()
    }

    fn nps(args: &[&str]) -> assert_cmd::assert::Assert {
        catalogs().arg("nps").args(args).assert()
    }

    #[test]
    fn a_hand_computed_week_in_the_table() {
        assert_eq!(format!("{:.2}", margin_of_error(25.0, 10.0, 50.0)), "21.65");
        let out = stdout(&nps(&["nps-answers.csv"]).success());
        let rows: Vec<Vec<&str>> = out
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|w| w.first().is_some_and(|c| c.starts_with("2026-")))
            .collect();
        assert_eq!(
            rows,
            [
                ["2026-11-16", "50", "25", "15", "10", "30.0", "21.6"],
                ["2026-11-23", "4", "2", "1", "1", "25.0", "81.3"],
            ],
            "{out}"
        );
    }

    #[test]
    fn a_hand_computed_week_as_csv() {
        nps(&["nps-answers.csv", "--format", "csv"])
            .success()
            .stdout("week,metric,value\n2026-11-16,nps,30.00\n2026-11-23,nps,25.00\n");
    }

    #[test]
    fn a_hand_computed_week_as_json() {
        let doc = json(&nps(&["nps-answers.csv", "--format", "json"]).success());
        assert_eq!(doc["metric"], "nps");
        let week = &doc["weeks"][0];
        assert_eq!(week["week"], "2026-11-16");
        assert_eq!(week["responses"], 50);
        assert_eq!(week["promoters"], 25);
        assert_eq!(week["passives"], 15);
        assert_eq!(week["detractors"], 10);
        assert_close(&week["nps"], 30.0);
        assert_close(&week["margin_of_error"], margin_of_error(25.0, 10.0, 50.0));
        assert_eq!(doc["weeks"].as_array().unwrap().len(), 2);
    }

    /// Answers 1–10 under other column names: 3 promoters (10, 9, 10),
    /// 3 passives (7, 8, 8), 2 detractors (1, 3) → NPS 12.5.
    #[test]
    fn a_1_to_10_scale_with_named_columns() {
        nps(&["nps-1-10.csv"])
            .code(USAGE)
            .stderr(contains("--date-column"));
        let doc = json(
            &nps(&[
                "nps-1-10.csv",
                "--date-column",
                "Submitted On",
                "--score-column",
                "How likely are you to recommend us? (1-10)",
                "--format",
                "json",
            ])
            .success(),
        );
        let week = &doc["weeks"][0];
        assert_eq!(week["week"], "2026-11-09");
        assert_eq!(week["responses"], 8);
        assert_eq!(week["promoters"], 3);
        assert_eq!(week["passives"], 3);
        assert_eq!(week["detractors"], 2);
        assert_close(&week["nps"], 12.5);
        assert_close(&week["margin_of_error"], margin_of_error(3.0, 2.0, 8.0));
    }

    #[test]
    fn an_answer_of_11_is_an_error_at_its_line() {
        nps(&["nps-bad.csv"])
            .code(INVALID)
            .stdout("")
            .stderr(contains("error[out-of-range]: nps-bad.csv:4:2").and(contains("11")));
        nps(&["nps-bad.csv", "--format", "csv"]).code(INVALID);
    }

    #[test]
    fn case_nps_for_the_service_preset() {
        nps(&[
            "nps-answers.csv",
            "--metric",
            "case_nps",
            "--preset",
            "service",
            "--format",
            "csv",
        ])
        .success()
        .stdout("week,metric,value\n2026-11-16,case_nps,30.00\n2026-11-23,case_nps,25.00\n");
        // the default template has no case_nps
        nps(&["nps-answers.csv", "--metric", "case_nps"])
            .failure()
            .stderr(contains("case_nps"));
    }

    #[test]
    fn csv_output_scores_and_adds() {
        let dir = scratch();
        let csv = stdout(&nps(&["nps-answers.csv", "--format", "csv"]).success());
        fs::write(dir.path().join("nps.csv"), &csv).unwrap();
        let doc = json(
            &trustidx_in(dir.path())
                .args(["score", "--preset", "trust-index", "nps.csv"])
                .args(["--week", "2026-11-16", "--format", "json"])
                .assert()
                .success(),
        );
        assert_close(&metric(&doc, 0, "nps")["value"], 30.0);

        // case NPS into a service history with `add`
        trustidx_in(dir.path())
            .args(["init", "service", "--preset", "service"])
            .assert()
            .success();
        let service = dir.path().join("service");
        let case = stdout(
            &nps(&[
                "nps-answers.csv",
                "--metric",
                "case_nps",
                "--preset",
                "service",
                "--format",
                "csv",
            ])
            .success(),
        );
        fs::write(service.join("case.csv"), case).unwrap();
        trustidx_in(&service)
            .args(["add", "case.csv"])
            .assert()
            .success();
        let doc = json(
            &trustidx_in(&service)
                .args(["score", "--week", "2026-11-16", "--format", "json"])
                .assert()
                .success(),
        );
        assert_close(&metric(&doc, 0, "case_nps")["value"], 30.0);
    }
}

mod import {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

    use super::*;

    /// `score --preset inbound FILE --format csv|json` run in `dir`.
    fn score(dir: &Path, file: &Path, format: &str) -> assert_cmd::assert::Assert {
        trustidx_in(dir)
            .args(["score", "--preset", "inbound", path_str(file)])
            .args(["--format", format])
            .assert()
            .success()
    }

    /// The imported file scores exactly like `sheet-wide.csv`.
    fn assert_scores_like_the_wide_csv(imported: &Path) {
        let dir = scratch();
        let wide = fixture("catalogs/sheet-wide.csv");
        same_stdout(
            &score(dir.path(), imported, "csv"),
            &score(dir.path(), &wide, "csv"),
        );
        let a = json(&score(dir.path(), imported, "json"));
        let b = json(&score(dir.path(), &wide, "json"));
        assert_eq!(a["entities"], b["entities"]);
        assert_eq!(a["week"], "2026-11-16");
    }

    /// `import --preset inbound SHEET -o OUT` in `dir`; returns OUT.
    fn import(dir: &Path, sheet: &Path, extra: &[&str]) -> PathBuf {
        let out = dir.join("imported.csv");
        trustidx_in(dir)
            .args(["import", "--preset", "inbound", path_str(sheet), "-o"])
            .arg(&out)
            .args(extra)
            .assert()
            .success()
            .stdout("")
            .stderr(contains("12 metrics × 5 weeks"));
        out
    }

    /// `sheet.csv` with `from` replaced by `to`, written into `dir`.
    fn variant(dir: &Path, from: &str, to: &str) -> PathBuf {
        let text = fs::read_to_string(fixture("catalogs/sheet.csv")).unwrap();
        assert!(text.contains(from), "{from:?}");
        let path = dir.join("variant.csv");
        fs::write(&path, text.replace(from, to)).unwrap();
        path
    }

    #[test]
    fn a_transposed_sheet_scores_like_its_wide_csv() {
        let dir = scratch();
        let out = import(dir.path(), &fixture("catalogs/sheet.csv"), &[]);
        let text = fs::read_to_string(&out).unwrap();
        assert!(
            text.starts_with("week,sessions,leads,social_reach,"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 1 + 5, "{text}");
        assert_scores_like_the_wide_csv(&out);

        // without -o the same CSV goes to stdout
        catalogs()
            .args(["import", "--preset", "inbound", "sheet.csv"])
            .assert()
            .success()
            .stdout(text);
    }

    /// The old sheet's row labels, in its order, for the columns of
    /// `sheet-wide.csv`.
    const LABELS: [(&str, &str); 12] = [
        ("sessions", "Website sessions"),
        ("leads", "New leads"),
        ("social_reach", "Social reach"),
        ("content_published", "Content published"),
        ("inbound_links", "New inbound links"),
        ("quality_leads", "Marketing-qualified leads"),
        ("sales_qualified_leads", "Sales-qualified leads"),
        (
            "accepted_lead_conversion_rate",
            "Accepted-lead conversion rate",
        ),
        ("days_to_close", "Days to close"),
        ("nps", "Net Promoter Score"),
        ("referrals", "Referrals"),
        ("reviews", "New reviews"),
    ];

    /// The numbers of `sheet-wide.csv` as the old sheet in a workbook: a
    /// title in A1, real date cells across the header (the last one as a
    /// bare Excel serial number), labels down the first column with a
    /// section row, a blank row and another section row, number cells, an
    /// `n/a` text cell and an empty cell. `sheet_before` adds a first
    /// worksheet of notes.
    fn write_workbook(path: &Path, sheet_before: Option<&str>) {
        let wide = fs::read_to_string(fixture("catalogs/sheet-wide.csv")).unwrap();
        let mut lines = wide.lines().map(|l| l.split(',').collect::<Vec<_>>());
        let ids = lines.next().unwrap();
        let weeks: Vec<Vec<&str>> = lines.collect();

        let mut book = Workbook::new();
        if let Some(name) = sheet_before {
            let notes = book.add_worksheet();
            notes.set_name(name).unwrap();
            notes
                .write_string(0, 0, "Numbers go in every Monday.")
                .unwrap();
        }
        let sheet = book.add_worksheet();
        sheet.set_name("Weekly").unwrap();
        sheet.write_string(0, 0, "Trust Index 2026").unwrap();
        let date = Format::new().set_num_format("dd.mm.yyyy");
        for (c, week) in weeks.iter().enumerate() {
            let col = c as u16 + 1;
            if week[0] == "2026-11-16" {
                sheet.write_number(0, col, 46342).unwrap();
                continue;
            }
            let d = ExcelDateTime::parse_from_str(week[0]).unwrap();
            sheet.write_datetime_with_format(0, col, &d, &date).unwrap();
        }

        sheet.write_string(1, 0, "Top of the funnel").unwrap();
        let mut r = 2;
        for (id, label) in LABELS {
            if id == "quality_leads" {
                r += 1; // a blank row, then a section row
                sheet.write_string(r, 0, "Conversion").unwrap();
                r += 1;
            }
            sheet.write_string(r, 0, label).unwrap();
            let i = ids
                .iter()
                .position(|x| *x == id)
                .expect("id in sheet-wide.csv");
            for (c, week) in weeks.iter().enumerate() {
                let col = c as u16 + 1;
                match week[i] {
                    "" => {}
                    "n/a" => {
                        sheet.write_string(r, col, "n/a").unwrap();
                    }
                    v => {
                        sheet
                            .write_number(r, col, v.parse::<f64>().unwrap())
                            .unwrap();
                    }
                }
            }
            r += 1;
        }
        book.save(path).unwrap();
    }

    #[test]
    fn an_xlsx_with_date_headers_scores_like_its_wide_csv() {
        let dir = scratch();
        let book = dir.path().join("trust-sheet.xlsx");
        write_workbook(&book, None);
        let out = import(dir.path(), &book, &[]);
        assert_scores_like_the_wide_csv(&out);
    }

    #[test]
    fn sheet_picks_the_worksheet() {
        let dir = scratch();
        let book = dir.path().join("trust-sheet.xlsx");
        write_workbook(&book, Some("Read me"));
        let out = import(dir.path(), &book, &["--sheet", "Weekly"]);
        assert_scores_like_the_wide_csv(&out);

        trustidx_in(dir.path())
            .args(["import", "--preset", "inbound", "trust-sheet.xlsx"])
            .args(["--sheet", "2025"])
            .assert()
            .code(USAGE)
            .stderr(contains("Weekly"));
    }

    #[test]
    fn an_unmappable_label_is_refused_and_map_fixes_it() {
        let dir = scratch();
        let sheet = variant(
            dir.path(),
            "\nSocial reach,",
            "\nOrganic reach (all networks),",
        );
        let assert = trustidx_in(dir.path())
            .args([
                "import",
                "--preset",
                "inbound",
                "variant.csv",
                "-o",
                "out.csv",
            ])
            .assert()
            .code(INVALID)
            .stdout("");
        let err = stderr(&assert);
        assert!(
            err.contains("error[unknown-metric]: variant.csv:5:1")
                && err.contains("Organic reach (all networks)"),
            "{err}"
        );
        assert!(err.contains("hint:") && err.contains("--map"), "{err}");
        assert!(!dir.path().join("out.csv").exists(), "nothing written");

        let out = import(
            dir.path(),
            &sheet,
            &["--map", "Organic reach (all networks)=social_reach"],
        );
        assert_scores_like_the_wide_csv(&out);
    }

    #[test]
    fn a_close_match_is_reported_as_a_note() {
        let dir = scratch();
        let sheet = variant(dir.path(), "\nWebsite sessions,", "\nWebsite session,");
        let out = dir.path().join("imported.csv");
        let assert = trustidx_in(dir.path())
            .args(["import", "--preset", "inbound", path_str(&sheet), "-o"])
            .arg(&out)
            .assert()
            .success();
        let err = stderr(&assert);
        assert!(
            err.lines().any(|l| l.starts_with("note:")
                && l.contains("\"Website session\"")
                && l.contains("sessions")),
            "{err}"
        );
        assert_scores_like_the_wide_csv(&out);
    }

    #[test]
    fn dotted_dates_need_date_format() {
        let dir = scratch();
        let sheet = variant(
            dir.path(),
            "2026-10-19,2026-10-26,2026-11-02,2026-11-09,2026-11-16",
            "19.10.2026,26.10.2026,02.11.2026,09.11.2026,16.11.2026",
        );
        trustidx_in(dir.path())
            .args(["import", "--preset", "inbound", "variant.csv"])
            .assert()
            .code(INVALID)
            .stderr(contains("variant.csv:1:2").and(contains("--date-format")));

        let out = import(dir.path(), &sheet, &["--date-format", "%d.%m.%Y"]);
        assert_scores_like_the_wide_csv(&out);
    }

    #[test]
    fn map_to_an_unknown_id_is_named() {
        let dir = scratch();
        variant(
            dir.path(),
            "\nSocial reach,",
            "\nOrganic reach (all networks),",
        );
        let assert = trustidx_in(dir.path())
            .args(["import", "--preset", "inbound", "variant.csv"])
            .args(["--map", "Organic reach (all networks)=socal_reach"])
            .assert()
            .failure();
        let err = stderr(&assert);
        assert!(err.contains("socal_reach"), "{err}");
    }

    /// A service sheet as a workbook whose cells carry Excel number formats:
    /// time to resolution typed as a time (7:43:54, 2:35:00) and churn as a
    /// percentage (1.42 %, 1.31 %).
    fn formatted_workbook(path: &Path) {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let time = Format::new().set_num_format("h:mm:ss");
        let percent = Format::new().set_num_format("0.00%");
        sheet.write_string(0, 0, "Metric").unwrap();
        for (c, day) in [2u8, 9].into_iter().enumerate() {
            let d = ExcelDateTime::from_ymd(2026, 11, day).unwrap();
            sheet
                .write_datetime_with_format(0, c as u16 + 1, &d, &date)
                .unwrap();
        }
        sheet.write_string(1, 0, "Time to resolution").unwrap();
        for (c, (h, m, s)) in [(7u16, 43u8, 54u8), (2, 35, 0)].into_iter().enumerate() {
            let t = ExcelDateTime::from_hms(h, m, s).unwrap();
            sheet
                .write_datetime_with_format(1, c as u16 + 1, &t, &time)
                .unwrap();
        }
        sheet.write_string(2, 0, "Churn rate").unwrap();
        for (c, v) in [0.0142, 0.0131].into_iter().enumerate() {
            sheet
                .write_number_with_format(2, c as u16 + 1, v, &percent)
                .unwrap();
        }
        book.save(path).unwrap();
    }

    /// The canonical values of `metric_id` in the two weeks of
    /// `formatted_workbook`, imported for the `service` preset.
    fn import_formatted(metric_id: &str) -> Vec<f64> {
        let dir = scratch();
        formatted_workbook(&dir.path().join("service.xlsx"));
        trustidx_in(dir.path())
            .args(["import", "--preset", "service", "service.xlsx"])
            .args(["-o", "service.csv"])
            .assert()
            .success();
        ["2026-11-02", "2026-11-09"]
            .iter()
            .map(|week| {
                let doc = json(
                    &trustidx_in(dir.path())
                        .args(["score", "--preset", "service", "service.csv"])
                        .args(["--week", week, "--format", "json"])
                        .assert()
                        .success(),
                );
                number(&metric(&doc, 0, metric_id)["value"])
            })
            .collect()
    }

    #[test]
    fn xlsx_time_cells_import_as_durations() {
        assert_eq!(
            import_formatted("time_to_resolution"),
            [27834.0, 9300.0],
            "7:43:54 and 2:35:00 in seconds"
        );
    }

    #[test]
    fn xlsx_percentage_cells_import_as_percent() {
        let churn = import_formatted("churn_rate");
        assert!(
            (churn[0] - 1.42).abs() < 1e-9 && (churn[1] - 1.31).abs() < 1e-9,
            "{churn:?}"
        );
    }
}

mod nps_dates {
    use crate::common::{scratch, trustidx_in};

    #[test]
    fn slash_dates_need_and_take_a_date_format() {
        let dir = scratch();
        std::fs::write(
            dir.path().join("s.csv"),
            "date,score\n11/13/2026,9\n11/16/2026,4\n",
        )
        .expect("write");
        let refused = trustidx_in(dir.path())
            .args(["nps", "--preset", "trust-index", "s.csv"])
            .output()
            .expect("runs");
        assert_eq!(refused.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&refused.stderr).contains("--date-format"));
        let ok = trustidx_in(dir.path())
            .args([
                "nps",
                "--preset",
                "trust-index",
                "s.csv",
                "--date-format",
                "%m/%d/%Y",
                "--format",
                "csv",
            ])
            .output()
            .expect("runs");
        assert_eq!(
            String::from_utf8_lossy(&ok.stdout),
            "week,metric,value\n2026-11-09,nps,100.00\n2026-11-16,nps,-100.00\n"
        );
    }

    #[test]
    fn a_refused_json_run_still_prints_one_document() {
        let dir = scratch();
        std::fs::write(dir.path().join("b.csv"), "date,score\n2026-11-16,11\n").expect("write");
        let out = trustidx_in(dir.path())
            .args([
                "nps",
                "--preset",
                "trust-index",
                "b.csv",
                "--format",
                "json",
            ])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1));
        let doc: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("one JSON document");
        assert_eq!(doc["diagnostics"][0]["code"], "out-of-range");
        assert_eq!(doc["weeks"], serde_json::json!([]));
    }
}

mod leads_output {
    use crate::common::{scratch, trustidx_in};

    /// Piped (as under cron or in this test), `leads` draws no progress bar.
    #[test]
    fn no_progress_bar_when_stderr_is_not_a_terminal() {
        let dir = scratch();
        let rules = "mql_threshold = 5\n[[behavior]]\nactivity = \"page_view\"\npoints = 3\n";
        std::fs::write(dir.path().join("rules.toml"), rules).expect("write");
        let acts = "contact_id,timestamp,activity,target,value\nc1,2026-11-02T10:00:00Z,page_view,/,\nc1,2026-11-03T10:00:00Z,page_view,/,\n";
        std::fs::write(dir.path().join("a.csv"), acts).expect("write");
        let out = trustidx_in(dir.path())
            .args([
                "leads",
                "a.csv",
                "--rules",
                "rules.toml",
                "--as-of",
                "2026-11-23",
                "--out",
                "l.csv",
            ])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(String::from_utf8_lossy(&out.stderr), "");
        let csv = std::fs::read_to_string(dir.path().join("l.csv")).expect("l.csv");
        assert_eq!(
            csv,
            "contact_id,fit,behavior,total,mql,pageviews_before_lead,video_minutes,shares\nc1,0.00,6.00,6.00,true,,0.00,0\n"
        );
    }
}
