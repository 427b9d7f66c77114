"""What the pages say and link to: the undo notices' wording, a summary sentence's link keeping its
place in the address, marks that start at the first letter, the search syntax in the help, and the
Preferences and password pages as Digest's own forms."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from summaries.models import Summary
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_moving_articles_out_of_the_archive_says_so_plainly(client, alice):
    ids = [factories.make_article(alice, archived_at=timezone.now()).pk for _ in range(3)]
    response = client.post(
        reverse("reader:article-bulk"), {"action": "unarchive", "ids": ids, "next": "/?show=archived"}, follow=True
    )
    assert "Moved 3 articles out of the archive." in response.content.decode()
    read = client.post(reverse("reader:article-bulk"), {"action": "read", "ids": ids[:1], "next": "/"}, follow=True)
    assert "Marked 1 article read." in read.content.decode()


def test_a_summary_sentence_link_keeps_its_place_in_the_address(client, alice):
    article = factories.make_article(alice, text="First sentence of the story.\nSecond one is here.")
    factories.add_summary(article, ["Second one is here."])
    page = client.get(reverse("reader:article-detail", args=[article.pk])).content.decode()
    url = reverse("reader:article-detail", args=[article.pk])
    assert f'hx-push-url="{url}?view=full#a{article.pk}-s1"' in page
    row = client.get("/?show=all").content.decode()
    assert "hx-push-url" not in row[row.index('class="summary"') :][:600]  # a list row keeps the list's address


def test_a_marked_sentence_starts_at_its_first_letter(client, alice):
    text = "Opening line here.\nThe vote passed. Work starts in March."
    article = factories.make_article(alice, text=text)
    start = text.index(" Work")  # a span that begins at the space before the sentence
    Summary.objects.create(
        article=article,
        algorithm="lexrank",
        sentence_count=3,
        status=Summary.Status.READY,
        sentences=[{"text": " Work starts in March.", "start": start, "end": len(text)}],
    )
    page = client.get(reverse("reader:article-detail", args=[article.pk]), {"view": "full"}).content.decode()
    assert f'passed. <mark id="a{article.pk}-s1" class="summary-sentence">Work starts in March.</mark>' in page


def test_the_help_says_the_search_syntax(client, alice):
    page = client.get("/").content.decode()
    help_text = page[page.index('<dialog id="shortcuts"') : page.index("</dialog>")]
    for example in ('"sea otter"', "otter OR beaver", "-beaver", "tag:x site:y lang:de", "is:unread"):
        assert f"<code>{example}</code>" in help_text


def test_preferences_and_password_are_digest_pages(client, alice):
    prefs = client.get(reverse("reader:preferences")).content.decode()
    assert '<fieldset class="card"' in prefs and '<p><label for="id_theme">' not in prefs
    assert "Change your password" in prefs
    password = client.get(reverse("password_change")).content.decode()
    assert 'class="card form"' in password and '<button type="submit" class="primary">Change password' in password
    assert not re.search(r"<p>\s*<label", password)  # not Django's stock form.as_p
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "a-new-pass-123", "new_password2": "a-new-pass-123"},
    )
    assert 'class="msg error"' in response.content.decode()
