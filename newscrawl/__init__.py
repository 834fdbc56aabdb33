"""newscrawl: Yonhap News Agency English site to clean article feeds."""

__version__ = "0.4.0"


def extract_article(html, url=""):
    """The finished Article of one page (see newscrawl.processing.extract_article)."""
    from newscrawl.processing import extract_article as extract

    return extract(html, url)


def code_origin(package_file: str, search_path: list[str]) -> tuple[str, str | None]:
    """Where this newscrawl's code comes from (its package folder), and a deployed egg on
    the search path that holds newscrawl while another copy runs (scrapyd's stock runner
    appends the egg behind an installed copy; newscrawl_runner puts it first)."""
    import os
    import zipfile

    package_dir = os.path.dirname(os.path.abspath(package_file))
    for entry in search_path:
        if not entry.endswith(".egg") or package_dir.startswith(os.path.abspath(entry) + os.sep):
            continue
        try:
            with zipfile.ZipFile(entry) as egg:
                if "newscrawl/__init__.py" in egg.namelist():
                    return package_dir, entry
        except (OSError, zipfile.BadZipFile):
            continue
    return package_dir, None


__all__ = ["__version__", "code_origin", "extract_article"]
