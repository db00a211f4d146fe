#!/usr/bin/env python3
"""Generate the example histories for the built-in presets.

Run from the repository root:

    python3 examples/gen_history.py

It writes five files next to this script:

- examples/trust-index.csv -- 78 weeks (about 18 months) of made-up but
  realistic weekly numbers, wide CSV, one row per Monday, ending with the week
  of 2026-11-16;
- examples/week.csv -- the following week (2026-11-23), one row, with a few
  cells typed the way people paste them ("2m 41s", "39.5%", "2,731"), for the
  README walkthrough (`trustidx score examples/week.csv`);
- examples/inbound.csv, examples/social-selling.csv, examples/service.csv --
  26 weeks ending with the week of 2026-11-16 for the `inbound`,
  `social-selling` (four sellers, `entity` column) and `service` presets,
  consistent with their funnel checks; derived metrics (the inbound rates,
  `cac`) are left out because trustidx computes them.

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

    inbound()
    social_selling()
    service()


# ---------------------------------------------------------------------------
# Examples for the other weekly presets (SPEC §3.2-3.4): 26 weeks each, ending
# with the week of 2026-11-16, one file per preset. Each preset has its own
# random generator, so the files above do not change when these do.

PRESET_WEEKS = 26


def preset_weeks():
    first = LAST_WEEK - dt.timedelta(weeks=PRESET_WEEKS - 1)
    return [first + dt.timedelta(weeks=i) for i in range(PRESET_WEEKS)]


def check_outliers_in(rows, metrics, parse):
    """check_outliers for rows of (key, week, {metric: text}), per key (the
    seller, or "" for one brand); parse(metric, text) gives the number."""
    for key in sorted({k for k, _, _ in rows}):
        for m in metrics:
            seen = []
            for k, week, cells in rows:
                if k != key or cells[m] in ("", "n/a"):
                    continue
                x = parse(m, cells[m])
                prev = seen[-8:]
                if prev:
                    med = statistics.median(prev)
                    if med > 0 and not (med / 5 <= x <= med * 5):
                        raise SystemExit("outlier: %s %s %s = %s (median %s)"
                                         % (key, week, m, cells[m], med))
                seen.append(x)


def write_wide(name, header, rows):
    with open(os.path.join(HERE, name), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow(row)


INBOUND = [
    "sessions", "leads", "social_reach", "content_published", "inbound_links",
    "quality_leads", "sales_qualified_leads", "accepted_lead_conversion_rate",
    "days_to_close", "nps", "referrals", "reviews",
]


def inbound():
    """examples/inbound.csv: a SaaS blog-and-webinar funnel.

    Sessions grow, leads convert at about 2.2 %, a third of them become
    marketing-qualified and two in five of those sales-qualified, so every
    week holds sessions >= leads >= quality_leads >= sales_qualified_leads
    (the preset's checks). The rates are derived metrics: left out.
    """
    rng = random.Random(SEED + 1)
    weeks = preset_weeks()
    rows = []
    for i, day in enumerate(weeks):
        t = i / (PRESET_WEEKS - 1)
        s = season(day)

        def noise(sd):
            return rng.gauss(1.0, sd)

        sessions = round((5900 + 1300 * t) * s * noise(0.05))
        leads = round(sessions * (0.021 + 0.003 * t) * noise(0.06))
        quality = round(leads * 0.34 * noise(0.08))
        sql = round(quality * 0.41 * noise(0.10))
        cells = {
            "sessions": "%d" % sessions,
            "leads": "%d" % leads,
            "social_reach": "%d" % round((21000 + 6000 * t) * s * noise(0.10)),
            "content_published": "%d" % max(2, round(4 * noise(0.25))),
            "inbound_links": "%d" % max(6, round((24 + 8 * t) * noise(0.18))),
            "quality_leads": "%d" % quality,
            "sales_qualified_leads": "%d" % sql,
            "accepted_lead_conversion_rate": "%.1f" % ((24.0 + 3.0 * t) * noise(0.06)),
            "days_to_close": "%.1f" % ((41.0 - 5.0 * t) * noise(0.05)),
            "nps": "%d" % round(33 + 6 * t + rng.gauss(0, 2.5)),
            "referrals": "%d" % max(3, round((7 + 3 * t) * noise(0.20))),
            "reviews": "%d" % max(2, round((4 + 2 * t) * noise(0.25))),
        }
        assert sessions >= leads >= quality >= sql
        rows.append(("", day, cells))

    # The August holiday week published nothing and closed no deal; the
    # survey did not go out one week; two cells were never filled in.
    for _, day, cells in rows:
        if day == dt.date(2026, 8, 10):
            cells["content_published"] = "n/a"
            cells["days_to_close"] = "n/a"
        if day == dt.date(2026, 9, 28):
            cells["nps"] = ""
        if day == dt.date(2026, 7, 6):
            cells["social_reach"] = ""
        if day == dt.date(2026, 10, 19):
            cells["inbound_links"] = ""

    check_outliers_in(rows, INBOUND, lambda m, text: float(text))
    write_wide("inbound.csv", ["week"] + INBOUND,
               [[day.isoformat()] + [cells[m] for m in INBOUND]
                for _, day, cells in rows])


SOCIAL = [
    "ssi", "ssi_brand", "ssi_people", "ssi_insights", "ssi_relationships",
    "network_size", "network_growth", "warm_conversations",
    "content_engagement_rate", "link_click_rate", "referrals",
    "meeting_set_rate", "days_to_conversion",
]

# (seller, SSI pillars at the start, weekly pillar gain, network, activity)
SELLERS = [
    ("amara.okafor", (19.0, 16.5, 17.0, 18.0), 0.06, 2450, 1.25),
    ("ben.hartmann", (14.0, 12.5, 11.0, 13.5), 0.09, 1180, 0.85),
    ("carla.mendes", (21.5, 18.0, 19.5, 20.0), 0.03, 3920, 1.10),
    ("daniel.kim", (12.0, 14.0, 9.5, 11.0), 0.12, 860, 0.70),
]


def social_selling():
    """examples/social-selling.csv: four sellers, one row each per week.

    The SSI is LinkedIn's 0-100 score: the sum of four pillars of 0-25 each
    (the preset checks it); network size grows by the week's new
    connections.
    """
    rng = random.Random(SEED + 2)
    weeks = preset_weeks()
    rows = []
    for name, pillars, gain, network, activity in SELLERS:
        for i, day in enumerate(weeks):
            s = season(day)
            p = [min(25.0, max(1.0, base + gain * i + rng.gauss(0, 0.35)))
                 for base in pillars]
            p = [round(x, 2) for x in p]
            growth = max(4, round((14 + 10 * activity) * s * rng.gauss(1.0, 0.18)))
            network += growth
            warm = max(3, round(9 * activity * s * rng.gauss(1.0, 0.15)))
            cells = {
                "ssi": "%.2f" % sum(p),
                "ssi_brand": "%.2f" % p[0],
                "ssi_people": "%.2f" % p[1],
                "ssi_insights": "%.2f" % p[2],
                "ssi_relationships": "%.2f" % p[3],
                "network_size": "%d" % network,
                "network_growth": "%d" % growth,
                "warm_conversations": "%d" % warm,
                "content_engagement_rate": "%.2f" % ((1.6 + 0.9 * activity) * rng.gauss(1.0, 0.10)),
                "link_click_rate": "%.2f" % ((0.9 + 0.5 * activity) * rng.gauss(1.0, 0.10)),
                "referrals": "%d" % max(1, round(2.5 * activity * rng.gauss(1.0, 0.20))),
                "meeting_set_rate": "%.1f" % ((22 + 8 * activity) * rng.gauss(1.0, 0.08)),
                "days_to_conversion": "%.1f" % ((24 - 6 * activity) * rng.gauss(1.0, 0.08)),
            }
            rows.append((name, day, cells))

    # Holidays and gaps: Ben was on leave the week of 2026-08-10 (nothing to
    # convert), Daniel forgot two numbers one week, Carla had no referral
    # field one week.
    for name, day, cells in rows:
        if name == "ben.hartmann" and day == dt.date(2026, 8, 10):
            for m in ("warm_conversations", "referrals"):
                cells[m] = "n/a"
            cells["meeting_set_rate"] = "n/a"
            cells["days_to_conversion"] = "n/a"
        if name == "daniel.kim" and day == dt.date(2026, 9, 14):
            cells["content_engagement_rate"] = ""
            cells["link_click_rate"] = ""
        if name == "carla.mendes" and day == dt.date(2026, 7, 20):
            cells["referrals"] = ""

    check_outliers_in(rows, SOCIAL, lambda m, text: float(text))
    rows.sort(key=lambda r: (r[1], r[0]))
    write_wide("social-selling.csv", ["week", "entity"] + SOCIAL,
               [[day.isoformat(), name] + [cells[m] for m in SOCIAL]
                for name, day, cells in rows])


SERVICE = [
    "time_to_resolution", "case_nps", "tickets", "self_service_rate",
    "knowledge_base_views", "referrals", "reviews", "upsell_revenue",
    "churn_rate", "acquisition_spend", "customers_acquired", "ltv",
]


def hms(seconds):
    s = int(round(seconds))
    return "%d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60)


def seconds_of(text):
    h, m, s = text.split(":")
    return int(h) * 3600 + int(m) * 60 + int(s)


def service():
    """examples/service.csv: a help desk and the customer base behind it.

    Resolution times in h:mm:ss, CAC left out (the preset derives it from
    acquisition spend and customers acquired), weekly churn in percent.
    """
    rng = random.Random(SEED + 3)
    weeks = preset_weeks()
    rows = []
    for i, day in enumerate(weeks):
        t = i / (PRESET_WEEKS - 1)
        s = season(day)

        def noise(sd):
            return rng.gauss(1.0, sd)

        tickets = round((340 - 40 * t) * s * noise(0.07))
        cells = {
            "time_to_resolution": hms((8.5 - 1.5 * t) * 3600 * noise(0.08)),
            "case_nps": "%d" % round(41 + 7 * t + rng.gauss(0, 3)),
            "tickets": "%d" % tickets,
            "self_service_rate": "%.1f" % ((61.0 + 6.0 * t) * noise(0.03)),
            "knowledge_base_views": "%d" % round((5200 + 1400 * t) * s * noise(0.07)),
            "referrals": "%d" % max(3, round((8 + 3 * t) * noise(0.20))),
            "reviews": "%d" % max(2, round((4 + 2 * t) * noise(0.25))),
            "upsell_revenue": "%.2f" % ((11800 + 3500 * t) * noise(0.15)),
            "churn_rate": "%.2f" % ((1.45 - 0.25 * t) * noise(0.10)),
            "acquisition_spend": "%.2f" % ((17500 + 2500 * t) * s * noise(0.06)),
            "customers_acquired": "%d" % max(6, round((14 + 3 * t) * s * noise(0.15))),
            "ltv": "%.2f" % ((14200 + 1200 * t) * noise(0.02)),
        }
        rows.append(("", day, cells))

    # The survey tool was down one week; upsell revenue of the August
    # holiday week was never entered.
    for _, day, cells in rows:
        if day == dt.date(2026, 9, 7):
            cells["case_nps"] = "n/a"
        if day == dt.date(2026, 8, 10):
            cells["upsell_revenue"] = ""

    check_outliers_in(rows, SERVICE, lambda m, text: seconds_of(text)
                      if m == "time_to_resolution" else float(text))
    write_wide("service.csv", ["week"] + SERVICE,
               [[day.isoformat()] + [cells[m] for m in SERVICE]
                for _, day, cells in rows])


if __name__ == "__main__":
    main()
