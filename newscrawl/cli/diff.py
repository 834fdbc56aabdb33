"""`newscrawl diff`: what changed between a story's versions, from the state store."""
from __future__ import annotations

import argparse
import json
import os
import re
import sys

from newscrawl.cli.common import PROG, fail, output_problem

_STORY_OR_ARTICLE = re.compile(r"AEN\d{12}(?:\d{5})?")


def _colour(stream) -> bool:
    """Colour on a terminal that takes it (https://no-color.org: NO_COLOR set, none)."""
    return (hasattr(stream, "isatty") and stream.isatty() and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb")


def command_diff(args: argparse.Namespace) -> int:
    from newscrawl.feeds.records import replacing
    from newscrawl.revisions.chains import chain, normalized
    from newscrawl.revisions.render import page, text
    from newscrawl.settings import NEWSCRAWL_STATE
    from newscrawl.state import StateStore, StateStoreError, redacted

    wanted = args.id.strip()
    if not _STORY_OR_ARTICLE.fullmatch(wanted):
        return fail("diff", f"{args.id!r} is neither a story id (AEN + 12 digits: date and serial) nor an article "
                            "id (AEN + 17 digits)", 2)
    if args.output and (problem := output_problem(args.output)):
        return fail("diff", problem, 2)
    state = args.state or NEWSCRAWL_STATE
    story_id = wanted[:15]
    try:
        with StateStore(state, read_only=True) as store:
            stored = store.versions_of(story_id)
    except StateStoreError as error:
        return fail("diff", str(error))
    malformed: list[str] = []
    versions = [normalized(r, malformed) for r in stored]
    versions = [r for r in versions if r["article_id"][:15] == story_id]  # a row whose story_id says otherwise
    if not versions:
        return fail("diff", f"no version of story {story_id} in state store {redacted(str(state))}")
    for problem in malformed:
        print(f"{PROG} diff: malformed fields read as empty: {problem}", file=sys.stderr)
    story = chain(versions)
    if len(wanted) > 15 and wanted not in story["versions"]:
        print(f"{PROG} diff: {wanted} is not held; the versions of its story that are:", file=sys.stderr)
    by_id = {r["article_id"]: r for r in versions}
    held = [by_id[article_id] for article_id in story["versions"]]
    if args.format == "json":
        out = json.dumps(story, ensure_ascii=False, indent=2) + "\n"
    elif args.format == "html":
        out = page(story, held)
    else:
        out = text(story, held, colour=not args.output and _colour(sys.stdout))
    changes = f"{len(story['changes'])} change" + ("" if len(story["changes"]) == 1 else "s")
    try:
        if args.output:
            with replacing(args.output) as handle:
                handle.write(out)
            print(f"{PROG} diff: {story['story_id']}, {len(held)} version{'s' if len(held) != 1 else ''}, {changes} "
                  f"-> {args.output}", file=sys.stderr)
        else:
            sys.stdout.write(out)
            sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        return fail("diff", f"{args.output or 'standard output'} cannot be written: {error.strerror or error}; "
                            "nothing written")
    return 0


def add_parser(commands) -> None:
    diff = commands.add_parser(
        "diff",
        help="what changed between a story's versions: paragraphs, words, headline, photos, the editor's note",
        description="Diff each consecutive pair of a story's versions the state store holds (00, 51 (LEAD), 52 "
        "(2nd LD), ...), and say whether the editor's note of each agrees with the diff. No network.",
        epilog="docs/fields.md#what-changed-between-versions says what each part of the output means.",
    )
    diff.add_argument("id", metavar="ID", help="a story id (AEN + date + serial: the first 15 characters of its "
                      "article ids), or any version's article id")
    diff.add_argument("--state", metavar="PATH|URL", help="state store (default as newscrawl export)")
    diff.add_argument("--format", choices=("text", "json", "html"), default="text",
                      help="text: a word-level diff (colour on a terminal); json: the figures; html: one page "
                      "(default: %(default)s)")
    diff.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    diff.set_defaults(handler=command_diff)
