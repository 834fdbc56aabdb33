"""What changed between a story's versions: paragraph and word diffs, the editor's
note read as the actions it claims, and whether the diff agrees (no Scrapy import)."""
