//! Text in charts: the embedded DejaVu Sans, registered once under the
//! only family name any text style uses (so no system font is looked up),
//! and drawing, measuring and shortening text. Bitmaps are drawn glyph by
//! glyph to put back the side bearings plotters leaves out (see `glyphs`).

use std::sync::OnceLock;

use plotters::prelude::{DrawingBackend, FontStyle, IntoFont, Text, TextStyle};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Area, Colour, Drawn, INK, RenderError, Sizes, colour, glyphs};

/// The only font family any text asks for: the embedded font's name.
pub const FONT: &str = "DejaVu Sans";
pub static FONT_DATA: &[u8] = include_bytes!("../../../assets/DejaVuSans.ttf");

/// Registers the embedded font under `FONT`, once per process.
pub fn register_font() -> Result<(), RenderError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED
        .get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, FONT_DATA).is_ok());
    if ok {
        Ok(())
    } else {
        Err(RenderError::Failed(
            "the embedded font could not be read".to_string(),
        ))
    }
}

pub fn font(size: f64, c: Colour) -> TextStyle<'static> {
    (FONT, size).into_font().color(&colour(c))
}

/// Draws `text` with its baseline at `baseline`, aligned by `h` on `x`.
pub fn text<DB: DrawingBackend>(
    root: &Area<DB>,
    s: &Sizes,
    (x, baseline): (i32, i32),
    content: &str,
    size: f64,
    c: Colour,
    h: HPos,
) -> Drawn<DB> {
    let y = baseline - (size * s.drop).round() as i32;
    let metrics = glyphs::metrics().filter(|_| s.per_glyph);
    let Some(metrics) = metrics else {
        let style = font(size, c).pos(Pos::new(h, VPos::Top));
        return root.draw(&Text::new(content, (x, y), style));
    };
    let style = font(size, c).pos(Pos::new(HPos::Left, VPos::Top));
    let total = width(root, content, size);
    let left = f64::from(x)
        - match h {
            HPos::Left => 0.0,
            HPos::Center => total / 2.0,
            HPos::Right => total,
        };
    let mut glyph = [0u8; 4];
    for (i, ch) in content.char_indices() {
        if ch.is_whitespace() {
            continue;
        }
        // the pen: the text up to and with this glyph, less its advance
        // (so kerning with the glyph before counts)
        let end = i + ch.len_utf8();
        let own = ch.encode_utf8(&mut glyph);
        let pen = width(root, &content[..end], size) - width(root, own, size);
        let gx = left + pen + metrics.left_bearing(ch, size).floor();
        root.draw(&Text::new(
            own.to_string(),
            (gx.round() as i32, y),
            style.clone(),
        ))?;
    }
    Ok(())
}

/// The width of `content` in pixels.
pub fn width<DB: DrawingBackend>(root: &Area<DB>, content: &str, size: f64) -> f64 {
    root.estimate_text_size(content, &font(size, INK))
        .map_or(content.chars().count() as f64 * size * 0.55, |(w, _)| {
            f64::from(w)
        })
}

/// `content`, cut with an ellipsis to fit `max` pixels.
pub fn fitted<DB: DrawingBackend>(root: &Area<DB>, content: &str, size: f64, max: f64) -> String {
    if width(root, content, size) <= max {
        return content.to_string();
    }
    let chars: Vec<char> = content.chars().collect();
    for keep in (1..chars.len()).rev() {
        let cut: String = chars[..keep].iter().collect::<String>() + "…";
        if width(root, &cut, size) <= max {
            return cut;
        }
    }
    String::new()
}
