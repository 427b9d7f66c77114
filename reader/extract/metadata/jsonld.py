"""The page's JSON-LD (schema.org) objects, and the one that describes its article."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from reader.extract.layout import element_text
from reader.pages.text import control_chars_to_spaces

# schema.org types whose node describes the article (compared lower-case, namespace dropped).
ARTICLE_TYPES = {
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "scholarlyarticle",
    "techarticle", "report", "socialmediaposting", "liveblogposting", "posting", "webpage",
    "medicalwebpage", "creativework", "advertisercontentarticle", "satiricalarticle",
}  # fmt: skip
# At most this many objects are read from one page (a product catalogue can hold thousands).
_MAX_OBJECTS = 200


def as_list(value: Any) -> list:
    """``value`` as a list: ``[]`` for None, itself for a list, else ``[value]`` (JSON-LD allows
    one value or an array for any property)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def jsonld_objects(tree: lxml.html.HtmlElement) -> list[dict]:
    """Every JSON object in the page's ``<script type="application/ld+json">`` blocks.

    Input: the parsed page. Output: the objects in document order, with the members of each
    ``@graph`` and each ``mainEntity`` object added after their parent; at most
    ``_MAX_OBJECTS``. A block with trailing commas or raw control characters is read leniently;
    one that still fails, or nests too deeply, is skipped. Never raises.
    """
    objects: list[dict] = []
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except RecursionError:
            continue
        except ValueError:
            try:  # trailing commas and stray control characters are common
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", control_chars_to_spaces(raw)), strict=False)
            except (ValueError, RecursionError):
                continue
        stack = as_list(data)
        while stack and len(objects) < _MAX_OBJECTS:
            item = stack.pop(0)
            if isinstance(item, dict):
                objects.append(item)
                stack.extend(x for x in as_list(item.get("@graph")) if isinstance(x, dict))
                main = item.get("mainEntity")
                if isinstance(main, dict):
                    stack.append(main)
            elif isinstance(item, list):
                stack.extend(item)
    return objects


def _types(obj: dict) -> set[str]:
    return {str(t).lower().rsplit("/", 1)[-1] for t in as_list(obj.get("@type"))}


def article_node(objects: list[dict]) -> dict:
    """The JSON-LD object that describes the article, or ``{}`` when none does.

    Input: :func:`jsonld_objects`' list. A specific article type (NewsArticle, BlogPosting...)
    beats a generic WebPage or CreativeWork, and a node with a headline or body beats one without;
    among equals the first wins.
    """
    best: dict = {}
    best_rank = 99
    for obj in objects:
        types = _types(obj)
        if not types & ARTICLE_TYPES:
            continue
        # A real article type beats a generic WebPage; among equals the first wins.
        rank = 0 if types & (ARTICLE_TYPES - {"webpage", "creativework", "medicalwebpage"}) else 1
        if not (obj.get("headline") or obj.get("articleBody")):
            rank += 2
        if rank < best_rank:
            best, best_rank = obj, rank
    return best


def resolve_references(node: dict, objects: list[dict], url: str = "") -> dict:
    """``node`` with each property value that only points at another node replaced by that node.

    Inputs: a JSON-LD object (the article node), :func:`jsonld_objects`' list and the page's
    address. In a schema.org ``@graph`` (Yoast, Rank Math and most CMS plugins write one), the
    article's ``author``, ``publisher`` and ``image`` are often bare references such as
    ``{"@id": "https://site/#/schema/person/5f2c"}`` with the Person, Organization or ImageObject
    itself elsewhere in the graph, or in another ``ld+json`` block. Output: a shallow copy in
    which each such value (alone or inside a list) that names no ``name``/``url`` of its own is
    replaced by the node whose ``@id`` it gives, merged with what the reference itself says;
    ``@id`` values are compared after resolving them against ``url`` (a relative ``#author``
    matches ``https://site/page#author``). One level deep, so a cycle of references cannot loop.
    A reference to no known node stays as it is.
    """
    if not node:
        return node
    index: dict[str, dict] = {}
    for obj in objects:
        key = _id_key(obj.get("@id"), url)
        if key and key not in index and obj is not node:
            index[key] = obj

    def resolved(value: Any) -> Any:
        if isinstance(value, list):
            return [resolved(v) for v in value]
        if not isinstance(value, dict) or value.get("name") or value.get("url"):
            return value
        target = index.get(_id_key(value.get("@id"), url))
        return {**target, **value} if target is not None else value

    if not index:
        return node
    return {key: value if key.startswith("@") else resolved(value) for key, value in node.items()}


def _id_key(value: Any, url: str) -> str:
    if not isinstance(value, str) or not value.strip():
        return ""
    try:
        return urljoin(url, value.strip()) if url else value.strip()
    except ValueError:
        return value.strip()


def ld_text(value: Any) -> str:
    """A JSON-LD text property (``headline``, ``articleBody``) as plain text.

    Input: the property's value (a string, a list of strings, or anything else). Output: the text
    with HTML entities decoded and, when it holds markup, one block per line
    (:func:`reader.extract.layout.element_text`); "" for a value that is not text.
    """
    if isinstance(value, list):
        value = " ".join(str(v) for v in value if isinstance(v, str))
    if not isinstance(value, str):
        return ""
    value = unescape(value)
    if "<" in value and re.search(r"</?(p|br|div|span|a|em|strong)\b", value, re.IGNORECASE):
        try:
            return element_text(lxml.html.fragment_fromstring(value, create_parent="div"))
        except (lxml.etree.ParserError, ValueError):
            return re.sub(r"<[^>]+>", " ", value).replace("\t", " ")
    # A tab in plain text is a space, not a table cell (summaries.summarizer.blocks).
    return value.replace("\t", " ")
