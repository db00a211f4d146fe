//! Lead scoring from CRM activity exports (SPEC §9). The command streams
//! activity rows into an `Engine` one at a time: state grows with contacts
//! (and the page views not yet known to fall after a contact's first form
//! submission), never with rows.

mod rules;

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime, Weekday};
use serde::Serialize;

use crate::week::Week;

pub use rules::Rules;

/// Seconds since 1970-01-01T00:00:00Z of an ISO 8601 timestamp, or `None`
/// when it is not one (or names an impossible instant).
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let t = text.trim();
    let b = t.as_bytes();
    // fast path: 2026-11-23T10:00:00Z
    if b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z'
    {
        let num = |r: std::ops::Range<usize>| t.get(r)?.parse::<u32>().ok();
        let date =
            NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)?;
        let (h, m, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if h > 23 || m > 59 || s > 59 {
            return None;
        }
        return Some(date.and_hms_opt(h, m, s)?.and_utc().timestamp());
    }
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(dt.timestamp());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some(dt.and_utc().timestamp());
        }
    }
    if t.len() == 10 {
        return NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .ok()?
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc().timestamp());
    }
    None
}

/// One contact's running totals.
#[derive(Debug, Clone, Default)]
struct State {
    behavior: f64,
    first_submit: Option<i64>,
    /// Page views before the first submission known so far (all of them
    /// while there is none).
    pageviews: Vec<i64>,
    video_seconds: f64,
    shares: u64,
}

/// One activity row, as the command read it.
#[derive(Debug, Clone, Copy)]
pub struct Activity<'a> {
    pub contact: &'a str,
    pub timestamp: i64,
    pub activity: &'a str,
    pub target: &'a str,
    /// Seconds for `video_watch` (≥ 0; 0 when empty).
    pub value: f64,
}

/// A scored contact (SPEC §9 `--out` columns).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lead {
    pub contact_id: String,
    pub fit: f64,
    pub behavior: f64,
    pub total: f64,
    pub mql: bool,
    /// Page views strictly before the first form submission; null when none.
    pub pageviews_before_lead: Option<u64>,
    pub video_minutes: f64,
    pub shares: u64,
}

/// Streams activities and scores them.
pub struct Engine<'r> {
    rules: &'r Rules,
    as_of: i64,
    week_start: Weekday,
    index: HashMap<Box<str>, usize>,
    ids: Vec<Box<str>>,
    states: Vec<State>,
    /// Per week: video seconds and shares of that week's activities.
    weekly: BTreeMap<Week, (f64, u64)>,
    /// Memo of (activity, target) → rule, for repeated targets.
    matches: HashMap<(Box<str>, Box<str>), (f64, bool)>,
}

impl<'r> Engine<'r> {
    pub fn new(rules: &'r Rules, as_of: i64, week_start: Weekday) -> Self {
        Engine {
            rules,
            as_of,
            week_start,
            index: HashMap::new(),
            ids: Vec::new(),
            states: Vec::new(),
            weekly: BTreeMap::new(),
            matches: HashMap::new(),
        }
    }

    fn contact(&mut self, id: &str) -> usize {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = self.states.len();
        self.index.insert(id.into(), i);
        self.ids.push(id.into());
        self.states.push(State::default());
        i
    }

    /// Lists a contact (from the contacts file) without activity.
    pub fn touch(&mut self, id: &str) {
        self.contact(id);
    }

    pub fn feed(&mut self, a: Activity<'_>) {
        let c = self.contact(a.contact);
        if a.timestamp > self.as_of {
            return; // after --as-of: ignored for every output, but listed
        }
        let (points, per_minute) = match self.matches.get(&(a.activity.into(), a.target.into())) {
            Some(m) => *m,
            None => {
                let m = self.rules.matching(a.activity, a.target);
                if self.matches.len() < 100_000 {
                    self.matches.insert((a.activity.into(), a.target.into()), m);
                }
                m
            }
        };
        let week = Week::containing(
            chrono::DateTime::from_timestamp(a.timestamp, 0)
                .map_or_else(NaiveDate::default, |d| d.date_naive()),
            self.week_start,
        );
        let Some(s) = self.states.get_mut(c) else {
            return;
        };
        if points != 0.0 {
            let mut p = if per_minute {
                points * a.value / 60.0
            } else {
                points
            };
            if let Some(h) = self.rules.half_life_days {
                p *= 0.5f64.powf((self.as_of - a.timestamp) as f64 / 86_400.0 / h);
            }
            s.behavior += p;
        }
        match a.activity {
            "page_view" if s.first_submit.is_none_or(|f| a.timestamp < f) => {
                s.pageviews.push(a.timestamp);
            }
            "form_submit" if s.first_submit.is_none_or(|f| a.timestamp < f) => {
                s.first_submit = Some(a.timestamp);
                s.pageviews.retain(|&t| t < a.timestamp);
            }
            "video_watch" => {
                s.video_seconds += a.value;
                self.weekly.entry(week).or_default().0 += a.value;
            }
            "share" => {
                s.shares += 1;
                self.weekly.entry(week).or_default().1 += 1;
            }
            _ => {}
        }
        if a.activity != "video_watch" && a.activity != "share" {
            self.weekly.entry(week).or_default();
        }
    }

    /// The scored contacts, best first (then by id), with fit points from
    /// `fit`, and the weekly rows of `--weekly` (`week, metric, value`).
    pub fn finish(self, fit: &HashMap<String, f64>) -> (Vec<Lead>, Vec<(Week, &'static str, f64)>) {
        let mut leads: Vec<Lead> = self
            .ids
            .iter()
            .zip(&self.states)
            .map(|(id, s)| {
                let fit = fit.get(id.as_ref()).copied().unwrap_or(0.0);
                let total = fit + s.behavior;
                Lead {
                    contact_id: id.to_string(),
                    fit,
                    behavior: s.behavior,
                    total,
                    mql: total >= self.rules.mql_threshold,
                    pageviews_before_lead: s.first_submit.map(|_| s.pageviews.len() as u64),
                    video_minutes: s.video_seconds / 60.0,
                    shares: s.shares,
                }
            })
            .collect();
        leads.sort_by(|a, b| {
            b.total
                .total_cmp(&a.total)
                .then_with(|| a.contact_id.cmp(&b.contact_id))
        });
        let mut converted: BTreeMap<Week, (u64, u64)> = BTreeMap::new();
        for s in &self.states {
            if let Some(f) = s.first_submit {
                let day = chrono::DateTime::from_timestamp(f, 0)
                    .map_or_else(NaiveDate::default, |d| d.date_naive());
                let e = converted
                    .entry(Week::containing(day, self.week_start))
                    .or_default();
                e.0 += s.pageviews.len() as u64;
                e.1 += 1;
            }
        }
        let mut weeks: Vec<Week> = self
            .weekly
            .keys()
            .chain(converted.keys())
            .copied()
            .collect();
        weeks.sort();
        weeks.dedup();
        let mut rows = Vec::new();
        for w in weeks {
            if let Some((views, n)) = converted.get(&w) {
                rows.push((w, "pageviews_before_lead", *views as f64 / *n as f64));
            }
            let (video, shares) = self.weekly.get(&w).copied().unwrap_or_default();
            rows.push((w, "video_watch_minutes", video / 60.0));
            rows.push((w, "content_shares", shares as f64));
        }
        (leads, rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_in_their_iso_forms_and_impossible_ones_do_not() {
        assert_eq!(parse_timestamp("1970-01-02T00:00:00Z"), Some(86_400));
        assert_eq!(parse_timestamp("1970-01-02T02:00:00+02:00"), Some(86_400));
        assert_eq!(parse_timestamp("1970-01-02 00:00:00"), Some(86_400));
        assert_eq!(parse_timestamp("1970-01-02"), Some(86_400));
        assert_eq!(parse_timestamp("2026-02-30T10:00:00Z"), None);
        assert_eq!(parse_timestamp("2026-01-01T25:00:00Z"), None);
        assert_eq!(parse_timestamp(""), None);
    }

    #[test]
    fn page_views_count_only_strictly_before_the_first_submission_by_time() {
        let rules = Rules {
            mql_threshold: 100.0,
            half_life_days: None,
            behavior: Vec::new(),
            fit: Vec::new(),
        };
        let mut e = Engine::new(&rules, 1_000, Weekday::Mon);
        let a = |t, activity| Activity {
            contact: "c",
            timestamp: t,
            activity,
            target: "/",
            value: 0.0,
        };
        for act in [
            a(10, "page_view"),
            a(50, "form_submit"),
            a(50, "page_view"),
            a(30, "page_view"),
            a(20, "form_submit"),
            a(2_000, "page_view"),
        ] {
            e.feed(act);
        }
        let (leads, _) = e.finish(&HashMap::new());
        assert_eq!(leads[0].pageviews_before_lead, Some(1));
    }
}
