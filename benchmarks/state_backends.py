"""The state store on SQLite against PostgreSQL: per-article cost and a crawl's pages/s.

    python -P benchmarks/state_backends.py [--articles 2000]

Starts a PostgreSQL server of its own (as the tests do: initdb + pg_ctl in a temporary
directory, as the postgres user when run as root), then in one run:

  per article   claim_article, intend and record (in batches of 100) for N synthetic records, per backend
  crawl         `scrapy crawl yonhap -a urls_file=...` over N synthetic mirror pages, per backend

and prints milliseconds per article, pages/s and the ratio PostgreSQL / SQLite (target:
pages/s within 10%).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tests"))
from conftest import PostgresServer, _postgres_program  # noqa: E402 - the tests' own server
from crawl import PAGES, crawl_settings, run_measured, serve_forked, stat  # noqa: E402

from newscrawl.mirror import build_site, load_articles, synthetic_articles  # noqa: E402
from newscrawl.state import StateStore  # noqa: E402


def per_article_ms(location: str, count: int) -> float:
    records = [{"article_id": f"AEN2023041{n:05d}00320", "story_id": f"AEN2023041{n:05d}", "revision": 0,
                "headline": f"headline {n}", "url": "u", "section": "s", "published_at": "2023-04-19T10:00:00+09:00",
                "body": "x" * 3000} for n in range(count)]
    with StateStore(location, lock_dir=Path(tempfile.mkdtemp()) / "runs") as store:
        run = store.begin_run()
        start = time.perf_counter()
        for first in range(0, count, 100):
            batch = records[first:first + 100]
            for record in batch:
                store.claim_article(record["article_id"], run)
            store.intend(run, [record["article_id"] for record in batch])  # one transaction a batch
            store.record(batch, run)
        elapsed = time.perf_counter() - start
        store.finish_run(run, "finished")
    return elapsed * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    initdb, pg_ctl = _postgres_program("initdb"), _postgres_program("pg_ctl")
    if not initdb or not pg_ctl:
        sys.exit("PostgreSQL (initdb, pg_ctl) is not installed")
    server = PostgresServer(initdb, pg_ctl)
    server.start()
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{server.port}/postgres", autocommit=True) as db:
        for name in ("unit", "crawl"):
            db.execute(f"CREATE DATABASE {name}")
    scratch = Path(tempfile.mkdtemp())
    try:
        backends = {"sqlite": lambda name: str(scratch / f"{name}.sqlite3"),
                    "postgres": lambda name: f"postgresql://postgres@127.0.0.1:{server.port}/{name}"}
        print(f"machine: {os.cpu_count()} CPUs; {args.articles} articles")
        costs = {backend: per_article_ms(where("unit"), args.articles) for backend, where in backends.items()}
        for backend, cost in costs.items():
            print(f"per article (claim + intent + record): {backend:9} {cost:.3f} ms")

        articles = synthetic_articles(load_articles(PAGES), args.articles, seed=1)
        mirror, base_url = serve_forked(build_site(articles, listing_page_size=20, feed_limit=400))
        urls = scratch / "urls.txt"
        urls.write_text("".join(f"{base_url}/view/{a.article_id}\n" for a in articles))
        del articles
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSCRAWL_", "SCRAPY_"))}
        rates = {}
        try:
            for backend, where in backends.items():
                workdir = scratch / backend
                workdir.mkdir()
                key = "NEWSCRAWL_STATE_URL" if backend == "postgres" else "NEWSCRAWL_STATE_PATH"
                run_env = dict(env, SCRAPY_SETTINGS_MODULE="newscrawl.settings", **{key: where("crawl")})
                result = run_measured([sys.executable, "-m", "scrapy", "crawl", "yonhap", "-a", f"urls_file={urls}",
                                       "-s", f"YONHAP_BASE_URL={base_url}", *crawl_settings(16)], workdir, run_env)
                pages = stat(result["log"], "item_scraped_count")
                rates[backend] = pages / result["wall"]
                print(f"crawl: {backend:9} {pages} pages in {result['wall']:.1f} s = {rates[backend]:.0f} pages/s, "
                      f"{result['cpu'] * 1000 / max(pages, 1):.2f} ms CPU/page")
        finally:
            mirror.terminate()
        print(f"pages/s PostgreSQL / SQLite = {rates['postgres'] / rates['sqlite']:.2f} (target: within 10%)")
    finally:
        server.stop()
        shutil.rmtree(server.base, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
