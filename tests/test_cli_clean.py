"""`newscrawl clean` end to end, as a user runs it (a real subprocess)."""
import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

SEED = Path(__file__).parent / "fixtures" / "seed_story.txt"
TAIL_HEADLINES = [
    "Number of peak concurrent viewers on BTS online event surpasses 2.7 mln: agency",
    "BTS hit 'Boy With Luv' breaks 1.2 bln YouTube views",
    "(LEAD) U.S. keeps travel advisory on S. Korea at Level",
    "(News Focus) S. Korea again faces debate over female military draft",
]


def run(*args, stdin=b""):
    return subprocess.run([sys.executable, "-m", "newscrawl", "clean", *map(str, args)],
                          input=stdin, capture_output=True, timeout=60)


def check_seed_record(record):
    assert record["headline"] == "S. Korea eyes further economic cooperation with Russia, Azerbaijan"
    assert record["headline_prefix"] == ""
    assert record["revision"] == 0
    assert record["byline"] == "Kang Yoon-seung"
    assert record["editor_note"] == ""
    assert record["dateline"] == "SEOUL, Feb. 5 (Yonhap)"
    assert record["dateline_city"] == "SEOUL"
    assert record["dateline_date"] == "2020-02-05"
    assert record["author_emails"] == ["colin@yna.co.kr"]
    assert record["end_marker"] == "END"
    assert record["related_removed"] == 15
    paragraphs = record["body"].split("\n\n")
    assert len(paragraphs) == 11
    assert paragraphs[0].startswith("South Korea said Wednesday it will hold ")
    assert paragraphs[-1].startswith("President Moon Jae-in set up ")
    for headline in TAIL_HEADLINES:
        assert headline not in record["body"]
    for noise in ("(END)", "colin@", "(Yonhap) --", "By Kang"):
        assert noise not in record["body"]


def test_seed_to_stdout_jsonl():
    result = run("--reference-date", "2020-02-05", SEED)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["source"] == str(SEED)
    check_seed_record(record)


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".csv"])
def test_seed_to_file_by_suffix(tmp_path, suffix):
    out = tmp_path / f"out{suffix}"
    result = run("--reference-date", "2020-02-05T10:00:00+09:00", "-o", out, SEED)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    text = out.read_text(encoding="utf-8")
    if suffix == ".jsonl":
        record = json.loads(text.splitlines()[0])
    elif suffix == ".json":
        record = json.loads(text)[0]
    else:
        rows = list(csv.DictReader(text.splitlines(keepends=True)))
        assert len(rows) == 1
        record = dict(rows[0])
        record["author_emails"] = json.loads(record["author_emails"])
        record["revision"] = int(record["revision"])
        record["related_removed"] = int(record["related_removed"])
    check_seed_record(record)


def test_without_reference_no_year_is_invented():
    record = json.loads(run(SEED).stdout)
    assert record["dateline_date"] == ""
    assert record["dateline"] == "SEOUL, Feb. 5 (Yonhap)"


def test_stdin_crlf_bom_and_whitespace():
    data = ("\ufeff" + SEED.read_text(encoding="utf-8").replace("\n", "  \r\n")).encode("utf-8")
    result = run("--reference-date", "2020-02-05", "-", stdin=data)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["source"] == "<stdin>"
    check_seed_record(record)


def test_bad_inputs_each_reported_others_still_cleaned(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"  \n")
    binary = tmp_path / "latin1.txt"
    binary.write_bytes("SEOUL, Feb. 5 (Yonhap) -- caf\xe9".encode("latin-1"))
    no_story = tmp_path / "nostory.txt"
    no_story.write_text("Just a note\nwith two lines of text\n")
    missing = tmp_path / "missing.txt"
    out = tmp_path / "out.jsonl"
    result = run("--reference-date", "2020-02-05", "-o", out, missing, tmp_path, empty, binary, no_story, SEED)
    assert result.returncode == 1
    errors = result.stderr.decode().splitlines()
    assert errors[:5] == [
        f"newscrawl clean: {missing}: no such file",
        f"newscrawl clean: {tmp_path}: is a directory",
        f"newscrawl clean: {empty}: empty file",
        f"newscrawl clean: {binary}: not UTF-8 text (byte 29: b'\\xe9')",
        f"newscrawl clean: {no_story}: no Yonhap story found (no dateline and no (END)/(MORE) marker)",
    ]
    assert errors[5] == "newscrawl clean: 1 of 6 inputs cleaned, 5 failed"
    assert "Traceback" not in result.stderr.decode()
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 1
    check_seed_record(records[0])


def test_output_replaced_whole_and_kept_when_nothing_cleaned(tmp_path):
    out = tmp_path / "out.json"
    out.write_text("previous run\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = run("-o", out, empty)
    assert result.returncode == 1
    assert out.read_text() == "previous run\n"  # untouched
    assert run("-o", out, SEED).returncode == 0
    assert len(json.loads(out.read_text())) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.txt", "out.json"]  # no temp files left


@pytest.mark.parametrize("args, message", [
    (["--reference-date", "Feb 5th", str(SEED)], "not an ISO 8601 date or date-time"),
    (["-o", "out.txt", str(SEED)], "cannot tell the output format"),
    (["-o", "/nonexistent-dir/out.csv", str(SEED)], "the output directory does not exist"),
])
def test_bad_arguments(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_csv_formula_guard(tmp_path):
    story = tmp_path / "story.txt"
    story.write_text("=HYPERLINK(\"http://x\")\nSEOUL, Feb. 5 (Yonhap) -- -5 percent growth.\n(END)\n")
    out = tmp_path / "out.csv"
    assert run("-o", out, story).returncode == 0
    row = next(csv.DictReader(out.open(newline="")))
    assert row["headline"] == "'=HYPERLINK(\"http://x\")"
    assert row["body"] == "'-5 percent growth."
    assert run("--no-formula-guard", "-o", out, story).returncode == 0
    row = next(csv.DictReader(out.open(newline="")))
    assert row["headline"] == "=HYPERLINK(\"http://x\")"


def test_inputs_that_are_no_regular_files_or_too_large_are_refused(tmp_path):
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # nobody writes to it: reading would block forever
    big = tmp_path / "big.txt"
    big.write_bytes(SEED.read_bytes() + b"x" * (9 * 1024 * 1024))
    result = run(fifo, "/dev/zero", big, SEED)  # /dev/zero would never end
    errors = result.stderr.decode().splitlines()
    assert result.returncode == 1
    assert f"newscrawl clean: {fifo}: not a regular file (a pipe, device or socket); give a file or - for standard input" in errors
    assert "newscrawl clean: /dev/zero: not a regular file (a pipe, device or socket); give a file or - for standard input" in errors
    assert f"newscrawl clean: {big}: larger than 8 MB; not read" in errors
    assert len(result.stdout.decode().splitlines()) == 1  # the good input is still cleaned
    extract = subprocess.run([sys.executable, "-m", "newscrawl", "extract", "/dev/zero"], capture_output=True,
                             text=True, timeout=60)
    assert extract.returncode == 1 and "not a regular file" in extract.stderr


def test_an_output_that_is_a_directory_is_refused(tmp_path):
    (tmp_path / "out.csv").mkdir()
    result = run("-o", tmp_path / "out.csv", SEED)
    assert result.returncode == 2 and b"is a directory; name a file" in result.stderr
    assert b"Traceback" not in result.stderr
