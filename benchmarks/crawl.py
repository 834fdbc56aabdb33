"""Crawl CPU, throughput and memory on a large synthetic mirror.

    python -P benchmarks/crawl.py [--articles 2000 10000] [--encodings identity gzip] [--all-runs] [--repeat N]
                                  [--seed 1] [--concurrency 16] [--scrapy-bench]

For each size N and each encoding: builds a mirror of N article pages made from the
real ones (newscrawl.mirror.synthetic_articles; /news listings of 20 a page over all
of them, RSS and news sitemap of the newest 400), serves it from a forked process on
127.0.0.1 (`gzip`: every body gzip-encoded, as a live server sends pages, to requests
that accept it, which Scrapy's do), measures that server alone, then runs with
politeness off:

  bare        a no-extraction Scrapy spider over the N URLs (the engine's ceiling)
  parse only  the same, parsing each page with lxml as newscrawl does (the floor of any
              lxml-based extraction)
  urls_file   `scrapy crawl yonhap -a urls_file=...` over the same URLs: everything on
              (extraction, the WARC archive, feed, state store, monitors)
  no archive  the same with NEWSCRAWL_WARC_ENABLED=False (the archive's cost)
and with --all-runs also
  1 worker,   the same with NEWSCRAWL_EXTRACT_PROCESSES=1 and 2 (pages parsed in
  2 workers   worker processes)
  discovery   `scrapy crawl yonhap` finding them through the listings (and RSS, sitemap)

Each run is a fresh process in a fresh directory (state store, feed, report); its CPU
time, summed over it and every process it waited for (worker processes too), and its
peak RSS come from wait4() and /proc. Prints pages/s, CPU ms per page, peak RSS, WARC
bytes a page, and each run's CPU a page against the bare spider's in the same run
("CPU vs bare"; issue 26: newscrawl's urls_file run at most 2.0) and its pages/s
against the bare spider's; with --scrapy-bench, `scrapy bench` for reference.
With --repeat N the runs go N rounds, in turn, and the figures are medians, CPU vs bare
the median of each round's own ratio: this machine's speed drifts by half between
minutes, and one round's ratio has been seen anywhere from 2.1 to 2.7 for the same code.
Target for memory: peak RSS at the largest size <= 1.2x that at the smallest.
"""
from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from newscrawl.mirror import build_site, load_articles, serve_fast, synthetic_articles

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "tests" / "fixtures" / "pages").glob("*.html"))
BARE_SPIDER = Path(__file__).resolve().parent / "bare_spider.py"


def serve_forked(site, gzip_level: int | None = None) -> tuple[multiprocessing.Process, str]:
    """The mirror (newscrawl.mirror.serve_fast) in its own process; fork shares the
    site instead of pickling it. `gzip_level`: bodies gzip-encoded at that level."""
    listening = socket.create_server(("127.0.0.1", 0), backlog=128)
    port = listening.getsockname()[1]
    process = multiprocessing.get_context("fork").Process(target=serve_fast, args=(site, listening, gzip_level),
                                                          daemon=True)
    process.start()
    listening.close()  # the child holds its own copy
    return process, f"http://127.0.0.1:{port}"


def probe_server(base_url: str, paths: list[str], connections: int) -> tuple[float, float]:
    """(requests/s, MB/s) of the mirror for `paths` over keep-alive connections."""
    host, port = base_url.split("//")[1].split(":")
    chunks = [paths[i::connections] for i in range(connections)]
    received = [0] * connections

    def fetch(index):
        connection = http.client.HTTPConnection(host, int(port))
        for path in chunks[index]:
            connection.request("GET", path)
            received[index] += len(connection.getresponse().read())
        connection.close()

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(connections)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return len(paths) / elapsed, sum(received) / elapsed / 1e6


def peak_rss_mb(pid: int, done: threading.Event, peak: list[float]) -> None:
    """Follow /proc/<pid>/status VmHWM (the process's own peak RSS since exec; wait4's
    ru_maxrss would also count the forked copy of this big harness before exec)."""
    while not done.wait(0.1):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak[0] = max(peak[0], int(line.split()[1]) / 1024)
        except OSError:
            return


def run_measured(command: list[str], cwd: Path, env: dict) -> dict:
    """Run a command; wall seconds, CPU seconds, peak RSS (MB) and its log."""
    log_path = cwd / "run.log"
    with open(log_path, "wb") as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        done, peak = threading.Event(), [0.0]
        watcher = threading.Thread(target=peak_rss_mb, args=(process.pid, done, peak))
        watcher.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        watcher.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    text = log_path.read_text(errors="replace")
    if process.returncode not in (0, 3):
        sys.exit(f"{' '.join(command[:6])}... failed ({process.returncode}):\n{text[-3000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": peak[0], "log": text}


def median_of(results: list[dict]) -> dict:
    """One run's figures over its rounds: the median of each (CPU vs bare: of the
    rounds' own ratios, each against the bare run of the same round)."""
    merged = dict(results[0])
    for key in ("wall", "cpu", "rss_mb", "pages_per_s", "cpu_ms", "warc_kb", "cpu_vs_bare"):
        merged[key] = statistics.median(result[key] for result in results)
    return merged


def stat(log: str, name: str) -> int:
    match = re.search(rf"'{re.escape(name)}': (\d+)", log.rsplit("Dumping Scrapy stats:", 1)[-1])
    return int(match.group(1)) if match else 0


def crawl_settings(concurrency: int) -> list[str]:
    return ["-s", f"CONCURRENT_REQUESTS={concurrency}", "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO",
            "-s", "TELNETCONSOLE_ENABLED=False"]


def crawl_runs(urls: Path, base_url: str, count: int, all_runs: bool = False) -> list[tuple[str, list[str], dict, str]]:
    """(name, command, environment, the stat that counts its pages) of each run over the
    URLs in `urls` (see the module's docstring), before crawl_settings()."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSCRAWL_", "SCRAPY_"))}
    project_env = dict(env, SCRAPY_SETTINGS_MODULE="newscrawl.settings")
    crawl = [sys.executable, "-m", "scrapy", "crawl", "yonhap", "-s", f"YONHAP_BASE_URL={base_url}"]
    bare = [sys.executable, "-m", "scrapy", "runspider", str(BARE_SPIDER), "-a", f"urls_file={urls}"]
    runs = [
        ("bare", bare, env, "bare/pages"),
        ("parse only", bare + ["-a", "parse_html=1"], env, "bare/pages"),
        ("urls_file", crawl + ["-a", f"urls_file={urls}"], project_env, "item_scraped_count"),
        ("no archive", crawl + ["-a", f"urls_file={urls}", "-s", "NEWSCRAWL_WARC_ENABLED=False"], project_env,
         "item_scraped_count"),
    ]
    return runs + ([
        ("1 worker", crawl + ["-a", f"urls_file={urls}", "-s", "NEWSCRAWL_EXTRACT_PROCESSES=1"], project_env,
         "item_scraped_count"),
        ("2 workers", crawl + ["-a", f"urls_file={urls}", "-s", "NEWSCRAWL_EXTRACT_PROCESSES=2"], project_env,
         "item_scraped_count"),
        ("discovery", crawl + ["-a", f"max_pages={count // 20 + 1}"], project_env, "item_scraped_count"),
    ] if all_runs else [])


# The level of the mirror's gzip-encoded pages: nginx's gzip_comp_level default is 1,
# Apache's mod_deflate's 6; 6 is what compresses most like a production server.
MIRROR_GZIP_LEVEL = 6


def measure_size(count: int, seed: int, concurrency: int, encoding: str = "identity",
                 all_runs: bool = False, repeat: int = 1) -> list[dict]:
    started = time.perf_counter()
    articles = synthetic_articles(load_articles(PAGES), count, seed=seed)
    site = build_site(articles, listing_page_size=20, feed_limit=400)
    megabytes = sum(len(a.html) for a in articles) / 1e6
    print(f"\n== {count} articles, {encoding} ({megabytes:.0f} MB of pages, {len(site) - count} other paths; "
          f"built in {time.perf_counter() - started:.1f} s)")
    server, base_url = serve_forked(site, MIRROR_GZIP_LEVEL if encoding == "gzip" else None)
    paths = [f"/view/{a.article_id}" for a in articles]
    del articles, site  # the server process has its copy; keep this one small
    try:
        rate, throughput = probe_server(base_url, paths, concurrency)
        print(f"mirror alone: {rate:,.0f} pages/s ({throughput:,.0f} MB/s) over {concurrency} connections")
        results = []
        with tempfile.TemporaryDirectory() as scratch:
            urls = Path(scratch) / "urls.txt"
            urls.write_text("".join(f"{base_url}{path}\n" for path in paths))
            runs = crawl_runs(urls, base_url, count, all_runs)
            rounds = []
            for round_number in range(repeat):  # the runs in turn, so a slow spell of the machine hits each
                measured_round = []
                for name, command, run_env, count_stat in runs:
                    workdir = Path(scratch) / f"{name}-{round_number}"
                    workdir.mkdir()
                    result = run_measured(command + crawl_settings(concurrency), workdir, run_env)
                    pages = stat(result["log"], count_stat)
                    requests = stat(result["log"], "downloader/request_count")
                    warc = sum(path.stat().st_size for path in workdir.glob("data/warc/*.warc.gz"))
                    result.update(name=name, size=count, pages=pages, requests=requests,
                                  warc_kb=warc / 1024 / max(pages, 1), pages_per_s=pages / result["wall"],
                                  cpu_ms=result["cpu"] * 1000 / max(pages, 1))
                    result["cpu_vs_bare"] = result["cpu_ms"] / measured_round[0]["cpu_ms"] if measured_round else 1.0
                    measured_round.append(result)
                    shutil.rmtree(workdir)  # a 10,000-page run's archive is 150 MB
                rounds.append(measured_round)
            results = [median_of([round_[index] for round_ in rounds]) for index in range(len(runs))]
    finally:
        server.terminate()
    if repeat > 1:
        ratios = ", ".join(f"{round_[2]['cpu_vs_bare']:.2f}" for round_ in rounds)
        print(f"{repeat} rounds; medians below; urls_file CPU vs bare by round: {ratios}")
    bare, bare_cpu = results[0]["pages_per_s"], results[0]["cpu_ms"]
    print(f"{'run':<12}{'pages':>7}{'requests':>9}{'wall s':>8}{'pages/s':>9}{'CPU ms/page':>12}{'peak RSS MB':>12}"
          f"{'WARC KB/page':>13}{'CPU vs bare':>12}{'pages/s vs bare':>16}")
    for r in results:
        print(f"{r['name']:<12}{r['pages']:>7}{r['requests']:>9}{r['wall']:>8.1f}{r['pages_per_s']:>9.0f}"
              f"{r['cpu_ms']:>12.2f}{r['rss_mb']:>12.0f}{r['warc_kb']:>13.1f}{r['cpu_vs_bare']:>12.2f}"
              f"{r['pages_per_s'] / bare:>16.2f}")
    return results


def scrapy_bench() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSCRAWL_", "SCRAPY_"))}
        result = run_measured([sys.executable, "-m", "scrapy", "bench", "-s", "LOG_LEVEL=INFO"], Path(scratch), env)
    rates = re.findall(r"Crawled \d+ pages \(at (\d+) pages/min\)", result["log"])
    pages = stat(result["log"], "response_received_count")
    print(f"\nscrapy bench (reference; its own tiny link pages, no extraction): "
          f"{pages} pages in ~10 s, last rate {rates[-1] if rates else '?'} pages/min, peak RSS {result['rss_mb']:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--encodings", nargs="+", choices=["identity", "gzip"], default=["identity", "gzip"])
    parser.add_argument("--all-runs", action="store_true", help="also the worker-process and discovery runs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="every run N times, in turn; medians (the machine's speed drifts between runs)")
    parser.add_argument("--scrapy-bench", action="store_true")
    parser.add_argument("--code", metavar="DIR", help="crawl with the newscrawl package of this source tree (a git "
                        "worktree of another commit: figures before and after a change)")
    args = parser.parse_args()
    if args.code:
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(args.code).resolve()),
                                                                 os.environ.get("PYTHONPATH")]))
        print(f"crawling with the code in {args.code}")
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    measured = {(count, encoding): measure_size(count, args.seed, args.concurrency, encoding, args.all_runs, args.repeat)
                for encoding in args.encodings for count in args.articles}
    print("\nnewscrawl (urls_file: everything on) CPU a page against the bare spider's, same mirror, same run "
          "(target <= 2.0):")
    for (count, encoding), results in measured.items():
        ours = next(r for r in results if r["name"] == "urls_file")
        print(f"  {count:>6} articles, {encoding:<8}: {ours['cpu_ms']:.2f} / {results[0]['cpu_ms']:.2f} ms, "
              f"{ours['cpu_vs_bare']:.2f}x" + (" (the median of the rounds' ratios)" if args.repeat > 1 else ""))
    small, large = min(args.articles), max(args.articles)
    for encoding in args.encodings if small != large else []:
        for index, r in enumerate(measured[small, encoding]):
            growth = measured[large, encoding][index]["rss_mb"] / r["rss_mb"]
            print(f"peak RSS {r['name']}, {encoding}: {large} articles / {small} = {growth:.2f}x (target <= 1.2x)")
    if args.scrapy_bench:
        scrapy_bench()


if __name__ == "__main__":
    main()
