"""`newscrawl demo`: crawl a local mirror of the site (no internet needed)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newscrawl.cli.common import PROG


def command_demo(args: argparse.Namespace) -> int:
    import os
    import subprocess

    from newscrawl.mirror import MirrorServer, build_site, load_articles

    pages = sorted(Path(args.pages).glob("*.html"))
    if not pages:
        print(f"{PROG} demo: no article pages (*.html) in {args.pages}", file=sys.stderr)
        return 2
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    server = MirrorServer(build_site(load_articles(pages))).start()
    print(f"{PROG} demo: serving {len(pages)} pages at {server.base_url}; crawling into {output}", file=sys.stderr)
    try:
        command = [
            sys.executable, "-m", "scrapy", "crawl", "yonhap", "-O", str(output),
            "-s", f"YONHAP_BASE_URL={server.base_url}",
            # A local mirror needs no politeness delays.
            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=WARNING",
            # The mirror's pages carry live article ids: keep them out of the real
            # state store, and export all of them on every demo run.
            "-s", "NEWSCRAWL_STATE_ENABLED=False",
        ]
        env = dict(os.environ, SCRAPY_SETTINGS_MODULE="newscrawl.settings")
        status = subprocess.run(command, env=env).returncode
    finally:
        server.stop()
    print(f"{PROG} demo: {summary(output)}", file=sys.stderr)
    return status


def summary(output: Path) -> str:
    """What the demo made: rows and stories in the feed, the run's health, its report."""
    import json

    from newscrawl.feeds.records import FORMAT_BY_SUFFIX, read_feed
    from newscrawl.monitoring.run_report import report_path_for_feed

    fmt = FORMAT_BY_SUFFIX.get(output.suffix.lower())
    if not output.is_file() or fmt is None:
        return f"no feed was written to {output}"
    rows = list(read_feed(output, fmt))
    stories = len({row.get("story_id") for row in rows})
    report_path = report_path_for_feed(output)
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"wrote {output}: {len(rows)} rows, {stories} stories; no run report"
    health = "healthy" if report.get("healthy") else "UNHEALTHY: failed checks " + ", ".join(report.get("failed_checks", []))
    return f"wrote {output}: {len(rows)} rows, {stories} stories; {health}; report {report_path}"


def add_parser(commands) -> None:
    demo = commands.add_parser(
        "demo",
        help="crawl a local mirror of the site (no internet needed)",
        description="Serve saved article pages as a local en.yna.co.kr mirror (listing, RSS, "
        "sitemap, robots.txt) on 127.0.0.1 and run `scrapy crawl yonhap` against it.",
    )
    demo.add_argument("--pages", default="tests/fixtures/pages", help="directory of article pages (default: %(default)s)")
    demo.add_argument("-o", "--output", default="data/demo/articles.csv", help="feed file (.csv, .json, .jsonl; default: %(default)s)")
    demo.set_defaults(handler=command_demo)
