"""Yonhap's editor's notes, "(ATTN: ...)", read as what a revision says it did (no
Scrapy import).

A note is clauses, each an action in capitals and what it names: "RECASTS headline,
lead; ADDS more details in paras 9-11, 15-17; CHANGES photo". What a clause names:
- paragraphs, counted in the version that carries the note, from the dateline's
  paragraph ("lead" = 1): "para 3", "paras 9-11, 15-17", "3rd para", "2nd and 4th
  paras", "last para", "last 2 paras", "first two paras", "from para 5" (to the end);
- "headline", "photo" (or photos, picture, image), "byline", "dateline".
"throughout", "more details" and the like name nothing that can be checked.
A clause whose action takes text away (DELETES, REMOVES, DROPS) names paragraphs of
the version before: they are checked against what was removed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# Actions seen in Yonhap's notes; any other word in capitals ending in S that opens a
# clause ("EXPANDS ...") is an action too, so a new one is kept, not lost.
KNOWN_ACTIONS = ("ADDS", "UPDATES", "CHANGES", "RECASTS", "REWRITES", "CORRECTS", "REVISES", "REPLACES", "INSERTS",
                 "EXPANDS", "TRIMS", "FIXES", "CLARIFIES", "RESTORES", "MOVES", "DELETES", "REMOVES", "DROPS")
REMOVING_ACTIONS = frozenset({"DELETES", "REMOVES", "DROPS"})
# A move claims no change of text (a paragraph moved unchanged is no change).
UNCHECKED_ACTIONS = frozenset({"MOVES"})
TARGETS = ("headline", "photo", "byline", "dateline")
PAST_THE_END = 50  # paragraph numbers kept past a version's last

# An action: a known one in capitals anywhere, or at the start of a clause in any case
# ("adds photo; updates para 3"), or any other word in capitals ending in S that opens one.
_ACTION = re.compile(r"\b(?:" + "|".join(KNOWN_ACTIONS) + r")\b"
                     r"|^\s*(?i:" + "|".join(KNOWN_ACTIONS) + r")\b|^\s*[A-Z]{3,}S\b")
_WORD_NUMBERS = {word: number for number, word in enumerate(
    "one two three four five six seven eight nine ten eleven twelve".split(), start=1)}
_ORDINAL_WORDS = {word: number for number, word in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split(), start=1)}
_PARA = r"(?:para(?:graph)?s?|grafs?)\b\.?"
_COUNT = r"(?:\d+|" + "|".join(_WORD_NUMBERS) + r")"
_ORD = r"(?:\d+(?:st|nd|rd|th)|" + "|".join(_ORDINAL_WORDS) + r")"
_NUMBER = rf"(?:{_ORD}|\d+)"
_TO = r"\s*(?:-|–|—|to|through|thru)\s*"
_AND = r"\s*(?:,|and|&)\s*"
_ITEM = rf"{_NUMBER}(?:{_TO}{_NUMBER})?"
_FORMS = re.compile(
    rf"(?P<nth_last>\b(?P<nth>{_ORD})[\s-]+(?:to[\s-]+)?last\s+{_PARA})"
    rf"|(?P<penultimate>\bpenultimate\s+{_PARA})"
    rf"|(?P<last_but_one>\blast\s+{_PARA}\s+but\s+one\b)"
    rf"|(?P<nth_bottom>\b(?P<nth_b>{_ORD})\s+{_PARA}\s+from\s+(?:the\s+)?(?:bottom|end)\b)"
    rf"|(?P<last_n>\b(?:last|final|bottom)\s+(?P<last_count>{_COUNT})\s+{_PARA})"
    rf"|(?P<last>\b(?:last|final|bottom)\s+{_PARA})"
    rf"|(?P<first_n>\b(?:first|top)\s+(?P<first_count>{_COUNT})\s+{_PARA})"
    rf"|(?P<from>\bfrom\s+(?:the\s+)?(?:{_PARA}\s*(?P<from_number>\d+)|(?P<from_ordinal>{_ORD})\s+{_PARA}))"
    rf"|(?P<ordinals>\b{_ORD}(?:{_TO}{_NUMBER})?(?:{_AND}{_ITEM})*\s+{_PARA})"
    rf"|(?P<numbers>\b{_PARA}\s*{_ITEM}(?:{_AND}(?:{_ITEM}|last\b))*)",
    re.IGNORECASE)
# A place, not a paragraph changed: "ADDS para 11 after para 10", "between paras 3 and 5".
_PLACE_BEFORE = re.compile(r"\b(?:after|before|between|following|below|above|under)\s+(?:the\s+)?$", re.IGNORECASE)
# A count of something else: "paras 3, 2 photos", "para 5, 10 minutes after".
_COUNTED_AFTER = re.compile(r"\s+(?:photos?|pictures?|images?|minutes?|hours?|days?|weeks?|months?|years?|people|"
                            r"persons?|percent|pct|won|dollars?|times)\b", re.IGNORECASE)
# "lead" names the first paragraph when it stands as a thing the clause acts on
# ("RECASTS headline, lead", "REWRITES lead with ..."), not in "lead negotiator".
_LEAD = re.compile(r"\blead\b(?=\s*(?:$|[,;.)&]|(?:and|para|paras|paragraph|with|to|for|as|after|in|on|from|"
                   r"throughout)\b))", re.IGNORECASE)
_TARGET_WORDS = {
    "headline": re.compile(r"\bheadlines?\b", re.IGNORECASE),
    "photo": re.compile(r"\b(?:photos?|pictures?|images?)\b", re.IGNORECASE),
    "byline": re.compile(r"\bbylines?\b", re.IGNORECASE),
    "dateline": re.compile(r"\bdatelines?\b", re.IGNORECASE),
}


def _number(text: str) -> int:
    text = text.lower()
    if text in _WORD_NUMBERS:
        return _WORD_NUMBERS[text]
    if text in _ORDINAL_WORDS:
        return _ORDINAL_WORDS[text]
    return int(re.match(r"\d+", text).group())


@dataclass(frozen=True)
class ParagraphRef:
    """Paragraphs a clause names: `first` to `last` (1-based, inclusive) counted from
    the start (`last` None: to the end); with `from_end`, the last `first` paragraphs
    (`last` None) or the `first`-th from the end alone (`last` set)."""

    first: int
    last: int | None
    from_end: bool = False

    def resolve(self, count: int) -> list[int]:
        """The paragraph numbers in a version of `count` paragraphs. Numbers past its
        end are kept (a note naming paragraphs the version lacks does not agree with
        it), up to PAST_THE_END of them: "paras 1-99999999" is not a hundred million."""
        if self.from_end:
            if self.last is not None:  # the first-th paragraph from the end
                return [max(1, count - self.first + 1)] if count >= self.first else [count + 1]
            return list(range(max(1, count - self.first + 1), count + 1)) if count else []
        last = count if self.last is None else self.last
        if self.first > count + PAST_THE_END:
            return [self.first]
        return list(range(self.first, min(max(self.first, last), count + PAST_THE_END) + 1))


@dataclass
class Clause:
    action: str | None  # "ADDS"; None for text before any action
    text: str
    paragraphs: list[ParagraphRef] = field(default_factory=list)
    targets: set[str] = field(default_factory=set)  # of TARGETS


@dataclass
class Note:
    text: str
    clauses: list[Clause]

    @property
    def actions(self) -> list[str]:
        """The actions, each once, in the order they first occur."""
        return list(dict.fromkeys(c.action for c in self.clauses if c.action))

    def paragraphs(self, count: int, removing: bool = False) -> list[int]:
        """The paragraph numbers the note names (sorted, each once): of the version that
        carries it (`count` paragraphs), or with removing=True those named by removing
        clauses, in the version before."""
        named: set[int] = set()
        for clause in self.clauses:
            if clause.action in UNCHECKED_ACTIONS or (clause.action in REMOVING_ACTIONS) != removing:
                continue
            for ref in clause.paragraphs:
                named.update(ref.resolve(count))
        return sorted(named)

    def targets(self) -> set[str]:
        """headline, photo, byline, dateline: those the note says changed."""
        return {t for c in self.clauses if c.action not in UNCHECKED_ACTIONS for t in c.targets}


def _items(text: str) -> list[ParagraphRef]:
    """'3rd-5th, 9-10th' -> paragraphs 3 to 5, 9 to 10."""
    refs = []
    for item in re.split(_AND, text, flags=re.IGNORECASE):
        numbers = [_number(n) for n in re.findall(_NUMBER, item, re.IGNORECASE)]
        if item.strip().lower() == "last":
            refs.append(ParagraphRef(1, None, from_end=True))
        elif numbers:
            refs.append(ParagraphRef(min(numbers), max(numbers)))
    return refs


def _references(text: str) -> list[ParagraphRef]:
    refs = []
    for match in _FORMS.finditer(text):
        if _PLACE_BEFORE.search(text[:match.start()]):
            continue
        whole = match.group(0)
        if match.group("nth_last") or match.group("nth_bottom"):
            nth = _number(match.group("nth") or match.group("nth_b"))
            refs.append(ParagraphRef(nth, nth, from_end=True))
        elif match.group("penultimate") or match.group("last_but_one"):
            refs.append(ParagraphRef(2, 2, from_end=True))
        elif match.group("last_n"):
            refs.append(ParagraphRef(_number(match.group("last_count")), None, from_end=True))
        elif match.group("last"):
            refs.append(ParagraphRef(1, None, from_end=True))
        elif match.group("first_n"):
            refs.append(ParagraphRef(1, _number(match.group("first_count"))))
        elif match.group("from"):
            start = match.group("from_number") or match.group("from_ordinal")
            refs.append(ParagraphRef(_number(start), None))
        else:
            listed = re.sub(rf"^{_PARA}|\s+{_PARA}$", "", whole.strip(), flags=re.IGNORECASE)
            items = _items(listed)
            if items and _COUNTED_AFTER.match(text, match.end()):
                items.pop()  # the last number counts something else
            refs += items
    return refs


def parse_note(text: str | None) -> Note:
    """The note's clauses; an empty note has none. `text` is the note without its
    "(ATTN: " and ")" (the Article's editor_note); with them is taken too."""
    text = (text or "").strip()
    inner = re.sub(r"^\(\s*ATTN\s*:?\s*|\)\s*$", "", text, flags=re.IGNORECASE).strip()
    clauses: list[Clause] = []
    for part in filter(None, (p.strip() for p in inner.split(";"))):
        starts = [m for m in _ACTION.finditer(part)]
        pieces = []
        if not starts or starts[0].start() > 0 and part[:starts[0].start()].strip():
            pieces.append((None, part[:starts[0].start()] if starts else part))
        for index, match in enumerate(starts):
            end = starts[index + 1].start() if index + 1 < len(starts) else len(part)
            pieces.append((match.group(0).strip().upper(), part[match.end():end]))
        for action, body in pieces:
            body = body.strip(" ,")
            clause = Clause(action, body, _references(body))
            if _LEAD.search(body):
                clause.paragraphs.append(ParagraphRef(1, 1))
            clause.targets = {name for name, pattern in _TARGET_WORDS.items() if pattern.search(body)}
            clauses.append(clause)
    return Note(inner, clauses)
