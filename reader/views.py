"""Pages of the reading list. Every page works without JavaScript; with htmx, fragments swap in place.

Templates keep one partial per fragment (``reader/_*.html``), used by the first render and by
every htmx update alike.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from reader import queries
from reader.forms import PreferencesForm
from reader.models import Article, ReaderPreferences, Tag
from reader.search import parse_query, search
from reader.services import articles as article_service
from reader.services import organize
from summaries.services import MAX_SENTENCES, default_variant, parse_variant, request_summary, summaries_to_show
from summaries.summarizer import available_algorithms

VIEWS = ("summary", "full")
# Session key of the undo notice shown once on the next list page (no-JavaScript actions).
NOTICE_KEY = "digest_notice"
# The pasted pieces that could not be saved, put back in the box after a redirect (no JavaScript).
KEEP_TEXT_KEY = "digest_keep_text"


def _get_article_for_user(request: HttpRequest, article_id: int) -> Article:
    """The article if it belongs to the logged-in user; 404 otherwise (never 403: no leaking ids)."""
    return get_object_or_404(Article.objects.for_user(request.user), pk=article_id)


def _view_mode(request: HttpRequest) -> str:
    view = request.GET.get("view", "summary")
    return view if view in VIEWS else "summary"


def _attach_summaries(user, items: list[Article]) -> None:
    """Give each article its summary to show as ``.summary`` (see ``summaries_to_show``), in one query."""
    by_article = summaries_to_show(user, [a.pk for a in items])
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


def _counts(user, filters: queries.ListFilters) -> dict[str, int] | None:
    """View counts for the list head; None on a search page, whose views narrow the results and
    whose list counts would not be the number of results (and would cost a scan of the list)."""
    return None if filters.q else queries.view_counts(user, filters)


def _head_context(filters: queries.ListFilters, counts: dict[str, int] | None) -> dict:
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
                "label": queries.SHOW_LABELS[s],
                "count": counts[s] if counts is not None else None,
                "url": link(show=s),
                "current": s == filters.show,
            }
            for s in queries.SHOWS
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


def _fresh_head(request: HttpRequest) -> dict:
    """The list head of the page htmx is on, with up-to-date counts (one query); {} off the list page."""
    parts = urlsplit(_next_url(request))
    if parts.path != reverse("reader:index"):
        return {}
    filters = queries.list_filters(QueryDict(parts.query))
    return {"head": _head_context(filters, _counts(request.user, filters))}


def _with_head(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Append the list head, with fresh counts, as an out-of-band swap (htmx on the list page only)."""
    head = _fresh_head(request)
    if head:
        response.content += render_to_string(
            "reader/_list_head.html", {**head["head"], "oob": True}, request=request
        ).encode()
    return response


# Actions after which the person's set of tags may differ (a tag left on no article is deleted).
TAG_CHANGING = frozenset({"tag", "untag", "delete", "restore"})


def _with_tag_names(request: HttpRequest, response: HttpResponse, next_url: str) -> HttpResponse:
    """Append the tag suggestions (and on the list page its tag links) as out-of-band swaps, so a
    tag just made is offered at once and a tag just emptied is gone (one query)."""
    context = {"all_tags": queries.tags_of(request.user), "tags_oob": True}
    html = render_to_string("reader/_tag_names.html", context, request=request)
    parts = urlsplit(next_url)
    if parts.path == reverse("reader:index"):
        context["filters"] = queries.list_filters(QueryDict(parts.query))
        html += render_to_string("reader/_tag_list.html", context, request=request)
    response.content += html.encode()
    return response


def _list_context(request: HttpRequest, params) -> dict:
    """Everything the list region shows for the query string ``params``: rows (or search hits),
    the cursor of the next page, view counts, tags, and the poll. A fixed number of queries."""
    user = request.user
    _preferences(request)
    filters = queries.list_filters(params)
    page_size = settings.DIGEST_PAGE_SIZE
    context: dict = {
        "filters": filters,
        "counts": _counts(user, filters),
        "all_tags": queries.tags_of(user),
        "shows": [(s, queries.SHOW_LABELS[s]) for s in queries.SHOWS],
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
        queries.prefetch_tags([h.article for h in hits])
        rows = [h.article for h in hits]
        context.update(
            hits=hits,
            total=results.total,
            parsed=results.filters,
            first_page=offset == 0,
            next_params=filters.params(offset=str(offset + page_size)) if len(results.hits) > page_size else "",
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
    context.update(_head_context(filters, context["counts"]))
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
    context["keep_text"] = request.session.pop(KEEP_TEXT_KEY, "")
    context["next_url"] = request.get_full_path()
    if request.htmx and request.htmx.target == "list-region" and not request.htmx.history_restore_request:
        return render(request, "reader/_list_region.html", context)
    return render(request, "reader/index.html", context)


SHOWN_ERRORS = 10


def _errors_to_show(errors: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], int]:
    """The first ``SHOWN_ERRORS`` of the distinct ``(input, reason)`` pairs of a paste, and how many
    more there are: a pasted essay must give a few readable lines, not one per word."""
    distinct = list(dict.fromkeys(errors))
    return distinct[:SHOWN_ERRORS], max(0, len(distinct) - SHOWN_ERRORS)


@login_required
@require_POST
def save_articles(request: HttpRequest) -> HttpResponse:
    """Save the links in form field ``urls``; bad links get a message while good ones are saved.

    A single link already saved jumps to that article (without JavaScript) or names it with a link.
    """
    result = article_service.save_urls(user=request.user, text=request.POST.get("urls", ""))
    errors, more_errors = _errors_to_show(result.errors)
    # What was not saved stays in the box, to be corrected; what was saved leaves it.
    keep_text = "\n".join(list(dict.fromkeys(bad for bad, _ in result.errors))[:200])
    if not request.htmx:
        for bad, reason in errors:
            messages.error(request, f"{bad}: {reason}")
        if more_errors:
            messages.error(request, f"… and {more_errors} more that are not links.")
        if keep_text:
            request.session[KEEP_TEXT_KEY] = keep_text
        for existing in result.existing:
            url = reverse("reader:article-detail", args=[existing.pk])
            messages.info(request, format_html('Already saved: <a href="{}">{}</a>', url, existing.display_title))
        if result.created:
            messages.success(request, f"Saved {len(result.created)} link{'s' if len(result.created) != 1 else ''}.")
        if not (result.created or result.existing or result.errors):
            messages.error(request, "Paste at least one link.")
        if len(result.existing) == 1 and not (result.created or result.errors):
            return redirect("reader:article-detail", result.existing[0].pk)
        return redirect("reader:index")
    new_rows = list(reversed(result.created))  # newest first, as the list shows them
    _attach_summaries(request.user, new_rows)
    context = {
        "new_articles": new_rows,
        "result": result,
        "errors": errors,
        "more_errors": more_errors,
        "keep_text": keep_text,
        "empty": not (result.created or result.existing or result.errors),
        "poll_interval": settings.DIGEST_POLL_INTERVAL,
        "any_pending": bool(new_rows),
        "view": "summary",
        "next_url": _next_url(request),
        **(_fresh_head(request) if result.created else {}),
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
    context = {"articles": changed, "view": "summary", "next_url": _next_url(request)}
    if changed:
        context.update(_fresh_head(request))
    response = render(request, "reader/_updates.html", context)
    if not still_pending:
        response.status_code = HttpResponseStopPolling.status_code
    return response


@login_required
@require_GET
@vary_on_headers("HX-Request")
def article_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    """The article page (reader view) with its summary/full-text toggle (``?view=summary|full``).

    Opening the page, or the full text anywhere, marks the article read. An htmx request gets only
    the body fragment, swapped in place (on this page or in a list row); on this page the view and
    the summary's ``algorithm``/``sentences`` choice go into the address, so reload and Back keep them.
    """
    article = _get_article_for_user(request, article_id)
    view = _view_mode(request)
    # Back/forward to a URL this page pushed (a view or summary choice) asks htmx for the whole page.
    fragment = bool(request.htmx) and not request.htmx.history_restore_request
    just_read = False
    if article.read_at is None and (view == "full" or not fragment) and article.status == Article.Status.READY:
        just_read = bool(organize.mark_read(user=request.user, article_ids=[article.pk]))
        article.read_at = timezone.now()
    prefs = _preferences(request)
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
        "prefs": prefs,
        "themes": ReaderPreferences.Theme.choices,
        "fonts": ReaderPreferences.Font.choices,
        "next_url": _next_url(request) if fragment else request.get_full_path(),
        "detail": not fragment,
        "oob_actions": just_read and fragment,
    }
    if fragment:
        response = render(request, "reader/_article_body.html", context)
        # Read just now in a list row: the view counts change too.
        return _with_head(request, response) if just_read else response
    context["all_tags"] = queries.tags_of(request.user)
    return render(request, "reader/article_detail.html", context)


DONE_WORDS = {
    "read": "Marked read",
    "unread": "Marked unread",
    "archive": "Archived",
    "unarchive": "Moved back from the archive",
    "favourite": "Added to favourites",
    "unfavourite": "Removed from favourites",
    "delete": "Deleted",
    "restore": "Restored",
    "tag": "Tagged",
    "untag": "Untagged",
}


def _notice(action: str, ids: list[int], names: str, title: str = "") -> dict:
    """What the undo notice shows: a sentence and the action that reverses ``action`` on ``ids``."""
    what = f"“{title}”" if title and len(ids) == 1 else f"{len(ids)} article{'s' if len(ids) != 1 else ''}"
    label = DONE_WORDS[action] + (f" {names}" if action in ("tag", "untag") and names else "")
    return {
        "text": f"{label}: {what}." if action in ("tag", "untag") else f"{label} {what}.",
        "undo": organize.ACTIONS[action][1],
        "ids": ids,
        "names": names,
    }


def _still_listed(request: HttpRequest, article: Article, next_url: str) -> bool:
    """Whether ``article`` still belongs on the list page ``next_url`` (True for any other page)."""
    parts = urlsplit(next_url)
    if parts.path != reverse("reader:index"):
        return True
    filters = queries.list_filters(QueryDict(parts.query))
    if filters.q and not filters.show_given:
        return article.deleted_at is None
    return queries.list_queryset(request.user, filters).filter(pk=article.pk).exists()


def _can_leave(action: str, next_url: str) -> bool:
    """Whether ``action`` is one that takes an article out of the list at ``next_url`` when it no
    longer matches it: read state and archive for any view, unfavourite for Favourites, untag for a
    tag's view; favourite and tag never."""
    if action in ("favourite", "tag"):
        return False
    parts = urlsplit(next_url)
    if parts.path != reverse("reader:index"):
        return True
    filters = queries.list_filters(QueryDict(parts.query))
    typed = parse_query(filters.q)
    if action == "unfavourite":
        return filters.show == "favourites" or "favourite" in typed.flags
    if action == "untag":
        return bool(filters.tag or typed.tags)
    return True


@login_required
@require_POST
def article_action(request: HttpRequest, article_id: int, action: str) -> HttpResponse:
    """``POST /articles/<id>/<action>/``: one of ``organize.ACTIONS`` (read, unread, archive,
    unarchive, favourite, unfavourite, delete, restore, tag, untag) on one article.

    Fields: ``next`` (where to go back, without JavaScript), ``tags`` (for tag/untag: names,
    comma-separated). With htmx the answer is the fragment the form aimed at (``#article-<id>-actions``
    or ``#article-<id>-tags``), or, when the article left the list shown, the row replaced by an
    undo notice. Without JavaScript: a redirect to ``next``, with the undo notice there.
    """
    if action not in organize.ACTIONS:
        raise Http404("No such action.")
    article = get_object_or_404(Article.objects.filter(owner=request.user), pk=article_id)
    if article.deleted_at is not None and action != "restore":
        raise Http404("No such article.")
    names = request.POST.get("tags", "")
    changed = organize.apply_action(user=request.user, action=action, article_ids=[article.pk], names=names)
    next_url = _safe_next(request)
    notice = _notice(action, changed or [article.pk], ", ".join(organize.clean_tag_names(names)), article.display_title)
    if not request.htmx:
        if action in ("archive", "delete", "unarchive", "restore") and changed:
            request.session[NOTICE_KEY] = notice
        if action == "delete" and urlsplit(next_url).path == reverse("reader:article-detail", args=[article.pk]):
            next_url = reverse("reader:index")
        return redirect(next_url)
    response = _article_action_fragment(request, article, action, next_url, notice)
    return _with_tag_names(request, response, next_url) if action in TAG_CHANGING else response


def _article_action_fragment(
    request: HttpRequest, article: Article, action: str, next_url: str, notice: dict
) -> HttpResponse:
    """What htmx swaps in after ``action`` on ``article``: its row, its tags or actions, or an undo notice."""
    article = (
        Article.objects.filter(owner=request.user)
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by(Lower("name"))))
        .get(pk=article.pk)
    )
    context = {"article": article, "next_url": next_url, "detail": urlsplit(next_url).path != reverse("reader:index")}
    target = request.htmx.target or ""
    if action == "restore" or (target == f"article-{article.pk}" and article.deleted_at is None):
        _attach_summaries(request.user, [article])
        context.update(view="summary")
        return _with_head(request, render(request, "reader/_article_row.html", context))
    # Only an action that can take an article out of this view removes its row: (un)favouriting or
    # tagging a row already read in the Unread view keeps it where the reader is looking.
    leaves_view = _can_leave(action, next_url)
    if article.deleted_at is not None or (leaves_view and not _still_listed(request, article, next_url)):
        context["notice"] = notice
        response = render(request, "reader/_article_gone.html", context)
        response["HX-Retarget"] = f"#article-{article.pk}"
        response["HX-Reswap"] = "outerHTML"
        return _with_head(request, response)
    if target == f"article-{article.pk}-tags":
        return _with_head(request, render(request, "reader/_article_tags.html", context))
    return _with_head(request, render(request, "reader/_article_actions.html", context))


@login_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """``POST /articles/bulk/``: ``action`` (see ``article_action``) on the selected ``ids``.

    Also what every "Undo" posts. With htmx aimed at ``#list-region`` the answer is the list region
    of ``next`` with an undo notice; aimed at one row (``#article-<id>``), that row. Without
    JavaScript: a redirect to ``next`` showing the notice.
    """
    action = request.POST.get("action", "")
    ids = request.POST.getlist("ids")
    next_url = _safe_next(request)
    if action not in organize.ACTIONS:
        messages.error(request, "Choose what to do with the selected articles.")
        return redirect(next_url)
    names = request.POST.get("tags", "")
    if not ids:
        if not request.htmx:
            messages.info(request, "Select some articles first.")
            return redirect(next_url)
    changed = organize.apply_action(user=request.user, action=action, article_ids=ids, names=names)
    notice = _notice(action, changed, ", ".join(organize.clean_tag_names(names))) if changed else None
    target = (request.htmx.target or "") if request.htmx else ""
    if target.startswith("article-") and target[8:].isdigit():
        # An undo from one row's notice: that row again (empty when it cannot come back).
        article = _list_queryset(request.user).filter(pk=int(target[8:])).first()
        if article is None:
            return HttpResponse("")
        _attach_summaries(request.user, [article])
        context = {"article": article, "view": "summary", "next_url": next_url}
        response = _with_head(request, render(request, "reader/_article_row.html", context))
        return _with_tag_names(request, response, next_url) if action in TAG_CHANGING else response
    if not request.htmx or target != "list-region":
        if notice:
            request.session[NOTICE_KEY] = notice
        return redirect(next_url)
    parts = urlsplit(next_url)
    context = _list_context(request, QueryDict(parts.query))
    context.update(notice=notice, next_url=next_url)
    response = render(request, "reader/_list_region.html", context)
    return _with_tag_names(request, response, "") if action in TAG_CHANGING else response


@login_required
@require_POST
def reader_look(request: HttpRequest) -> HttpResponse:
    """``POST /preferences/reader/``: the reader view's quick controls (``theme``, ``font``, ``font_size``;
    each optional). Saved for the person. htmx gets the controls again plus an ``HX-Trigger`` event
    ``digest:look`` carrying the new values, which digest.js applies to the page at once."""
    prefs = organize.set_reader_look(
        user=request.user,
        theme=request.POST.get("theme"),
        font=request.POST.get("font"),
        font_size=request.POST.get("font_size"),
    )
    if not request.htmx:
        return redirect(_safe_next(request))
    context = {
        "prefs": prefs,
        "themes": ReaderPreferences.Theme.choices,
        "fonts": ReaderPreferences.Font.choices,
        "next_url": _next_url(request),
    }
    response = render(request, "reader/_reader_controls.html", context)
    look = {"theme": prefs.theme, "font": prefs.font, "size": prefs.font_size}
    response["HX-Trigger"] = json.dumps({"digest:look": look})
    return response


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
        "next_url": _next_url(request),
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
