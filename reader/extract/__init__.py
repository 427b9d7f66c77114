"""Article extraction: from a fetched page (HTML or PDF) to title, metadata and body text.

The public API is :func:`extract` (response bytes, or the pages of an article split over pages),
:func:`extract_html` (a decoded page), :func:`extract_pdf` (PDF bytes), the
:class:`ExtractedArticle` they return and the one error they raise, :class:`ExtractionError`, and
:func:`next_page_of` (the next page's address, for the fetcher). Plain Python: nothing here imports
Django.

The body text comes from three extractors run on one parsed lxml tree (``ensemble``):

* trafilatura (``favor_precision=True``) gives the base text, line by line;
* newspaper3k (its cleaner + best-node scoring, without its network or NLP steps) and
  readability-lxml vote on it: leading and trailing lines (or table cells) of the base that
  neither of them contains are boilerplate (headers, "about us" blurbs, related links) and go;
* when newspaper3k and readability agree on much more text than trafilatura found, trafilatura
  has cut the article short, and the one of them closer to the agreed text becomes the base.

On the 136-page Scrapinghub article-extraction benchmark this scores a higher F1 than
trafilatura or newspaper3k alone, in little more than newspaper3k's time; ``bench/README.md``
has the figures and every variant tried, and ``python -m bench.extraction`` measures them
again. JSON-LD ``articleBody`` is the fallback for client-rendered pages whose HTML body is
empty.

Metadata (``metadata``) prefers what the page states about itself (JSON-LD, OpenGraph and other
meta tags, ``<time datetime>``) over guesses. Every public function raises only
:class:`ExtractionError`.

Modules: ``extractor`` (the dispatcher and the order of the HTML steps, a split article's pages),
``pdf``, ``ensemble``, ``layout`` (trees to the stored text's blocks: tables as rows, ``<pre>`` as code,
``summaries.summarizer.blocks``), ``cleanup`` (lines, whitespace, boilerplate and its tails, pull quotes,
overlays, ``<noscript>`` articles, deep nesting),
``metadata/`` (title, authors, dates, image, JSON-LD and meta tags), ``paywall``, ``language``
(language and writing direction), ``pagination`` (the next page of a split article, for the
fetcher), ``result`` (the returned types).
"""

from reader.extract.extractor import extract, extract_html
from reader.extract.pagination import next_page_of
from reader.extract.pdf import extract_pdf
from reader.extract.result import ExtractedArticle, ExtractionError

__all__ = ["ExtractedArticle", "ExtractionError", "extract", "extract_html", "extract_pdf", "next_page_of"]
