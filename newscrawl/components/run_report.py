"""The run report and the progress line: the Scrapy extensions that write them
(docs/monitoring.md; where the files go: newscrawl.monitoring.run_report).

What ran (job id, spider, arguments, version), what came out (items, drops, feed
files, the newscrawl/* stats) and whether the run was healthy: the health monitors
(newscrawl.components.monitors) hand their checks to this extension before it writes.
`newscrawl jobs` reads these files to show each scrapyd job's item count, feed and health.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict
from datetime import date, datetime, timezone
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.extensions.feedexport import FeedExporter, FileFeedStorage
from scrapy.utils.asyncio import create_looping_call

import newscrawl
from newscrawl.feeds.files import job_id
from newscrawl.feeds.records import replacing
from newscrawl.monitoring.progress import Progress, measure
from newscrawl.monitoring.run_report import REPORT_SUFFIX, RUN_OUTCOME_PREFIX, progress_path, report_path_for_feed, report_stats
from newscrawl.text.dateline import KST

logger = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


class RunReport:
    """Writes the run's report at spider close (NEWSCRAWL_REPORT_ENABLED)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.started_at = utc_now()
        self.checks: list[dict] = []
        self.path: Path | None = None
        self.outcome: dict | None = None  # the report's gist, for the state store (newscrawl jobs)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWSCRAWL_REPORT_ENABLED", True):
            raise NotConfigured  # switched off on purpose: nothing to warn about
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signals.spider_closed)
        return extension

    def add_checks(self, checks: list[dict]) -> None:
        """The health monitors' outcome: [{"name", "passed", "message", ...}]."""
        self.checks.extend(checks)

    @property
    def failed_checks(self) -> list[dict]:
        return [check for check in self.checks if not check.get("passed")]

    def _feed_files(self) -> list[dict]:
        exporter = self.crawler.get_extension(FeedExporter)
        files = []
        for slot in getattr(exporter, "slots", []) if exporter else []:
            path = getattr(slot.storage, "path", None) if isinstance(slot.storage, FileFeedStorage) else None
            files.append({"uri": slot.uri, "path": str(Path(path).absolute()) if path else None,
                          "format": slot.format, "items": slot.itemcount})
        return files

    def _report_path(self, spider, feeds: list[dict]) -> Path:
        for feed in feeds:
            if feed["path"]:
                return report_path_for_feed(feed["path"])
        data_dir = Path(self.crawler.settings.get("NEWSCRAWL_DATA_DIR", "data"))
        stamp = self.started_at.isoformat().replace(":", "-")
        return (data_dir / "reports" / f"{spider.name}-{stamp}-{job_id(spider)}{REPORT_SUFFIX}").absolute()

    def build(self, spider, reason: str) -> dict:
        stats = self.crawler.stats.get_stats()
        feeds = self._feed_files()
        failed = self.failed_checks
        return {
            "job": job_id(spider),
            "spider": spider.name,
            "arguments": dict(getattr(spider, "_arguments", {})),
            "newscrawl_version": newscrawl.__version__,
            "base_url": self.crawler.settings.get("YONHAP_BASE_URL"),
            "started_at": self.started_at.isoformat(),
            "finished_at": utc_now().isoformat(),
            "finish_reason": reason,
            "items_exported": stats.get("item_scraped_count", 0),
            "items_dropped": stats.get("item_dropped_count", 0),
            "feeds": feeds,
            "healthy": (not failed) if self.checks else None,
            "failed_checks": [check["name"] for check in failed],
            "checks": self.checks,
            "stats": report_stats(stats),
        }

    def spider_closed(self, spider, reason):
        report = self.build(spider, reason)
        self.outcome = {key: report[key] for key in ("job", "finish_reason", "items_exported", "healthy",
                                                     "failed_checks", "finished_at")}
        self.outcome["feed"] = next((feed["path"] or feed["uri"] for feed in report["feeds"]), None)
        path = self._report_path(spider, report["feeds"])
        data_dir = Path(self.crawler.settings.get("NEWSCRAWL_DATA_DIR", "data")).absolute()
        # A feed outside the data dir gets its report beside it, and a copy under the
        # data dir, where `newscrawl jobs` looks.
        # The copy is written even when the feed's disk is full.
        paths = [path] if path.is_relative_to(data_dir) else [path, data_dir / "reports" / path.name]
        written = []
        for target in paths:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with replacing(target) as handle:
                    json.dump(report, handle, ensure_ascii=False, indent=2, default=str)
                    handle.write("\n")
                written.append(target)
            except OSError as error:
                logger.error("run report %s not written: %s", target, error)
        if written:
            self.path = written[0]
            self.outcome["report"] = str(self.path)
            self.crawler.stats.set_value("newscrawl/report/path", str(self.path))
            logger.info("run report: %s", self.path)
        # The gist in the job's log, one JSON line: `newscrawl jobs` reads it through
        # scrapyd's log URL when neither the report file nor a shared store is at hand.
        logger.info("%s%s", RUN_OUTCOME_PREFIX, json.dumps(self.outcome, ensure_ascii=False, default=str))


class ProgressLog:
    """Every NEWSCRAWL_PROGRESS_INTERVAL seconds (0: never), one INFO line saying how
    far the crawl has come (newscrawl.monitoring.progress), and the same figures in
    <data dir>/progress/<job>.json for `newscrawl jobs`; the file goes when the run ends."""

    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.task = None
        self.path: Path | None = None

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("NEWSCRAWL_PROGRESS_INTERVAL", 300)
        if interval <= 0:
            raise NotConfigured
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signals.spider_closed)
        return extension

    def spider_opened(self, spider):
        self.path = progress_path(self.crawler.settings.get("NEWSCRAWL_DATA_DIR", "data"), job_id(spider)).absolute()
        self.task = create_looping_call(self.report, spider)
        self.task.start(self.interval, now=False)

    def measure(self, spider) -> Progress:
        plan = getattr(spider, "plan", None)
        return measure(since=getattr(plan, "since", None), until=getattr(plan, "until", None),
                       today=datetime.now(KST).date(), day_reached=getattr(spider, "day_reached", None),
                       articles=self.crawler.stats.get_value("item_scraped_count", 0),
                       elapsed_seconds=time.monotonic() - self.started)

    def report(self, spider) -> None:
        progress = self.measure(spider)
        logger.info("%s", progress.line(getattr(getattr(spider, "plan", None), "since", None)))
        figures = {"job": job_id(spider), "updated_at": utc_now().isoformat(),
                   "line": progress.line(None).removeprefix("progress: "),
                   **{k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(progress).items()}}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with replacing(self.path) as handle:
                json.dump(figures, handle)
        except OSError as error:
            logger.warning("progress file %s not written: %s", self.path, error)

    def spider_closed(self, spider):
        if self.task is not None and self.task.running:
            self.task.stop()
        if self.path is not None:
            self.path.unlink(missing_ok=True)
