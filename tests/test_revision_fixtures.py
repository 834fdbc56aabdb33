"""The made revision chains in fixtures/revisions (see its README.md), extracted with the
project's own code: each page gives the version it was made to be, and make.py makes
the committed files again byte for byte."""
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl import extract_article

FIXTURES = Path(__file__).parent / "fixtures"
REVISIONS = FIXTURES / "revisions"


def extract(article_id):
    path = REVISIONS / f"{article_id}.html"
    article = extract_article(path.read_bytes(), "")
    assert article is not None, path
    return dataclasses.asdict(article)


def body_paragraphs(article_id):
    """A version's body paragraphs: a real page's from its expected JSON, a made one's extracted."""
    expected = FIXTURES / "expected" / f"{article_id}.json"
    if expected.exists():
        body = json.loads(expected.read_text(encoding="utf-8"))["body"]
    else:
        body = extract(article_id)["body"]
    return body.split("\n\n")


def img(path):
    return "https://img" + path


NK_PHOTOS = [img("4.yna.co.kr/photo/yna/YH/2023/04/19/PYH2023041900610004200_P4.jpg"),
             img("9.yna.co.kr/photo/yna/YH/2023/04/19/PYH2023041900570004200_P4.jpg"),
             img("6.yna.co.kr/photo/yna/YH/2023/04/19/PYH2023041900540004200_P4.jpg")]
MOBIS_PHOTOS = [img("7.yna.co.kr/etc/inner/EN/2023/04/19/AEN20230419002800320_01_i_P4.jpg"),
                img("9.yna.co.kr/etc/inner/EN/2023/04/19/AEN20230419002851320_02_i_P4.jpg")]
DEREGULATION_PHOTOS = [img("6.yna.co.kr/photo/cms/2023/01/25/63/PCM20230125000063990_P4.jpg")]
SCAM_PHOTOS = [img("8.yna.co.kr/photo/yna/YH/2023/04/18/PYH2023041820750006500_P4.jpg")]


def same(article_id, *numbers):
    """Paragraphs taken unchanged from another version, by its numbering."""
    return [("same", article_id, number) for number in numbers]


# One case a made page. "paragraphs" maps each checked paragraph of the page (1-based,
# dateline paragraph = 1) to its text: literal text (new or changed) or ("same", version, n).
CASES = [
    dict(article_id="AEN20230419000500325", story_id="AEN202304190005", revision=0, prefix="(URGENT)",
         headline="Kim Jong-un says N. Korea to launch military reconnaissance satellite as planned",
         note="", count=1, photos=[], keywords=["NK", "military reconnaissance satellite"],
         published="2023-04-19T06:52:10+09:00", modified="2023-04-19T06:52:10+09:00",
         paragraphs={1: "North Korean leader Kim Jong-un has ordered the launch of the country's first military "
                        "reconnaissance satellite as planned, the North's state media said Wednesday."},
         absent=[]),
    dict(article_id="AEN20230419000951325", story_id="AEN202304190009", revision=1, prefix="(LEAD)",
         headline="N. Korea's Kim orders launch of military reconnaissance satellite as planned",
         note="", count=11, photos=NK_PHOTOS, keywords=["NK", "military reconnaissance satellite"],
         published="2023-04-19T08:03:41+09:00", modified="2023-04-19T08:03:41+09:00",
         paragraphs=dict(zip(range(1, 12), same("AEN20230419000952325", 1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14))),
         absent=[("AEN20230419000952325", n) for n in (9, 10, 11, 15, 16, 17)]),
    dict(article_id="AEN20230419002851320", story_id="AEN202304190028", revision=1, prefix="(LEAD)",
         headline="Hyundai Mobis aims to win US$1 bln in Chinese orders this year",
         note="UPDATES with company official's remarks in last 2 paras; ADDS photo", count=12,
         photos=MOBIS_PHOTOS, keywords=["Hyundai Mobis-China target"],
         published="2023-04-19T16:21:05+09:00", modified="2023-04-19T16:21:05+09:00",
         paragraphs={**dict(zip(range(1, 11), same("AEN20230419002800320", *range(1, 11)))),
                     11: '"China is one of our most important markets, and we will expand our presence there by '
                         'offering core EV components tailored to the needs of local carmakers," a company official '
                         'said.',
                     12: "At the Shanghai show, Hyundai Mobis is displaying the e-CCPM and other electrification and "
                         "autonomous driving technologies at its booth, and it plans to hold a series of business "
                         "meetings with Chinese carmakers during the event."},
         absent=[]),
    dict(article_id="AEN20230419002852320", story_id="AEN202304190028", revision=2, prefix="(2nd LD)",
         headline="Hyundai Mobis targets US$1 bln in China orders, unveils e-CCPM in Shanghai",
         note="RECASTS headline, lead; ADDS more details in para 4", count=12,
         photos=MOBIS_PHOTOS, keywords=["Hyundai Mobis-China target", "e-CCPM"],
         published="2023-04-19T18:47:30+09:00", modified="2023-04-19T18:47:30+09:00",
         paragraphs={1: "Hyundai Mobis Co., South Korea's leading auto parts maker, said Wednesday it aims to win "
                        "US$1 billion worth of orders in China this year, as it unveiled high-end components for "
                        "electric vehicles in Shanghai.",
                     4: "Hyundai Mobis plans to begin mass production of the e-CCPM in 2025 and supply it to "
                        "carmakers developing purpose-built vehicles and other future mobility models, the company "
                        "said.",
                     **dict(zip((2, 3, 5, 6, 7, 8, 9, 10, 11, 12),
                                same("AEN20230419002851320", 2, 3, 4, 5, 7, 8, 10, 6, 11, 12)))},
         absent=[("AEN20230419002851320", 9)]),
    dict(article_id="AEN20230419003851320", story_id="AEN202304190038", revision=1, prefix="(LEAD)",
         headline="S. Korea to support 600 bln won in investments through deregulation",
         note="RECASTS headline; ADDS ministry's remarks in paras 5-6", count=11,
         photos=DEREGULATION_PHOTOS, keywords=["regulations"],
         published="2023-04-19T15:36:12+09:00", modified="2023-04-19T15:36:12+09:00",
         paragraphs={**dict(zip((1, 2, 3, 4, 7, 8, 9, 10, 11), same("AEN20230419003800320", *range(1, 10)))),
                     5: "The ministry said the measures will allow companies to go ahead with projects that have "
                        "been delayed due to regulations, adding that it expects the projects to create jobs in the "
                        "regions involved.",
                     6: '"The government will continue to identify regulations that hold back corporate investment '
                        'and improve them swiftly," the ministry said, adding that it will unveil the next batch of '
                        'measures in the second half of the year.'},
         absent=[]),
    dict(article_id="AEN20230419003852320", story_id="AEN202304190038", revision=2, prefix="(2nd LD)",
         headline="S. Korea to support 600 bln won in investments through deregulation",
         note="ADDS more details in paras 9-10; CHANGES photo", count=10,
         photos=DEREGULATION_PHOTOS, keywords=["regulations", "Merck"],
         published="2023-04-19T17:02:40+09:00", modified="2023-04-19T17:02:40+09:00",
         paragraphs={**dict(zip((1, 2, 3, 4, 5, 6, 7, 9, 10), same("AEN20230419003851320", 1, 2, 4, 5, 6, 7, 8, 10, 11))),
                     8: "The country plans to propose a new site to Merck by the end of May."},
         absent=[("AEN20230419003851320", 3), ("AEN20230419003851320", 9)]),
    dict(article_id="AEN20230419005152315", story_id="AEN202304190051", revision=2, prefix="(2nd LD)",
         headline="PPP, gov't agree to provide financial support to rental scam victims",
         note="RECASTS headline, lead; UPDATES throughout", count=14,
         photos=SCAM_PHOTOS, keywords=["rental scam"],
         published="2023-04-19T17:55:00+09:00", modified="2023-04-19T17:55:00+09:00",
         paragraphs={1: "The ruling People Power Party (PPP) and the government agreed Wednesday to provide financial "
                        "support to victims of a massive home rental scam, including putting in government money to "
                        "help victims buy those homes or giving them the priority purchase right.",
                     2: "The move comes after three victims took their own lives in recent months after losing "
                        "rental deposists in a scam in the western city of Incheon, highlighting the dismal "
                        "situation the victims are under and sending the government scrambling for remedies.",
                     4: '"The PPP and the government are considering either to publicly procure the housing units '
                        'involved in the scam or give victims priority to purchase the houses," a senior PPP '
                        'lawmaker said earlier in the day in a call with Yonhap News Agency.',
                     5: '"But further discussions would be necessary due to budget constraints," the lawmaker said '
                        'before the meeting.',
                     9: "The party and the government agreed in a meeting Wednesday evening to offer low-interest "
                        "loans to the victims and to give them priority to purchase the homes put up for auction, a "
                        "party spokesperson said, adding that details will be worked out at a follow-up meeting.",
                     **dict(zip((3, 6, 7, 8, 10, 11, 12, 13, 14), same("AEN20230419005100315", 3, 6, 7, 8, 9, 10, 11, 12, 13)))},
         absent=[("AEN20230419005100315", n) for n in (1, 2, 4, 5)]),
    dict(article_id="AEN20230419005153315", story_id="AEN202304190051", revision=3, prefix="(3rd LD)",
         headline="PPP, gov't agree to provide financial support to rental scam victims",
         note="CORRECTS typo in para 2", count=14,
         photos=SCAM_PHOTOS, keywords=["rental scam"],
         published="2023-04-19T20:31:09+09:00", modified="2023-04-19T20:31:09+09:00",
         paragraphs={2: ("same", "AEN20230419005100315", 2),
                     **dict(zip((1, *range(3, 15)), same("AEN20230419005152315", 1, *range(3, 15))))},
         absent=[("AEN20230419005152315", 2)]),
]


def test_every_made_page_has_a_case():
    assert {p.stem for p in REVISIONS.glob("*.html")} == {case["article_id"] for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["article_id"])
def test_made_page_is_its_version(case):
    got = extract(case["article_id"])
    assert got["layout"] == "2023"
    assert got["article_id"] == case["article_id"]
    assert got["story_id"] == case["story_id"]
    assert got["revision"] == case["revision"]
    assert got["headline"] == case["headline"]
    assert got["headline_prefix"] == case["prefix"]
    assert got["editor_note"] == case["note"]
    assert got["published_at"] == case["published"]
    assert got["modified_at"] == case["modified"]
    assert [photo["url"] for photo in got["photos"]] == case["photos"]
    assert got["keywords"] == case["keywords"]
    assert got["end_marker"] == "END"
    paragraphs = got["body"].split("\n\n")
    assert len(paragraphs) == case["count"]
    for number, want in case["paragraphs"].items():
        if isinstance(want, tuple):
            _, version, other = want
            want = body_paragraphs(version)[other - 1]
        assert paragraphs[number - 1] == want, number
    for version, other in case["absent"]:
        assert body_paragraphs(version)[other - 1] not in paragraphs, (version, other)


def test_made_pages_keep_byline_and_captions():
    assert {extract(i)["byline"] for i in ("AEN20230419003851320", "AEN20230419003852320")} == {"Kang Yoon-seung"}
    added = extract("AEN20230419002851320")["photos"][1]
    assert added["caption"] == ("Hyundai Mobis Co.'s booth at the 2023 Shanghai International Automobile Industry "
                                "Exhibition in Shanghai on April 18, 2023, in this photo provided by the company. "
                                "(PHOTO NOT FOR SALE) (Yonhap)")
    urgent = extract("AEN20230419000500325")
    assert urgent["related_ids"] == [] and urgent["author_emails"] == []


def test_make_py_reproduces_the_committed_files(tmp_path):
    subprocess.run([sys.executable, str(REVISIONS / "make.py"), str(tmp_path)], check=True, capture_output=True)
    made = {p.name: p.read_bytes() for p in tmp_path.glob("*.html")}
    committed = {p.name: p.read_bytes() for p in REVISIONS.glob("*.html")}
    assert made.keys() == committed.keys()
    for name, data in made.items():
        assert data == committed[name], name
