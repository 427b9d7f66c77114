"""The addresses of reader/api/: wallabag's OAuth token and API, the OpenAPI schema, feeds, the
bookmarklet and the share target. Every ``/api/`` path also answers with a ``.json`` suffix, as
wallabag's ``{_format}`` routes do (the iOS app posts to ``/api/entries``, KOReader to
``/api/entries.json``)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from reader.api import bookmarklet, entries, feeds, info, oauth, tags


def api(route: str, view, name: str) -> list:
    """``route`` and ``route.json``, both to ``view`` (the first named ``name``)."""
    return [path(route, view, name=name), path(route + ".json", view)]


urlpatterns = [
    path("oauth/v2/token", oauth.token, name="oauth-token"),
    path("api/schema/", SpectacularJSONAPIView.as_view(), name="api-schema"),
    *api("api/version", info.version, "api-version"),
    *api("api/info", info.info, "api-info"),
    *api("api/config", info.config, "api-config"),
    *api("api/entries", entries.entries, "api-entries"),
    *api("api/entries/exists", entries.exists, "api-entries-exists"),
    *api("api/entries/<int:entry_id>", entries.entry, "api-entry"),
    *api("api/entries/<int:entry_id>/reload", entries.reload, "api-entry-reload"),
    path("api/entries/<int:entry_id>/export.<slug:extension>", entries.export, name="api-entry-export"),
    *api("api/entries/<int:entry_id>/tags", tags.entry_tags, "api-entry-tags"),
    *api("api/entries/<int:entry_id>/tags/<int:tag_id>", tags.entry_tag, "api-entry-tag"),
    *api("api/tags", tags.tags, "api-tags"),
    *api("api/tags/<int:tag_id>", tags.tag, "api-tag"),
    *api("api/tag/label", tags.tag_by_label, "api-tag-label"),
    *api("api/tags/label", tags.tags_by_label, "api-tags-label"),
    # The bookmarklet, the share target (reader/api/bookmarklet.py).
    path("save/", bookmarklet.save_popup, name="save-popup"),
    path("api/save/", bookmarklet.save_from_bookmarklet, name="api-save"),
    path("share/", bookmarklet.share, name="share"),
    path("manifest.webmanifest", bookmarklet.manifest, name="manifest"),
    # Feeds and the OPDS catalog, by feed token (reader/api/feeds.py).
    path("feeds/<str:token>/atom/", feeds.ListFeed(), name="feed-atom"),
    path("opds/<str:token>/", feeds.OpdsRoot(), name="opds-root"),
    path("opds/<str:token>/list/", feeds.OpdsList(), name="opds-list"),
    path("opds/<str:token>/search.xml", feeds.opds_search, name="opds-search"),
    path("opds/<str:token>/entries/<int:article_id>.epub", feeds.opds_epub, name="opds-epub"),
]
