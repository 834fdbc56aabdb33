"""The Article schema's check: fastjsonschema's compiled code decides, jsonschema says
why; the two must agree on every record, whatever is broken in it."""
import json

import pytest

from conftest import FIXTURES
from newscrawl.items import ARTICLE_FIELDS
from newscrawl.schema import schema_validator

GOOD = {**json.loads((FIXTURES / "expected" / "AEN20230419000952325.json").read_text()),
        "crawled_at": "2026-12-01T00:00:00+00:00", "fetched_from": "live", "captured_at": "2026-12-01T00:00:00+00:00"}
assert set(GOOD) == set(ARTICLE_FIELDS)

BROKEN = [
    ("article_id", "AEN2023"), ("article_id", None), ("story_id", "AEN2023041900091"), ("revision", -1),
    ("revision", 1.5), ("revision", True), ("revision", "2"), ("url", "http://en.yna.co.kr/view/AEN20230419000952325"),
    ("headline", ""), ("headline", " leading space"), ("headline_prefix", "(LEAD"), ("headline_prefix", "LEAD"),
    ("section", 3), ("keywords", "NK"), ("keywords", [""]), ("keywords", [1]), ("byline", None),
    ("dateline_date", "2023-4-19"), ("published_at", "April 19, 2023"), ("published_at", "2023-04-19T11:12:32"),
    ("published_at", ""), ("modified_at", "yesterday"), ("body", ""), ("author_emails", ["not an e-mail"]),
    ("end_marker", "FIN"), ("end_marker", None), ("photos", [{"url": "http://x/y.jpg", "caption": ""}]),
    ("photos", [{"url": "https://x/y.jpg"}]), ("photos", [{"url": "https://x/y.jpg", "caption": "", "extra": 1}]),
    ("photos", {"url": "https://x/y.jpg"}), ("related_ids", ["AKR20230419000952325"]), ("word_count", 0),
    ("word_count", "660"), ("layout", "2025"), ("crawled_at", "now"), ("fetched_from", "archive.org"),
    ("fetched_from", "https://has space"), ("captured_at", ""),
]
FINE = [("modified_at", ""), ("dateline_date", ""), ("end_marker", ""), ("keywords", []), ("photos", []),
        ("fetched_from", "wayback"), ("fetched_from", "http://127.0.0.1:8080/coll"), ("revision", 0),
        ("published_at", "2023-04-19T11:12:32.5+09:00"), ("headline", "한국 headline")]


@pytest.mark.parametrize("field, value", BROKEN + FINE, ids=[f"{f}={v!r}" for f, v in BROKEN + FINE])
def test_the_compiled_check_and_jsonschema_agree(field, value):
    validator = schema_validator()
    record = {**GOOD, field: value}
    errors = list(validator.detailed.iter_errors(record))
    assert validator.is_valid(record) is (not errors)
    assert ((field, value) in BROKEN) is bool(errors)
    assert [e.message for e in validator.iter_errors(record)] == [e.message for e in errors]


def test_missing_and_unknown_fields_are_refused_by_both():
    validator = schema_validator()
    for record in ({k: v for k, v in GOOD.items() if k != "body"}, {**GOOD, "extra": 1}, [], "text"):
        assert not validator.is_valid(record) and list(validator.detailed.iter_errors(record))
    assert validator.is_valid(GOOD) and list(validator.iter_errors(GOOD)) == []
