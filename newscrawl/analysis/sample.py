"""A synthetic run of exported records and run reports, with the shapes a real year
has: about 200 stories a day across sections, (LEAD)/(2nd LD) revisions hours later,
bylines on a fifth, photos on most, a redesign that sends a week to the meta layout
and empties keywords, and a two-day crawl gap. For the report's tests, its benchmark
and the screenshot in docs/report.md (no Scrapy import)."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

SECTIONS = ("national", "nk", "economy", "culture", "sports", "world")
KEYWORDS = ("N. Korea", "economy", "BTS", "K-pop", "semiconductors", "Yoon", "exports", "COVID-19", "baseball",
            "climate", "Samsung", "Japan", "China", "U.S.", "trade", "film", "elections", "defense", "tourism")
KST = timezone(timedelta(hours=9))


def sample_records(stories: int, first_day: date, days: int, seed: int = 1) -> list[dict]:
    """About `stories` stories spread over `days` days from `first_day`, with revisions."""
    rng = random.Random(seed)
    redesign = range(days * 3 // 5, days * 3 // 5 + 7)  # a week read by the meta fallback
    gap = (days // 3, days // 3 + 1)  # two days the crawler missed
    per_day = stories / days
    records = []
    serial = 0
    for offset in range(days):
        if offset in gap:
            continue
        day = first_day + timedelta(days=offset)
        for _ in range(max(0, round(rng.gauss(per_day, per_day * 0.1)))):
            serial += 1
            story = f"AEN{day:%Y%m%d}{serial % 10000:04d}"
            when = datetime(day.year, day.month, day.day, tzinfo=KST) + timedelta(minutes=rng.randrange(0, 24 * 60))
            meta = offset in redesign
            versions = 1 + (rng.random() < 0.12) + (rng.random() < 0.03)
            for revision in range(versions):
                stamp = when + timedelta(hours=revision * rng.uniform(0.5, 10))
                records.append({
                    "article_id": f"{story}{0 if revision == 0 else 50 + revision:02d}315",
                    "story_id": story, "revision": revision, "section": rng.choice(SECTIONS),
                    "published_at": stamp.isoformat(), "dateline_date": "" if meta else day.isoformat(),
                    "byline": "Kim Soo-yeon" if rng.random() < 0.2 else "",
                    "keywords": [] if meta else rng.sample(KEYWORDS, rng.randrange(1, 4)),
                    "photos": [{"url": "https://img.yna.co.kr/x.jpg", "caption": "x"}] if rng.random() < 0.7 else [],
                    "layout": "meta" if meta else "2023",
                })
    return records


def sample_runs(first_day: date, days: int, seed: int = 1) -> list[dict]:
    """One run report a day, most healthy; the redesign week's fail unknown_layout."""
    rng = random.Random(seed)
    redesign = range(days * 3 // 5, days * 3 // 5 + 7)
    runs = []
    for offset in range(days):
        start = datetime(first_day.year, first_day.month, first_day.day, 21, tzinfo=timezone.utc) + timedelta(days=offset)
        failed = ["unknown_layout", "coverage/keywords"] if offset in redesign else []
        runs.append({"job": f"job{offset:04d}", "started_at": start.isoformat(),
                     "finished_at": (start + timedelta(minutes=rng.randrange(3, 9))).isoformat(),
                     "items_exported": rng.randrange(150, 260), "healthy": not failed, "failed_checks": failed,
                     "stats": {"log_count/ERROR": rng.randrange(0, 3), "elapsed_time_seconds": rng.uniform(180, 540)}})
    return runs
