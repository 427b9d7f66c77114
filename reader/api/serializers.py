"""Digest's articles and tags in the shapes wallabag's API gives them (interop notes, 2.1 "Entry object
as the API returns it"), and the request bodies it reads. drf-spectacular builds ``/api/schema/`` from
these classes, so the schema is what the code sends.

Entry fields kept from wallabag with Digest's values: ``url`` is where the page was fetched from
(after redirects), ``given_url`` the link as saved; ``is_archived`` is 1 when the article is read or
archived (wallabag's "archived" is its read state); ``is_starred`` is a favourite; ``content`` is
Digest's summary followed by the text, as HTML; ``digest_summary`` the summary's sentences alone.
Fields Digest has no value for are null (``uid``, ``origin_url``, ``starred_at``, ``http_status``,
``headers``) or empty (``annotations``), as wallabag sends them.
"""

from __future__ import annotations

import hashlib
from html import escape

from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reader.api.wire import wire_date
from reader.models import Article, Tag
from reader.rendering import paragraphs_with_marks

PENDING_CONTENT = "<p>Digest is still saving this page: its text and summary will be here in a moment.</p>"


def tag_slug(tag: Tag) -> str:
    """wallabag's slug of a tag: ``t:`` and the label as a slug (Gedmo's ``prefix: 't:'`` in ``Tag.php``)."""
    return "t:" + (slugify(tag.name, allow_unicode=True) or str(tag.pk))


def content_html(article: Article, sentences: list[str]) -> str:
    """The HTML a wallabag client shows for ``article``: a "Summary" section of ``sentences`` (when
    there are any), then the text with its headings; a sentence saying so while it is still being
    saved, and its error when it failed. Everything is escaped: no markup from the page gets through."""
    if article.status in Article.PENDING_STATUSES:
        return PENDING_CONTENT
    if article.status == Article.Status.FAILED:
        return f"<p>{escape(article.error or 'This page could not be saved.')}</p>"
    parts: list[str] = []
    if sentences:
        items = "".join(f"<li>{escape(s)}</li>" for s in sentences)
        parts.append(f'<section class="digest-summary"><h2>Summary</h2><ul>{items}</ul></section>')
    for paragraph in paragraphs_with_marks(article.text, [], article.language or "en"):
        text = escape("".join(segment.text for segment in paragraph.segments))
        parts.append(f"<h3>{text}</h3>" if paragraph.heading else f"<p>{text}</p>")
    return "\n".join(parts)


class TagSerializer(serializers.Serializer):
    """A tag as an entry carries it: ``{id, label, slug}``."""

    id = serializers.IntegerField(source="pk")
    label = serializers.CharField(source="name")  # type: ignore[assignment]  # wallabag's name, over Field.label
    slug = serializers.SerializerMethodField()

    def get_slug(self, tag: Tag) -> str:
        return tag_slug(tag)


class TagWithCountSerializer(TagSerializer):
    """A tag in ``GET /api/tags``: ``{id, label, slug, nbEntries}`` (the person's live articles with it)."""

    nbEntries = serializers.IntegerField(source="entries")  # noqa: N815 (wallabag's name)


class LinkSerializer(serializers.Serializer):
    href = serializers.CharField()


class SelfLinkSerializer(serializers.Serializer):
    self = LinkSerializer()


class EntrySerializer(serializers.Serializer):
    """One article as a wallabag entry (see the module). Context: ``summaries`` (article id → list of
    sentences), ``detail`` ("full" or "metadata": no ``content``), ``request``."""

    id = serializers.IntegerField(source="pk")
    uid = serializers.SerializerMethodField()
    title = serializers.CharField(source="display_title")
    url = serializers.SerializerMethodField()
    hashed_url = serializers.SerializerMethodField()
    given_url = serializers.CharField(source="url")
    hashed_given_url = serializers.CharField(source="url_sha1")
    origin_url = serializers.SerializerMethodField()
    content = serializers.SerializerMethodField()
    is_archived = serializers.SerializerMethodField()
    archived_at = serializers.SerializerMethodField()
    is_starred = serializers.SerializerMethodField()
    starred_at = serializers.SerializerMethodField()
    created_at = serializers.SerializerMethodField()
    updated_at = serializers.SerializerMethodField()
    published_at = serializers.SerializerMethodField()
    published_by = serializers.ListField(source="authors", child=serializers.CharField())
    annotations = serializers.SerializerMethodField()
    mimetype = serializers.SerializerMethodField()
    language = serializers.SerializerMethodField()
    reading_time = serializers.IntegerField(source="reading_minutes")
    domain_name = serializers.CharField(source="site")
    preview_picture = serializers.SerializerMethodField()
    http_status = serializers.SerializerMethodField()
    headers = serializers.SerializerMethodField()
    tags = TagSerializer(many=True, source="tags.all")
    is_public = serializers.SerializerMethodField()
    user_id = serializers.IntegerField(source="owner_id")
    user_name = serializers.CharField(source="owner.get_username")
    user_email = serializers.CharField(source="owner.email")
    _links = serializers.SerializerMethodField()
    digest_summary = serializers.SerializerMethodField()
    digest_status = serializers.CharField(source="status")
    digest_captured = serializers.BooleanField(source="captured")

    def _final_url(self, article: Article) -> str:
        return article.final_url or article.url

    @extend_schema_field(OpenApiTypes.STR)
    def get_uid(self, article: Article) -> None:
        return None

    def get_url(self, article: Article) -> str:
        return self._final_url(article)

    def get_hashed_url(self, article: Article) -> str:
        if not article.final_url or article.final_url == article.url:
            return article.url_sha1
        return hashlib.sha1(article.final_url.encode("utf-8")).hexdigest()

    @extend_schema_field(OpenApiTypes.STR)
    def get_origin_url(self, article: Article) -> None:
        return None

    @extend_schema_field(OpenApiTypes.STR)
    def get_content(self, article: Article) -> str | None:
        if self.context.get("detail") == "metadata":
            return None
        return content_html(article, self._sentences(article))

    def get_is_archived(self, article: Article) -> int:
        return int(article.read_at is not None or article.archived_at is not None)

    @extend_schema_field(OpenApiTypes.STR)
    def get_archived_at(self, article: Article) -> str | None:
        return wire_date(article.archived_at or article.read_at)

    def get_is_starred(self, article: Article) -> int:
        return int(article.favourite)

    @extend_schema_field(OpenApiTypes.STR)
    def get_starred_at(self, article: Article) -> None:
        return None

    def get_created_at(self, article: Article) -> str:
        return wire_date(article.created_at) or ""

    def get_updated_at(self, article: Article) -> str:
        changed = getattr(article, "changed", None)
        if changed is None:
            changed = max(article.updated_at, article.status_changed_at or article.updated_at)
        return wire_date(changed) or ""

    @extend_schema_field(OpenApiTypes.STR)
    def get_published_at(self, article: Article) -> str | None:
        return wire_date(article.published_at)

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_annotations(self, article: Article) -> list:
        return []

    @extend_schema_field(OpenApiTypes.STR)
    def get_mimetype(self, article: Article) -> str | None:
        mimetype = getattr(article, "mimetype", None)
        if mimetype is None and article.status == Article.Status.READY:
            return "text/html"
        return (mimetype or "").split(";")[0].strip() or None

    @extend_schema_field(OpenApiTypes.STR)
    def get_language(self, article: Article) -> str | None:
        return article.language or None

    @extend_schema_field(OpenApiTypes.STR)
    def get_preview_picture(self, article: Article) -> str | None:
        return article.top_image or None

    @extend_schema_field(OpenApiTypes.STR)
    def get_http_status(self, article: Article) -> None:
        return None

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_headers(self, article: Article) -> None:
        return None

    def get_is_public(self, article: Article) -> bool:
        return False

    @extend_schema_field(SelfLinkSerializer)
    def get__links(self, article: Article) -> dict:
        return {"self": {"href": f"/api/entries/{article.pk}"}}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_digest_summary(self, article: Article) -> list[str]:
        return self._sentences(article)

    def _sentences(self, article: Article) -> list[str]:
        return list(self.context.get("summaries", {}).get(article.pk, []))


class PageLinksSerializer(serializers.Serializer):
    self = LinkSerializer()
    first = LinkSerializer()
    last = LinkSerializer()
    next = LinkSerializer(required=False)
    previous = LinkSerializer(required=False)


class EmbeddedEntriesSerializer(serializers.Serializer):
    items = EntrySerializer(many=True)


class EntryPageSerializer(serializers.Serializer):
    """wallabag's HATEOAS page of entries (Pagerfanta): ``page`` (1-based), ``limit`` (per page),
    ``pages``, ``total``, ``_links`` and ``_embedded.items``."""

    page = serializers.IntegerField()
    limit = serializers.IntegerField()
    pages = serializers.IntegerField()
    total = serializers.IntegerField()
    _links = PageLinksSerializer()
    _embedded = EmbeddedEntriesSerializer()


class EntryChangesSerializer(serializers.Serializer):
    """``PATCH /api/entries/{id}``: ``title``, ``archive``, ``starred`` (0/1 or true/false), ``tags``
    (comma-separated labels; when not empty they replace the entry's tags), ``content`` (new page HTML)."""

    title = serializers.CharField(required=False)
    archive = serializers.CharField(required=False)
    starred = serializers.CharField(required=False)
    tags = serializers.CharField(required=False)
    content = serializers.CharField(required=False)


class NewEntrySerializer(EntryChangesSerializer):
    """``POST /api/entries``: a link to save, form or JSON, with the fields of a change. ``content`` (the
    page's HTML as the client shows it) is used as the page instead of fetching ``url``; ``tags`` are
    added; ``origin_url`` is accepted and not kept."""

    url = serializers.CharField()
    origin_url = serializers.CharField(required=False)


class TagsBodySerializer(serializers.Serializer):
    """``POST /api/entries/{id}/tags``: ``tags``, comma-separated labels."""

    tags = serializers.CharField()


class InfoSerializer(serializers.Serializer):
    appname = serializers.CharField()
    version = serializers.CharField()
    allowed_registration = serializers.BooleanField()


class ConfigSerializer(serializers.Serializer):
    """``GET /api/config``: the person's reading settings in wallabag's names."""

    id = serializers.IntegerField()
    items_per_page = serializers.IntegerField()
    language = serializers.CharField()
    feed_token = serializers.CharField(allow_null=True)
    feed_limit = serializers.IntegerField()
    reading_speed = serializers.FloatField()
    action_mark_as_read = serializers.IntegerField()
    list_mode = serializers.IntegerField()
    display_thumbnails = serializers.IntegerField()
    font = serializers.CharField()
    fontsize = serializers.FloatField()
    line_height = serializers.FloatField()
    max_width = serializers.FloatField()
