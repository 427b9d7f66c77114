"""The full-text search index (see ``reader/search.py``): raw tables, since each engine needs its own kind.

SQLite: FTS5 tables ``reader_search`` (unicode61, diacritics folded) and ``reader_search_cjk`` (trigram).
PostgreSQL: ``reader_search`` (tsvector + GIN) and ``reader_search_cjk`` (text + pg_trgm GIN), with the
``unaccent`` and ``pg_trgm`` extensions (both "trusted": a database owner may create them) and the text
search configuration ``digest_search`` (``simple`` after ``unaccent``).
No foreign keys: Django does not know these tables, and a foreign key would stop it from truncating
``reader_article`` (test flushes); search joins with live articles, so a stale row is never shown.
"""

from __future__ import annotations

from django.db import migrations

SQLITE = [
    (
        "CREATE VIRTUAL TABLE reader_search USING fts5("
        "title, body, summary, site, tags, owner, tokenize = 'unicode61 remove_diacritics 2')"
    ),
    "CREATE VIRTUAL TABLE reader_search_cjk USING fts5(title, body, owner UNINDEXED, tokenize = 'trigram')",
]
SQLITE_DROP = [
    "DROP TABLE IF EXISTS reader_search",
    "DROP TABLE IF EXISTS reader_search_cjk",
]

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION digest_search (COPY = simple)",
    (
        "ALTER TEXT SEARCH CONFIGURATION digest_search ALTER MAPPING FOR asciiword, asciihword, "
        "hword_asciipart, word, hword, hword_part, numword, numhword, hword_numpart WITH unaccent, simple"
    ),
    (
        "CREATE TABLE reader_search "
        "(article_id bigint PRIMARY KEY, owner_id bigint NOT NULL, document tsvector NOT NULL)"
    ),
    "CREATE INDEX reader_search_owner ON reader_search (owner_id, article_id)",
    # No statistics on the tsvectors: with them the planner reads every tsvector (a sequential scan)
    # for a common word, many times slower than the GIN index it then estimates as dearer.
    "ALTER TABLE reader_search ALTER COLUMN document SET STATISTICS 0",
    "CREATE INDEX reader_search_document ON reader_search USING gin (document)",
    "CREATE TABLE reader_search_cjk (article_id bigint PRIMARY KEY, owner_id bigint NOT NULL, body text NOT NULL)",
    "CREATE INDEX reader_search_cjk_body ON reader_search_cjk USING gin (body gin_trgm_ops)",
]
POSTGRES_DROP = [
    "DROP TABLE IF EXISTS reader_search",
    "DROP TABLE IF EXISTS reader_search_cjk",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS digest_search",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise RuntimeError(f"Digest's search supports SQLite and PostgreSQL, not {vendor}")
    for sql in SQLITE if vendor == "sqlite" else POSTGRES:
        schema_editor.execute(sql)
    # Fill it for articles saved before search existed. Uses today's indexing code: if it ever
    # needs a later column, this step is what to drop (``manage.py rebuild_search_index`` does it).
    from reader.search import rebuild_index

    if apps.get_model("reader", "Article").objects.exists():
        rebuild_index()


def backwards(apps, schema_editor):
    for sql in SQLITE_DROP if schema_editor.connection.vendor == "sqlite" else POSTGRES_DROP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = (
        ("reader", "0002_reading_state"),
        ("summaries", "0001_initial"),
    )

    operations = (migrations.RunPython(forwards, backwards),)
