"""A large synthetic mirror for benchmarks: new article pages made from real ones
(ids, dates, revisions with their headline tags, bylines, sections, lengths)."""
from __future__ import annotations

import html
import random
import re
from datetime import datetime, timedelta

from newscrawl.ids import parse_article_id
from newscrawl.mirror.site import MirrorArticle
from newscrawl.text.dateline import KST
from newscrawl.text.headline import split_headline

_DATELINE_MONTHS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]
_BYLINES = ["Kang Yoon-seung", "Yoo Jee-ho", "Kim Soo-yeon", "Lee Minji", "Park Boram", "Choi Soo-hyang", "Oh Seok-min"]
_SECTIONS = ["National", "North Korea", "Economy", "Sports", "Culture", "Market", "Politics", "Life,Health"]
_PREFIXES = {1: "(LEAD) ", 2: "(2nd LD) "}
_H1 = re.compile(rb'(<h1 class="tit"[^>]*>)([^<]*)(</h1>)')
_BYLINE_P = re.compile(rb"<p>By [^<]{3,60}</p>")
_SECTION_META = re.compile(rb'(<meta property="article:section" content=")[^"]*(")')
_DATELINE_P = re.compile(rb"(<p>[^<]{0,120}\(Yonhap\) --.*?</p>)(\s*)(<p>.*?</p>)", re.S)


def _ap_day(day: datetime) -> str:
    return f"{_DATELINE_MONTHS[day.month - 1]} {day.day}"


def synthetic_articles(templates: list[MirrorArticle], count: int, seed: int = 1,
                       newest: datetime = datetime(2023, 4, 19, tzinfo=KST), per_day: int = 200) -> list[MirrorArticle]:
    """`count` article pages made from real ones: new ids (per_day stories a day going
    back from `newest`), dates, revisions with their headline tags, bylines, sections,
    and bodies lengthened by repeating a paragraph. Deterministic for a seed."""
    rng = random.Random(seed)
    made = []
    for number in range(count):
        template = templates[rng.randrange(len(templates))]
        template_id = parse_article_id(template.article_id)
        day = newest - timedelta(days=number // per_day)
        revision = template_id.revision or 0
        if revision == 0:
            revision = rng.choices([0, 1, 2], weights=[80, 15, 5])[0]
        version = 0 if revision == 0 else 50 + revision
        article_id = f"AEN{day:%Y%m%d}{number % per_day + 1:04d}{version:02d}{template_id.desk}"
        page = template.html.replace(template.article_id.encode(), article_id.encode())
        old_day = template.published.astimezone(KST)
        page = page.replace(f"{old_day:%Y-%m-%d}T".encode(), f"{day:%Y-%m-%d}T".encode())
        page = page.replace(f"{_ap_day(old_day)} (Yonhap)".encode(), f"{_ap_day(day)} (Yonhap)".encode())
        # CONTENT_DATA's compact times ("DATETIME":"20230419145602"); ids and photo
        # names, which have letters before their digits, are left alone.
        page = re.sub(rb"(?<![A-Za-z0-9])" + f"{old_day:%Y%m%d}".encode() + rb"(?=\d{6}(?!\d))",
                      f"{day:%Y%m%d}".encode(), page)
        bare = split_headline(html.unescape(template.headline)).headline
        headline = _PREFIXES.get(revision, "") + bare if revision != (template_id.revision or 0) else template.headline
        page = _H1.sub(lambda m: m.group(1) + html.escape(headline, quote=False).encode() + m.group(3), page, count=1)
        page = _BYLINE_P.sub(f"<p>By {rng.choice(_BYLINES)}</p>".encode(), page, count=1)
        page = _SECTION_META.sub(lambda m: m.group(1) + rng.choice(_SECTIONS).encode() + m.group(2), page, count=1)
        repeats = rng.choice([0, 0, 1, 2, 4, 8])
        if repeats:
            page = _DATELINE_P.sub(lambda m: m.group(1) + (m.group(2) + m.group(3)) * (repeats + 1), page, count=1)
        published = day.replace(hour=old_day.hour, minute=old_day.minute, second=old_day.second)
        made.append(MirrorArticle(article_id, headline, published, page))
    return sorted(made, key=lambda a: (a.published, a.article_id), reverse=True)
