"""The `newscrawl` command: one module per subcommand (as Scrapy's scrapy/commands/),
each with `add_parser(commands)` and the function that runs it."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from newscrawl.cli import (clean, coverage, demo, diff, export, extract, jobs, mirror, page, reextract, report, runs,
                           schedule, trigger)
from newscrawl.cli.common import PROG

COMMANDS = (clean, extract, export, reextract, page, diff, report, coverage, trigger, schedule, jobs, runs, demo, mirror)


def build_parser() -> argparse.ArgumentParser:
    from newscrawl import __version__

    parser = argparse.ArgumentParser(prog=PROG, description="Yonhap English news: clean, extract, crawl.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
