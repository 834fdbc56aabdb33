import pytest

from newscrawl.guards import control_port_problems, special_address

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
