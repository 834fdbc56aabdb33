"""Headline prefixes: "(LEAD) Title" -> prefix "(LEAD)", headline "Title", revision 1.

Yonhap puts editorial tags in parentheses at the very start of a headline: revision
tags ((URGENT), (LEAD), (2nd LD), (3rd LD), ...), story kinds ((News Focus),
(Yonhap Interview), (EDITORIAL from Korea Herald on June 11), ...) and event tags
((Olympics), (Asian Games)), sometimes several in a row ("(LEAD) (Olympics) ...").
The site's convention is that a headline never starts with a parenthesis otherwise,
so every leading group is a tag; groups are bounded in length so a sentence that
happens to open with a long parenthetical is not swallowed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# One leading tag: an opening parenthesis, 1-80 characters without parentheses that
# start with a letter or digit, the closing parenthesis, then whitespace.
_LEADING_TAG = re.compile(r"\(\s*([A-Za-z0-9][^()]{0,79}?)\s*\)\s*")
_MAX_TAGS = 4
_NTH_LD = re.compile(r"^(\d+)(?:st|nd|rd|th)\s+LD$", re.IGNORECASE)
_SITE_SUFFIX = re.compile(r"\s*\|\s*Yonhap News Agency\s*$")


@dataclass(frozen=True)
class HeadlineParts:
    headline: str  # the headline without its tags
    prefix: str  # the tags as printed, e.g. "(2nd LD)" or "(LEAD) (Olympics)"; "" if none
    revision: int  # 0 original/(URGENT), 1 (LEAD), N (Nth LD)


def revision_from_prefix(prefix: str) -> int:
    """Revision number carried by a prefix: (LEAD) -> 1, (Nth LD) -> N, else 0."""
    revision = 0
    for tag in re.findall(r"\(([^()]*)\)", prefix):
        tag = tag.strip()
        if tag.upper() == "LEAD":
            revision = max(revision, 1)
        elif match := _NTH_LD.match(tag):
            revision = max(revision, int(match.group(1)))
    return revision


def split_headline(raw: str) -> HeadlineParts:
    """Separate the leading tags of a headline from the headline itself.

    Also removes the " | Yonhap News Agency" suffix that og:title and <title> carry.
    """
    text = _SITE_SUFFIX.sub("", " ".join(raw.split()))
    tags: list[str] = []
    position = 0
    while len(tags) < _MAX_TAGS:
        match = _LEADING_TAG.match(text, position)
        # A tag must be followed by a headline: "(LEAD)" alone is not a prefix.
        if not match or match.end() >= len(text):
            break
        tags.append(f"({match.group(1)})")
        position = match.end()
    prefix = " ".join(tags)
    return HeadlineParts(headline=text[position:], prefix=prefix, revision=revision_from_prefix(prefix))
