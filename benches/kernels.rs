//! Kernels the profiles pointed at: cell parsing, weekly scoring, lead
//! timestamps and rule matching. `cargo bench`; timings stay out of tests.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use trustidx::data::{self, Input, ReadOptions};
use trustidx::leads::{Rules, parse_timestamp};
use trustidx::report::{ScoreRequest, compute};
use trustidx::template::from_preset;
use trustidx::value::{DecimalMark, Unit, parse_cell};

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
    c.bench_function("rule matching (longest prefix)", |b| {
        b.iter(|| {
            black_box(rules.matching(
                black_box("page_view"),
                black_box("/pricing/enterprise?plan=team"),
            ))
        })
    });
}

criterion_group!(kernels, cells, scoring, leads);
criterion_main!(kernels);
