"""Whether a page delivered only a teaser of a subscribers-only article."""

from __future__ import annotations

import logging

import lxml.etree
import lxml.html
from cssselect import SelectorError

from reader.extract.metadata.jsonld import as_list

logger = logging.getLogger(__name__)

# A paid section with fewer words than this holds a prompt, not the article; a text shorter
# than this beside a paywall marker or subscription prompt is a teaser.
PAID_SECTION_WORDS = 100
TEASER_WORDS = 350


def is_paywalled(
    tree: lxml.html.HtmlElement,
    jsonld: list[dict],
    meta: dict[str, str],
    words: int,
    prompt_removed: bool,
) -> bool:
    """Only a teaser was delivered.

    Inputs: the parsed page, its JSON-LD objects (``metadata.jsonld.jsonld_objects``), its
    ``<meta>`` tags, the number of words of extracted text, and whether a subscription prompt was
    dropped from it (``cleanup.drop_boilerplate_lines``).

    Schema.org's paywall markup (``isAccessibleForFree: false``, with ``hasPart.cssSelector``
    naming the paid section) says the article is for subscribers; many metered sites still send
    the whole text, so the flag is set only when the named section is missing or nearly empty,
    or, without a selector, when the text is short. A subscription prompt next to a short text
    counts too.
    """
    not_free = False
    selectors: list[str] = []
    for obj in jsonld:
        for node in [obj, *as_list(obj.get("hasPart"))]:
            if isinstance(node, dict) and str(node.get("isAccessibleForFree", "")).strip().lower() in (
                "false",
                "no",
                "0",
            ):
                not_free = True
                if isinstance(node.get("cssSelector"), str):
                    selectors.append(node["cssSelector"])
    if meta.get("article:content_tier", "").lower() == "locked":
        not_free = True
    if not_free:
        if selectors:
            delivered = 0
            for selector in selectors:
                try:
                    delivered += sum(len((el.text_content() or "").split()) for el in tree.cssselect(selector))
                except (SelectorError, lxml.etree.XPathError, ValueError):
                    logger.info("unusable paywall selector %r", selector)
            return delivered < PAID_SECTION_WORDS
        return words < TEASER_WORDS
    return prompt_removed and words < TEASER_WORDS
