//! The built-in presets (SPEC §3), embedded from `templates/*.toml`.

/// A built-in preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    pub name: &'static str,
    pub text: &'static str,
    /// What it is for, for `--help` and usage errors.
    pub summary: &'static str,
    /// `lead-scoring` holds rules for `trustidx leads`, not a weekly template.
    pub weekly: bool,
}

/// Every preset, the default first.
pub const PRESETS: [Preset; 5] = [
    Preset {
        name: "trust-index",
        text: include_str!("../../templates/trust-index.toml"),
        summary: "the default: attract, sales and customer trust signals",
        weekly: true,
    },
    Preset {
        name: "inbound",
        text: include_str!("../../templates/inbound.toml"),
        summary: "attract, convert, close and delight, with funnel checks",
        weekly: true,
    },
    Preset {
        name: "social-selling",
        text: include_str!("../../templates/social-selling.toml"),
        summary: "per seller: professional brand, conversations, meetings",
        weekly: true,
    },
    Preset {
        name: "service",
        text: include_str!("../../templates/service.toml"),
        summary: "customer service: engage, guide, grow",
        weekly: true,
    },
    Preset {
        name: "lead-scoring",
        text: include_str!("../../templates/lead-scoring.toml"),
        summary: "rules for `trustidx leads` (writes scoring.toml)",
        weekly: false,
    },
];

/// The preset with this name.
pub fn preset(name: &str) -> Option<Preset> {
    PRESETS.iter().copied().find(|p| p.name == name)
}
