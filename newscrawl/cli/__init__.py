"""The `newscrawl` command: one module per subcommand (as Scrapy's scrapy/commands/),
each with `add_parser(commands)` and the function that runs it."""
from __future__ import annotations

import argparse
import os
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
    try:
        return args.handler(args)
    except BrokenPipeError:
        # The reader went away (`newscrawl diff ID | head`): stop quietly, as cat does,
        # and keep Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
