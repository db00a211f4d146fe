//! Which template a command uses (SPEC §2): `--template PATH`, `--preset
//! NAME`, else `trustidx.toml` / `trustidx.csv` in the current folder or a
//! parent, else the built-in `trust-index` preset.

use std::path::{Path, PathBuf};

use super::{Template, build, csv_form, preset, toml_form};
use crate::diagnostic::{Code, Diagnostic, Location};
use crate::error::Error;
use crate::input;

/// Where a template came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Preset(&'static str),
    File(PathBuf),
}

impl Source {
    /// As messages name it.
    pub fn display(&self) -> String {
        match self {
            Source::Preset(name) => format!("<preset {name}>"),
            Source::File(path) => path.display().to_string(),
        }
    }
}

/// What the command line asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateChoice {
    Path(PathBuf),
    Preset(String),
    Discover,
}

/// A template that did not load: an I/O or usage problem (exit 2), or
/// diagnostics (exit 1).
#[derive(Debug)]
pub enum LoadError {
    Fatal(Error),
    Invalid(Vec<Diagnostic>),
}

impl From<Error> for LoadError {
    fn from(e: Error) -> Self {
        LoadError::Fatal(e)
    }
}

/// Loads the template the command line asks for, discovering it from `cwd`.
pub fn load(choice: &TemplateChoice, cwd: &Path) -> Result<Template, LoadError> {
    match choice {
        TemplateChoice::Preset(name) => from_preset(name),
        TemplateChoice::Path(path) => from_file(path),
        TemplateChoice::Discover => match discover(cwd) {
            Some(path) => from_file(&path),
            None => from_preset("trust-index"),
        },
    }
}

/// Finds `trustidx.toml`, then `trustidx.csv`, in `cwd` and its parents,
/// as a path relative to `cwd` (`trustidx.toml`, `../trustidx.toml`).
fn discover(cwd: &Path) -> Option<PathBuf> {
    let mut relative = PathBuf::new();
    for dir in cwd.ancestors() {
        for name in ["trustidx.toml", "trustidx.csv"] {
            if dir.join(name).is_file() {
                return Some(relative.join(name));
            }
        }
        relative.push("..");
    }
    None
}

/// Loads a built-in preset by name.
pub fn from_preset(name: &str) -> Result<Template, LoadError> {
    let p = preset(name).ok_or_else(|| {
        let names: Vec<&str> = super::PRESETS
            .iter()
            .filter(|p| p.weekly)
            .map(|p| p.name)
            .collect();
        Error::Usage(format!(
            "unknown preset {name:?}; the presets are {}",
            names.join(", ")
        ))
    })?;
    if !p.weekly {
        return Err(Error::Usage(format!(
            "the {name} preset holds lead-scoring rules for `trustidx leads`, not a weekly template"
        ))
        .into());
    }
    let source = Source::Preset(p.name);
    let draft =
        toml_form::parse(p.text, &source.display()).map_err(|d| LoadError::Invalid(vec![*d]))?;
    build::build(draft, source, None).map_err(LoadError::Invalid)
}

/// Loads a template file, TOML or (by its `.csv` extension) the CSV form.
pub fn from_file(path: &Path) -> Result<Template, LoadError> {
    let bytes = input::read(path)?;
    let file = path.display().to_string();
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t.strip_prefix('\u{feff}').unwrap_or(t),
        Err(e) => {
            let line = bytes
                .get(..e.valid_up_to())
                .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
                + 1;
            return Err(LoadError::Invalid(vec![
                Diagnostic::error(
                    Code::TemplateInvalid,
                    Location::at(&file, u32::try_from(line).unwrap_or(u32::MAX), None),
                    "the template is not UTF-8 text",
                )
                .with_hint("save it as UTF-8"),
            ]));
        }
    };
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let draft = if is_csv {
        csv_form::parse(text, &file).map_err(LoadError::Invalid)?
    } else {
        toml_form::parse(text, &file).map_err(|d| LoadError::Invalid(vec![*d]))?
    };
    let dir = path.parent().map(Path::to_path_buf);
    build::build(draft, Source::File(path.to_path_buf()), dir.as_deref())
        .map_err(LoadError::Invalid)
}
