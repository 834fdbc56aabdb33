"""Extraction speed on the real pages: extract_article + pipelines vs. a bare lxml parse.

    python benchmarks/extract.py [--rounds N]

Prints ms per page for (a) lxml.html parsing the same HTML and (b) the page object
plus every pipeline step (`newscrawl.extract_article`), and their ratio.
Target (issue 3): ratio <= 3.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import lxml.html

from newscrawl import extract_article

PAGES = sorted((Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pages").glob("*.html"))


def per_page_ms(function, documents, rounds):
    """Median over rounds of the mean ms per page."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for document in documents:
            function(document)
        samples.append((time.perf_counter() - start) * 1000 / len(documents))
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    documents = [p.read_bytes() for p in PAGES]
    per_page_ms(extract_article, documents, 3)  # warm caches (CSS->XPath translation)
    parse = per_page_ms(lxml.html.document_fromstring, documents, args.rounds)
    extract = per_page_ms(extract_article, documents, args.rounds)
    kib = sum(map(len, documents)) / len(documents) / 1024
    print(f"pages: {len(documents)} real en.yna.co.kr pages, mean {kib:.0f} KiB")
    print(f"lxml parse:                    {parse:7.3f} ms/page")
    print(f"extract_article + pipelines:   {extract:7.3f} ms/page")
    print(f"ratio:                         {extract / parse:7.2f}x  (target <= 3x)")


if __name__ == "__main__":
    main()
