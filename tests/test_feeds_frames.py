"""One type per field in every format, as the documented loader reads it."""
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest

from conftest import clean_env, run_crawl
from newscrawl.feeds.frames import read_articles
from newscrawl.items import ARTICLE_FIELDS


@pytest.fixture(scope="module")
def every_format(tmp_path_factory):
    from newscrawl.mirror import MirrorServer, build_site, load_articles
    from conftest import REAL_PAGES, FIXTURES

    tmp_path = tmp_path_factory.mktemp("formats")
    # One page only the meta-tag fallback reads: layout "meta" beside "2023", which
    # pandas' own guessing turns into a column of mixed integers and text.
    redesigned = FIXTURES / "variants" / "redesign_AEN20230419002000320.html"
    pages = [page for page in REAL_PAGES if page.stem != "AEN20230419002000320"] + [redesigned]
    server = MirrorServer(build_site(load_articles(pages))).start()
    try:
        status, log = run_crawl(server.base_url, "-O", "a.jsonl", "-O", "a.json", "-O", "a.csv", cwd=tmp_path,
                                env={"NEWSCRAWL_DATA_DIR": str(tmp_path / "data")})
    finally:
        server.stop()
    assert status in (0, 3), log[-3000:]  # 3: the unknown_layout check names the redesigned page
    exported = subprocess.run([sys.executable, "-m", "newscrawl", "export", "--state",
                               str(tmp_path / "data" / "state" / "newscrawl.sqlite3"), "-o", "a.parquet"],
                              cwd=tmp_path, capture_output=True, text=True, env=clean_env())
    assert exported.returncode == 0, exported.stderr
    return {suffix: read_articles(tmp_path / f"a.{suffix}").sort_values("article_id", ignore_index=True)
            for suffix in ("jsonl", "json", "csv", "parquet")}


def test_every_format_reads_back_with_the_same_types_and_values(every_format):
    frames = list(every_format.values())
    first = frames[0]
    assert list(first.columns) == list(ARTICLE_FIELDS)
    for frame in frames[1:]:
        assert frame.dtypes.to_dict() == first.dtypes.to_dict()
        for name in ARTICLE_FIELDS:
            if name == "crawled_at":  # written to the second in feeds, kept as such in the store
                assert (frame[name] - first[name]).abs().max() <= pd.Timedelta(seconds=1)
            else:
                assert frame[name].tolist() == first[name].tolist(), name


def test_the_documented_types(every_format):
    frame = every_format["csv"]
    assert str(frame["published_at"].dt.tz) == "Asia/Seoul" and str(frame["crawled_at"].dt.tz) == "UTC"
    assert all(isinstance(value, date) or value is None for value in frame["dateline_date"])
    assert all(isinstance(value, str) for value in frame["layout"]) and set(frame["layout"]) == {"2023", "meta"}
    assert frame["revision"].dtype == "int64" and frame["word_count"].dtype == "int64"
    assert all(isinstance(value, list) for value in frame["keywords"])
    assert all(isinstance(photo, dict) for photos in frame["photos"] for photo in photos)
