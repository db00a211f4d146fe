//! The `chart` renderer (SPEC §8): a `Chart` — one panel, or small
//! multiples, of dated lines — drawn with plotters as PNG (into a memory
//! buffer, encoded with `png`) or SVG. Every text uses the embedded DejaVu
//! Sans, registered once, so no system font is ever looked up. The command
//! builds the `Chart` from scores; this module only lays it out and draws.

mod axis;
mod glyphs;
mod legend;
mod panel;
mod text;

use std::path::Path;

use chrono::NaiveDate;
use plotters::backend::RGBPixel;
use plotters::coord::Shift;
use plotters::prelude::{
    BitMapBackend, DrawingArea, DrawingAreaErrorKind, DrawingBackend, IntoDrawingArea, RGBColor,
    SVGBackend, WHITE,
};
use plotters::style::text_anchor::HPos;

use crate::value::Unit;
use text::{fitted, font, register_font, text, width};

/// The colour of the Trust Index (and of a metric's values).
pub const INDEX_COLOUR: Colour = (23, 55, 94);
/// Distinct colours for stage and entity lines.
pub const PALETTE: [Colour; 8] = [
    (230, 126, 34),
    (39, 174, 96),
    (142, 68, 173),
    (192, 57, 43),
    (22, 160, 133),
    (52, 120, 200),
    (212, 90, 160),
    (128, 128, 30),
];
const INK: Colour = (33, 33, 33);
const MUTED: Colour = (100, 100, 100);
const GRID: Colour = (228, 228, 228);
const AXIS: Colour = (150, 150, 150);
const REFERENCE: Colour = (120, 120, 120);
const BAND: Colour = (238, 238, 238);

/// An RGB colour.
pub type Colour = (u8, u8, u8);

/// The image format, chosen by the output file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Svg,
}

impl ImageFormat {
    /// `.png` or `.svg` (any case); `None` for anything else.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?;
        if ext.eq_ignore_ascii_case("png") {
            Some(ImageFormat::Png)
        } else if ext.eq_ignore_ascii_case("svg") {
            Some(ImageFormat::Svg)
        } else {
            None
        }
    }
}

/// What to draw: a title, the periods along x, and one or more panels.
#[derive(Debug, Clone)]
pub struct Chart {
    pub title: String,
    /// The second title line: what the points are and the date range.
    pub subtitle: String,
    /// Oldest first; every line has one value per period.
    pub periods: Vec<ChartPeriod>,
    pub panels: Vec<Panel>,
    /// What a hollow marker means, for the legend.
    pub hollow_means: String,
    /// What the reference line is, for the legend of small multiples.
    pub reference_means: String,
}

/// One point along x: the day it is drawn at and the days it covers.
#[derive(Debug, Clone, Copy)]
pub struct ChartPeriod {
    pub at: NaiveDate,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Some of its weeks are after the latest week or before the first.
    pub partial: bool,
}

/// A plot: its own y axis, an optional reference line, its lines.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Shown above small multiples.
    pub title: Option<String>,
    /// `None`: scores (y axis "score"); else values in this unit.
    pub unit: Option<Unit>,
    pub reference: Option<f64>,
    pub lines: Vec<Line>,
}

/// A series: one value per period (`None` is a gap, never a zero).
#[derive(Debug, Clone)]
pub struct Line {
    pub label: String,
    pub look: Look,
    pub colour: Colour,
    pub values: Vec<Option<f64>>,
    /// Points drawn hollow (low coverage); same length as `values`.
    pub hollow: Vec<bool>,
}

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// Thick, with markers: the Trust Index.
    Main,
    /// Dashed, no markers: a rolling mean.
    Rolling,
    /// Thinner, small markers when there is room: stages, entities, values.
    Thin,
    /// Thin and lighter, no markers: context behind the index.
    Faint,
}

/// Why a chart was not drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum RenderError {
    /// The image is too small for the panels asked for.
    DoesNotFit(String),
    /// The drawing or encoding failed.
    Failed(String),
}

fn failed(e: impl std::fmt::Display) -> RenderError {
    RenderError::Failed(e.to_string())
}

/// Draws the chart at `size` (pixels) and returns the file's bytes.
pub fn render(
    chart: &Chart,
    format: ImageFormat,
    size: (u32, u32),
) -> Result<Vec<u8>, RenderError> {
    register_font()?;
    let grid = PanelGrid::for_count(chart.panels.len(), size);
    let sizes = Sizes::new(size, format);
    let too_small = || {
        let (w, h) = size;
        RenderError::DoesNotFit(match chart.panels.len() {
            1 => format!("the chart does not fit in {w}x{h} pixels; use a larger --size"),
            n => format!(
                "{n} panels do not fit in {w}x{h} pixels; choose metrics with --metric or a larger --size"
            ),
        })
    };
    match format {
        ImageFormat::Png => {
            let (w, h) = size;
            let mut rgb = vec![0u8; w as usize * h as usize * 3];
            {
                let backend = BitMapBackend::<RGBPixel>::with_buffer_and_format(&mut rgb, size)
                    .map_err(failed)?;
                let root = backend.into_drawing_area();
                if !draw(&root, chart, &sizes, grid).map_err(failed)? {
                    return Err(too_small());
                }
                root.present().map_err(failed)?;
            }
            encode_png(&rgb, size)
        }
        ImageFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
                if !draw(&root, chart, &sizes, grid).map_err(failed)? {
                    return Err(too_small());
                }
                root.present().map_err(failed)?;
            }
            Ok(svg.into_bytes())
        }
    }
}

fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(failed)?;
    writer.write_image_data(rgb).map_err(failed)?;
    writer.finish().map_err(failed)?;
    Ok(out)
}

/// Font sizes and spacing for an image size.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    /// Tick labels, legend.
    text: f64,
    title: f64,
    subtitle: f64,
    pad: i32,
    /// Where a top-anchored text's baseline falls, as a share of its size:
    /// plotters' bitmap and SVG text sit differently.
    drop: f64,
    /// Place glyphs one by one (bitmaps; see `glyphs`).
    per_glyph: bool,
    main_width: u32,
    thin_width: u32,
}

impl Sizes {
    fn new((w, h): (u32, u32), format: ImageFormat) -> Self {
        let text = (f64::from(h).min(f64::from(w) * 0.6) / 44.0).clamp(12.0, 34.0);
        Sizes {
            text,
            title: text * 1.55,
            subtitle: text * 1.05,
            pad: (text * 1.1).round() as i32,
            drop: match format {
                ImageFormat::Png => 0.5,
                ImageFormat::Svg => 0.61,
            },
            per_glyph: format == ImageFormat::Png,
            main_width: (text / 5.0).round().max(2.0) as u32,
            thin_width: (text / 8.0).round().max(1.0) as u32,
        }
    }

    /// The height of a capital letter at text size `size`.
    fn cap(size: f64) -> f64 {
        size * 0.63
    }

    fn line(&self, size: f64) -> i32 {
        (size * 1.3).round() as i32
    }
}

/// How small multiples are arranged.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PanelGrid {
    cols: usize,
    rows: usize,
}

impl PanelGrid {
    fn for_count(n: usize, (w, h): (u32, u32)) -> Self {
        let n = n.max(1);
        let aspect = f64::from(w) / f64::from(h);
        // panels about 1.6 times wider than tall
        let cols = ((n as f64 * aspect / 1.6).sqrt().round() as usize).clamp(1, n);
        PanelGrid {
            cols,
            rows: n.div_ceil(cols),
        }
    }
}

type Area<DB> = DrawingArea<DB, Shift>;
type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A pixel rectangle: left, top, right, bottom.
#[derive(Debug, Clone, Copy)]
struct Rect {
    left: i32,
    top: i32,
    right: i32,
    bottom: i32,
}

fn colour((r, g, b): Colour) -> RGBColor {
    RGBColor(r, g, b)
}

fn days(d: NaiveDate) -> f64 {
    f64::from(chrono::Datelike::num_days_from_ce(&d))
}

/// The x range in days: half a period of room before the first point and
/// after the last.
fn x_range(periods: &[ChartPeriod]) -> (f64, f64) {
    let (Some(first), Some(last)) = (periods.first(), periods.last()) else {
        return (0.0, 1.0);
    };
    let half = |p: &ChartPeriod| (days(p.end) - days(p.start) + 1.0) / 2.0;
    (days(first.at) - half(first), days(last.at) + half(last))
}

/// Draws the whole chart; `false` (and the drawing left unfinished) when
/// its plots would be too small to read.
fn draw<DB: DrawingBackend>(
    root: &Area<DB>,
    chart: &Chart,
    s: &Sizes,
    grid: PanelGrid,
) -> Result<bool, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let title_base = s.pad + Sizes::cap(s.title).round() as i32;
    let title = fitted(root, &chart.title, s.title, f64::from(w - 2 * s.pad));
    text(
        root,
        s,
        (s.pad, title_base),
        &title,
        s.title,
        INK,
        HPos::Left,
    )?;
    let sub_base = title_base + s.line(s.subtitle) + (s.text * 0.2) as i32;
    let subtitle = fitted(root, &chart.subtitle, s.subtitle, f64::from(w - 2 * s.pad));
    text(
        root,
        s,
        (s.pad, sub_base),
        &subtitle,
        s.subtitle,
        MUTED,
        HPos::Left,
    )?;
    let entries = legend::entries(chart);
    let legend_h = legend::draw(root, s, &entries, h - s.pad)?;
    let area = Rect {
        left: s.pad,
        top: sub_base + s.pad,
        right: w - s.pad,
        bottom: h - s.pad - legend_h - s.pad / 2,
    };
    let x = x_range(&chart.periods);
    if let [only] = chart.panels.as_slice() {
        let frame = panel::Frame::new(s, area, true, only);
        let y = panel::YAxis::new(root, only, frame.plot_height(), frame.size);
        if !frame.fits(y.width) {
            return Ok(false);
        }
        panel::draw(root, s, &frame, chart, only, x, &y, y.width)?;
        return Ok(true);
    }
    let gap = s.pad;
    let cell_w = (area.right - area.left + gap) / grid.cols as i32;
    let cell_h = (area.bottom - area.top + gap) / grid.rows as i32;
    let frames: Vec<panel::Frame> = (chart.panels.iter().enumerate())
        .map(|(i, p)| {
            let (col, row) = ((i % grid.cols) as i32, (i / grid.cols) as i32);
            let rect = Rect {
                left: area.left + col * cell_w,
                top: area.top + row * cell_h,
                right: area.left + (col + 1) * cell_w - gap,
                bottom: area.top + (row + 1) * cell_h - gap,
            };
            panel::Frame::new(s, rect, false, p)
        })
        .collect();
    let axes: Vec<panel::YAxis> = chart
        .panels
        .iter()
        .zip(&frames)
        .map(|(p, f)| panel::YAxis::new(root, p, f.plot_height(), f.size))
        .collect();
    // panels of a column share their y label width, so their plots line up
    let mut column_width = vec![0; grid.cols];
    for (i, y) in axes.iter().enumerate() {
        column_width[i % grid.cols] = column_width[i % grid.cols].max(y.width);
    }
    let fits = |(i, f): (usize, &panel::Frame)| f.fits(column_width[i % grid.cols]);
    if !frames.iter().enumerate().all(fits) {
        return Ok(false);
    }
    // every panel gets the date ticks that fit the narrowest
    let narrowest = frames
        .iter()
        .enumerate()
        .map(|(i, f)| f.plot_width(column_width[i % grid.cols]))
        .min()
        .unwrap_or(1);
    let scale = f64::from(narrowest.max(1)) / (x.1 - x.0).max(1.0);
    let mut frames = frames;
    for f in &mut frames {
        f.date_scale = Some(scale);
    }
    for (i, ((p, f), y)) in chart.panels.iter().zip(&frames).zip(&axes).enumerate() {
        panel::draw(root, s, f, chart, p, x, y, column_width[i % grid.cols])?;
    }
    Ok(true)
}
