//! Kernels the profiles pointed at: cell parsing, weekly scoring, the
//! streaming scan of long files, lead timestamps and rule matching.
//! `cargo bench`; timings stay out of tests.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use trustidx::data::long_scan::{self, ScanOptions};
use trustidx::data::{self, Input, ReadOptions};
use trustidx::leads::{Rules, parse_timestamp};
use trustidx::report::{ScoreRequest, compute};
use trustidx::template::from_preset;
use trustidx::value::{DecimalMark, Unit, parse_cell, plain_number};

fn cells(c: &mut Criterion) {
    let samples = [
        ("1234", Unit::Count),
        ("1,234", Unit::Count),
        ("45.5%", Unit::Percent),
        ("2m 35s", Unit::Duration),
        ("2:35", Unit::Duration),
        ("33.33", Unit::Nps),
    ];
    c.bench_function("parse_cell (6 syntaxes)", |b| {
        b.iter(|| {
            for (text, unit) in samples {
                let _ = black_box(parse_cell(black_box(text), unit, DecimalMark::Point));
            }
        })
    });
}

fn plain_numbers(c: &mut Criterion) {
    let samples = ["4523.17", "0", "99.9", "14400", "-37"];
    c.bench_function("plain_number (5 cells)", |b| {
        b.iter(|| {
            for text in samples {
                black_box(plain_number(black_box(text.as_bytes())));
            }
        })
    });
}

/// A long file like the w2 workload's: 200 entities × 52 weeks × the
/// preset's metrics, rows week by week.
fn long_file(t: &trustidx::template::Template) -> Vec<u8> {
    let mut out = b"entity,week,metric,value\n".to_vec();
    let Some(monday) = chrono::NaiveDate::from_ymd_opt(2025, 1, 6) else {
        return out;
    };
    for w in 0..52 {
        let week = monday + chrono::Duration::weeks(w);
        for e in 0..200 {
            for (m, metric) in t.metrics.iter().enumerate() {
                let v = (e * 31 + m as i64 * 7 + w * 3) % 90 + 5;
                out.extend_from_slice(
                    format!("client-{e:04},{week},{},{v}\n", metric.id).as_bytes(),
                );
            }
        }
    }
    out
}

fn streaming(c: &mut Criterion) {
    let Ok(t) = from_preset("trust-index") else {
        return;
    };
    let file = long_file(&t);
    let options = ScanOptions {
        delimiter: None,
        recent_weeks: 20,
        threads: 2,
    };
    c.bench_function("long_scan: 200 entities x 52 weeks, 2 threads", |b| {
        b.iter(|| {
            let scanned = long_scan::scan(|| Ok(file.as_slice()), &t, options);
            black_box(scanned.and_then(|s| s.latest_week()))
        })
    });
}

fn scoring(c: &mut Criterion) {
    let Ok(t) = from_preset("trust-index") else {
        return;
    };
    let text = include_str!("../examples/trust-index.csv");
    c.bench_function("read + score the 78-week example", |b| {
        b.iter(|| {
            let mut diags = Vec::new();
            let input = Input {
                name: "trust-index.csv",
                bytes: text.as_bytes(),
                is_history: false,
            };
            let rows = data::read_file(&input, 0, &t, ReadOptions::default(), &mut diags);
            let dataset = data::merge(
                &t,
                vec!["trust-index.csv".to_string()],
                vec![rows],
                &mut diags,
            );
            let request = ScoreRequest {
                date: None,
                period: trustidx::period::PeriodKind::Week,
                compare: trustidx::period::Compare::Previous,
                entity: None,
            };
            black_box(compute(&t, &dataset, &request).map(|(r, _, _)| r.entities.len()))
        })
    });
}

fn leads(c: &mut Criterion) {
    c.bench_function("parse_timestamp", |b| {
        b.iter(|| black_box(parse_timestamp(black_box("2026-11-23T10:41:07Z"))))
    });
    let rules_text = include_str!("../templates/lead-scoring.toml");
    let Ok(rules) = Rules::parse(rules_text, "lead-scoring.toml") else {
        return;
    };
    // leads --out writes four of these per contact
    c.bench_function("push_fixed2 (decayed score)", |b| {
        let mut out = String::with_capacity(64);
        b.iter(|| {
            out.clear();
            trustidx::render::push_fixed2(&mut out, black_box(123.456_789_012_3));
            black_box(out.len())
        })
    });
    c.bench_function("rule matching (longest prefix)", |b| {
        b.iter(|| {
            black_box(rules.matching(
                black_box("page_view"),
                black_box("/pricing/enterprise?plan=team"),
            ))
        })
    });
}

criterion_group!(kernels, cells, plain_numbers, scoring, streaming, leads);
criterion_main!(kernels);
