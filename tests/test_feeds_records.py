import pytest

from newscrawl.feeds.records import read_feed, replacing, write_records

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


def test_replaced_files_honour_the_umask_and_keep_an_existing_mode(tmp_path):
    import os
    import stat

    from newscrawl.feeds.records import write_atomically

    old = os.umask(0o027)
    try:
        write_atomically(tmp_path / "new.csv", "a\n")
        assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o640
        (tmp_path / "kept.csv").write_text("old")
        (tmp_path / "kept.csv").chmod(0o604)
        write_atomically(tmp_path / "kept.csv", "new\n")
        assert stat.S_IMODE((tmp_path / "kept.csv").stat().st_mode) == 0o604
    finally:
        os.umask(old)
