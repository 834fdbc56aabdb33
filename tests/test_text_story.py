import pytest

from newscrawl.text.story import normalize_line, parse_story, split_paragraphs

DATE = "SEOUL, Feb. 5 (Yonhap) -- "


def story(*paragraphs):
    return parse_story(list(paragraphs))


def test_full_structure():
    s = story("(ATTN: ADDS more details in paras 9-11)", "By Lee Haye-ah", DATE + "First.", "Second.",
              "lhy@yna.co.kr", "(END)")
    assert s.editor_note == "ADDS more details in paras 9-11"
    assert s.byline == "Lee Haye-ah"
    assert s.dateline == "SEOUL, Feb. 5 (Yonhap)"
    assert s.paragraphs == ["First.", "Second."]
    assert s.author_emails == ["lhy@yna.co.kr"]
    assert s.end_marker == "END"
    assert s.related_removed == 0


BYLINES = [
    ("By Kang Yoon-seung", "Kang Yoon-seung"),
    ("By Lee Haye-ah", "Lee Haye-ah"),
    ("By Yoo Jee-ho", "Yoo Jee-ho"),
    ("By Kim Eun-jung and Yi Wonju", "Kim Eun-jung and Yi Wonju"),
    ("By Kim Soo-yeon, Choi Kyong-ae and Chang Dong-woo", "Kim Soo-yeon, Choi Kyong-ae and Chang Dong-woo"),
    ("By the end of the year, exports will rise.", ""),  # body text, not a byline
    ("By contrast, imports fell", ""),
]


@pytest.mark.parametrize("line, byline", BYLINES)
def test_byline(line, byline):
    s = story(line, DATE + "Body.", "(END)")
    assert s.byline == byline
    if not byline:
        assert s.paragraphs[0] == line  # the line stays in the body


def test_byline_and_note_in_one_paragraph_either_order():
    a = story("By Kang Yoon-seung\n(ATTN: UPDATES with photo)", DATE + "Body.", "(END)")
    b = story("(ATTN: UPDATES with photo)\nBy Kang Yoon-seung", DATE + "Body.", "(END)")
    for s in (a, b):
        assert (s.byline, s.editor_note, s.paragraphs) == ("Kang Yoon-seung", "UPDATES with photo", ["Body."])


ENDINGS = [
    # paragraphs after the dateline paragraph "Body.", e-mails, end marker, body paragraphs
    (["colin@yna.co.kr", "(END)"], ["colin@yna.co.kr"], "END", ["Body."]),
    (["colin@yna.co.kr\n(END)"], ["colin@yna.co.kr"], "END", ["Body."]),  # <br/> in one <p>
    (["kyongae.choi@yna.co.kr\n(END)"], ["kyongae.choi@yna.co.kr"], "END", ["Body."]),
    (["yoonik@yna.co.kr; hague@yna.co.kr", "(END)"], ["yoonik@yna.co.kr", "hague@yna.co.kr"], "END", ["Body."]),
    (["Last sentence.\n(END)"], [], "END", ["Body.", "Last sentence."]),  # text<br/>(END)
    (["Last sentence. (END)"], [], "END", ["Body.", "Last sentence."]),
    (["(MORE)"], [], "MORE", ["Body."]),
    (["colin@yna.co.kr"], ["colin@yna.co.kr"], "", ["Body."]),  # dump cut before (END)
    ([], [], "", ["Body."]),
]


@pytest.mark.parametrize("ending, emails, marker, body", ENDINGS)
def test_endings(ending, emails, marker, body):
    s = story(DATE + "Body.", *ending)
    assert (s.author_emails, s.end_marker, s.paragraphs) == (emails, marker, body)


def test_email_inside_body_text_is_kept():
    s = story(DATE + "Write to tips@example.com for details.", "(END)")
    assert s.paragraphs == ["Write to tips@example.com for details."]
    assert s.author_emails == []


TAIL = ["-", "Headline one", "-", "(LEAD) Headline two", "-", "Headline three"]


def test_tail_after_end_marker_removed():
    s = story(DATE + "Body.", "colin@yna.co.kr", "(END)", *TAIL)
    assert s.paragraphs == ["Body."]
    assert s.related_removed == 3


def test_tail_without_end_marker_removed():
    s = story(DATE + "Body.", "Last paragraph of the story.", *TAIL)
    assert s.paragraphs == ["Body.", "Last paragraph of the story."]
    assert s.related_removed == 3


def test_tail_after_email_without_end_marker_needs_one_headline():
    s = story(DATE + "Body.", "colin@yna.co.kr", "-", "Only headline")
    assert (s.paragraphs, s.author_emails, s.related_removed) == (["Body."], ["colin@yna.co.kr"], 1)


@pytest.mark.parametrize("paragraphs", [
    # a story that legitimately has a "-" line and a short last sentence
    [DATE + "Scores:", "-", "Short last sentence."],
    # two dash-separated short lines are not enough to call it a tail
    [DATE + "Body.", "-", "Item one", "-", "Item two"],
    # short lines without "-" separators are body
    [DATE + "Body.", "Short one.", "Short two.", "Short three."],
    # a headline-like block must begin with its "-" separator
    [DATE + "Body.", "Tail-like line", "-", "Another", "-", "Third"],
])
def test_body_that_looks_like_a_tail_survives(paragraphs):
    s = story(*paragraphs)
    assert s.related_removed == 0
    assert "\n\n".join(s.paragraphs) == "\n\n".join([paragraphs[0][len(DATE):], *paragraphs[1:]])


MID_STORY_MARKERS = [
    # paragraphs after "Body."; the body kept, e-mails, the marker that ended it, markers kept in the body
    (["Part one ends here. (MORE)", "Part two goes on.", "colin@yna.co.kr", "(END)"],
     ["Body.", "Part one ends here. (MORE)", "Part two goes on."], ["colin@yna.co.kr"], "END", 1),
    (["(END)", "The story goes on after a stray marker.", "colin@yna.co.kr"],
     ["Body.", "(END)", "The story goes on after a stray marker."], ["colin@yna.co.kr"], "", 1),
    (["(MORE)", "Short.", "colin@yna.co.kr", "(END)", *TAIL],
     ["Body.", "(MORE)", "Short."], ["colin@yna.co.kr"], "END", 1),
    # what follows is e-mails and the tail: the marker ends the story
    (["Last. (END)", "colin@yna.co.kr", *TAIL], ["Body.", "Last."], ["colin@yna.co.kr"], "END", 0),
    (["(MORE)", "colin@yna.co.kr"], ["Body."], ["colin@yna.co.kr"], "MORE", 0),
]


@pytest.mark.parametrize("ending, body, emails, marker, kept", MID_STORY_MARKERS)
def test_end_marker_followed_by_more_story_stays_in_the_body(ending, body, emails, marker, kept):
    s = story(DATE + "Body.", *ending)
    assert (s.paragraphs, s.author_emails, s.end_marker, s.markers_in_body) == (body, emails, marker, kept)


def test_dateless_story_keeps_all_text():
    s = story("NAVER 191,400 DN 1,400\nKakao 58,600 DN 400", "(MORE)")
    assert (s.dateline, s.dateline_city, s.end_marker) == ("", "", "MORE")
    assert s.paragraphs == ["NAVER 191,400 DN 1,400\nKakao 58,600 DN 400"]


SPLITS = [
    ("a\nb\nc", ["a", "b", "c"]),  # a dump: a paragraph a line
    ("a\r\nb\r\n", ["a", "b"]),  # CRLF
    ("\ufeffa\nb", ["a", "b"]),  # UTF-8 BOM
    ("a\n\nb\n\nc", ["a", "b", "c"]),  # blank-line separated single lines
    ("p1 l1\np1 l2\n\np2", ["p1 l1\np1 l2", "p2"]),  # blocks of lines
    ("  a  \t b \n\n\n c ", ["a b", "c"]),  # stray whitespace
    ("a\u00a0b", ["a b"]),  # NBSP
]


@pytest.mark.parametrize("text, paragraphs", SPLITS)
def test_split_paragraphs(text, paragraphs):
    assert split_paragraphs(text) == paragraphs


@pytest.mark.parametrize("line, normalized", [
    ("  Seoul\u00a0\u00a0stocks  open ", "Seoul stocks open"),  # NBSP, as the site writes it
    ("a\tb\u3000c\u2009d\u202fe", "a b c d e"),  # tab, ideographic, thin and narrow no-break spaces
    ("a\u200bb", "a\u200bb"),  # a zero-width space is no whitespace: kept (the diff strips it)
    ("\u00a0", ""),
])
def test_normalize_line_collapses_every_kind_of_space(line, normalized):
    assert normalize_line(line) == normalized
