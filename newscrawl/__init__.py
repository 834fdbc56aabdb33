"""newscrawl: Yonhap News Agency English site to clean article feeds."""

__version__ = "0.3.0"


def extract_article(html, url=""):
    """The finished Article of one page (see newscrawl.processing.extract_article)."""
    from newscrawl.processing import extract_article as extract

    return extract(html, url)


__all__ = ["__version__", "extract_article"]
