"""A story's versions as a chain of changes, and one scalar row per change (no Scrapy
import).

Versions go 00, 51 (LEAD), 52 (2nd LD), ...; each consecutive pair the store holds is
diffed. A pair across a missing version is not: the missing one is a gap. A chain may
start at 51 (the full story after an (URGENT) flash, which has a serial of its own and
is never chained to it: nothing on a page we know of links the two), and one whose
lowest version is above 51 has earlier versions that are unknown: nothing is diffed
against them.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable, Iterator

from newscrawl.ids import parse_article_id
from newscrawl.revisions.diff import align, paragraphs, word_changes
from newscrawl.revisions.notes import parse_note


def version_of(record: dict) -> int | None:
    parsed = parse_article_id(record.get("article_id"))
    return parsed.version if parsed else None


def _step(version: int | None) -> int | None:
    """The version's place in the sequence 00, 51, 52, ...; None outside it."""
    if version == 0:
        return 0
    return version - 50 if version is not None and 51 <= version <= 99 else None


def is_flash(record: dict) -> bool:
    return version_of(record) == 0 and "(URGENT)" in (record.get("headline_prefix") or "").upper()


def _minutes(older: dict, newer: dict) -> float | None:
    try:
        seconds = (datetime.fromisoformat(newer["published_at"]) - datetime.fromisoformat(older["published_at"]))
    except (KeyError, TypeError, ValueError):
        return None
    return round(seconds.total_seconds() / 60, 1)


def _new_items(before: Iterable[str], after: Iterable[str]) -> list[str]:
    known = set(before)
    return [item for item in dict.fromkeys(after) if item not in known]


TEXT_FIELDS = ("article_id", "story_id", "headline", "headline_prefix", "editor_note", "body", "published_at",
               "section", "byline", "dateline")


def _is_list(value) -> bool:
    """A list, or a Parquet row's array: not text, not a mapping, not a number."""
    return hasattr(value, "__iter__") and not isinstance(value, (str, bytes, dict))


def normalized(record: dict, malformed: list[str] | None = None) -> dict:
    """The fields a diff reads, each of its type: a text field that is not text is
    read as empty, a list field that is not a list as none, and keywords that are not
    text and photos without a text URL are left out (a hand-edited feed, a store
    written by hand). Each record so read is named, with its fields, in `malformed`."""
    clean = dict(record)
    bad = [name for name in TEXT_FIELDS if not isinstance(clean.get(name) or "", str)]
    for name in bad:
        clean[name] = ""
    for name in ("keywords", "photos"):
        value = clean.get(name)
        if value is not None and not _is_list(value) and value != "":
            bad.append(name)
    keywords = list(clean["keywords"]) if _is_list(clean.get("keywords")) else []
    clean["keywords"] = [k for k in keywords if isinstance(k, str)]
    photos = list(clean["photos"]) if _is_list(clean.get("photos")) else []
    clean["photos"] = [{"url": p["url"], "caption": p.get("caption") if isinstance(p.get("caption"), str) else ""}
                       for p in photos if isinstance(p, dict) and isinstance(p.get("url"), str) and p["url"]]
    if len(clean["keywords"]) != len(keywords) and "keywords" not in bad:
        bad.append("keywords")
    if len(clean["photos"]) != len(photos) and "photos" not in bad:
        bad.append("photos")
    if malformed is not None and bad:
        malformed.append(f"{clean['article_id'] or '(no article_id)'}: {', '.join(bad)}")
    return clean


def _photo_key(url: str) -> str:
    """A photo's URL without its scheme: http and https of one file are one photo."""
    return url.split("://", 1)[-1]


def _photo_urls(record: dict) -> list[str]:
    return [p["url"] for p in record.get("photos") or []]


def _photos_changed(older: dict, newer: dict) -> bool:
    """Any photo in or out, or a caption or the order changed."""
    def photos(record):
        return [(_photo_key(p["url"]), " ".join(p["caption"].split())) for p in record.get("photos") or []]

    return photos(older) != photos(newer)


def _text(record: dict, name: str) -> str:
    return " ".join(str(record.get(name) or "").split())


def change(older: dict, newer: dict) -> dict:
    """What changed from one version to the next (JSON-ready, docs/fields.md); both
    records as `normalized` gives them."""
    old_paras, new_paras = paragraphs(older.get("body")), paragraphs(newer.get("body"))
    moved = align(old_paras, new_paras)
    added, removed = moved.added, moved.removed
    changed = [new for _, new in moved.changed]
    headline = None
    if _text(older, "headline") != _text(newer, "headline"):
        headline = {"from": older.get("headline") or "", "to": newer.get("headline") or ""}
    old_photos = {_photo_key(url) for url in _photo_urls(older)}
    new_photos = {_photo_key(url) for url in _photo_urls(newer)}
    photos_added = [url for url in dict.fromkeys(_photo_urls(newer)) if _photo_key(url) not in old_photos]
    photos_removed = [url for url in dict.fromkeys(_photo_urls(older)) if _photo_key(url) not in new_photos]
    note = parse_note(newer.get("editor_note"))
    named = note.paragraphs(len(new_paras))
    named_removed = note.paragraphs(len(old_paras), removing=True)
    checks = [number in added or number in changed for number in named]
    checks += [number in removed for number in named_removed]
    targets = note.targets()
    if "headline" in targets:
        checks.append(headline is not None)
    if "photo" in targets:
        checks.append(_photos_changed(older, newer))
    for name in ("byline", "dateline"):
        if name in targets:
            checks.append(_text(older, name) != _text(newer, name))
    return {
        "from": older["article_id"],
        "to": newer["article_id"],
        "minutes": _minutes(older, newer),
        "headline": headline,
        "added": added,
        "removed": removed,
        "changed": changed,
        "words": {str(new): [list(run) for run in word_changes(old_paras[old - 1], new_paras[new - 1])]
                  for old, new in moved.changed},
        "photos_added": photos_added,
        "photos_removed": photos_removed,
        "keywords_added": _new_items(older["keywords"], newer["keywords"]),
        "keywords_removed": _new_items(newer["keywords"], older["keywords"]),
        "note": newer.get("editor_note") or "",
        "note_actions": note.actions,
        "note_paragraphs": named,
        "note_agrees": all(checks) if checks else None,
    }


def chain(records: Iterable[dict]) -> dict:
    """A story's versions held and the changes between consecutive ones (JSON-ready).
    `records`: the versions of one story, in any order, as `normalized` gives them.

    Versions outside the scheme (an id's version digits 01-50) are listed but never
    diffed, and do not stand between the ones in it. Two versions with one number (the
    same story key under two desk codes) are each listed; the next version is diffed
    against the one of its own desk, or the first."""
    held = sorted((r for r in records if version_of(r) is not None),
                  key=lambda r: (version_of(r), r.get("article_id", "")))
    if not held:
        raise ValueError("no versions")
    by_step: dict[int, list[dict]] = {}
    for record in held:
        step = _step(version_of(record))
        if step is not None:
            by_step.setdefault(step, []).append(record)
    known = sorted(by_step)
    gaps = [50 + s if s else 0 for s in range(known[0], known[-1] + 1) if s not in by_step] if known else []
    changes = []
    for step in known:
        if step - 1 not in by_step:
            continue
        before = by_step[step - 1]
        for newer in by_step[step]:
            desk = newer["article_id"][-3:]
            older = next((r for r in before if r["article_id"][-3:] == desk), before[0])
            changes.append(change(older, newer))
    outside = [r["article_id"] for r in held if _step(version_of(r)) is None]
    story = {"story_id": held[0]["article_id"][:15], "versions": [r["article_id"] for r in held], "gaps": gaps,
             "changes": changes}
    if outside:
        story["outside_scheme"] = outside
    return story


def by_story(records: Iterable[dict]) -> list[dict]:
    """Records ordered as `chains` takes them (the store's records_by_story order): a
    story's versions together, lowest revision first."""
    return sorted(records, key=lambda r: (r["article_id"][:15], int(r.get("revision") or 0), r["article_id"]))


def chains(records: Iterable[dict], malformed: list[str] | None = None) -> Iterator[tuple[list[dict], dict]]:
    """(versions, chain) of each story, from records ordered by story (as the store's
    records_by_story gives them): one story in memory at a time. Records are
    `normalized` first (malformed fields named in `malformed`)."""
    story, versions = None, []
    for record in records:
        record = normalized(record, malformed)
        if version_of(record) is None:
            continue  # no article id to place it by (the store and the feed readers let none through)
        key = record["article_id"][:15]
        if key != story and versions:
            yield versions, chain(versions)
            versions = []
        story = key
        versions.append(record)
    if versions:
        yield versions, chain(versions)


CHANGE_COLUMNS = ("story_id", "from", "to", "from_version", "to_version", "published_at", "minutes", "section",
                  "headline", "headline_changed", "headline_from", "headline_to", "added", "removed", "changed",
                  "words_added", "words_removed", "photos_added", "photos_removed", "keywords_added",
                  "keywords_removed", "note", "note_actions", "note_paragraphs", "note_agrees")


def change_row(versions: list[dict], item: dict) -> dict:
    """One change as a row of scalars (CHANGE_COLUMNS): the lists as their lengths."""
    by_id = {r["article_id"]: r for r in versions}
    newer = by_id[item["to"]]
    words = [run for runs in item["words"].values() for run in runs]
    return {
        "story_id": item["to"][:15], "from": item["from"], "to": item["to"],
        "from_version": version_of(by_id[item["from"]]), "to_version": version_of(newer),
        "published_at": newer.get("published_at") or "", "minutes": item["minutes"],
        "section": newer.get("section") or "", "headline": newer.get("headline") or "",
        "headline_changed": item["headline"] is not None,
        "headline_from": item["headline"]["from"] if item["headline"] else "",
        "headline_to": item["headline"]["to"] if item["headline"] else "",
        "added": len(item["added"]), "removed": len(item["removed"]), "changed": len(item["changed"]),
        "words_added": sum(len(text.split()) for op, text in words if op == "+"),
        "words_removed": sum(len(text.split()) for op, text in words if op == "-"),
        "photos_added": len(item["photos_added"]), "photos_removed": len(item["photos_removed"]),
        "keywords_added": len(item["keywords_added"]), "keywords_removed": len(item["keywords_removed"]),
        "note": item["note"], "note_actions": " ".join(item["note_actions"]),
        "note_paragraphs": len(item["note_paragraphs"]), "note_agrees": item["note_agrees"],
    }


def change_rows(records: Iterable[dict], malformed: list[str] | None = None) -> Iterator[dict]:
    """Every change of every story, as rows, from records ordered by story."""
    for versions, story in chains(records, malformed):
        for item in story["changes"]:
            yield change_row(versions, item)
