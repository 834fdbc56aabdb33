"""The JSON schema of an exported Article, as Python data.

Kept in code, not in a .json file: a file path breaks inside a scrapyd egg, and a
module imports from anywhere. The SchemaValidationPipeline checks every item
against it before it is exported; docs/fields.md is the prose version of the same
rules.
"""
from __future__ import annotations

import functools

from newscrawl.items import ARTICLE_FIELDS

_ISO_CORE = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?[+-]\d{2}:\d{2}"  # with its UTC offset
_ISO_TIME = f"^{_ISO_CORE}$"
_ARTICLE_ID = r"^AEN\d{8}\d{4}\d{2}\d{3}$"
_TEXT = {"type": "string"}
_TEXT_LIST = {"type": "array", "items": {"type": "string", "minLength": 1}}

ARTICLE_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "newscrawl Article",
    "type": "object",
    "additionalProperties": False,
    "required": list(ARTICLE_FIELDS),
    "properties": {
        "article_id": {"type": "string", "pattern": _ARTICLE_ID},
        "story_id": {"type": "string", "pattern": r"^AEN\d{12}$"},
        "revision": {"type": "integer", "minimum": 0},
        "url": {"type": "string", "pattern": r"^https://en\.yna\.co\.kr/view/AEN\d{17}$"},
        "headline": {"type": "string", "minLength": 1, "pattern": r"^\S"},
        "headline_prefix": {"type": "string", "pattern": r"^(\([^()]+\)( \([^()]+\))*)?$"},
        "section": _TEXT,
        "keywords": _TEXT_LIST,
        "byline": _TEXT,
        "editor_note": _TEXT,
        "dateline": _TEXT,
        "dateline_city": _TEXT,
        "dateline_date": {"type": "string", "pattern": r"^(\d{4}-\d{2}-\d{2})?$"},
        "published_at": {"type": "string", "pattern": _ISO_TIME},
        "modified_at": {"type": "string", "pattern": f"^({_ISO_CORE})?$"},
        "body": {"type": "string", "minLength": 1},
        "author_emails": {"type": "array", "items": {"type": "string", "pattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$"}},
        "end_marker": {"enum": ["END", "MORE", ""]},
        "photos": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["url", "caption"],
                "properties": {"url": {"type": "string", "pattern": r"^https://"}, "caption": _TEXT},
            },
        },
        "related_ids": {"type": "array", "items": {"type": "string", "pattern": _ARTICLE_ID}},
        "word_count": {"type": "integer", "minimum": 1},
        "layout": {"enum": ["2023", "2019", "meta"]},
        "crawled_at": {"type": "string", "pattern": _ISO_TIME},
        "fetched_from": {"type": "string", "pattern": r"^(live|wayback|commoncrawl|https?://\S+)$"},
        "captured_at": {"type": "string", "pattern": _ISO_TIME},
    },
}


class ArticleValidator:
    """The schema's check of a record, at fastjsonschema's speed with jsonschema's
    messages: a record is checked by code compiled from the schema (0.03 ms, where
    jsonschema's validator takes 0.6 ms an item: a fifth of a bare crawl's CPU a page),
    and only one that fails is gone through by jsonschema for what is wrong with it.

    fastjsonschema reads the schema as draft-07, whose meaning for every keyword used
    here (type, pattern, enum, minLength, minimum, items, required,
    additionalProperties) is draft 2020-12's; tests/test_golden.py checks that the two
    agree on records broken every way."""

    def __init__(self) -> None:
        import fastjsonschema
        from jsonschema import Draft202012Validator

        Draft202012Validator.check_schema(ARTICLE_SCHEMA)
        self.detailed = Draft202012Validator(ARTICLE_SCHEMA)
        self._check = fastjsonschema.compile({**ARTICLE_SCHEMA, "$schema": "http://json-schema.org/draft-07/schema#"})
        self._failed = fastjsonschema.JsonSchemaValueException

    def is_valid(self, record: dict) -> bool:
        try:
            self._check(record)
        except self._failed:
            return False
        return True

    def iter_errors(self, record: dict):
        """jsonschema's errors for the record (none for a valid one)."""
        return iter(()) if self.is_valid(record) else self.detailed.iter_errors(record)


@functools.cache
def schema_validator() -> ArticleValidator:
    """The validator for ARTICLE_SCHEMA, built and checked once per process (building
    one costs more than validating many items)."""
    return ArticleValidator()
