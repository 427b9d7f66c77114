"""Looking is not choosing: the list, the plain article page and exports show the person's default
summary (or the one they chose with "Use this summary"), never a variant only looked at."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from reader.models import ReaderPreferences
from reader.pipeline.steps import compute_pending_summary, summarize_article
from reader.selectors import article_as_dict
from summaries.models import Summary
from tests import factories

pytestmark = pytest.mark.django_db

TEXT = (
    "Council approves new park budget for the city.\nThe park will open next spring with new trails. "
    "Residents asked for more benches and shade trees. The mayor said work starts in March.\n"
    "Critics say the budget is too small for the plans. Others praised the design of the playground.\n"
    "The vote was seven to two after a long debate. A final plan is due in the autumn."
)


def shown_summary(html: str) -> list[str]:
    """The sentences of the first summary list on a page."""
    found = re.search(r'<ol class="summary".*?</ol>', html, re.S)
    assert found, "no summary on the page"
    return re.findall(r'data-scroll-to="[^"]+">([^<]+)</a>', found.group(0))


def sentences_of(summary: Summary) -> list[str]:
    summary.refresh_from_db()
    return summary.sentence_texts


@pytest.fixture
def article(alice):
    article = factories.make_article(alice, text=TEXT)
    summarize_article(article)  # what the worker did when it was saved: the default, digest/3
    return article


def look_at(client, article, algorithm: str, sentences: int) -> Summary:
    """Open the article page with another summary and let the worker compute it."""
    url = reverse("reader:article-detail", args=[article.pk])
    client.get(url, {"algorithm": algorithm, "sentences": str(sentences)})
    variant = Summary.objects.get(article=article, algorithm=algorithm, sentence_count=sentences)
    compute_pending_summary(variant.pk)
    return variant


def test_a_variant_looked_at_changes_nothing_in_the_list_or_the_plain_page(client, alice, article):
    saved = Summary.objects.get(article=article)
    # The person changes their default after saving: this article has no summary of the new default.
    ReaderPreferences.objects.create(user=alice, summary_algorithm="lexrank", summary_sentences=4)
    variant = look_at(client, article, "textrank", 2)
    assert sentences_of(variant) != sentences_of(saved)
    listing = client.get("/?show=all").content.decode()
    assert shown_summary(listing) == sentences_of(saved)
    plain = client.get(reverse("reader:article-detail", args=[article.pk])).content.decode()
    assert shown_summary(plain) == sentences_of(saved)
    assert article_as_dict(article)["summary"] == sentences_of(saved)
    # The variant stays in the address of the article page, with a way to choose it.
    page = client.get(
        reverse("reader:article-detail", args=[article.pk]), {"algorithm": "textrank", "sentences": "2"}
    ).content.decode()
    assert shown_summary(page) == sentences_of(variant)
    assert "Use this summary" in page and "Your list shows digest, 3 sentences" in page


def test_use_this_summary_pins_it_and_the_default_unpins(client, alice, article):
    saved = Summary.objects.get(article=article)
    variant = look_at(client, article, "textrank", 2)
    choose = reverse("reader:article-summary", args=[article.pk])
    response = client.post(choose, {"algorithm": "textrank", "sentences": "2"}, follow=True)
    page = response.content.decode()
    assert "Your list now shows this summary" in page and "Use this summary" not in page
    assert "Your list shows this summary." in page
    assert shown_summary(client.get("/?show=all").content.decode()) == sentences_of(variant)
    plain = client.get(reverse("reader:article-detail", args=[article.pk])).content.decode()
    assert shown_summary(plain) == sentences_of(variant)
    # Looking at a third one changes nothing either.
    look_at(client, article, "luhn", 1)
    assert shown_summary(client.get("/?show=all").content.decode()) == sentences_of(variant)
    # Choosing the default again makes the article follow the default.
    client.post(choose, {"algorithm": "digest", "sentences": "3"})
    article.refresh_from_db()
    assert (article.summary_algorithm, article.summary_sentences) == ("", None)
    assert shown_summary(client.get("/?show=all").content.decode()) == sentences_of(saved)


def test_a_summary_not_ready_cannot_be_chosen(client, alice, article, bob):
    client.get(reverse("reader:article-detail", args=[article.pk]), {"algorithm": "lsa", "sentences": "2"})
    choose = reverse("reader:article-summary", args=[article.pk])
    page = client.post(choose, {"algorithm": "lsa", "sentences": "2"}, follow=True).content.decode()
    assert "not ready yet" in page
    article.refresh_from_db()
    assert article.summary_algorithm == ""
    theirs = factories.make_article(bob)
    assert client.post(reverse("reader:article-summary", args=[theirs.pk]), {"algorithm": "lsa"}).status_code == 404


def test_each_algorithm_is_explained_in_one_line(client, alice, article):
    prefs = client.get(reverse("reader:preferences")).content.decode()
    for name in ("digest", "lexrank", "textrank", "luhn", "lsa", "kl", "sumbasic", "reduction"):
        assert re.search(rf'value="{name}".*?<strong>{name}</strong> <span class="note">[^<]+Pick', prefs, re.S) or (
            name == "digest" and "The best pick for news" in prefs
        ), name
    page = client.get(
        reverse("reader:article-detail", args=[article.pk]), {"algorithm": "luhn", "sentences": "2"}
    ).content.decode()
    assert '<p class="algorithm-note"><strong>luhn</strong>: Sentences dense with' in page
