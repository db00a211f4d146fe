//! Invariants of scoring, over generated data (proptest): a score never
//! leaves 0..=100·cap, row order changes nothing, and merging a file with
//! itself changes nothing.

use proptest::prelude::*;
use trustidx::data::{self, Dataset, Input, ReadOptions};
use trustidx::period::{Compare, PeriodKind};
use trustidx::report::{ScoreRequest, compute};
use trustidx::template::{Template, from_preset};

fn template() -> Template {
    match from_preset("trust-index") {
        Ok(t) => t,
        Err(_) => panic!("the built-in preset loads"),
    }
}

/// Reads CSV texts as command-line files and merges them.
fn load(t: &Template, texts: &[String]) -> (Dataset, usize) {
    let mut diags = Vec::new();
    let names: Vec<String> = (0..texts.len()).map(|i| format!("f{i}.csv")).collect();
    let rows = texts
        .iter()
        .zip(&names)
        .enumerate()
        .map(|(i, (text, name))| {
            let input = Input {
                name,
                bytes: text.as_bytes(),
                is_history: false,
            };
            data::read_file(
                &input,
                u16::try_from(i).unwrap_or(0),
                t,
                ReadOptions::default(),
                &mut diags,
            )
        })
        .collect();
    let dataset = data::merge(t, names, rows, &mut diags);
    (dataset, diags.iter().filter(|d| d.is_error()).count())
}

fn request(period: PeriodKind) -> ScoreRequest {
    ScoreRequest {
        date: None,
        period,
        compare: Compare::Previous,
        entity: None,
    }
}

/// A wide CSV for three metrics of the preset: rows of (week offset, cells).
fn csv(rows: &[(u8, [Option<u32>; 3])]) -> String {
    let mut out = String::from("week,direct_traffic,unsubscribes,nps\n");
    for (week, cells) in rows {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default()
            + chrono::Duration::weeks(i64::from(*week));
        let cell = |c: Option<u32>| c.map(|v| v.to_string()).unwrap_or_default();
        let nps = cells[2]
            .map(|v| (i64::from(v % 201) - 100).to_string())
            .unwrap_or_default();
        out.push_str(&format!(
            "{date},{},{},{nps}\n",
            cell(cells[0]),
            cell(cells[1])
        ));
    }
    out
}

fn rows() -> impl Strategy<Value = Vec<(u8, [Option<u32>; 3])>> {
    prop::collection::btree_map(
        0u8..40,
        prop::array::uniform3(prop::option::of(0u32..5000)),
        1..30,
    )
    .prop_map(|m| m.into_iter().collect())
}

fn scores(t: &Template, d: &Dataset, period: PeriodKind) -> String {
    let report = compute(t, d, &request(period)).map(|(r, _, _)| r);
    serde_json::to_string(&report.map(|r| r.entities)).unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn scores_stay_within_zero_and_the_cap(rows in rows()) {
        let t = template();
        let (d, errors) = load(&t, &[csv(&rows)]);
        prop_assert_eq!(errors, 0);
        let cap = t.scoring.cap * 100.0;
        for period in [PeriodKind::Week, PeriodKind::Month] {
            let Some((report, _, _)) = compute(&t, &d, &request(period)) else { continue };
            for e in &report.entities {
                let mut all: Vec<Option<f64>> = vec![e.index.score, e.index.rolling_4w];
                for s in &e.stages {
                    all.push(s.score);
                    all.extend(s.metrics.iter().map(|m| m.score));
                    all.extend(s.metrics.iter().flat_map(|m| m.trend.iter().copied()));
                }
                for v in all.into_iter().flatten() {
                    prop_assert!((0.0..=cap).contains(&v), "score {} outside 0..={}", v, cap);
                }
                prop_assert!((0.0..=1.0).contains(&e.index.coverage));
            }
        }
    }

    #[test]
    fn row_order_does_not_change_the_scores(rows in rows(), seed in any::<u64>()) {
        let t = template();
        let mut shuffled = rows.clone();
        // a deterministic shuffle from the seed
        let n = shuffled.len();
        for i in (1..n).rev() {
            let j = (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        let (a, _) = load(&t, &[csv(&rows)]);
        let (b, _) = load(&t, &[csv(&shuffled)]);
        prop_assert_eq!(scores(&t, &a, PeriodKind::Week), scores(&t, &b, PeriodKind::Week));
        prop_assert_eq!(scores(&t, &a, PeriodKind::Quarter), scores(&t, &b, PeriodKind::Quarter));
    }

    #[test]
    fn merging_a_file_with_itself_changes_nothing(rows in rows()) {
        let t = template();
        let text = csv(&rows);
        let (once, _) = load(&t, std::slice::from_ref(&text));
        let (twice, errors) = load(&t, &[text.clone(), text]);
        prop_assert_eq!(errors, 0);
        prop_assert_eq!(scores(&t, &once, PeriodKind::Week), scores(&t, &twice, PeriodKind::Week));
        prop_assert_eq!(scores(&t, &once, PeriodKind::Month), scores(&t, &twice, PeriodKind::Month));
    }
}
