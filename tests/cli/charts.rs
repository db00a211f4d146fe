//! `trustidx chart` (SPEC §8, issue 6): PNG and SVG of every kind, decoded
//! and checked; the same bytes on every run; text drawn with no system
//! font; and the errors that must leave no file behind.
//!
//! Most charts come from `tests/fixtures/custom/` (template "Fixture Shop",
//! four weeks of history, baselines of 2 weeks) at 400x300, which keeps the
//! runs fast; data with gaps or too few weeks is written into a scratch
//! folder and scored on the built-in `trust-index` preset.

use std::fs;
use std::path::Path;

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::{custom, scratch, stderr, trust_index, trustidx_in};

/// Exit codes of SPEC §8.
const USAGE: i32 = 2;

/// A decoded PNG: width, height and RGB bytes.
struct Image {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Image {
    fn read(path: &Path) -> Image {
        let file = fs::File::open(path).expect("the chart was written");
        let decoder = png::Decoder::new(std::io::BufReader::new(file));
        let mut reader = decoder.read_info().expect("a PNG header");
        let size = reader.output_buffer_size().expect("a buffer size");
        let mut buf = vec![0; size];
        let info = reader.next_frame(&mut buf).expect("PNG image data");
        assert_eq!(info.color_type, png::ColorType::Rgb, "RGB pixels");
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        buf.truncate(info.buffer_size());
        Image {
            width: info.width,
            height: info.height,
            rgb: buf,
        }
    }

    /// Pixels in the box (x0, y0)–(x1, y1) that `keep` accepts.
    fn count(
        &self,
        (x0, y0, x1, y1): (u32, u32, u32, u32),
        keep: impl Fn([u8; 3]) -> bool,
    ) -> usize {
        let mut n = 0;
        for y in y0..y1.min(self.height) {
            for x in x0..x1.min(self.width) {
                let i = ((y * self.width + x) * 3) as usize;
                if keep([self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]) {
                    n += 1;
                }
            }
        }
        n
    }
}

fn not_white(p: [u8; 3]) -> bool {
    p != [255, 255, 255]
}

fn dark(p: [u8; 3]) -> bool {
    p.iter().all(|c| *c < 110)
}

/// A saturated colour: a line or marker, not text, grid or background.
fn coloured(p: [u8; 3]) -> bool {
    let (max, min) = (p.iter().max().copied(), p.iter().min().copied());
    matches!((max, min), (Some(a), Some(b)) if a - b > 40)
}

/// Checks that SVG text is one well-formed element: an `<svg>` root whose
/// tags all close in order.
fn assert_well_formed_svg(svg: &str) {
    let body = svg.trim_start();
    assert!(
        body.starts_with("<svg") || body.starts_with("<?xml"),
        "starts like SVG: {}",
        &body[..body.len().min(80)]
    );
    let mut open: Vec<String> = Vec::new();
    let mut rest = body;
    let mut roots = 0;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("every tag closes") + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '/')
            .collect();
        if let Some(closing) = tag.strip_prefix('/') {
            assert_eq!(
                open.pop().as_deref(),
                Some(closing.trim()),
                "tags close in order"
            );
        } else if !tag.ends_with('/') {
            if open.is_empty() {
                roots += 1;
            }
            open.push(name);
        } else if open.is_empty() {
            roots += 1;
        }
    }
    assert!(open.is_empty(), "unclosed tags: {open:?}");
    assert_eq!(roots, 1, "one root element");
    assert!(
        !rest.contains('<') && rest.trim().is_empty(),
        "nothing after the root"
    );
}

/// Runs `chart` in the custom fixture, writing `out` in a scratch folder.
fn chart_custom(dir: &Path, out: &str, args: &[&str]) -> std::path::PathBuf {
    let path = dir.join(out);
    custom()
        .arg("chart")
        .arg("-o")
        .arg(&path)
        .args(args)
        .assert()
        .success();
    path
}

mod kinds {
    use super::*;

    fn png_of_kind(kind: &str) {
        let dir = scratch();
        let path = chart_custom(dir.path(), "c.png", &["--kind", kind, "--size", "400x300"]);
        let img = Image::read(&path);
        assert_eq!((img.width, img.height), (400, 300));
        // the middle of the image is the plot area: lines are drawn there
        let plot = (60, 90, 340, 220);
        assert!(
            img.count(plot, coloured) > 50,
            "{kind}: lines in the plot area"
        );
        assert!(
            img.count((0, 0, 400, 300), not_white) > 2000,
            "{kind}: something drawn"
        );
    }

    #[test]
    fn index_renders_to_png_at_the_requested_size() {
        png_of_kind("index");
    }

    #[test]
    fn stages_render_to_png() {
        png_of_kind("stages");
    }

    #[test]
    fn metrics_render_to_png() {
        png_of_kind("metrics");
    }

    #[test]
    fn the_default_size_is_1200_by_700() {
        let dir = scratch();
        let img = Image::read(&chart_custom(dir.path(), "c.png", &[]));
        assert_eq!((img.width, img.height), (1200, 700));
    }

    #[test]
    fn every_kind_renders_to_well_formed_svg_with_its_title() {
        let dir = scratch();
        for (kind, title) in [
            ("index", "Fixture Shop · 2026-10-26 to 2026-11-16"),
            ("stages", "Fixture Shop: stages"),
            ("metrics", "Fixture Shop: metrics"),
        ] {
            let path = chart_custom(dir.path(), "c.svg", &["--kind", kind, "--size", "400x300"]);
            let svg = fs::read_to_string(&path).expect("SVG is UTF-8");
            assert_well_formed_svg(&svg);
            assert!(svg.contains(title), "{kind}: title {title:?} in\n{svg}");
            assert!(svg.contains(r#"width="400" height="300""#));
            // every text asks for the embedded font only
            assert!(!svg.contains("sans-serif"));
            assert!(svg.contains(r#"font-family="DejaVu Sans""#));
        }
    }

    #[test]
    fn the_index_chart_has_its_reference_rolling_mean_and_stages() {
        let dir = scratch();
        let path = chart_custom(dir.path(), "c.svg", &[]);
        let svg = fs::read_to_string(path).expect("SVG");
        for label in [
            "reference",
            "4-week rolling mean",
            "Reach",
            "Loyalty",
            "score",
        ] {
            assert!(svg.contains(&format!(">\n{label}\n</text>")), "{label}");
        }
        // the first week scores fewer than half of the weights: drawn hollow
        assert!(svg.contains("coverage below 50%"));
    }

    #[test]
    fn stages_show_their_weights_and_metrics_one_panel_each() {
        let dir = scratch();
        let stages = chart_custom(dir.path(), "s.svg", &["--kind", "stages"]);
        let svg = fs::read_to_string(stages).expect("SVG");
        assert!(svg.contains("Reach (weight 1)") && svg.contains("Loyalty (weight 2)"));
        let metrics = chart_custom(
            dir.path(),
            "m.svg",
            &["--kind", "metrics", "--metric", "nps"],
        );
        let svg = fs::read_to_string(metrics).expect("SVG");
        assert!(svg.contains("Net Promoter Score"));
        assert!(!svg.contains("Site visits"), "only the metric asked for");
        // values in their unit: a percent axis for signup_rate
        let rate = chart_custom(
            dir.path(),
            "r.svg",
            &["--kind", "metrics", "--metric", "signup_rate"],
        );
        let svg = fs::read_to_string(rate).expect("SVG");
        assert!(svg.contains("5%"), "percent ticks");
    }
}

mod determinism {
    use super::*;

    #[test]
    fn two_renders_give_the_same_bytes() {
        let dir = scratch();
        for out in ["a.png", "a.svg"] {
            let first =
                fs::read(chart_custom(dir.path(), out, &["--size", "400x300"])).expect("first");
            let second =
                fs::read(chart_custom(dir.path(), out, &["--size", "400x300"])).expect("second");
            assert!(first == second, "{out}: same input, same bytes");
        }
    }
}

mod fonts {
    use super::*;

    #[test]
    fn text_is_drawn_with_no_system_font() {
        let dir = scratch();
        let empty = dir.path().join("fonts.conf");
        fs::write(&empty, "").expect("an empty fontconfig file");
        let home = dir.path().join("home");
        fs::create_dir(&home).expect("an empty home");
        let path = dir.path().join("c.png");
        custom()
            .env("FONTCONFIG_FILE", &empty)
            .env("FONTCONFIG_PATH", &home)
            .env("HOME", &home)
            .env("XDG_DATA_HOME", &home)
            .env("XDG_CONFIG_HOME", &home)
            .args(["chart", "--size", "400x300", "-o"])
            .arg(&path)
            .assert()
            .success();
        let img = Image::read(&path);
        // the title: dark text in the top band, left
        assert!(img.count((0, 0, 300, 30), dark) > 100, "title text drawn");
        // tick labels left of the plot
        assert!(img.count((0, 60, 50, 220), |p| p != [255, 255, 255]) > 50);
    }
}

mod gaps {
    use super::*;

    /// Eight weeks of two metrics; `direct_traffic` is missing in week 5.
    const DATA: &str = "week,direct_traffic,nps\n\
        2026-09-28,1180,31\n2026-10-05,1234,33\n2026-10-12,1302,29\n2026-10-19,1275,35\n\
        2026-10-26,,34\n2026-11-02,1410,36\n2026-11-09,1388,38\n2026-11-16,1459,40\n";

    #[test]
    fn a_missing_week_breaks_the_line_and_is_never_a_zero() {
        let dir = scratch();
        fs::write(dir.path().join("data.csv"), DATA).expect("data");
        trustidx_in(dir.path())
            .args([
                "chart",
                "--preset",
                "trust-index",
                "data.csv",
                "--kind",
                "metrics",
            ])
            .args(["--metric", "direct_traffic", "-o", "m.svg"])
            .assert()
            .success();
        let svg = fs::read_to_string(dir.path().join("m.svg")).expect("SVG");
        // the value line is two polylines: weeks 1–4 and 6–8
        let points = |l: &str| l.matches(',').count();
        let lines: Vec<&str> = svg
            .lines()
            .filter(|l| l.starts_with("<polyline") && l.contains(r##"stroke="#17375E""##))
            .filter(|l| points(l) > 2) // not the legend's sample
            .collect();
        assert_eq!(lines.len(), 2, "{lines:#?}");
        assert_eq!((points(lines[0]), points(lines[1])), (4, 3));
        // the axis stays near the values: no tick at 0
        assert!(!svg.contains(">\n0\n</text>"));
    }
}

mod errors {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .expect("scratch folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
            .collect()
    }

    #[test]
    fn an_unknown_extension_is_a_usage_error_and_writes_nothing() {
        let dir = scratch();
        let out = dir.path().join("chart.jpg");
        let assert = custom()
            .args(["chart", "-o"])
            .arg(&out)
            .assert()
            .code(USAGE);
        assert!(
            stderr(&assert).contains(".png or .svg"),
            "{}",
            stderr(&assert)
        );
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn an_unwritable_folder_is_an_io_error_and_writes_nothing() {
        let dir = scratch();
        // a folder that does not exist (root may write anywhere that does)
        let out = dir.path().join("missing").join("chart.png");
        custom()
            .args(["chart", "--size", "400x300", "-o"])
            .arg(&out)
            .assert()
            .code(USAGE)
            .stderr(contains("chart.png"));
        assert!(leftovers(dir.path()).is_empty());
        // a regular file where the folder should be
        fs::write(dir.path().join("file"), "x").expect("a file");
        let out = dir.path().join("file").join("chart.svg");
        custom()
            .args(["chart", "-o"])
            .arg(&out)
            .assert()
            .code(USAGE);
        assert_eq!(leftovers(dir.path()), ["file"]);
    }

    #[test]
    fn no_data_is_refused_with_a_message_and_no_file() {
        let dir = scratch();
        // no data file at all, and no history
        trustidx_in(dir.path())
            .args(["chart", "--preset", "trust-index", "-o", "c.png"])
            .assert()
            .code(USAGE)
            .stderr(contains("nothing to chart"));
        assert!(leftovers(dir.path()).is_empty());
        // a data file with a header and no week
        fs::write(dir.path().join("empty.csv"), "week,direct_traffic,nps\n").expect("data");
        let assert = trustidx_in(dir.path())
            .args([
                "chart",
                "--preset",
                "trust-index",
                "empty.csv",
                "-o",
                "c.png",
            ])
            .assert()
            .failure();
        let code = assert.get_output().status.code();
        assert!(matches!(code, Some(1 | 2)), "exit {code:?}");
        assert!(
            stderr(&assert).contains("no data rows"),
            "{}",
            stderr(&assert)
        );
        assert_eq!(leftovers(dir.path()), ["empty.csv"]);
    }

    #[test]
    fn weeks_with_no_score_yet_are_refused() {
        let dir = scratch();
        fs::write(
            dir.path().join("two.csv"),
            "week,nps\n2026-11-09,30\n2026-11-16,31\n",
        )
        .expect("data");
        trustidx_in(dir.path())
            .args(["chart", "--preset", "trust-index", "two.csv", "-o", "c.png"])
            .assert()
            .code(USAGE)
            .stderr(contains("nothing to draw"));
        assert_eq!(leftovers(dir.path()), ["two.csv"]);
    }

    #[test]
    fn several_entities_need_entity_for_stages_but_not_for_the_index() {
        let dir = scratch();
        let out = dir.path().join("c.svg");
        trust_index("chart")
            .args(["entities-long.csv", "--kind", "stages", "-o"])
            .arg(&out)
            .assert()
            .code(USAGE)
            .stderr(contains("acme, globex").and(contains("--entity")));
        assert!(!out.exists());
        trust_index("chart")
            .args(["entities-long.csv", "--size", "400x300", "-o"])
            .arg(&out)
            .assert()
            .success();
        let svg = fs::read_to_string(&out).expect("SVG");
        assert!(svg.contains(">\nacme\n</text>") && svg.contains(">\nglobex\n</text>"));
        trust_index("chart")
            .args(["entities-long.csv", "--entity", "acme", "--kind", "metrics"])
            .args(["--metric", "nps", "-o"])
            .arg(&out)
            .assert()
            .success();
        assert!(fs::read_to_string(&out).expect("SVG").contains("· acme ·"));
    }

    #[test]
    fn an_unknown_metric_is_named_with_a_suggestion() {
        let dir = scratch();
        custom()
            .args(["chart", "--kind", "metrics", "--metric", "npss", "-o"])
            .arg(dir.path().join("c.png"))
            .assert()
            .code(USAGE)
            .stderr(contains("did you mean nps?"));
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn too_many_panels_for_the_size_is_a_usage_error() {
        let dir = scratch();
        let out = dir.path().join("c.png");
        trust_index("chart")
            .args([
                "history.csv",
                "--kind",
                "metrics",
                "--size",
                "200x200",
                "-o",
            ])
            .arg(&out)
            .assert()
            .code(USAGE)
            .stderr(contains("--size"));
        assert!(!out.exists());
    }
}

#[test]
fn no_sparklines_drops_the_trend_column() {
    let with = crate::common::trust_index("score")
        .args(["history.csv"])
        .env("COLUMNS", "200")
        .output()
        .expect("runs");
    let without = crate::common::trust_index("score")
        .args(["history.csv", "--no-sparklines"])
        .env("COLUMNS", "200")
        .output()
        .expect("runs");
    let (with, without) = (
        String::from_utf8_lossy(&with.stdout),
        String::from_utf8_lossy(&without.stdout),
    );
    assert!(with.contains("last 12 weeks"), "{with}");
    assert!(
        !without.contains("last 12 weeks") && !without.contains('▁'),
        "{without}"
    );
}
