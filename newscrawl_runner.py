"""scrapyd's runner for newscrawl (deploy/scrapyd.conf: `runner = newscrawl_runner`).

scrapyd's own runner activates a deployed egg with pkg_resources, which appends the egg to
the end of sys.path. With newscrawl also installed in scrapyd's environment
(`pip install '.[service]'`), the installed copy in site-packages comes first and a deployed
egg's code never runs. This runner lets scrapyd's runner activate the egg, then moves what
the activation added to the front of sys.path, so the egg's `newscrawl` is the one imported.

It is a module of its own, outside the `newscrawl` package, because importing anything
inside the installed package first would import that copy and pin it for the whole job.
"""
import os
import sys

from scrapyd import runner as scrapyd_runner


def put_first(added: list[str]) -> None:
    """Move the entries an egg's activation added to sys.path to its front, in order."""
    for entry in reversed(added):
        while entry in sys.path:
            sys.path.remove(entry)
        sys.path.insert(0, entry)


def main() -> None:
    project = os.environ["SCRAPY_PROJECT"]
    before = list(sys.path)
    with scrapyd_runner.project_environment(project):
        put_first([entry for entry in sys.path if entry not in before])
        from scrapy.cmdline import execute

        execute()


if __name__ == "__main__":
    main()
