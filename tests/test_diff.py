"""`newscrawl diff`, `export --changes` and the report's "What changed", on a store the real
crawler filled from a mirror of the real pages and the revision chains made from them."""
from __future__ import annotations

import json
import os
import pty
import sqlite3
import subprocess
import sys

import pandas as pd
import pytest
from lxml import html as lxml_html

from conftest import FIXTURES, REAL_PAGES, run_crawl
from newscrawl.mirror import MirrorServer, build_site, load_articles
from newscrawl.state import StateStore

REVISIONS = sorted((FIXTURES / "revisions").glob("*.html"))
EXPECTED = FIXTURES / "revisions" / "expected"
CHAINS = sorted(path.stem for path in EXPECTED.glob("*.json"))


def newscrawl(*args, cwd=None, env=None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSCRAWL_", "SCRAPY_"))}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "newscrawl", *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env=environment)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The mirror of the 11 real pages and the 8 made versions, crawled into a store."""
    workdir = tmp_path_factory.mktemp("diff")
    server = MirrorServer(build_site(load_articles([*REAL_PAGES, *REVISIONS]))).start()
    try:
        status, log = run_crawl(server.base_url, "-s", f"NEWSCRAWL_DATA_DIR={workdir}", "-O", "all.jsonl",
                                cwd=workdir)
    finally:
        server.stop()
    assert status == 0, log[-3000:]
    state = workdir / "state" / "newscrawl.sqlite3"
    with sqlite3.connect(state) as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == len(REAL_PAGES) + len(REVISIONS)
    return workdir, state


@pytest.mark.parametrize("story", CHAINS)
def test_diff_of_each_chain_is_its_expected_json(crawled, story):
    workdir, state = crawled
    result = newscrawl("diff", story, "--state", state, "--format", "json", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads((EXPECTED / f"{story}.json").read_text())


def test_the_chains_say_what_their_readme_says(crawled):
    """The figures that matter, spelled out (the expected JSON holds every word)."""
    chains = {story: json.loads((EXPECTED / f"{story}.json").read_text()) for story in CHAINS}
    summary = {c["to"]: (c["added"], c["changed"], c["removed"], c["headline"] is not None, c["photos_added"] != [],
                         c["keywords_added"], c["note_agrees"])
               for story in chains.values() for c in story["changes"]}
    assert summary == {
        # The real (2nd LD)'s own note against the (LEAD) made by taking out what it says it added.
        "AEN20230419000952325": ([9, 10, 11, 15, 16, 17], [], [], False, False, [], True),
        "AEN20230419002851320": ([11, 12], [], [], False, True, [], True),
        "AEN20230419002852320": ([4], [1], [9], True, False, ["e-CCPM"], True),  # and para 6 moved: no change
        "AEN20230419003851320": ([5, 6], [], [], True, False, [], True),
        "AEN20230419003852320": ([], [8], [3], False, False, ["Merck"], False),  # a note that does not agree
        "AEN20230419005153315": ([], [2], [], False, False, [], True),  # the typo corrected
    }
    assert chains["AEN202304190051"]["gaps"] == [51]  # 00 -> 52 is across the gap: not diffed
    assert [c["from"][15:17] for c in chains["AEN202304190051"]["changes"]] == ["52"]
    assert chains["AEN202304190009"]["versions"] == ["AEN20230419000951325", "AEN20230419000952325"]
    assert chains["AEN202304190005"] == {"story_id": "AEN202304190005", "versions": ["AEN20230419000500325"],
                                         "gaps": [], "changes": []}  # the flash: a story of its own
    words = chains["AEN202304190038"]["changes"][1]["words"]["8"]
    assert words == [["=", "The country plans to"], ["-", "recommend"], ["+", "propose"],
                     ["=", "a new site to Merck by the end of"], ["-", "June."], ["+", "May."]]


def test_any_version_id_names_its_story_and_text_is_plain_when_piped(crawled):
    workdir, state = crawled
    by_story = newscrawl("diff", "AEN202304190038", "--state", state, cwd=workdir)
    by_version = newscrawl("diff", "AEN20230419003852320", "--state", state, cwd=workdir)
    assert by_story.returncode == by_version.returncode == 0 and by_story.stdout == by_version.stdout
    out = by_story.stdout
    assert "\x1b[" not in out
    assert "00 -> 51 (LEAD): AEN20230419003800320 -> AEN20230419003851320, 96.1 minutes later" in out
    assert "headline: S. Korea to support [-investments of-] 600 bln won [-via-] {+in investments through+} deregulation" in out
    assert "para 8 changed: The country plans to [-recommend-] {+propose+} a new site to Merck by the end of [-June.-] {+May.+}" in out
    assert "names paras 9-10, photo; the diff does NOT agree" in out
    flash = newscrawl("diff", "AEN20230419000500325", "--state", state, cwd=workdir)
    assert flash.returncode == 0 and "an (URGENT) flash: a story of its own" in flash.stdout
    gap = newscrawl("diff", "AEN202304190051", "--state", state, cwd=workdir)
    assert "missing: 51 (pairs across them are not diffed)" in gap.stdout


def test_text_is_in_colour_on_a_terminal_unless_no_color(crawled):
    workdir, state = crawled
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSCRAWL_", "SCRAPY_", "NO_COLOR"))}

    def on_a_terminal(extra):
        leader, follower = pty.openpty()
        process = subprocess.Popen([sys.executable, "-m", "newscrawl", "diff", "AEN202304190051", "--state", str(state)],
                                   stdout=follower, stderr=subprocess.PIPE, cwd=workdir,
                                   env={**environment, "TERM": "xterm", **extra})
        os.close(follower)
        out = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            out += chunk
        os.close(leader)
        assert process.wait(timeout=60) == 0, process.stderr.read()
        return out.decode()

    assert "\x1b[31;9mdeposists\x1b[0m \x1b[32;1mdeposits\x1b[0m" in on_a_terminal({})
    plain = on_a_terminal({"NO_COLOR": "1"})
    assert "\x1b[" not in plain and "[-deposists-] {+deposits+}" in plain


def test_html_is_one_self_contained_page(crawled):
    workdir, state = crawled
    result = newscrawl("diff", "AEN20230419002852320", "--state", state, "--format", "html", "-o", "story.html",
                       cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert "AEN202304190028, 3 versions, 2 changes -> story.html" in result.stderr
    page = (workdir / "story.html").read_text()
    tree = lxml_html.fromstring(page)
    assert not tree.xpath("//script | //link | //img | //iframe")  # nothing to fetch, nothing to run
    sections = tree.xpath("//section[@class='change']")
    assert [(s.get("data-from")[15:17], s.get("data-to")[15:17]) for s in sections] == [("00", "51"), ("51", "52")]
    second = sections[1]
    assert [d.text_content() for d in second.xpath(".//div[contains(@class, 'removed')]//del")] == [
        "It also plans to put aside 5 trillion won in cash to respond to growing market uncertainties amid a global "
        "economic slowdown."]
    assert second.xpath(".//span[@data-note-agrees]")[0].get("data-note-agrees") == "true"
    assert [i.text_content() for i in second.xpath(".//p[starts-with(., 'Headline')]/ins")] == [
        "targets", "China orders, unveils e-CCPM in Shanghai"]


def test_a_chain_whose_earlier_versions_are_unknown_invents_nothing(tmp_path, crawled):
    _, state = crawled
    with StateStore(state, read_only=True) as store:
        later = [r for r in store.versions_of("AEN202304190051") if r["revision"] >= 2]
    with StateStore(tmp_path / "s.sqlite3") as store:
        store.record(later)
    result = newscrawl("diff", "AEN202304190051", "--state", tmp_path / "s.sqlite3", "--format", "json")
    story = json.loads(result.stdout)
    assert story["versions"] == ["AEN20230419005152315", "AEN20230419005153315"] and story["gaps"] == []
    assert [(c["from"], c["to"]) for c in story["changes"]] == [("AEN20230419005152315", "AEN20230419005153315")]
    text = newscrawl("diff", "AEN202304190051", "--state", tmp_path / "s.sqlite3").stdout
    assert "versions before 52 are not held: what they changed is unknown" in text


@pytest.mark.parametrize("args, status, message", [
    (["AEN2023041900"], 2, "neither a story id"),
    (["AEN20230419005153315x"], 2, "neither a story id"),
    (["../etc/passwd"], 2, "neither a story id"),
    (["AEN202304199999"], 1, "no version of story AEN202304199999 in state store"),
])
def test_bad_or_unknown_ids_get_one_line(crawled, args, status, message):
    workdir, state = crawled
    result = newscrawl("diff", *args, "--state", state, cwd=workdir)
    assert result.returncode == status and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""


def test_a_missing_store_or_output_directory_gets_one_line(tmp_path):
    missing = newscrawl("diff", "AEN202304190051", "--state", tmp_path / "none.sqlite3")
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1
    assert "Traceback" not in missing.stderr
    nowhere = newscrawl("diff", "AEN202304190051", "-o", tmp_path / "no" / "x.html", "--format", "html")
    assert nowhere.returncode == 2 and "output directory does not exist" in nowhere.stderr


def test_export_changes_in_every_format_reads_back_in_pandas_as_documented(crawled):
    workdir, state = crawled
    for name in ("changes.csv", "changes.jsonl", "changes.parquet"):
        result = newscrawl("export", "--changes", "--state", state, "-o", name, cwd=workdir)
        assert result.returncode == 0, result.stderr
        assert "6 changes between consecutive versions" in result.stderr
    # As docs/fields.md has it.
    csv_rows = pd.read_csv(workdir / "changes.csv", parse_dates=["published_at"])
    parquet = pd.read_parquet(workdir / "changes.parquet")
    jsonl = pd.read_json(workdir / "changes.jsonl", lines=True, dtype={"from": str, "to": str})
    for frame in (csv_rows, parquet, jsonl):
        assert sorted(frame["to"]) == ["AEN20230419000952325", "AEN20230419002851320", "AEN20230419002852320",
                                       "AEN20230419003851320", "AEN20230419003852320", "AEN20230419005153315"]
        row = frame.set_index("to").loc["AEN20230419002852320"]
        assert (row["added"], row["changed"], row["removed"], bool(row["headline_changed"]), row["keywords_added"],
                row["note_actions"], row["note_paragraphs"], row["minutes"]) == (1, 1, 1, True, 1, "RECASTS ADDS", 2, 146.4)
        assert row["headline_from"] == "Hyundai Mobis aims to win US$1 bln in Chinese orders this year"
        assert frame.set_index("to").loc["AEN20230419003852320", "note_agrees"] == False  # noqa: E712
    assert str(parquet["published_at"].dt.tz) == "Asia/Seoul" and parquet["note_agrees"].dtype == bool
    assert csv_rows.groupby("to_version")["minutes"].median().to_dict() == pytest.approx(
        {51: (80.8 + 96.1) / 2, 52: 146.4, 53: 156.2})
    assert csv_rows["note_agrees"].value_counts(dropna=False).to_dict() == {True: 5, False: 1}
    # From feed files too, the same rows.
    from_feed = newscrawl("export", "--changes", "all.jsonl", "-o", "from-feed.jsonl", cwd=workdir)
    assert from_feed.returncode == 0, from_feed.stderr
    assert (workdir / "from-feed.jsonl").read_text() == (workdir / "changes.jsonl").read_text()


def test_export_changes_refuses_what_it_cannot_do(crawled):
    workdir, state = crawled
    latest = newscrawl("export", "--changes", "--latest", "--state", state, "-o", "x.csv", cwd=workdir)
    assert latest.returncode == 2 and "neither --latest nor --new" in latest.stderr
    suffix = newscrawl("export", "--changes", "--state", state, "-o", "x.xlsx", cwd=workdir)
    assert suffix.returncode == 2 and len(suffix.stderr.strip().splitlines()) == 1


def test_the_report_says_what_changed(crawled):
    workdir, state = crawled
    result = newscrawl("report", "--state", state, "--data-dir", workdir, "-o", "report.html", cwd=workdir)
    assert result.returncode == 0, result.stderr
    tree = lxml_html.fromstring((workdir / "report.html").read_text())
    metric = {e.get("data-metric"): e.text_content() for e in tree.xpath("//*[@data-metric]")}
    assert metric["changes"] == "6" and metric["note_agree_share"] == "83%"
    tables = tree.xpath("//h3[starts-with(., 'Time to each revision')]/following-sibling::table[1]//tbody/tr")
    assert [[td.text_content() for td in tr.xpath("td")] for tr in tables] == [
        ["(LEAD)", "2", "1.5 hours"], ["(2nd LD)", "3", "2.4 hours"], ["(3rd LD)", "1", "2.6 hours"]]
    most = tree.xpath("//h3[starts-with(., 'The most revised')]/following-sibling::table[1]//tbody/tr")
    first = [td.text_content() for td in most[0].xpath("td")]
    assert first[0] in ("AEN202304190028", "AEN202304190038") and first[2] == "3"
    assert "changes_by_action" in (workdir / "report.html").read_text()


def test_output_that_cannot_be_written_gets_one_line_and_leaves_nothing(crawled, tmpfs):
    workdir, state = crawled
    (workdir / "a-dir.csv").mkdir(exist_ok=True)
    for args in (["diff", "AEN202304190028", "-o", "a-dir.csv"], ["export", "--changes", "-o", "a-dir.csv"]):
        result = newscrawl(*args, "--state", state, cwd=workdir)
        assert result.returncode == 2 and "is a directory" in result.stderr and "Traceback" not in result.stderr
    full = tmpfs("16k")
    with open(full / "filler", "wb", buffering=0) as filler:  # the disk full to its last byte
        try:
            for _ in range(64):
                filler.write(b"x" * 1024)
        except OSError:
            pass
    for args in (["diff", "AEN202304190028", "--format", "html", "-o", full / "story.html"],
                 ["export", "--changes", "-o", full / "changes.jsonl"]):
        result = newscrawl(*args, "--state", state, cwd=workdir)
        assert result.returncode == 1 and "cannot be written: No space left on device; nothing written" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in full.iterdir()) == ["filler"]  # no partial file, no temporary one


def test_a_reader_that_goes_away_ends_the_diff_quietly(crawled):
    workdir, state = crawled
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSCRAWL_", "SCRAPY_"))}
    process = subprocess.Popen([sys.executable, "-m", "newscrawl", "diff", "AEN202304190009", "--state", str(state)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
    process.stdout.close()  # as `| head -0` does
    assert process.wait(timeout=60) == 141 and b"Traceback" not in process.stderr.read()


def test_a_killed_exports_temporary_file_is_removed_by_the_next(crawled):
    workdir, state = crawled
    left = workdir / ".changes-k.csv.abc123.tmp"  # what a kill -9 mid-write leaves
    left.write_text("story_id,from\nAEN2023")
    result = newscrawl("export", "--changes", "--state", state, "-o", "changes-k.csv", cwd=workdir)
    assert result.returncode == 0 and not left.exists()
    assert not list(workdir.glob(".changes-k.csv.*.tmp"))


def test_negative_minutes_stay_numbers_in_csv(tmp_path):
    """A newer version dated before the older (a clock or a hand-edited store): minutes
    are negative, and a number is never taken for a formula."""
    page = json.loads((FIXTURES / "expected" / "AEN20230419005100315.json").read_text())
    later = {**page, "article_id": "AEN20230419005151315", "revision": 1, "published_at": "2023-04-19T13:08:43+09:00"}
    with StateStore(tmp_path / "s.sqlite3") as store:
        store.record([page, later])
    assert newscrawl("export", "--changes", "--state", tmp_path / "s.sqlite3", "-o", "c.csv", cwd=tmp_path).returncode == 0
    rows = pd.read_csv(tmp_path / "c.csv")
    assert rows["minutes"].tolist() == [-120.0]


def test_the_report_counts_the_versions_a_story_holds_across_its_gap(crawled):
    workdir, state = crawled
    newscrawl("report", "--state", state, "--data-dir", workdir, "-o", "report-gap.html", cwd=workdir)
    tree = lxml_html.fromstring((workdir / "report-gap.html").read_text())
    rows = tree.xpath("//h3[starts-with(., 'The most revised')]/following-sibling::table[1]//tbody/tr")
    held = {tr.xpath("td")[0].text_content(): tr.xpath("td")[2].text_content() for tr in rows}
    assert held["AEN202304190051"] == "3"  # 00, 52, 53: one change diffed, three versions held
    text = tree.text_content()
    assert "6 changes between consecutive versions, 6 of them with an editor's note" in text
