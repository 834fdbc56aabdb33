"""The incremental-crawl state store: which article versions were exported (no Scrapy
import). One interface (`base.Store`), a module per backend: `sqlite` (a file, the
embedded default) and `postgres` (a server several machines can share).

`StateStore(location, ...)` opens the store at a location: a `postgresql://` URL
(NEWSCRAWL_STATE_URL) or a file path (NEWSCRAWL_STATE_PATH).
"""
from __future__ import annotations

import os

from newscrawl.state.base import (SCHEMA_VERSION, FeedFile, RunFenced, RunInfo, Store, StateStoreError,
                                  content_hash, default_node, default_state_path)
from newscrawl.secrets import redacted
from newscrawl.state.postgres import PostgresStore, is_url
from newscrawl.state.sqlite import SQLiteStore, real_path


def backend_for(location: str | os.PathLike) -> type[Store]:
    return PostgresStore if is_url(location) else SQLiteStore


class StateStore:
    """Opens the store at `location` with the backend its form names."""

    def __new__(cls, location: str | os.PathLike, **options) -> Store:
        return backend_for(location)(str(location) if is_url(location) else location, **options)

    @staticmethod
    def check(location: str | os.PathLike) -> None:
        """StateStoreError if a crawl could not use the store at `location` now."""
        backend_for(location).check(location)


__all__ = ["SCHEMA_VERSION", "FeedFile", "PostgresStore", "RunFenced", "RunInfo", "SQLiteStore", "StateStore",
           "StateStoreError", "Store", "backend_for", "content_hash", "default_node", "default_state_path", "real_path",
           "redacted"]
