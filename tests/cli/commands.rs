//! The commands through the real binary (SPEC §2, §4, §5, §8, §10): output
//! formats, exit codes, validation, template discovery, `init`, merging and
//! cell syntax. Fixtures live in `tests/fixtures/`, snapshots in
//! `tests/snapshots/`.
//!
//! Fixture folders:
//! - `trust-index/`: eight weeks of six metrics for the built-in preset
//!   (`history.csv`), the same data as TOML, semicolon-delimited, with labels
//!   as column names and with a BOM and CRLF; a week after it in plain
//!   (`week.csv`) and formatted (`week-formatted.csv`) cells; bad files; two
//!   entities in long form (`entities-long.csv`).
//! - `custom/`: a `trustidx.toml` with two stages and four metrics (a target,
//!   a lower-is-better metric, a stage of weight 2), its `history.csv` and a
//!   `week.csv`.
//! - `csv-template/`: the CSV form of a template, with `trust-index.csv`.
//! - `broken-template/`: a `trustidx.toml` whose second metric has an unknown
//!   unit (line 15).

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::{
    assert_stdout_snapshot, copy_fixture, custom, fixture, json, scratch, stderr, stdout,
    trust_index, trustidx, trustidx_in,
};

/// Exit codes of SPEC §8.
const INVALID: i32 = 1;
const USAGE: i32 = 2;

mod score_output {
    use super::*;

    #[test]
    fn table_for_one_entity() {
        assert_stdout_snapshot("score_table_custom", "custom", &["score", "week.csv"]);
    }

    #[test]
    fn table_shows_every_preset_metric_and_flags_low_coverage() {
        assert_stdout_snapshot(
            "score_table_trust_index",
            "trust-index",
            &["score", "--preset", "trust-index", "history.csv"],
        );
    }

    #[test]
    fn table_for_several_entities_is_a_ranked_summary() {
        assert_stdout_snapshot(
            "score_table_entities",
            "trust-index",
            &["score", "--preset", "trust-index", "entities-long.csv"],
        );
    }

    #[test]
    fn json_for_one_entity() {
        assert_stdout_snapshot(
            "score_json_custom",
            "custom",
            &["score", "week.csv", "--format", "json"],
        );
    }

    #[test]
    fn json_lists_entities_in_ranking_order() {
        let doc = json(
            &trust_index("score")
                .args(["entities-long.csv", "--format", "json"])
                .assert()
                .success(),
        );
        let names: Vec<_> = doc["entities"]
            .as_array()
            .expect("entities")
            .iter()
            .map(|e| e["entity"].as_str().expect("entity name"))
            .collect();
        assert_eq!(names, ["globex", "acme"], "sorted by index, descending");
    }

    #[test]
    fn csv_for_one_entity_has_one_row_per_metric_in_template_order() {
        // baseline_weeks = 2, so baselines are medians of the first two weeks:
        // visits 1300 / median(1000, 1100) = 123.81; signup_rate 6 / target 5;
        // churn_rate (lower) median(2.0, 1.8) / 1.2 = 158.33;
        // nps (floor -100) (35 + 100) / (median(20, 24) + 100) = 110.66.
        custom()
            .args(["score", "week.csv", "--format", "csv"])
            .assert()
            .success()
            .stdout(concat!(
                "entity,stage,metric,value,reference,reference_kind,score,previous,change,status\n",
                ",reach,visits,1300.00,1050.00,baseline,123.81,114.29,9.52,scored\n",
                ",reach,signup_rate,6.00,5.00,target,120.00,110.00,10.00,scored\n",
                ",loyalty,churn_rate,1.20,1.90,baseline,158.33,76.00,82.33,scored\n",
                ",loyalty,nps,35.00,22.00,baseline,110.66,104.92,5.74,scored\n",
            ));
    }

    #[test]
    fn csv_for_several_entities_has_one_row_per_entity() {
        trust_index("score")
            .args(["entities-long.csv", "--format", "csv"])
            .assert()
            .success()
            .stdout(concat!(
                "entity,index,previous,change,rolling_4w,coverage,low_coverage,weakest_stage\n",
                "globex,116.55,99.95,16.60,108.25,0.16,true,customer\n",
                "acme,95.80,100.10,-4.30,97.95,0.16,true,attract\n",
            ));
    }

    #[test]
    fn csv_with_entity_narrows_to_that_entitys_metric_rows() {
        let out = stdout(
            &trust_index("score")
                .args(["entities-long.csv", "--entity", "acme", "--format", "csv"])
                .assert()
                .success(),
        );
        let mut lines = out.lines();
        assert_eq!(
            lines.next(),
            Some("entity,stage,metric,value,reference,reference_kind,score,previous,change,status")
        );
        assert!(lines.all(|row| row.starts_with("acme,")), "{out}");
        assert!(
            out.contains(
                "acme,attract,direct_traffic,1100.00,1205.00,baseline,91.29,100.41,-9.13,scored\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn markdown_for_one_entity() {
        assert_stdout_snapshot(
            "score_markdown_custom",
            "custom",
            &["score", "week.csv", "--format", "markdown"],
        );
    }
}

mod metrics {
    use super::*;

    #[test]
    fn table_groups_metrics_by_stage() {
        assert_stdout_snapshot("metrics_table_custom", "custom", &["metrics"]);
    }

    #[test]
    fn csv() {
        custom()
            .args(["metrics", "--format", "csv"])
            .assert()
            .success()
            .stdout(concat!(
                "stage,id,label,unit,better,weight,target,how\n",
                "reach,visits,Site visits,count,higher,1,,Sessions from web analytics.\n",
                "reach,signup_rate,Signup rate,percent,higher,1,5,Signups divided by visits.\n",
                "loyalty,churn_rate,Churn rate,percent,lower,1,,Customers lost divided by customers at the start of the week.\n",
                "loyalty,nps,Net Promoter Score,nps,higher,2,,From the weekly survey.\n",
            ));
    }

    #[test]
    fn of_the_lead_scoring_preset_is_a_usage_error() {
        trustidx()
            .args(["metrics", "--preset", "lead-scoring"])
            .assert()
            .code(USAGE)
            .stdout("")
            .stderr(contains("lead-scoring"));
    }
}

mod exit_codes {
    use super::*;

    #[test]
    fn success_is_0_with_nothing_on_stderr() {
        trust_index("score")
            .arg("history.csv")
            .assert()
            .code(0)
            .stderr("");
    }

    #[test]
    fn refused_score_exits_1_with_diagnostics_on_stderr_and_empty_stdout() {
        trust_index("score")
            .args(["history.csv", "out-of-range.csv"])
            .assert()
            .code(INVALID)
            .stdout("")
            .stderr(contains("error[out-of-range]: out-of-range.csv:2:4:"));
    }

    #[test]
    fn refused_score_in_json_still_prints_one_document_without_entities() {
        let assert = trust_index("score")
            .args(["history.csv", "out-of-range.csv", "--format", "json"])
            .assert()
            .code(INVALID);
        let doc = json(&assert);
        assert_eq!(doc["schema"], "trustidx.score.v1");
        assert_eq!(doc["entities"], serde_json::json!([]));
        let diagnostic = &doc["diagnostics"][0];
        assert_eq!(diagnostic["code"], "out-of-range");
        assert_eq!(diagnostic["file"], "out-of-range.csv");
        assert_eq!(diagnostic["line"], 2);
        assert_eq!(diagnostic["column"], 4);
        assert_eq!(diagnostic["metric"], "newsletter_open_rate");
    }

    #[test]
    fn unknown_format_is_a_usage_error() {
        trust_index("score")
            .args(["history.csv", "--format", "yaml"])
            .assert()
            .code(USAGE)
            .stdout("")
            .stderr(contains("yaml").and(contains("--format")));
    }

    #[test]
    fn unknown_period_is_a_usage_error() {
        trust_index("score")
            .args(["history.csv", "--period", "fortnight"])
            .assert()
            .code(USAGE)
            .stdout("")
            .stderr(contains("fortnight").and(contains("--period")));
    }

    #[test]
    fn week_that_is_not_a_week_start_names_the_day_and_suggests_the_monday() {
        trust_index("score")
            .args(["history.csv", "--week", "2026-11-18"])
            .assert()
            .code(USAGE)
            .stdout("")
            .stderr(contains("Wednesday").and(contains("2026-11-16")));
    }

    #[test]
    fn week_that_is_not_a_date_is_a_usage_error() {
        trust_index("score")
            .args(["history.csv", "--week", "notadate"])
            .assert()
            .code(USAGE)
            .stdout("")
            .stderr(contains("notadate"));
    }

    #[test]
    fn week_in_a_month_need_not_be_a_week_start() {
        trust_index("score")
            .args(["history.csv", "--week", "2026-11-18", "--period", "month"])
            .assert()
            .success();
    }

    #[test]
    fn template_and_preset_together_are_a_usage_error() {
        trustidx()
            .args(["score", "history.csv"])
            .args([
                "--template",
                "../custom/trustidx.toml",
                "--preset",
                "trust-index",
            ])
            .assert()
            .code(USAGE)
            .stdout("")
            .stderr(contains("--template").and(contains("--preset")));
    }

    #[test]
    fn unknown_entity_is_a_usage_error_with_a_suggestion() {
        trust_index("score")
            .args(["entities-long.csv", "--entity", "acmee"])
            .assert()
            .code(USAGE)
            .stdout("")
            .stderr(contains("acmee").and(contains("did you mean acme")));
    }

    #[test]
    fn missing_file_exits_2_naming_it() {
        for command in ["score", "validate"] {
            trust_index(command)
                .arg("no-such-week.csv")
                .assert()
                .code(USAGE)
                .stdout("")
                .stderr(contains("no-such-week.csv"));
        }
    }

    #[test]
    fn missing_template_exits_2_naming_it() {
        trustidx()
            .args(["metrics", "--template", "no-such-template.toml"])
            .assert()
            .code(USAGE)
            .stdout("")
            .stderr(contains("no-such-template.toml"));
    }
}

mod validate {
    use super::*;

    #[test]
    fn clean_data_exits_0() {
        trust_index("validate")
            .arg("history.csv")
            .assert()
            .success()
            .stdout("");
    }

    #[test]
    fn prints_code_location_message_and_hint() {
        let assert = trust_index("validate")
            .arg("out-of-range.csv")
            .assert()
            .code(INVALID)
            .stdout("");
        let err = stderr(&assert);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(
            lines[0],
            "error[out-of-range]: out-of-range.csv:2:4: newsletter_open_rate = 145 is above 100%"
        );
        assert!(lines[1].starts_with("  hint: "), "{err}");
        assert_eq!(lines.last(), Some(&"1 error, 0 warnings"), "{err}");
    }

    #[test]
    fn json_goes_to_stdout() {
        let assert = trust_index("validate")
            .args(["out-of-range.csv", "--format", "json"])
            .assert()
            .code(INVALID);
        let doc = json(&assert);
        assert_eq!(doc["schema"], "trustidx.validate.v1");
        assert_eq!(doc["errors"], 1);
        assert_eq!(doc["warnings"], 0);
        let diagnostic = &doc["diagnostics"][0];
        assert_eq!(diagnostic["severity"], "error");
        assert_eq!(diagnostic["code"], "out-of-range");
        assert_eq!(diagnostic["file"], "out-of-range.csv");
        assert_eq!(diagnostic["line"], 2);
        assert_eq!(diagnostic["column"], 4);
        assert_eq!(diagnostic["week"], "2026-11-23");
        assert!(diagnostic["hint"].is_string());
    }

    #[test]
    fn warning_alone_exits_0() {
        trust_index("validate")
            .args(["history.csv", "outlier.csv"])
            .assert()
            .success()
            .stderr(contains("warning[outlier]: outlier.csv:2:2:"));
    }

    #[test]
    fn deny_warnings_turns_a_warning_into_exit_1() {
        trust_index("validate")
            .args(["history.csv", "outlier.csv", "--deny-warnings"])
            .assert()
            .code(INVALID)
            .stderr(contains("warning[outlier]"));
        trust_index("score")
            .args(["history.csv", "outlier.csv", "--deny-warnings"])
            .assert()
            .code(INVALID)
            .stdout("")
            .stderr(contains("warning[outlier]"));
    }

    #[test]
    fn quiet_hides_warnings() {
        trust_index("validate")
            .args(["history.csv", "outlier.csv", "-q"])
            .assert()
            .success()
            .stderr(contains("warning").not());
    }

    #[test]
    fn quiet_still_shows_errors() {
        trust_index("validate")
            .args(["out-of-range.csv", "-q"])
            .assert()
            .code(INVALID)
            .stderr(contains("error[out-of-range]"));
    }

    #[test]
    fn quiet_with_deny_warnings_still_says_why_it_failed() {
        trust_index("validate")
            .args(["history.csv", "outlier.csv", "-q", "--deny-warnings"])
            .assert()
            .code(INVALID)
            .stderr(contains("outlier"));
    }
}

mod discovery {
    use super::*;

    /// `score --format csv` of the custom template's own history.
    const CUSTOM_SCORE_CSV: &str = concat!(
        "entity,stage,metric,value,reference,reference_kind,score,previous,change,status\n",
        ",reach,visits,1200.00,1050.00,baseline,114.29,100.00,14.29,scored\n",
        ",reach,signup_rate,5.50,5.00,target,110.00,100.00,10.00,scored\n",
        ",loyalty,churn_rate,2.50,1.90,baseline,76.00,126.67,-50.67,scored\n",
        ",loyalty,nps,28.00,22.00,baseline,104.92,106.56,-1.64,scored\n",
    );

    #[test]
    fn finds_trustidx_toml_in_the_current_folder_and_reads_its_history() {
        custom()
            .args(["score", "--format", "csv"])
            .assert()
            .success()
            .stdout(CUSTOM_SCORE_CSV);
    }

    #[test]
    fn finds_trustidx_toml_in_a_parent_folder() {
        let root = scratch();
        copy_fixture("custom", root.path());
        let deeper = root.path().join("reports/weekly");
        fs::create_dir_all(&deeper).unwrap();

        trustidx_in(&deeper)
            .args(["score", "--format", "csv"])
            .assert()
            .success()
            .stdout(CUSTOM_SCORE_CSV);
    }

    #[test]
    fn finds_the_csv_form_with_trust_index_csv_beside_it() {
        trustidx_in(fixture("csv-template"))
            .args(["score", "--format", "csv"])
            .assert()
            .success()
            .stdout(concat!(
                "entity,stage,metric,value,reference,reference_kind,score,previous,change,status\n",
                ",web,visits,1150.00,975.00,baseline,117.95,112.82,5.13,scored\n",
                ",web,bounce_rate,40.00,46.50,baseline,116.25,105.68,10.57,scored\n",
                ",care,nps,18.00,13.00,baseline,104.42,100.88,3.54,scored\n",
            ));
    }

    #[test]
    fn prefers_trustidx_toml_to_trustidx_csv_in_the_same_folder() {
        let dir = scratch();
        copy_fixture("custom", dir.path());
        copy_fixture("csv-template", dir.path());

        trustidx_in(dir.path())
            .args(["metrics", "--format", "csv"])
            .assert()
            .success()
            .stdout(contains("reach,visits,").and(contains("web,").not()));
    }

    #[test]
    fn template_flag_reads_the_history_beside_the_template() {
        let elsewhere = scratch();
        trustidx_in(elsewhere.path())
            .args(["score", "--format", "csv", "--template"])
            .arg(fixture("custom/trustidx.toml"))
            .assert()
            .success()
            .stdout(CUSTOM_SCORE_CSV);
    }

    #[test]
    fn template_flag_takes_the_csv_form_too() {
        let elsewhere = scratch();
        trustidx_in(elsewhere.path())
            .args(["metrics", "--format", "csv", "--template"])
            .arg(fixture("csv-template/trustidx.csv"))
            .assert()
            .success()
            .stdout(contains("care,nps,Net Promoter Score,nps,higher,2,,"));
    }

    #[test]
    fn without_a_template_uses_the_built_in_trust_index() {
        let bare = scratch();
        let assert = trustidx_in(bare.path())
            .args(["metrics", "--format", "csv"])
            .assert()
            .success();
        let out = stdout(&assert);
        let ids: Vec<&str> = out
            .lines()
            .skip(1)
            .map(|row| row.split(',').nth(1).expect("id column"))
            .collect();
        assert_eq!(ids.len(), 19, "{out}");
        assert_eq!(ids.first(), Some(&"session_duration"));
        assert_eq!(ids.last(), Some(&"event_attendance"));

        fs::copy(
            fixture("trust-index/history.csv"),
            bare.path().join("week.csv"),
        )
        .unwrap();
        trustidx_in(bare.path())
            .args(["score", "week.csv"])
            .assert()
            .success()
            .stdout(predicate::str::starts_with("Trust Index · week 2026-11-16"));
    }

    #[test]
    fn broken_template_is_template_invalid_with_its_location() {
        for command in ["validate", "score", "metrics"] {
            trustidx_in(fixture("broken-template"))
                .arg(command)
                .assert()
                .code(INVALID)
                .stdout("")
                .stderr(contains(
                    "error[template-invalid]: trustidx.toml:15:8: unit = \"visitors\"",
                ));
        }
    }

    #[test]
    fn a_bad_metric_does_not_make_its_stage_look_empty() {
        let dir = scratch();
        fs::write(
            dir.path().join("trustidx.toml"),
            "[[stage]]\nid = \"reach\"\n\n[[metric]]\nid = \"visits\"\nstage = \"reach\"\nunit = \"visitors\"\n",
        )
        .unwrap();
        trustidx_in(dir.path())
            .arg("validate")
            .assert()
            .code(INVALID)
            .stderr(contains("trustidx.toml:7:8").and(contains("has no metrics").not()));
    }
}

mod init {
    use chrono::{Datelike, Days, NaiveDate, Utc};

    use super::*;

    /// The Monday of the week before the one containing today (UTC).
    fn last_complete_week() -> NaiveDate {
        let today = Utc::now().date_naive();
        let back = u64::from(today.weekday().num_days_from_monday()) + 7;
        today - Days::new(back)
    }

    fn read(path: impl AsRef<std::path::Path>) -> Vec<u8> {
        fs::read(path).expect("file written by init")
    }

    #[test]
    fn writes_a_template_and_a_data_row_for_the_last_complete_week() {
        let dir = scratch();
        let before = last_complete_week();
        trustidx_in(dir.path())
            .arg("init")
            .assert()
            .success()
            .stdout(contains("trustidx.toml").and(contains("trust-index.csv")));
        let after = last_complete_week();

        let template = fs::read_to_string(dir.path().join("trustidx.toml")).unwrap();
        assert!(
            template.contains("data = \"trust-index.csv\""),
            "{template}"
        );
        assert!(
            template.contains("how = "),
            "every metric says how to measure it"
        );

        let data = fs::read_to_string(dir.path().join("trust-index.csv")).unwrap();
        let lines: Vec<&str> = data.lines().collect();
        assert_eq!(lines.len(), 2, "a header and one row:\n{data}");
        let header: Vec<&str> = lines[0].split(',').collect();
        let row: Vec<&str> = lines[1].split(',').collect();
        assert_eq!(header[0], "week");
        assert_eq!(header.len(), 20, "week and the 19 metrics: {data}");
        assert_eq!(row.len(), header.len());
        let week = NaiveDate::parse_from_str(row[0], "%Y-%m-%d").expect("a week date");
        assert!(week == before || week == after, "{week} is not {before}");
        assert!(row[1..].iter().all(|cell| cell.is_empty()), "{data}");
    }

    #[test]
    fn written_files_load_and_score() {
        let dir = scratch();
        trustidx_in(dir.path()).arg("init").assert().success();

        trustidx_in(dir.path()).arg("validate").assert().success();
        trustidx_in(dir.path()).arg("score").assert().success();
    }

    #[test]
    fn creates_the_folder_it_is_given() {
        let dir = scratch();
        trustidx_in(dir.path())
            .args(["init", "acme/trust"])
            .assert()
            .success();
        assert!(dir.path().join("acme/trust/trustidx.toml").is_file());
        assert!(dir.path().join("acme/trust/trust-index.csv").is_file());
    }

    #[test]
    fn never_overwrites_without_force() {
        let dir = scratch();
        trustidx_in(dir.path()).arg("init").assert().success();
        let template = read(dir.path().join("trustidx.toml"));
        let data = read(dir.path().join("trust-index.csv"));

        trustidx_in(dir.path())
            .arg("init")
            .assert()
            .code(USAGE)
            .stderr(contains("trustidx.toml").and(contains("--force")));

        assert_eq!(read(dir.path().join("trustidx.toml")), template);
        assert_eq!(read(dir.path().join("trust-index.csv")), data);
    }

    #[test]
    fn force_overwrites() {
        let dir = scratch();
        trustidx_in(dir.path()).arg("init").assert().success();
        let template = read(dir.path().join("trustidx.toml"));
        fs::write(dir.path().join("trustidx.toml"), "edited").unwrap();
        fs::write(dir.path().join("trust-index.csv"), "edited").unwrap();

        trustidx_in(dir.path())
            .args(["init", "--force"])
            .assert()
            .success();

        assert_eq!(read(dir.path().join("trustidx.toml")), template);
        assert_ne!(read(dir.path().join("trust-index.csv")), b"edited");
    }

    #[test]
    fn csv_format_writes_the_csv_form_which_loads() {
        let dir = scratch();
        trustidx_in(dir.path())
            .args(["init", "--format", "csv"])
            .assert()
            .success();

        assert!(!dir.path().join("trustidx.toml").exists());
        let template = fs::read_to_string(dir.path().join("trustidx.csv")).unwrap();
        assert!(
            template.starts_with(
                "stage,id,label,unit,better,aggregate,weight,target,min,max,required,formula,how"
            ),
            "{template}"
        );
        assert!(dir.path().join("trust-index.csv").is_file());
        trustidx_in(dir.path()).arg("validate").assert().success();
    }

    #[test]
    fn lead_scoring_preset_writes_only_scoring_toml() {
        let dir = scratch();
        trustidx_in(dir.path())
            .args(["init", "--preset", "lead-scoring"])
            .assert()
            .success();

        let mut written: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        written.sort();
        assert_eq!(written, ["scoring.toml"]);
    }
}

mod determinism {
    use super::*;

    fn twice(args: &[&str]) -> (Vec<u8>, Vec<u8>) {
        let run = || {
            trust_index("score")
                .args(args)
                .assert()
                .success()
                .get_output()
                .stdout
                .clone()
        };
        (run(), run())
    }

    #[test]
    fn same_command_gives_the_same_json_bytes() {
        let (first, second) = twice(&["history.csv", "week.csv", "--format", "json"]);
        assert_eq!(first, second);
        let (first, second) = twice(&["entities-long.csv", "--format", "json"]);
        assert_eq!(first, second);
    }

    #[test]
    fn same_command_gives_the_same_csv_bytes() {
        let (first, second) = twice(&["history.csv", "week.csv", "--format", "csv"]);
        assert_eq!(first, second);
        let (first, second) = twice(&["entities-long.csv", "--format", "csv"]);
        assert_eq!(first, second);
    }
}

mod merging {
    use super::*;

    fn score_json(command: &mut assert_cmd::Command) -> String {
        stdout(&command.args(["--format", "json"]).assert().success())
    }

    #[test]
    fn the_same_file_twice_scores_as_once() {
        assert_eq!(
            score_json(trust_index("score").args(["history.csv", "history.csv"])),
            score_json(trust_index("score").arg("history.csv")),
        );
    }

    #[test]
    fn a_file_identical_to_the_history_changes_nothing() {
        assert_eq!(
            score_json(custom().args(["score", "history.csv"])),
            score_json(custom().arg("score")),
        );
    }

    #[test]
    fn a_week_file_is_merged_with_the_history() {
        let doc = json(
            &custom()
                .args(["score", "week.csv", "--format", "json"])
                .assert()
                .success(),
        );
        assert_eq!(doc["week"], "2026-11-23");
        let index = &doc["entities"][0]["index"];
        assert!(
            index["previous"].is_number(),
            "the history gives the previous week"
        );
    }

    #[test]
    fn a_conflicting_cell_names_both_files() {
        trust_index("score")
            .args(["history.csv", "conflict.csv"])
            .assert()
            .code(INVALID)
            .stdout("")
            .stderr(
                contains("error[conflicting-value]")
                    .and(contains("conflict.csv:2:2"))
                    .and(contains("history.csv:9:3")),
            );
    }
}

mod cells {
    use serde_json::Value;

    use super::*;

    fn scored_with_history(week_file: &str) -> Value {
        json(
            &trust_index("score")
                .args(["history.csv", week_file, "--format", "json"])
                .assert()
                .success(),
        )
    }

    fn metric<'a>(doc: &'a Value, id: &str) -> &'a Value {
        doc["entities"][0]["stages"]
            .as_array()
            .expect("stages")
            .iter()
            .flat_map(|stage| stage["metrics"].as_array().expect("metrics"))
            .find(|m| m["id"] == id)
            .unwrap_or_else(|| panic!("no metric {id}"))
    }

    #[test]
    fn unit_syntax_scores_like_plain_numbers() {
        // week-formatted.csv: 2m 35s, "1,234", 45%, 35d, n/a
        // week.csv:           155,    1234,    45,  35,  na
        assert_eq!(
            scored_with_history("week-formatted.csv"),
            scored_with_history("week.csv")
        );
    }

    #[test]
    fn values_in_json_are_canonical() {
        let doc = scored_with_history("week-formatted.csv");
        assert_eq!(metric(&doc, "session_duration")["value"], 155.0);
        assert_eq!(metric(&doc, "direct_traffic")["value"], 1234.0);
        assert_eq!(metric(&doc, "newsletter_open_rate")["value"], 45.0);
        assert_eq!(metric(&doc, "days_to_close")["value"], 35.0);

        let referrals = metric(&doc, "referrals");
        assert_eq!(referrals["value"], Value::Null);
        assert_eq!(referrals["status"], "not_applicable");
    }

    /// The same eight weeks in another file form score exactly like `history.csv`.
    fn assert_scores_like_history_csv(file: &str) {
        let expected = stdout(
            &trust_index("score")
                .args(["history.csv", "--format", "json"])
                .assert()
                .success(),
        );
        trust_index("score")
            .args([file, "--format", "json"])
            .assert()
            .success()
            .stdout(expected);
    }

    #[test]
    fn semicolon_delimited_file_is_detected() {
        assert_scores_like_history_csv("semicolon.csv");
    }

    #[test]
    fn labels_work_as_column_names() {
        assert_scores_like_history_csv("labels.csv");
    }

    #[test]
    fn bom_and_crlf_are_accepted() {
        assert_scores_like_history_csv("crlf-bom.csv");
    }

    #[test]
    fn toml_data_is_read_like_csv() {
        assert_scores_like_history_csv("history.toml");
    }

    #[test]
    fn standard_input_is_read_with_a_dash() {
        let expected = stdout(
            &trust_index("score")
                .args(["history.csv", "--format", "csv"])
                .assert()
                .success(),
        );
        trust_index("score")
            .args(["-", "--format", "csv"])
            .pipe_stdin(fixture("trust-index/history.csv"))
            .unwrap()
            .assert()
            .success()
            .stdout(expected);
    }
}

mod week_selection {
    use serde_json::Value;

    use super::*;

    fn index_at(week: &str) -> Value {
        let doc = json(
            &trust_index("score")
                .args(["history.csv", "--format", "json", "--week", week])
                .assert()
                .success(),
        );
        doc["entities"][0]["index"].clone()
    }

    #[test]
    fn rolling_mean_covers_the_four_weeks_ending_at_the_selected_week() {
        let scores: Vec<f64> = ["2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16"]
            .into_iter()
            .map(|week| index_at(week)["score"].as_f64().expect("an index"))
            .collect();
        let expected = scores.iter().sum::<f64>() / 4.0;
        let rolling = index_at("2026-11-16")["rolling_4w"].as_f64().unwrap();
        assert!((rolling - expected).abs() < 1e-9, "{rolling} != {expected}");
    }

    #[test]
    fn rolling_mean_after_the_data_uses_only_the_weeks_ending_at_the_selected_week() {
        // 2026-11-23 has no row: its window is 11-02, 11-09, 11-16 and itself.
        let scores: Vec<f64> = ["2026-11-02", "2026-11-09", "2026-11-16"]
            .into_iter()
            .map(|week| index_at(week)["score"].as_f64().expect("an index"))
            .collect();
        let expected = scores.iter().sum::<f64>() / 3.0;
        let rolling = index_at("2026-11-23")["rolling_4w"].as_f64().unwrap();
        assert!((rolling - expected).abs() < 1e-9, "{rolling} != {expected}");

        // Six weeks later no week of the window has an index.
        assert_eq!(index_at("2026-12-28")["rolling_4w"], Value::Null);
    }
}

mod layout {
    use super::*;

    /// Runs `trustidx ARGS` in `trust-index/` on an 80-column terminal.
    fn at_80_columns(args: &[&str]) -> String {
        stdout(
            &trustidx()
                .env("COLUMNS", "80")
                .args(args)
                .assert()
                .success(),
        )
    }

    fn assert_fits_80_columns(out: &str) {
        for line in out.lines() {
            assert!(
                line.chars().count() <= 80,
                "wider than 80:\n{line}\n\n{out}"
            );
        }
    }

    #[test]
    fn score_tables_fit_an_80_column_terminal() {
        assert_fits_80_columns(&at_80_columns(&[
            "score",
            "--preset",
            "trust-index",
            "history.csv",
        ]));
        assert_fits_80_columns(&at_80_columns(&[
            "score",
            "--preset",
            "trust-index",
            "entities-long.csv",
        ]));
    }

    #[test]
    fn a_score_table_at_80_columns_wraps_other_columns_before_metric_ids() {
        // long ids and long durations: the table must give somewhere
        let dir = crate::common::scratch();
        let template = "name = \"t\"\n\n[scoring]\nbaseline_weeks = 2\n\n[[stage]]\nid = \"s\"\nlabel = \"S\"\n\n[[metric]]\nid = \"average_time_to_resolution\"\nlabel = \"T\"\nstage = \"s\"\nunit = \"duration\"\nbetter = \"lower\"\n\n[[metric]]\nid = \"average_first_response_time\"\nlabel = \"F\"\nstage = \"s\"\nunit = \"duration\"\nbetter = \"lower\"\n";
        std::fs::write(dir.path().join("trustidx.toml"), template).expect("template");
        let data = "week,average_time_to_resolution,average_first_response_time\n2026-01-05,44641,41409\n2026-01-12,41401,45054\n2026-01-19,44654,41414\n";
        std::fs::write(dir.path().join("w.csv"), data).expect("data");
        let out = stdout(
            &crate::common::trustidx_in(dir.path())
                .env("COLUMNS", "80")
                .args(["score", "w.csv"])
                .assert()
                .success(),
        );
        assert_fits_80_columns(&out);
        for id in ["average_time_to_resolution", "average_first_response_time"] {
            assert!(out.contains(id), "{id} is cut:\n{out}");
        }
    }

    #[test]
    fn metrics_table_fits_an_80_column_terminal_without_breaking_ids() {
        let out = at_80_columns(&["metrics", "--preset", "trust-index"]);
        assert_fits_80_columns(&out);
        for id in [
            "session_duration",
            "newsletter_click_rate",
            "community_engagement",
        ] {
            assert!(out.contains(id), "{id} is wrapped:\n{out}");
        }
    }
}

mod long_form {
    use crate::common::{scratch, trustidx_in};

    /// Lines of one (entity, week) need not be adjacent; a metric given twice
    /// for it is a duplicate naming both lines, also when one value is empty.
    #[test]
    fn a_metric_twice_in_one_week_is_a_duplicate_wherever_the_lines_are() {
        let dir = scratch();
        let data = "entity,week,metric,value\nacme,2026-01-05,nps,30\nbeta,2026-01-05,nps,20\nacme,2026-01-05,referrals,4\nacme,2026-01-05,nps,31\nbeta,2026-01-05,referrals,\nbeta,2026-01-05,referrals,5\n";
        std::fs::write(dir.path().join("long.csv"), data).expect("write");
        let out = trustidx_in(dir.path())
            .args(["validate", "--preset", "trust-index", "long.csv"])
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("long.csv:5") && stderr.contains("line 2 and line 5"),
            "{stderr}"
        );
        assert!(
            stderr.contains("long.csv:7") && stderr.contains("line 6 and line 7"),
            "{stderr}"
        );
    }

    #[test]
    fn interleaved_lines_score_like_grouped_ones() {
        let dir = scratch();
        let grouped = "entity,week,metric,value\na,2026-01-05,nps,30\na,2026-01-05,referrals,4\nb,2026-01-05,nps,20\nb,2026-01-05,referrals,5\n";
        let mixed = "entity,week,metric,value\nb,2026-01-05,referrals,5\na,2026-01-05,nps,30\nb,2026-01-05,nps,20\na,2026-01-05,referrals,4\n";
        std::fs::write(dir.path().join("g.csv"), grouped).expect("write");
        std::fs::write(dir.path().join("m.csv"), mixed).expect("write");
        let run = |f: &str| {
            trustidx_in(dir.path())
                .args(["score", "--preset", "trust-index", f, "--format", "json"])
                .output()
                .expect("runs")
                .stdout
        };
        assert_eq!(run("g.csv"), run("m.csv"));
    }
}
