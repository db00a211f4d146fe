//! Left side bearings of the embedded font's glyphs, read from its `cmap`,
//! `hhea` and `hmtx` tables. plotters' ab_glyph text drawing puts each
//! glyph's ink at the pen position, without its bearing, which cramps and
//! overlaps letters ("Tr"); the PNG renderer therefore draws text glyph by
//! glyph and adds the bearing itself.

use std::sync::OnceLock;

/// What the glyph placement needs from the font file.
#[derive(Debug, Clone, Copy)]
pub struct FontMetrics {
    data: &'static [u8],
    /// The format 4 `cmap` subtable (Unicode BMP).
    cmap: usize,
    hmtx: usize,
    long_metrics: usize,
    /// Ascender − descender in font units: what ab_glyph scales to the size.
    height: f64,
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*data.get(at)?, *data.get(at + 1)?]))
}

fn i16_at(data: &[u8], at: usize) -> Option<i16> {
    u16_at(data, at).map(|v| v as i16)
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *data.get(at)?,
        *data.get(at + 1)?,
        *data.get(at + 2)?,
        *data.get(at + 3)?,
    ]))
}

fn table(data: &[u8], tag: &[u8; 4]) -> Option<usize> {
    let count = usize::from(u16_at(data, 4)?);
    (0..count)
        .map(|i| 12 + 16 * i)
        .find(|at| data.get(*at..at + 4) == Some(tag.as_slice()))
        .and_then(|at| u32_at(data, at + 8))
        .map(|offset| offset as usize)
}

impl FontMetrics {
    /// The metrics of `data`, a TrueType font; `None` when a table is missing.
    pub fn parse(data: &'static [u8]) -> Option<Self> {
        let cmap_table = table(data, b"cmap")?;
        let hhea = table(data, b"hhea")?;
        let hmtx = table(data, b"hmtx")?;
        let records = usize::from(u16_at(data, cmap_table + 2)?);
        let cmap = (0..records)
            .map(|i| cmap_table + 4 + 8 * i)
            .filter_map(|at| {
                let platform = u16_at(data, at)?;
                let encoding = u16_at(data, at + 2)?;
                let sub = cmap_table + u32_at(data, at + 4)? as usize;
                let unicode = platform == 0 || (platform == 3 && encoding == 1);
                (unicode && u16_at(data, sub)? == 4).then_some(sub)
            })
            .next()?;
        let ascender = f64::from(i16_at(data, hhea + 4)?);
        let descender = f64::from(i16_at(data, hhea + 6)?);
        Some(FontMetrics {
            data,
            cmap,
            hmtx,
            long_metrics: usize::from(u16_at(data, hhea + 34)?),
            height: ascender - descender,
        })
    }

    /// The glyph of `c` (0, the missing glyph, outside the BMP or the font).
    fn glyph(&self, c: char) -> Option<u16> {
        let code = u16::try_from(u32::from(c)).ok()?;
        let d = self.data;
        let segments = usize::from(u16_at(d, self.cmap + 6)? / 2);
        let ends = self.cmap + 14;
        let starts = ends + 2 * segments + 2;
        let deltas = starts + 2 * segments;
        let ranges = deltas + 2 * segments;
        let i = (0..segments).find(|i| u16_at(d, ends + 2 * i).is_some_and(|e| e >= code))?;
        let start = u16_at(d, starts + 2 * i)?;
        if start > code {
            return Some(0);
        }
        let delta = u16_at(d, deltas + 2 * i)?;
        let range = usize::from(u16_at(d, ranges + 2 * i)?);
        if range == 0 {
            return Some(code.wrapping_add(delta));
        }
        let at = ranges + 2 * i + range + 2 * usize::from(code - start);
        let g = u16_at(d, at)?;
        Some(if g == 0 { 0 } else { g.wrapping_add(delta) })
    }

    /// The left side bearing of `c`, in pixels at text size `size`.
    pub fn left_bearing(&self, c: char, size: f64) -> f64 {
        let Some(g) = self.glyph(c).map(usize::from) else {
            return 0.0;
        };
        let at = if g < self.long_metrics {
            self.hmtx + 4 * g + 2
        } else {
            self.hmtx + 4 * self.long_metrics + 2 * (g - self.long_metrics)
        };
        let lsb = i16_at(self.data, at).map_or(0.0, f64::from);
        if self.height > 0.0 {
            lsb * size / self.height
        } else {
            0.0
        }
    }
}

/// The embedded font's metrics, parsed once.
pub fn metrics() -> Option<&'static FontMetrics> {
    static METRICS: OnceLock<Option<FontMetrics>> = OnceLock::new();
    METRICS
        .get_or_init(|| FontMetrics::parse(super::text::FONT_DATA))
        .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dejavu_sans_bearings() {
        let Some(m) = metrics() else {
            panic!("the embedded font does not parse")
        };
        // at 2384 px (the font's ascender − descender) a pixel is a font unit
        assert_eq!(m.left_bearing('T', 2384.0).round(), -6.0);
        assert!(m.left_bearing('r', 2384.0) > 100.0);
        assert_eq!(m.left_bearing('\u{1F600}', 2384.0), 0.0);
    }
}
