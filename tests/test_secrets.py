"""Credentials: masked in every message, refused where they do not belong."""
import subprocess
import sys

import pytest

from conftest import clean_env, crawl_command, run_crawl
from newscrawl.secrets import has_credentials, passwords_in, redacted, scrub

URLS = [
    ("postgresql://nc:Sup3rSecretPw@db:5432/newscrawl", "postgresql://nc:***@db:5432/newscrawl", ["Sup3rSecretPw"]),
    ("postgresql://nc@db/newscrawl?password=Sup3rSecretPw&sslmode=require",
     "postgresql://nc@db/newscrawl?password=***&sslmode=require", ["Sup3rSecretPw"]),
    ("postgresql://nc:p%40ss@h1:5432,h2:5433/newscrawl", "postgresql://nc:***@h1:5432,h2:5433/newscrawl",
     ["p%40ss", "p@ss"]),  # libpq's multi-host form, which urllib cannot parse
    ("postgres://nc:pw@db/x?PASSWORD=other", "postgres://nc:***@db/x?PASSWORD=***", ["other", "pw"]),
    ("postgresql://db:5432/newscrawl", "postgresql://db:5432/newscrawl", []),
    ("postgresql://nc@db/newscrawl", "postgresql://nc@db/newscrawl", []),
    ("http://admin:pw@scrapyd:6800", "http://admin:***@scrapyd:6800", ["pw"]),
]


@pytest.mark.parametrize("url, shown, passwords", URLS)
def test_every_credential_form_is_masked(url, shown, passwords):
    assert redacted(url) == shown
    assert passwords_in(url) == sorted(set(passwords), key=len, reverse=True)
    said = f"connection to {url} failed: password authentication failed for {passwords[0] if passwords else 'x'}"
    assert not any(password in scrub(said, url) for password in passwords)


@pytest.mark.parametrize("url, carries", [
    ("http://bob:pw@host/view/AEN20230419004700315", True), ("http://bob@host/view/x", True),
    ("https://en.yna.co.kr/view/AEN20230419004700315?x=a@b", False), ("http://host:8080/a@b", False),
])
def test_credentials_in_a_url_are_seen(url, carries):
    assert has_credentials(url) is carries


def test_a_postgres_password_in_any_form_never_reaches_a_log_or_a_message(postgres_server, postgres_url, tmp_path):
    import psycopg

    secret = "Sup3rSecretPw"
    server = f"127.0.0.1:{postgres_server.port}"
    database = postgres_url.rsplit("/", 1)[1]
    with psycopg.connect(postgres_url, autocommit=True) as admin:  # a database for each form
        admin.execute(f'DROP DATABASE IF EXISTS "{database}_q"')
        admin.execute(f'CREATE DATABASE "{database}_q"')
    forms = [f"postgresql://postgres:{secret}@{server}/{database}",  # trust auth: any password opens it
             f"postgresql://postgres@{server}/{database}_q?password={secret}"]
    from test_incremental import start_mirror, wait_for_rows

    mirror = start_mirror(article_delay=0.3)
    outputs = []
    try:
        for number, url in enumerate(forms):
            env = {"NEWSCRAWL_STATE_URL": url}
            command, environment = crawl_command(mirror.base_url, "-O", f"out/{number}.jsonl", "-a", "discover=rss",
                                                 "-s", "CONCURRENT_REQUESTS=1", "-s", "NEWSCRAWL_STATE_BATCH_SIZE=100",
                                                 env=env)
            victim = subprocess.Popen(command, cwd=tmp_path, env=environment, stderr=subprocess.PIPE, text=True)
            wait_for_rows(f"{number}.jsonl", tmp_path / "out", 2, victim)
            victim.kill()
            outputs.append(victim.communicate()[1])
            mirror.article_delay = 0
            status, log = run_crawl(mirror.base_url, "-O", f"out/again{number}.jsonl", cwd=tmp_path, env=env)
            assert status == 0 and "rows of an interrupted run taken" in log, log[-3000:]
            outputs.append(log)
            for command in (["export", "--state", url, "-o", "x.jsonl"], ["page", "AEN20230419999900315", "--state", url],
                            ["report", "--state", url, "-o", "r.html"], ["runs", "--state", url]):
                result = subprocess.run([sys.executable, "-m", "newscrawl", *command], cwd=tmp_path, capture_output=True,
                                        text=True, env=clean_env(), timeout=120)
                outputs += [result.stdout, result.stderr]
            outputs.append((tmp_path / "r.html").read_text(encoding="utf-8"))
            bad = url.replace(server, "127.0.0.1:9")  # unreachable: the driver's error quotes the URL
            status, log = run_crawl(mirror.base_url, "-O", "x.jsonl", cwd=tmp_path, env={"NEWSCRAWL_STATE_URL": bad})
            assert status == 1 and "***" in log
            outputs.append(log)
    finally:
        mirror.stop()
    assert not [text for text in outputs if secret in text]
