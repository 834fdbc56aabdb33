import pytest

from newscrawl.ids import article_id_from_url, explicit_url, fetch_url, parse_article_id

BASE = "https://en.yna.co.kr"
MIRROR = "http://127.0.0.1:8080"
AID = "AEN20230419000952325"


@pytest.mark.parametrize("value, story_id, version, revision", [
    ("AEN20230419000952325", "AEN202304190009", 52, 2),
    ("AEN20230419002000320", "AEN202304190020", 0, 0),
    ("AEN20230419003851320", "AEN202304190038", 51, 1),
    ("AEN20230419003812320", "AEN202304190038", 12, None),  # outside the 00/5N scheme
])
def test_parse_article_id(value, story_id, version, revision):
    parsed = parse_article_id(value)
    assert (parsed.story_id, parsed.version, parsed.revision) == (story_id, version, revision)


@pytest.mark.parametrize("value", ["", None, "AKR20230419000952325", "PYH2023041900610004200", "AEN2023041900095232"])
def test_not_an_english_article_id(value):
    assert parse_article_id(value) is None


@pytest.mark.parametrize("link, base, expected", [
    (f"https://en.yna.co.kr/view/{AID}?section=nk/nk", BASE, f"{BASE}/view/{AID}"),
    (f"https://en.yna.co.kr/view/{AID}?input=rss", BASE, f"{BASE}/view/{AID}"),
    (f"//en.yna.co.kr/view/{AID}", BASE, f"{BASE}/view/{AID}"),
    (f"https://m-en.yna.co.kr/view/{AID}?input=fb", BASE, f"{BASE}/view/{AID}"),
    (f"http://en.yna.co.kr/view/{AID}", BASE, f"{BASE}/view/{AID}"),
    (f"/view/{AID}", BASE, f"{BASE}/view/{AID}"),
    # with a mirror as base, Yonhap's own links are fetched from the mirror
    (f"https://en.yna.co.kr/view/{AID}?section=news", MIRROR, f"{MIRROR}/view/{AID}"),
    (f"{MIRROR}/view/{AID}?input=rss", MIRROR, f"{MIRROR}/view/{AID}"),
    # other hosts and non-article pages are not followed from feeds
    (f"https://evil.example/view/{AID}", BASE, None),
    ("https://en.yna.co.kr/view/PYH2023041900610004200", BASE, None),
    ("https://en.yna.co.kr/news", BASE, None),
])
def test_fetch_url(link, base, expected):
    assert fetch_url(link, base) == expected


@pytest.mark.parametrize("link, expected", [
    (f"https://archive.example:8443/view/{AID}?x=1", f"https://archive.example:8443/view/{AID}"),
    (f"//m-en.yna.co.kr/view/{AID}", f"{BASE}/view/{AID}"),
    (f"ftp://en.yna.co.kr/view/{AID}", None),
    ("not a url", None),
])
def test_explicit_url(link, expected):
    assert explicit_url(link, BASE) == expected


def test_article_id_from_url_ignores_query_and_fragment():
    assert article_id_from_url(f"https://en.yna.co.kr/view/{AID}?section=x#top") == AID
