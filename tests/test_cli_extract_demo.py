import csv
import json
import os
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def newscrawl(*args, cwd=None):
    env = dict(os.environ)
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "-m", "newscrawl", *map(str, args)], capture_output=True,
                          text=True, timeout=120, cwd=cwd, env=env)


def test_extract_prints_the_article():
    result = newscrawl("extract", FIXTURES / "pages" / "AEN20230419000952325.html")
    assert result.returncode == 0, result.stderr
    article = json.loads(result.stdout)
    want = json.loads((FIXTURES / "expected" / "AEN20230419000952325.json").read_text())
    assert {k: article[k] for k in want} == want


def test_extract_bad_inputs():
    missing = newscrawl("extract", "/nonexistent/page.html")
    assert missing.returncode == 1 and "no such file" in missing.stderr
    challenge = newscrawl("extract", FIXTURES / "variants" / "challenge.html")
    assert challenge.returncode == 1 and "not a Yonhap article page" in challenge.stderr
    assert "Traceback" not in missing.stderr + challenge.stderr


def test_demo_is_a_sandbox_that_ends_with_next_commands_that_work_as_printed(tmp_path):
    # As the demo's defaults: the real pages and the revision chains made from them.
    pages = ("--pages", FIXTURES / "pages", "--pages", FIXTURES / "revisions")
    result = newscrawl("demo", *pages, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    sandbox = tmp_path / "data" / "demo"
    with (sandbox / "articles.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["article_id"] for r in rows) == sorted(
        p.stem for directory in ("pages", "revisions") for p in (FIXTURES / directory).glob("*.html"))
    lines = result.stderr.splitlines()
    assert ("newscrawl demo: wrote data/demo/articles.csv: 19 rows, 12 stories; healthy; "
            "report data/demo/articles.report.json") in lines
    made = {p.name for p in sandbox.iterdir()}
    assert {"articles.csv", "articles.report.json", "state", "warc", "report.html"} <= made
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["demo"]  # nothing in the real data dir
    commands = lines[lines.index(next(l for l in lines if l.endswith("Try next:"))) + 1:]
    names = [line.split()[1] for line in commands]
    assert all(line.startswith("newscrawl ") for line in commands)
    assert {"page", "diff", "export", "report", "reextract", "mirror"} <= set(names)
    for line in commands:
        if line.split()[1] == "mirror":
            continue  # serves until Ctrl-C
        ran = newscrawl(*line.split()[1:], cwd=tmp_path)
        assert ran.returncode == 0, (line, ran.stderr)
        if line.split()[1] == "diff":  # the most revised story, with what each version changed
            assert "3 versions held: 00, 51 (LEAD), 52 (2nd LD)" in ran.stdout and "[-" in ran.stdout
    assert (sandbox / "changes.csv").read_text().count("\n") == 1 + 6
    again = newscrawl("demo", *pages, cwd=tmp_path)  # made afresh: the same rows
    assert again.returncode == 0 and "19 rows, 12 stories; healthy" in again.stderr


def test_demo_refuses_a_feed_a_crawl_cannot_write_and_a_folder_it_did_not_make(tmp_path):
    parquet = newscrawl("demo", "--pages", FIXTURES / "pages", "-o", "data/demo/x.parquet", cwd=tmp_path)
    assert parquet.returncode == 2 and "newscrawl export" in parquet.stderr
    assert len(parquet.stderr.strip().splitlines()) == 1 and not (tmp_path / "data").exists()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    theirs = newscrawl("demo", "--pages", FIXTURES / "pages", "-o", "mine/articles.csv", cwd=tmp_path)
    assert theirs.returncode == 2 and "holds files the demo did not make" in theirs.stderr
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_demo_without_pages_says_so(tmp_path):
    result = newscrawl("demo", "--pages", tmp_path)
    assert result.returncode == 2
    assert "no article pages" in result.stderr
