"""Instructions a page of whole crawls, counted by callgrind: the same figure whatever
else the machine is doing, where its CPU time drifts by half between minutes.

    python -P benchmarks/crawl_instructions.py [--encoding gzip|identity] [--sizes 50 250]
                                               [--runs bare "parse only" urls_file]

The runs are benchmarks/crawl.py's (the same commands and settings, the same mirror),
each under `valgrind --tool=callgrind` at two sizes. Instructions a page are the
difference between the two over the difference in pages, so the start-up cancels out;
the start-up is what is left. Printed against the bare spider: per page, and with the
start-up spread over 2,000 and 10,000 pages (as benchmarks/crawl.py's runs spread it).
A run of 250 pages takes about four minutes here. Callgrind counts instructions in user
space only: no kernel time, and an instruction that misses the cache counts one. It
needs valgrind (apt-get install valgrind).
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # -P leaves benchmarks/ off the path

from crawl import MIRROR_GZIP_LEVEL, PAGES, crawl_runs, crawl_settings, serve_forked  # noqa: E402
from newscrawl.mirror import build_site, load_articles, synthetic_articles  # noqa: E402


def instructions(command: list[str], cwd: Path, env: dict) -> int:
    """Instructions the command ran, as callgrind counts them."""
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
                          cwd=cwd, env=dict(env, PYTHONHASHSEED="0"), capture_output=True, text=True)
    counted = re.findall(r"Collected : (\d+)", done.stderr)
    if done.returncode not in (0, 3) or not counted:
        sys.exit(f"{' '.join(command[:6])}... failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return int(counted[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoding", choices=["identity", "gzip"], default="gzip")
    parser.add_argument("--sizes", type=int, nargs=2, default=[50, 250])
    parser.add_argument("--runs", nargs="+", default=["bare", "parse only", "urls_file"],
                        help="among benchmarks/crawl.py's: bare, 'parse only', urls_file, 'no archive'")
    args = parser.parse_args()
    small, large = sorted(args.sizes)
    articles = synthetic_articles(load_articles(PAGES), large, seed=1)
    server, base_url = serve_forked(build_site(articles, listing_page_size=20, feed_limit=400),
                                    MIRROR_GZIP_LEVEL if args.encoding == "gzip" else None)
    paths = [f"/view/{article.article_id}" for article in articles]
    del articles
    counted: dict[str, tuple[float, float]] = {}
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for name in args.runs:
                totals = []
                for size in (small, large):
                    workdir = Path(scratch) / f"{name}-{size}".replace(" ", "_")
                    workdir.mkdir()
                    urls = workdir / "urls.txt"
                    urls.write_text("".join(f"{base_url}{path}\n" for path in paths[:size]))
                    _, command, env, _ = next(run for run in crawl_runs(urls, base_url, size) if run[0] == name)
                    totals.append(instructions(command + crawl_settings(16), workdir, env))
                per_page = (totals[1] - totals[0]) / (large - small)
                counted[name] = (per_page, totals[0] - per_page * small)
                print(f"{name:<12} {per_page / 1e6:7.2f} M instructions a page, start-up {counted[name][1] / 1e6:,.0f} M",
                      flush=True)
    finally:
        server.terminate()
    if "bare" not in counted:
        return
    bare_page, bare_start = counted["bare"]
    print(f"\nagainst the bare spider ({args.encoding} pages): per page; over 2,000 pages; over 10,000 pages")
    for name, (page, start) in counted.items():
        spread = [(page * n + start) / (bare_page * n + bare_start) for n in (2000, 10000)]
        print(f"  {name:<12} {page / bare_page:5.2f}x  {spread[0]:5.2f}x  {spread[1]:5.2f}x")


if __name__ == "__main__":
    main()
