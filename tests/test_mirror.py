"""The synthetic large mirror: pages made from the real ones must read as articles."""
from collections import Counter

from conftest import REAL_PAGES
from newscrawl.ids import parse_article_id
from newscrawl.mirror import build_site, load_articles, synthetic_articles
from newscrawl.processing import extract_article


def test_synthetic_articles_are_varied_and_extract_cleanly():
    articles = synthetic_articles(load_articles(REAL_PAGES), 120, seed=7, per_day=50)
    assert synthetic_articles(load_articles(REAL_PAGES), 120, seed=7, per_day=50) == articles  # deterministic
    assert len({a.article_id for a in articles}) == 120
    revisions, sections, days, lengths = Counter(), Counter(), Counter(), set()
    for article in articles:
        extracted = extract_article(article.html, f"https://en.yna.co.kr/view/{article.article_id}")
        assert extracted is not None and extracted.article_id == article.article_id
        assert extracted.revision == parse_article_id(article.article_id).revision
        assert extracted.headline_prefix.startswith({0: "", 1: "(LEAD)", 2: "(2nd LD)"}[extracted.revision])
        assert extracted.published_at[:10] == article.published.date().isoformat()
        assert extracted.dateline_date in ("", extracted.published_at[:10])
        revisions[extracted.revision] += 1
        sections[extracted.section] += 1
        days[extracted.published_at[:10]] += 1
        lengths.add(extracted.word_count)
    assert set(revisions) == {0, 1, 2} and len(sections) >= 5 and len(lengths) >= 30
    assert sorted(days.values()) == [20, 50, 50]  # 50 stories a day, going back from the newest

    site = build_site(articles, listing_page_size=20)
    assert [p for p in site if p.startswith("/news") and not p.endswith(".xml")] == ["/news", *(f"/news/{n}" for n in range(2, 7))]
    assert site["/RSS/news.xml"][1].count(b"<item>") == 120
