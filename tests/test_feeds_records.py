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


def test_a_temporary_file_is_removed_only_when_its_writer_is_gone(tmp_path):
    """Two writers of one file at once: the second removes a killed writer's temporary
    file, never the one a live writer (another process, holding its flock) still writes."""
    import subprocess
    import sys

    from newscrawl.feeds.records import write_atomically

    target = tmp_path / "changes.csv"
    abandoned = tmp_path / ".changes.csv.dead1234.tmp"
    abandoned.write_text("half a row")
    live = tmp_path / ".changes.csv.live5678.tmp"
    live.write_text("being written")
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1]); "
                               "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", str(live)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        write_atomically(target, "story_id\n")
        assert not abandoned.exists() and live.read_text() == "being written"
    finally:
        holder.kill()
        holder.wait()
    write_atomically(target, "story_id\n")  # its writer gone (kill -9): removed now
    assert not live.exists() and target.read_text() == "story_id\n"
