"""A deploy takes effect under the documented install (docs/scheduling.md): newscrawl
installed in scrapyd's environment with `pip install '.[service]'` (not editable), a changed
copy of the project deployed with scrapyd-deploy, and the job runs the deployed code."""
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import REAL_PAGES
from newscrawl.mirror import MirrorServer, build_site, load_articles
from test_scheduling import ROOT, Scrapyd, deploy

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def mirror():
    server = MirrorServer(build_site(load_articles(REAL_PAGES[:3]))).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def service_env(tmp_path_factory):
    """scrapyd's environment as docs/scheduling.md installs it: a venv with newscrawl
    installed from the project tree, not editable. Its dependencies (Scrapy, scrapyd, ...)
    come from this venv's site-packages through a .pth line, which adds the folder only
    (its editable-install hooks are not run), so the venv's only newscrawl is the copy."""
    home = tmp_path_factory.mktemp("service")
    source = home / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "data", "__pycache__", "build", "*.egg-info", ".pytest_cache", "tests", "benchmarks"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home / "venv")], check=True)
    python = home / "venv" / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    installed = subprocess.run([str(BIN / "pip"), "--python", str(python), "install", "--no-deps", "--quiet",
                                str(source)], capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    where = subprocess.run([str(python), "-c", "import newscrawl, newscrawl_runner; print(newscrawl.__file__)"],
                           capture_output=True, text=True, cwd=home)
    assert where.stdout.startswith(site), where.stdout + where.stderr  # the installed copy, as a user has it
    return python


def job_log_of(server, job):
    server.wait_finished(job)
    return server.job_log(job)


def origin_line(log: str) -> str:
    return next(line for line in log.splitlines() if "newscrawl 0." in line and " from " in line)


def test_a_deployed_change_runs_under_the_documented_install(tmp_path, service_env, mirror):
    project = tmp_path / "newscrawl"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(
        ".git", ".venv", "data", "__pycache__", "build", "*.egg-info", ".pytest_cache"))
    settings = project / "newscrawl" / "settings.py"
    # A user's change: a setting edited in their copy, then deployed.
    settings.write_text(settings.read_text().replace('BOT_NAME = "newscrawl"', 'BOT_NAME = "newscrawl-changed"'))
    arguments, job_settings = {"discover": "rss"}, {"YONHAP_BASE_URL": mirror.base_url,
                                                     "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0"}

    server = Scrapyd(tmp_path / "scrapyd", python=service_env).start()
    try:
        result = deploy(project, server.url, version="2")
        assert result.returncode == 0, result.stderr
        log = job_log_of(server, server.client().schedule("newscrawl", "yonhap", arguments, job_settings))
        assert "Traceback" not in log
        assert "(bot: newscrawl-changed)" in log  # the deployed setting took effect
        assert str(tmp_path / "scrapyd" / "eggs" / "newscrawl" / "2.egg") in origin_line(log)
        assert "is not the code that runs" not in log
    finally:
        server.stop()

    # scrapyd's stock runner, as the docs said to use before: the installed copy runs and
    # the job says so, naming the egg it passed over and the fix.
    server = Scrapyd(server.home, python=service_env)  # the same eggs, scrapyd.conf afresh
    conf = server.home / "scrapyd.conf"
    assert "runner            = newscrawl_runner" in conf.read_text()
    conf.write_text(conf.read_text().replace("runner            = newscrawl_runner", "runner = scrapyd.runner"))
    server.start()
    try:
        log = job_log_of(server, server.client().schedule("newscrawl", "yonhap", arguments, job_settings))
        assert "(bot: newscrawl)" in log and "site-packages" in origin_line(log)
        assert "2.egg is not the code that runs" in log and "runner = newscrawl_runner" in log
    finally:
        server.stop()
