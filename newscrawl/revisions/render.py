"""A story's chain of changes for people: a word-level diff for a terminal (in colour,
or marked [-removed-] {+added+} where there is none) and one self-contained HTML page."""
from __future__ import annotations

import html
import re

from newscrawl.revisions.chains import is_flash, version_of
from newscrawl.revisions.diff import paragraphs, word_changes
from newscrawl.revisions.notes import parse_note

_TERMINAL = {"-": ("\x1b[31;9m", "\x1b[0m"), "+": ("\x1b[32;1m", "\x1b[0m")}
_PLAIN = {"-": ("[-", "-]"), "+": ("{+", "+}")}
# Control characters in a page's text would act on the terminal (an escape sequence can
# retitle the window or clear it): shown as their codes instead.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def shown(text: str) -> str:
    """Text as a terminal may print it: control characters as \\xNN."""
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _plural(count: int, noun: str) -> str:
    return f"{count:g} {noun}" + ("" if count == 1 else "s")


def numbers_text(numbers: list[int]) -> str:
    """[9, 10, 11, 15] -> "9-11, 15"."""
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _label(record: dict) -> str:
    version = version_of(record)
    prefix = record.get("headline_prefix") or ""
    return f"{version:02d}" + (f" {prefix}" if prefix else "")


def _agreement(item: dict) -> str:
    agrees = item["note_agrees"]
    return ("names nothing the diff can check" if agrees is None else
            "the diff agrees" if agrees else "the diff does NOT agree")


def _note_summary(item: dict) -> str:
    numbers = item["note_paragraphs"]
    named = [f"para{'s' if len(numbers) > 1 else ''} {numbers_text(numbers)}"] if numbers else []
    named += sorted(parse_note(item["note"]).targets())
    return (f"actions {', '.join(item['note_actions']) or 'none'}"
            + (f"; names {', '.join(named)}" if named else "") + f"; {_agreement(item)}")


CONTEXT_WORDS = 8  # kept words shown around a change on a terminal; the rest is "..."


def _words(runs, marks: dict, context: int | None = None) -> str:
    """Runs as text, removed and added words marked; with `context`, a long run of kept
    words shows only its ends next to the changes."""
    out = []
    for index, (op, words) in enumerate(runs):
        if op == "=" and context is not None:
            kept = words.split()
            head = context if index + 1 < len(runs) else 0  # words before the next change
            tail = context if index > 0 else 0  # words after the previous change
            if len(kept) > head + tail + 2:
                words = " ".join([*kept[:tail], "...", *kept[len(kept) - head:]] if tail or head else ["..."])
        start, end = marks.get(op, ("", ""))
        out.append(f"{start}{shown(words)}{end}")
    return " ".join(out)


def _header(story: dict, versions: list[dict]) -> list[str]:
    held = ", ".join(_label(r) for r in versions)
    lines = [f"{story['story_id']}: {_plural(len(versions), 'version')} held: {held}"]
    numbers = [version_of(r) for r in versions]
    twins = sorted({n for n in numbers if numbers.count(n) > 1})
    for number in twins:
        desks = ", ".join(r["article_id"][-3:] for r in versions if version_of(r) == number)
        lines.append(f"  two or more versions numbered {number:02d} (desks {desks}): the next version is diffed "
                     "against the one of its own desk")
    if story.get("outside_scheme"):
        lines.append(f"  outside the 00, 51, 52, ... scheme, not diffed: {', '.join(story['outside_scheme'])}")
    if story["gaps"]:
        lines.append(f"  missing: {', '.join(f'{v:02d}' for v in story['gaps'])} (pairs across them are not diffed)")
    lowest = version_of(versions[0])
    if lowest and lowest > 51:
        lines.append(f"  versions before {lowest:02d} are not held: what they changed is unknown")
    if len(versions) == 1 and is_flash(versions[0]):
        lines.append("  an (URGENT) flash: a story of its own; the full story that followed has a serial of its "
                     "own, and nothing on the page links the two")
    return lines


def text(story: dict, versions: list[dict], colour: bool = False) -> str:
    """The chain as lines for a terminal."""
    marks = _TERMINAL if colour else _PLAIN
    by_id = {r["article_id"]: r for r in versions}
    lines = [shown(line) for line in _header(story, versions)]
    if not story["changes"]:
        lines.append("  no consecutive versions held: nothing to diff")
    for item in story["changes"]:
        older, newer = by_id[item["from"]], by_id[item["to"]]
        old_paras, new_paras = paragraphs(older.get("body")), paragraphs(newer.get("body"))
        when = "" if item["minutes"] is None else f", {_plural(item['minutes'], 'minute')} later"
        lines += ["", shown(f"{_label(older)} -> {_label(newer)}: {item['from']} -> {item['to']}{when}")]
        if item["note"]:
            lines += [shown(f"  note: {item['note']}"), shown(f"        {_note_summary(item)}")]
        if item["headline"]:
            runs = word_changes(item["headline"]["from"], item["headline"]["to"])
            lines.append(f"  headline: {_words(runs, marks)}")
        summary = [f"{what} {numbers_text(item[what])}" for what in ("added", "changed", "removed") if item[what]]
        lines.append(f"  paragraphs: {'; '.join(summary) if summary else 'no change'}")
        for number in item["changed"]:
            lines.append(f"  para {number} changed: {_words(item['words'][str(number)], marks, CONTEXT_WORDS)}")
        for number in item["added"]:
            lines.append(f"  para {number} added: {_words([('+', new_paras[number - 1])], marks)}")
        for number in item["removed"]:
            lines.append(f"  para {number} of {shown(_label(older))} removed: "
                         f"{_words([('-', old_paras[number - 1])], marks)}")
        for what, label in (("photos_added", "photo added"), ("photos_removed", "photo removed"),
                            ("keywords_added", "keyword added"), ("keywords_removed", "keyword removed")):
            lines += [shown(f"  {label}: {value}") for value in item[what]]
    return "\n".join(lines) + "\n"


_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1000px;padding:1.5rem;color:#1d2733;line-height:1.45}
h1{font-size:1.4rem} h2{font-size:1.1rem;margin:2rem 0 .4rem;border-bottom:1px solid #dde3ea;padding-bottom:.25rem}
.sub,.meta{color:#5b6b7b} del{background:#fde2e1;color:#8c1d18} ins{background:#dcf3dc;color:#1b5e20;text-decoration:none}
.para{margin:.4rem 0;padding:.3rem .6rem;border-left:4px solid #cfd8e3} .para.added{border-color:#2e7d32}
.para.removed{border-color:#b3261e} .para.changed{border-color:#e0a100} .num{font-weight:600;color:#5b6b7b;margin-right:.4rem}
.agrees{color:#2e7d32;font-weight:600} .disagrees{color:#b3261e;font-weight:600} .unchecked{color:#5b6b7b}
"""


def _html_words(runs) -> str:
    tags = {"-": ("<del>", "</del>"), "+": ("<ins>", "</ins>")}
    return " ".join(f"{tags.get(op, ('', ''))[0]}{html.escape(words)}{tags.get(op, ('', ''))[1]}" for op, words in runs)


def page(story: dict, versions: list[dict]) -> str:
    """The chain as one self-contained HTML page (no script, no outside resource)."""
    by_id = {r["article_id"]: r for r in versions}
    newest = versions[-1]
    parts = [f"<h1>What changed: {html.escape(newest.get('headline') or story['story_id'])}</h1>",
             f'<p class="sub">{"<br>".join(html.escape(line.strip()) for line in _header(story, versions))}</p>']
    if not story["changes"]:
        parts.append("<p>No consecutive versions held: nothing to diff.</p>")
    for item in story["changes"]:
        older, newer = by_id[item["from"]], by_id[item["to"]]
        old_paras, new_paras = paragraphs(older.get("body")), paragraphs(newer.get("body"))
        when = "" if item["minutes"] is None else f", {_plural(item['minutes'], 'minute')} later"
        parts.append(f'<section class="change" data-from="{item["from"]}" data-to="{item["to"]}">'
                     f"<h2>{html.escape(_label(older))} → {html.escape(_label(newer))}</h2>"
                     f'<p class="meta">{item["from"]} → {item["to"]}{when}</p>')
        if item["note"]:
            css = {True: "agrees", False: "disagrees", None: "unchecked"}[item["note_agrees"]]
            parts.append(f"<p>Editor's note: <q>{html.escape(item['note'])}</q> "
                         f'<span class="{css}" data-note-agrees="{str(item["note_agrees"]).lower()}">'
                         f"{html.escape(_note_summary(item))}</span></p>")
        if item["headline"]:
            runs = word_changes(item["headline"]["from"], item["headline"]["to"])
            parts.append(f"<p>Headline: {_html_words(runs)}</p>")
        rows = [(n, "changed", _html_words(item["words"][str(n)])) for n in item["changed"]]
        rows += [(n, "added", _html_words([("+", new_paras[n - 1])])) for n in item["added"]]
        rows.sort()
        rows += [(n, "removed", _html_words([("-", old_paras[n - 1])])) for n in item["removed"]]
        if not rows:
            parts.append("<p>Paragraphs: no change.</p>")
        for number, kind, body in rows:
            where = f"para {number}" + (f" of {_label(older)}" if kind == "removed" else "")
            parts.append(f'<div class="para {kind}"><span class="num">{html.escape(where)} {kind}</span>{body}</div>')
        extras = [f"{label}: {html.escape(value)}" for what, label in (
            ("photos_added", "photo added"), ("photos_removed", "photo removed"),
            ("keywords_added", "keyword added"), ("keywords_removed", "keyword removed")) for value in item[what]]
        if extras:
            parts.append("<ul>" + "".join(f"<li>{line}</li>" for line in extras) + "</ul>")
        parts.append("</section>")
    title = f"What changed: {story['story_id']}"
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>'
            f"<body>{''.join(parts)}</body></html>\n")
