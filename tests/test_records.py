import pytest

from newscrawl.records import read_feed, replacing, write_records

FIELDS = ["headline", "keywords", "word_count"]


@pytest.mark.parametrize("text", [
    "'Parasite' wins", "''double", "'=not a formula", "=SUM(A1)", "-", "+82", "@handle", "plain", "", "a, b \"c\"",
])
def test_csv_round_trip_is_exact(tmp_path, text):
    path = tmp_path / "rows.csv"
    record = {"headline": text, "keywords": [text, "x"], "word_count": 3}
    with replacing(path) as handle:
        write_records(handle, [record], "csv", FIELDS)
    assert list(read_feed(path, "csv", ["keywords"], ["word_count"])) == [record]
