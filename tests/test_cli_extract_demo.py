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


def test_demo_crawls_the_mirror_into_csv(tmp_path):
    out = tmp_path / "demo" / "articles.csv"
    result = newscrawl("demo", "--pages", FIXTURES / "pages", "-o", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["article_id"] for r in rows) == sorted(p.stem for p in (FIXTURES / "pages").glob("*.html"))
    assert result.stderr.splitlines()[-1] == (
        f"newscrawl demo: wrote {out}: 11 rows, 11 stories; healthy; report {tmp_path / 'demo' / 'articles.report.json'}")
    assert not (tmp_path / "data" / "feeds").exists()  # -O replaced the default feed


def test_demo_without_pages_says_so(tmp_path):
    result = newscrawl("demo", "--pages", tmp_path)
    assert result.returncode == 2
    assert "no article pages" in result.stderr
