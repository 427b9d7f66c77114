"""Articles and summaries made straight in the database, for tests that need no fetch."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from reader.models import Article, Tag
from reader.pipeline.steps import update_search_index
from reader.services import organize
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


# Four short stories with a 2-sentence summary each, for the pages a browser test looks at.
STORIES = [
    (
        "Glaciers in the Alps lost a tenth of their ice in two summers",
        "alpine.example.org",
        [
            "Switzerland's glaciers shrank faster than at any time since records began, scientists said on Monday.",
            "The two hot summers melted about ten percent of the remaining ice. Researchers measured the loss at "
            "more than one hundred sites across the Alps.",
            "Small glaciers below three thousand metres are expected to vanish within decades. Ski resorts and "
            "hydropower plants that depend on meltwater are already planning for the change.",
            "The team said only a sharp cut in emissions could save the largest glaciers.",
        ],
        ["science", "climate"],
    ),
    (
        "City council approves a larger budget for parks and new trails",
        "citynews.example.com",
        [
            "The council voted eight to three on Tuesday to raise the parks budget by a fifth.",
            "The money pays for two new trails along the river and more benches and shade trees. Residents had "
            "asked for both at a series of public meetings last spring.",
            "Critics said the plan does little for neighbourhoods without any park at all. The mayor said work "
            "on the trails starts in March.",
        ],
        ["local"],
    ),
    (
        "How a small bakery learned to make sourdough at scale",
        "food.example.net",
        [
            "The bakery started with one oven and a starter kept alive in a kitchen cupboard.",
            "Ten years later it bakes four thousand loaves a day. The owners say the secret is patience: the "
            "dough rests for a full day before it is shaped.",
            "They still feed the original starter every morning, by hand.",
        ],
        [],
    ),
    (
        "Researchers build a battery that charges in five minutes",
        "tech.example.com",
        [
            "A team of engineers reported a battery cell that reaches eighty percent charge in five minutes.",
            "The design uses a new electrode coating that keeps lithium from forming needles. Such needles "
            "shorten the life of fast-charged cells and can cause fires.",
            "The cells kept most of their capacity after two thousand cycles in the laboratory.",
        ],
        ["science"],
    ),
]


def make_story(owner, n: int, title: str, site: str, paragraphs: list[str], tags: list[str]) -> Article:
    text = "\n".join(paragraphs)
    article = Article.objects.create(
        owner=owner,
        url=f"https://{site}/story-{n}",
        canonical_url=f"https://{site}/story-{n}",
        final_url=f"https://{site}/story-{n}",
        site=site,
        status=Article.Status.READY,
        title=title,
        authors=["Dana Reporter"],
        published_at=timezone.now() - timedelta(days=n),
        language="en",
        text=text,
        word_count=len(text.split()),
    )
    sentences = [paragraphs[0], paragraphs[1].split(". ")[0] + "."]
    spans = [{"text": s, "start": text.index(s), "end": text.index(s) + len(s)} for s in sentences]
    Summary.objects.create(
        article=article, algorithm="lexrank", sentence_count=3, status=Summary.Status.READY, sentences=spans
    )
    if tags:
        organize.add_tags(user=owner, article_ids=[article.pk], names=tags)
    else:
        update_search_index(article.pk)
    return article
