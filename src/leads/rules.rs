//! Lead-scoring rules (SPEC §9): behaviour points per activity (longest
//! target prefix wins, optionally per minute), fit points per attribute,
//! decay half-life and the MQL threshold. Problems are `rules-invalid`.

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Code, Diagnostic, LineIndex, Location};

/// How a fit rule matches an attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum FitTest {
    /// Case-insensitive substring.
    Contains(String),
    /// Case-insensitive equality.
    Equals(String),
    /// Numeric, inclusive; either bound optional.
    Range(Option<f64>, Option<f64>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct FitRule {
    pub attribute: String,
    pub test: FitTest,
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BehaviorRule {
    pub prefix: Option<String>,
    pub points: f64,
    pub per_minute: bool,
}

/// Checked rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub mql_threshold: f64,
    pub half_life_days: Option<f64>,
    /// Per activity type, its rules.
    pub behavior: Vec<(String, Vec<BehaviorRule>)>,
    pub fit: Vec<FitRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    mql_threshold: Option<Spanned<f64>>,
    half_life_days: Option<Spanned<f64>>,
    #[serde(default)]
    behavior: Vec<Spanned<RawBehavior>>,
    #[serde(default)]
    fit: Vec<Spanned<RawFit>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBehavior {
    activity: Option<String>,
    target_prefix: Option<String>,
    points: Option<f64>,
    per: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFit {
    attribute: Option<String>,
    contains: Option<String>,
    equals: Option<String>,
    min: Option<f64>,
    max: Option<f64>,
    points: Option<f64>,
}

impl Rules {
    /// Parses and checks a rules file; every problem is a located diagnostic.
    pub fn parse(text: &str, file: &str) -> Result<Rules, Vec<Diagnostic>> {
        let index = LineIndex::new(text);
        let at = |offset: usize| {
            let (line, col) = index.line_col(offset);
            Location::at(file, line, Some(col))
        };
        let invalid =
            |loc: Location, message: String| Diagnostic::error(Code::RulesInvalid, loc, message);
        let raw: RawRules = toml::from_str(text).map_err(|e| {
            let loc = e
                .span()
                .map_or_else(|| Location::file(file), |s| at(s.start));
            vec![invalid(
                loc,
                format!(
                    "the rules do not load: {}",
                    e.message().trim().replace('\n', " ")
                ),
            )]
        })?;
        let mut diags = Vec::new();
        let half_life_days = match raw.half_life_days {
            Some(h) if !(h.get_ref().is_finite() && *h.get_ref() > 0.0) => {
                diags.push(invalid(
                    at(h.span().start),
                    format!(
                        "half_life_days = {} must be above 0 (a point halves every half_life_days)",
                        h.get_ref()
                    ),
                ));
                None
            }
            h => h.map(Spanned::into_inner),
        };
        let mql_threshold = raw.mql_threshold.map_or(100.0, Spanned::into_inner);
        let mut behavior: Vec<(String, Vec<BehaviorRule>)> = Vec::new();
        for b in raw.behavior {
            let loc = at(b.span().start);
            let b = b.into_inner();
            let (Some(activity), Some(points)) = (b.activity, b.points) else {
                diags.push(invalid(
                    loc,
                    "a [[behavior]] rule needs activity and points".to_string(),
                ));
                continue;
            };
            let per_minute = match &b.per {
                None => false,
                Some(p) if p.get_ref() == "minute" => true,
                Some(p) => {
                    diags.push(invalid(
                        at(p.span().start),
                        format!("per = {:?}: the only unit is \"minute\"", p.get_ref()),
                    ));
                    false
                }
            };
            let rule = BehaviorRule {
                prefix: b.target_prefix,
                points,
                per_minute,
            };
            match behavior.iter_mut().find(|(a, _)| *a == activity) {
                Some((_, rules)) => rules.push(rule),
                None => behavior.push((activity, vec![rule])),
            }
        }
        let mut fit = Vec::new();
        for f in raw.fit {
            let loc = at(f.span().start);
            let f = f.into_inner();
            let (Some(attribute), Some(points)) = (f.attribute, f.points) else {
                diags.push(invalid(
                    loc,
                    "a [[fit]] rule needs attribute and points".to_string(),
                ));
                continue;
            };
            let test = match (f.contains, f.equals, f.min, f.max) {
                (Some(c), None, None, None) => FitTest::Contains(c.to_lowercase()),
                (None, Some(e), None, None) => FitTest::Equals(e.to_lowercase()),
                (None, None, lo, hi) if lo.is_some() || hi.is_some() => FitTest::Range(lo, hi),
                (None, None, None, None) => {
                    diags.push(invalid(loc, format!("fit rule on {attribute} has no condition (contains, equals, min or max)")));
                    continue;
                }
                _ => {
                    diags.push(invalid(
                        loc,
                        format!(
                            "fit rule on {attribute} mixes contains, equals and min/max; use one"
                        ),
                    ));
                    continue;
                }
            };
            fit.push(FitRule {
                attribute,
                test,
                points,
            });
        }
        if diags.is_empty() {
            Ok(Rules {
                mql_threshold,
                half_life_days,
                behavior,
                fit,
            })
        } else {
            Err(diags)
        }
    }

    /// The (points, per minute) of an activity on a target: the rule with
    /// the longest matching prefix, else the one without a prefix, else 0.
    pub fn matching(&self, activity: &str, target: &str) -> (f64, bool) {
        let Some((_, rules)) = self.behavior.iter().find(|(a, _)| a == activity) else {
            return (0.0, false);
        };
        let mut best: Option<(&BehaviorRule, usize)> = None;
        for r in rules {
            let len = match &r.prefix {
                None => 0,
                Some(p) if target.starts_with(p.as_str()) => p.len() + 1,
                Some(_) => continue,
            };
            if best.is_none_or(|(_, l)| len > l) {
                best = Some((r, len));
            }
        }
        best.map_or((0.0, false), |(r, _)| (r.points, r.per_minute))
    }

    /// Fit points of a contact: `cell(attribute)` gives its trimmed cell.
    pub fn fit_points<'a>(&self, cell: &dyn Fn(&str) -> Option<&'a str>) -> f64 {
        self.fit
            .iter()
            .map(|r| {
                if r.matches(cell(&r.attribute)) {
                    r.points
                } else {
                    0.0
                }
            })
            .sum()
    }
}

impl FitRule {
    /// Whether a (trimmed) attribute cell matches; an absent cell never does.
    pub fn matches(&self, value: Option<&str>) -> bool {
        let Some(v) = value else { return false };
        match &self.test {
            // the tests are lowercase; ASCII cells need no lowercase copy
            FitTest::Contains(c) if v.is_ascii() => {
                c.is_empty()
                    || v.as_bytes()
                        .windows(c.len())
                        .any(|w| w.eq_ignore_ascii_case(c.as_bytes()))
            }
            FitTest::Equals(e) if v.is_ascii() => v.eq_ignore_ascii_case(e),
            FitTest::Contains(c) => v.to_lowercase().contains(c.as_str()),
            FitTest::Equals(e) => v.to_lowercase() == *e,
            FitTest::Range(lo, hi) => v.parse::<f64>().is_ok_and(|x| {
                x.is_finite() && lo.is_none_or(|l| x >= l) && hi.is_none_or(|h| x <= h)
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Rules {
        match Rules::parse(text, "r.toml") {
            Ok(r) => r,
            Err(d) => panic!("{d:?}"),
        }
    }

    #[test]
    fn fit_tests_ignore_case_in_ascii_and_unicode_alike() {
        let r = rules(
            "[[fit]]\nattribute = \"t\"\ncontains = \"VP\"\npoints = 1\n[[fit]]\nattribute = \"c\"\nequals = \"us\"\npoints = 1\n[[fit]]\nattribute = \"t\"\ncontains = \"Ärzt\"\npoints = 1\n",
        );
        let [vp, us, arzt] = r.fit.as_slice() else {
            panic!("three fit rules, not {}", r.fit.len());
        };
        assert!(vp.matches(Some("Senior vp of Sales")));
        assert!(!vp.matches(Some("Developer")));
        assert!(vp.matches(Some("Vice président, VP")));
        assert!(us.matches(Some("US")));
        assert!(!us.matches(Some("USA")));
        assert!(arzt.matches(Some("CHEFÄRZTIN")));
        assert!(!arzt.matches(Some("Arzt")));
    }

    #[test]
    fn the_longest_prefix_wins_and_no_prefix_is_the_fallback() {
        let r = rules(
            "[[behavior]]\nactivity = \"page_view\"\npoints = 1\n[[behavior]]\nactivity = \"page_view\"\ntarget_prefix = \"/pricing\"\npoints = 10\n[[behavior]]\nactivity = \"page_view\"\ntarget_prefix = \"/pricing/enterprise\"\npoints = 20\n",
        );
        assert_eq!(r.matching("page_view", "/blog"), (1.0, false));
        assert_eq!(r.matching("page_view", "/pricing-old"), (10.0, false));
        assert_eq!(
            r.matching("page_view", "/pricing/enterprise?x"),
            (20.0, false)
        );
        assert_eq!(r.matching("meeting", "/x"), (0.0, false));
    }

    #[test]
    fn problems_are_located() {
        let err = Rules::parse("mql_threshold = 100\nhalf_life_days = -30\n", "r.toml")
            .err()
            .unwrap_or_default();
        assert_eq!(
            err.first().map(|d| (d.code, d.line)),
            Some((Code::RulesInvalid, Some(2)))
        );
        let err = Rules::parse("[[behavior]]\nactivty = \"x\"\npoints = 2\n", "r.toml")
            .err()
            .unwrap_or_default();
        assert!(
            err.first()
                .is_some_and(|d| d.message.contains("activty") && d.line == Some(2)),
            "{err:?}"
        );
        let err = Rules::parse("[[fit]]\nattribute = \"x\"\npoints = 2\n", "r.toml")
            .err()
            .unwrap_or_default();
        assert_eq!(err.len(), 1);
    }

    #[test]
    fn fit_rules_compare_trimmed_cells() {
        let r = rules(
            "[[fit]]\nattribute = \"title\"\ncontains = \"Director\"\npoints = 15\n[[fit]]\nattribute = \"employees\"\nmin = 50\nmax = 5000\npoints = 10\n",
        );
        let get = |a: &str| match a {
            "title" => Some("Sales director"),
            "employees" => Some("abc"),
            _ => None,
        };
        assert_eq!(r.fit_points(&get), 15.0);
    }
}
