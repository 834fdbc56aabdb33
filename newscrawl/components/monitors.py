"""The crawl's health monitors: a spidermon suite run at spider close.

Each test method evaluates one group of checks (newscrawl.monitoring.health) with thresholds
from the NEWSCRAWL_MONITOR_* settings, hands them to the run report (so the report
names every check and the numbers behind it) and fails with the failed checks'
messages. The crawl command exits with status 3 when any check failed.
"""
from __future__ import annotations

import logging

from spidermon import Monitor, MonitorSuite, monitors
from spidermon.contrib.scrapy.extensions import Spidermon
from spidermon.contrib.scrapy.runners import SpiderMonitorResult, SpiderMonitorRunner

from scrapy import signals

from newscrawl.monitoring import health
from newscrawl.items import ARTICLE_FIELDS, Article
from newscrawl.components.run_report import RunReport


def thresholds_from(settings) -> health.Thresholds:
    return health.Thresholds(
        min_items=settings.getint("NEWSCRAWL_MONITOR_MIN_ITEMS", 1),
        finish_reasons=tuple(settings.getlist("NEWSCRAWL_MONITOR_FINISH_REASONS", ["finished"])),
        max_error_ratio=settings.getfloat("NEWSCRAWL_MONITOR_MAX_ERROR_RATIO", 0.05),
        max_dropped_ratio=settings.getfloat("NEWSCRAWL_MONITOR_MAX_DROPPED_RATIO", 0.05),
        max_unfetched_ratio=settings.getfloat("NEWSCRAWL_MONITOR_MAX_UNFETCHED_RATIO", 0.2),
        coverage={name: float(share) for name, share in settings.getdict("NEWSCRAWL_MONITOR_FIELD_COVERAGE").items()},
        alpha=settings.getfloat("NEWSCRAWL_MONITOR_COVERAGE_ALPHA", 0.001),
    )


@monitors.name("newscrawl health")
class HealthMonitor(Monitor):
    def _judge(self, checks: list[dict]) -> None:
        report = self.data.crawler.get_extension(RunReport)
        if report is not None:
            report.add_checks(checks)
        failed = [check["message"] for check in checks if not check["passed"]]
        if failed:
            self.fail("; ".join(failed))

    @property
    def _stats(self):
        return self.data.stats

    @property
    def _thresholds(self) -> health.Thresholds:
        return thresholds_from(self.data.crawler.settings)

    @monitors.name("items")
    def test_items(self):
        self._judge([health.items_check(self._stats, self._thresholds)])

    @monitors.name("finish reason")
    def test_finish_reason(self):
        paused_ok = bool(self.data.crawler.settings.get("JOBDIR"))
        self._judge([health.finish_reason_check(self._stats, self._thresholds, paused_ok)])

    @monitors.name("error ratio")
    def test_error_ratio(self):
        self._judge([health.errors_check(self._stats, self._thresholds)])

    @monitors.name("dropped items")
    def test_dropped_ratio(self):
        self._judge([health.dropped_check(self._stats, self._thresholds)])

    @monitors.name("unfetched articles")
    def test_unfetched_ratio(self):
        self._judge([health.unfetched_check(self._stats, self._thresholds)])

    @monitors.name("unknown layouts")
    def test_unknown_layout(self):
        self._judge([health.layout_check(self._stats, ARTICLE_FIELDS)])

    @monitors.name("archive")
    def test_archive(self):
        self._judge([health.archive_check(self._stats)])

    @monitors.name("field coverage")
    def test_field_coverage(self):
        self._judge(health.coverage_checks(self._stats, self._thresholds))


class HealthMonitorSuite(MonitorSuite):
    monitors = [HealthMonitor]


class FieldStats:
    """Counts, per field, the exported items where it is not empty: newscrawl/fields/items
    and newscrawl/fields/<field>, and the same for items read by the meta-tag fallback
    under newscrawl/layout/meta/ (so the unknown-layout check can name what a redesign
    took away). Used instead of spidermon's SPIDERMON_ADD_FIELD_COVERAGE, which costs
    more per item than the whole extraction of a page."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler.stats)
        crawler.signals.connect(extension.item_scraped, signals.item_scraped)
        return extension

    def item_scraped(self, item, spider):
        if not isinstance(item, Article):
            return
        prefixes = [health.FIELDS] + ([health.FALLBACK_FIELDS] if item.layout == "meta" else [])
        for prefix in prefixes:
            self.stats.inc_value(prefix + "items")
            for name in ARTICLE_FIELDS:
                if getattr(item, name) not in _EMPTY:
                    self.stats.inc_value(prefix + name)


_EMPTY = ("", [], None)


# spidermon 1.27's runner logs through Spider.log(), deprecated in Scrapy 2.19; these
# subclasses send the same lines to a logger instead.
class _LoggerMonitorResult(SpiderMonitorResult):
    def log(self, msg, level=logging.DEBUG):
        logging.getLogger("spidermon").log(level, "[Spidermon] %s", msg)

    def _exc_info_to_string(self, err, test):
        # A failed check is a finding, not a crash: its message, without a traceback.
        kind, value, _ = err
        if issubclass(kind, AssertionError):
            return str(value)
        return super()._exc_info_to_string(err, test)


class _LoggerMonitorRunner(SpiderMonitorRunner):
    def create_result(self):
        return _LoggerMonitorResult(self.spider)


class SpidermonExtension(Spidermon):
    """spidermon's extension, running its suites with the logger-based runner."""

    def _run_suites(self, spider, suites):
        data = self._generate_data_for_spider(spider)
        for suite in suites:
            _LoggerMonitorRunner(spider=spider).run(suite, **data)
