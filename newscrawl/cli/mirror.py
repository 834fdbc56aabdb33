"""`newscrawl mirror`: serve the local mirror of the site until Ctrl-C, to crawl it by hand."""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from newscrawl.cli.common import PROG, fail
from newscrawl.cli.demo import DEFAULT_PAGES, article_pages


def command_mirror(args: argparse.Namespace) -> int:
    from newscrawl.mirror import MirrorServer, build_site, load_articles, synthetic_articles

    pages, problem = article_pages(args.pages)
    if problem:
        return fail("mirror", problem, 2)
    articles = load_articles(pages)
    if args.articles:
        articles = synthetic_articles(articles, args.articles, seed=1)
    try:
        server = MirrorServer(build_site(articles), port=args.port, host=args.host, article_delay=args.article_delay)
    except OSError as error:
        return fail("mirror", f"cannot serve on {args.host}:{args.port}: {error.strerror or error}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server.start()
    print(f"{PROG} mirror: serving {len(articles)} article pages at {server.base_url} (Ctrl-C stops); crawl it with\n"
          f"  scrapy crawl yonhap -s YONHAP_BASE_URL={server.base_url} -s AUTOTHROTTLE_ENABLED=False "
          "-s DOWNLOAD_DELAY=0 -s NEWSCRAWL_DATA_DIR=data/mirror -O mirror.jsonl", file=sys.stderr, flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def add_parser(commands) -> None:
    mirror = commands.add_parser(
        "mirror",
        help="serve the local mirror of the site (real pages, listing, RSS, sitemap, robots.txt)",
        description="Serve saved article pages as a local en.yna.co.kr mirror until Ctrl-C or SIGTERM, to try "
        "`scrapy crawl yonhap -s YONHAP_BASE_URL=...` with the state store and the archive on. Keep such a "
        "crawl's NEWSCRAWL_DATA_DIR apart from the real one: the mirror's pages carry live article ids.",
    )
    mirror.add_argument("--port", type=int, default=8000, help="port (default: %(default)s; 0: any free one)")
    mirror.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    mirror.add_argument("--pages", action="append", metavar="DIR",
                        help="a directory of article pages; repeat for more (default: " + " and ".join(DEFAULT_PAGES)
                        + ")")
    mirror.add_argument("--article-delay", type=float, default=0.0, metavar="SECONDS",
                        help="answer each article page this much later (a slow site)")
    mirror.add_argument("--articles", type=int, default=0,
                        help="serve this many synthetic articles made from the pages instead (for large crawls)")
    mirror.set_defaults(handler=command_mirror)
