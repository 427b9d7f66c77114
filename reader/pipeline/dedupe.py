"""One story, one article: after a page is fetched and extracted, the person's other articles with the
same story under another address (its AMP page, its ``m.`` or ``www.`` edition, a redirect) are found.

At save time only the pasted URL is known (``reader.pipeline.saving`` finds exact duplicates by their
canonical URL). Once the page is in, two more addresses say which story it is: the final URL after
redirects, and the canonical link the page gives for itself. Their edition keys
(``reader.fetch.urls.edition_keys``) are looked up among the person's articles (by the indexed
``canonical_url``). A canonical link is a hint, not a proof: one that points at the site's home page or
at a section above the page is ignored (themes put the home page on every article), and two articles
are one only when their stories agree too (the same headline, or most of the text in common).

What happens then (``fold_duplicate``): the new article is folded into the one saved before (its tags
move over; it is deleted, keeping the saved URL of the other, with ``error_code`` "duplicate" and the
other's canonical URL as a pointer); a failed earlier save of the same story is folded into the new one
instead. An article that is no duplicate takes the page's canonical URL (or its final URL) as its key,
so a later paste of that address is found at once. The saved URL (``Article.url``) never changes.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone

from reader import conf
from reader.extract import ExtractedArticle
from reader.fetch.urls import EDITION_HOST_PREFIXES, InvalidURL, check_url, edition_keys
from reader.models import Article

log = logging.getLogger(__name__)

Status = Article.Status

# Two texts are one story when this share of the shorter one's word 4-grams is in the other.
SAME_TEXT_SHARE = 0.5
# Words of each text compared (the lead is where two editions of a story agree).
_COMPARED_WORDS = 2000
_WORD = re.compile(r"\w+")


def fold_duplicate(article: Article, extracted: ExtractedArticle) -> Article | None:
    """Find the person's other article with the same story as ``article`` (just extracted as
    ``extracted``) and make the two one. Returns the article ``article`` was folded into (it is then
    deleted and must not be summarized), or None when ``article`` goes on (no duplicate, or a failed
    earlier save was folded into it). ``article.final_url`` must be set (the fetch step sets it).
    """
    policy = conf.url_policy()
    page_url = article.final_url or article.url
    canonical = extracted.canonical_url if plausible_canonical(extracted.canonical_url, page_url) else ""
    keys = edition_keys(page_url, policy) | (edition_keys(canonical, policy) if canonical else set())
    if not keys:
        return None
    others = (
        Article.objects.for_user(article.owner)
        .filter(canonical_url__in=sorted(keys))
        .exclude(pk=article.pk)
        .order_by("created_at", "pk")
    )
    for other in others:
        if other.status == Status.FAILED:
            _fold(other, into=article)
        elif other.text and same_story(other.title, other.text, extracted.title, extracted.text):
            _fold(article, into=other)
            return other
    _take_key(article, canonical or page_url)
    return None


def plausible_canonical(canonical: str, page_url: str) -> bool:
    """Whether the canonical link a page gives may stand for its story: an http(s) address that is not
    the site's home page (unless the page is the home page) and not a section above the page
    ("/news" for "/news/2024/story"). Themes that put the home page on every article give no hint."""
    try:
        target, page = urlsplit(canonical), urlsplit(page_url)
    except ValueError:
        return False
    if target.scheme not in ("http", "https") or not target.hostname:
        return False
    path = target.path.rstrip("/")
    page_path = page.path.rstrip("/")
    if not path and not target.query:
        return not page_path and not page.query
    same_site = _bare_host(target.hostname) == _bare_host(page.hostname or "")
    return not (same_site and page_path.startswith(path + "/") and not target.query)


def same_story(title_a: str, text_a: str, title_b: str, text_b: str) -> bool:
    """Whether two extracted articles tell the same story: the same headline (letters and digits
    compared, case ignored), or ``SAME_TEXT_SHARE`` of the shorter text's word 4-grams (of its first
    ``_COMPARED_WORDS`` words) in the other's."""
    key_a, key_b = _squash(title_a), _squash(title_b)
    if key_a and key_a == key_b:
        return True
    grams_a, grams_b = _grams(text_a), _grams(text_b)
    shorter, longer = sorted((grams_a, grams_b), key=len)
    return bool(shorter) and len(shorter & longer) >= SAME_TEXT_SHARE * len(shorter)


def _fold(duplicate: Article, *, into: Article) -> None:
    """Make ``duplicate`` part of ``into``: its tags move over, and it is deleted (purged with the
    other deleted articles later), marked "duplicate" with ``into``'s canonical URL, so whoever
    saved it (a command line waiting for it) can find the article that holds the story."""
    log.info("Article %s is the same story as article %s", duplicate.pk, into.pk)
    now = timezone.now()
    with transaction.atomic():
        into.tags.add(*duplicate.tags.all())
        Article.objects.filter(pk=duplicate.pk).update(
            deleted_at=now,
            status=Status.FAILED,
            status_changed_at=now,
            lease_expires_at=None,
            next_attempt_at=None,
            error_code="duplicate",
            error=f"This is the same article as “{into.display_title}”, saved from {into.url}.",
            canonical_url=into.canonical_url,
        )


def _take_key(article: Article, address: str) -> None:
    """Key ``article`` on ``address`` (its page's canonical or final URL) so a later paste of that
    address finds it; kept as it is when another article of the person already has that key."""
    try:
        key = check_url(address, conf.url_policy()).canonical
    except InvalidURL:
        return
    if key == article.canonical_url:
        return
    try:
        with transaction.atomic():
            Article.objects.filter(pk=article.pk).update(canonical_url=key)
    except IntegrityError:
        return
    article.canonical_url = key


def _bare_host(host: str) -> str:
    host = host.lower()
    for prefix in EDITION_HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            return host.removeprefix(prefix)
    return host


def _squash(text: str) -> str:
    return "".join(_WORD.findall((text or "").lower()))


def _grams(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall((text or "").lower())[:_COMPARED_WORDS]
    return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}
