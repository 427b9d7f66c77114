"""Articles and summaries made straight in the database, for tests that need no fetch."""

from __future__ import annotations

import itertools

from reader.models import Article, Tag
from reader.pipeline.steps import update_search_index
from summaries.models import Summary

_numbers = itertools.count(1)


def make_article(
    owner,
    title: str = "A story",
    *,
    text: str = "First sentence of the story.\nSecond paragraph is here. It has two sentences.",
    site: str = "news.example.com",
    tags: tuple[str, ...] | list[str] = (),
    index: bool = False,
    **fields,
) -> Article:
    """A ready article of ``owner`` at a unique URL on ``site``; ``fields`` override any column.

    ``tags``: names, created for the owner when missing; ``index``: add it to the search index.
    """
    n = next(_numbers)
    url = fields.pop("url", f"https://{site}/story-{n}")
    article = Article.objects.create(
        owner=owner,
        url=url,
        canonical_url=fields.pop("canonical_url", url),
        site=site,
        status=fields.pop("status", Article.Status.READY),
        title=title,
        text=text,
        word_count=fields.pop("word_count", len(text.split())),
        **fields,
    )
    for name in tags:
        tag = Tag.objects.filter(owner=owner, name__iexact=name).first() or Tag.objects.create(owner=owner, name=name)
        article.tags.add(tag)
    if index:
        update_search_index(article.pk)
    return article


def add_summary(
    article: Article, sentences: list[str], *, algorithm: str = "lexrank", status: str = Summary.Status.READY
) -> Summary:
    """A 3-sentence-variant ``Summary`` of ``article`` made of these sentences of its text (spans found in it)."""
    spans = []
    for sentence in sentences:
        start = article.text.index(sentence)
        spans.append({"text": sentence, "start": start, "end": start + len(sentence)})
    return Summary.objects.create(
        article=article, algorithm=algorithm, sentence_count=3, status=status, sentences=spans
    )
