import pytest

from newscrawl.guards import MOVED_COMPONENTS, control_port_problems, moved_component_problems, special_address

ADDRESSES = [
    ("http://169.254.169.254/view/AEN20230419004700315", (), "a link-local address"),
    ("http://[fe80::1]/view/AEN20230419004700315", (), "a link-local address"),
    ("http://[::ffff:169.254.169.254]/view/AEN20230419004700315", (), "a link-local address"),
    ("http://metadata.google.internal/view/AEN20230419004700315", (), "a cloud metadata host"),
    ("http://10.0.0.5/view/AEN20230419004700315", (), "a private address"),
    ("http://192.168.1.1/view/AEN20230419004700315", (), "a private address"),
    ("http://0.0.0.0/view/AEN20230419004700315", (), "an unspecified address"),
    ("http://224.0.0.1/view/AEN20230419004700315", (), "a multicast address"),
    ("http://240.0.0.1/view/AEN20230419004700315", (), "a reserved address"),
    ("http://127.0.0.1:8080/view/AEN20230419004700315", (), None),  # a local mirror
    ("http://[::1]/view/AEN20230419004700315", (), None),
    ("https://en.yna.co.kr/view/AEN20230419004700315", (), None),
    ("http://10.0.0.5/view/AEN20230419004700315", ("10.0.0.5",), None),  # allowed by setting
]


@pytest.mark.parametrize("url, allowed, reason", ADDRESSES)
def test_special_address(url, allowed, reason):
    assert special_address(url, allowed) == reason


@pytest.mark.parametrize("enabled, problems", [
    ((), 0), (("TELNETCONSOLE_ENABLED",), 1), (("TELNETCONSOLE_ENABLED", "REMOTE_CONTROL_ENABLED"), 2)])
def test_control_port_problems(enabled, problems):
    assert len(control_port_problems(lambda name: name in enabled)) == problems


MOVED = [
    ({"EXTENSIONS": {"newscrawl.incremental.IncrementalState": 500}},
     "setting EXTENSIONS names newscrawl.incremental.IncrementalState, which is now "
     "newscrawl.components.incremental.IncrementalState"),
    ({"EXTENSIONS": '{"newscrawl.report.RunReport": 900}'},  # -s EXTENSIONS='{...}' gives JSON text
     "which is now newscrawl.components.run_report.RunReport"),
    ({"DUPEFILTER_CLASS": "newscrawl.dupefilter.ArticleDupeFilter"},
     "which is now newscrawl.components.dupefilter.ArticleDupeFilter"),
    ({"FEED_STORAGES": {"file": "newscrawl.incremental.DurableFileFeedStorage"}},
     "which is now newscrawl.components.incremental.DurableFileFeedStorage"),
    ({"FEED_EXPORTERS": {"csv": "newscrawl.exporters.ArticleCsvItemExporter"}},
     "which is now newscrawl.components.exporters.ArticleCsvItemExporter"),
    ({"FEED_URI_PARAMS": "newscrawl.feeds.feed_uri_params"}, "which is now newscrawl.feeds.files.feed_uri_params"),
    ({"SPIDERMON_SPIDER_CLOSE_MONITORS": ["newscrawl.monitors.HealthMonitorSuite"]},
     "which is now newscrawl.components.monitors.HealthMonitorSuite"),
    ({"EXTENSIONS": "newscrawl.warc.extension.WarcArchive, newscrawl.workers.ExtractionWorkers"},
     "which is now newscrawl.components.archive.WarcArchive"),
    ({"ITEM_PIPELINES": {"newscrawl.monitors.MyOwnStats": 1}},  # not in the table: its module moved
     "but module newscrawl.monitors is now newscrawl.components.monitors"),
    ({"EXTENSIONS": {"newscrawl.components.incremental.IncrementalState": 500}}, None),  # the new paths
    ({"ITEM_PIPELINES": {"newscrawl.pipelines.DedupPipeline": 400}}, None),  # never moved
    ({"FEED_URI_PARAMS": "newscrawl.feeds.files.feed_uri_params"}, None),  # new, though it starts like the old
    ({"BOT_NAME": "newscrawl", "LOG_LEVEL": "INFO", "CONCURRENT_REQUESTS": 8}, None),
]


@pytest.mark.parametrize("settings, problem", MOVED)
def test_moved_component_problems(settings, problem):
    problems = moved_component_problems(settings)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) >= 1 and problem in problems[0] and "docs/running.md" in problems[0]


def test_every_moved_component_exists_at_its_new_path_and_not_at_its_old():
    from scrapy.utils.misc import load_object

    for old, new in MOVED_COMPONENTS.items():
        load_object(new)
        with pytest.raises((ImportError, NameError, AttributeError)):
            load_object(old)
