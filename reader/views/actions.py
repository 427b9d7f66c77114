"""Organizing from the pages: one article's actions, bulk actions and every Undo."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from reader import selectors
from reader.models import Article
from reader.search import parse_query
from reader.services import organize
from reader.views.access import AuthedRequest, safe_next
from reader.views.htmx import TAG_CHANGING, with_head, with_tag_names
from reader.views.lists import NOTICE_KEY, list_context, list_rows

# What each action did, as the undo notice says it: ``{what}`` is the article's title or "3 articles",
# ``{names}`` the tags.
DONE_WORDS = {
    "read": "Marked {what} read.",
    "unread": "Marked {what} unread.",
    "archive": "Archived {what}.",
    "unarchive": "Moved {what} out of the archive.",
    "favourite": "Added {what} to favourites.",
    "unfavourite": "Removed {what} from favourites.",
    "delete": "Deleted {what}.",
    "restore": "Restored {what}.",
    "tag": "Tagged {names}: {what}.",
    "untag": "Untagged {names}: {what}.",
}


def _notice(action: str, ids: list[int], names: str, title: str = "") -> dict:
    """What the undo notice shows: a sentence and the action that reverses ``action`` on ``ids``."""
    what = f"“{title}”" if title and len(ids) == 1 else f"{len(ids)} article{'s' if len(ids) != 1 else ''}"
    words = (
        DONE_WORDS[action] if names or action not in ("tag", "untag") else DONE_WORDS[action].replace(" {names}", "")
    )
    return {
        "text": words.format(what=what, names=names),
        "undo": organize.ACTIONS[action][1],
        "ids": ids,
        "names": names,
    }


def _still_listed(request: AuthedRequest, article: Article, next_url: str) -> bool:
    """Whether ``article`` still belongs on the list page ``next_url`` (True for any other page)."""
    parts = urlsplit(next_url)
    if parts.path != reverse("reader:index"):
        return True
    filters = selectors.list_filters(QueryDict(parts.query))
    if filters.q and not filters.show_given:
        return article.deleted_at is None
    return selectors.list_queryset(request.user, filters).filter(pk=article.pk).exists()


def _can_leave(action: str, next_url: str) -> bool:
    """Whether ``action`` is one that takes an article out of the list at ``next_url`` when it no
    longer matches it: read state and archive for any view, unfavourite for Favourites, untag for a
    tag's view; favourite and tag never."""
    if action in ("favourite", "tag"):
        return False
    parts = urlsplit(next_url)
    if parts.path != reverse("reader:index"):
        return True
    filters = selectors.list_filters(QueryDict(parts.query))
    typed = parse_query(filters.q)
    if action == "unfavourite":
        return filters.show == "favourites" or "favourite" in typed.flags
    if action == "untag":
        return bool(filters.tag or typed.tags)
    return True


@login_required
@require_POST
def article_action(request: AuthedRequest, article_id: int, action: str) -> HttpResponse:
    """``POST /articles/<id>/<action>/``: one of ``organize.ACTIONS`` (read, unread, archive,
    unarchive, favourite, unfavourite, delete, restore, tag, untag) on one article.

    Fields: ``next`` (where to go back, without JavaScript), ``tags`` (for tag/untag: names,
    comma-separated). With htmx the answer is the fragment the form aimed at (``#article-<id>-actions``
    or ``#article-<id>-tags``), or, when the article left the list shown, the row replaced by an
    undo notice. Without JavaScript: a redirect to ``next``, with the undo notice there.
    """
    if action not in organize.ACTIONS:
        raise Http404("No such action.")
    article = Article.objects.filter(owner=request.user, pk=article_id).first()
    if article is None or (article.deleted_at is not None and action != "restore"):
        return article_gone(request, article_id, article)
    names = request.POST.get("tags", "")
    changed = organize.apply_action(user=request.user, action=action, article_ids=[article.pk], names=names)
    next_url = safe_next(request)
    notice = _notice(action, changed or [article.pk], ", ".join(organize.clean_tag_names(names)), article.display_title)
    if not request.htmx:
        if action in ("archive", "delete", "unarchive", "restore") and changed:
            request.session[NOTICE_KEY] = notice
        if action == "delete" and urlsplit(next_url).path == reverse("reader:article-detail", args=[article.pk]):
            next_url = reverse("reader:index")
        return redirect(next_url)
    response = _article_action_fragment(request, article, action, next_url, notice)
    return with_tag_names(request, response, next_url) if action in TAG_CHANGING else response


def article_gone(request: AuthedRequest, article_id: int, article: Article | None) -> HttpResponse:
    """The answer to an action on an article deleted meanwhile (in another tab, or purged): it says so,
    in place of the article with htmx (with Undo while it can still be restored), or as a message on
    the page to go back to. An id with no article of the person's left is a 404 without htmx, as
    another person's id is (a purged article and someone else's look the same)."""
    next_url = safe_next(request)
    restorable = article is not None
    words = (
        "This article was deleted in another tab or window."
        if restorable
        else "This article no longer exists: it was deleted in another tab or window."
    )
    if not request.htmx:
        if not restorable:
            raise Http404("No such article.")  # as for any id that is not the person's
        messages.info(request, words)
        if urlsplit(next_url).path.startswith(reverse("reader:article-detail", args=[article_id])):
            next_url = reverse("reader:index")
        return redirect(next_url)
    notice = {"text": words, "undo": "restore" if restorable else "", "ids": [article_id], "names": ""}
    context = {"article": {"pk": article_id}, "notice": notice, "next_url": next_url}
    response = render(request, "reader/_article_gone.html", context)
    retarget(response, f"#article-{article_id}")
    reswap(response, "outerHTML")
    return with_head(request, response)


def _article_action_fragment(
    request: AuthedRequest, article: Article, action: str, next_url: str, notice: dict
) -> HttpResponse:
    """What htmx swaps in after ``action`` on ``article``: its row, its tags or actions, or an undo notice."""
    article = Article.objects.filter(owner=request.user).prefetch_related(selectors.tags_prefetch()).get(pk=article.pk)
    context = {"article": article, "next_url": next_url, "detail": urlsplit(next_url).path != reverse("reader:index")}
    target = request.htmx.target or ""
    if action == "restore" or (target == f"article-{article.pk}" and article.deleted_at is None):
        selectors.attach_summaries(request.user, [article])
        context.update(view="summary")
        return with_head(request, render(request, "reader/_article_row.html", context))
    # Only an action that can take an article out of this view removes its row: (un)favouriting or
    # tagging a row already read in the Unread view keeps it where the reader is looking.
    leaves_view = _can_leave(action, next_url)
    if article.deleted_at is not None or (leaves_view and not _still_listed(request, article, next_url)):
        context["notice"] = notice
        response = render(request, "reader/_article_gone.html", context)
        retarget(response, f"#article-{article.pk}")
        reswap(response, "outerHTML")
        return with_head(request, response)
    if target == f"article-{article.pk}-tags":
        return with_head(request, render(request, "reader/_article_tags.html", context))
    return with_head(request, render(request, "reader/_article_actions.html", context))


@login_required
@require_POST
def bulk_action(request: AuthedRequest) -> HttpResponse:
    """``POST /articles/bulk/``: ``action`` (see ``article_action``) on the selected ``ids``.

    Also what every "Undo" posts. With htmx aimed at ``#list-region`` the answer is the list region
    of ``next`` with an undo notice; aimed at one row (``#article-<id>``), that row. Without
    JavaScript: a redirect to ``next`` showing the notice.
    """
    action = request.POST.get("action", "")
    ids = request.POST.getlist("ids")
    next_url = safe_next(request)
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
        article = list_rows(request.user).filter(pk=int(target[8:])).first()
        if article is None:
            return HttpResponse("")
        selectors.attach_summaries(request.user, [article])
        context = {"article": article, "view": "summary", "next_url": next_url}
        response = with_head(request, render(request, "reader/_article_row.html", context))
        return with_tag_names(request, response, next_url) if action in TAG_CHANGING else response
    if not request.htmx or target != "list-region":
        if notice:
            request.session[NOTICE_KEY] = notice
        return redirect(next_url)
    parts = urlsplit(next_url)
    context = list_context(request, QueryDict(parts.query))
    context.update(notice=notice, next_url=next_url)
    response = render(request, "reader/_list_region.html", context)
    return with_tag_names(request, response, "") if action in TAG_CHANGING else response
