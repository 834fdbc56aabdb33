"""The analysts' report (`newscrawl report`): aggregates of the exported articles and the
crawl runs (aggregates, pure pandas), drawn into one self-contained HTML page (page)."""
