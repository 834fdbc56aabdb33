"""How a run judges and tells itself (no Scrapy import; docs/monitoring.md): the health
checks as pure functions of its stats (health), the figures of its progress line
(progress), and where its run report and progress file go (run_report). The Scrapy
side of them is newscrawl.components (monitors, run_report)."""
