"""The article's top image: the page's OpenGraph/Twitter/JSON-LD image, else the article's first ``<img>``."""

from __future__ import annotations

from urllib.parse import urljoin

import lxml.html

from reader.extract.metadata.jsonld import as_list


def find_top_image(tree: lxml.html.HtmlElement, meta: dict[str, str], article_ld: dict, url: str) -> str:
    """The absolute URL of the article's main image, or "".

    Inputs: the parsed page, its ``<meta>`` tags, its article JSON-LD node (or ``{}``) and its
    address (relative URLs are resolved against it). Candidates, in order: ``og:image`` (and its
    ``:url``/``:secure_url``), ``twitter:image``, JSON-LD ``image``, ``<link rel="image_src">``,
    the first ``<img>`` inside ``<article>`` or ``<main>``; ``data:`` URLs and unparsable ones
    are skipped.
    """
    candidates = [
        meta.get("og:image"),
        meta.get("og:image:url"),
        meta.get("og:image:secure_url"),
        meta.get("twitter:image"),
        meta.get("twitter:image:src"),
    ]
    if article_ld:
        for image in as_list(article_ld.get("image")):
            candidates.append(image.get("url") if isinstance(image, dict) else image)
    candidates += tree.xpath('//link[@rel="image_src"]/@href')
    scope = tree.xpath("//article") or tree.xpath("//main")
    if scope:
        candidates += scope[0].xpath(".//img/@src")[:1]
    for value in candidates:
        if isinstance(value, str) and value.strip() and not value.strip().startswith("data:"):
            try:
                return urljoin(url, value.strip())
            except ValueError:
                continue
    return ""
