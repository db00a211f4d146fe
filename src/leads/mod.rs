//! Lead scoring from CRM activity exports (SPEC §9). The command streams
//! activity rows into an `Engine` one at a time: state grows with contacts
//! (and the page views not yet known to fall after a contact's first form
//! submission), never with rows.

mod rules;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Weekday};
use serde::Serialize;

use rustc_hash::FxHashMap;

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
        let num = |from: usize, to: usize| {
            b.get(from..to)?.iter().try_fold(0u32, |acc, &d| {
                d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
            })
        };
        let date =
            NaiveDate::from_ymd_opt(i32::try_from(num(0, 4)?).ok()?, num(5, 7)?, num(8, 10)?)?;
        let (h, m, s) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
        if h > 23 || m > 59 || s > 59 {
            return None;
        }
        let days = i64::from(date.num_days_from_ce()) - 719_163;
        return Some(days * 86_400 + i64::from(h * 3600 + m * 60 + s));
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
    /// Fit points from the contacts file (0 when absent).
    fit: f64,
    behavior: f64,
    first_submit: Option<i64>,
    /// Page views before the first submission known so far (all of them
    /// while there is none).
    pageviews: Vec<i64>,
    video_seconds: f64,
    shares: u64,
}

impl State {
    fn page_view(&mut self, t: i64) {
        if self.first_submit.is_none_or(|f| t < f) {
            self.pageviews.push(t);
        }
    }

    fn form_submit(&mut self, t: i64) {
        if self.first_submit.is_none_or(|f| t < f) {
            self.first_submit = Some(t);
            self.pageviews.retain(|&v| v < t);
        }
    }

    /// Combines the totals two readers of one file found for a contact.
    fn absorb(&mut self, other: State) {
        self.behavior += other.behavior;
        self.fit = if other.fit != 0.0 {
            other.fit
        } else {
            self.fit
        };
        self.video_seconds += other.video_seconds;
        self.shares += other.shares;
        if let Some(t) = other.first_submit {
            self.form_submit(t);
        }
        for t in other.pageviews {
            self.page_view(t);
        }
    }
}

/// Target → (points, per minute) of one activity type.
type RuleMemo = FxHashMap<Box<str>, (f64, bool)>;

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

fn week_of(t: i64, start: Weekday) -> Week {
    let day =
        chrono::DateTime::from_timestamp(t, 0).map_or_else(NaiveDate::default, |d| d.date_naive());
    Week::containing(day, start)
}

/// Streams activities and scores them. Several engines may read parts of
/// one file in parallel and be merged.
pub struct Engine<'r> {
    rules: &'r Rules,
    as_of: i64,
    week_start: Weekday,
    states: FxHashMap<Box<str>, State>,
    /// Per week: video seconds and shares of that week's activities.
    weekly: BTreeMap<Week, (f64, u64)>,
    /// Memo of activity → target → rule, for repeated targets.
    matches: FxHashMap<Box<str>, RuleMemo>,
    /// The day of the last activity that registered its week.
    last_day: Option<i64>,
}

impl<'r> Engine<'r> {
    pub fn new(rules: &'r Rules, as_of: i64, week_start: Weekday) -> Self {
        Engine {
            rules,
            as_of,
            week_start,
            states: FxHashMap::default(),
            weekly: BTreeMap::new(),
            matches: FxHashMap::default(),
            last_day: None,
        }
    }

    /// A contact's state, created on first sight (allocates only then
    /// when called after a failed lookup, as `feed` does).
    fn state(&mut self, id: &str) -> &mut State {
        self.states.entry(id.into()).or_default()
    }

    /// A contact of the contacts file and its fit points (the last row of
    /// a contact listed twice wins).
    pub fn contact(&mut self, id: &str, fit: f64) {
        match self.states.get_mut(id) {
            Some(s) => s.fit = fit,
            None => self.state(id).fit = fit,
        }
    }

    /// Lists a contact without activity.
    pub fn touch(&mut self, id: &str) {
        if !self.states.contains_key(id) {
            self.state(id);
        }
    }

    /// The rule of an (activity, target), memoised without allocating on a hit.
    fn rule(&mut self, activity: &str, target: &str) -> (f64, bool) {
        if let Some(hit) = self.matches.get(activity).and_then(|m| m.get(target)) {
            return *hit;
        }
        let m = self.rules.matching(activity, target);
        let per_activity = self.matches.entry(activity.into()).or_default();
        if per_activity.len() < 100_000 {
            per_activity.insert(target.into(), m);
        }
        m
    }

    pub fn feed(&mut self, a: Activity<'_>) {
        if a.timestamp > self.as_of {
            // after --as-of: ignored for every output, but listed
            self.touch(a.contact);
            return;
        }
        let (points, per_minute) = self.rule(a.activity, a.target);
        let mut p = 0.0;
        if points != 0.0 {
            p = if per_minute {
                points * a.value / 60.0
            } else {
                points
            };
            if let Some(h) = self.rules.half_life_days {
                p *= 0.5f64.powf((self.as_of - a.timestamp) as f64 / 86_400.0 / h);
            }
        }
        let start = self.week_start;
        let s = match self.states.get_mut(a.contact) {
            Some(s) => s,
            None => self.state(a.contact),
        };
        s.behavior += p;
        match a.activity {
            "page_view" => s.page_view(a.timestamp),
            "form_submit" => s.form_submit(a.timestamp),
            "video_watch" => {
                s.video_seconds += a.value;
                self.weekly
                    .entry(week_of(a.timestamp, start))
                    .or_default()
                    .0 += a.value;
            }
            "share" => {
                s.shares += 1;
                self.weekly
                    .entry(week_of(a.timestamp, start))
                    .or_default()
                    .1 += 1;
            }
            _ => {}
        }
        // every week with activity gets its rows, even with no video or share
        let day = a.timestamp.div_euclid(86_400);
        if self.last_day != Some(day) {
            self.last_day = Some(day);
            self.weekly.entry(week_of(a.timestamp, start)).or_default();
        }
    }

    /// An empty engine with the same rules and settings, to read another
    /// part of the file in parallel.
    pub fn fork(&self) -> Engine<'r> {
        Engine::new(self.rules, self.as_of, self.week_start)
    }

    /// Adds what another engine read (another part of the same file).
    pub fn merge(&mut self, other: Engine<'_>) {
        for (id, state) in other.states {
            match self.states.get_mut(&id) {
                Some(s) => s.absorb(state),
                None => {
                    self.states.insert(id, state);
                }
            }
        }
        for (week, (video, shares)) in other.weekly {
            let e = self.weekly.entry(week).or_default();
            e.0 += video;
            e.1 += shares;
        }
    }

    /// The scored contacts, best first (then by id), and the weekly rows of
    /// `--weekly` (`week, metric, value`).
    pub fn finish(self) -> (Vec<Lead>, Vec<(Week, &'static str, f64)>) {
        let mut converted: BTreeMap<Week, (u64, u64)> = BTreeMap::new();
        for s in self.states.values() {
            if let Some(f) = s.first_submit {
                let e = converted.entry(week_of(f, self.week_start)).or_default();
                e.0 += s.pageviews.len() as u64;
                e.1 += 1;
            }
        }
        let threshold = self.rules.mql_threshold;
        let mut leads: Vec<Lead> = self
            .states
            .into_iter()
            .map(|(id, s)| {
                let fit = s.fit;
                let total = fit + s.behavior;
                Lead {
                    contact_id: id.into_string(),
                    fit,
                    behavior: s.behavior,
                    total,
                    mql: total >= threshold,
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
        let (leads, _) = e.finish();
        assert_eq!(leads[0].pageviews_before_lead, Some(1));
    }
}
