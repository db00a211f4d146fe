//! SPEC §6 through the real binary, against numbers computed by hand.
//! Each fixture under `tests/fixtures/scoring/` has its arithmetic written
//! next to the assertions.

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scoring")
}

/// `trustidx score DATA --template T --format json ARGS...`, parsed.
fn score(template: &str, data: &str, args: &[&str]) -> Value {
    let out = Command::cargo_bin("trustidx")
        .expect("binary")
        .current_dir(dir())
        .env("NO_COLOR", "1")
        .args(["score", data, "--template", template, "--format", "json"])
        .args(args)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn entity(doc: &Value) -> &Value {
    &doc["entities"][0]
}

fn metric<'a>(doc: &'a Value, id: &str) -> &'a Value {
    entity(doc)["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .flat_map(|s| s["metrics"].as_array().expect("metrics"))
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("no metric {id}"))
}

fn stage<'a>(doc: &'a Value, id: &str) -> &'a Value {
    entity(doc)["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["id"] == id)
        .expect("stage")
}

#[track_caller]
fn close(v: &Value, want: f64) {
    let got = v
        .as_f64()
        .unwrap_or_else(|| panic!("{v} is not a number, want {want}"));
    assert!((got - want).abs() < 1e-6, "got {got}, want {want}");
}

// visits: 100, 120, 80, 110, 150 in weeks 2026-01-05 .. 2026-02-02.

#[test]
fn first_baseline_is_building_until_its_nth_value() {
    let doc = score("baseline.toml", "visits.csv", &["--week", "2026-01-19"]);
    let m = metric(&doc, "visits");
    assert_eq!(m["status"], "building_baseline");
    assert_eq!(m["baseline_progress"]["have"], 3);
    assert_eq!(m["baseline_progress"]["need"], 4);
    assert!(m["score"].is_null() && m["reference"].is_null());
    close(&m["value"], 80.0);
    assert!(entity(&doc)["index"]["score"].is_null());
}

#[test]
fn first_baseline_includes_the_week_that_completes_it() {
    // median(100, 120, 80, 110) = (100 + 110) / 2 = 105; 110 / 105 = 104.7619 %
    let doc = score("baseline.toml", "visits.csv", &["--week", "2026-01-26"]);
    let m = metric(&doc, "visits");
    assert_eq!(m["status"], "scored");
    assert_eq!(m["reference_kind"], "baseline");
    close(&m["reference"], 105.0);
    close(&m["score"], 110.0 / 105.0 * 100.0);
    assert!(m["previous"].is_null() && m["change"].is_null());
}

#[test]
fn later_weeks_keep_the_first_baseline_and_compare_with_the_week_before() {
    // 150 / 105 = 142.857; previous week 104.762; rolling: mean of the two indexed weeks
    let doc = score("baseline.toml", "visits.csv", &[]);
    let m = metric(&doc, "visits");
    close(&m["score"], 150.0 / 105.0 * 100.0);
    close(&m["previous"], 110.0 / 105.0 * 100.0);
    close(&m["change"], 40.0 / 105.0 * 100.0);
    close(&m["value_change_pct"], (150.0 - 110.0) / 110.0 * 100.0);
    let index = &entity(&doc)["index"];
    close(&index["score"], 150.0 / 105.0 * 100.0);
    close(&index["rolling_4w"], (150.0 + 110.0) / 105.0 * 100.0 / 2.0);
    close(&index["coverage"], 1.0);
}

#[test]
fn trailing_baseline_is_the_median_of_the_weeks_just_before() {
    let building = score("trailing.toml", "visits.csv", &["--week", "2026-01-19"]);
    assert_eq!(metric(&building, "visits")["baseline_progress"]["have"], 2);
    assert_eq!(metric(&building, "visits")["baseline_progress"]["need"], 3);
    // 2026-01-26: median(100, 120, 80) = 100 → 110
    let w4 = score("trailing.toml", "visits.csv", &["--week", "2026-01-26"]);
    close(&metric(&w4, "visits")["reference"], 100.0);
    close(&metric(&w4, "visits")["score"], 110.0);
    // 2026-02-02: median(120, 80, 110) = 110 → 150 / 110
    let w5 = score("trailing.toml", "visits.csv", &[]);
    close(&metric(&w5, "visits")["reference"], 110.0);
    close(&metric(&w5, "visits")["score"], 150.0 / 110.0 * 100.0);
}

// rules.toml: web (weight 1) = session (target 3m, w1) + nps (target 20, w2);
// sales (weight 3) = days_to_close (lower, target 30) + referrals (baseline).

#[test]
fn targets_floors_and_weighted_means() {
    // session 2:15 = 135 s → 75; nps -10 → (-10 + 100) / (20 + 100) = 75;
    // days 60 → 30 / 60 = 50; referrals building 1/4.
    let doc = score("rules.toml", "rules.csv", &["--week", "2026-03-02"]);
    close(&metric(&doc, "session")["score"], 75.0);
    assert_eq!(metric(&doc, "session")["reference_kind"], "target");
    close(&metric(&doc, "session")["reference"], 180.0);
    close(&metric(&doc, "nps")["score"], 75.0);
    close(&metric(&doc, "days_to_close")["score"], 50.0);
    assert_eq!(metric(&doc, "referrals")["status"], "building_baseline");
    close(&stage(&doc, "web")["score"], 75.0);
    close(&stage(&doc, "sales")["score"], 50.0);
    // index (1 × 75 + 3 × 50) / 4; coverage (1 + 2 + 1) / 5
    close(&entity(&doc)["index"]["score"], 56.25);
    close(&entity(&doc)["index"]["coverage"], 0.8);
    assert_eq!(entity(&doc)["index"]["low_coverage"], false);
}

#[test]
fn lower_better_at_zero_scores_the_cap_and_ratios_are_capped() {
    // 3m 36s = 216 s → 120; nps 20 → 100; days 0 → cap 2 → 200
    let doc = score("rules.toml", "rules.csv", &["--week", "2026-03-09"]);
    close(&metric(&doc, "session")["score"], 120.0);
    close(&metric(&doc, "nps")["score"], 100.0);
    close(&metric(&doc, "days_to_close")["score"], 200.0);
    close(&stage(&doc, "web")["score"], (120.0 + 2.0 * 100.0) / 3.0);
    close(
        &entity(&doc)["index"]["score"],
        ((120.0 + 200.0) / 3.0 + 3.0 * 200.0) / 4.0,
    );
    // days 10 → 30 / 10 = 3, capped at 200; nps -100 sits on its floor → 0
    let doc = score("rules.toml", "rules.csv", &["--week", "2026-03-16"]);
    close(&metric(&doc, "days_to_close")["score"], 200.0);
    close(&metric(&doc, "nps")["score"], 0.0);
    close(&metric(&doc, "session")["score"], 50.0);
}

#[test]
fn a_zero_baseline_is_no_reference_and_low_coverage_is_flagged() {
    // referrals: 0, 0, 0, 0 → baseline 0 from 2026-03-23 on: no_reference
    let doc = score("rules.toml", "rules.csv", &["--week", "2026-03-23"]);
    assert_eq!(metric(&doc, "referrals")["status"], "no_reference");
    close(&metric(&doc, "referrals")["reference"], 0.0);
    assert_eq!(metric(&doc, "session")["status"], "missing");
    assert!(stage(&doc, "web")["score"].is_null());
    // only days_to_close scores: 30 / 45; coverage 1 / 5 < 0.5
    close(&entity(&doc)["index"]["score"], 30.0 / 45.0 * 100.0);
    close(&entity(&doc)["index"]["coverage"], 0.2);
    assert_eq!(entity(&doc)["index"]["low_coverage"], true);
    let codes: Vec<&str> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"no-reference"), "{codes:?}");
}

#[test]
fn rolling_mean_skips_weeks_without_an_index() {
    // 2026-03-30 has no index; the 4 weeks ending there have 66.67, 154.17, 176.67
    let doc = score("rules.toml", "rules.csv", &[]);
    let index = &entity(&doc)["index"];
    assert!(index["score"].is_null());
    close(&index["coverage"], 0.0);
    let w2 = ((120.0 + 200.0) / 3.0 + 600.0) / 4.0;
    let w3 = ((50.0 + 0.0) / 3.0 + 600.0) / 4.0;
    close(&index["rolling_4w"], (30.0 / 45.0 * 100.0 + w3 + w2) / 3.0);
}

// months.toml: visits (target 100, sum) and open_rate (target 40, last).
// Weekly index: 2026-11-02 90, 11-09 122.5, 11-16 87.5; 2026-10-26 100;
// 2025-11-03..24: 50, 100, 150, 200.

#[test]
fn a_partial_month_is_the_mean_of_its_weeks_so_far() {
    let doc = score(
        "months.toml",
        "months.csv",
        &["--period", "month", "--week", "2026-11-20"],
    );
    assert_eq!(doc["period"]["kind"], "month");
    assert_eq!(doc["period"]["start"], "2026-11-01");
    assert_eq!(doc["period"]["end"], "2026-11-30");
    assert_eq!(doc["period"]["partial"], true);
    let index = &entity(&doc)["index"];
    close(&index["score"], (90.0 + 122.5 + 87.5) / 3.0);
    // October has one week with data: 100
    close(&index["previous"], 100.0);
    close(&index["change"], 0.0);
    close(&index["coverage"], 1.0);
    let visits = metric(&doc, "visits");
    close(&visits["value"], 80.0 + 120.0 + 100.0);
    close(&visits["previous_value"], 100.0);
    close(&visits["value_change_pct"], 200.0);
    close(&metric(&doc, "open_rate")["value"], 30.0);
    close(
        &metric(&doc, "open_rate")["score"],
        (100.0 + 125.0 + 75.0) / 3.0,
    );
}

#[test]
fn compare_year_looks_at_the_same_period_a_year_earlier() {
    let month = score(
        "months.toml",
        "months.csv",
        &["--period", "month", "--compare", "year"],
    );
    close(
        &entity(&month)["index"]["previous"],
        (50.0 + 100.0 + 150.0 + 200.0) / 4.0,
    );
    close(&entity(&month)["index"]["change"], 100.0 - 125.0);
    close(&metric(&month, "visits")["previous_value"], 500.0);
    // week 2026-W47 (2026-11-16) against 2025-W47 (2025-11-17)
    let week = score("months.toml", "months.csv", &["--compare", "year"]);
    close(&entity(&week)["index"]["previous"], 150.0);
    close(&entity(&week)["index"]["change"], 87.5 - 150.0);
}

#[test]
fn a_quarter_means_every_week_in_it() {
    let doc = score("months.toml", "months.csv", &["--period", "quarter"]);
    assert_eq!(doc["period"]["start"], "2026-10-01");
    close(
        &entity(&doc)["index"]["score"],
        (100.0 + 90.0 + 122.5 + 87.5) / 4.0,
    );
    assert!(entity(&doc)["index"]["previous"].is_null());
}
