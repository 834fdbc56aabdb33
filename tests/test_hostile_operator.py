"""What an operator, a scheduled job's settings or a hostile URL list can ask of a crawl,
and what it refuses before any request (docs/reliability.md, security review)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import clean_env, crawl_command, run_crawl
from newscrawl.guards import special_address
from test_state import AS_NOBODY, _nobody_can_run_newscrawl

ARTICLE = "/view/AEN20230419004700315"


def test_a_data_dir_whose_name_is_not_utf8_is_refused_before_the_crawl(mirror, tmp_path):
    odd = os.fsdecode(os.fsencode(str(tmp_path)) + b"/data\xff")
    status, log = run_crawl(mirror.base_url, "-O", "out.jsonl", cwd=tmp_path, env={"NEWSCRAWL_DATA_DIR": odd})
    assert status == 2 and "is not valid UTF-8" in log.strip().splitlines()[-1] and "Traceback" not in log
    assert mirror.requests == {}


@pytest.mark.parametrize("arguments, message", [
    (["-a", "urls=http://bob:hunter2pw@127.0.0.1:9" + ARTICLE], "carries credentials"),
    (["-a", "urls=http://bob@127.0.0.1:9" + ARTICLE], "carries credentials"),
])
def test_article_urls_with_credentials_are_refused_without_showing_them(tmp_path, arguments, message):
    status, log = run_crawl("http://127.0.0.1:9", *arguments, cwd=tmp_path)
    assert status == 2 and message in log.strip().splitlines()[-1]
    assert "hunter2pw" not in log and "Traceback" not in log


def test_a_urls_file_line_with_credentials_is_refused_by_its_number(tmp_path):
    (tmp_path / "urls.txt").write_text(f"http://127.0.0.1:9{ARTICLE}\nhttp://bob:hunter2pw@127.0.0.1:9{ARTICLE}\n")
    status, log = run_crawl("http://127.0.0.1:9", "-a", "urls_file=urls.txt", cwd=tmp_path)
    assert status == 2 and "line(s) 2 carry credentials" in log and "hunter2pw" not in log


NUMERIC = [  # every spelling the resolver maps to the cloud metadata address, and friends
    ("http://2852039166" + ARTICLE, "a link-local address"),
    ("http://0251.0376.0251.0376" + ARTICLE, "a link-local address"),
    ("http://169.254.43518" + ARTICLE, "a link-local address"),
    ("http://0xa9fea9fe" + ARTICLE, "a link-local address"),
    ("http://[::ffff:a9fe:a9fe]" + ARTICLE, "a link-local address"),
    ("http://[64:ff9b::a9fe:a9fe]" + ARTICLE, "a link-local address"),  # NAT64
    ("http://[2002:a9fe:a9fe::1]" + ARTICLE, "a link-local address"),  # 6to4
    ("http://[::169.254.169.254]" + ARTICLE, "a link-local address"),  # IPv4-compatible
    ("http://167772165" + ARTICLE, "a private address"),  # 10.0.0.5
    ("http://2130706433" + ARTICLE, None),  # 127.0.0.1: a local mirror
    ("http://en.yna.co.kr" + ARTICLE, None),
]


@pytest.mark.parametrize("url, reason", NUMERIC)
def test_numeric_forms_of_special_addresses_are_judged_as_the_resolver_reads_them(url, reason):
    assert special_address(url) == reason


def test_a_crawl_refuses_a_numeric_metadata_address(tmp_path):
    status, log = run_crawl("http://127.0.0.1:9", "-a", "urls=http://2852039166" + ARTICLE, cwd=tmp_path)
    assert status == 2 and "is at a link-local address" in log and "Traceback" not in log


@pytest.mark.skipif(not _nobody_can_run_newscrawl(), reason="needs root, and a checkout another user can read")
def test_a_crawl_by_a_user_who_cannot_write_the_store_is_told_so_not_that_it_is_corrupt(mirror):
    from newscrawl.state import StateStore

    shared = Path(tempfile.mkdtemp(prefix="newscrawl-ro-"))
    try:
        shared.chmod(0o755)
        with StateStore(shared / "s.sqlite3") as store:
            store.record([{"article_id": "AEN20230419002000320", "revision": 0}])
        work = shared / "work"
        work.mkdir()
        os.chown(work, 65534, 65534)
        command, environment = crawl_command(mirror.base_url, "-O", "out.jsonl",
                                             env={"NEWSCRAWL_STATE_PATH": str(shared / "s.sqlite3"),
                                                  "NEWSCRAWL_DATA_DIR": str(work / "data")})
        result = subprocess.run([*AS_NOBODY, *command], cwd=work, env=environment, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 1, result.stderr[-3000:]
        last = result.stderr.strip().splitlines()[-1]
        assert "cannot be written by user nobody" in last and "belongs to root" in last
        assert "not a usable" not in result.stderr and "Restore it from a backup" not in result.stderr
        assert mirror.requests == {}
    finally:
        shutil.rmtree(shared, ignore_errors=True)


@pytest.fixture
def namespace_with_hosts(tmp_path):
    """A network namespace of the test's own whose /etc/hosts (`ip netns exec` mounts
    /etc/netns/NS/hosts over it) maps names to special addresses, with the mirror
    served inside it on its loopback."""
    name = f"nchosts{os.getpid() % 100000}"
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2")
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"network namespaces are not available here: {made.stderr!r}")
    hosts_dir = Path("/etc/netns") / name
    mirror = None
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        hosts_dir.mkdir(parents=True)
        (hosts_dir / "hosts").write_text("127.0.0.1 localhost nc-mirror.test\n169.254.169.254 nc-metadata.test\n"
                                         "10.0.0.5 nc-private.test\n")
        from conftest import REAL_PAGES, free_port

        port = free_port()
        mirror = subprocess.Popen(["ip", "netns", "exec", name, sys.executable, "-m", "newscrawl", "mirror", "--port",
                                   str(port), "--pages", str(REAL_PAGES[0].parent)], env=clean_env(),
                                  stderr=subprocess.PIPE, text=True)
        assert "serving" in mirror.stderr.readline()
        yield name, port
    finally:
        if mirror is not None:
            mirror.terminate()
            mirror.wait()
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
        shutil.rmtree(hosts_dir, ignore_errors=True)


def test_a_name_that_resolves_to_a_special_address_is_refused_before_any_request(namespace_with_hosts, tmp_path):
    name, port = namespace_with_hosts
    hosts = {"nc-metadata.test": "AEN20230419004700315", "nc-private.test": "AEN20230419002000320",
             "nc-mirror.test": "AEN20230419000952325"}
    urls = ",".join(f"http://{host}:{port}/view/{article_id}" for host, article_id in hosts.items())
    command, environment = crawl_command(f"http://127.0.0.1:{port}", "-a", f"urls={urls}", "-O", "out.jsonl")
    result = subprocess.run(["ip", "netns", "exec", name, *command], cwd=tmp_path, env=environment,
                            capture_output=True, text=True, timeout=120)
    log = result.stderr
    assert "refused: nc-metadata.test resolves to 169.254.169.254, a link-local address" in log
    assert "refused: nc-private.test resolves to 10.0.0.5, a private address" in log
    assert "Traceback" not in log
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [row["article_id"] for row in rows] == [hosts["nc-mirror.test"]]  # a name for loopback: the mirror
    assert log.count("refused: nc-metadata.test") == 1  # said once, not retried
