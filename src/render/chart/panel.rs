//! One plot of a chart: its frame inside the image, its y axis, date ticks
//! that never overlap, partial periods, the reference line and the lines
//! (split at missing values, markers hollow for low coverage).

use plotters::prelude::{
    ChartBuilder, Circle, Color, DashedLineSeries, DrawingBackend, FontTransform, LineSeries,
    PathElement, Rectangle, ShapeStyle, Text, WHITE,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis;
use super::{
    AXIS, Area, BAND, Chart, ChartPeriod, Drawn, GRID, INK, Line, Look, MUTED, Panel, REFERENCE,
    Rect, Sizes, colour, days, fitted, font, text, width,
};

/// Where a panel's parts go: its rectangle, text size and the plot's top
/// and bottom (left and right depend on the y labels).
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    rect: Rect,
    pub size: f64,
    /// The only panel: y axis titled, reference labelled, dates on two lines.
    single: bool,
    /// Titled "score" on the y axis (scores, alone in the chart).
    score_axis: bool,
    top: i32,
    bottom: i32,
    tick: i32,
    cap: i32,
    line: i32,
    /// Pixels per day to choose date ticks by, when panels share them.
    pub date_scale: Option<f64>,
}

impl Frame {
    pub fn new(s: &Sizes, rect: Rect, single: bool, panel: &Panel) -> Self {
        let size = if single { s.text } else { s.text * 0.9 };
        let cap = Sizes::cap(size).round() as i32;
        let tick = (size * 0.4).round() as i32;
        let line = s.line(size);
        // room above for the top y label, and for a panel's title
        let top = rect.top + cap + if panel.title.is_some() { line } else { 0 };
        let date_lines = if single { 2 } else { 1 };
        Frame {
            rect,
            size,
            single,
            score_axis: single && panel.unit.is_none(),
            top,
            bottom: rect.bottom - tick - date_lines * line,
            tick,
            cap,
            line,
            date_scale: None,
        }
    }

    /// The plot's width beside y labels `label_w` wide (small multiples).
    pub fn plot_width(&self, label_w: i32) -> i32 {
        self.rect.right - self.rect.left - label_w - 2 * self.tick
    }

    pub fn plot_height(&self) -> f64 {
        f64::from((self.bottom - self.top).max(1))
    }

    /// Whether the plot, beside y labels `label_w` wide, is big enough to
    /// read: two labelled y ticks high, a few dates wide.
    pub fn fits(&self, label_w: i32) -> bool {
        // the y title and the "reference" label take about 6 lines' room
        let beside = 2 * self.tick + if self.single { self.line * 6 } else { 0 };
        let plot_w = self.rect.right - self.rect.left - label_w - beside;
        self.plot_height() >= self.size * 2.2 && f64::from(plot_w) >= self.size * 6.0
    }
}

/// A panel's y axis: round ticks, their labels (every `every`-th shown,
/// so labels never touch) and the widest label.
#[derive(Debug, Clone)]
pub struct YAxis {
    ticks: Vec<f64>,
    labels: Vec<String>,
    lo: f64,
    hi: f64,
    every: usize,
    pub width: i32,
}

impl YAxis {
    pub fn new<DB: DrawingBackend>(root: &Area<DB>, panel: &Panel, plot_h: f64, size: f64) -> Self {
        let target = (plot_h / (size * 2.6)).clamp(2.0, 10.0) as usize;
        let (lo, hi) = y_extent(panel);
        let (ticks, lo, hi) = axis::value_ticks(lo, hi, target, panel.unit);
        let step = match ticks.as_slice() {
            [a, b, ..] => b - a,
            _ => 1.0,
        };
        let labels: Vec<String> = ticks
            .iter()
            .map(|v| axis::value_label(*v, step, panel.unit))
            .collect();
        let apart = plot_h / (ticks.len().max(2) - 1) as f64;
        let every = (1..=ticks.len().max(1))
            .find(|k| apart * *k as f64 >= size * 1.3)
            .unwrap_or(1);
        let width = labels
            .iter()
            .step_by(every)
            .map(|l| width(root, l, size))
            .fold(0.0, f64::max)
            .ceil() as i32;
        YAxis {
            ticks,
            labels,
            lo,
            hi,
            every,
            width,
        }
    }
}

/// The y range a panel needs: its values, its reference (and 100 for
/// scores), with a little room; values never below 0 keep the axis at 0
/// or above.
fn y_extent(panel: &Panel) -> (f64, f64) {
    let values = panel
        .lines
        .iter()
        .flat_map(|l| l.values.iter().flatten().copied())
        .chain(panel.reference)
        .chain(panel.unit.is_none().then_some(100.0));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let span = if hi - lo > 1e-9 {
        hi - lo
    } else {
        (hi.abs() * 0.1).max(1.0)
    };
    let room = span * 0.06;
    let bottom = if lo >= 0.0 {
        (lo - room).max(0.0)
    } else {
        lo - room
    };
    (bottom, hi + room)
}

/// Where a panel's plot landed: its pixel box, x range and the mapping
/// from (day, value) to pixels.
struct Placed<'a> {
    left: i32,
    right: i32,
    top: i32,
    bottom: i32,
    x: (f64, f64),
    at: &'a dyn Fn(f64, f64) -> (i32, i32),
}

impl Placed<'_> {
    fn px_per_day(&self) -> f64 {
        f64::from(self.right - self.left) / (self.x.1 - self.x.0).max(1.0)
    }

    /// The pixel columns a period covers, clipped to the plot.
    fn span(&self, p: &ChartPeriod) -> (i32, i32) {
        let x0 = (self.at)(days(p.start).max(self.x.0), 0.0).0;
        let x1 = (self.at)((days(p.end) + 1.0).min(self.x.1), 0.0).0;
        (x0, x1)
    }
}

/// Draws a panel in its frame, its y labels `label_w` wide.
#[allow(clippy::too_many_arguments)]
pub fn draw<DB: DrawingBackend>(
    root: &Area<DB>,
    s: &Sizes,
    f: &Frame,
    chart: &Chart,
    panel: &Panel,
    x: (f64, f64),
    y: &YAxis,
    label_w: i32,
) -> Drawn<DB> {
    let rect = f.rect;
    if let Some(title) = &panel.title {
        let t = fitted(root, title, f.size, f64::from(rect.right - rect.left));
        text(
            root,
            s,
            (rect.left, rect.top + f.cap),
            &t,
            f.size,
            INK,
            HPos::Left,
        )?;
    }
    let desc_w = if f.score_axis { f.line + f.tick } else { 0 };
    let left = rect.left + desc_w + label_w + 2 * f.tick;
    let reference_w = if f.single && panel.reference.is_some() {
        width(root, "reference", f.size).ceil() as i32 + 2 * f.tick
    } else {
        0
    };
    let right = (rect.right - reference_w).max(left + 1);
    let size = ((right - left) as u32, (f.bottom - f.top).max(1) as u32);
    let plot_area = root.clone().shrink((left, f.top), size);
    let mut cc = ChartBuilder::on(&plot_area).build_cartesian_2d(x.0..x.1, y.lo..y.hi)?;
    let at = |day: f64, v: f64| cc.backend_coord(&(day, v));
    let placed = Placed {
        left,
        right,
        top: f.top,
        bottom: f.bottom,
        x,
        at: &at,
    };
    partial_bands(root, s, f, chart, &placed, false)?;
    value_axis(root, s, f, y, &placed)?;
    date_axis(root, s, f, chart, &placed)?;
    partial_bands(root, s, f, chart, &placed, true)?;
    let frame_line = vec![(left, f.top), (left, f.bottom), (right, f.bottom)];
    root.draw(&PathElement::new(frame_line, colour(AXIS)))?;
    reference(root, s, f, panel, &placed)?;
    if panel
        .lines
        .iter()
        .all(|l| l.values.iter().all(Option::is_none))
    {
        let centre = ((left + right) / 2, (f.top + f.bottom) / 2 + f.cap / 2);
        return text(root, s, centre, "no data", f.size, MUTED, HPos::Center);
    }
    let px_per_day = placed.px_per_day();
    let spacing = chart
        .periods
        .windows(2)
        .map(|p| (days(p[1].at) - days(p[0].at)) * px_per_day)
        .fold(f64::from(right - left), f64::min);
    let xs: Vec<f64> = chart.periods.iter().map(|p| days(p.at)).collect();
    // the index last, on top of what gives it context
    let mut lines: Vec<&Line> = panel.lines.iter().collect();
    lines.sort_by_key(|l| match l.look {
        Look::Faint => 0,
        Look::Thin => 1,
        Look::Rolling => 2,
        Look::Main => 3,
    });
    for line in lines {
        draw_line(&mut cc, s, line, &xs, spacing)?;
    }
    Ok(())
}

/// Shades partial periods (`captions`: writes "partial" in those wide
/// enough, over the grid).
fn partial_bands<DB: DrawingBackend>(
    root: &Area<DB>,
    s: &Sizes,
    f: &Frame,
    chart: &Chart,
    placed: &Placed<'_>,
    captions: bool,
) -> Drawn<DB> {
    let small = f.size * 0.8;
    for p in chart.periods.iter().filter(|p| p.partial) {
        let (x0, x1) = placed.span(p);
        if !captions {
            let corners = [(x0, placed.top), (x1, placed.bottom)];
            root.draw(&Rectangle::new(corners, colour(BAND).filled()))?;
        } else if f64::from(x1 - x0) >= width(root, "partial", small) + 4.0 {
            let base = placed.top + Sizes::cap(small).round() as i32 + f.tick;
            let centre = ((x0 + x1) / 2, base);
            text(root, s, centre, "partial", small, MUTED, HPos::Center)?;
        }
    }
    Ok(())
}

/// Horizontal grid lines, y tick marks and labels, and the axis title.
fn value_axis<DB: DrawingBackend>(
    root: &Area<DB>,
    s: &Sizes,
    f: &Frame,
    y: &YAxis,
    placed: &Placed<'_>,
) -> Drawn<DB> {
    let (left, right, tick) = (placed.left, placed.right, f.tick);
    for (i, (v, label)) in y.ticks.iter().zip(&y.labels).enumerate() {
        let (_, py) = (placed.at)(placed.x.0, *v);
        root.draw(&PathElement::new(
            vec![(left, py), (right, py)],
            colour(GRID),
        ))?;
        if i % y.every == 0 {
            root.draw(&PathElement::new(
                vec![(left - tick, py), (left, py)],
                colour(AXIS),
            ))?;
            let anchor = (left - 2 * tick, py + f.cap / 2);
            text(root, s, anchor, label, f.size, MUTED, HPos::Right)?;
        }
    }
    if f.score_axis {
        let style = font(f.size, MUTED)
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let centre = (f.rect.left + f.line / 2, (placed.top + placed.bottom) / 2);
        root.draw(&Text::new("score", centre, style))?;
    }
    Ok(())
}

/// The reference line, labelled on the right when the panel is alone.
fn reference<DB: DrawingBackend>(
    root: &Area<DB>,
    s: &Sizes,
    f: &Frame,
    panel: &Panel,
    placed: &Placed<'_>,
) -> Drawn<DB> {
    let Some(r) = panel.reference else {
        return Ok(());
    };
    let (_, py) = (placed.at)(placed.x.0, r);
    let style = ShapeStyle::from(&colour(REFERENCE)).stroke_width(s.thin_width);
    root.draw(&PathElement::new(
        vec![(placed.left, py), (placed.right, py)],
        style,
    ))?;
    if f.single {
        let anchor = (placed.right + f.tick, py + f.cap / 2);
        text(root, s, anchor, "reference", f.size, MUTED, HPos::Left)?;
    }
    Ok(())
}

/// Vertical grid lines, tick marks and date labels along the bottom.
fn date_axis<DB: DrawingBackend>(
    root: &Area<DB>,
    s: &Sizes,
    f: &Frame,
    chart: &Chart,
    placed: &Placed<'_>,
) -> Drawn<DB> {
    let (size, tick, bottom) = (f.size, f.tick, f.bottom);
    let lo_date = date_of(placed.x.0.ceil());
    let hi_date = date_of(placed.x.1.floor());
    let anchor = chart.periods.first().map_or(lo_date, |p| p.at);
    let measure = |t: &str| width(root, t, size);
    let one_line = !f.single;
    let scale = f.date_scale.unwrap_or(placed.px_per_day());
    let ticks = axis::date_ticks(lo_date, hi_date, anchor, scale, size, one_line, &measure);
    let base = bottom + tick + f.line - (f.line - f.cap) / 2;
    for t in &ticks {
        let (x, _) = (placed.at)(days(t.date), 0.0);
        if x < placed.left || x > placed.right {
            continue;
        }
        root.draw(&PathElement::new(
            vec![(x, f.top), (x, bottom)],
            colour(GRID),
        ))?;
        root.draw(&PathElement::new(
            vec![(x, bottom), (x, bottom + tick)],
            colour(AXIS),
        ))?;
        // a label that would spill out of the panel is left out
        let half = (axis::tick_width(t, &measure) / 2.0).ceil() as i32;
        if x - half < f.rect.left || x + half > f.rect.right {
            continue;
        }
        text(root, s, (x, base), &t.label, size, MUTED, HPos::Center)?;
        if let Some(year) = &t.year {
            text(root, s, (x, base + f.line), year, size, MUTED, HPos::Center)?;
        }
    }
    Ok(())
}

fn date_of(day: f64) -> chrono::NaiveDate {
    let day = day.clamp(1.0, 3_000_000.0) as i32;
    chrono::NaiveDate::from_num_days_from_ce_opt(day).unwrap_or_default()
}

type Plot<'a, DB> = plotters::chart::ChartContext<
    'a,
    DB,
    plotters::coord::cartesian::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// Draws one line: segments between consecutive values (a missing value
/// breaks the line), then its markers; hollow markers for low coverage.
fn draw_line<DB: DrawingBackend>(
    cc: &mut Plot<'_, DB>,
    s: &Sizes,
    line: &Line,
    xs: &[f64],
    spacing: f64,
) -> Drawn<DB> {
    let c = colour(line.colour);
    // dense weeks: a thinner index and lighter context, so the trend shows
    let dense = spacing < 6.0;
    let width = match line.look {
        Look::Main if dense => s.thin_width.max(2),
        Look::Main => s.main_width,
        Look::Rolling | Look::Thin | Look::Faint => s.thin_width,
    };
    let style = match line.look {
        Look::Faint => c.mix(if dense { 0.45 } else { 0.8 }).stroke_width(width),
        _ => ShapeStyle::from(&c).stroke_width(width),
    };
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (x, v) in xs.iter().zip(&line.values) {
        match (v, runs.last_mut()) {
            (Some(v), Some(run)) => run.push((*x, *v)),
            (None, Some(run)) if !run.is_empty() => runs.push(Vec::new()),
            _ => {}
        }
    }
    for run in runs.iter().filter(|r| r.len() > 1) {
        if line.look == Look::Rolling {
            let (dash, gap) = ((s.text * 0.6).round(), (s.text * 0.35).round());
            cc.draw_series(DashedLineSeries::new(run.clone(), dash, gap, style))?;
        } else {
            cc.draw_series(LineSeries::new(run.clone(), style))?;
        }
    }
    let radius = match line.look {
        Look::Main => (spacing * 0.3).clamp(2.0, s.text * 0.32),
        _ => (spacing * 0.22).clamp(1.5, s.text * 0.22),
    };
    let all_markers = match line.look {
        Look::Main => spacing >= 7.0,
        Look::Thin => spacing >= 18.0,
        Look::Rolling | Look::Faint => false,
    };
    // every marker when there is room; else only points with no neighbour
    let dots = runs
        .iter()
        .filter(|run| all_markers || run.len() == 1)
        .flatten()
        .map(|p| Circle::new(*p, radius.round() as i32, c.filled()));
    cc.draw_series(dots)?;
    if line.look == Look::Rolling {
        return Ok(());
    }
    let hollow: Vec<(f64, f64)> = xs
        .iter()
        .zip(&line.values)
        .zip(&line.hollow)
        .filter_map(|((x, v), h)| Some((*x, (*v)?)).filter(|_| *h))
        .collect();
    let r = radius.max(s.text * 0.25).round() as i32;
    let ring = ShapeStyle::from(&c).stroke_width(s.thin_width.max(2));
    cc.draw_series(hollow.iter().map(|p| Circle::new(*p, r, WHITE.filled())))?;
    cc.draw_series(hollow.iter().map(|p| Circle::new(*p, r, ring)))?;
    Ok(())
}
