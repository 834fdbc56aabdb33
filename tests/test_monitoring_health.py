"""Health checks as functions of a run's stats, and the schema validation pipeline."""
import asyncio
import json

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newscrawl.monitoring import health
from newscrawl.items import Article
from newscrawl.pipelines import SchemaValidationPipeline
from newscrawl.processing import extract_article
from conftest import REAL_PAGES

THRESHOLDS = health.Thresholds(coverage={"body": 1.0, "byline": 0.1, "author_emails": 0.4})
def coverage_stats(items, **present):
    stats = {"item_scraped_count": items, health.FIELDS + "items": items}
    stats.update({health.FIELDS + name: count for name, count in present.items()})
    return stats


def failed(checks):
    return [check["name"] for check in checks if not check["passed"]]


@pytest.mark.parametrize("items,present,expected_failures", [
    (11, {"body": 11, "byline": 3, "author_emails": 9}, []),  # the 11 real pages
    (1, {"body": 1, "byline": 0, "author_emails": 0}, []),  # one price list: no byline, no e-mail is normal
    (11, {"body": 11, "byline": 0, "author_emails": 0}, []),  # 0.6**11 = 0.004: could be chance
    (20, {"body": 20, "byline": 0, "author_emails": 0}, ["coverage/author_emails"]),  # 0.6**20: not chance
    (1000, {"body": 1000, "byline": 0, "author_emails": 600}, ["coverage/byline"]),  # a class renamed
    (1000, {"body": 1000, "byline": 80, "author_emails": 380}, []),  # a little under the normal share
    (50, {"body": 49, "byline": 10, "author_emails": 30}, ["coverage/body"]),  # required: every item
])
def test_field_coverage_is_fair_to_small_and_large_runs(items, present, expected_failures):
    assert failed(health.coverage_checks(coverage_stats(items, **present), THRESHOLDS)) == expected_failures


def test_missing_stats_never_pass_silently():
    # Items exported but no coverage counters: a failure, not a skip.
    checks = health.coverage_checks({"item_scraped_count": 5}, THRESHOLDS)
    assert failed(checks) == ["coverage"] and "no field coverage stats" in checks[0]["message"]
    # An empty stats dict: nothing happened, so the run is unhealthy.
    assert failed(health.evaluate({}, THRESHOLDS)) == ["items", "finish_reason"]
    # No new items because everything was exported before: healthy, and said so.
    known = {"finish_reason": "finished", "newscrawl/incremental/skipped": 11, "newscrawl/discovery/rss/links": 11}
    checks = health.evaluate(known, THRESHOLDS)
    assert failed(checks) == []
    assert "11 exported before or by another crawl" in checks[0]["message"]
    assert any(c["message"] == "not measured: no new items in this run" for c in checks)


def test_items_explicit_urls_expect_every_one():
    stats = {"newscrawl/discovery/explicit/links": 4, "item_scraped_count": 2, "newscrawl/dropped/duplicate": 1}
    check = health.items_check(stats, THRESHOLDS)
    assert not check["passed"] and check["message"].startswith("3 of 4 explicit URLs gave an article")
    stats["newscrawl/incremental/skipped"] = 1
    assert health.items_check(stats, THRESHOLDS)["passed"]


@pytest.mark.parametrize("stats,name,passed", [
    ({"finish_reason": "finished"}, "finish_reason", True),
    ({"finish_reason": "closespider_timeout"}, "finish_reason", False),
    ({"finish_reason": "shutdown"}, "finish_reason", False),
    ({"downloader/request_count": 100, "log_count/ERROR": 5}, "error_ratio", True),
    ({"downloader/request_count": 100, "log_count/ERROR": 5, "log_count/CRITICAL": 1}, "error_ratio", False),
    ({"item_scraped_count": 99, "newscrawl/dropped/missing_body": 1, "newscrawl/dropped/duplicate": 40}, "dropped_ratio", True),
    ({"item_scraped_count": 9, "newscrawl/dropped/invalid": 1}, "dropped_ratio", False),
    ({"newscrawl/layout/unknown": 0}, "unknown_layout", True),
    ({"newscrawl/layout/unknown": 1}, "unknown_layout", False),
])
def test_each_check_against_its_threshold(stats, name, passed):
    checks = {check["name"]: check for check in health.evaluate(dict(stats), THRESHOLDS)}
    assert checks[name]["passed"] is passed, checks[name]["message"]


def test_a_paused_run_is_not_a_failure():
    assert health.finish_reason_check({"finish_reason": "shutdown"}, THRESHOLDS, paused=True)["passed"]


def test_binomial_cdf():
    assert health.binomial_cdf(0, 11, 0.5) == pytest.approx(0.5 ** 11)
    assert health.binomial_cdf(11, 11, 0.5) == pytest.approx(1.0)
    assert health.binomial_cdf(3, 10, 0.3) == pytest.approx(0.6496107184)
    assert health.binomial_cdf(0, 100000, 0.1) == 0.0


def test_schema_validation_drops_malformed_items_with_a_stat():
    crawler = get_crawler(settings_dict={})
    pipeline = SchemaValidationPipeline.from_crawler(crawler)
    good = extract_article(REAL_PAGES[0].read_bytes())
    assert asyncio.run(pipeline.process_item(good)) is good
    bad = extract_article(REAL_PAGES[0].read_bytes())
    bad.published_at = "April 19, 2023"
    bad.photos = [{"url": "http://insecure.example/x.jpg", "caption": ""}]
    with pytest.raises(DropItem, match="published_at: 'April 19, 2023' does not match"):
        asyncio.run(pipeline.process_item(bad))
    stats = crawler.stats.get_stats()
    assert stats["newscrawl/dropped/invalid"] == 1
    assert stats["newscrawl/schema/errors/published_at"] == 1
    assert stats["newscrawl/schema/errors/photos.0.url"] == 1
    assert isinstance(good, Article)


@pytest.mark.parametrize("stats, reason", [
    ({"downloader/exception_type_count/twisted.internet.error.ConnectionRefusedError": 4}, "ConnectionRefusedError x4"),
    ({"downloader/exception_type_count/twisted.internet.error.DNSLookupError": 3,
      "downloader/exception_type_count/scrapy.exceptions.DownloadTimeoutError": 1},
     "DNSLookupError x3, DownloadTimeoutError x1"),
    ({"response_received_count": 1, "downloader/exception_type_count/x.DNSLookupError": 3}, None),  # some came back
    ({}, None),  # nothing was asked
])
def test_unreachable(stats, reason):
    from newscrawl.monitoring.health import unreachable

    assert unreachable(stats) == reason



SUMMARIES = [
    ({"newscrawl/exported/originals": 10, "newscrawl/exported/revisions": 1}, {"x.jsonl": 11}, "healthy",
     "10 new articles and 1 new revision exported; 0 skipped as exported before; 0 claimed by another crawl; "
     "feeds: x.jsonl (11 rows); healthy"),
    ({"newscrawl/incremental/skipped": 11}, {"y.csv": 0}, "healthy",
     "0 new articles and 0 new revisions exported; 11 skipped as exported before; 0 claimed by another crawl; "
     "feeds: y.csv (0 rows); healthy"),
    ({"newscrawl/exported/originals": 1, "newscrawl/incremental/claimed_elsewhere": 4,
      "newscrawl/incremental/held_elsewhere": 2}, {"a.jsonl": 1, "b.csv": 1}, "unhealthy: failed checks items",
     "1 new article and 0 new revisions exported; 0 skipped as exported before; 4 claimed by another crawl "
     "(2 still held by it); feeds: a.jsonl (1 row), b.csv (1 row); unhealthy: failed checks items"),
    ({}, {}, "health not checked", "0 new articles and 0 new revisions exported; 0 skipped as exported before; "
     "0 claimed by another crawl; no feed; health not checked"),
]


@pytest.mark.parametrize("stats, feeds, health, line", SUMMARIES)
def test_summary_line(stats, feeds, health, line):
    from newscrawl.monitoring.run_report import summary_line

    assert summary_line(stats, feeds, health) == line


OUTCOME = '{"job": "j1", "items_exported": 11, "healthy": true, "failed_checks": [], "feed": "/d/f.jsonl"}'


@pytest.mark.parametrize("log, expected", [
    (f"2026-12-01 [newscrawl.components.run_report] INFO: run outcome: {OUTCOME}\n", json.loads(OUTCOME)),
    # the last one counts: a log that holds two runs' lines (a reused job id)
    (f"x INFO: run outcome: {{\"job\": \"old\"}}\ny INFO: run outcome: {OUTCOME}\nz INFO: Spider closed\n",
     json.loads(OUTCOME)),
    # a tail that starts inside the line, or a line a full disk cut: the whole one before it
    (f"x INFO: run outcome: {OUTCOME}\ny INFO: run outcome: {{\"job\": \"j2\", \"ite", json.loads(OUTCOME)),
    ('ome: {"job": "j1"}\nINFO: Spider closed (finished)\n', None),
    ("", None),
    ("ERROR: since: not a date\n", None),
    ('INFO: run outcome: ["not", "an", "object"]\n', None),
])
def test_outcome_from_log(log, expected):
    from newscrawl.monitoring.run_report import outcome_from_log

    assert outcome_from_log(log) == expected


@pytest.mark.parametrize("calls, expected", [
    ([("inc_value", ("a",)), ("inc_value", ("a", 2)), ("inc_value", ("b", 1, 10))], {"a": 3, "b": 11}),
    ([("max_value", ("m", 3)), ("max_value", ("m", 1)), ("min_value", ("n", 3)), ("min_value", ("n", 1))],
     {"m": 3, "n": 1}),
    ([("set_value", ("s", "x")), ("set_value", ("s", "y")), ("inc_value", ("c",))], {"s": "y", "c": 1}),
    ([("inc_value", ("a",)), ("clear_stats", ()), ("set_value", ("b", 0))], {"b": 0}),
])
def test_the_crawls_stats_collector_keeps_the_stats_scrapys_does_without_its_per_call_shim(calls, expected):
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.misc import load_object
    from scrapy.utils.project import get_project_settings

    from newscrawl.components.stats import PlainStatsCollector

    collector = load_object(get_project_settings()["STATS_CLASS"])
    assert collector is PlainStatsCollector
    ours, scrapys = collector(get_crawler()), MemoryStatsCollector(get_crawler())
    for method, arguments in calls:
        getattr(ours, method)(*arguments)
        getattr(scrapys, method)(*arguments)
    assert ours.get_stats() == scrapys.get_stats() == expected
    assert ours.get_value("missing", 7) == 7
    # Scrapy's shim keeps a wrapper of each method it has handed out on the instance.
    assert not [name for name in vars(ours) if name.startswith("_cached_")]
    assert [name for name in vars(scrapys) if name.startswith("_cached_")]
