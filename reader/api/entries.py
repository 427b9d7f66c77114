"""wallabag's entry endpoints: list, one entry, save, change, delete, exists, reload, export.

Reads go through ``reader.selectors``, writes through ``reader.services.organize`` and
``reader.pipeline.saving``. Every entry is looked up among the token owner's live articles, so another
person's id is a 404, never a 403.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from reader import api_selectors, selectors
from reader.api.serializers import EntryChangesSerializer, EntryPageSerializer, EntrySerializer, NewEntrySerializer
from reader.api.wire import flag
from reader.fetch.urls import InvalidURL
from reader.models import Article
from reader.pipeline import saving
from reader.services import organize
from reader.transfer.exporters import article_epub, article_markdown, article_text
from reader.transfer.exporters.article import attachment, slug

# Largest page a client may ask for, entries: wallabag-client asks for sys.maxsize when it has no terminal.
MAX_PER_PAGE = 500
DEFAULT_PER_PAGE = 30
# URLs and hashes one "exists" call may ask about.
MAX_EXISTS_KEYS = 1000


def owned_entry(request: Request, entry_id: int) -> Article:
    """The token owner's live article ``entry_id``, with what an entry shows (owner, tags, mimetype);
    ``Http404`` for anyone else's, a deleted one, or none."""
    qs = api_selectors.with_api_fields(Article.objects.for_user(request.user)).select_related("owner")
    article = qs.prefetch_related(selectors.tags_prefetch()).filter(pk=entry_id).first()
    if article is None:
        raise Http404(f"Entry {entry_id} not found.")
    return article


def entries_data(request: Request, articles: list[Article], detail: str = "full") -> list[dict]:
    """``articles`` as wallabag entries, with the summary each person sees (one query for all)."""
    shown = selectors.summaries_to_show(request.user, [a.pk for a in articles])
    summaries = {pk: s.sentence_texts for pk, s in shown.items()}
    context = {"summaries": summaries, "detail": detail, "request": request}
    return list(EntrySerializer(articles, many=True, context=context).data)


def entry_response(request: Request, entry_id: int, detail: str = "full") -> Response:
    """The entry ``entry_id`` as it is now (read again after a change)."""
    return Response(entries_data(request, [owned_entry(request, entry_id)], detail)[0])


def _detail(request: Request) -> str:
    detail = (request.query_params.get("detail") or "full").lower()
    if detail not in ("full", "metadata"):
        raise exceptions.ValidationError(f'detail must be "full" or "metadata", not {detail!r}.')
    return detail


def _number(params, name: str, default: int) -> int:
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise exceptions.ValidationError(f"{name} must be a whole number, not {value!r}.") from None


def entry_query(params) -> api_selectors.EntryQuery:
    """A list query from wallabag's parameters: ``archive``, ``starred`` (flags), ``tags`` (comma-separated
    labels), ``since`` (Unix seconds), ``sort`` (created, updated, archived), ``order`` (asc, desc),
    ``domain_name``. Raises ``ValidationError`` (400) for a bad value."""
    sort = (params.get("sort") or "created").lower()
    if sort not in api_selectors.API_SORTS:
        raise exceptions.ValidationError(f"sort must be one of {', '.join(api_selectors.API_SORTS)}, not {sort!r}.")
    order = (params.get("order") or "desc").lower()
    if order not in ("asc", "desc"):
        raise exceptions.ValidationError(f'order must be "asc" or "desc", not {order!r}.')
    tags = tuple(name for name in organize.clean_tag_names(params.get("tags") or ""))
    return api_selectors.EntryQuery(
        archived=flag(params.get("archive")),
        starred=flag(params.get("starred")),
        tags=tags,
        since=max(0, _number(params, "since", 0)),
        sort=sort,
        descending=order == "desc",
        domain=(params.get("domain_name") or "").strip()[:255],
    )


def _page_link(request: Request, page: int) -> dict:
    params = request.query_params.copy()
    params["page"] = str(page)
    params.pop("access_token", None)  # never echo a secret into a link
    return {"href": request.build_absolute_uri(request.path) + "?" + urlencode(sorted(params.items()))}


@extend_schema(
    methods=["GET"],
    operation_id="entries_list",
    parameters=[
        OpenApiParameter("archive", int, description="1: read or archived entries; 0: unread ones; absent: all"),
        OpenApiParameter("starred", int, description="1: favourites; 0: the others"),
        OpenApiParameter("sort", str, enum=list(api_selectors.API_SORTS)),
        OpenApiParameter("order", str, enum=["asc", "desc"]),
        OpenApiParameter("page", int, description="1-based; past the last page: 404"),
        OpenApiParameter("perPage", int, description=f"entries a page, 30 by default, at most {MAX_PER_PAGE}"),
        OpenApiParameter("tags", str, description="comma-separated labels the entries must all carry"),
        OpenApiParameter("since", int, description="Unix seconds: entries changed after it"),
        OpenApiParameter("detail", str, enum=["full", "metadata"], description="metadata: content is null"),
        OpenApiParameter("domain_name", str, description="entries from this site or its subdomains"),
    ],
    responses=EntryPageSerializer,
)
@extend_schema(methods=["POST"], operation_id="entries_create", request=NewEntrySerializer, responses=EntrySerializer)
@api_view(["GET", "POST"])
def entries(request: Request, **kwargs) -> Response:
    """``GET /api/entries``: a page of the person's entries (wallabag's HATEOAS envelope). Entries still
    being fetched are not listed until they are ready or failed.

    ``POST /api/entries``: save ``url`` (see ``create_entry``)."""
    if request.method == "POST":
        return create_entry(request)
    params = request.query_params
    query = entry_query(params)
    detail = _detail(request)
    page = max(1, _number(params, "page", 1))
    per_page = _number(params, "perPage", DEFAULT_PER_PAGE)
    per_page = min(MAX_PER_PAGE, per_page if per_page >= 1 else DEFAULT_PER_PAGE)
    qs: QuerySet = api_selectors.api_entries(request.user, query).select_related("owner")
    if detail == "metadata":
        qs = qs.defer("text")
    total = qs.count()
    pages = max(1, math.ceil(total / per_page))
    if page > pages:
        raise Http404(f"Page {page} is past the last page ({pages}).")
    rows = list(qs.prefetch_related(selectors.tags_prefetch())[(page - 1) * per_page : page * per_page])
    links = {"self": _page_link(request, page), "first": _page_link(request, 1), "last": _page_link(request, pages)}
    if page < pages:
        links["next"] = _page_link(request, page + 1)
    if page > 1:
        links["previous"] = _page_link(request, page - 1)
    return Response(
        {
            "page": page,
            "limit": per_page,
            "pages": pages,
            "total": total,
            "_links": links,
            "_embedded": {"items": entries_data(request, rows, detail)},
        }
    )


def _apply_flags(request: Request, article_id: int, data) -> None:
    """``archive`` and ``starred`` from a body: archive=1 archives, archive=0 takes the entry out of the
    archive and marks it unread (wallabag's one "archived" is Digest's read and archived)."""
    user = request.user
    archive = flag(data.get("archive"))
    if archive is True:
        organize.archive(user=user, article_ids=[article_id])
    elif archive is False:
        organize.unarchive(user=user, article_ids=[article_id])
        organize.mark_unread(user=user, article_ids=[article_id])
    starred = flag(data.get("starred"))
    if starred is True:
        organize.favourite(user=user, article_ids=[article_id])
    elif starred is False:
        organize.unfavourite(user=user, article_ids=[article_id])


def _text_field(data, name: str) -> str:
    """A body field as text; a JSON list (``"tags": ["a", "b"]``) as its items joined by commas."""
    value = data.get(name)
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _save_page(request: Request, url: str, content: str, title: str) -> Article:
    try:
        saved = saving.save_page(
            user=request.user,
            url=url,
            body=content.encode("utf-8"),
            content_type="text/html",
            charset="utf-8",
            title=title,
        )
    except (InvalidURL, saving.PageTooLarge) as exc:
        raise exceptions.ValidationError(str(exc)) from None
    return saved.article


def create_entry(request: Request) -> Response:
    """Save ``url`` for the person, as wallabag does (form or JSON body).

    With ``content`` (the page's HTML as the client shows it, e.g. behind a paywall) that HTML is the page:
    the article is marked ``captured`` and extracted without fetching ``url``. Without it the link is
    saved as a paste is and fetched by a worker. A link already saved returns its entry (its page
    replaced when ``content`` is given). ``title`` is kept when the page gives none; ``tags`` are added;
    ``archive``/``starred`` set. Answers the entry (200), or 400 for a bad link or a page over
    ``DIGEST_FETCH_MAX_BYTES``."""
    data = request.data
    url = _text_field(data, "url").strip()
    if not url:
        raise exceptions.ValidationError("url is required.")
    title = _text_field(data, "title").strip()
    content = _text_field(data, "content")
    if content.strip():
        article = _save_page(request, url, content, title)
    else:
        result = saving.save_url(user=request.user, url=url)
        if result.errors:
            raise exceptions.ValidationError(f"{url}: {result.errors[0][1]}")
        article = result.in_order[0]
        if title and not article.title:
            organize.set_title(user=request.user, article_ids=[article.pk], title=title)
    _apply_flags(request, article.pk, data)
    tags = _text_field(data, "tags")
    if tags.strip():
        organize.add_tags(user=request.user, article_ids=[article.pk], names=tags)
    return entry_response(request, article.pk)


@extend_schema(
    methods=["GET"],
    operation_id="entries_retrieve",
    parameters=[OpenApiParameter("detail", str, enum=["full", "metadata"])],
    responses=EntrySerializer,
)
@extend_schema(
    methods=["PATCH"], operation_id="entries_update", request=EntryChangesSerializer, responses=EntrySerializer
)
@extend_schema(
    methods=["DELETE"],
    operation_id="entries_destroy",
    parameters=[OpenApiParameter("expect", str, enum=["entry", "id"])],
    responses=EntrySerializer,
)
@api_view(["GET", "PATCH", "DELETE"])
def entry(request: Request, entry_id: int, **kwargs) -> Response:
    """``GET /api/entries/{id}``: one entry (``detail=metadata``: no content).

    ``PATCH``: change ``title``, ``archive``, ``starred``, ``tags`` (non-empty: they replace the entry's
    tags, as wallabag does) and ``content`` (a new page for it, extracted again). Answers the entry.

    ``DELETE``: delete it (``expect=id``: answer ``{"id": N}``, else the entry as it was). Deleted
    articles can be restored from the web page's Undo until ``DIGEST_PURGE_DELETED_AFTER``."""
    if request.method == "GET":
        return entry_response(request, entry_id, _detail(request))
    article = owned_entry(request, entry_id)
    if request.method == "DELETE":
        expect = request.query_params.get("expect", "entry")
        if expect not in ("entry", "id"):
            raise exceptions.ValidationError(f'expect must be "entry" or "id", not {expect!r}.')
        answer = {"id": article.pk} if expect == "id" else entries_data(request, [article])[0]
        organize.delete_articles(user=request.user, article_ids=[article.pk])
        return Response(answer)
    data = request.data
    content = _text_field(data, "content")
    if content.strip():
        _save_page(request, article.url, content, "")
    title = _text_field(data, "title").strip()
    if title:
        organize.set_title(user=request.user, article_ids=[article.pk], title=title)
    _apply_flags(request, article.pk, data)
    tags = organize.clean_tag_names(_text_field(data, "tags"))
    if tags:
        wanted = {name.lower() for name in tags}
        stale = [t.name for t in article.tags.all() if t.name.lower() not in wanted]
        organize.remove_tags(user=request.user, article_ids=[article.pk], names=stale)
        organize.add_tags(user=request.user, article_ids=[article.pk], names=tags)
    return entry_response(request, article.pk)


@extend_schema(
    operation_id="entries_exists",
    parameters=[
        OpenApiParameter("url", str),
        OpenApiParameter("urls[]", str, many=True),
        OpenApiParameter("hashed_url", str, description="SHA-1 of the URL (raw or URL-decoded)"),
        OpenApiParameter("hashed_urls[]", str, many=True),
        OpenApiParameter("return_id", int, description="1: the entry's id (or null) instead of true/false"),
    ],
    responses=OpenApiResponse(
        description='One url or hashed_url: {"exists": true|false|id|null}; lists: {url or hash: value}'
    ),
)
@api_view(["GET"])
def exists(request: Request, **kwargs) -> Response:
    """``GET /api/entries/exists``: whether links are saved, by URL (as given or canonical) or by the SHA-1
    of the URL (raw or URL-decoded: clients hash either). 400 when none is given."""
    params = request.query_params
    url, hashed = (params.get("url") or "").strip(), (params.get("hashed_url") or "").strip().lower()
    urls = [u for u in params.getlist("urls[]") + params.getlist("urls") if u]
    hashes = [h.lower() for h in params.getlist("hashed_urls[]") + params.getlist("hashed_urls") if h]
    if url:
        urls.append(url)
    if hashed:
        hashes.append(hashed)
    if not urls and not hashes:
        raise exceptions.ValidationError("Give url, urls[], hashed_url or hashed_urls[].")
    if len(urls) + len(hashes) > MAX_EXISTS_KEYS:
        raise exceptions.ValidationError(f"Ask about at most {MAX_EXISTS_KEYS} URLs at once.")
    found = api_selectors.entries_by_urls(request.user, urls, hashes)
    with_id = flag(params.get("return_id")) or False
    results = {key: (found.get(key) if with_id else key in found) for key in [*hashes, *urls]}
    single = url or hashed
    if single:
        return Response({"exists": results[single]})
    return Response(results)


@extend_schema(operation_id="entries_reload", request=None, responses=EntrySerializer)
@api_view(["PATCH"])
def reload(request: Request, entry_id: int, **kwargs) -> Response:
    """``PATCH /api/entries/{id}/reload``: fetch the page again (a captured page is extracted again
    instead) and summarize it anew; answers the entry, now queued (a worker does the rest)."""
    article = owned_entry(request, entry_id)
    saving.refetch_article(article=article)
    return entry_response(request, entry_id)


# One article as a file, by extension: the exporters of reader/transfer/ and the content type sent.
EXPORTERS: dict[str, tuple[Callable[[Article], bytes | str], str]] = {
    "epub": (article_epub, "application/epub+zip"),
    "txt": (article_text, "text/plain; charset=utf-8"),
    "md": (article_markdown, "text/markdown; charset=utf-8"),
}


@extend_schema(
    operation_id="entries_export",
    parameters=[OpenApiParameter("extension", str, OpenApiParameter.PATH, enum=list(EXPORTERS))],
    responses={
        (200, "application/epub+zip"): OpenApiResponse(OpenApiTypes.BINARY, description="the entry as an EPUB 3 book"),
        (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="the entry as plain text"),
        (200, "text/markdown"): OpenApiResponse(
            OpenApiTypes.STR, description="the entry as Markdown with front matter"
        ),
    },
)
@api_view(["GET"])
def export(request: Request, entry_id: int, extension: str, **kwargs) -> HttpResponse:
    """``GET /api/entries/{id}/export.{epub,txt,md}``: the entry as a file, made by Digest's exporters
    (``reader.transfer.exporters``; EPUB is what KOReader downloads), sent as an attachment named after
    its title. 404 for another format (wallabag's xml, json, csv and pdf are not offered)."""
    article = owned_entry(request, entry_id)
    if extension not in EXPORTERS:
        raise Http404(f"No export as .{extension}: Digest exports epub, txt and md.")
    exporter, content_type = EXPORTERS[extension]
    body = exporter(article)
    response = HttpResponse(body if isinstance(body, bytes) else body.encode("utf-8"), content_type=content_type)
    name = f"{slug(article.display_title, f'entry-{entry_id}')}.{extension}"
    response["Content-Disposition"] = attachment(name)
    return response
