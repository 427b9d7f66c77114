"""``digest``, Digest's default summarizer: sumy's Reduction centrality weighted by position.

How it was chosen and what it scores against sumy's algorithms and Lead-k is in ``bench/README.md``
(``make bench-summarization``); the two constants below were tuned there.
"""

from __future__ import annotations

from summaries.summarizer.algorithms import reduction_scores
from summaries.summarizer.text import Document

# Strength of the lead prior, and the summary share (of sentences) over which it fades out.
LEAD_PRIOR_EXPONENT = 1.5
LEAD_PRIOR_FADE = (0.30, 0.40)


def digest(article: Document, count: int) -> list[float]:
    """Our default: sumy's Reduction centrality times a lead prior (see bench/README.md).

    centrality_i = mean of Reduction's score on stems and on the words as written, each scaled to max 1
    (stems catch inflections, exact words weigh names and terms that recur as they are);
    prior_i = (1 + i / k) ** -1.5 for the i-th candidate and k = ``count`` (news puts the gist first:
    a short summary comes mostly from the top); the prior fades out linearly as the summary grows from
    30% to 40% of the article's sentences, where a summary is a condensed article rather than a lead.
    Returns one rating per candidate of ``article`` (higher is better).
    """
    n = len(article.candidates)
    stop = article.lang.stop_words
    centrality = [0.0] * n
    for bags in (
        article.content_stems(),
        [[w for w in ws if w not in stop] for ws in article.lower],
    ):
        scores = reduction_scores(bags)
        top = max(scores)
        if top > 0:
            centrality = [c + s / top / 2 for c, s in zip(centrality, scores, strict=True)]
    k = max(1, count)
    fade = min(
        1.0,
        max(
            0.0,
            (k / n - LEAD_PRIOR_FADE[0]) / (LEAD_PRIOR_FADE[1] - LEAD_PRIOR_FADE[0]),
        ),
    )
    # Ties (no shared words at all) fall back to document order through the stable sort.
    return [c * (fade + (1 - fade) * (1 + i / k) ** -LEAD_PRIOR_EXPONENT) for i, c in enumerate(centrality)]
