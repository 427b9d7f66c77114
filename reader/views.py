"""Pages of the reading list. Every page works without JavaScript; with htmx, fragments swap in place.

Templates keep one partial per fragment (``reader/_*.html``), used by the first render and by
every htmx update alike.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling

from reader.forms import PreferencesForm
from reader.models import Article, ReaderPreferences
from reader.services import articles as article_service
from summaries.models import Summary
from summaries.services import MAX_SENTENCES, default_variant, parse_variant, request_summary
from summaries.summarizer import available_algorithms

VIEWS = ("summary", "full")


def _get_article_for_user(request: HttpRequest, article_id: int) -> Article:
    """The article if it belongs to the logged-in user; 404 otherwise (never 403: no leaking ids)."""
    return get_object_or_404(Article.objects.for_user(request.user), pk=article_id)


def _view_mode(request: HttpRequest) -> str:
    view = request.GET.get("view", "summary")
    return view if view in VIEWS else "summary"


def _attach_summaries(user, items: list[Article]) -> None:
    """Give each article its summary to show as ``.summary``, in one query (None when there is none).

    That is the person's default variant when it exists, else the newest ready summary (an
    article saved before they changed their default keeps showing the one it has).
    """
    algorithm, sentences = default_variant(user)
    by_article: dict[int, Summary] = {}
    rows = Summary.objects.filter(article__in=[a.pk for a in items], status=Summary.Status.READY).order_by("updated_at")
    for summary in rows:
        current = by_article.get(summary.article_id)
        exact = (summary.algorithm, summary.sentence_count) == (algorithm, sentences)
        if current is None or exact or (current.algorithm, current.sentence_count) != (algorithm, sentences):
            by_article[summary.article_id] = summary
    for item in items:
        item.summary = by_article.get(item.pk)


def _list_queryset(user):
    # List pages never load the page bodies nor the full text.
    return (
        Article.objects.for_user(user)
        .defer("text")
        .order_by("-id")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by(Lower("name"))))
    )


def _preferences(request: HttpRequest) -> ReaderPreferences:
    """The person's preferences, loaded once per request and kept on the user (unsaved defaults if none)."""
    user = request.user
    try:
        return user.reader_preferences
    except ReaderPreferences.DoesNotExist:
        prefs = ReaderPreferences(user=user)
        user.reader_preferences = prefs  # cached, so templates and default_variant do not ask again
        return prefs


def _next_url(request: HttpRequest) -> str:
    """The page to come back to after a form: the page htmx was on, else this request's own page."""
    if request.htmx and request.htmx.current_url_abs_path:
        return request.htmx.current_url_abs_path
    return request.get_full_path()


def _safe_next(request: HttpRequest, default: str = "") -> str:
    """The ``next`` field when it is a path on this site; ``default`` (the list) otherwise."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default or reverse("reader:index")


def _list_context(request: HttpRequest, params) -> dict:
    """Everything the list region shows for the query string ``params``: rows (or search hits),
    the cursor of the next page, view counts, tags, and the poll. A fixed number of queries."""
    user = request.user
    _preferences(request)
    filters = queries.list_filters(params)
    page_size = settings.DIGEST_PAGE_SIZE
    context: dict = {
        "filters": filters,
        "counts": queries.view_counts(user, filters),
        "all_tags": queries.tags_with_counts(user),
        "shows": [(s, queries.SHOW_LABELS[s]) for s in queries.SHOWS],
        "poll_interval": settings.DIGEST_POLL_INTERVAL,
        "view": "summary",
        "hits": None,
        "next_params": "",
        "first_page": True,
    }
    if filters.q:
        from reader.search import search

        try:
            offset = max(0, int(params.get("offset", 0)))
        except (TypeError, ValueError):
            offset = 0
        results = search(user, filters.search_query, limit=page_size + 1, offset=offset)
        hits = results.hits[:page_size]
        queries.prefetch_tags([h.article for h in hits])
        rows = [h.article for h in hits]
        context.update(
            hits=hits,
            total=results.total,
            parsed=results.filters,
            first_page=offset == 0,
            next_params=filters.params(offset=offset + page_size) if len(results.hits) > page_size else "",
        )
    else:
        page = queries.article_page(
            user, filters, cursor=params.get("cursor", ""), before=params.get("before", ""), size=page_size
        )
        rows = page.articles
        _attach_summaries(user, rows)
        context.update(
            next_params=filters.params(cursor=page.next_cursor) if page.next_cursor else "",
            first_page=not (params.get("cursor") or params.get("before")),
        )
    context.update(articles=rows, any_pending=any(a.is_pending for a in rows))
    return context


@login_required
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def index(request: HttpRequest) -> HttpResponse:
    """The reading list: paste form, search box, views with counts, rows, ``DIGEST_PAGE_SIZE`` a page.

    Query string: ``show`` (unread (default), archived, favourites, pending, failed, all), ``tag``,
    ``site``, ``lang``, ``sort`` (saved (default), published), ``q`` (search; ranked, paged with
    ``offset``), ``cursor`` (keyset: the sort key and id of the last row shown; ``before=<id>`` still
    works). An htmx request aimed at ``#list-region`` (search as you type) gets only that region.
    """
    context = _list_context(request, request.GET)
    context["notice"] = request.session.pop(NOTICE_KEY, None)
    context["next_url"] = request.get_full_path()
    if request.htmx and request.htmx.target == "list-region" and not request.htmx.history_restore_request:
        return render(request, "reader/_list_region.html", context)
    return render(request, "reader/index.html", context)


@login_required
@require_POST
def save_articles(request: HttpRequest) -> HttpResponse:
    """Save the links in form field ``urls``; bad links get a message while good ones are saved."""
    result = article_service.save_urls(user=request.user, text=request.POST.get("urls", ""))
    if not request.htmx:
        for bad, reason in result.errors:
            messages.error(request, f"{bad}: {reason}")
        for existing in result.existing:
            messages.info(request, f"Already saved: {existing.display_title}")
        if result.created:
            messages.success(request, f"Saved {len(result.created)} link{'s' if len(result.created) != 1 else ''}.")
        if not (result.created or result.existing or result.errors):
            messages.error(request, "Paste at least one link.")
        return redirect("reader:index")
    new_rows = list(reversed(result.created))  # newest first, as the list shows them
    _attach_summaries(request.user, new_rows)
    context = {
        "new_articles": new_rows,
        "result": result,
        "empty": not (result.created or result.existing or result.errors),
        "poll_interval": settings.DIGEST_POLL_INTERVAL,
        "any_pending": bool(new_rows),
        "view": "summary",
    }
    return render(request, "reader/_save_response.html", context)


@login_required
@require_GET
def updates(request: HttpRequest) -> HttpResponse:
    """One poll for the whole list page: out-of-band swaps for rows whose status changed.

    The page sends ``seen=<id>:<status>`` for each row still pending. Rows now in another state
    come back as out-of-band swaps. When none of them is pending any more the answer is HTTP 286,
    which makes htmx stop polling.
    """
    seen: dict[int, str] = {}
    for value in request.GET.getlist("seen"):
        article_id, _, status = value.partition(":")
        if article_id.isdigit():
            seen[int(article_id)] = status
    rows = list(_list_queryset(request.user).filter(pk__in=list(seen)[:500]))
    changed = [a for a in rows if a.status != seen.get(a.pk)]
    _attach_summaries(request.user, changed)
    still_pending = any(a.is_pending for a in rows)
    response = render(request, "reader/_updates.html", {"articles": changed, "view": "summary"})
    if not still_pending:
        response.status_code = HttpResponseStopPolling.status_code
    return response


@login_required
@require_GET
def article_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    """The article page with its summary/full-text toggle (``?view=summary`` or ``?view=full``).

    An htmx request gets only the body fragment, swapped in place (on this page or in a list row).
    """
    article = _get_article_for_user(request, article_id)
    view = _view_mode(request)
    chosen = "algorithm" in request.GET or "sentences" in request.GET
    if chosen and article.status == Article.Status.READY:
        algorithm, sentences = parse_variant(request.GET.get("algorithm"), request.GET.get("sentences"), request.user)
        article.summary = request_summary(article, algorithm=algorithm, sentences=sentences)
    else:
        _attach_summaries(request.user, [article])
        summary = article.summary
        algorithm, sentences = (summary.algorithm, summary.sentence_count) if summary else default_variant(request.user)
    context = {
        "article": article,
        "view": view,
        "algorithm": algorithm,
        "sentences": sentences,
        "variant_query": f"&algorithm={algorithm}&sentences={sentences}" if chosen else "",
        "algorithms": available_algorithms(),
        "sentence_choices": range(1, MAX_SENTENCES + 1),
        "compact": request.GET.get("compact") == "1",
    }
    if request.htmx:
        return render(request, "reader/_article_body.html", context)
    return render(request, "reader/article_detail.html", context)


@login_required
@require_POST
def retry_article(request: HttpRequest, article_id: int) -> HttpResponse:
    """Queue a failed article again; the row goes back to pending and starts the page poll."""
    article = _get_article_for_user(request, article_id)
    if not article_service.retry_article(article=article) and not request.htmx:
        messages.info(request, "That article is not failed, so there is nothing to retry.")
    if not request.htmx:
        return redirect(request.POST.get("next") or reverse("reader:index"))
    article.refresh_from_db()
    _attach_summaries(request.user, [article])
    context = {
        "new_articles": [],
        "article": article,
        "poll_interval": settings.DIGEST_POLL_INTERVAL,
        "view": "summary",
    }
    return render(request, "reader/_retry_response.html", context)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """The person's default summary (algorithm, length) and reader look (theme, font, size)."""
    prefs, _ = ReaderPreferences.objects.get_or_create(user=request.user)
    form = PreferencesForm(request.POST or None, instance=prefs)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Preferences saved.")
        return redirect("reader:preferences")
    return render(request, "reader/preferences.html", {"form": form})
