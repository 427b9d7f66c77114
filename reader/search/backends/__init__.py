"""The search engines, one class per database engine, and the choice between them.

``get_backend()`` is the only place that looks at which database is in use; every engine-specific
statement lives in its backend class (``sqlite.SQLiteBackend``, ``postgres.PostgresBackend``).
"""

from __future__ import annotations

from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from reader.search.backends.base import SearchBackend
from reader.search.backends.postgres import PostgresBackend
from reader.search.backends.sqlite import SQLiteBackend

__all__ = ["PostgresBackend", "SQLiteBackend", "SearchBackend", "get_backend"]

_BACKENDS: dict[str, type[SearchBackend]] = {cls.vendor: cls for cls in (SQLiteBackend, PostgresBackend)}


def get_backend() -> SearchBackend:
    """The search backend of the default database, made once per engine.

    Raises ``ImproperlyConfigured`` for an engine other than SQLite or PostgreSQL (migration 0003
    refuses those too).
    """
    return _backend_for(connection.vendor)


@cache
def _backend_for(vendor: str) -> SearchBackend:
    try:
        return _BACKENDS[vendor]()
    except KeyError:
        raise ImproperlyConfigured(f"Digest's search supports SQLite and PostgreSQL, not {vendor}") from None
