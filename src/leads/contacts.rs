//! The contacts one engine has seen and their running totals.
//!
//! Activities reach contacts in time order, which is random order for a
//! table keyed by id: every session's first row misses the cache, twice
//! (the index slot, then the contact). The states are dense, in order of
//! first sight, one 64-byte cache line per contact (key and totals
//! together), and `Index` is an open-addressing table of positions whose
//! slot follows from the hash alone, so `Contacts::find_all` can touch the
//! slots of a whole batch of activities, then their states, before it
//! reads any of them: the misses of a batch overlap instead of coming one
//! after another. (hashbrown, used elsewhere, reaches its slots through
//! control bytes and gives no way to ask for a slot before probing it.)
//!
//! Page views are logged, not kept per contact: `(contact, time)` goes to
//! one list while the time may still fall before the contact's first form
//! submission, and the log is counted against the final first submissions
//! at the end (see `Contacts::pageviews_before_lead`).

use std::hash::BuildHasher;

use rustc_hash::{FxBuildHasher, FxHashMap};

/// A contact id of at most 23 bytes, kept inline: its bytes and, in the
/// last byte, its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShortId([u64; 3]);

impl ShortId {
    /// The key of the entries of ids over 23 bytes (their length byte, 255,
    /// is no short id's); they are found through `Contacts::long`.
    const LONG: ShortId = ShortId([0, 0, u64::MAX]);

    pub(super) fn new(id: &str) -> Option<Self> {
        let b = id.as_bytes();
        let len = u8::try_from(b.len()).ok().filter(|n| *n < 24)?;
        // words built in registers: bytes copied to a stack array and read
        // back as words stalled the processor (store forwarding fails),
        // 9 % of the w3 profile
        let mut words = [0u64; 3];
        for (word, chunk) in words.iter_mut().zip(b.chunks(8)) {
            *word = match <[u8; 8]>::try_from(chunk) {
                Ok(full) => u64::from_le_bytes(full),
                Err(_) => chunk
                    .iter()
                    .rev()
                    .fold(0u64, |w, &byte| (w << 8) | u64::from(byte)),
            };
        }
        words[2] |= u64::from(len) << 56;
        Some(ShortId(words))
    }

    fn into_string(self) -> String {
        let mut bytes = [0u8; 24];
        for (chunk, w) in bytes.chunks_exact_mut(8).zip(self.0) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        let len = usize::from(bytes[23]).min(23);
        // the bytes of a &str, cut at its own length: always UTF-8
        String::from_utf8_lossy(bytes.get(..len).unwrap_or(&[])).into_owned()
    }

    fn hash(self) -> u64 {
        FxBuildHasher.hash_one(self)
    }
}

/// A contact id as a key of `Contacts`, with its hash (computed once per
/// row: it also picks the engine that owns the contact).
#[derive(Debug, Clone)]
pub enum ContactId {
    Short(ShortId, u64),
    Long(Box<str>, u64),
}

impl ContactId {
    /// The key of an id (already trimmed).
    pub fn of(id: &str) -> Self {
        match ShortId::new(id) {
            Some(k) => ContactId::Short(k, k.hash()),
            None => ContactId::Long(id.into(), FxBuildHasher.hash_one(id)),
        }
    }

    /// `ContactId::of(id).hash()`, without making the key.
    pub fn hash_of(id: &str) -> u64 {
        match ShortId::new(id) {
            Some(k) => k.hash(),
            None => FxBuildHasher.hash_one(id),
        }
    }

    /// `ContactId::of(id)` when `hash` is already `hash_of(id)`.
    pub fn with_hash(id: &str, hash: u64) -> Self {
        match ShortId::new(id) {
            Some(k) => ContactId::Short(k, hash),
            None => ContactId::Long(id.into(), hash),
        }
    }

    pub fn hash(&self) -> u64 {
        match self {
            ContactId::Short(_, h) | ContactId::Long(_, h) => *h,
        }
    }
}

/// One contact's running totals.
#[derive(Debug, Clone, Copy)]
pub(super) struct State {
    /// Fit points from the contacts file (0 when absent).
    pub fit: f64,
    pub behavior: f64,
    /// The earliest form submission so far; `NO_SUBMIT` while there is none.
    first_submit: i64,
    pub video_seconds: f64,
    pub shares: u64,
}

/// No timestamp reaches it (`parse_timestamp` stops at chrono's years).
const NO_SUBMIT: i64 = i64::MAX;

impl State {
    const NEW: State = State {
        fit: 0.0,
        behavior: 0.0,
        first_submit: NO_SUBMIT,
        video_seconds: 0.0,
        shares: 0,
    };

    pub(super) fn first_submit(&self) -> Option<i64> {
        (self.first_submit != NO_SUBMIT).then_some(self.first_submit)
    }
}

/// A contact's key and totals in one cache line.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct Entry {
    key: ShortId,
    state: State,
}

/// Positions of entries by the hash of their key: linear probing over a
/// power-of-two number of slots, at most half full. A slot is 0 when empty,
/// else the top 24 bits of the hash (to skip most other keys without
/// reading their entry) above the position plus one (40 bits: more
/// contacts than that would not fit in memory as entries).
#[derive(Debug, Default)]
struct Index {
    slots: Vec<u64>,
    len: usize,
}

const POSITION: u64 = (1 << 40) - 1;

impl Index {
    /// Where the probe for `hash` starts: the top bits of the hash times
    /// an odd constant, which depend on all of its bits.
    fn home(&self, hash: u64) -> usize {
        let bits = self.slots.len().trailing_zeros();
        let mixed = hash.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        match bits {
            1..64 => usize::try_from(mixed >> (64 - bits)).unwrap_or(0),
            _ => 0,
        }
    }

    /// FxHash ends with a rotation that brings its best-mixed bits to the
    /// bottom: the tag takes 24 of them.
    fn tag(hash: u64) -> u64 {
        (hash & 0xFF_FFFF) << 40
    }

    /// Loads the first slot of `hash`'s probe, so a look-up soon after
    /// finds it in the cache.
    fn touch(&self, hash: u64) -> u64 {
        self.slots.get(self.home(hash)).copied().unwrap_or(0)
    }

    /// The position whose key `is` says is the one, or the empty slot
    /// where it would go.
    fn probe(&self, hash: u64, is: impl Fn(usize) -> bool) -> Result<usize, usize> {
        let mask = self.slots.len().wrapping_sub(1);
        let tag = Index::tag(hash);
        let mut at = self.home(hash);
        // never full (at most half): an empty slot ends every probe
        for _ in 0..self.slots.len() {
            let slot = self.slots.get(at).copied().unwrap_or(0);
            if slot == 0 {
                return Err(at);
            }
            let position = usize::try_from((slot & POSITION) - 1).unwrap_or(usize::MAX);
            if slot & !POSITION == tag && is(position) {
                return Ok(position);
            }
            at = (at + 1) & mask;
        }
        Err(usize::MAX)
    }

    /// Sets the empty slot `at` (from `probe`) to `position`.
    fn put(&mut self, at: usize, hash: u64, position: usize) {
        if let Some(slot) = self.slots.get_mut(at) {
            *slot = Index::tag(hash) | (position as u64 + 1);
            self.len += 1;
        }
    }

    /// Whether one more key would make the table over half full.
    fn full(&self) -> bool {
        (self.len + 1) * 2 > self.slots.len()
    }
}

/// Every contact one engine has seen, by id.
#[derive(Debug, Default)]
pub(super) struct Contacts {
    /// Short ids → position in `entries`.
    index: Index,
    /// In order of first sight.
    entries: Vec<Entry>,
    /// Ids over 23 bytes (rare) → position in `entries`.
    long: FxHashMap<Box<str>, usize>,
    /// Page views that may fall before their contact's first submission,
    /// in order of reading: position in `entries` and seconds from `epoch`,
    /// 8 bytes each (the log grows with such page views: 7 M of them in
    /// the w3 file).
    pageviews: Vec<(u32, i32)>,
    /// The time of the first page view logged.
    epoch: Option<i64>,
    /// The rare page views that do not fit 8 bytes (a position past 2^32,
    /// a time more than 68 years from `epoch`): position and time.
    far_pageviews: Vec<(usize, i64)>,
}

impl Contacts {
    /// The position of `id`'s state, created on first sight.
    pub(super) fn find(&mut self, id: &ContactId) -> usize {
        let (key, hash) = match id {
            ContactId::Short(k, hash) => (*k, *hash),
            ContactId::Long(name, _) => {
                if let Some(&i) = self.long.get(name) {
                    return i;
                }
                let i = self.push(ShortId::LONG);
                self.long.insert(name.clone(), i);
                return i;
            }
        };
        if self.index.full() {
            self.grow();
        }
        match self.index.probe(hash, |i| self.is(i, key)) {
            Ok(i) => i,
            Err(at) => {
                let i = self.push(key);
                self.index.put(at, hash, i);
                i
            }
        }
    }

    /// The positions of `ids`, in order, into `out`, created on first
    /// sight. The index slots of all of them are loaded first, then their
    /// entries, then they are read: one batch's cache misses overlap.
    pub(super) fn find_all<'a>(
        &mut self,
        ids: impl Iterator<Item = &'a ContactId> + Clone,
        out: &mut Vec<usize>,
    ) {
        let mut loaded = 0u64;
        for id in ids.clone() {
            if let ContactId::Short(_, h) = id {
                loaded = loaded.wrapping_add(self.index.touch(*h));
            }
        }
        out.clear();
        for id in ids.clone() {
            let found = match id {
                ContactId::Short(k, h) => self.index.probe(*h, |i| self.is(i, *k)).ok(),
                ContactId::Long(..) => None,
            };
            if let Some(e) = found.and_then(|i| self.entries.get(i)) {
                loaded = loaded.wrapping_add(e.key.0[0]);
            }
            out.push(found.unwrap_or(usize::MAX));
        }
        std::hint::black_box(loaded);
        // the new ones (and long ids), in order: a repeated new id finds
        // the entry its first occurrence made
        for (id, i) in ids.zip(out.iter_mut()) {
            if *i == usize::MAX {
                *i = self.find(id);
            }
        }
    }

    fn is(&self, i: usize, key: ShortId) -> bool {
        self.entries.get(i).is_some_and(|e| e.key == key)
    }

    /// Twice the slots, every short id placed again.
    fn grow(&mut self) {
        let size = (self.index.slots.len() * 2).max(1024);
        self.index = Index {
            slots: vec![0; size],
            len: 0,
        };
        for (i, e) in self.entries.iter().enumerate() {
            if e.key != ShortId::LONG {
                let hash = e.key.hash();
                if let Err(at) = self.index.probe(hash, |_| false) {
                    self.index.put(at, hash, i);
                }
            }
        }
    }

    fn push(&mut self, key: ShortId) -> usize {
        self.entries.push(Entry {
            key,
            state: State::NEW,
        });
        self.entries.len() - 1
    }

    /// The state at a position `find` gave.
    pub(super) fn state(&mut self, i: usize) -> Option<&mut State> {
        self.entries.get_mut(i).map(|e| &mut e.state)
    }

    /// A page view of the contact at `i` at time `t`.
    pub(super) fn page_view(&mut self, i: usize, t: i64) {
        // one already after the first submission can never count again:
        // the first submission only moves earlier
        if self
            .entries
            .get(i)
            .is_some_and(|e| t < e.state.first_submit)
        {
            let epoch = *self.epoch.get_or_insert(t);
            let near = u32::try_from(i)
                .ok()
                .zip(t.checked_sub(epoch).and_then(|d| i32::try_from(d).ok()));
            match near {
                Some(pv) => self.pageviews.push(pv),
                None => self.far_pageviews.push((i, t)),
            }
        }
    }

    /// A form submission of the contact at `i` at time `t`.
    pub(super) fn form_submit(&mut self, i: usize, t: i64) {
        if let Some(s) = self.state(i) {
            s.first_submit = s.first_submit.min(t);
        }
    }

    /// Per contact, the page views strictly before its first submission.
    /// Exact whatever the order of the rows: a page view before the final
    /// first submission was before every earlier guess of it too (guesses
    /// only move earlier), so it was logged, and the count drops the
    /// logged ones at or after it.
    fn pageviews_before_lead(&self) -> Vec<u64> {
        // the log is in time order, so its contacts come at random: their
        // first submissions are copied out of the 64-byte entries first, a
        // table small enough to stay in the cache
        let first: Vec<i64> = self.entries.iter().map(|e| e.state.first_submit).collect();
        let mut counts = vec![0u64; self.entries.len()];
        let epoch = self.epoch.unwrap_or(0);
        let near = self
            .pageviews
            .iter()
            .map(|&(i, d)| (i as usize, epoch + i64::from(d)));
        for (i, t) in near.chain(self.far_pageviews.iter().copied()) {
            if let (Some(&f), Some(n)) = (first.get(i), counts.get_mut(i))
                && t < f
            {
                *n += 1;
            }
        }
        counts
    }

    /// Every contact's id, state and page views before its first
    /// submission (`None` without one), in order of first sight.
    pub(super) fn into_totals(self) -> impl Iterator<Item = (String, State, Option<u64>)> {
        let counts = self.pageviews_before_lead();
        let mut long: FxHashMap<usize, Box<str>> =
            self.long.into_iter().map(|(name, i)| (i, name)).collect();
        self.entries
            .into_iter()
            .zip(counts)
            .enumerate()
            .map(move |(i, (e, views))| {
                let id = match long.remove(&i) {
                    Some(name) => name.into_string(),
                    None => e.key.into_string(),
                };
                let views = e.state.first_submit().map(|_| views);
                (id, e.state, views)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_ids_find_their_own_entries_again() {
        let mut c = Contacts::default();
        let long = "x".repeat(40);
        let ids = ["a", "b", "a", &long, "c", &long, "", "b"];
        for id in ids {
            let key = ContactId::of(id);
            assert_eq!(key.hash(), ContactId::hash_of(id));
            assert_eq!(ContactId::with_hash(id, key.hash()).hash(), key.hash());
        }
        let found: Vec<usize> = ids.iter().map(|id| c.find(&ContactId::of(id))).collect();
        assert_eq!(found, [0, 1, 0, 2, 3, 2, 4, 1]);
        // many more, so the index grows and rehashes
        for n in 0..10_000 {
            c.find(&ContactId::of(&format!("c{n:06}")));
        }
        assert_eq!(c.find(&ContactId::of("a")), 0);
        assert_eq!(c.find(&ContactId::of(&long)), 2);
        assert_eq!(c.find(&ContactId::of("c000123")), 5 + 123);
        let names: Vec<String> = c.into_totals().map(|(id, _, _)| id).take(5).collect();
        assert_eq!(names, ["a", "b", long.as_str(), "c", ""]);
    }

    #[test]
    fn page_views_count_against_the_final_first_submission_in_any_order() {
        // times of page views (p) and submissions (s) of one contact
        type Rows<'a> = &'a [(char, i64)];
        let cases: [(Rows, Option<u64>); 6] = [
            (&[('p', 1), ('p', 2)], None),
            (&[('p', 1), ('s', 5), ('p', 3), ('p', 7)], Some(2)),
            (&[('p', 4), ('p', 6), ('s', 5), ('s', 3), ('p', 2)], Some(1)),
            (&[('s', 5), ('p', 5), ('p', 4)], Some(1)),
            (&[('p', 1), ('s', 0)], Some(0)),
            // more than 68 years apart: kept apart from the 8-byte log
            (
                &[
                    ('p', 0),
                    ('p', -3_000_000_000),
                    ('s', 1),
                    ('p', 4_000_000_000),
                ],
                Some(2),
            ),
        ];
        for (rows, want) in cases {
            let mut c = Contacts::default();
            let i = c.find(&ContactId::of("c1"));
            for &(kind, t) in rows {
                match kind {
                    'p' => c.page_view(i, t),
                    _ => c.form_submit(i, t),
                }
            }
            let got: Vec<Option<u64>> = c.into_totals().map(|(_, _, v)| v).collect();
            assert_eq!(got, [want], "{rows:?}");
        }
    }

    proptest::proptest! {
        /// Whatever the ids (short, long, repeated within a batch) and the
        /// order of page views and submissions, `find_all` and the counts
        /// agree with a plain map of every event.
        #[test]
        fn batches_agree_with_a_plain_map(
            rows in proptest::collection::vec((0usize..40, proptest::bool::ANY, 0i64..50), 0..300),
            batch in 1usize..40,
        ) {
            let name = |n: usize| match n % 3 {
                0 => format!("{n}-{}", "long".repeat(8)),
                _ => format!("c{n}"),
            };
            let mut c = Contacts::default();
            let mut order: Vec<String> = Vec::new();
            let mut events: FxHashMap<String, Vec<(bool, i64)>> = FxHashMap::default();
            let mut found = Vec::new();
            for chunk in rows.chunks(batch) {
                let ids: Vec<ContactId> = chunk.iter().map(|r| ContactId::of(&name(r.0))).collect();
                c.find_all(ids.iter(), &mut found);
                for (&(n, submit, t), &i) in chunk.iter().zip(&found) {
                    let id = name(n);
                    if !order.contains(&id) {
                        order.push(id.clone());
                    }
                    proptest::prop_assert_eq!(Some(i), order.iter().position(|o| *o == id));
                    events.entry(id).or_default().push((submit, t));
                    if submit { c.form_submit(i, t) } else { c.page_view(i, t) }
                }
            }
            let got: Vec<(String, Option<u64>)> = c.into_totals().map(|(id, _, v)| (id, v)).collect();
            let want: Vec<(String, Option<u64>)> = order
                .iter()
                .map(|id| {
                    let e = events.get(id).map_or(&[][..], Vec::as_slice);
                    let first = e.iter().filter(|x| x.0).map(|x| x.1).min();
                    let views = first.map(|f| e.iter().filter(|x| !x.0 && x.1 < f).count() as u64);
                    (id.clone(), views)
                })
                .collect();
            proptest::prop_assert_eq!(got, want);
        }
    }
}
