"""since/until by publication time in every discovery source: a later version keeps its
story's first day in its id (SITE.md), so an id's digits date only an original."""
from datetime import datetime

import pytest

from conftest import REAL_PAGES, run_crawl, stats_from_log
from newscrawl.feeds.records import read_feed
from newscrawl.ids import parse_article_id
from newscrawl.mirror import MirrorArticle, MirrorServer, build_site, load_articles, synthetic_articles
from newscrawl.text.dateline import KST


@pytest.fixture(scope="module")
def next_day_lead():
    """46 stories published on 2023-04-20, one of them the (LEAD) of a 04-19 story (its id
    says 04-19), then 30 stories of 04-19; listed 20 a page, in the RSS and the sitemap."""
    templates = load_articles(REAL_PAGES)
    that_day = synthetic_articles(templates, 46, seed=3, newest=datetime(2023, 4, 20, tzinfo=KST), per_day=46)
    day_before = synthetic_articles(templates, 30, seed=4, newest=datetime(2023, 4, 19, tzinfo=KST), per_day=30)
    lead = next(a for a in that_day if parse_article_id(a.article_id).version == 51)
    first_day_id = f"AEN20230419{9999:04d}51{parse_article_id(lead.article_id).desk}"
    moved = MirrorArticle(first_day_id, lead.headline, lead.published,
                          lead.html.replace(lead.article_id.encode(), first_day_id.encode()))
    that_day = [moved if a is lead else a for a in that_day]
    server = MirrorServer(build_site(that_day + day_before, listing_page_size=20)).start()
    yield server, {a.article_id for a in that_day}, {a.article_id for a in day_before}, first_day_id
    server.stop()


def exported(path):
    return {row["article_id"] for row in read_feed(path, "jsonl")}


@pytest.mark.parametrize("source", ["listing", "rss", "sitemap"])
def test_a_next_day_lead_is_in_its_publication_day_window(next_day_lead, tmp_path, source):
    server, that_day, _, lead = next_day_lead
    status, log = run_crawl(server.base_url, "-a", f"discover={source}", "-a", "since=2023-04-20", "-a", "max_pages=10",
                            "-O", "out.jsonl", "-s", "NEWSCRAWL_STATE_ENABLED=False", cwd=tmp_path)
    assert status == 0, log[-3000:]
    assert exported(tmp_path / "out.jsonl") == that_day  # all 46, the (LEAD) with its 04-19 id included
    assert stats_from_log(log).get("newscrawl/filtered/out_of_range", 0) == 0


@pytest.mark.parametrize("source", ["listing", "rss", "sitemap"])
def test_a_next_day_lead_is_outside_the_window_of_its_ids_day(next_day_lead, tmp_path, source):
    server, _, day_before, lead = next_day_lead
    before = server.requests.get(f"/view/{lead}", 0)
    status, log = run_crawl(server.base_url, "-a", f"discover={source}", "-a", "since=2023-04-19",
                            "-a", "until=2023-04-19", "-a", "max_pages=10", "-O", "out.jsonl",
                            "-s", "NEWSCRAWL_STATE_ENABLED=False", cwd=tmp_path)
    assert status == 0, log[-3000:]
    assert exported(tmp_path / "out.jsonl") == day_before
    assert server.requests.get(f"/view/{lead}", 0) == before  # judged by its listed time: not even fetched
