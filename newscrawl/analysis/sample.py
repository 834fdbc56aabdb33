"""A synthetic run of exported records and run reports, with the shapes a real year
has: about 200 stories a day across sections, (LEAD)/(2nd LD) revisions hours later,
bylines on a fifth, photos on most, a redesign that sends a week to the meta layout
and empties keywords, and a two-day crawl gap. Each revision edits its story's text
the ways Yonhap's do (paragraphs added, reworded, dropped; headline recast; photo
changed) under an editor's note that says so, or, now and then, says something else.
For the report's tests, the benchmarks and the screenshot in docs/report.md (no
Scrapy import)."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

from newscrawl.revisions.render import numbers_text

SECTIONS = ("national", "nk", "economy", "culture", "sports", "world")
KEYWORDS = ("N. Korea", "economy", "BTS", "K-pop", "semiconductors", "Yoon", "exports", "COVID-19", "baseball",
            "climate", "Samsung", "Japan", "China", "U.S.", "trade", "film", "elections", "defense", "tourism")
KST = timezone(timedelta(hours=9))


_WORDS = ("the government said on Wednesday that it will expand support for exporters amid a slowdown in "
          "global demand officials North Korea fired missile toward East Sea according to Joint Chiefs of Staff "
          "ministry plans to invest trillion won in semiconductors batteries and electric vehicles by next year "
          "lawmakers party rival bill vote Assembly police investigation court ruling prosecutors company shares "
          "rose percent index closed points won dollar inflation prices consumer data showed analysts expect "
          "further talks summit leaders agreed cooperation security alliance Seoul Tokyo Washington Beijing").split()
_POOL = 4000  # distinct paragraphs, drawn without repeats within a story


def _paragraph_pool(rng: random.Random) -> list[str]:
    return [" ".join(rng.choices(_WORDS, k=rng.randrange(15, 31))).capitalize() + "." for _ in range(_POOL)]


def _revise(rng: random.Random, previous: dict, pool: list[str]) -> dict:
    """The next version's text: the previous one edited, with a note that says what
    changed (four times in five it names exactly that)."""
    paras = [(text, "kept") for text in previous["body"].split("\n\n")]
    if len(paras) > 4 and rng.random() < 0.2:
        del paras[rng.randrange(1, len(paras))]
    for _ in range(rng.choice([0, 1, 1, 2])):
        at = rng.randrange(len(paras))
        words = paras[at][0].split()
        for position in rng.sample(range(len(words)), min(3, len(words))):
            words[position] = rng.choice(_WORDS)
        paras[at] = (" ".join(words), "changed")
    at, count = rng.randrange(1, len(paras) + 1), rng.choice([1, 2, 2, 3])
    paras[at:at] = [(text, "added") for text in rng.sample(pool, count)]
    clauses = []
    headline = previous["headline"]
    if rng.random() < 0.25:
        headline = " ".join(rng.sample(_WORDS, 9)).capitalize()
        clauses.append("RECASTS headline")
    named = [number for number, (_, how) in enumerate(paras, start=1) if how != "kept"]
    if rng.random() < 0.2:  # a note naming other paragraphs than those that changed
        named = [min(len(paras) + 2, number + 2) for number in named]
    if rng.random() < 0.1:
        clauses.append("UPDATES throughout")
    elif named:
        clauses.append(f"ADDS more details in para{'s' if len(named) > 1 else ''} {numbers_text(named)}")
    photos = previous["photos"]
    if rng.random() < 0.1:
        photos = [{"url": f"https://img.yna.co.kr/photo/{rng.randrange(10**9)}.jpg", "caption": "x (Yonhap)"}]
        clauses.append("CHANGES photo")
    return {"body": "\n\n".join(text for text, _ in paras), "headline": headline, "photos": photos,
            "editor_note": "; ".join(clauses) if rng.random() < 0.9 else ""}


def sample_records(stories: int, first_day: date, days: int, seed: int = 1) -> list[dict]:
    """About `stories` stories spread over `days` days from `first_day`, with revisions."""
    rng = random.Random(seed)
    pool = _paragraph_pool(rng)
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
            text = {"body": "\n\n".join(rng.sample(pool, rng.randrange(5, 13))), "editor_note": "",
                    "headline": " ".join(rng.sample(_WORDS, 8)).capitalize(),
                    "photos": [{"url": "https://img.yna.co.kr/x.jpg", "caption": "x"}] if rng.random() < 0.7 else []}
            for revision in range(versions):
                stamp = when + timedelta(hours=revision * rng.uniform(0.5, 10))
                if revision:
                    text = _revise(rng, text, pool)
                records.append({
                    "article_id": f"{story}{0 if revision == 0 else 50 + revision:02d}315",
                    "story_id": story, "revision": revision, "section": rng.choice(SECTIONS),
                    "published_at": stamp.isoformat(), "dateline_date": "" if meta else day.isoformat(),
                    "byline": "Kim Soo-yeon" if rng.random() < 0.2 else "",
                    "keywords": [] if meta else rng.sample(KEYWORDS, rng.randrange(1, 4)),
                    "layout": "meta" if meta else "2023",
                    "headline_prefix": ["", "(LEAD)", "(2nd LD)"][revision], **text,
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
