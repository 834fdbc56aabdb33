"""A local stand-in for en.yna.co.kr, served over real HTTP on 127.0.0.1, split by job:
site (the pages, listings, feeds, robots.txt), synthetic (a large made-up site),
faults (failures on demand), servers (the HTTP servers)."""
from newscrawl.mirror.faults import (FAULTS, HARMLESS_FAULTS, PERMANENT_FAULTS, TRANSIENT_FAULTS, FaultPlan)
from newscrawl.mirror.servers import MirrorServer, serve_fast
from newscrawl.mirror.site import LISTING_PAGE_SIZE, MirrorArticle, build_site, load_articles
from newscrawl.mirror.synthetic import synthetic_articles

__all__ = ["FAULTS", "HARMLESS_FAULTS", "LISTING_PAGE_SIZE", "PERMANENT_FAULTS", "TRANSIENT_FAULTS", "FaultPlan",
           "MirrorArticle", "MirrorServer", "build_site", "load_articles", "serve_fast", "synthetic_articles"]
