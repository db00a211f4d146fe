//! `score` on one long CSV file streams it with bounded state
//! (`data::long_scan`); on standard input it reads the file whole. The two
//! must print the same bytes, whatever the rows, their order, the baseline
//! kind and the period asked for. Generated files check that, property
//! style, on the real binary.

use std::fs;

use proptest::prelude::*;

use crate::common::{scratch, trustidx_in};

/// A small template: a count, a percent with a target, a duration.
fn template(trailing: bool, baseline_weeks: usize, required: bool) -> String {
    format!(
        r#"name = "stream"
week_start = "monday"

[scoring]
baseline = "{}"
baseline_weeks = {baseline_weeks}

[[stage]]
id = "a"
label = "A"

[[stage]]
id = "b"
label = "B"
weight = 2

[[metric]]
id = "leads"
label = "Leads"
stage = "a"
unit = "count"
required = {required}

[[metric]]
id = "rate"
label = "Rate"
stage = "a"
unit = "percent"
target = 40

[[metric]]
id = "wait"
label = "Wait"
stage = "b"
unit = "duration"
better = "lower"
aggregate = "last"
"#,
        if trailing { "trailing" } else { "first" }
    )
}

/// One cell as the generator writes it.
#[derive(Debug, Clone)]
enum Cell {
    Absent,
    Empty,
    Na,
    Value(u32),
}

/// A cell; `sparse` data has few values, so a trailing baseline reaches
/// far back.
fn cell(sparse: bool) -> impl Strategy<Value = Cell> {
    let values = if sparse { 1 } else { 10 };
    prop_oneof![
        3 => Just(Cell::Absent),
        1 => Just(Cell::Empty),
        2 => Just(Cell::Na),
        values => (0u32..500).prop_map(Cell::Value),
    ]
}

/// Per entity: its first week and its weeks' cells (3 metrics); and a
/// seed for the order of the rows.
type Dataset = (Vec<(usize, Vec<Vec<Cell>>)>, u64);

fn dataset() -> impl Strategy<Value = Dataset> {
    any::<bool>().prop_flat_map(|sparse| {
        let entity = (
            0usize..12,
            prop::collection::vec(prop::collection::vec(cell(sparse), 3), 1..70),
        );
        (prop::collection::vec(entity, 1..4), any::<u64>())
    })
}

/// The long CSV of a dataset; rows in an order the seed picks.
fn csv((entities, seed): &Dataset, duplicate: bool) -> String {
    let metrics = ["leads", "rate", "wait"];
    let mut lines = Vec::new();
    for (e, (start, weeks)) in entities.iter().enumerate() {
        for (w, cells) in weeks.iter().enumerate() {
            // Mondays from 2026-01-05; weeks may have gaps (start offsets)
            let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 5)
                .map(|d| d + chrono::Duration::weeks((start + w) as i64))
                .map(|d| d.to_string())
                .unwrap_or_default();
            for (m, c) in cells.iter().enumerate() {
                let text = match c {
                    Cell::Absent => continue,
                    Cell::Empty => String::new(),
                    Cell::Na => "n/a".to_string(),
                    // durations sometimes in their own syntax, rates with decimals
                    Cell::Value(v) if m == 2 && v % 3 == 0 => format!("{}m {}s", v / 60, v % 60),
                    Cell::Value(v) if m == 1 => format!("{}.{}", v % 100, v % 7),
                    Cell::Value(v) => v.to_string(),
                };
                lines.push(format!("client-{e},{day},{},{text}", metrics[m]));
            }
        }
    }
    if duplicate && let Some(first) = lines.first().cloned() {
        lines.push(first);
    }
    // a deterministic shuffle (xorshift)
    let mut x = seed | 1;
    for i in (1..lines.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        lines.swap(i, (x % (i as u64 + 1)) as usize);
    }
    format!("entity,week,metric,value\n{}\n", lines.join("\n"))
}

/// (exit code, stdout, stderr) of `score` on the file and on standard input.
fn both(dir: &std::path::Path, data: &str, extra: &[&str]) -> [(Option<i32>, String, String); 2] {
    let run = |stdin: bool| {
        let mut cmd = trustidx_in(dir);
        cmd.arg("score")
            .arg(if stdin { "-" } else { "data.csv" })
            .args(extra);
        if stdin {
            cmd.write_stdin(data.as_bytes().to_vec());
        }
        let out = cmd.output().expect("run trustidx");
        let text = |b: &[u8]| String::from_utf8_lossy(b).replace("<stdin>", "data.csv");
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    [run(false), run(true)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn streaming_and_whole_file_reading_print_the_same(
        data in dataset(),
        trailing in any::<bool>(),
        baseline_weeks in 1usize..5,
        required in any::<bool>(),
        duplicate in prop::bool::weighted(0.1),
        view in 0usize..6,
    ) {
        let dir = scratch();
        fs::write(dir.path().join("trustidx.toml"), template(trailing, baseline_weeks, required))
            .expect("write template");
        let text = csv(&data, duplicate);
        fs::write(dir.path().join("data.csv"), &text).expect("write data");
        let views: [&[&str]; 6] = [
            &["--format", "json"],
            &["--format", "csv"],
            &["--format", "json", "--period", "month"],
            &["--format", "json", "--period", "quarter", "--compare", "year"],
            &["--format", "markdown", "--period", "year"],
            &["--format", "json", "--entity", "client-1"],
        ];
        let [streamed, whole] = both(dir.path(), &text, views[view]);
        prop_assert_eq!(streamed, whole);
    }
}

/// A scratch folder with `template` and the data file of `data`; its text.
fn folder(template: &str, data: &Dataset) -> (tempfile::TempDir, String) {
    let dir = scratch();
    fs::write(dir.path().join("trustidx.toml"), template).expect("template");
    let text = csv(data, false);
    fs::write(dir.path().join("data.csv"), &text).expect("data");
    (dir, text)
}

/// One entity, `weeks` weeks with every metric.
fn full_weeks(weeks: usize, seed: u64) -> Dataset {
    let week = vec![Cell::Value(10), Cell::Value(30), Cell::Value(90)];
    (vec![(0, vec![week; weeks])], seed)
}

#[test]
fn a_week_with_every_metric_in_any_order_scores_alike() {
    let (dir, text) = folder(&template(true, 2, false), &full_weeks(12, 7));
    let [streamed, whole] = both(dir.path(), &text, &["--format", "json"]);
    assert_eq!(streamed, whole);
    assert_eq!(streamed.0, Some(0), "{}", streamed.2);
}

#[test]
fn a_trailing_baseline_reaches_values_older_than_the_weeks_shown() {
    // one value in four weeks: the four values before a shown week lie
    // well before the sparkline weeks
    let weeks: Vec<Vec<Cell>> = (0u32..60)
        .map(|w| {
            let v = if w % 4 == 1 {
                Cell::Value(10 + w * 7 % 90)
            } else {
                Cell::Na
            };
            vec![v, Cell::Absent, Cell::Absent]
        })
        .collect();
    let (dir, text) = folder(&template(true, 4, false), &(vec![(0, weeks)], 11));
    let [streamed, whole] = both(dir.path(), &text, &["--format", "json"]);
    assert_eq!(streamed, whole);
    assert!(
        streamed.1.contains("\"reference_kind\": \"baseline\""),
        "{}",
        streamed.1
    );
}

#[test]
fn a_history_that_cannot_be_looked_at_is_reported_not_skipped() {
    // `data` under a regular file: not "missing" but unreadable (ENOTDIR),
    // so the run must say so rather than score the week without it
    let template = template(false, 2, false)
        .replace("[scoring]", "data = \"data.csv/history.csv\"\n\n[scoring]");
    let (dir, text) = folder(&template, &full_weeks(3, 1));
    let [streamed, whole] = both(dir.path(), &text, &["--format", "csv"]);
    assert_eq!(streamed.0, Some(2), "{}", streamed.2);
    assert!(streamed.2.contains("history.csv"), "{}", streamed.2);
    assert_eq!(whole.0, Some(2));
}

#[test]
fn a_metric_without_reference_names_its_entity() {
    // client-1's leads are 0 every week: its baseline is 0, the floor
    let zero = vec![Cell::Value(0), Cell::Value(30), Cell::Value(90)];
    let some = vec![Cell::Value(10), Cell::Value(30), Cell::Value(90)];
    let data: Dataset = (vec![(0, vec![some; 8]), (0, vec![zero; 8])], 3);
    let (dir, text) = folder(&template(false, 2, false), &data);
    for (code, _, stderr) in both(dir.path(), &text, &["--format", "csv"]) {
        assert_eq!(code, Some(0), "{stderr}");
        assert!(
            stderr.contains("warning[no-reference]: leads for client-1 is unscored"),
            "{stderr}"
        );
        assert!(!stderr.contains("leads for client-0"), "{stderr}");
    }
}
