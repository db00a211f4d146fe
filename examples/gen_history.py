#!/usr/bin/env python3
"""Generate the example history for the `trust-index` preset.

Run from the repository root:

    python3 examples/gen_history.py

It writes two files next to this script:

- examples/trust-index.csv -- 78 weeks (about 18 months) of made-up but
  realistic weekly numbers, wide CSV, one row per Monday, ending with the week
  of 2026-11-16;
- examples/week.csv -- the following week (2026-11-23), one row, with a few
  cells typed the way people paste them ("2m 41s", "39.5%", "2,731"), for the
  README walkthrough (`trustidx score examples/week.csv`).

The story: a B2B brand growing slowly, with a summer lull, a quiet week
between Christmas and New Year (no newsletter, no event), and a trust dip in
March 2026 (a public outage and a clumsy price change) that shows up in NPS,
referrals, unsubscribes and sales cycles, then recovers over spring.
About 2 % of the cells are empty (not tracked) and a few are `n/a`.

Standard library only; a fixed seed makes the output identical on every run.
"""

import csv
import datetime as dt
import math
import os
import random
import statistics

SEED = 2026
LAST_WEEK = dt.date(2026, 11, 16)
WEEKS = 78
HERE = os.path.dirname(os.path.abspath(__file__))

# The 19 metric ids of templates/trust-index.toml, in template order.
METRICS = [
    "session_duration", "direct_traffic", "pages_per_session", "subscribers",
    "new_subscribers", "unsubscribes", "newsletter_open_rate",
    "newsletter_click_rate", "private_replies", "form_completion_rate",
    "pageviews_before_lead", "video_watch_minutes", "content_shares",
    "days_to_close", "sales_personalization", "nps", "referrals",
    "community_engagement", "event_attendance",
]


def season(day):
    """Audience activity relative to a normal week (summer lull, holidays)."""
    if (day.month == 12 and day.day >= 22) or (day.month == 1 and day.day <= 1):
        return 0.62
    if day.month == 1 and day.day <= 8:
        return 0.9
    # A smooth summer dip centred on early August.
    doy = day.timetuple().tm_yday
    return 1.0 - 0.10 * math.exp(-(((doy - 215) / 28.0) ** 2))


def dip(day):
    """Severity 0..1 of the March 2026 trust dip: falls fast, recovers slowly."""
    start, bottom, end = dt.date(2026, 3, 2), dt.date(2026, 3, 16), dt.date(2026, 5, 11)
    if day < start or day >= end:
        return 0.0
    if day <= bottom:
        return (day - start).days / (bottom - start).days
    return 1.0 - (day - bottom).days / (end - bottom).days


def mmss(seconds):
    s = int(round(seconds))
    return "%d:%02d" % (s // 60, s % 60)


def model(rng, weeks):
    """Yield (week, {metric: value}) with canonical numeric values."""
    subscribers = 12040
    for i, day in enumerate(weeks):
        t = i / (WEEKS - 1)  # 0 .. 1 over the history; > 1 for week.csv
        s = season(day)
        d = dip(day)

        def noise(sd):
            return rng.gauss(1.0, sd)

        v = {}
        v["session_duration"] = (148 + 14 * t) * (0.97 + 0.03 * s) * (1 - 0.05 * d) * noise(0.035)
        v["direct_traffic"] = round((2450 + 420 * t) * s * (1 - 0.12 * d) * noise(0.05))
        v["pages_per_session"] = (2.55 + 0.25 * t) * (1 - 0.04 * d) * noise(0.03)
        new = round((112 + 30 * t) * s * (1 - 0.30 * d) * noise(0.08))
        unsub = round((44 - 6 * t) * (1 + 0.9 * d) * noise(0.10))
        subscribers += new - unsub
        v["subscribers"] = subscribers
        v["new_subscribers"] = new
        v["unsubscribes"] = unsub
        v["newsletter_open_rate"] = (37.2 + 2.2 * t) * (1 - 0.10 * d) * noise(0.025)
        v["newsletter_click_rate"] = (3.8 + 0.5 * t) * (1 - 0.15 * d) * noise(0.06)
        v["private_replies"] = max(3, round((22 + 8 * t) * s * (1 - 0.25 * d) * noise(0.15)))
        v["form_completion_rate"] = (21.5 + 3.0 * t) * (1 - 0.10 * d) * noise(0.04)
        v["pageviews_before_lead"] = (7.2 + 1.1 * t) * (1 + 0.10 * d) * noise(0.06)
        v["video_watch_minutes"] = (1650 + 900 * t) * s * (1 - 0.15 * d) * noise(0.08)
        v["content_shares"] = max(3, round((55 + 20 * t) * s * (1 - 0.30 * d) * noise(0.12)))
        v["days_to_close"] = (46.5 - 5.0 * t) * (1 + 0.18 * d) * noise(0.05)
        v["sales_personalization"] = (54.0 + 8.0 * t) * noise(0.04)
        v["nps"] = round((29 + 5 * t) * (1 - 0.45 * d) + rng.gauss(0, 2.5))
        v["referrals"] = max(3, round((8 + 3 * t) * (1 - 0.45 * d) * noise(0.18)))
        v["community_engagement"] = round((310 + 140 * t) * s * (1 - 0.15 * d) * noise(0.08))
        v["event_attendance"] = max(3, round((28 + 10 * t) * (0.8 + 0.2 * s) * (1 - 0.2 * d) * noise(0.20)))
        yield day, v


def cell(metric, value):
    """Format a canonical value the way a person would type it."""
    if metric == "session_duration":
        return mmss(value)
    if metric in ("newsletter_open_rate", "newsletter_click_rate",
                  "form_completion_rate", "sales_personalization",
                  "pageviews_before_lead", "video_watch_minutes",
                  "days_to_close"):
        return "%.1f" % value
    if metric == "pages_per_session":
        return "%.2f" % value
    return "%d" % value


def check_outliers(rows):
    """Fail loudly if a value is > 5x or < 1/5 of the previous 8 weeks' median."""
    for m in METRICS:
        seen = []
        for week, cells in rows:
            text = cells[m]
            if text in ("", "n/a"):
                continue
            if m == "session_duration":
                mins, secs = text.split(":")
                x = int(mins) * 60 + int(secs)
            else:
                x = float(text)
            prev = seen[-8:]
            if prev:
                med = statistics.median(prev)
                if med > 0 and not (med / 5 <= x <= med * 5):
                    raise SystemExit("outlier: %s %s = %s (median %s)" % (week, m, text, med))
            seen.append(x)


def main():
    rng = random.Random(SEED)
    first = LAST_WEEK - dt.timedelta(weeks=WEEKS - 1)
    weeks = [first + dt.timedelta(weeks=i) for i in range(WEEKS + 1)]
    series = list(model(rng, weeks))

    rows = [(day, {m: cell(m, v[m]) for m in METRICS}) for day, v in series[:WEEKS]]

    # Christmas week: no newsletter went out and there was no event; no event
    # in New Year's week or in the August holiday week either.
    for day, cells in rows:
        if day == dt.date(2025, 12, 22):
            for m in ("newsletter_open_rate", "newsletter_click_rate", "event_attendance"):
                cells[m] = "n/a"
        if day in (dt.date(2025, 12, 29), dt.date(2026, 8, 10)):
            cells["event_attendance"] = "n/a"

    # About 2 % of the cells were not tracked. Keep the first four weeks (the
    # baseline) and the last two complete so the walkthrough scores fully.
    candidates = [(i, m) for i in range(4, WEEKS - 2) for m in METRICS
                  if rows[i][1][m] != "n/a"]
    for i, m in rng.sample(candidates, 30):
        rows[i][1][m] = ""

    check_outliers(rows)

    with open(os.path.join(HERE, "trust-index.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["week"] + METRICS)
        for day, cells in rows:
            w.writerow([day.isoformat()] + [cells[m] for m in METRICS])

    # The next week, as someone pastes it from their tools on Monday morning.
    day, v = series[WEEKS]
    cells = {m: cell(m, v[m]) for m in METRICS}
    cells["session_duration"] = "2m 41s"
    cells["newsletter_open_rate"] = "39.5%"
    cells["direct_traffic"] = "2,731"  # csv quotes it because of the comma
    check_outliers(rows + [(day, dict(cells, session_duration="2:41",
                                      newsletter_open_rate="39.5",
                                      direct_traffic="2731"))])
    with open(os.path.join(HERE, "week.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["week"] + METRICS)
        w.writerow([day.isoformat()] + [cells[m] for m in METRICS])


if __name__ == "__main__":
    main()
