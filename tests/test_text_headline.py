import pytest

from newscrawl.text.headline import revision_from_prefix, split_headline

HEADLINES = [
    # raw, headline, prefix, revision
    ("S. Korea eyes further economic cooperation with Russia, Azerbaijan",
     "S. Korea eyes further economic cooperation with Russia, Azerbaijan", "", 0),
    ("(URGENT) N. Korea fires ballistic missile: JCS", "N. Korea fires ballistic missile: JCS", "(URGENT)", 0),
    ("(LEAD) SHINee's Taemin to join military next month", "SHINee's Taemin to join military next month", "(LEAD)", 1),
    ("(2nd LD) N. Korea's Kim orders launch of military reconnaissance satellite as planned",
     "N. Korea's Kim orders launch of military reconnaissance satellite as planned", "(2nd LD)", 2),
    ("(3rd LD) NK leader's sister dismisses doubts", "NK leader's sister dismisses doubts", "(3rd LD)", 3),
    ("(4th LD) Yoon, Biden hold summit", "Yoon, Biden hold summit", "(4th LD)", 4),
    ("(11th LD) Death toll rises to 30", "Death toll rises to 30", "(11th LD)", 11),
    ("(21st LD) Rescue work goes on", "Rescue work goes on", "(21st LD)", 21),
    ("(News Focus) S. Korea again faces debate over female military draft",
     "S. Korea again faces debate over female military draft", "(News Focus)", 0),
    ("(Yonhap Interview) New foreign player determined to break curse for KBO club",
     "New foreign player determined to break curse for KBO club", "(Yonhap Interview)", 0),
    ("(Yonhap Feature) Seoul's last tailors", "Seoul's last tailors", "(Yonhap Feature)", 0),
    ("(EDITORIAL from Korea Herald on June 11) Vaccine diplomacy", "Vaccine diplomacy",
     "(EDITORIAL from Korea Herald on June 11)", 0),
    ("(Photo News) Cherry blossoms", "Cherry blossoms", "(Photo News)", 0),
    ("(Newsmaker) BTS leader enlists", "BTS leader enlists", "(Newsmaker)", 0),
    ("(Correction) Exports rise 3 pct", "Exports rise 3 pct", "(Correction)", 0),
    ("(LEAD) (Olympics) Archers win gold", "Archers win gold", "(LEAD) (Olympics)", 1),
    ("(2nd LD) (Yonhap Interview) Minister speaks", "Minister speaks", "(2nd LD) (Yonhap Interview)", 2),
    # og:title carries the site suffix; the clean headline never does
    ("(2nd LD) Title here | Yonhap News Agency", "Title here", "(2nd LD)", 2),
    ("Childbirths sink 6 pct to fresh low in Jan.", "Childbirths sink 6 pct to fresh low in Jan.", "", 0),
    # parentheses inside a headline are the headline's own
    ("KOSPI 200 Closing Price List-1", "KOSPI 200 Closing Price List-1", "", 0),
    ("S. Korea's exports (excluding ships) rise", "S. Korea's exports (excluding ships) rise", "", 0),
    # a tag with nothing after it is not a prefix
    ("(LEAD)", "(LEAD)", "", 0),
    ("  (LEAD)   Extra   spaces  ", "Extra spaces", "(LEAD)", 1),
]


@pytest.mark.parametrize("raw, headline, prefix, revision", HEADLINES)
def test_split_headline(raw, headline, prefix, revision):
    parts = split_headline(raw)
    assert (parts.headline, parts.prefix, parts.revision) == (headline, prefix, revision)


@pytest.mark.parametrize("prefix, revision", [
    ("", 0), ("(URGENT)", 0), ("(LEAD)", 1), ("(2nd LD)", 2), ("(3rd LD)", 3),
    ("(News Focus)", 0), ("(Olympics) (5th LD)", 5),
])
def test_revision_from_prefix(prefix, revision):
    assert revision_from_prefix(prefix) == revision
