//! The legend under a chart, never over the data: one entry per line label,
//! then the reference line, hollow markers and partial periods when the
//! chart has them, wrapped into centred rows that fit the width.

use plotters::element::DashedPathElement;
use plotters::prelude::{Circle, Color, DrawingBackend, PathElement, Rectangle, ShapeStyle, WHITE};
use plotters::style::text_anchor::HPos;

use super::{
    AXIS, Area, BAND, Chart, Colour, Drawn, INK, Look, REFERENCE, Sizes, colour, text, width,
};

/// What an entry's sample looks like.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Swatch {
    Line(Look, Colour),
    Reference,
    Hollow,
    Band,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub swatch: Swatch,
    pub label: String,
}

/// The entries of a chart, in the order its lines come.
pub fn entries(chart: &Chart) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for line in chart.panels.iter().flat_map(|p| &p.lines) {
        if !out.iter().any(|e| e.label == line.label) {
            out.push(Entry {
                swatch: Swatch::Line(line.look, line.colour),
                label: line.label.clone(),
            });
        }
    }
    // a single panel labels its reference line on the plot itself
    if chart.panels.len() > 1 && chart.panels.iter().any(|p| p.reference.is_some()) {
        out.push(Entry {
            swatch: Swatch::Reference,
            label: chart.reference_means.clone(),
        });
    }
    let lines = || chart.panels.iter().flat_map(|p| &p.lines);
    if lines().any(|l| {
        l.look != Look::Rolling
            && l.values
                .iter()
                .zip(&l.hollow)
                .any(|(v, h)| v.is_some() && *h)
    }) {
        out.push(Entry {
            swatch: Swatch::Hollow,
            label: chart.hollow_means.clone(),
        });
    }
    if chart.periods.iter().any(|p| p.partial) {
        out.push(Entry {
            swatch: Swatch::Band,
            label: "partial period".to_string(),
        });
    }
    out
}

/// Draws the entries in rows ending at `bottom`; returns the height used.
pub fn draw<DB: DrawingBackend>(
    root: &Area<DB>,
    s: &Sizes,
    entries: &[Entry],
    bottom: i32,
) -> Result<i32, plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>> {
    if entries.is_empty() {
        return Ok(0);
    }
    let size = s.text;
    let swatch = (size * 2.2).round() as i32;
    let inner = (size * 0.4).round() as i32;
    let between = (size * 1.4).round() as i32;
    let available = root.dim_in_pixel().0 as i32 - 2 * s.pad;
    let widths: Vec<i32> = entries
        .iter()
        .map(|e| swatch + inner + width(root, &e.label, size).ceil() as i32)
        .collect();
    // greedy rows
    let mut rows: Vec<(usize, usize, i32)> = Vec::new();
    let (mut first, mut used) = (0, 0);
    for (i, w) in widths.iter().enumerate() {
        let add = if i == first { *w } else { between + w };
        if i > first && used + add > available {
            rows.push((first, i, used));
            first = i;
            used = *w;
        } else {
            used += add;
        }
    }
    rows.push((first, entries.len(), used));
    let line = s.line(size);
    let height = line * rows.len() as i32;
    let full = root.dim_in_pixel().0 as i32;
    for (r, (from, to, used)) in rows.iter().enumerate() {
        let mid_y = bottom - height + r as i32 * line + line / 2;
        let mut x = (full - used) / 2;
        for (e, w) in entries[*from..*to].iter().zip(&widths[*from..*to]) {
            draw_swatch(root, s, e.swatch, (x, mid_y), swatch)?;
            let base = mid_y + (Sizes::cap(size) / 2.0).round() as i32;
            text(
                root,
                s,
                (x + swatch + inner, base),
                &e.label,
                size,
                INK,
                HPos::Left,
            )?;
            x += w + between;
        }
    }
    Ok(height)
}

fn draw_swatch<DB: DrawingBackend>(
    root: &Area<DB>,
    s: &Sizes,
    swatch: Swatch,
    (x, y): (i32, i32),
    w: i32,
) -> Drawn<DB> {
    let r = (s.text * 0.28).round() as i32;
    let mid = (x + w / 2, y);
    match swatch {
        Swatch::Line(look, c) => {
            let width = if look == Look::Main {
                s.main_width
            } else {
                s.thin_width
            };
            let style = ShapeStyle::from(&colour(c)).stroke_width(width);
            if look == Look::Rolling {
                let (dash, gap) = ((s.text * 0.6).round(), (s.text * 0.35).round());
                root.draw(&DashedPathElement::new(
                    vec![(x, y), (x + w, y)],
                    dash,
                    gap,
                    style,
                ))?;
            } else if look == Look::Faint {
                let faint = colour(c).mix(0.8).stroke_width(width);
                root.draw(&PathElement::new(vec![(x, y), (x + w, y)], faint))?;
            } else {
                root.draw(&PathElement::new(vec![(x, y), (x + w, y)], style))?;
                if look == Look::Main {
                    root.draw(&Circle::new(mid, r, colour(c).filled()))?;
                }
            }
        }
        Swatch::Reference => {
            let style = ShapeStyle::from(&colour(REFERENCE)).stroke_width(s.thin_width);
            root.draw(&PathElement::new(vec![(x, y), (x + w, y)], style))?;
        }
        Swatch::Hollow => {
            root.draw(&Circle::new(mid, r, WHITE.filled()))?;
            let ring = ShapeStyle::from(&colour(INK)).stroke_width(s.thin_width.max(2));
            root.draw(&Circle::new(mid, r, ring))?;
        }
        Swatch::Band => {
            let h = (s.text * 0.45).round() as i32;
            let corners = [(x, y - h), (x + w, y + h)];
            root.draw(&Rectangle::new(corners, colour(BAND).filled()))?;
            root.draw(&Rectangle::new(corners, colour(AXIS)))?;
        }
    }
    Ok(())
}
