"""Extraction speed on the real pages: extract_article + pipelines vs. a bare lxml parse.

    python benchmarks/extract.py [--rounds N] [--profile]

Prints ms per page for (a) lxml.html parsing the same HTML and (b) the page object
plus every pipeline step (`newscrawl.extract_article`, then the schema validation
the crawl's SchemaValidationPipeline does), and their ratio. Target: ratio <= 3.
--profile: cProfile of (b) instead, the 25 costliest functions by own time.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import lxml.html

from newscrawl import extract_article
from newscrawl.items import article_record
from newscrawl.schema import schema_validator

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
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    documents = [p.read_bytes() for p in PAGES]
    validator = schema_validator()

    def extract_and_validate(document):
        errors = list(validator.iter_errors(article_record(extract_article(document))))
        assert not errors, errors

    per_page_ms(extract_and_validate, documents, 3)  # warm caches (CSS->XPath translation)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(per_page_ms, extract_and_validate, documents, args.rounds)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    parse = per_page_ms(lxml.html.document_fromstring, documents, args.rounds)
    extract = per_page_ms(extract_and_validate, documents, args.rounds)
    kib = sum(map(len, documents)) / len(documents) / 1024
    print(f"pages: {len(documents)} real en.yna.co.kr pages, mean {kib:.0f} KiB")
    print(f"lxml parse:                    {parse:7.3f} ms/page")
    print(f"extract_article + pipelines:   {extract:7.3f} ms/page")
    print(f"ratio:                         {extract / parse:7.2f}x  (target <= 3x)")


if __name__ == "__main__":
    main()
