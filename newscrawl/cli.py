"""The `newscrawl` command: clean text dumps, extract pages, export the state store or
feed files (one row per story with --latest), schedule crawls on scrapyd (trigger,
schedule, jobs), run the demo crawl."""
from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Sequence

from dateutil.parser import isoparse

PROG = "newscrawl"


def parse_reference(value: str) -> date | datetime:
    """--reference-date: an ISO 8601 date or date-time (naive times are KST)."""
    try:
        parsed = isoparse(value)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 date or date-time: {value!r} (e.g. 2020-02-05 or 2020-02-05T09:30+09:00)"
        ) from None
    # A bare date stays a date: no time zone question arises.
    return parsed.date() if len(value.strip()) <= 10 else parsed


def _read_input(name: str) -> str:
    """The text of one input file ("-" is stdin); OSError/ValueError say what is wrong."""
    if name == "-":
        data = sys.stdin.buffer.read()
    else:
        path = Path(name)
        if path.is_dir():
            raise ValueError("is a directory")
        if not path.exists():
            raise ValueError("no such file")
        data = path.read_bytes()
    if not data.strip():
        raise ValueError("empty file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text (byte {error.start}: {data[error.start:error.start + 1]!r})") from None


def command_clean(args: argparse.Namespace) -> int:
    from newscrawl.records import format_for_path, render, write_atomically
    from newscrawl.text.dump import RECORD_FIELDS, NoStoryError, clean_dump

    fmt = "jsonl"
    if args.output:
        try:
            fmt = format_for_path(args.output)
        except ValueError as error:
            print(f"{PROG} clean: {error}", file=sys.stderr)
            return 2
        if not Path(args.output).parent.is_dir():
            print(f"{PROG} clean: {args.output}: the output directory does not exist", file=sys.stderr)
            return 2
    records, failed = [], 0
    for name in args.files:
        label = "<stdin>" if name == "-" else name
        try:
            text = _read_input(name)
            records.append(clean_dump(text, source=label, reference=args.reference_date))
        except (OSError, ValueError, NoStoryError) as error:
            failed += 1
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            print(f"{PROG} clean: {label}: {reason}", file=sys.stderr)
    if args.output:
        if records:
            write_atomically(args.output, render(records, fmt, RECORD_FIELDS, not args.no_formula_guard))
        else:
            # Nothing to write: leave an existing output untouched rather than empty it.
            print(f"{PROG} clean: no story cleaned; {args.output} not written", file=sys.stderr)
    else:
        sys.stdout.write(render(records, "jsonl", RECORD_FIELDS))
    if failed:
        print(f"{PROG} clean: {len(records)} of {len(args.files)} inputs cleaned, {failed} failed", file=sys.stderr)
    return 1 if failed else 0


def command_extract(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from newscrawl.processing import extract_article

    try:
        data = Path(args.page).read_bytes() if args.page != "-" else sys.stdin.buffer.read()
    except OSError as error:
        print(f"{PROG} extract: {args.page}: {error.strerror or error}", file=sys.stderr)
        return 1
    article = extract_article(data, args.url or "")
    if article is None:
        print(f"{PROG} extract: {args.page}: not a Yonhap article page (a required field is missing)", file=sys.stderr)
        return 1
    print(json.dumps(dataclasses.asdict(article), ensure_ascii=False, indent=2))
    return 0


def command_export(args: argparse.Namespace) -> int:
    from newscrawl.export import export_format, read_feed_files, select_records, write_export
    from newscrawl.state import StateStore, StateStoreError

    def fail(message: str, status: int = 1) -> int:
        print(f"{PROG} export: {message}", file=sys.stderr)
        return status

    try:
        export_format(args.output)
    except ValueError as error:
        return fail(str(error), 2)
    if not Path(args.output).absolute().parent.is_dir():
        return fail(f"{args.output}: the output directory does not exist", 2)
    if args.feeds:
        for name in args.feeds:
            if not Path(name).is_file():
                return fail(f"{name}: no such feed file")
        try:
            bad_lines = []
            records = select_records(read_feed_files(args.feeds, bad_lines.append), args.latest)
        except (OSError, UnicodeDecodeError, ValueError) as error:
            return fail(f"{error}; nothing written")
        for message in bad_lines:
            print(f"{PROG} export: skipped: {message}", file=sys.stderr)
        source, available = f"{len(args.feeds)} feed file(s)", len(records)
    else:
        from newscrawl.settings import NEWSCRAWL_STATE_PATH

        state = args.state or NEWSCRAWL_STATE_PATH
        try:
            store = StateStore(state, read_only=True)
        except StateStoreError as error:
            return fail(f"{error}; give feed files instead, or --state PATH")
        records, available = store.records(latest=args.latest), store.count()
        source = f"state store {state}"
    try:
        if available == 0:
            # Nothing to write: an existing output stays as it is.
            return fail(f"no articles in {source}; {args.output} not written")
        count = write_export(args.output, records, not args.no_formula_guard)
    except ValueError as error:
        return fail(str(error), 2)
    finally:
        if not args.feeds:
            store.close()
    what = "stories (latest revision of each)" if args.latest else "article versions"
    print(f"{PROG} export: {count} {what} from {source} -> {args.output}", file=sys.stderr)
    return 0


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    pairs = {}
    for value in values or []:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise ValueError(f"{option} takes NAME=VALUE, got {value!r}")
        pairs[name] = rest
    return pairs


def _scrapyd_client(args: argparse.Namespace, credentials: tuple[str, str] | None):
    """The client of --url, else $NEWSCRAWL_SCRAPYD_URL, else the local scrapyd."""
    import os

    from newscrawl.service import DEFAULT_URL, ScrapydClient

    return ScrapydClient(args.url or os.environ.get("NEWSCRAWL_SCRAPYD_URL") or DEFAULT_URL, credentials)


def _trigger_from_args(args: argparse.Namespace):
    """The Trigger the service commands share; ValueError for a bad option or spider argument."""
    from scrapy.settings import Settings

    from newscrawl.service import Trigger, read_credentials
    from newscrawl.spiders.yonhap import YonhapSpider

    arguments, settings = _pairs(args.argument, "-a"), _pairs(args.setting, "-s")
    if args.spider == YonhapSpider.name:
        # The crawl would reject bad arguments only once scrapyd runs it: check them now.
        project = Settings()
        project.setmodule("newscrawl.settings", priority="project")
        project.setdict(settings, priority="cmdline")
        YonhapSpider.check_arguments(project, **arguments)
    credentials = read_credentials(args.auth_file)
    if credentials is None:
        print(f"{PROG} {args.command}: no scrapyd credentials (SCRAPYD_USERNAME and SCRAPYD_PASSWORD, "
              "or --auth-file): calling scrapyd without authentication", file=sys.stderr)
    return Trigger(_scrapyd_client(args, credentials), args.project, args.spider, arguments, settings)


def _service_logging() -> None:
    import logging

    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)


def command_trigger(args: argparse.Namespace) -> int:
    from newscrawl.service import ScrapydError

    _service_logging()
    try:
        trigger = _trigger_from_args(args)
    except ValueError as error:
        print(f"{PROG} trigger: {error}", file=sys.stderr)
        return 2
    try:
        outcome = trigger()
    except ScrapydError as error:
        print(f"{PROG} trigger: {error}", file=sys.stderr)
        return 1
    print(outcome)
    return 0


def command_schedule(args: argparse.Namespace) -> int:
    _service_logging()
    if bool(args.cron) == bool(args.every):
        print(f"{PROG} schedule: give one of --cron or --every", file=sys.stderr)
        return 2
    try:
        trigger = _trigger_from_args(args)
        retry_delays = [float(part) for part in args.retry_delays.split(",") if part.strip()]
        from newscrawl.service import run_service

        if args.cron:
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(args.cron)  # a bad expression fails here, not at the first tick
            except ValueError as error:
                raise ValueError(f"--cron {args.cron!r}: {error}") from None
        if args.every is not None and args.every <= 0:
            raise ValueError("--every takes a number of seconds above 0")
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(args.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {args.timezone!r}") from None
    except ImportError:
        print(f"{PROG} schedule: needs APScheduler: pip install 'newscrawl[service]'", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"{PROG} schedule: {error}", file=sys.stderr)
        return 2
    return run_service(trigger, cron=args.cron, every=args.every, timezone=args.timezone, retry_delays=retry_delays)


def command_jobs(args: argparse.Namespace) -> int:
    import json

    from newscrawl.service import ScrapydError, find_reports, format_job_rows, job_rows, read_credentials, read_progress
    from newscrawl.settings import NEWSCRAWL_DATA_DIR

    try:
        jobs = _scrapyd_client(args, read_credentials(args.auth_file)).list_jobs(args.project)
    except (ValueError, ScrapydError) as error:
        print(f"{PROG} jobs: {error}", file=sys.stderr)
        return 1
    data_dir = args.data_dir or NEWSCRAWL_DATA_DIR
    rows = job_rows(jobs, find_reports(data_dir), lambda job: read_progress(data_dir, job))[: args.limit]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(format_job_rows(rows))
    return 0


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
    if status == 0:
        print(f"{PROG} demo: wrote {output}", file=sys.stderr)
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Yonhap English news: clean, extract, crawl.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    clean = commands.add_parser(
        "clean",
        help="turn Yonhap story text dumps into clean records",
        description="Clean plain-text dumps of Yonhap stories: split headline, prefix, byline, "
        "dateline and body, and drop the related-headlines tail. One record per input.",
    )
    clean.add_argument("files", nargs="+", metavar="FILE", help="text file, or - for standard input")
    clean.add_argument(
        "--reference-date",
        type=parse_reference,
        metavar="ISO-8601",
        help="publish date or time that the dateline's year is resolved against; "
        "without it dateline_date is empty",
    )
    clean.add_argument("-o", "--output", metavar="OUT", help="write OUT (.jsonl, .json or .csv) instead of JSON Lines on stdout")
    clean.add_argument(
        "--no-formula-guard",
        action="store_true",
        help="CSV only: do not prefix cells starting with = + - @ with an apostrophe",
    )
    clean.set_defaults(handler=command_clean)

    extract = commands.add_parser("extract", help="print the article of one saved page as JSON")
    extract.add_argument("page", metavar="PAGE.html", help="a saved en.yna.co.kr article page, or -")
    extract.add_argument("--url", help="the page's URL, used when the page itself lacks its id")
    extract.set_defaults(handler=command_extract)

    export = commands.add_parser(
        "export",
        help="write the exported articles as one file (--latest: one row per story)",
        description="Write the articles that crawls exported, from the state store (default) or from "
        "feed files, to one .csv, .jsonl, .json or .parquet file. With --latest each story appears "
        "once, as its highest revision: count stories with it, not with the raw feeds.",
    )
    export.add_argument("feeds", nargs="*", metavar="FEED", help="feed files (.jsonl, .json, .csv) to read instead of the state store")
    export.add_argument("-o", "--output", required=True, metavar="OUT", help="output file: .csv, .jsonl, .json or .parquet (needs pyarrow)")
    export.add_argument("--latest", action="store_true", help="one row per story_id: its highest revision")
    export.add_argument("--state", metavar="PATH", help="state store (default: $NEWSCRAWL_STATE_PATH or $NEWSCRAWL_DATA_DIR/state/newscrawl.sqlite3)")
    export.add_argument("--no-formula-guard", action="store_true", help="CSV only: do not prefix cells starting with = + - @")
    export.set_defaults(handler=command_export)

    def scrapyd_options(command, what_spider=True):
        command.add_argument("--url", help="scrapyd address (default: $NEWSCRAWL_SCRAPYD_URL or http://127.0.0.1:6800)")
        command.add_argument("--auth-file", metavar="PATH",
                             help="file with one line user:password (default: $SCRAPYD_USERNAME and $SCRAPYD_PASSWORD)")
        command.add_argument("--project", default="newscrawl", help="scrapyd project (default: %(default)s)")
        if what_spider:
            command.add_argument("--spider", default="yonhap", help="spider (default: %(default)s)")
            command.add_argument("-a", dest="argument", action="append", metavar="NAME=VALUE",
                                 help="spider argument, as for scrapy crawl (checked before scheduling)")
            command.add_argument("-s", dest="setting", action="append", metavar="NAME=VALUE", help="Scrapy setting for the job")

    trigger = commands.add_parser(
        "trigger",
        help="schedule one crawl on scrapyd unless one is pending or running (for cron)",
        description="Ask scrapyd (schedule.json) for one crawl, unless a job of the spider is still pending or "
        "running. Prints 'scheduled JOB' or 'skipped: ...'. Exit 1 when scrapyd fails, 2 for bad options.",
    )
    scrapyd_options(trigger)
    trigger.set_defaults(handler=command_trigger)

    schedule = commands.add_parser(
        "schedule",
        help="the recurring scheduler service: crawl on scrapyd on a cron schedule",
        description="Run until SIGTERM/Ctrl-C, scheduling a crawl on scrapyd at each tick of a cron expression "
        "(in Asia/Seoul time by default) or every N seconds. A tick is skipped while a job of the spider is "
        "pending or running; while scrapyd is down the tick is retried with backoff.",
    )
    scrapyd_options(schedule)
    schedule.add_argument("--cron", metavar="'MIN HOUR DOM MON DOW'", help="e.g. '*/15 * * * *' for every 15 minutes")
    schedule.add_argument("--every", type=float, metavar="SECONDS", help="a fixed interval instead of --cron")
    schedule.add_argument("--timezone", default="Asia/Seoul", help="time zone of --cron (default: %(default)s)")
    schedule.add_argument("--retry-delays", default="5,15,45", metavar="S,S,...",
                          help="seconds to wait before each retry while scrapyd is down (default: %(default)s)")
    schedule.set_defaults(handler=command_schedule)

    jobs = commands.add_parser(
        "jobs",
        help="recent scrapyd jobs with state, item count, health and feed",
        description="List the project's scrapyd jobs (listjobs.json), with each finished job's item count, health "
        "and feed file from its run report under the data directory.",
    )
    scrapyd_options(jobs, what_spider=False)
    jobs.add_argument("--data-dir", help="where the crawls write (default: $NEWSCRAWL_DATA_DIR or data)")
    jobs.add_argument("--limit", type=int, default=20, help="show at most this many jobs (default: %(default)s)")
    jobs.add_argument("--json", action="store_true", help="print JSON instead of a table")
    jobs.set_defaults(handler=command_jobs)

    demo = commands.add_parser(
        "demo",
        help="crawl a local mirror of the site (no internet needed)",
        description="Serve saved article pages as a local en.yna.co.kr mirror (listing, RSS, "
        "sitemap, robots.txt) on 127.0.0.1 and run `scrapy crawl yonhap` against it.",
    )
    demo.add_argument("--pages", default="tests/fixtures/pages", help="directory of article pages (default: %(default)s)")
    demo.add_argument("-o", "--output", default="data/demo/articles.csv", help="feed file (.csv, .json, .jsonl; default: %(default)s)")
    demo.set_defaults(handler=command_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
