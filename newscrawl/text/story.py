"""A story's text broken into its parts: note, byline, dateline, body, e-mails, end, tail.

Input is the story as paragraphs (each may hold several lines, as a <p> with <br/>
does). The order Yonhap uses:

    (ATTN: ADDS more details in paras 9-11)      optional editor's note
    By Kang Yoon-seung                           optional byline
    SEOUL, Feb. 5 (Yonhap) -- First paragraph    dateline opens the first paragraph
    ...
    colin@yna.co.kr                              optional reporter e-mail(s)
    (END)                                        or (MORE) for a continued table
    -                                            "related headlines" tail: boilerplate
    Some other story's headline                  that broad text extraction picks up
    -
    ...
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from newscrawl.text.dateline import Dateline, parse_dateline

_NOTE = re.compile(r"^\(\s*ATTN\s*:?\s*(?P<note>.*?)\s*\)$", re.IGNORECASE)
# A byline is "By" and capitalised name words ("Kang Yoon-seung", "Lee Haye-ah",
# "Kim Eun-jung and Yi Wonju"); "By the end of the year, ..." is body text.
_NAME_WORD = r"[A-Z][A-Za-z'\u2019.\-]*"
_NAME = rf"{_NAME_WORD}(?:\s{_NAME_WORD}){{0,4}}"
_BYLINE = re.compile(rf"^By\s+(?P<names>{_NAME}(?:\s*(?:,|and|&)\s*{_NAME}){{0,5}})$")
_EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
_EMAILS_LINE = re.compile(rf"^(?:{_EMAIL})(?:\s*[,;/&]?\s*(?:and\s+)?{_EMAIL})*$")
_END = re.compile(r"\s*\((?P<marker>END|MORE)\)\s*$")
_DASH_LINE = re.compile(r"^[-\u2013\u2014]$")

# Without an end marker, a trailing block is taken for the related-headlines tail
# only when it has at least this many "-"-separated short lines: a story may end
# on a "-" line and one short sentence, and that must survive.
MIN_UNMARKED_TAIL = 3
# Longest line still taken for a tail headline (Yonhap headlines are < 150 chars).
MAX_HEADLINE_CHARS = 200


@dataclass
class Story:
    editor_note: str = ""
    byline: str = ""
    dateline: str = ""  # raw, without the dashes: "SEOUL, Feb. 5 (Yonhap)"
    dateline_city: str = ""
    dateline_month: int | None = None
    dateline_day: int | None = None
    paragraphs: list[str] = field(default_factory=list)
    author_emails: list[str] = field(default_factory=list)
    end_marker: str = ""  # "END", "MORE" or ""
    related_removed: int = 0  # tail headlines dropped
    markers_in_body: int = 0  # "(END)"/"(MORE)" kept as body text: the story went on after them

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


def normalize_line(line: str) -> str:
    """Collapse runs of whitespace (incl. NBSP) inside a line and trim it."""
    return " ".join(line.split())  # str.split() splits at every str.isspace() character, NBSP among them


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a plain-text story.

    A text with blank lines between blocks uses them as paragraph breaks (lines
    inside a block stay lines); a dump without blank lines has one paragraph a line.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines = [normalize_line(line) for line in text.split("\n")]
    if any(not line for line in lines[1:-1]) and _has_multiline_block(lines):
        blocks, current = [], []
        for line in lines:
            if line:
                current.append(line)
            elif current:
                blocks.append("\n".join(current))
                current = []
        if current:
            blocks.append("\n".join(current))
        return blocks
    return [line for line in lines if line]


def _has_multiline_block(lines: list[str]) -> bool:
    """True when some two non-blank lines are adjacent (so blank lines are breaks)."""
    return any(a and b for a, b in zip(lines, lines[1:]))


def is_note_or_byline(line: str) -> bool:
    """True for an "(ATTN: ...)" editor's note line or a "By Name" byline."""
    return bool(_NOTE.match(line) or _BYLINE.match(line))


def _emails_in(line: str) -> list[str] | None:
    """The e-mails of a line made only of e-mails, else None."""
    if _EMAILS_LINE.match(line):
        return re.findall(_EMAIL, line)
    return None


def _tail_length(lines: list[str]) -> int:
    """How many trailing lines of a story without end marker form the tail.

    The trailing lines must alternate "-" and short headline lines, with at least
    MIN_UNMARKED_TAIL headlines, and the block must begin with a "-" line.
    """
    count = headlines = 0
    expect_dash = False
    for line in reversed(lines):
        if _DASH_LINE.match(line):
            count += 1
            expect_dash = False
            continue
        if expect_dash or len(line) > MAX_HEADLINE_CHARS or parse_dateline(line):
            break
        headlines += 1
        count += 1
        expect_dash = True
    # The block must begin with a "-" line; a headline directly after the body
    # without its separator is the body's own last line.
    while count and not _DASH_LINE.match(lines[len(lines) - count]):
        count -= 1
        headlines -= 1
    # A reporter e-mail line is the story's end even when "(END)" was cut off,
    # so after one a single headline is enough.
    after_email = count < len(lines) and _emails_in(lines[len(lines) - count - 1]) is not None
    if headlines < (1 if after_email else MIN_UNMARKED_TAIL):
        return 0
    return count


def _leading_email_lines(lines: list[str]) -> int:
    """How many of the first lines are made only of e-mail addresses."""
    count = 0
    while count < len(lines) and _emails_in(lines[count]) is not None:
        count += 1
    return count


def _is_tail_block(lines: list[str]) -> bool:
    """True for nothing, or a "-"-led block of "-" lines and short headline lines
    (what follows a story's end marker on a page or in a dump)."""
    if not lines:
        return True
    if not _DASH_LINE.match(lines[0]):
        return False
    return all(_DASH_LINE.match(line) or (len(line) <= MAX_HEADLINE_CHARS and not parse_dateline(line))
               for line in lines)


def parse_story(paragraphs: list[str]) -> Story:
    """Break a story's paragraphs into its parts (see the module docstring)."""
    story = Story()
    # Work on lines, remembering where paragraphs start, so a <p> holding
    # "By X<br/>(ATTN: ...)" or "e-mail<br/>(END)" splits like separate lines.
    lines: list[str] = []
    starts: set[int] = set()
    for paragraph in paragraphs:
        paragraph_lines = [normalize_line(line) for line in paragraph.split("\n")]
        paragraph_lines = [line for line in paragraph_lines if line]
        if paragraph_lines:
            starts.add(len(lines))
            lines.extend(paragraph_lines)

    # The end marker: the first "(END)"/"(MORE)" closing a line after which only
    # e-mails and tail-shaped text follow. One followed by more story (a "(MORE)"
    # between the parts of a long story) stays in the body.
    tail: list[str] | None = None
    for index, line in enumerate(lines):
        # The pattern scans every position of every line; the markers' text is rarer.
        match = _END.search(line) if "(END)" in line or "(MORE)" in line else None
        if not match:
            continue
        after = lines[index + 1:]
        emails_after = _leading_email_lines(after)
        if not _is_tail_block(after[emails_after:]):
            story.markers_in_body += 1
            continue
        story.end_marker = match.group("marker").upper()
        tail = after[emails_after:]
        before = line[: match.start()].strip()
        lines = lines[:index] + ([before] if before else []) + after[:emails_after]
        break
    if tail is None:
        tail_count = _tail_length(lines)
        tail = lines[len(lines) - tail_count:] if tail_count else []
        lines = lines[: len(lines) - tail_count]
    story.related_removed = sum(1 for line in tail if not _DASH_LINE.match(line))

    # Reporter e-mails: the trailing lines made only of e-mail addresses.
    while lines:
        emails = _emails_in(lines[-1])
        if emails is None:
            break
        story.author_emails[:0] = emails
        lines.pop()

    # Leading note and byline, in either order.
    head = 0
    while head < len(lines):
        line = lines[head]
        if not story.editor_note and (note := _NOTE.match(line)):
            story.editor_note = note.group("note")
        elif not story.byline and (byline := _BYLINE.match(line)):
            story.byline = byline.group("names")
        else:
            break
        head += 1
    starts.add(head)

    # The dateline opens the first body line.
    dateline: Dateline | None = parse_dateline(lines[head]) if head < len(lines) else None
    if dateline:
        story.dateline = dateline.raw
        story.dateline_city = dateline.city
        story.dateline_month = dateline.month
        story.dateline_day = dateline.day
        lines[head] = dateline.rest.strip()

    current: list[str] = []
    for index in range(head, len(lines)):
        if index in starts and current:
            story.paragraphs.append("\n".join(current))
            current = []
        if lines[index]:
            current.append(lines[index])
    if current:
        story.paragraphs.append("\n".join(current))
    return story
