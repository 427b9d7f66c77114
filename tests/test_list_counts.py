"""The list's view counts, kept by the database (reader/counts.py), always equal a count of the
articles: after saving, every pipeline state, every organize action, tags, hard deletes and purges,
for the whole list and each narrowing filter, on whichever engine the suite runs on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from reader import selectors
from reader.models import Article, ListCount, Tag
from reader.pipeline import saving
from reader.services import organize
from tests import factories

pytestmark = pytest.mark.django_db

Status = Article.Status


def filters_of(user) -> list[dict]:
    """Every narrowing a page can ask for: none, each tag, site (and parent domain), language (and its
    base language), one unknown of each, and two at once."""
    cases: list[dict] = [{}]
    cases += [{"tag": t.name} for t in Tag.objects.filter(owner=user)] + [{"tag": "nosuch"}]
    sites = set(Article.objects.filter(owner=user).values_list("site", flat=True))
    cases += [{"site": s} for s in sites] + [{"site": "example.com"}, {"site": "nosuch.example"}]
    languages = set(Article.objects.filter(owner=user).values_list("language", flat=True)) - {""}
    cases += [{"lang": lang} for lang in languages] + [{"lang": "pt"}, {"lang": "xx"}]
    cases += [{"tag": "later", "site": "news.example.com"}]
    return cases


def check(*users) -> None:
    """The kept counts equal a count of the articles for every filter, and no row went negative."""
    for user in users:
        for params in filters_of(user):
            filters = selectors.list_filters(params)
            assert selectors.view_counts(user, filters) == selectors.counted_views(user, filters), params
    assert not ListCount.objects.filter(total__lt=0).exists()


def test_counts_follow_every_kind_of_write(alice, bob):
    result = saving.save_urls(user=alice, text="https://news.example.com/a https://www.news.example.com/b")
    saving.save_urls(user=bob, text="https://news.example.com/a")
    check(alice, bob)
    first, second = result.created
    # The pipeline's steps, as its conditional UPDATEs write them.
    Article.objects.filter(pk=first.pk).update(status=Status.FETCHING, lease_expires_at=timezone.now())
    Article.objects.filter(pk=first.pk).update(lease_expires_at=timezone.now() + timedelta(seconds=30))
    Article.objects.filter(pk=first.pk).update(status=Status.SUMMARIZING, language="pt-br", text="Texto.")
    check(alice)
    Article.objects.filter(pk=first.pk).update(status=Status.READY)
    Article.objects.filter(pk=second.pk).update(status=Status.FAILED, error="Gone (HTTP 404).")
    check(alice)
    saving.retry_article(article=Article.objects.get(pk=second.pk))
    check(alice)
    Article.objects.filter(pk=second.pk).update(status=Status.READY, language="de", site="zeit.example.de")
    check(alice)
    # Every organize action, and its undo.
    made = [
        factories.make_article(alice, site=s, language=lang)
        for s, lang in (("a.example.com", "en"), ("b.example.com", "fr"))
    ]
    ids = [first.pk, second.pk] + [a.pk for a in made]
    for action in (
        "read",
        "archive",
        "favourite",
        "tag",
        "untag",
        "delete",
        "restore",
        "unarchive",
        "unfavourite",
        "unread",
        "tag",
    ):
        organize.apply_action(user=alice, action=action, article_ids=ids[: 2 + len(action) % 3], names="later, Work")
        check(alice, bob)
    # Saved again after a delete, then the old copy purged.
    organize.delete_articles(user=alice, article_ids=[first.pk])
    saving.save_urls(user=alice, text="https://news.example.com/a")
    organize.purge_deleted(user=alice, older_than=0)
    check(alice)
    # What only the admin does: delete a live article, a tag, a whole person.
    Article.objects.get(pk=made[0].pk).delete()
    check(alice)
    Tag.objects.filter(owner=alice, name="Work").delete()
    check(alice)
    get_user_model().objects.filter(pk=bob.pk).delete()
    assert not ListCount.objects.filter(owner_id=bob.pk).exists()
    check(alice)


def test_a_bulk_insert_is_counted(alice):
    Article.objects.bulk_create(
        Article(
            owner=alice,
            url=f"https://s{i % 3}.example.com/{i}",
            canonical_url=f"https://s{i % 3}.example.com/{i}",
            site=f"s{i % 3}.example.com",
            status=Status.READY if i % 4 else Status.QUEUED,
            read_at=timezone.now() if i % 2 else None,
            favourite=i % 5 == 0,
        )
        for i in range(40)
    )
    check(alice)
    assert selectors.view_counts(alice, selectors.list_filters({}))["all"] == 40


def test_a_write_that_changes_nothing_counted_leaves_the_counts_alone(alice):
    article = factories.make_article(alice)
    before = list(ListCount.objects.filter(owner=alice).values())
    Article.objects.filter(pk=article.pk).update(text="Another text.", lease_expires_at=timezone.now())
    assert list(ListCount.objects.filter(owner=alice).values()) == before


def test_deletes_never_make_rows(alice):
    # A test database emptied table by table (Django's flush, in any order) must not leave stray rows.
    factories.make_article(alice, tags=["later"])
    ListCount.objects.all().delete()
    Article.tags.through.objects.all().delete()
    Article.objects.all().delete()
    assert not ListCount.objects.exists()
