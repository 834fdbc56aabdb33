"""`newscrawl extract`: one saved page -> its article as JSON."""
from __future__ import annotations

import argparse
import sys

from newscrawl.cli.common import PROG, read_input


def command_extract(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from newscrawl.processing import extract_article

    try:
        data = read_input(args.page)
    except ValueError as error:
        print(f"{PROG} extract: {args.page}: {error}", file=sys.stderr)
        return 1
    article = extract_article(data, args.url or "")
    if article is None:
        print(f"{PROG} extract: {args.page}: not a Yonhap article page (a required field is missing)", file=sys.stderr)
        return 1
    print(json.dumps(dataclasses.asdict(article), ensure_ascii=False, indent=2))
    return 0


def add_parser(commands) -> None:
    extract = commands.add_parser(
        "extract", help="print the article of one saved page as JSON",
        description="Read one saved en.yna.co.kr article page (a file, or - for standard input; at most 8 MB) "
        "and print its article as one JSON object, with the same page objects and steps as the crawl: "
        "fields as docs/fields.md describes them. Exit 1 for a page that is not a Yonhap article page.")
    extract.add_argument("page", metavar="PAGE.html", help="a saved en.yna.co.kr article page, or -")
    extract.add_argument("--url", help="the page's URL, used when the page itself lacks its id")
    extract.set_defaults(handler=command_extract)
