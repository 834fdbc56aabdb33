"""What the commands share: the program name, and scrapyd options and clients."""
from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path

PROG = "newscrawl"
# The most an input file (a text dump, a saved page) may hold: an article page is
# ~60-120 KB, and the crawl refuses pages over 8 MB too (DOWNLOAD_MAXSIZE).
MAX_INPUT_BYTES = 8 * 1024 * 1024


def read_input(name: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of an input file ("-": standard input), at most `limit` of them.
    ValueError says why it cannot be read: missing, a directory, not a regular file
    (a FIFO or device would block or never end), too large."""
    if name == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        try:
            mode = os.stat(name).st_mode
        except FileNotFoundError:
            raise ValueError("no such file") from None
        except OSError as error:
            raise ValueError(error.strerror or str(error)) from None
        if stat.S_ISDIR(mode):
            raise ValueError("is a directory")
        if not stat.S_ISREG(mode):
            raise ValueError("not a regular file (a pipe, device or socket); give a file or - for standard input")
        try:
            with open(name, "rb") as handle:
                data = handle.read(limit + 1)
        except OSError as error:
            raise ValueError(error.strerror or str(error)) from None
    if len(data) > limit:
        raise ValueError(f"larger than {limit // (1024 * 1024)} MB; not read")
    return data


def fail(command: str, message: str, status: int = 1) -> int:
    """Say what went wrong on one stderr line; return the exit status."""
    print(f"{PROG} {command}: {message}", file=sys.stderr)
    return status


def output_problem(path: str, formats: dict | None = None) -> str | None:
    """What is wrong with an output file's name, or None: a suffix not among `formats`
    (suffix -> format; None: any), or a directory that does not exist."""
    from newscrawl.feeds.records import format_for_path

    if formats is not None:
        try:
            format_for_path(path, formats)
        except ValueError as error:
            return str(error)
    if not Path(path).absolute().parent.is_dir():
        return f"{path}: the output directory does not exist"
    if Path(path).is_dir():
        return f"{path} is a directory: name a file"
    return None


def scrapyd_options(command: argparse.ArgumentParser, what_spider: bool = True) -> None:
    command.add_argument("--url", action="append", metavar="URL",
                         help="scrapyd address; repeat it for several nodes (default: $NEWSCRAWL_SCRAPYD_URL, "
                         "comma-separated, or http://127.0.0.1:6800)")
    command.add_argument("--auth-file", metavar="PATH",
                         help="file with one line user:password (default: $SCRAPYD_USERNAME and $SCRAPYD_PASSWORD)")
    command.add_argument("--project", default="newscrawl", help="scrapyd project (default: %(default)s)")
    if what_spider:
        command.add_argument("--spider", default="yonhap", help="spider (default: %(default)s)")
        command.add_argument("-a", dest="argument", action="append", metavar="NAME=VALUE",
                             help="spider argument, as for scrapy crawl (checked before scheduling)")
        command.add_argument("-s", dest="setting", action="append", metavar="NAME=VALUE", help="Scrapy setting for the job")


def pairs(values: list[str] | None, option: str) -> dict[str, str]:
    pairs = {}
    for value in values or []:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise ValueError(f"{option} takes NAME=VALUE, got {value!r}")
        pairs[name] = rest
    return pairs


def scrapyd_clients(args: argparse.Namespace, credentials: tuple[str, str] | None) -> list:
    """A client for each --url, else for each of $NEWSCRAWL_SCRAPYD_URL (comma-separated),
    else for the local scrapyd."""
    from newscrawl.scheduling.client import DEFAULT_URL, ScrapydClient

    urls = args.url or [url.strip() for url in os.environ.get("NEWSCRAWL_SCRAPYD_URL", "").split(",") if url.strip()]
    return [ScrapydClient(url, credentials) for url in urls or [DEFAULT_URL]]


def trigger_from_args(args: argparse.Namespace):
    """The Trigger the service commands share; ValueError for a bad option or spider argument."""
    from scrapy.settings import Settings

    from newscrawl.scheduling.client import read_credentials
    from newscrawl.scheduling.trigger import Trigger
    from newscrawl.spiders.yonhap import YonhapSpider

    arguments, settings = pairs(args.argument, "-a"), pairs(args.setting, "-s")
    if args.spider == YonhapSpider.name:
        # The crawl would reject bad arguments only once scrapyd runs it: check them now.
        project = Settings()
        project.setmodule("newscrawl.settings", priority="project")
        project.setdict(settings, priority="cmdline")
        YonhapSpider.check_settings(project)
        YonhapSpider.check_arguments(project, **arguments)
    credentials = read_credentials(args.auth_file)
    if credentials is None:
        print(f"{PROG} {args.command}: no scrapyd credentials (SCRAPYD_USERNAME and SCRAPYD_PASSWORD, "
              "or --auth-file): calling scrapyd without authentication", file=sys.stderr)
    return Trigger(scrapyd_clients(args, credentials), args.project, args.spider, arguments, settings)


def service_logging() -> None:
    import logging

    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
