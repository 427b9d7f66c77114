"""htmx helpers shared by the pages: the page a request came from, and the out-of-band swaps that
keep the list head (view counts) and the tag names up to date after a change."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpResponse, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse

from reader import selectors
from reader.views.access import AuthedRequest


def current_page(request: AuthedRequest) -> str:
    """The page to come back to after a form: the page htmx was on, else this request's own page."""
    if request.htmx and request.htmx.current_url_abs_path:
        return request.htmx.current_url_abs_path
    return request.get_full_path()


def counts_for(user, filters: selectors.ListFilters) -> dict[str, int] | None:
    """View counts for the list head; None on a search page, whose views narrow the results and
    whose list counts would not be the number of results (and would cost a scan of the list)."""
    return None if filters.q else selectors.view_counts(user, filters)


def head_context(filters: selectors.ListFilters, counts: dict[str, int] | None) -> dict:
    """Links of the list head: each view with its count (none when ``counts`` is None), the two
    sorts, the active filters (to remove)."""
    base = reverse("reader:index")

    def link(**changes) -> str:
        query = filters.params(**changes)
        return f"{base}?{query}" if query else base

    return {
        "filters": filters,
        "counts": counts,
        "view_links": [
            {
                "key": s,
                "label": selectors.SHOW_LABELS[s],
                "count": counts[s] if counts is not None else None,
                "url": link(show=s),
                "current": s == filters.show,
            }
            for s in selectors.SHOWS
        ],
        "sort_links": [
            {"label": label, "url": link(sort=key if key != "saved" else ""), "current": key == filters.sort}
            for key, label in (("saved", "Date saved"), ("published", "Date published"))
        ],
        "active_filters": [
            {"label": f"{name}: {value}", "url": link(**{name: ""})}
            for name, value in (("tag", filters.tag), ("site", filters.site), ("lang", filters.lang))
            if value
        ],
        "first_url": link(),
    }


def fresh_head(request: AuthedRequest) -> dict:
    """The list head of the page htmx is on, with up-to-date counts (one query); {} off the list page."""
    parts = urlsplit(current_page(request))
    if parts.path != reverse("reader:index"):
        return {}
    filters = selectors.list_filters(QueryDict(parts.query))
    return {"head": head_context(filters, counts_for(request.user, filters))}


def with_head(request: AuthedRequest, response: HttpResponse) -> HttpResponse:
    """Append the list head, with fresh counts, as an out-of-band swap (htmx on the list page only)."""
    head = fresh_head(request)
    if head:
        response.content += render_to_string(
            "reader/_list_head.html", {**head["head"], "oob": True}, request=request
        ).encode()
    return response


# Actions after which the person's set of tags may differ (a tag left on no article is deleted).
TAG_CHANGING = frozenset({"tag", "untag", "delete", "restore"})


def with_tag_names(request: AuthedRequest, response: HttpResponse, next_url: str) -> HttpResponse:
    """Append the tag suggestions (and on the list page its tag links) as out-of-band swaps, so a
    tag just made is offered at once and a tag just emptied is gone (one query)."""
    context = {"all_tags": selectors.tags_of(request.user), "tags_oob": True}
    html = render_to_string("reader/_tag_names.html", context, request=request)
    parts = urlsplit(next_url)
    if parts.path == reverse("reader:index"):
        context["filters"] = selectors.list_filters(QueryDict(parts.query))
        html += render_to_string("reader/_tag_list.html", context, request=request)
    response.content += html.encode()
    return response
