import os
import re
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path

import pytest

from newscrawl.mirror import MirrorServer, build_site, load_articles

FIXTURES = Path(__file__).parent / "fixtures"
REAL_PAGES = sorted((FIXTURES / "pages").glob("*.html"))
DISALLOWED_PAGE = FIXTURES / "variants" / "disallowed_AEN20230419009900315.html"
DISALLOWED_ID = "AEN20230419009900315"


@pytest.fixture
def mirror():
    """The 11 real pages plus one article that robots.txt disallows, on 127.0.0.1."""
    server = MirrorServer(build_site(load_articles([*REAL_PAGES, DISALLOWED_PAGE]), [DISALLOWED_ID])).start()
    yield server
    server.stop()


@pytest.fixture
def serve():
    """Serve a hand-built site: {path: html bytes}; robots.txt allows everything."""
    servers = []

    def start(pages):
        site = {path: ("text/html; charset=utf-8", body) for path, body in pages.items()}
        site["/robots.txt"] = ("text/plain", b"User-agent: *\nDisallow:\n")
        servers.append(MirrorServer(site).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


# `python -W error::scrapy.exceptions.ScrapyDeprecationWarning` is silently ignored
# (the module is not imported when -W is read), so the filter is set in the process.
SCRAPY_WITH_DEPRECATIONS_AS_ERRORS = (
    "import sys, warnings; from scrapy.exceptions import ScrapyDeprecationWarning; "
    "warnings.simplefilter('error', ScrapyDeprecationWarning); "
    "from scrapy.cmdline import execute; execute(['scrapy', *sys.argv[1:]])"
)


def clean_env(**extra) -> dict:
    """This process's environment without the developer's NEWSCRAWL_/SCRAPY_/SCRAPYD_
    variables, plus `extra`: what a test's subprocess runs with."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSCRAWL_", "SCRAPYD_", "SCRAPY_"))}
    environment.update(extra)
    return environment


@contextmanager
def holding_process(setup: str, shown: str, keep_socket: str | None = None, outlives: float = 0):
    """A Python process that runs `setup`, prints `shown` (an expression) and sleeps;
    yields (the process, the line it printed), and kills it at the end. With
    `keep_socket` (an expression for a descriptor), a forked child keeps only that one
    open for `outlives` seconds: a PostgreSQL session that outlives its process (and its
    lock files), as a killed process's backend does for a moment."""
    lines = [textwrap.dedent(setup).strip()]
    if keep_socket:
        lines += [f"_socket = {keep_socket}",
                  "if os.fork() == 0:",
                  "    os.closerange(0, _socket)",
                  "    os.closerange(_socket + 1, 1 << 16)",
                  f"    time.sleep({outlives})",
                  "    os._exit(0)"]
    lines += [f"print({shown}, flush=True)", "time.sleep(120)"]
    script = "import os, time\n" + "\n".join(lines)
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=clean_env())
    try:
        yield holder, holder.stdout.readline().strip()
    finally:
        holder.kill()
        holder.wait()


def crawl_command(base_url, *args, env=None):
    """The command line and environment of `scrapy crawl yonhap` against base_url."""
    command = [sys.executable, "-c", SCRAPY_WITH_DEPRECATIONS_AS_ERRORS, "crawl", "yonhap",
               "-s", f"YONHAP_BASE_URL={base_url}", "-s", "AUTOTHROTTLE_ENABLED=False",
               "-s", "DOWNLOAD_DELAY=0", *args]
    return command, clean_env(SCRAPY_SETTINGS_MODULE="newscrawl.settings", **(env or {}))


def run_crawl(base_url, *args, cwd, env=None):
    """`scrapy crawl yonhap` in a subprocess against base_url; returns (status, log)."""
    command, environment = crawl_command(base_url, *args, env=env)
    result = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=120)
    return result.returncode, result.stderr


def stats_from_log(log):
    """The integer stats of the final 'Dumping Scrapy stats' block."""
    block = log.rsplit("Dumping Scrapy stats:", 1)[-1]
    return {key: int(value) for key, value in re.findall(r"'([^']+)': (\d+),?\n", block)}


@pytest.fixture
def tmpfs(tmp_path):
    """tmpfs(size) -> a new directory on a tmpfs of that size ("16k"): a nearly full
    disk, where a write is cut short in the middle (not /dev/full, where every write
    fails whole). Unmounted at the end; skipped where mounting is not allowed."""
    mounted = []

    def mount(size: str) -> Path:
        disk = tmp_path / f"disk{len(mounted)}"
        disk.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        mounted.append(disk)
        return disk

    yield mount
    for disk in mounted:
        subprocess.run(["umount", str(disk)], capture_output=True)


# -- a real PostgreSQL server, started by the tests themselves ------------------------
def _postgres_program(name):
    import glob
    import shutil

    return shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """A PostgreSQL server of the tests' own: initdb + pg_ctl in a temporary directory on
    a free port (as the postgres user when run as root: PostgreSQL refuses root)."""

    def __init__(self, initdb: str, pg_ctl: str):
        import shutil
        import tempfile

        self.pg_ctl = pg_ctl
        self.base = Path(tempfile.mkdtemp(prefix="newscrawl-pg-"))
        self.as_postgres = []
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self.port = free_port()
        subprocess.run([*self.as_postgres, initdb, "-D", str(self.base / "data"), "-A", "trust", "-U", "postgres",
                        "-E", "UTF8", "--no-sync"], check=True, capture_output=True)

    def start(self) -> None:
        subprocess.run([*self.as_postgres, self.pg_ctl, "-D", str(self.base / "data"), "-l", str(self.base / "log"), "-w",
                        "-o", f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                       check=True, capture_output=True)

    def stop(self, mode: str = "immediate") -> None:
        subprocess.run([*self.as_postgres, self.pg_ctl, "-D", str(self.base / "data"), "-m", mode, "stop"],
                       capture_output=True)


@pytest.fixture(scope="session")
def postgres_server():
    """The tests' PostgreSQL server, running (a test may stop it; it starts it again)."""
    import shutil

    initdb, pg_ctl = _postgres_program("initdb"), _postgres_program("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip("PostgreSQL is installed by .ci/run")
    server = PostgresServer(initdb, pg_ctl)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server, request):
    """A fresh, empty database on the test server, as a postgresql:// URL."""
    import re

    import psycopg

    name = "t_" + re.sub(r"[^a-z0-9]", "_", request.node.name.lower())[:50] + f"_{os.getpid()}"
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{postgres_server.port}/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}"')
        db.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1:{postgres_server.port}/{name}"
