"""drf-spectacular's view of the API: the schema at ``/api/schema/`` is built from the views and
serializers of ``reader/api/`` (``manage.py spectacular`` writes the same file)."""

from __future__ import annotations


def one_path_per_operation(endpoints):
    """Leave out the ``.json`` twin of each path (every /api/ path answers both ways, as wallabag's
    ``{_format}`` routes do; the schema's description says so) and what is not the API itself."""
    return [
        (path, path_regex, method, callback)
        for path, path_regex, method, callback in endpoints
        if not path.endswith(".json") and (path.startswith("/api/") or path.startswith("/oauth/"))
    ]
