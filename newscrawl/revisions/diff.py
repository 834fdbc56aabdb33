"""What changed between two versions of a story's text (no Scrapy import).

Paragraphs are the clean body's (the Article's `body`, split at blank lines), numbered
from 1. Between an older and a newer version each paragraph is:
- kept: the same text (spaces aside) in both, wherever it stands: a paragraph moved
  unchanged is no change;
- changed: no identical paragraph, but one of the other version's is mostly the same
  text: a similarity of at least CHANGED_SIMILARITY, the share of words the two have
  in common in order (difflib's ratio over their words: 2 x common / total);
  the most similar pairs are taken first;
- else removed (from the older) or added (to the newer).
Inside a changed paragraph, the words removed and added, as runs of
("=", text), ("-", text), ("+", text).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

CHANGED_SIMILARITY = 0.5
# Bounds that keep a hostile or freak page (thousands of paragraphs rewritten, a paragraph
# of a million words) from taking minutes, far beyond any real story: each added
# paragraph is compared with at most MAX_COMPARED of the removed ones (those nearest its
# place), and paragraphs longer than MAX_WORDS words are compared by their words' counts
# only (difflib's quick_ratio) and shown whole as removed and added.
MAX_COMPARED = 20
MAX_WORDS = 3000
# Above this many word pairs (old words x new words), difflib's exact ratio and word
# diff (quadratic on repetitive text, such as tables) give way to its bag-of-words
# bound and its junk heuristic (words more common than 1% of a paragraph's are not
# matched on their own).
MAX_WORD_PAIRS = 250_000
_WORDS = re.compile(r"\S+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))  # zero-width, soft hyphen


def paragraphs(body: str | None) -> list[str]:
    """The body's paragraphs, spaces inside each collapsed and invisible characters
    (zero-width spaces and joiners, soft hyphens) taken out: they change no word a
    reader sees."""
    text = (body if isinstance(body, str) else "").translate(_INVISIBLE)
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def similarity(old: list[str], new: list[str]) -> float:
    """The share of words two paragraphs have in common, in order (0 to 1)."""
    return SequenceMatcher(None, old, new, autojunk=False).ratio()


@dataclass
class ParagraphChanges:
    added: list[int]  # in the newer version's numbering
    removed: list[int]  # in the older version's numbering
    changed: list[tuple[int, int]]  # (older's number, newer's number)


def align(old: list[str], new: list[str]) -> ParagraphChanges:
    """Which paragraphs of two versions were added, removed and changed (1-based)."""
    # The same text in the same order first (a revision mostly keeps the story's start and
    # end as they were: those are taken off before difflib looks at the middle), then the
    # same text moved elsewhere.
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    kept_old = set(range(head)) | set(range(len(old) - tail, len(old)))
    kept_new = set(range(head)) | set(range(len(new) - tail, len(new)))
    middle = SequenceMatcher(None, old[head:len(old) - tail], new[head:len(new) - tail], autojunk=False)
    for block in middle.get_matching_blocks():
        kept_old.update(range(head + block.a, head + block.a + block.size))
        kept_new.update(range(head + block.b, head + block.b + block.size))
    unmatched_old: dict[str, list[int]] = {}
    for index, text in enumerate(old):
        if index not in kept_old:
            unmatched_old.setdefault(text, []).append(index)
    for index, text in enumerate(new):
        if index not in kept_new and unmatched_old.get(text):
            kept_old.add(unmatched_old[text].pop(0))
            kept_new.add(index)
    rest_old = [i for i in range(len(old)) if i not in kept_old]
    rest_new = [i for i in range(len(new)) if i not in kept_new]
    words_old = {i: _WORDS.findall(old[i]) for i in rest_old}
    words_new = {j: _WORDS.findall(new[j]) for j in rest_new}
    candidates = []
    for place, j in enumerate(rest_new):
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(words_new[j])  # indexed once, compared with each older paragraph
        centre = place * len(rest_old) // max(1, len(rest_new))
        start = max(0, min(centre - MAX_COMPARED // 2, len(rest_old) - MAX_COMPARED))
        for i in rest_old[start:start + MAX_COMPARED]:
            matcher.set_seq1(words_old[i])
            # The cheap upper bounds first: most pairs of different paragraphs end there.
            if matcher.real_quick_ratio() >= CHANGED_SIMILARITY and matcher.quick_ratio() >= CHANGED_SIMILARITY:
                huge = (max(len(words_old[i]), len(words_new[j])) > MAX_WORDS
                        or len(words_old[i]) * len(words_new[j]) > MAX_WORD_PAIRS)
                ratio = matcher.quick_ratio() if huge else matcher.ratio()
                if ratio >= CHANGED_SIMILARITY:
                    candidates.append((-ratio, abs(i - j), i, j))
    changed, paired_old, paired_new = [], set(), set()
    for _, _, i, j in sorted(candidates):
        if i not in paired_old and j not in paired_new:
            paired_old.add(i)
            paired_new.add(j)
            changed.append((i + 1, j + 1))
    return ParagraphChanges(
        added=[j + 1 for j in rest_new if j not in paired_new],
        removed=[i + 1 for i in rest_old if i not in paired_old],
        changed=sorted(changed, key=lambda pair: pair[1]),
    )


def word_changes(old: str, new: str) -> list[tuple[str, str]]:
    """The words of a changed paragraph as runs: ("=", kept), ("-", removed), ("+", added)."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    if max(len(a), len(b)) > MAX_WORDS:
        return [("-", " ".join(a)), ("+", " ".join(b))]
    runs: list[tuple[str, str]] = []

    def run(op: str, words: list[str]) -> None:
        if not words:
            return
        if runs and runs[-1][0] == op:
            runs[-1] = (op, runs[-1][1] + " " + " ".join(words))
        else:
            runs.append((op, " ".join(words)))

    matcher = SequenceMatcher(None, a, b, autojunk=len(a) * len(b) > MAX_WORD_PAIRS)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            run("=", a[i1:i2])
        else:
            run("-", a[i1:i2])
            run("+", b[j1:j2])
    return runs
