//! Lead scoring from CRM activity exports (SPEC §9). The command streams
//! activity rows into `Engine`s (one per core, each owning the contacts
//! `owner` gives it): state grows with contacts (and the page views that
//! may still fall before a contact's first form submission, logged in 8
//! bytes each: `contacts`), not with other rows.

mod contacts;
mod rules;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Weekday};
use serde::Serialize;

use rustc_hash::FxHashMap;

use crate::week::Week;
pub use contacts::ContactId;
use contacts::Contacts;

pub use rules::Rules;

/// Seconds since 1970-01-01T00:00:00Z of an ISO 8601 timestamp, or `None`
/// when it is not one (or names an impossible instant).
pub fn parse_timestamp(text: &str) -> Option<i64> {
    parse_timestamp_with(text, &mut DayCache::default())
}

/// The last calendar day a reader parsed: rows in time order share their
/// day, so its date need not be checked again.
#[derive(Debug, Default)]
pub struct DayCache {
    date: [u8; 10],
    days: i64,
}

/// `parse_timestamp`, reusing the day of the row before when it is the same.
pub fn parse_timestamp_with(text: &str, cache: &mut DayCache) -> Option<i64> {
    let t = trim_cell(text);
    match t.as_bytes().first_chunk::<20>() {
        // the usual form, 2026-11-23T10:00:00Z: decided here, valid or not
        Some(b) if t.len() == 20 && usual_form(b) => usual_timestamp(b, cache),
        _ => other_timestamp(t),
    }
}

/// Whether `b` has the separators of `2026-11-23T10:00:00Z`.
#[inline]
fn usual_form(b: &[u8; 20]) -> bool {
    b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':' && b[19] == b'Z'
}

/// The instant of a timestamp of the usual form, or `None` when a digit
/// is not one or the date or time does not exist.
#[inline]
fn usual_timestamp(b: &[u8; 20], cache: &mut DayCache) -> Option<i64> {
    let digit = |d: u8| {
        let v = d.wrapping_sub(b'0');
        (v < 10).then_some(u32::from(v))
    };
    let two = |hi: u8, lo: u8| Some(digit(hi)? * 10 + digit(lo)?);
    let date_bytes = b.first_chunk::<10>()?;
    let days = if cache.days != 0 && *date_bytes == cache.date {
        cache.days
    } else {
        let year = two(b[0], b[1])? * 100 + two(b[2], b[3])?;
        let date = NaiveDate::from_ymd_opt(
            i32::try_from(year).ok()?,
            two(b[5], b[6])?,
            two(b[8], b[9])?,
        )?;
        let days = i64::from(date.num_days_from_ce()) - 719_163;
        // day 0 (1970-01-01) is never cached: 0 means empty
        *cache = DayCache {
            date: *date_bytes,
            days,
        };
        days
    };
    let (h, m, s) = (two(b[11], b[12])?, two(b[14], b[15])?, two(b[17], b[18])?);
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some(days * 86_400 + i64::from(h * 3600 + m * 60 + s))
}

/// Every other ISO 8601 form (offsets, fractions, a space, no seconds, a
/// bare date).
#[cold]
fn other_timestamp(t: &str) -> Option<i64> {
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

/// What an activity does to its contact's state besides its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    PageView,
    FormSubmit,
    Video,
    Share,
    Other,
}

/// An activity read but not yet applied to its contact (see `Engine::feed`).
#[derive(Debug, Clone)]
struct Pending {
    contact: ContactId,
    timestamp: i64,
    kind: Kind,
    points: f64,
    value: f64,
}

/// Activities applied together: their contacts' table lookups are cache
/// misses (500 k contacts in time order), and a batch of independent
/// lookups lets the processor wait for several at once.
const BATCH: usize = 32;

/// What activities of one (activity, target) are worth and do.
#[derive(Debug, Clone, Copy)]
struct Scored {
    points: f64,
    per_minute: bool,
    kind: Kind,
}

/// (activity, target) pairs remembered: past this many distinct ones
/// (targets are URLs, so a file could hold millions), rules are matched
/// anew for each row of an unseen pair.
const MEMO: usize = 1 << 20;

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

/// A cell without surrounding white space, as `str::trim` gives it; most
/// cells start and end with a printable ASCII byte and need no look at
/// Unicode white space.
pub fn trim_cell(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (None, _) => s,
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// The engine of `parts` that owns the contact of `hash` (`ContactId::hash`):
/// the same for every reader.
pub fn owner(hash: u64, parts: usize) -> usize {
    usize::try_from(hash % parts.max(1) as u64).unwrap_or(0)
}

/// Streams activities and scores them. Engines may share one file, each
/// owning the contacts `owner` gives it (`Engine::parts`).
pub struct Engine<'r> {
    rules: &'r Rules,
    /// This engine's share of the contacts: those `owner` gives `part`.
    part: usize,
    as_of: i64,
    week_start: Weekday,
    states: Contacts,
    /// Per week: video seconds and shares of that week's activities.
    weekly: BTreeMap<Week, (f64, u64)>,
    /// Memo of `activity,target` (an activity without a comma) → its rule.
    memo: FxHashMap<Box<str>, Scored>,
    /// Where `feed` writes the memo key of a row.
    pair: String,
    /// The day of the last activity and its week (every week with an
    /// activity is registered in `weekly` when its first day is seen).
    last_day: Option<(i64, Week)>,
    /// Activities read, applied in batches of `BATCH`.
    pending: Vec<Pending>,
    /// Their contacts' positions in `states`.
    found: Vec<usize>,
}

impl<'r> Engine<'r> {
    pub fn new(rules: &'r Rules, as_of: i64, week_start: Weekday) -> Self {
        Engine {
            rules,
            part: 0,
            as_of,
            week_start,
            states: Contacts::default(),
            weekly: BTreeMap::new(),
            memo: FxHashMap::default(),
            pair: String::new(),
            last_day: None,
            pending: Vec::with_capacity(BATCH),
            found: Vec::with_capacity(BATCH),
        }
    }

    /// `n` engines, each owning the contacts `owner` gives it.
    pub fn parts(rules: &'r Rules, as_of: i64, week_start: Weekday, n: usize) -> Vec<Self> {
        (0..n.max(1))
            .map(|part| Engine {
                part,
                ..Engine::new(rules, as_of, week_start)
            })
            .collect()
    }

    /// Which of `parts` engines this is (`owner`).
    pub fn part(&self) -> usize {
        self.part
    }

    /// Contacts of the contacts file and their fit points, in the file's
    /// order (the last row of a contact listed twice wins). Fit and
    /// activities add up in any order, so pending activities need not be
    /// applied first.
    pub fn contacts(&mut self, fits: &[(ContactId, f64)]) {
        let mut found = std::mem::take(&mut self.found);
        for batch in fits.chunks(BATCH) {
            self.states
                .find_all(batch.iter().map(|(id, _)| id), &mut found);
            for (&i, (_, fit)) in found.iter().zip(batch) {
                if let Some(s) = self.states.state(i) {
                    s.fit = *fit;
                }
            }
        }
        self.found = found;
    }

    /// The rule and kind of an (activity, target).
    fn scored(&self, activity: &str, target: &str) -> Scored {
        let (points, per_minute) = self.rules.matching(activity, target);
        let kind = match activity {
            "page_view" => Kind::PageView,
            "form_submit" => Kind::FormSubmit,
            "video_watch" => Kind::Video,
            "share" => Kind::Share,
            _ => Kind::Other,
        };
        Scored {
            points,
            per_minute,
            kind,
        }
    }

    /// Reads one activity: its points now, its contact's state with the
    /// rest of its batch.
    pub fn feed(&mut self, a: Activity<'_>) {
        let contact = ContactId::of(a.contact);
        if a.activity.contains(',') {
            // not a memo key: `activity,target` must split at its first comma
            let scored = self.scored(a.activity, a.target);
            return self.apply(contact, a.timestamp, scored, a.value);
        }
        let mut pair = std::mem::take(&mut self.pair);
        pair.clear();
        pair.push_str(a.activity);
        pair.push(',');
        pair.push_str(a.target);
        self.feed_pair(contact, a.timestamp, &pair, a.value);
        self.pair = pair;
    }

    /// `feed` of an activity whose activity and target cells are given as
    /// `activity,target` (as they stand in a row of the usual column
    /// order): looked up in the memo without being copied.
    pub fn feed_pair(&mut self, contact: ContactId, timestamp: i64, pair: &str, value: f64) {
        let scored = match self.memo.get(pair) {
            Some(s) => *s,
            None => {
                let (activity, target) = pair.split_once(',').unwrap_or((pair, ""));
                let s = self.scored(activity, target);
                if self.memo.len() < MEMO {
                    self.memo.insert(pair.into(), s);
                }
                s
            }
        };
        self.apply(contact, timestamp, scored, value);
    }

    fn apply(&mut self, contact: ContactId, timestamp: i64, s: Scored, value: f64) {
        if timestamp > self.as_of {
            // after --as-of: ignored for every output, but listed
            self.states.find(&contact);
            return;
        }
        let mut p = 0.0;
        if s.points != 0.0 {
            p = if s.per_minute {
                s.points * value / 60.0
            } else {
                s.points
            };
            if let Some(h) = self.rules.half_life_days {
                p *= 0.5f64.powf((self.as_of - timestamp) as f64 / 86_400.0 / h);
            }
        }
        // every week with activity gets its rows, even with no video or share
        let day = timestamp.div_euclid(86_400);
        let week = match self.last_day {
            Some((d, w)) if d == day => w,
            _ => {
                let w = week_of(timestamp, self.week_start);
                self.last_day = Some((day, w));
                self.weekly.entry(w).or_default();
                w
            }
        };
        match s.kind {
            Kind::Video => self.weekly.entry(week).or_default().0 += value,
            Kind::Share => self.weekly.entry(week).or_default().1 += 1,
            _ => {}
        }
        self.pending.push(Pending {
            contact,
            timestamp,
            kind: s.kind,
            points: p,
            value,
        });
        if self.pending.len() >= BATCH {
            self.flush();
        }
    }

    /// Applies the pending activities to their contacts, in order.
    fn flush(&mut self) {
        let mut found = std::mem::take(&mut self.found);
        self.states
            .find_all(self.pending.iter().map(|a| &a.contact), &mut found);
        for (a, &i) in self.pending.drain(..).zip(&found) {
            if let Some(s) = self.states.state(i) {
                s.behavior += a.points;
                match a.kind {
                    Kind::Video => s.video_seconds += a.value,
                    Kind::Share => s.shares += 1,
                    _ => {}
                }
            }
            match a.kind {
                Kind::PageView => self.states.page_view(i, a.timestamp),
                Kind::FormSubmit => self.states.form_submit(i, a.timestamp),
                _ => {}
            }
        }
        self.found = found;
    }

    /// The scored contacts, best first (then by id), and the weekly rows of
    /// `--weekly` (`week, metric, value`): every engine's contacts together,
    /// each engine finished on its own thread (they own different
    /// contacts: `Engine::parts`).
    pub fn finish_all(engines: Vec<Engine<'_>>) -> (Vec<Lead>, Vec<(Week, &'static str, f64)>) {
        Finished::combine(crate::parallel::map(engines, Engine::finish_part))
    }

    /// This engine's contacts, sorted, and its weekly totals.
    fn finish_part(mut self) -> Finished {
        self.flush();
        let mut converted: BTreeMap<Week, (u64, u64)> = BTreeMap::new();
        let threshold = self.rules.mql_threshold;
        let week_start = self.week_start;
        let mut leads: Vec<Lead> = self
            .states
            .into_totals()
            .map(|(id, s, views)| {
                if let (Some(f), Some(views)) = (s.first_submit(), views) {
                    let e = converted.entry(week_of(f, week_start)).or_default();
                    e.0 += views;
                    e.1 += 1;
                }
                let total = s.fit + s.behavior;
                Lead {
                    contact_id: id,
                    fit: s.fit,
                    behavior: s.behavior,
                    total,
                    mql: total >= threshold,
                    pageviews_before_lead: views,
                    video_minutes: s.video_seconds / 60.0,
                    shares: s.shares,
                }
            })
            .collect();
        let keys = sort(&mut leads);
        Finished {
            leads,
            keys,
            converted,
            weekly: self.weekly,
        }
    }
}

/// Sorts by `ranking`, through small keys rather than moving whole leads:
/// the total as an integer of the same order as `total_cmp` (descending)
/// and the first 16 bytes of the id as two words. Contacts without
/// activity tie on their fit points by the hundred thousand; only ids
/// that share their first 16 bytes and total are compared in full.
fn sort(leads: &mut Vec<Lead>) -> Vec<SortKey> {
    fn prefix(id: &str) -> [u64; 2] {
        let mut b = [0u8; 16];
        let n = id.len().min(16);
        if let (Some(to), Some(from)) = (b.get_mut(..n), id.as_bytes().get(..n)) {
            to.copy_from_slice(from);
        }
        let (hi, lo) = b.split_at(8);
        let word = |s: &[u8]| <[u8; 8]>::try_from(s).map_or(0, u64::from_be_bytes);
        [word(hi), word(lo)]
    }
    /// Larger for a smaller `total_cmp` order: best first.
    fn descending(total: f64) -> u64 {
        let bits = total.to_bits();
        // total_cmp's order as unsigned: flip all bits of negatives, the sign of the rest
        let ordered = if bits >> 63 == 1 {
            !bits
        } else {
            bits | 1 << 63
        };
        !ordered
    }
    let mut keys: Vec<(u64, [u64; 2], usize)> = leads
        .iter()
        .enumerate()
        .map(|(i, l)| (descending(l.total), prefix(&l.contact_id), i))
        .collect();
    // ids are unique: no two leads are equal, so stability is moot
    keys.sort_unstable_by(|a, b| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then_with(|| match (leads.get(a.2), leads.get(b.2)) {
                (Some(x), Some(y)) => ranking(x, y),
                _ => std::cmp::Ordering::Equal,
            })
    });
    let mut unsorted: Vec<Option<Lead>> = leads.drain(..).map(Some).collect();
    leads.extend(
        keys.iter()
            .filter_map(|k| unsorted.get_mut(k.2).and_then(Option::take)),
    );
    keys.into_iter().map(|(t, p, _)| (t, p)).collect()
}

/// What `sort` orders by before the whole id: equal keys need `ranking`.
type SortKey = (u64, [u64; 2]);

/// Best total first, then by id.
fn ranking(a: &Lead, b: &Lead) -> std::cmp::Ordering {
    b.total
        .total_cmp(&a.total)
        .then_with(|| a.contact_id.cmp(&b.contact_id))
}

/// One engine's results.
struct Finished {
    /// Sorted by `ranking`.
    leads: Vec<Lead>,
    /// Their `sort` keys.
    keys: Vec<SortKey>,
    /// Per week of a first submission: page views before it, submissions.
    converted: BTreeMap<Week, (u64, u64)>,
    /// Per week: video seconds and shares.
    weekly: BTreeMap<Week, (f64, u64)>,
}

impl Finished {
    fn combine(parts: Vec<Finished>) -> (Vec<Lead>, Vec<(Week, &'static str, f64)>) {
        let mut converted: BTreeMap<Week, (u64, u64)> = BTreeMap::new();
        let mut weekly: BTreeMap<Week, (f64, u64)> = BTreeMap::new();
        let mut lists = Vec::new();
        for p in parts {
            for (w, (views, n)) in p.converted {
                let e = converted.entry(w).or_default();
                e.0 += views;
                e.1 += n;
            }
            for (w, (video, shares)) in p.weekly {
                let e = weekly.entry(w).or_default();
                e.0 += video;
                e.1 += shares;
            }
            lists.push((p.leads, p.keys));
        }
        let leads = merge_sorted(lists);
        let mut weeks: Vec<Week> = weekly.keys().chain(converted.keys()).copied().collect();
        weeks.sort();
        weeks.dedup();
        let mut rows = Vec::new();
        for w in weeks {
            if let Some((views, n)) = converted.get(&w) {
                rows.push((w, "pageviews_before_lead", *views as f64 / *n as f64));
            }
            let (video, shares) = weekly.get(&w).copied().unwrap_or_default();
            rows.push((w, "video_watch_minutes", video / 60.0));
            rows.push((w, "content_shares", shares as f64));
        }
        (leads, rows)
    }
}

/// Lists each sorted by `ranking`, merged into one.
fn merge_sorted(lists: Vec<(Vec<Lead>, Vec<SortKey>)>) -> Vec<Lead> {
    let total = lists.iter().map(|(l, _)| l.len()).sum();
    let mut out = Vec::with_capacity(total);
    let mut heads: Vec<_> = lists
        .into_iter()
        .map(|(leads, keys)| (leads.into_iter(), keys.into_iter()))
        .collect();
    // the keys decide but for ties, which the leads themselves break
    let order = |(ka, a): (&SortKey, &Lead), (kb, b): (&SortKey, &Lead)| {
        ka.cmp(kb).then_with(|| ranking(a, b))
    };
    loop {
        let best = heads
            .iter()
            .enumerate()
            .filter_map(|(i, (l, k))| Some((i, (k.as_slice().first()?, l.as_slice().first()?))))
            .min_by(|(_, a), (_, b)| order(*a, *b))
            .map(|(i, _)| i);
        match best.and_then(|i| heads.get_mut(i)) {
            Some((leads, keys)) => {
                keys.next();
                out.extend(leads.next());
            }
            None => return out,
        }
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
        let mut cache = DayCache::default();
        for (t, want) in [
            ("1970-01-02T00:00:01Z", Some(86_401)),
            ("1970-01-02T00:00:02Z", Some(86_402)),
            ("1970-01-01T00:00:02Z", Some(2)),
            ("1970-01-01T00:00:03Z", Some(3)),
            ("1970-01-02T25:00:00Z", None),
            ("2026-02-30T10:00:00Z", None),
            ("1970-01-02T00:00:03Z", Some(86_403)),
        ] {
            assert_eq!(parse_timestamp_with(t, &mut cache), want, "{t}");
        }
        assert_eq!(parse_timestamp("2026-01-01T25:00:00Z"), None);
        assert_eq!(parse_timestamp(""), None);
    }

    proptest::proptest! {
        /// The usual form, read with one day cache across rows, gives what
        /// chrono gives for the same fields (seconds up to 59: a leap
        /// second is not an instant here).
        #[test]
        fn usual_timestamps_agree_with_chrono(
            rows in proptest::collection::vec((0i32..10_000, 0u32..14, 0u32..33, 0u32..26, 0u32..62, 0u32..62), 1..40),
        ) {
            let mut cache = DayCache::default();
            for (y, mo, d, h, mi, s) in rows {
                let text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z");
                let want = NaiveDate::from_ymd_opt(y, mo, d)
                    .and_then(|date| date.and_hms_opt(h, mi, s))
                    .map(|t| t.and_utc().timestamp());
                proptest::prop_assert_eq!(parse_timestamp_with(&text, &mut cache), want, "{}", text);
            }
        }
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
        let (leads, _) = Engine::finish_all(vec![e]);
        assert_eq!(leads[0].pageviews_before_lead, Some(1));
    }

    proptest::proptest! {
        /// The keyed sort orders exactly as `ranking`: totals of any sign
        /// (and -0, infinities, NaN) and ids sharing long prefixes.
        #[test]
        fn the_keyed_sort_and_merge_agree_with_ranking(
            rows in proptest::collection::vec((0usize..8, 0usize..40), 0..200),
        ) {
            const TOTALS: [f64; 8] = [0.0, -0.0, 1.5, -1.5, 100.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN];
            let mut seen = std::collections::BTreeSet::new();
            let mut leads: Vec<Lead> = Vec::new();
            for (t, id) in rows {
                // ids unique, some equal in their first 16 bytes
                let contact_id = format!("{}{id}", if id % 2 == 0 { "shared-prefix-of-16-bytes-" } else { "c" });
                if !seen.insert(contact_id.clone()) {
                    continue;
                }
                let total = TOTALS.get(t).copied().unwrap_or(0.0);
                leads.push(Lead {
                    contact_id,
                    fit: 0.0,
                    behavior: total,
                    total,
                    mql: false,
                    pageviews_before_lead: None,
                    video_minutes: 0.0,
                    shares: 0,
                });
            }
            let mut want = leads.clone();
            want.sort_by(ranking);
            // three engines' lists, each sorted, merged by their keys
            let mut lists: Vec<Vec<Lead>> = vec![Vec::new(); 3];
            for (i, l) in leads.iter().enumerate() {
                lists[i * 7 % 3].push(l.clone());
            }
            let keyed: Vec<(Vec<Lead>, Vec<SortKey>)> = lists
                .into_iter()
                .map(|mut l| {
                    let k = sort(&mut l);
                    (l, k)
                })
                .collect();
            let merged = merge_sorted(keyed);
            sort(&mut leads);
            let ids = |l: &[Lead]| l.iter().map(|l| l.contact_id.clone()).collect::<Vec<_>>();
            proptest::prop_assert_eq!(ids(&leads), ids(&want));
            proptest::prop_assert_eq!(ids(&merged), ids(&want));
        }
    }
}
