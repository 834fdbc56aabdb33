"""Only for `scrapyd-deploy`, which builds its egg with `python setup.py bdist_egg`.

Everything is declared in pyproject.toml (packages: newscrawl only; the scrapy
settings entry point); this file adds nothing to it.
"""
from setuptools import setup

setup()
