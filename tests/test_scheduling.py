"""Scheduled crawls with a real scrapyd: deploy, schedule, trigger, the scheduler
service, the job listing, and authentication (docs/scheduling.md)."""
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest

from conftest import REAL_PAGES, clean_env, holding_process
from newscrawl.mirror import MirrorServer, build_site, load_articles
from newscrawl.scheduling.client import ScrapydClient

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
USER, PASSWORD = "crawler", "s3cret-for-tests"
REAL_IDS = sorted(p.stem for p in REAL_PAGES)
MIRROR_SETTINGS = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Scrapyd:
    """A real scrapyd in a subprocess: deploy/scrapyd.conf, a free port, temp dirs, auth."""

    def __init__(self, home: Path, port: int | None = None, env: dict | None = None, python: Path | None = None):
        self.home = home
        self.python = python or Path(sys.executable)  # scrapyd runs its jobs with its own Python
        self.env = env or {}
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = home / "data"
        home.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "deploy" / "scrapyd.conf", home / "scrapyd.conf")
        self.process = None

    def start(self) -> "Scrapyd":
        env = clean_env(SCRAPYD_HTTP_PORT=str(self.port), SCRAPYD_USERNAME=USER, SCRAPYD_PASSWORD=PASSWORD,
                        NEWSCRAWL_DATA_DIR=str(self.data_dir), **self.env)
        self.log = open(self.home / "scrapyd.out", "wb")
        self.process = subprocess.Popen([str(self.python), "-m", "scrapyd", "--pidfile="], cwd=self.home, env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        client = ScrapydClient(self.url, (USER, PASSWORD), timeout=2)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                client._call("daemonstatus.json")
                return self
            except Exception:
                assert self.process.poll() is None, (self.home / "scrapyd.out").read_text()
                time.sleep(0.2)
        raise AssertionError("scrapyd did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.log.close()

    def client(self) -> ScrapydClient:
        return ScrapydClient(self.url, (USER, PASSWORD))

    def wait_finished(self, job: str, timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            jobs = self.client().list_jobs("newscrawl")
            for finished in jobs["finished"]:
                if finished["id"] == job:
                    return finished
            time.sleep(0.3)
        raise AssertionError(f"job {job} did not finish: {jobs}")

    def job_log(self, job: str) -> str:
        return (self.home / "logs" / "newscrawl" / "yonhap" / f"{job}.log").read_text()


def deploy(project_copy: Path, url: str, *extra, user=USER, password=PASSWORD, version="1"):
    """scrapyd-deploy from the project, to a target named in a user-level scrapy.cfg."""
    xdg = project_copy.parent / "xdg"
    xdg.mkdir(exist_ok=True)
    (xdg / "scrapy.cfg").write_text(f"[deploy:test]\nurl = {url}/\n")
    env = clean_env(XDG_CONFIG_HOME=str(xdg), SCRAPYD_USERNAME=user, SCRAPYD_PASSWORD=password)
    return subprocess.run([str(BIN / "scrapyd-deploy"), "test", "--version", version, *extra], cwd=project_copy, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory):
    """The project tree as a user has it (scrapyd-deploy writes build files into it)."""
    target = tmp_path_factory.mktemp("project") / "newscrawl"
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(
        ".git", ".venv", "data", "__pycache__", "build", "*.egg-info", ".pytest_cache"))
    return target


@pytest.fixture(scope="module")
def egg(project_copy):
    path = project_copy.parent / "newscrawl.egg"
    result = deploy(project_copy, "http://127.0.0.1:9", "--build-egg", str(path))
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory, project_copy):
    server = Scrapyd(tmp_path_factory.mktemp("scrapyd")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def slow_mirror():
    server = MirrorServer(build_site(load_articles(REAL_PAGES)), article_delay=0.3).start()
    yield server
    server.stop()


def test_the_egg_holds_the_package_and_its_settings_entry_point_only(egg):
    names = zipfile.ZipFile(egg).namelist()
    # newscrawl_runner.py rides along (a py-module of the project); scrapyd imports the
    # environment's copy before any egg is activated, so the egg's copy is never used.
    assert {name.split("/")[0] for name in names} == {"newscrawl", "newscrawl_runner.py", "EGG-INFO"}
    assert "newscrawl/spiders/yonhap.py" in names and "newscrawl/settings.py" in names
    assert not [n for n in names if "test" in n or "fixture" in n or "benchmark" in n]
    entry_points = zipfile.ZipFile(egg).read("EGG-INFO/entry_points.txt").decode()
    assert "[scrapy]\nsettings = newscrawl.settings" in entry_points


def test_authentication_is_required(scrapyd, project_copy):
    with pytest.raises(HTTPError) as refused:
        urlopen(f"{scrapyd.url}/daemonstatus.json", timeout=5)
    assert refused.value.code == 401
    result = deploy(project_copy, scrapyd.url, password="wrong")
    assert result.returncode == 1
    assert "Deploy failed (401)" in result.stderr
    assert "wrong" not in result.stdout + result.stderr  # the password is not echoed
    with pytest.raises(Exception, match="refused the credentials"):
        ScrapydClient(scrapyd.url, (USER, "wrong")).list_jobs("newscrawl")


def test_deploy_schedule_and_list_a_crawl_of_the_mirror(scrapyd, project_copy, slow_mirror):
    result = deploy(project_copy, scrapyd.url)
    assert result.returncode == 0, result.stderr
    assert '"spiders": 1' in result.stdout

    # One-off run, as the docs' curl line does it: schedule.json with settings and arguments.
    job = scrapyd.client().schedule("newscrawl", "yonhap", {"discover": "rss"},
                                    {"YONHAP_BASE_URL": slow_mirror.base_url, "AUTOTHROTTLE_ENABLED": "False",
                                     "DOWNLOAD_DELAY": "0"})
    # newscrawl trigger while it runs: skipped.
    trigger = run_newscrawl("trigger", "--url", scrapyd.url, "-a", "discover=rss", *MIRROR_SETTINGS)
    assert trigger.returncode == 0, trigger.stderr
    assert trigger.stdout.startswith(f"skipped: job {job} of yonhap is still")
    finished = scrapyd.wait_finished(job)
    log = scrapyd.job_log(job)
    assert "Traceback" not in log
    assert ".egg" in log.split("newscrawl 0.", 1)[1].split("\n", 1)[0]  # the deployed egg's code ran

    feeds = list((scrapyd.data_dir / "feeds").glob(f"yonhap-*-{job}.jsonl"))
    assert len(feeds) == 1
    assert sorted(json.loads(line)["article_id"] for line in feeds[0].read_text().splitlines()) == REAL_IDS
    report = json.loads(feeds[0].with_name(feeds[0].name.replace(".jsonl", ".report.json")).read_text())
    assert (report["job"], report["items_exported"], report["arguments"]) == (job, 11, {"discover": "rss"})
    # The job archived its pages under its data dir, and each row leads back to its page.
    assert report["stats"]["newscrawl/warc/responses"] >= 12
    assert list((scrapyd.data_dir / "warc").glob("newscrawl-*.warc.gz"))
    page = run_newscrawl("page", REAL_IDS[0], "--state", str(scrapyd.data_dir / "state" / "newscrawl.sqlite3"))
    assert page.returncode == 0 and REAL_IDS[0] in page.stdout, page.stderr

    # Now nothing runs: trigger schedules a job (the state store makes it fetch nothing new).
    trigger = run_newscrawl("trigger", "--url", scrapyd.url, "-a", "discover=rss", "-s",
                            f"YONHAP_BASE_URL={slow_mirror.base_url}", *MIRROR_SETTINGS)
    assert trigger.returncode == 0 and trigger.stdout.startswith("scheduled "), trigger.stderr
    second = trigger.stdout.split()[1].strip()
    scrapyd.wait_finished(second)

    listing = run_newscrawl("jobs", "--url", scrapyd.url, "--data-dir", str(scrapyd.data_dir), "--json")
    assert listing.returncode == 0, listing.stderr
    rows = {row["job"]: row for row in json.loads(listing.stdout)}
    assert rows[job]["state"] == "finished" and rows[job]["items"] == 11 and rows[job]["feed"] == str(feeds[0])
    assert rows[second]["items"] == 0
    assert rows[job]["healthy"] is True and rows[second]["healthy"] is True  # nothing new is healthy
    table = run_newscrawl("jobs", "--url", scrapyd.url, "--data-dir", str(scrapyd.data_dir)).stdout
    assert table.splitlines()[0].split() == ["STATE", "JOB", "SPIDER", "START", "ITEMS", "HEALTH", "FEED"]
    assert job in table and str(feeds[0]) in table
    assert finished["log_url"].endswith(f"{job}.log")
    whole = scrapyd.job_log(job).encode()
    assert scrapyd.client().log_tail(finished["log_url"], size=2000).encode() == whole[-2000:]  # a range
    assert scrapyd.client().log_tail(finished["log_url"], size=len(whole) + 10).encode() == whole

    # From anywhere, without the node's data dir or a shared store: each run's outcome
    # comes from its log on the node.
    anywhere = project_copy.parent / "anywhere"
    anywhere.mkdir()
    elsewhere = subprocess.run([sys.executable, "-m", "newscrawl", "jobs", "--url", scrapyd.url, "--json"],
                               capture_output=True, text=True, cwd=anywhere, timeout=60,
                               env=clean_env(SCRAPYD_USERNAME=USER, SCRAPYD_PASSWORD=PASSWORD))
    assert elsewhere.returncode == 0, elsewhere.stderr
    remote = {row["job"]: row for row in json.loads(elsewhere.stdout)}
    assert (remote[job]["items"], remote[job]["healthy"], remote[job]["feed"]) == (11, True, str(feeds[0])), json.dumps(remote[job])
    assert remote[second]["items"] == 0 and remote[job]["report"] == str(
        feeds[0].with_name(feeds[0].name.replace(".jsonl", ".report.json")))

    # A job that dies before crawling logs no outcome: the listing says where it looked.
    broken = scrapyd.client().schedule("newscrawl", "yonhap", {"since": "not-a-date"}, {})
    scrapyd.wait_finished(broken)
    table = subprocess.run([sys.executable, "-m", "newscrawl", "jobs", "--url", scrapyd.url], capture_output=True,
                           text=True, cwd=anywhere, timeout=60,
                           env=clean_env(SCRAPYD_USERNAME=USER, SCRAPYD_PASSWORD=PASSWORD)).stdout
    line = next(line for line in table.splitlines() if broken in line)
    assert f"NO REPORT under {anywhere / 'data'} or in its scrapyd log (no run outcome in " in line
    assert f"{scrapyd.url}/logs/newscrawl/yonhap/{broken}.log)" in line


def run_newscrawl(*args, env=None, timeout=60):
    environment = clean_env(SCRAPYD_USERNAME=USER, SCRAPYD_PASSWORD=PASSWORD, **(env or {}))
    return subprocess.run([sys.executable, "-m", "newscrawl", *args], capture_output=True, text=True,
                          env=environment, timeout=timeout)


def test_trigger_checks_arguments_and_reports_scrapyd_down():
    bad = run_newscrawl("trigger", "--url", "http://127.0.0.1:9", "-a", "since=yesterday")
    assert bad.returncode == 2 and "since must be a date YYYY-MM-DD" in bad.stderr
    port = run_newscrawl("trigger", "--url", "http://127.0.0.1:9", "-s", "TELNETCONSOLE_ENABLED=True")
    assert port.returncode == 2 and "TELNETCONSOLE_ENABLED would open a control port" in port.stderr
    moved = run_newscrawl("trigger", "--url", "http://127.0.0.1:9", "-s", "DUPEFILTER_CLASS=newscrawl.dupefilter.ArticleDupeFilter")
    assert moved.returncode == 2 and "which is now newscrawl.components.dupefilter.ArticleDupeFilter" in moved.stderr
    down = run_newscrawl("trigger", "--url", f"http://127.0.0.1:{free_port()}")
    assert down.returncode == 1 and "is unreachable" in down.stderr and "Traceback" not in down.stderr
    assert PASSWORD not in down.stdout + down.stderr


def test_scheduler_service_survives_scrapyd_down_skips_busy_ticks_and_stops_on_sigterm(tmp_path, project_copy, egg,
                                                                                      slow_mirror):
    port = free_port()
    environment = clean_env(SCRAPYD_USERNAME=USER, SCRAPYD_PASSWORD=PASSWORD)
    service = subprocess.Popen(
        [sys.executable, "-m", "newscrawl", "schedule", "--every", "1", "--retry-delays", "0.2",
         "--url", f"http://127.0.0.1:{port}", "-a", "discover=rss", "-s", f"YONHAP_BASE_URL={slow_mirror.base_url}",
         *MIRROR_SETTINGS], env=environment, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    server = None
    try:
        time.sleep(2.5)  # two ticks with scrapyd down
        assert service.poll() is None
        server = Scrapyd(tmp_path / "late-scrapyd", port=port).start()
        result = deploy(project_copy, server.url, "--egg", str(egg))
        assert result.returncode == 0, result.stderr
        deadline = time.monotonic() + 60
        while not (jobs := server.client().list_jobs("newscrawl"))["finished"]:
            assert time.monotonic() < deadline, "no job finished"
            time.sleep(0.3)
        assert len(jobs["finished"]) == 1  # the ticks while it ran were skipped
        service.send_signal(signal.SIGTERM)
        _, log = service.communicate(timeout=30)
    finally:
        if service.poll() is None:
            service.kill()
        if server:
            server.stop()
    assert service.returncode == 0
    assert "is unreachable" in log and "retrying in 0.2 s" in log
    assert "scheduled yonhap job" in log
    assert "skipped: job" in log and "is still running" in log
    assert log.rstrip().endswith("scheduler stopped")
    assert "Traceback" not in log and PASSWORD not in log


def test_two_nodes_share_a_postgres_store_and_the_scheduler_uses_the_one_that_is_up(tmp_path, project_copy, egg,
                                                                                   postgres_url):
    mirror = MirrorServer(build_site(load_articles(REAL_PAGES)), article_delay=0.2).start()
    nodes = [Scrapyd(tmp_path / name, env={"NEWSCRAWL_STATE_URL": postgres_url}).start() for name in ("a", "b")]
    service = None
    try:
        for node in nodes:
            result = deploy(project_copy, node.url, "--egg", str(egg))
            assert result.returncode == 0, result.stderr
        service = subprocess.Popen(
            [sys.executable, "-m", "newscrawl", "schedule", "--every", "1", "--retry-delays", "0.2",
             "--url", nodes[0].url, "--url", nodes[1].url, "-a", "discover=rss",
             "-s", f"YONHAP_BASE_URL={mirror.base_url}", *MIRROR_SETTINGS],
            env=clean_env(SCRAPYD_USERNAME=USER, SCRAPYD_PASSWORD=PASSWORD), stderr=subprocess.PIPE, text=True)

        def finished(node):
            return node.client().list_jobs("newscrawl")["finished"]

        deadline = time.monotonic() + 90
        while not (finished(nodes[0]) and finished(nodes[1])):  # the ticks used both nodes
            assert time.monotonic() < deadline, "no job finished on both nodes"
            time.sleep(0.3)
        nodes[0].stop()  # node a goes down: the next ticks run on b
        before = len(finished(nodes[1]))
        deadline = time.monotonic() + 60
        while len(finished(nodes[1])) < before + 2:
            assert time.monotonic() < deadline, "no more jobs on node b"
            time.sleep(0.3)
        service.send_signal(signal.SIGTERM)
        _, log = service.communicate(timeout=30)
    finally:
        if service is not None and service.poll() is None:
            service.kill()
        for node in nodes:
            node.stop()
        mirror.stop()
    assert service.returncode == 0 and "Traceback" not in log and PASSWORD not in log
    assert f"on {nodes[0].url}" in log and f"on {nodes[1].url}" in log
    assert f"scrapyd at {nodes[0].url}" in log and "passed over this tick" in log  # the down node, said
    rows = [json.loads(line)["article_id"] for node in nodes
            for feed in (node.data_dir / "feeds").glob("yonhap-*.jsonl") for line in feed.read_text().splitlines()]
    assert sorted(rows) == REAL_IDS  # every article once, across both nodes' feeds
    assert all(mirror.requests[f"/view/{i}"] == 1 for i in REAL_IDS)


def test_credentials_from_an_auth_file_or_the_environment(tmp_path, caplog):
    from newscrawl.scheduling.client import CredentialsError, ScrapydError, read_credentials
    from newscrawl.scheduling.trigger import with_retries

    auth = tmp_path / "auth"
    auth.write_text("crawler:pa:ss\n")
    auth.chmod(0o600)
    assert read_credentials(str(auth)) == ("crawler", "pa:ss")
    assert not caplog.records
    auth.chmod(0o644)
    read_credentials(str(auth))
    assert "can be read by other users" in caplog.text
    auth.write_text("just-a-password\n")
    with pytest.raises(ValueError, match="expected one line user:password"):
        read_credentials(str(auth))
    with pytest.raises(ValueError, match="No such file"):
        read_credentials(str(tmp_path / "missing"))
    assert read_credentials(None, {"SCRAPYD_USERNAME": "u", "SCRAPYD_PASSWORD": "p"}) == ("u", "p")
    assert read_credentials(None, {"SCRAPYD_USERNAME": "u"}) is None

    calls = []

    def refuse():
        calls.append(1)
        raise CredentialsError("refused")

    assert with_retries(refuse, [0, 0]) is None and len(calls) == 1  # wrong credentials: no retry

    def down():
        calls.append(1)
        raise ScrapydError("down")

    calls.clear()
    assert with_retries(down, [0, 0]) is None and len(calls) == 3


def test_job_listing_shows_health_from_the_reports(tmp_path):
    from newscrawl.monitoring.run_report import find_reports, read_progress
    from newscrawl.scheduling.jobs import format_job_rows, job_rows

    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "yonhap-gone-zzz.report.json").symlink_to(tmp_path / "nowhere")  # a dangling link is skipped
    (tmp_path / "progress").mkdir()
    (tmp_path / "progress" / "ccc.json").write_text(json.dumps({"line": "day reached 2023-04-19, 40% done"}))
    (feeds / "yonhap-2026-11-27T06-00-00+00-00-aaa.report.json").write_text(json.dumps(
        {"items_exported": 0, "healthy": False, "failed_checks": ["items", "unknown_layout"],
         "feeds": [{"path": "/data/feeds/yonhap-2026-11-27T06-00-00+00-00-aaa.jsonl"}]}))
    jobs = {"finished": [{"id": "aaa", "spider": "yonhap", "start_time": "2026-11-27 06:00:00.1"},
                         {"id": "bbb", "spider": "yonhap", "start_time": "2026-11-27 06:15:00.1"}],
            "running": [{"id": "ccc", "spider": "yonhap", "start_time": "2026-11-27 06:30:00.1"}]}
    rows = job_rows(jobs, find_reports(tmp_path), lambda job: read_progress(tmp_path, job))
    assert [r["job"] for r in rows] == ["ccc", "bbb", "aaa"]
    table = format_job_rows(rows, str(tmp_path)).splitlines()
    assert "FAILED: items, unknown_layout" in table[3] and "yonhap-2026-11-27T06-00-00+00-00-aaa.jsonl" in table[3]
    assert f"NO REPORT under {tmp_path}" in table[2]  # it says where it looked
    assert table[1].split()[:2] == ["running", "ccc"] and "day reached 2023-04-19, 40% done" in table[1]


# -- nodes that misbehave: fake scrapyd answers ------------------------------------------
class FakeNode:
    """An HTTP server on 127.0.0.1 that answers like scrapyd (`answer`: "ok"), or with
    JSON that is not scrapyd's ("list", "null", "yes"), or trickles a byte every 3 s
    ("trickle"); `scheduled` counts schedule.json calls."""

    def __init__(self, answer: str):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        node = self
        self.answer, self.scheduled, self.finished = answer, 0, []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self):
                if node.answer == "trickle":
                    try:
                        for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}":
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(3)
                    except OSError:
                        pass
                    return
                if self.path.startswith("/schedule.json"):
                    node.scheduled += 1
                    body = {"status": "ok", "jobid": f"job{node.scheduled}"}
                elif node.answer == "ok" and node.finished:
                    body = {"status": "ok", "pending": [], "running": [], "finished": node.finished}
                else:
                    body = {"ok": {"status": "ok", "pending": [], "running": [], "finished": []}, "list": [],
                            "null": None, "yes": {"status": "ok", "running": "yes"}}[node.answer]
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._reply()

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self._reply()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def nodes():
    made = []

    def make(answer):
        made.append(FakeNode(answer))
        return made[-1]

    yield make
    for node in made:
        node.stop()


@pytest.mark.parametrize("answer", ["list", "null", "yes", "trickle"])
def test_a_node_that_misanswers_is_passed_over_and_the_healthy_one_gets_the_crawl(nodes, answer):
    from newscrawl.scheduling.trigger import Trigger

    bad, good = nodes(answer), nodes("ok")
    started = time.monotonic()
    result = Trigger([ScrapydClient(bad.url, timeout=2), ScrapydClient(good.url, timeout=2)])()
    assert result == f"scheduled job1 on {good.url}" and good.scheduled == 1
    assert time.monotonic() - started < 5  # a trickling node is cut off at the call's deadline
    trigger = run_newscrawl("trigger", "--url", bad.url, timeout=60)
    assert trigger.returncode == 1 and "Traceback" not in trigger.stderr
    assert len(trigger.stderr.strip().splitlines()) <= 3, trigger.stderr


def test_a_scheduler_stops_within_5_s_whatever_a_node_does(nodes, tmp_path):
    trickling = nodes("trickle")
    service = subprocess.Popen([sys.executable, "-m", "newscrawl", "schedule", "--every", "1", "--url", trickling.url],
                               env=clean_env(NEWSCRAWL_DATA_DIR=str(tmp_path)), stderr=subprocess.PIPE, text=True,
                               cwd=tmp_path)
    try:
        time.sleep(2.5)  # a tick is under way, its node trickling
        service.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        _, log = service.communicate(timeout=30)
        assert time.monotonic() - stopped < 5, log
    finally:
        if service.poll() is None:
            service.kill()
    assert service.returncode == 0 and "Traceback" not in log


@pytest.mark.parametrize("shared_store", [False, True])
def test_a_second_scheduler_for_the_same_nodes_refuses_to_start(nodes, tmp_path, request, shared_store):
    node = nodes("ok")
    env = clean_env(NEWSCRAWL_DATA_DIR=str(tmp_path))
    if shared_store:
        env["NEWSCRAWL_STATE_URL"] = request.getfixturevalue("postgres_url")
    command = [sys.executable, "-m", "newscrawl", "schedule", "--every", "30", "--url", node.url]
    first = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        time.sleep(2)
        assert first.poll() is None
        other_dir = tmp_path / "elsewhere"  # another data dir: only the shared store joins them
        second = subprocess.run(command, env=dict(env, NEWSCRAWL_DATA_DIR=str(other_dir) if shared_store else str(tmp_path)),
                                capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert second.returncode == 1 and "Traceback" not in second.stderr
        assert "another newscrawl schedule runs for these nodes" in second.stderr.strip().splitlines()[-1]
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=30)


def test_a_scrapyd_url_with_credentials_is_refused_without_showing_them():
    result = run_newscrawl("trigger", "--url", "http://admin:hunter2pw@127.0.0.1:9")
    assert result.returncode == 2 and "carries credentials" in result.stderr and "--auth-file" in result.stderr
    assert "hunter2pw" not in result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    listed = run_newscrawl("jobs", env={"NEWSCRAWL_SCRAPYD_URL": "http://admin:hunter2pw@127.0.0.1:9"})
    assert listed.returncode != 0 and "hunter2pw" not in listed.stdout + listed.stderr


def test_jobs_shows_a_job_another_node_ran_from_the_shared_store(nodes, tmp_path):
    from conftest import run_crawl

    server = MirrorServer(build_site(load_articles(REAL_PAGES))).start()
    store = tmp_path / "shared.sqlite3"
    try:
        # A job as scrapyd runs it on "another node": its own data dir, its report there.
        status, log = run_crawl(server.base_url, "-a", "_job=3f2a9c", "-a", "discover=rss", cwd=tmp_path,
                                env={"NEWSCRAWL_STATE_PATH": str(store), "NEWSCRAWL_DATA_DIR": str(tmp_path / "node-b")})
    finally:
        server.stop()
    assert status == 0, log[-3000:]
    node = nodes("ok")
    node.finished = [{"id": "3f2a9c", "spider": "yonhap", "start_time": "2026-12-01 06:00:00.1"}]
    here = tmp_path / "node-a"  # this machine's data dir holds no report of it
    alone = run_newscrawl("jobs", "--url", node.url, "--data-dir", str(here))
    assert alone.returncode == 0 and f"NO REPORT under {here}" in alone.stdout
    shared = run_newscrawl("jobs", "--url", node.url, "--data-dir", str(here), "--state", str(store))
    assert shared.returncode == 0, shared.stderr
    line = shared.stdout.splitlines()[1]
    assert line.split()[:2] == ["finished", "3f2a9c"] and f" {len(REAL_IDS)} " in line and " ok " in line


@pytest.mark.parametrize("session_outlives, taken", [(0.6, True), (6, False)])
def test_a_scheduler_started_at_once_after_a_kill_takes_the_lock_once_the_old_session_ends(
        postgres_url, tmp_path, session_outlives, taken):
    """kill -9, then at once the next scheduler: the old session's lock is held until the
    server has read the closed socket (made slow here: a child keeps the socket open). It
    is waited for; a lock that stays held (a live scheduler) still refuses the start."""
    from newscrawl.scheduling.lock import SchedulerLock, SchedulerRunning

    with holding_process(f"""
        from newscrawl.scheduling.lock import SchedulerLock
        lock = SchedulerLock(["http://127.0.0.1:9"], {postgres_url!r}, {str(tmp_path)!r})
        lock.acquire()
    """, "'held'", keep_socket="lock._held.pgconn.socket", outlives=session_outlives) as (holder, shown):
        assert shown == "held"
        holder.kill()
        holder.wait()
        lock = SchedulerLock(["http://127.0.0.1:9"], postgres_url, tmp_path)
        if taken:
            lock.acquire()
            lock.release()
        else:
            with pytest.raises(SchedulerRunning, match="another newscrawl schedule runs"):
                lock.acquire()
