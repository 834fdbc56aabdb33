"""Files that hold only whole rows: cut back after a failed write, closed when JSON."""
import json

import pytest

from newscrawl.feeds.durable import WholeRowFile, cut_file

ROWS = [b'{"a": 1}\n', b'{"a": 2}\n', b'{"a": 3, "cut": "here"}\n']


@pytest.mark.parametrize("fmt, start, rows, cut_after, expected", [
    ("jsonlines", b"", ROWS, 2, b'{"a": 1}\n{"a": 2}\n'),
    ("csv", b"a,b\n", [b"1,x\n", b"2,y\n", b"3,z\n"], 1, b"a,b\n1,x\n"),
    ("json", b"[", [b'\n{"a": 1}', b',\n{"a": 2}', b',\n{"a": 3}'], 2, b'[\n{"a": 1},\n{"a": 2}\n]\n'),
    ("json", b"[", [b'\n{"a": 1}'], 0, b"[]\n"),  # cut before its first row: still an array
])
def test_a_file_is_cut_back_to_its_last_whole_row(tmp_path, fmt, start, rows, cut_after, expected):
    path = tmp_path / "feed"
    file = WholeRowFile(path, "wb")
    file.write(start)
    if fmt != "json":  # a CSV header is whole; a JSON array's "[" alone is not a row
        file.mark_whole(0)
    for number, row in enumerate(rows, start=1):
        file.write(row if number <= cut_after else row[: len(row) // 2])  # the last one cut short
        if number <= cut_after:
            file.mark_whole(number)
        else:
            break
    assert file.cut_back("No space left on device", fmt) is True
    with pytest.raises(OSError, match="written no more"):
        file.write(b"more")
    file.close()
    assert path.read_bytes() == expected
    if fmt == "json":
        json.loads(expected)


def test_cut_file_cuts_a_file_by_path_to_a_size_and_closes_json(tmp_path):
    path = tmp_path / "feed.json"
    path.write_bytes(b'[\n{"a": 1},\n{"a": 2},\n{"a"')
    assert cut_file(path, len(b'[\n{"a": 1}'), "json")
    assert json.loads(path.read_bytes()) == [{"a": 1}]


def test_appending_keeps_what_the_file_held(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_bytes(ROWS[0])
    file = WholeRowFile(path, "ab")
    assert file.whole == len(ROWS[0])
    file.write(ROWS[1][:3])
    file.cut_back("failed")
    file.close()
    assert path.read_bytes() == ROWS[0]
