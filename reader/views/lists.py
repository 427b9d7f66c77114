"""The reading list: the list page (views, filters, search, pages), saving a paste, and the poll."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from reader import selectors
from reader.fetch.options import UrlPolicy
from reader.fetch.urls import InvalidURL, check_url
from reader.models import Article
from reader.pipeline.saving import save_urls
from reader.search import search
from reader.views.access import AuthedRequest
from reader.views.apps import feed_link
from reader.views.htmx import counts_for, current_page, fresh_head, head_context

# Session key of the undo notice shown once on the next list page (no-JavaScript actions).
NOTICE_KEY = "digest_notice"
# Said when links were saved but the queue could not be reached (the sweep sends them later).
QUEUE_DOWN = "The queue is not reachable right now: your links are saved and will be processed when it is back."
# The pasted pieces that could not be saved, put back in the box after a redirect (no JavaScript).
KEEP_TEXT_KEY = "digest_keep_text"


def list_rows(user):
    """``user``'s live articles as list rows: tags prefetched, never the page bodies nor the full text."""
    return Article.objects.for_user(user).defer("text").order_by("-id").prefetch_related(selectors.tags_prefetch())


def list_context(request: AuthedRequest, params) -> dict:
    """Everything the list region shows for the query string ``params``: rows (or search hits),
    the cursor of the next page, view counts, tags, and the poll. A fixed number of queries."""
    user = request.user
    selectors.preferences_of(user)
    filters = selectors.list_filters(params)
    page_size = settings.DIGEST_PAGE_SIZE
    context: dict = {
        "filters": filters,
        "counts": counts_for(user, filters),
        "all_tags": selectors.tags_of(user),
        "poll_interval": settings.DIGEST_POLL_INTERVAL,
        "view": "summary",
        "hits": None,
        "next_params": "",
        "first_page": True,
    }
    if filters.q:
        try:
            offset = max(0, int(params.get("offset", 0)))
        except (TypeError, ValueError):
            offset = 0
        results = search(user, filters.search_query, limit=page_size + 1, offset=offset)
        hits = results.hits[:page_size]
        selectors.prefetch_tags([h.article for h in hits])
        rows = [h.article for h in hits]
        context.update(
            hits=hits,
            total=results.total,
            first_page=offset == 0,
            next_params=filters.params(offset=str(offset + page_size)) if len(results.hits) > page_size else "",
        )
    else:
        page = selectors.article_page(user, filters, cursor=params.get("cursor", ""), size=page_size)
        rows = page.articles
        selectors.attach_summaries(user, rows)
        context.update(
            next_params=filters.params(cursor=page.next_cursor) if page.next_cursor else "",
            first_page=not params.get("cursor"),
        )
    context.update(articles=rows, any_pending=any(a.is_pending for a in rows))
    context.update(head_context(filters, context["counts"]))
    return context


@login_required
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def index(request: AuthedRequest) -> HttpResponse:
    """The reading list: paste form, search box, views with counts, rows, ``DIGEST_PAGE_SIZE`` a page.

    Query string: ``show`` (unread (default), archived, favourites, pending, failed, all), ``tag``,
    ``site``, ``lang``, ``sort`` (saved (default), published), ``q`` (search; ranked, paged with
    ``offset``), ``cursor`` (keyset: the sort key and id of the last row shown; ``before=<id>`` still
    works). An htmx request aimed at ``#list-region`` (search as you type) gets only that region.
    """
    context = list_context(request, request.GET)
    context["notice"] = request.session.pop(NOTICE_KEY, None)
    context["keep_text"] = request.session.pop(KEEP_TEXT_KEY, "")
    context["next_url"] = request.get_full_path()
    if request.htmx and request.htmx.target == "list-region" and not request.htmx.history_restore_request:
        return render(request, "reader/_list_region.html", context)
    # Feed readers find the feed of this very list (view, filters, search) from the page's address.
    context["feed_url"] = feed_link(request, context["filters"].params())
    return render(request, "reader/index.html", context)


SHOWN_ERRORS = 10
# Said of a link pasted again whose article had failed: it is queued again.
RETRIED = 'Saved before, but it failed: trying again. <a href="{}">{}</a>'


def _duplicates_words(duplicates: list[str]) -> str:
    """The sentence for links pasted more than once in one paste (each saved once)."""
    named = ", ".join(duplicates[:3]) + (f" and {len(duplicates) - 3} more" if len(duplicates) > 3 else "")
    return f"Pasted more than once, saved once: {named}."


def _over_limit_words(count: int) -> str:
    """The sentence for ``count`` good links past the per-paste limit ("" when none)."""
    if not count:
        return ""
    most = settings.DIGEST_PASTE_MAX_LINKS
    return (
        f"{count} more link{'s were' if count != 1 else ' was'} not saved: one paste takes at most {most}. "
        f"{'They are' if count != 1 else 'It is'} left in the box to save next."
    )


def _errors_to_show(request: AuthedRequest, errors: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], int]:
    """The first ``SHOWN_ERRORS`` of the distinct ``(input, reason)`` pairs of a paste, and how many
    more there are: a pasted essay must give a few readable lines, not one per word. For an admin, a
    link refused only because private networks are not allowed says which setting allows it."""
    distinct = list(dict.fromkeys(errors))
    shown = distinct[:SHOWN_ERRORS]
    if request.user.is_staff and not settings.DIGEST_PRIVATE_NETWORKS_ALLOWED:
        shown = [(bad, reason + (PRIVATE_HINT if _private_only(bad) else "")) for bad, reason in shown]
    return shown, max(0, len(distinct) - SHOWN_ERRORS)


# Said to an admin about a link to a machine on a private network.
PRIVATE_HINT = " An admin can allow links to your own network with the setting DIGEST_PRIVATE_NETWORKS_ALLOWED."


def _private_only(piece: str) -> bool:
    """Whether the pasted ``piece`` would be a link if private networks were allowed."""
    try:
        check_url(piece, UrlPolicy(private_networks_allowed=True))
    except InvalidURL:
        return False
    return True


@login_required
@require_POST
def save_articles(request: AuthedRequest) -> HttpResponse:
    """Save the links in form field ``urls``; bad links get a message while good ones are saved.

    A single link already saved jumps to that article (without JavaScript) or names it with a link.
    """
    result = save_urls(user=request.user, text=request.POST.get("urls", ""))
    errors, more_errors = _errors_to_show(request, result.errors)
    # What was not saved stays in the box, to be corrected or pasted again; what was saved leaves it.
    if result.refused:
        keep_text = request.POST.get("urls", "")
    else:
        pieces = list(dict.fromkeys(bad for bad, _ in result.errors))[:200]
        keep_text = "\n".join(pieces + result.over_limit)
    over_limit = _over_limit_words(len(result.over_limit))
    already = [a for a in result.existing if a not in result.retried]
    existing, more_existing = already[:SHOWN_ERRORS], max(0, len(already) - SHOWN_ERRORS)
    duplicates = list(dict.fromkeys(result.duplicates))
    if not request.htmx:
        if result.refused:
            messages.error(request, result.refused)
        for bad, reason in errors:
            messages.error(request, f"{bad}: {reason}")
        if more_errors:
            messages.error(request, f"… and {more_errors} more that are not links.")
        if over_limit:
            messages.error(request, over_limit)
        if keep_text:
            request.session[KEEP_TEXT_KEY] = keep_text
        for article in existing:
            url = reverse("reader:article-detail", args=[article.pk])
            messages.info(request, format_html('Already saved: <a href="{}">{}</a>', url, article.display_title))
        if more_existing:
            messages.info(request, f"… and {more_existing} more already saved.")
        for article in result.retried:
            url = reverse("reader:article-detail", args=[article.pk])
            messages.info(request, format_html(RETRIED, url, article.display_title))
        if duplicates:
            messages.info(request, _duplicates_words(duplicates))
        if result.created:
            messages.success(request, f"Saved {len(result.created)} link{'s' if len(result.created) != 1 else ''}.")
        if result.unqueued:
            messages.warning(request, QUEUE_DOWN)
        if not (result.created or result.existing or result.errors or result.refused):
            messages.error(request, "Paste at least one link.")
        if len(already) == 1 and not (result.created or result.errors or result.retried):
            return redirect("reader:article-detail", already[0].pk)
        return redirect("reader:index")
    # Newest first, as the list shows them; a retried article moves to the top as it is pending again.
    new_rows = list(reversed(result.created)) + result.retried
    selectors.prefetch_tags(new_rows)
    selectors.attach_summaries(request.user, new_rows)
    context = {
        "new_articles": new_rows,
        "result": result,
        "errors": errors,
        "more_errors": more_errors,
        "keep_text": keep_text,
        "empty": not (result.created or result.existing or result.errors or result.refused),
        "existing": existing,
        "more_existing": more_existing,
        "retried": result.retried,
        "duplicates": _duplicates_words(duplicates) if duplicates else "",
        "over_limit": over_limit,
        "queue_down": QUEUE_DOWN if result.unqueued else "",
        "poll_interval": settings.DIGEST_POLL_INTERVAL,
        "any_pending": bool(new_rows),
        "view": "summary",
        "next_url": current_page(request),
        **(fresh_head(request) if result.created or result.retried else {}),
    }
    return render(request, "reader/_save_response.html", context)


@require_GET
def updates(request: AuthedRequest) -> HttpResponse:
    """One poll for the whole list page: out-of-band swaps for rows whose status changed.

    The page sends ``seen=<id>:<status>`` for each row still pending. Rows now in another state
    come back as out-of-band swaps; rows deleted meanwhile (in another tab) say so. When none of them
    is pending any more the answer is HTTP 286, which makes htmx stop polling. A person signed out
    meanwhile (in another tab) sees "You were signed out" on each polled row, with a link to sign in
    again, and the polling stops; without htmx the poll is a page behind the sign-in, as any other.
    """
    seen: dict[int, str] = {}
    for value in request.GET.getlist("seen"):
        article_id, _, status = value.partition(":")
        if article_id.isdigit():
            seen[int(article_id)] = status
    polled = list(seen)[:500]
    if not request.user.is_authenticated:
        if not request.htmx:
            return redirect_to_login(request.get_full_path())
        sign_in = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': current_page(request)})}"
        response = render(request, "reader/_signed_out.html", {"ids": polled, "sign_in": sign_in})
        response.status_code = HttpResponseStopPolling.status_code
        return response
    rows = list(list_rows(request.user).filter(pk__in=polled))
    changed = [a for a in rows if a.status != seen.get(a.pk)]
    found = {a.pk for a in rows}
    gone = [pk for pk in polled if pk not in found]
    # A row whose story turned out to be saved already (``reader.pipeline.dedupe``) says where it is.
    folded = {a.pk: selectors.kept_in_place_of(a) for a in Article.objects.filter(owner=request.user, pk__in=gone)}
    kept = {pk: article for pk, article in folded.items() if article is not None}
    gone = [pk for pk in gone if pk not in kept]
    selectors.attach_summaries(request.user, changed)
    still_pending = any(a.is_pending for a in rows)
    context = {
        "articles": changed,
        "gone": gone,
        "kept": kept,
        "view": "summary",
        "next_url": current_page(request),
    }
    if changed or gone or kept:
        context.update(fresh_head(request))
    response = render(request, "reader/_updates.html", context)
    if not still_pending:
        response.status_code = HttpResponseStopPolling.status_code
    return response
