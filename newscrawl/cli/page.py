"""`newscrawl page`: an exported article's page, as it was archived when it was crawled."""
from __future__ import annotations

import argparse
import sys

from newscrawl.cli.common import fail


def command_page(args: argparse.Namespace) -> int:
    from newscrawl.settings import NEWSCRAWL_STATE
    from newscrawl.state import StateStore, StateStoreError, redacted
    from newscrawl.warc.reader import MAX_CAPTURE_BYTES, capture_at

    state = args.state or NEWSCRAWL_STATE
    try:
        with StateStore(state, read_only=True) as store:
            exported = store.is_exported(args.article_id)
            where = store.archived_at(args.article_id)
            note = store.archive_note(args.article_id) if where is None else None
    except StateStoreError as error:
        return fail("page", str(error))
    if not exported:
        return fail("page", f"{args.article_id} was not exported (state store {redacted(str(state))})")
    if where is None and note:
        return fail("page", f"{args.article_id} was exported, its page not archived: {note}")
    if where is None:
        return fail("page", f"{args.article_id} was exported without its page archived (NEWSCRAWL_WARC_ENABLED off?)")
    try:
        capture = capture_at(*where)
        body = capture.decoded_body(MAX_CAPTURE_BYTES)
    except (OSError, ValueError, MemoryError) as error:
        return fail("page", f"{args.article_id}: archived in {where[0]} at offset {where[1]}, which cannot be read: {error}")
    if args.headers:
        origin = (f"captured by {capture.source_archive}: {capture.source_uri}\n" if capture.source_archive
                  else "fetched live\n")
        print(f"{capture.url}\nWARC-Date: {capture.date}\n{origin}WARC file: {where[0]} offset {where[1]} length "
              f"{where[2]}\nHTTP {capture.status}\n" + "".join(f"{name}: {value}\n" for name, value in capture.headers),
              file=sys.stderr)
    sys.stdout.buffer.write(body)
    sys.stdout.flush()
    return 0


def add_parser(commands) -> None:
    page = commands.add_parser(
        "page",
        help="print an exported article's archived page (provenance of a row)",
        description="Print the HTML of the page an exported article version was extracted from, as it was "
        "archived (WARC) when it was crawled; --headers adds the capture's URL, date, WARC location and HTTP "
        "headers on stderr (and, for a page from a web archive, which archive captured it and where).",
    )
    page.add_argument("article_id", metavar="AEN...", help="an exported article_id")
    page.add_argument("--state", metavar="PATH|URL", help="state store (default as newscrawl export)")
    page.add_argument("--headers", action="store_true", help="also print where and when it was captured, on stderr")
    page.set_defaults(handler=command_page)
