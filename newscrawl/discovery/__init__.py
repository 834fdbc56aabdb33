"""Discovery documents read without Scrapy (the spider, newscrawl.spiders.yonhap, asks
them for links): rss_sitemap reads RSS feeds and sitemaps entry by entry."""
