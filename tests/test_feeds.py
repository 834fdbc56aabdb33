"""Feed files a crawl writes: appending, replacing, empty runs, and feeds that cannot be written."""
import csv
import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from conftest import REAL_PAGES, run_crawl
from newscrawl.items import ARTICLE_FIELDS

REAL_IDS = sorted(p.stem for p in REAL_PAGES)


def exported_ids(store):
    with sqlite3.connect(store) as db:
        return sorted(row[0] for row in db.execute("SELECT article_id FROM articles"))


def test_a_feed_that_cannot_be_written_fails_the_run_and_records_nothing(mirror, tmp_path):
    store = tmp_path / "state.sqlite3"
    env = {"NEWSCRAWL_STATE_PATH": str(store)}
    # /dev/full: every write fails with ENOSPC, as on a full disk.
    status, log = run_crawl(mirror.base_url, "-o", "good.jsonl", "-o", "/dev/full:jsonlines", cwd=tmp_path, env=env)
    assert status == 1, log[-3000:]
    assert "Traceback" not in log
    assert "feed /dev/full cannot be written" in log and "No space left on device" in log
    assert "crawl failed: feed(s) /dev/full could not be written" in log.splitlines()[-1]
    assert "Stored jsonlines feed" not in log  # nothing claims the broken feed is whole
    assert exported_ids(store) == []  # no row is in every feed, so none counts as exported

    status, log = run_crawl(mirror.base_url, "-O", "again.jsonl", cwd=tmp_path, env=env)
    assert status == 0, log[-3000:]
    assert sorted(json.loads(line)["article_id"] for line in (tmp_path / "again.jsonl").open()) == REAL_IDS
    assert exported_ids(store) == REAL_IDS


def test_a_feed_in_an_unwritable_place_is_refused_before_the_crawl(mirror, tmp_path):
    (tmp_path / "file").write_text("x")
    status, log = run_crawl(mirror.base_url, "-O", str(tmp_path / "file" / "out.csv"), cwd=tmp_path)
    assert status == 2, log[-3000:]
    assert "is not a writable directory" in log and "Traceback" not in log
    assert mirror.requests == {}


def test_output_options_replace_the_default_feed(mirror, tmp_path):
    env = {"NEWSCRAWL_DATA_DIR": str(tmp_path / "data")}
    status, log = run_crawl(mirror.base_url, "-a", "discover=rss", "-O", "only.csv", cwd=tmp_path, env=env)
    assert status == 0, log[-3000:]
    assert not list((tmp_path / "data").glob("feeds/*"))
    assert len(pd.read_csv(tmp_path / "only.csv")) == len(REAL_IDS)


def test_appending_to_a_csv_feed_keeps_one_header(mirror, tmp_path):
    for _ in range(2):
        status, log = run_crawl(mirror.base_url, "-a", "discover=rss", "-a", "refetch=true", "-o", "feed.csv",
                                cwd=tmp_path)
        assert status == 0, log[-3000:]
    with open(tmp_path / "feed.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows.count(list(ARTICLE_FIELDS)) == 1
    frame = pd.read_csv(tmp_path / "feed.csv")
    assert sorted(frame["article_id"]) == sorted(REAL_IDS * 2)


def test_appending_to_a_json_feed_or_a_csv_with_other_columns_is_refused(mirror, tmp_path):
    (tmp_path / "feed.json").write_text('[{"a": 1}]\n')
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    for name, message in (("feed.json", "a JSON feed cannot be appended to"), ("other.csv", "exists with other columns")):
        before = (tmp_path / name).read_text()
        status, log = run_crawl(mirror.base_url, "-o", name, cwd=tmp_path)
        assert status == 2, log[-3000:]
        assert message in log and "Traceback" not in log
        assert (tmp_path / name).read_text() == before
    assert mirror.requests == {}


def test_a_csv_feed_from_before_0_4_is_refused_with_the_way_to_migrate_it(mirror, tmp_path):
    status, log = run_crawl(mirror.base_url, "-a", "discover=rss", "-o", "feed.csv", cwd=tmp_path)
    assert status == 0, log[-2000:]
    frame = pd.read_csv(tmp_path / "feed.csv", dtype=str, keep_default_na=False)
    frame.drop(columns=["fetched_from", "captured_at"]).to_csv(tmp_path / "feed.csv", index=False)  # as 0.3 wrote it
    status, log = run_crawl(mirror.base_url, "-a", "discover=rss", "-a", "refetch=true", "-o", "feed.csv", cwd=tmp_path)
    assert status == 2 and 'add them to it as docs/fields.md shows ("Feeds from before 0.4")' in log
    # docs/fields.md's lines, as written there:
    old = pd.read_csv(tmp_path / "feed.csv", dtype=str, keep_default_na=False)
    old["fetched_from"], old["captured_at"] = "live", old["crawled_at"]
    old.to_csv(tmp_path / "feed.csv", index=False)
    status, log = run_crawl(mirror.base_url, "-a", "discover=rss", "-a", "refetch=true", "-o", "feed.csv", cwd=tmp_path)
    assert status == 0, log[-2000:]
    again = pd.read_csv(tmp_path / "feed.csv", dtype=str, keep_default_na=False)
    assert list(again.columns) == list(ARTICLE_FIELDS) and len(again) == 2 * len(REAL_IDS)
    assert set(again["fetched_from"]) == {"live"}
    # A JSON Lines feed from before 0.4 reads with the two fields filled the same way.
    from newscrawl.feeds.frames import read_articles

    (tmp_path / "old.jsonl").write_text(json.dumps({"article_id": REAL_IDS[0], "crawled_at": "2025-01-01T00:00:00+00:00"})
                                        + "\n")
    row = read_articles(tmp_path / "old.jsonl").iloc[0]
    assert (row["fetched_from"], str(row["captured_at"])) == ("live", "2025-01-01 00:00:00+00:00")


def test_an_empty_run_writes_a_csv_header(serve, tmp_path):
    server = serve({"/news": b"<html><body><div class='smain-list-type01'><ul></ul></div></body></html>"})
    status, log = run_crawl(server.base_url, "-a", "discover=listing", "-O", "empty.csv", cwd=tmp_path)
    assert "Traceback" not in log
    frame = pd.read_csv(tmp_path / "empty.csv")
    assert list(frame.columns) == list(ARTICLE_FIELDS) and len(frame) == 0


@pytest.fixture
def tiny_disk(tmpfs):
    """A 16 KiB disk: a few rows fit, then a write is cut short in the middle of a row."""
    return tmpfs("16k")


def whole_rows(path: Path, fmt: str) -> list[dict]:
    """The feed's rows, read strictly: a cut row or an unclosed JSON array fails here."""
    text = path.read_text(encoding="utf-8")
    if fmt == "jsonl":
        return [json.loads(line) for line in text.splitlines()]
    if fmt == "json":
        return json.loads(text)
    return pd.read_csv(path).to_dict("records") if text else []


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json"])
def test_a_feed_on_a_full_disk_is_cut_back_to_whole_rows_and_only_they_count(mirror, tmp_path, tiny_disk, fmt):
    store = tmp_path / "state.sqlite3"
    env = {"NEWSCRAWL_STATE_PATH": str(store), "NEWSCRAWL_DATA_DIR": str(tmp_path / "data")}
    feed = tiny_disk / f"feed.{fmt}"
    status, log = run_crawl(mirror.base_url, "-O", str(feed), "-s", "CONCURRENT_REQUESTS=1", cwd=tmp_path, env=env)
    assert status == 1, log[-3000:]
    assert "No space left on device" in log and "Traceback" not in log
    rows = whole_rows(feed, fmt)  # every row whole, the file valid as a whole
    assert 1 <= len(rows) < len(REAL_IDS)
    assert f"cut back to its last whole row: it holds {len(rows)} whole rows" in log
    assert "crawl failed: feed(s)" in log.strip().splitlines()[-1]
    assert exported_ids(store) == sorted(row["article_id"] for row in rows)  # exactly the whole rows count

    status, log = run_crawl(mirror.base_url, "-O", f"again.{fmt}", cwd=tmp_path, env=env)
    assert status == 0, log[-3000:]
    again = whole_rows(tmp_path / f"again.{fmt}", fmt)
    assert sorted(row["article_id"] for row in rows + again) == REAL_IDS  # no article lost, none twice
