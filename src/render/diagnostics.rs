//! Diagnostics in the human form of SPEC §5:
//! `error[code]: file:line:col: message` and `  hint: ...`.

use crate::diagnostic::{Diagnostic, Severity};

pub fn render(diagnostics: &[Diagnostic], color: bool) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let (word, paint) = match d.severity {
            Severity::Error => ("error", "\x1b[1;31m"),
            Severity::Warning => ("warning", "\x1b[1;33m"),
        };
        if color {
            out.push_str(&format!("{paint}{word}[{}]\x1b[0m: ", d.code.as_str()));
        } else {
            out.push_str(&format!("{word}[{}]: ", d.code.as_str()));
        }
        let loc = d.location().display();
        if !loc.is_empty() {
            out.push_str(&format!("{loc}: "));
        }
        out.push_str(&d.message);
        out.push('\n');
        if let Some(h) = &d.hint {
            out.push_str(&format!("  hint: {h}\n"));
        }
    }
    out
}

/// The last line of `validate`: how many problems, or that there are none.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("1 {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    match (errors, warnings) {
        (0, 0) => "ok: no problems found\n".to_string(),
        (e, w) => format!("{}, {}\n", plural(e, "error"), plural(w, "warning")),
    }
}
