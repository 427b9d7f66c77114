"""The reading list's view counts, kept by the database as articles change.

The list head shows how many of the person's articles are in each view (unread, archived, favourites,
pending, failed, all) within the page's narrowing filter (a tag, a site or a language). Counting them
by reading the list index costs time in proportion to the person's articles (bench/README.md, "Web":
when one person owns every article the planner even reads the whole table), so they are kept in
``reader_listcount`` (``reader.models.ListCount``): one row per person and key, the key being the whole
list (kind ``""``, name ``""``), a site (``"site"``, the site as stored), a language (``"lang"``, the
code as stored) or a tag (``"tag"``, its id as text).

Triggers on ``reader_article`` and its tag links (``reader_article_tags``) keep the rows right in the
same transaction as every write, whoever makes it: the pipeline, the organize service, the admin, a
bulk insert. A write that changes nothing counted (a worker renewing its lease, a new text) costs
nothing: the update trigger fires only when a counted flag, the site, the language or the owner
changed. On PostgreSQL the rows a statement changes are locked in key order, and every change to one
person's articles takes that person's whole-list row first, so two writers never deadlock on them.

Deletes only ever subtract from rows that exist (an insert made them): a test database emptied table by
table in any order (Django's flush) is left with no stray rows.

``install_sql(vendor)`` gives the statements that create the triggers, ``drop_sql(vendor)`` the ones
that remove them, ``rebuild_sql()`` those that recount every row from the articles; migration 0008
runs them. A change to the rules here (what a view counts) needs a new migration that runs
``drop_sql`` and ``install_sql`` again, then ``rebuild_sql``. The rules match
``reader.selectors.SHOW_FILTERS``; ``tests/test_list_counts.py`` checks the counts against a count of the
articles after every kind of write, on both engines.
"""

from __future__ import annotations

# The views in the order of the table's columns ("total" is the "all" view).
COLUMNS = ("total", "unread", "archived", "favourites", "pending", "failed")
PENDING = ("queued", "fetching", "extracting", "summarizing")  # Article.PENDING_STATUSES
TABLE = "reader_listcount"
LINKS = "reader_article_tags"


def _flags(row: str) -> list[str]:
    """What one article (the row named ``row``) adds to each column, 0 or 1, as SQL."""
    live = f"{row}.deleted_at IS NULL"
    pending = ", ".join(f"'{status}'" for status in PENDING)
    conditions = [
        live,
        f"{live} AND {row}.read_at IS NULL AND {row}.archived_at IS NULL",
        f"{live} AND {row}.archived_at IS NOT NULL",
        f"{live} AND {row}.favourite",
        f"{live} AND {row}.status IN ({pending})",
        f"{live} AND {row}.status = 'failed'",
    ]
    return [f"CASE WHEN {condition} THEN 1 ELSE 0 END" for condition in conditions]


def _rows(row: str, sign: int) -> str:
    """SQL rows (owner_id, kind, name, one delta per column) of article ``row``: one per key it counts under."""
    keys = (
        "SELECT '' AS kind, '' AS name"
        f" UNION ALL SELECT 'site', {row}.site"
        f" UNION ALL SELECT 'lang', {row}.language"
        f" UNION ALL SELECT 'tag', CAST(t.tag_id AS TEXT) FROM {LINKS} t WHERE t.article_id = {row}.id"
    )
    deltas = ", ".join(f"{sign} * {flag} AS {column}" for flag, column in zip(_flags(row), COLUMNS, strict=True))
    return f"SELECT {row}.owner_id AS owner_id, k.kind AS kind, k.name AS name, {deltas} FROM ({keys}) AS k"


def _add(rows: str) -> str:
    """Add the delta ``rows`` to the table, one statement: summed per key, keys without a change left
    out, in key order, a missing row inserted."""
    sums = ", ".join(f"SUM({c})" for c in COLUMNS)
    changed = " OR ".join(f"SUM({c}) <> 0" for c in COLUMNS)
    updates = ", ".join(f"{c} = {TABLE}.{c} + excluded.{c}" for c in COLUMNS)
    return (
        f"INSERT INTO {TABLE} (owner_id, kind, name, {', '.join(COLUMNS)}) "
        f"SELECT owner_id, kind, name, {sums} FROM ({rows}) AS d WHERE true "
        f"GROUP BY owner_id, kind, name HAVING {changed} ORDER BY owner_id, kind, name "
        f"ON CONFLICT (owner_id, kind, name) DO UPDATE SET {updates}"
    )


def _subtract(rows: str) -> str:
    """Subtract the ``rows`` (one per key, no key twice) from the rows that exist, one statement."""
    updates = ", ".join(f"{c} = {TABLE}.{c} - d.{c}" for c in COLUMNS)
    return (
        f"UPDATE {TABLE} SET {updates} FROM ({rows}) AS d "
        f"WHERE {TABLE}.owner_id = d.owner_id AND {TABLE}.kind = d.kind AND {TABLE}.name = d.name"
    )


def _link_rows(link: str, sign: int) -> str:
    """The delta row of one tag link (``NEW`` or ``OLD``): its article's flags under the tag's key."""
    deltas = ", ".join(f"{sign} * {flag} AS {column}" for flag, column in zip(_flags("a"), COLUMNS, strict=True))
    return (
        f"SELECT a.owner_id AS owner_id, 'tag' AS kind, CAST({link}.tag_id AS TEXT) AS name, {deltas} "
        f"FROM reader_article a WHERE a.id = {link}.article_id AND a.deleted_at IS NULL"
    )


def _changed(distinct: str) -> str:
    """SQL true when an update of an article changes what it counts under (``distinct``: the engine's
    null-safe "differ" operator)."""
    parts = [f"({old}) <> ({new})" for old, new in zip(_flags("OLD"), _flags("NEW"), strict=True)]
    parts += [f"OLD.{column} {distinct} NEW.{column}" for column in ("site", "language", "owner_id")]
    return " OR ".join(parts)


def install_sql(vendor: str) -> list[str]:
    """The statements that create the triggers on ``vendor`` ("sqlite" or "postgresql")."""
    moved = _add(f"{_rows('OLD', -1)} UNION ALL {_rows('NEW', 1)}")
    if vendor == "sqlite":
        changed = _changed("IS NOT")
        return [
            f"CREATE TRIGGER reader_listcount_article_insert AFTER INSERT ON reader_article BEGIN {_add(_rows('NEW', 1))}; END",
            f"CREATE TRIGGER reader_listcount_article_update AFTER UPDATE ON reader_article WHEN {changed} "
            f"BEGIN {moved}; END",
            f"CREATE TRIGGER reader_listcount_article_delete AFTER DELETE ON reader_article "
            f"BEGIN {_subtract(_rows('OLD', 1))}; END",
            f"CREATE TRIGGER reader_listcount_link_insert AFTER INSERT ON {LINKS} BEGIN {_add(_link_rows('NEW', 1))}; END",
            f"CREATE TRIGGER reader_listcount_link_delete AFTER DELETE ON {LINKS} "
            f"BEGIN {_subtract(_link_rows('OLD', 1))}; END",
        ]
    if vendor != "postgresql":
        raise RuntimeError(f"Digest's list counts support SQLite and PostgreSQL, not {vendor}")
    changed = _changed("IS DISTINCT FROM")
    return [
        "CREATE FUNCTION reader_listcount_article() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'INSERT' THEN {_add(_rows('NEW', 1))}; "
        f"ELSIF TG_OP = 'UPDATE' THEN {moved}; "
        f"ELSE {_subtract(_rows('OLD', 1))}; END IF; RETURN NULL; END $$",
        "CREATE FUNCTION reader_listcount_link() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'INSERT' THEN {_add(_link_rows('NEW', 1))}; "
        f"ELSE {_subtract(_link_rows('OLD', 1))}; END IF; RETURN NULL; END $$",
        "CREATE TRIGGER reader_listcount_article_insert AFTER INSERT ON reader_article "
        "FOR EACH ROW EXECUTE FUNCTION reader_listcount_article()",
        f"CREATE TRIGGER reader_listcount_article_update AFTER UPDATE ON reader_article FOR EACH ROW WHEN ({changed}) "
        "EXECUTE FUNCTION reader_listcount_article()",
        "CREATE TRIGGER reader_listcount_article_delete AFTER DELETE ON reader_article "
        "FOR EACH ROW EXECUTE FUNCTION reader_listcount_article()",
        f"CREATE TRIGGER reader_listcount_link_insert AFTER INSERT ON {LINKS} "
        "FOR EACH ROW EXECUTE FUNCTION reader_listcount_link()",
        f"CREATE TRIGGER reader_listcount_link_delete AFTER DELETE ON {LINKS} "
        "FOR EACH ROW EXECUTE FUNCTION reader_listcount_link()",
    ]


def drop_sql(vendor: str) -> list[str]:
    """The statements that remove what ``install_sql`` made."""
    triggers = [
        ("reader_listcount_article_insert", "reader_article"),
        ("reader_listcount_article_update", "reader_article"),
        ("reader_listcount_article_delete", "reader_article"),
        ("reader_listcount_link_insert", LINKS),
        ("reader_listcount_link_delete", LINKS),
    ]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name, _ in triggers]
    return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in triggers] + [
        "DROP FUNCTION IF EXISTS reader_listcount_article()",
        "DROP FUNCTION IF EXISTS reader_listcount_link()",
    ]


def rebuild_sql() -> list[str]:
    """The statements that recount every row from the live articles and their tag links (both engines)."""
    live = " FROM reader_article a WHERE a.deleted_at IS NULL"
    flags = ", ".join(f"{flag} AS {column}" for flag, column in zip(_flags("a"), COLUMNS, strict=True))
    rows = " UNION ALL ".join(
        [
            f"SELECT a.owner_id AS owner_id, '' AS kind, '' AS name, {flags}{live}",
            f"SELECT a.owner_id, 'site', a.site, {flags}{live}",
            f"SELECT a.owner_id, 'lang', a.language, {flags}{live}",
            f"SELECT a.owner_id, 'tag', CAST(t.tag_id AS TEXT), {flags} FROM reader_article a "
            f"JOIN {LINKS} t ON t.article_id = a.id WHERE a.deleted_at IS NULL",
        ]
    )
    sums = ", ".join(f"SUM({c})" for c in COLUMNS)
    return [
        f"DELETE FROM {TABLE}",
        f"INSERT INTO {TABLE} (owner_id, kind, name, {', '.join(COLUMNS)}) "
        f"SELECT owner_id, kind, name, {sums} FROM ({rows}) AS d GROUP BY owner_id, kind, name",
    ]
