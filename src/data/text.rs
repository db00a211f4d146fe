//! Bytes → text for data files: BOMs, UTF-16, binary and foreign formats,
//! invalid UTF-8 (SPEC §4.2; codes `empty-file`, `bad-encoding`,
//! `binary-file`, `not-csv`).

use std::borrow::Cow;

use crate::diagnostic::{Code, Diagnostic, Location};

fn line_of(bytes: &[u8], offset: usize) -> u32 {
    let n = bytes
        .get(..offset)
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
    u32::try_from(n + 1).unwrap_or(u32::MAX)
}

/// The text of a data file, `None` when it is empty (0 bytes, only
/// whitespace, line ends or a BOM), or the diagnostic that refuses it.
pub fn decode<'a>(bytes: &'a [u8], name: &str) -> Result<Option<Cow<'a, str>>, Box<Diagnostic>> {
    let refuse = |code: Code, line: Option<u32>, message: String, hint: &str| {
        let loc = match line {
            Some(l) => Location::at(name, l, None),
            None => Location::file(name),
        };
        Err(Box::new(
            Diagnostic::error(code, loc, message).with_hint(hint),
        ))
    };
    if let Some(what) = signature(bytes) {
        let hint = if what.contains("workbook") {
            "trustidx import reads .xlsx workbooks; or save the sheet as CSV (UTF-8)"
        } else {
            "give trustidx a CSV or TOML data file"
        };
        return refuse(
            Code::NotCsv,
            None,
            format!("{name} is {what}, not a CSV file"),
            hint,
        );
    }
    let text: Cow<'a, str> = if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        decode_utf16(rest, u16::from_le_bytes, name)?
    } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        decode_utf16(rest, u16::from_be_bytes, name)?
    } else {
        let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
        if let Some(pos) = memchr_nul(body) {
            return refuse(
                Code::BinaryFile,
                Some(line_of(body, pos)),
                format!("{name} is not text: it contains NUL bytes"),
                "the file may be damaged or not an export; export the data again as CSV (UTF-8)",
            );
        }
        match std::str::from_utf8(body) {
            Ok(t) => Cow::Borrowed(t),
            Err(e) => {
                return refuse(
                    Code::BadEncoding,
                    Some(line_of(body, e.valid_up_to())),
                    format!(
                        "{name} is not UTF-8 text (byte 0x{:02X} at byte {})",
                        body.get(e.valid_up_to()).copied().unwrap_or(0),
                        e.valid_up_to()
                    ),
                    "save the file as UTF-8 (in Excel: Save As → CSV UTF-8; in LibreOffice: character set Unicode (UTF-8))",
                );
            }
        }
    };
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .is_empty()
    {
        return Ok(None);
    }
    Ok(Some(text))
}

fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == 0)
}

fn decode_utf16<'a>(
    body: &[u8],
    unit: fn([u8; 2]) -> u16,
    name: &str,
) -> Result<Cow<'a, str>, Box<Diagnostic>> {
    let units: Vec<u16> = body
        .chunks(2)
        .map(|c| {
            unit([
                c.first().copied().unwrap_or(0),
                c.get(1).copied().unwrap_or(0),
            ])
        })
        .collect();
    match String::from_utf16(&units) {
        Ok(s) if body.len().is_multiple_of(2) => Ok(Cow::Owned(s)),
        _ => Err(Box::new(
            Diagnostic::error(
                Code::BadEncoding,
                Location::file(name),
                format!("{name} is damaged UTF-16 text"),
            )
            .with_hint("save the file as CSV UTF-8 and try again"),
        )),
    }
}

/// What a file is when it starts with another format's signature.
pub(crate) fn signature(bytes: &[u8]) -> Option<&'static str> {
    const SIGNATURES: [(&[u8], &str); 7] = [
        (
            b"PK\x03\x04",
            "a zip archive (an Excel .xlsx or OpenDocument workbook)",
        ),
        (b"PK\x05\x06", "an empty zip archive"),
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            "an OLE2 file (an old Excel .xls workbook)",
        ),
        (b"\x1F\x8B", "a gzip archive"),
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
    ];
    SIGNATURES
        .iter()
        .find(|(sig, _)| bytes.starts_with(sig))
        .map(|(_, what)| *what)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(bytes: &[u8]) -> Code {
        decode(bytes, "f.csv")
            .err()
            .map(|d| d.code)
            .unwrap_or(Code::NoData)
    }

    #[test]
    fn empty_and_blank_files_are_empty() {
        assert_eq!(decode(b"", "f").ok(), Some(None));
        assert_eq!(decode(b"\xEF\xBB\xBF\r\n \n", "f").ok(), Some(None));
    }

    #[test]
    fn utf16_with_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "week\tnps\r\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(
            decode(&bytes, "f").ok().flatten().as_deref(),
            Some("week\tnps\r\n")
        );
    }

    #[test]
    fn foreign_and_broken_bytes_are_named() {
        assert_eq!(code(b"PK\x03\x04rest"), Code::NotCsv);
        assert_eq!(code(b"week\n\0\0\0"), Code::BinaryFile);
        assert_eq!(
            code(b"week,entity\n2025-01-06,M\xFCller\n"),
            Code::BadEncoding
        );
        let line = decode(b"a\nb\nM\xFCller", "f").err().and_then(|d| d.line);
        assert_eq!(line, Some(3));
    }
}
