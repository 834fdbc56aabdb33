"""Rebuilding from a web archive: `newscrawl reextract` against extraction in memory.

    python -P benchmarks/reextract.py [--articles 10000] [--processes 1 2]

Writes a WARC of N synthetic article pages (newscrawl.mirror.synthetic_articles), as
the crawl's archive writer does, bodies gzip-encoded as the live site sends them.
Then, in fresh processes, measures:

  in memory    the plain loop: each decoded page through read_page + finish_article
  reextract    `newscrawl reextract WARC -o out.jsonl --processes P` for each P (P worker
               processes extract while the command's own process reads the archive)

and prints pages/s, CPU, peak RSS (VmHWM) and the ratios the targets name (issue 13):
1 process >= 0.8x the in-memory loop; 2 processes >= 1.7x 1 process; peak RSS flat
(the archive is streamed, never loaded whole). A re-crawl of the same pages from the
mirror is measured by benchmarks/crawl.py (target: reextract >= 3x its pages/s).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl import PAGES, run_measured  # noqa: E402 - the benchmarks' own helpers

from newscrawl.mirror import load_articles, synthetic_articles  # noqa: E402
from newscrawl.warc.writer import ArchiveWriter  # noqa: E402


def write_archive(directory: Path, count: int) -> Path:
    articles = synthetic_articles(load_articles(PAGES), count, seed=1)
    writer = ArchiveWriter(directory, max_size=1 << 40)
    for article in articles:
        writer.write_exchange(f"https://en.yna.co.kr/view/{article.article_id}", "GET",
                              [("User-Agent", "newscrawl"), ("Accept-Encoding", "gzip, deflate")], 200,
                              [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
                              gzip.compress(article.html, 6), "127.0.0.1")
    writer.close()
    return writer.files_written[0]


IN_MEMORY = """
import gzip, json, sys, time
from newscrawl.processing import finish_article, read_page
from newscrawl.schema import schema_validator
from newscrawl.warc.reader import Captures
pages = [(c.url, c.decoded_body()) for c in Captures(sys.argv[1])]
validator = schema_validator()
start = time.process_time()
done = 0
for url, body in pages:
    reading = read_page(body, "utf-8", url)
    if reading.article is not None and finish_article(reading.article, validator).article is not None:
        done += 1
print(json.dumps({"pages": done, "cpu": time.process_time() - start}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSCRAWL_", "SCRAPY_"))}
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        warc = write_archive(Path(scratch) / "warc", args.articles)
        print(f"machine: {os.cpu_count()} CPUs; archive of {args.articles} pages: {warc.stat().st_size / 1e6:.0f} MB "
              f"(written in {time.perf_counter() - started:.1f} s)")
        memory = json.loads(subprocess.run([sys.executable, "-c", IN_MEMORY, str(warc)], env=env, check=True,
                                           capture_output=True, text=True).stdout)
        base = memory["pages"] / memory["cpu"]
        print(f"{'run':<16}{'pages':>7}{'wall s':>8}{'pages/s':>9}{'CPU s':>7}{'peak RSS MB':>12}{'ratio':>7}")
        print(f"{'in memory':<16}{memory['pages']:>7}{memory['cpu']:>8.1f}{base:>9.0f}{memory['cpu']:>7.1f}{'-':>12}{1:>7.2f}")
        rates = {}
        for processes in args.processes:
            workdir = Path(scratch) / f"p{processes}"
            workdir.mkdir()
            result = run_measured([sys.executable, "-m", "newscrawl", "reextract", str(warc), "-o", "out.jsonl",
                                   "--processes", str(processes)], workdir, env)
            rows = sum(1 for _ in open(workdir / "out.jsonl"))
            rates[processes] = rows / result["wall"]
            print(f"{'reextract -p ' + str(processes):<16}{rows:>7}{result['wall']:>8.1f}{rates[processes]:>9.0f}"
                  f"{result['cpu']:>7.1f}{result['rss_mb']:>12.0f}{rates[processes] / base:>7.2f}")
        if 1 in rates:
            print(f"1 process / in-memory loop = {rates[1] / base:.2f} (target >= 0.8)")
        if 1 in rates and 2 in rates:
            print(f"2 processes / 1 process = {rates[2] / rates[1]:.2f} (target >= 1.7)")


if __name__ == "__main__":
    main()
