//! The CSV form of a template (`trustidx.csv`): one row per metric, columns
//! `stage,id,label,unit,better,aggregate,weight,target,min,max,required,formula,how`
//! and optionally `baseline,floor` (SPEC §2).

use super::build::{Draft, DraftMetric, DraftStage, Located, Scalar};
use crate::diagnostic::{Code, Diagnostic, Location};

/// The columns of the CSV form, in the order `init` writes them.
pub const COLUMNS: [&str; 15] = [
    "stage",
    "id",
    "label",
    "unit",
    "better",
    "aggregate",
    "weight",
    "target",
    "min",
    "max",
    "required",
    "formula",
    "how",
    "baseline",
    "floor",
];

fn error(loc: Location, message: String) -> Vec<Diagnostic> {
    vec![Diagnostic::error(Code::TemplateInvalid, loc, message)]
}

/// Reads the CSV form. Stages appear in order of first use, weight 1, their
/// id as label; the history file is `trust-index.csv` beside the template.
pub fn parse(text: &str, file: &str) -> Result<Draft, Vec<Diagnostic>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            return Err(error(
                Location::at(file, 1, None),
                format!("the template does not load: {e}"),
            ));
        }
        None => {
            return Err(error(
                Location::file(file),
                "the template is empty".to_string(),
            ));
        }
    };
    let mut columns: Vec<Option<usize>> = Vec::new();
    let mut diags = Vec::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim();
        let col = u32::try_from(i + 1).ok();
        match COLUMNS.iter().position(|c| *c == name) {
            Some(k) if columns.contains(&Some(k)) => {
                diags.push(Diagnostic::error(
                    Code::TemplateInvalid,
                    Location::at(file, 1, col),
                    format!("column {name} appears twice"),
                ));
                columns.push(None);
            }
            Some(k) => columns.push(Some(k)),
            None => {
                diags.push(
                    Diagnostic::error(
                        Code::TemplateInvalid,
                        Location::at(file, 1, col),
                        format!("unknown column {name:?}"),
                    )
                    .with_hint(format!("the columns are {}", COLUMNS.join(","))),
                );
                columns.push(None);
            }
        }
    }
    for required in ["stage", "id", "unit"] {
        let k = COLUMNS.iter().position(|c| *c == required);
        if !columns.contains(&k) {
            diags.push(Diagnostic::error(
                Code::TemplateInvalid,
                Location::at(file, 1, None),
                format!("the header has no {required} column"),
            ));
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut draft = Draft {
        data: Some(Located {
            value: "trust-index.csv".to_string(),
            loc: Location::file(file),
        }),
        ..Draft::default()
    };
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                diags.push(Diagnostic::error(
                    Code::TemplateInvalid,
                    Location::at(file, line as u32, None),
                    format!("bad CSV: {e}"),
                ));
                continue;
            }
        };
        let line = record
            .position()
            .map_or(0, |p| u32::try_from(p.line()).unwrap_or(u32::MAX));
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != columns.len() {
            diags.push(Diagnostic::error(
                Code::TemplateInvalid,
                Location::at(file, line, None),
                format!(
                    "the row has {} fields but the header has {}",
                    record.len(),
                    columns.len()
                ),
            ));
            continue;
        }
        let mut m = DraftMetric {
            at: Location::at(file, line, None),
            ..DraftMetric::default()
        };
        for (i, field) in record.iter().enumerate() {
            let (Some(Some(k)), value) = (columns.get(i), field.trim()) else {
                continue;
            };
            if value.is_empty() {
                continue;
            }
            let loc = Location::at(file, line, u32::try_from(i + 1).ok());
            let text = Located {
                value: value.to_string(),
                loc: loc.clone(),
            };
            let scalar = Located {
                value: Scalar::Str(value.to_string()),
                loc,
            };
            match COLUMNS.get(*k).copied().unwrap_or_default() {
                "stage" => m.stage = Some(text),
                "id" => m.id = Some(text),
                "label" => m.label = Some(text),
                "unit" => m.unit = Some(text),
                "better" => m.better = Some(text),
                "aggregate" => m.aggregate = Some(text),
                "weight" => m.weight = Some(scalar),
                "target" => m.target = Some(scalar),
                "min" => m.min = Some(scalar),
                "max" => m.max = Some(scalar),
                "required" => m.required = Some(scalar),
                "formula" => m.formula = Some(text),
                "how" => m.how = Some(text),
                "baseline" => m.baseline = Some(scalar),
                _ => m.floor = Some(scalar),
            }
        }
        if let Some(stage) = &m.stage
            && !draft
                .stages
                .iter()
                .any(|s| s.id.as_ref().is_some_and(|id| id.value == stage.value))
        {
            draft.stages.push(DraftStage {
                at: stage.loc.clone(),
                id: Some(stage.clone()),
                label: None,
                weight: None,
            });
        }
        draft.metrics.push(m);
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    Ok(draft)
}
