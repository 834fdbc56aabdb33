"""`newscrawl demo`: crawl a local mirror of the site (no internet needed)."""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from newscrawl.cli.common import PROG, fail


# The real pages, and the revision chains made from them (tests/fixtures/revisions/README.md).
DEFAULT_PAGES = ("tests/fixtures/pages", "tests/fixtures/revisions")
DEMO_MARKER = ".newscrawl-demo"  # in a folder the demo made, and may make afresh
FEED_SUFFIXES = (".csv", ".jsonl", ".json")


def article_pages(directories) -> tuple[list[Path], str | None]:
    """The article pages (*.html) of the directories given (none: DEFAULT_PAGES), and
    why there are none."""
    directories = directories or DEFAULT_PAGES
    pages = sorted(path for directory in directories for path in Path(directory).glob("*.html"))
    return pages, None if pages else f"no article pages (*.html) in {', '.join(map(str, directories))}"


def _sandbox(directory: Path) -> str | None:
    """Make `directory` the demo's, empty; why not, if it holds files the demo did not make."""
    import shutil

    if directory.exists() and any(directory.iterdir()) and not (directory / DEMO_MARKER).exists():
        return f"{directory} holds files the demo did not make; name another place with -o DIR/articles.csv"
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    (directory / DEMO_MARKER).write_text("made by newscrawl demo: emptied at each demo run\n")
    return None


def command_demo(args: argparse.Namespace) -> int:
    import os
    import subprocess

    from newscrawl.mirror import MirrorServer, build_site, load_articles

    output = Path(args.output)
    if output.suffix.lower() not in FEED_SUFFIXES:
        return fail("demo", f"-o {args.output}: a crawl writes .csv, .jsonl or .json feeds (Parquet comes from "
                            "`newscrawl export -o stories.parquet`)", 2)
    pages, problem = article_pages(args.pages)
    if problem:
        return fail("demo", problem, 2)
    sandbox = output.parent
    if problem := _sandbox(sandbox):
        return fail("demo", problem, 2)
    state = sandbox / "state" / "newscrawl.sqlite3"
    server = MirrorServer(build_site(load_articles(pages))).start()
    print(f"{PROG} demo: serving {len(pages)} pages at {server.base_url}; crawling into {sandbox}/", file=sys.stderr)
    try:
        command = [
            sys.executable, "-m", "scrapy", "crawl", "yonhap", "-O", str(output),
            "-s", f"YONHAP_BASE_URL={server.base_url}",
            # A local mirror needs no politeness delays.
            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=WARNING",
            # A sandbox of its own: the mirror's pages carry live article ids, so its store
            # and archive are never the real ones (nor a PostgreSQL store in the environment).
            "-s", f"NEWSCRAWL_DATA_DIR={sandbox}", "-s", f"NEWSCRAWL_STATE_PATH={state}", "-s", "NEWSCRAWL_STATE_URL=",
            "-s", f"NEWSCRAWL_WARC_DIR={sandbox / 'warc'}",
        ]
        env = {k: v for k, v in os.environ.items() if k not in ("NEWSCRAWL_STATE_URL", "NEWSCRAWL_WARC_DIR")}
        env["SCRAPY_SETTINGS_MODULE"] = "newscrawl.settings"
        status = subprocess.run(command, env=env).returncode
    finally:
        server.stop()
    print(f"{PROG} demo: {summary(output)}", file=sys.stderr)
    if status not in (0, 3) or not state.exists():
        return status
    report = subprocess.run([sys.executable, "-m", "newscrawl", "report", "--state", str(state),
                             "-o", str(sandbox / "report.html")], env=env, capture_output=True, text=True)
    if report.returncode != 0:
        print(report.stderr.strip(), file=sys.stderr)
    article_id = next(iter(sorted(path.stem for path in pages)))
    stories = Counter(path.stem[:15] for path in pages)
    most_revised = max(sorted(stories), key=stories.get)
    print(f"{PROG} demo: made in {sandbox}/: {output.name} (the feed), {output.stem}.report.json (the run report), "
          "state/ (the state store), warc/ (the archive), report.html (the analysts' report; open it in a browser). "
          "Try next:", file=sys.stderr)
    for line in next_commands(sandbox, state, article_id, most_revised):
        print(line, file=sys.stderr)
    return status


def next_commands(sandbox: Path, state: Path, article_id: str, story_id: str) -> list[str]:
    """What to try next, one command a line, each working as printed from here."""
    return [f"newscrawl page {article_id} --state {state}",
            f"newscrawl diff {story_id} --state {state}",
            f"newscrawl export --latest --state {state} -o {sandbox / 'stories.csv'}",
            f"newscrawl export --changes --state {state} -o {sandbox / 'changes.csv'}",
            f"newscrawl report --state {state} -o {sandbox / 'report.html'}",
            f"newscrawl reextract {sandbox / 'warc'} -o {sandbox / 'rebuilt.csv'}",
            f"newscrawl runs --state {state}",
            "newscrawl mirror --port 8000"]


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
        "sitemap, robots.txt) on 127.0.0.1 and run `scrapy crawl yonhap` against it, in a sandbox of its own: "
        "the feed, the state store, the archive, the run report and the analysts' report.html all go into the "
        "feed's folder (data/demo/ by default), made afresh at each run; it ends with commands to try next.",
    )
    demo.add_argument("--pages", action="append", metavar="DIR",
                      help="a directory of article pages; repeat for more (default: " + " and ".join(DEFAULT_PAGES)
                      + ": the real pages and the revision chains made from them)")
    demo.add_argument("-o", "--output", default="data/demo/articles.csv",
                      help="feed file (.csv, .json, .jsonl; default: %(default)s); its folder is the demo's sandbox")
    demo.set_defaults(handler=command_demo)
