"""The pure parts of `newscrawl diff`: editor's notes, paragraph and word diffs, chains."""
from __future__ import annotations

import json

import pytest

from newscrawl.revisions.chains import CHANGE_COLUMNS, change, change_row, chain, chains, normalized
from newscrawl.revisions.diff import CHANGED_SIMILARITY, align, paragraphs, similarity, word_changes
from newscrawl.revisions.notes import parse_note
from newscrawl.revisions.render import numbers_text, page, text
from tests.conftest import FIXTURES

# note -> (actions, paragraphs named in a newer version of 12 paragraphs, paragraphs of
# the older one a removing clause names (it has 12 too), targets)
NOTES = [
    # The real page's (AEN20230419000952325) and SITE.md's forms.
    ("ADDS more details, analysts' remarks in paras 9-11, 15-17", ["ADDS"], [9, 10, 11, 15, 16, 17], [], set()),
    ("(ATTN: ADDS more details ... in paras 9-11)", ["ADDS"], [9, 10, 11], [], set()),
    # The issue's.
    ("(ATTN: UPDATES with finance minister's quotes in last 2 paras)", ["UPDATES"], [11, 12], [], set()),
    ("ADDS more details in paras 9-11", ["ADDS"], [9, 10, 11], [], set()),
    ("RECASTS headline, lead; CHANGES photo", ["RECASTS", "CHANGES"], [1], [], {"headline", "photo"}),
    # The revision fixtures' (tests/fixtures/revisions/README.md).
    ("UPDATES with company official's remarks in last 2 paras; ADDS photo", ["UPDATES", "ADDS"], [11, 12], [], {"photo"}),
    ("RECASTS headline, lead; ADDS more details in para 4", ["RECASTS", "ADDS"], [1, 4], [], {"headline"}),
    ("RECASTS headline; ADDS ministry's remarks in paras 5-6", ["RECASTS", "ADDS"], [5, 6], [], {"headline"}),
    ("ADDS more details in paras 9-10; CHANGES photo", ["ADDS", "CHANGES"], [9, 10], [], {"photo"}),
    ("RECASTS headline, lead; UPDATES throughout", ["RECASTS", "UPDATES"], [1], [], {"headline"}),
    ("CORRECTS typo in para 2", ["CORRECTS"], [2], [], set()),
    # Other forms of the same wire style.
    ("UPDATES throughout", ["UPDATES"], [], [], set()),
    ("ADDS more info in 3rd para", ["ADDS"], [3], [], set()),
    ("ADDS new info in 2nd and 4th paras", ["ADDS"], [2, 4], [], set()),
    ("ADDS more details in third paragraph", ["ADDS"], [3], [], set()),
    ("ADDS background in last para", ["ADDS"], [12], [], set()),
    ("ADDS more details in last three paras", ["ADDS"], [10, 11, 12], [], set()),
    ("REWRITES lead with new info; ADDS details in first two paras", ["REWRITES", "ADDS"], [1, 2], [], set()),
    ("ADDS more details from para 10", ["ADDS"], [10, 11, 12], [], set()),
    ("ADDS more details from the 11th para", ["ADDS"], [11, 12], [], set()),
    ("ADDS quotes in paras 3 and 5, 7-8", ["ADDS"], [3, 5, 7, 8], [], set()),
    ("ADDS remarks by the lead negotiator in para 4", ["ADDS"], [4], [], set()),
    ("ADDS byline, photo", ["ADDS"], [], [], {"byline", "photo"}),
    ("CORRECTS dateline", ["CORRECTS"], [], [], {"dateline"}),
    ("DELETES para 5", ["DELETES"], [], [5], set()),
    ("DROPS last para; ADDS new info in para 3", ["DROPS", "ADDS"], [3], [12], set()),
    ("MOVES para 3 to para 7", ["MOVES"], [], [], set()),
    ("EXPANDS with details in paras 6-7", ["EXPANDS"], [6, 7], [], set()),
    ("ADDS more details in paras 2-3; ADDS photo", ["ADDS"], [2, 3], [], {"photo"}),
    # Forms a review found misread, and what they name.
    ("CORRECTS typos in 2nd-4th paras", ["CORRECTS"], [2, 3, 4], [], set()),
    ("ADDS more info in 3rd-5th paras", ["ADDS"], [3, 4, 5], [], set()),
    ("UPDATES paras 4th-5th", ["UPDATES"], [4, 5], [], set()),
    ("ADDS details in 4th, 9-10th paras", ["ADDS"], [4, 9, 10], [], set()),
    ("ADDS more details in para. 3", ["ADDS"], [3], [], set()),
    ("ADDS more details in paras 3—5", ["ADDS"], [3, 4, 5], [], set()),
    ("ADDS quote in second-to-last para", ["ADDS"], [11], [], set()),
    ("ADDS quote in 2nd-to-last para", ["ADDS"], [11], [], set()),
    ("ADDS quote in penultimate para", ["ADDS"], [11], [], set()),
    ("ADDS quote in last para but one", ["ADDS"], [11], [], set()),
    ("ADDS quote in 2nd para from bottom", ["ADDS"], [11], [], set()),
    ("UPDATES paras 10-11, last", ["UPDATES"], [10, 11, 12], [], set()),
    ("ADDS new para 6 after para 5", ["ADDS"], [6], [], set()),
    ("ADDS details between paras 3 and 5", ["ADDS"], [], [], set()),
    ("ADDS more details in paras 3, 2 photos", ["ADDS"], [3], [], {"photo"}),
    ("UPDATES para 5, 10 minutes after the first report", ["UPDATES"], [5], [], set()),
    ("adds photo; updates para 3", ["ADDS", "UPDATES"], [3], [], {"photo"}),
    ("ADDS details in paras 1-99999999", ["ADDS"], list(range(1, 63)), [], set()),  # bounded: 50 past the end
    ("", [], [], [], set()),
]


@pytest.mark.parametrize("note, actions, named, named_removed, targets", NOTES, ids=[n[0] or "empty" for n in NOTES])
def test_editor_notes_are_read_as_actions_and_what_they_name(note, actions, named, named_removed, targets):
    parsed = parse_note(note)
    assert parsed.actions == actions
    assert parsed.paragraphs(12) == named
    assert parsed.paragraphs(12, removing=True) == named_removed
    assert parsed.targets() == targets


def test_paragraphs_named_past_the_end_are_kept_and_last_counts_in_the_version():
    assert parse_note("ADDS more details in paras 9-11").paragraphs(5) == [9, 10, 11]
    assert parse_note("UPDATES with quotes in last 2 paras").paragraphs(3) == [2, 3]
    assert parse_note("UPDATES with quotes in last 5 paras").paragraphs(3) == [1, 2, 3]


A = "The ruling party and the government are in talks to come up with measures to help victims of a scam."
B = "The move comes after three victims took their own lives in recent months."
C = "President Yoon Suk Yeol has also expressed concern."
D = "The party plans to hold a meeting with the government on the issue Thursday."
E = "Similar rental scams have been reported elsewhere."

ALIGNMENTS = [
    # old, new -> added, removed, changed (old, new)
    ([A, B, C], [A, B, C], [], [], []),
    ([A, B], [A, B, C], [3], [], []),
    ([A, B, C], [A, C], [], [2], []),
    ([A, B, C, D], [A, D, B, C], [], [], []),  # moved unchanged: no change
    ([A, B, C], [A, B.replace("three", "four"), C], [], [], [(2, 2)]),
    ([A, B, C], [C, A.replace("talks", "close talks"), B], [], [], [(1, 2)]),  # moved and changed
    ([A, B], [A, E], [2], [2], []),  # nothing alike: removed + added
    ([A, B, C], [A, D, B, C, E], [2, 5], [], []),
    ([A, A, B], [A, B], [], [2], []),  # a repeated paragraph, once removed (the later copy)
]


@pytest.mark.parametrize("old, new, added, removed, changed", ALIGNMENTS)
def test_paragraphs_are_aligned_kept_moved_changed_added_removed(old, new, added, removed, changed):
    result = align(old, new)
    assert (result.added, result.removed, result.changed) == (added, removed, changed)


def test_changed_means_mostly_the_same_words():
    old = "one two three four five six seven eight nine ten".split()
    assert similarity(old, old[:5] + "a b c d e".split()) == pytest.approx(0.5)
    assert align([" ".join(old)], [" ".join(old[:5] + "a b c d e".split())]).changed == [(1, 1)]
    assert similarity(old, old[:4] + "a b c d e f".split()) < CHANGED_SIMILARITY
    assert align([" ".join(old)], [" ".join(old[:4] + "a b c d e f".split())]).changed == []


def test_word_changes_are_runs_of_kept_removed_and_added_words():
    assert word_changes("The country plans to recommend a new site by the end of June.",
                        "The country plans to propose a new site by the end of May.") == [
        ("=", "The country plans to"), ("-", "recommend"), ("+", "propose"), ("=", "a new site by the end of"),
        ("-", "June."), ("+", "May.")]
    assert word_changes("a b", "a b") == [("=", "a b")]


def test_paragraphs_of_a_body_ignore_spacing():
    assert paragraphs("one  two\n\n\nthree\n \nfour ") == ["one two", "three", "four"]
    assert paragraphs("") == [] and paragraphs(None) == []


def test_numbers_are_written_as_ranges():
    assert numbers_text([9, 10, 11, 15, 16, 17]) == "9-11, 15-17"
    assert numbers_text([1, 4]) == "1, 4" and numbers_text([]) == ""


def _version(article_id: str, body: list[str], **fields) -> dict:
    revision = int(article_id[15:17]) - 50 if article_id[15:17] != "00" else 0
    return {"article_id": article_id, "story_id": article_id[:15], "revision": revision, "headline": "Headline",
            "headline_prefix": "", "editor_note": "", "body": "\n\n".join(body), "photos": [], "keywords": [],
            "published_at": "2023-04-19T10:00:00+09:00", "section": "Politics", "byline": "", "dateline": "", **fields}


CHAINS = [
    # versions held -> versions in order, gaps, pairs diffed
    (["00", "51", "52"], ["00", "51", "52"], [], [("00", "51"), ("51", "52")]),
    (["52", "00"], ["00", "52"], [51], []),  # across a gap: not diffed
    (["00", "52", "53"], ["00", "52", "53"], [51], [("52", "53")]),
    (["51", "52"], ["51", "52"], [], [("51", "52")]),  # the full story after a flash starts at 51
    (["53", "54"], ["53", "54"], [], [("53", "54")]),  # earlier versions unknown: nothing invented
    (["00"], ["00"], [], []),
    (["00", "51", "53", "55"], ["00", "51", "53", "55"], [52, 54], [("00", "51")]),
]


@pytest.mark.parametrize("held, ordered, gaps, pairs", CHAINS)
def test_a_chain_diffs_consecutive_versions_only(held, ordered, gaps, pairs):
    records = [_version(f"AEN202304190051{v}315", [A, B]) for v in held]
    story = chain(records)
    assert story["versions"] == [f"AEN202304190051{v}315" for v in ordered]
    assert story["gaps"] == gaps
    assert [(c["from"][15:17], c["to"][15:17]) for c in story["changes"]] == pairs


AGREEMENT = [
    # note, change made to the newer version -> note_agrees
    ("ADDS more details in para 3", dict(body=[A, B, C]), True),
    ("ADDS more details in para 2", dict(body=[A, B, C]), False),  # para 2 is old text
    ("ADDS more details in paras 3-4", dict(body=[A, B, C]), False),  # there is no para 4
    ("UPDATES throughout", dict(body=[A, B, C]), None),
    ("", dict(body=[A, B, C]), None),
    ("RECASTS headline", dict(body=[A, B], headline="New headline"), True),
    ("RECASTS headline", dict(body=[A, B]), False),
    ("CHANGES photo", dict(body=[A, B], photos=[{"url": "https://img.yna.co.kr/b.jpg", "caption": ""}]), True),
    ("CHANGES photo", dict(body=[A, B], photos=[{"url": "https://img.yna.co.kr/a.jpg", "caption": "x"}]), True),
    ("CHANGES photo", dict(body=[A, B]), False),  # the same photo, the same caption
    ("CHANGES photo", dict(body=[A, B], photos=[{"url": "http://img.yna.co.kr/a.jpg", "caption": ""}]), False),
    ("RECASTS lead", dict(body=[A.replace("talks", "final talks"), B]), True),
    ("DELETES para 2", dict(body=[A]), True),
    ("DELETES para 1", dict(body=[A]), False),
    ("ADDS byline", dict(body=[A, B], byline="Kang Yoon-seung"), True),
    ("MOVES para 2 to para 1", dict(body=[B, A]), None),
]


@pytest.mark.parametrize("note, newer, agrees", AGREEMENT, ids=[f"{a[0] or 'no note'}-{i}" for i, a in enumerate(AGREEMENT)])
def test_the_diff_agrees_with_the_note_when_everything_it_names_changed(note, newer, agrees):
    older = _version("AEN20230419005100315", [A, B], photos=[{"url": "https://img.yna.co.kr/a.jpg", "caption": ""}])
    fields = {"photos": older["photos"], **newer}
    result = change(normalized(older), normalized(_version("AEN20230419005151315", fields.pop("body"), editor_note=note,
                                                           **fields)))
    assert result["note_agrees"] is agrees


def test_malformed_fields_are_read_as_empty_and_named():
    malformed = []
    record = normalized({"article_id": "AEN20230419005100315", "body": 5, "editor_note": ["x"], "headline": {"a": 1},
                         "keywords": ["ok", {"k": 1}, ["n"]], "photos": [{"url": ["u"]}, {"url": "https://a/b.jpg"}],
                         "published_at": 20230419}, malformed)
    assert (record["body"], record["editor_note"], record["headline"], record["published_at"]) == ("", "", "", "")
    assert record["keywords"] == ["ok"] and record["photos"] == [{"url": "https://a/b.jpg", "caption": ""}]
    assert malformed == ["AEN20230419005100315: headline, editor_note, body, published_at, keywords, photos"]
    assert normalized({"article_id": "AEN20230419005100315", "keywords": "NK", "photos": 3}, malformed)["photos"] == []
    assert malformed[-1] == "AEN20230419005100315: keywords, photos"
    fine = []
    normalized({"article_id": "AEN20230419005100315", "body": "x", "keywords": None, "photos": []}, fine)
    assert fine == []


def test_versions_outside_the_scheme_and_twin_desks_do_not_break_the_chain():
    versions = [_version(i, [A, B]) for i in ("AEN20230419000700320", "AEN20230419000700325", "AEN20230419000707320",
                                                "AEN20230419000751320")]
    story = chain(versions)
    assert story["outside_scheme"] == ["AEN20230419000707320"] and story["gaps"] == []
    assert [(c["from"], c["to"]) for c in story["changes"]] == [("AEN20230419000700320", "AEN20230419000751320")]
    other_desk = chain([*versions[:2], _version("AEN20230419000751325", [A])])
    assert [(c["from"], c["to"]) for c in other_desk["changes"]] == [("AEN20230419000700325", "AEN20230419000751325")]


def test_a_change_row_holds_scalars_for_pandas():
    older = _version("AEN20230419005100315", [A, B, C], keywords=["scam"])
    newer = _version("AEN20230419005151315", [A, B.replace("three", "four"), D], keywords=["scam", "jeonse"],
                     headline="Other", editor_note="ADDS more details in para 3",
                     published_at="2023-04-19T11:30:30+09:00")
    story = chain([newer, older])
    row = change_row([older, newer], story["changes"][0])
    assert set(row) == set(CHANGE_COLUMNS)
    assert row == {**row, "story_id": "AEN202304190051", "from_version": 0, "to_version": 51, "minutes": 90.5,
                   "added": 1, "removed": 1, "changed": 1, "words_added": 1, "words_removed": 1,
                   "headline_changed": True, "headline_from": "Headline", "headline_to": "Other", "keywords_added": 1,
                   "keywords_removed": 0, "note_actions": "ADDS", "note_paragraphs": 1, "note_agrees": True}
    assert all(not isinstance(value, (list, dict)) for value in row.values())


def test_stories_are_chained_one_at_a_time_from_records_ordered_by_story():
    records = [_version(i, [A]) for i in ("AEN20230419000100315", "AEN20230419000151315", "AEN20230419000200315")]
    assert [story["versions"] for _, story in chains(iter(records))] == [
        ["AEN20230419000100315", "AEN20230419000151315"], ["AEN20230419000200315"]]


def test_text_marks_words_without_colour_and_in_colour_on_a_terminal():
    older = _version("AEN20230419005100315", [A, B])
    newer = _version("AEN20230419005151315", [A, B.replace("three", "four")], headline_prefix="(LEAD)")
    story = chain([older, newer])
    plain, coloured = text(story, [older, newer]), text(story, [older, newer], colour=True)
    assert "para 2 changed: The move comes after [-three-] {+four+} victims took their own lives" in plain
    assert "\x1b[" not in plain and "\x1b[31;9mthree\x1b[0m" in coloured and "\x1b[32;1mfour\x1b[0m" in coloured
    assert "00 -> 51 (LEAD)" in plain


def test_the_html_page_escapes_what_it_shows():
    older = _version("AEN20230419005100315", [A, "<script>alert(1)</script> a b c d"])
    newer = _version("AEN20230419005151315", [A, "<script>alert(1)</script> a b c e"], editor_note="<b>x</b>")
    html_page = page(chain([older, newer]), [older, newer])
    assert "<script>" not in html_page and "&lt;script&gt;" in html_page and "&lt;b&gt;x&lt;/b&gt;" in html_page
    assert html_page.startswith("<!DOCTYPE html>")


def test_a_freak_page_is_diffed_in_bounded_time():
    """Thousands of paragraphs all rewritten, and a paragraph of 200,000 words: seconds,
    not hours (the bounds in newscrawl.revisions.diff)."""
    import random
    import time

    rng = random.Random(7)
    vocabulary = [f"w{n}" for n in range(50)]
    old = [" ".join(rng.choices(vocabulary, k=30)) for _ in range(1500)]
    new = [" ".join(rng.choices(vocabulary, k=30)) for _ in range(1500)]
    huge_old, huge_new = " ".join(rng.choices(vocabulary, k=200_000)), " ".join(rng.choices(vocabulary, k=200_000))
    started = time.process_time()
    result = align(old + [huge_old], new + [huge_new])
    runs = word_changes(huge_old, huge_new)
    assert time.process_time() - started < 60
    assert len(result.added) + len(result.changed) == 1501 and runs == [("-", huge_old), ("+", huge_new)]


def test_control_characters_in_a_page_never_reach_the_terminal():
    older = _version("AEN20230419005100315", [A, "Title \x1b]0;PWNED\x07 here \x1b[2J and more words here"])
    newer = _version("AEN20230419005151315", [A, "Title \x1b]0;PWNED\x07 there \x1b[2J and more words here"],
                     editor_note="UPDATES\x1b[31m para 2", headline="Head\x9bline")
    story = chain([normalized(older), normalized(newer)])
    for coloured in (False, True):
        out = text(story, [normalized(older), normalized(newer)], colour=coloured)
        assert "\x07" not in out and "\x9b" not in out and "\x1b]" not in out and "\x1b[2J" not in out
        assert "\\x1b]0;PWNED\\x07" in out and "\\x9b" in out
        assert ("\x1b[" in out) is coloured  # only the diff's own colours


def test_the_reports_summary_counts_every_note_and_every_version_held():
    from datetime import date

    import pandas as pd

    from newscrawl.analysis.aggregates import NO_ACTION, NO_NOTE, changes_frame, what_changed

    rows = [{"story_id": "AEN202304190051", "to_version": v, "published_at": f"2023-04-19T1{v - 50}:00:00+09:00",
             "minutes": 60.0, "headline": "h", "headline_changed": False, "added": 1, "removed": 0, "changed": 0,
             "photos_added": 0, "photos_removed": 0, "note": note, "note_actions": actions, "note_agrees": agrees}
            for v, note, actions, agrees in ((52, "updates para 2", "UPDATES", True), (53, "as it says", "", None),
                                             (54, "", "", None))]
    periods = pd.Index(["2023-04-19"], name="period")
    summary = what_changed(changes_frame(rows), "day", periods, date(2023, 4, 19), date(2023, 4, 19),
                           pd.Series({"AEN202304190051": 4}))
    assert summary.totals == {"changes": 3, "notes": 2, "checkable": 1, "agreeing": 1, "agree_share": 1.0}
    assert summary.by_period_action.loc["2023-04-19"].to_dict() == {"UPDATES": 1, NO_ACTION: 1, NO_NOTE: 1}
    assert summary.most_revised.loc[0, "versions"] == 4  # 00, 52, 53, 54 held: not changes + 1
