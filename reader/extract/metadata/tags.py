"""What the page's markup says plainly: ``<meta>`` tags, the first text of an element, ``<html lang>``,
and the names the site goes by (to tell them from a headline or an author)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import lxml.html

from reader.extract.cleanup import WORD, clean_line
from reader.extract.metadata.jsonld import as_list


def meta_tags(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """First non-empty content of each <meta name|property|itemprop|http-equiv>, keys lower-case."""
    found: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
        value = el.get("content")
        if value is None:
            value = el.get("datetime") or el.get("value")
        if not key or not value or not value.strip():
            continue
        key = key.strip().lower()
        if key not in found:
            found[key] = clean_line(value)
    return found


def first_text(tree: lxml.html.HtmlElement, xpath: str) -> str:
    """The cleaned text of the first element matching ``xpath`` that has any, else ""."""
    for el in tree.xpath(xpath):
        text = clean_line(el.text_content() or "")
        if text:
            return text
    return ""


def html_lang(tree: lxml.html.HtmlElement) -> str:
    """The two-letter language of ``<html lang>`` (or ``xml:lang``) in lower case ("pt-BR" -> "pt"),
    or "" when it is missing or not a two-letter code."""
    lang = (tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip().lower()
    lang = lang.split("-")[0].split("_")[0]
    return lang if re.fullmatch(r"[a-z]{2}", lang) else ""


def canonical_link(tree: lxml.html.HtmlElement, meta: dict[str, str], url: str) -> str:
    """The address the page names as its own: ``<link rel="canonical">``, else ``og:url``, made
    absolute against ``url``; "" when it names none or not an http(s) one."""
    hrefs = [el.get("href") or "" for el in tree.iter("link") if "canonical" in (el.get("rel") or "").lower().split()]
    for href in [*hrefs, meta.get("og:url", "")]:
        href = href.strip()
        if not href:
            continue
        try:
            absolute = urljoin(url, href)
        except ValueError:
            continue
        if absolute.startswith(("http://", "https://")):
            return absolute
    return ""


def declared_direction(tree: lxml.html.HtmlElement) -> str:
    """The writing direction the page's markup declares: the ``dir`` of its first ``<article>`` or
    ``<main>`` that has one, else of ``<body>``, else of ``<html>``, when that is ``"rtl"`` or
    ``"ltr"``; else "" (missing, ``"auto"``, or anything else)."""
    body = tree.find("body")
    inner = next((el for el in tree.iter("article", "main") if el.get("dir")), None)
    for el in (inner, body, tree):
        value = (el.get("dir") or "").strip().lower() if el is not None else ""
        if value in ("rtl", "ltr"):
            return value
    return ""


def site_names(meta: dict[str, str], article_ld: dict, url: str) -> list[str]:
    """The names the site goes by, most explicit first.

    Inputs: ``meta`` from :func:`meta_tags`, ``article_ld`` the article's JSON-LD node (or
    ``{}``), ``url`` the page's address. Output: ``og:site_name``, ``application-name``, the
    ``twitter:site`` handle, the JSON-LD publisher's names, the host's distinctive labels
    ("harbourgazette" of news.harbourgazette.com) and the host without ``www.``; empties left out.
    """
    names = [
        meta.get("og:site_name", ""),
        meta.get("application-name", ""),
        meta.get("twitter:site", "").lstrip("@"),
    ]
    publisher = article_ld.get("publisher") if article_ld else None
    for pub in as_list(publisher):
        if isinstance(pub, dict) and isinstance(pub.get("name"), str):
            names.append(pub["name"])
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        host = ""
    labels = [x for x in host.split(".")[:-1] if len(x) >= 5 and x not in _GENERIC_HOST_LABELS]
    names.extend(labels)
    if host:
        names.append(host.removeprefix("www."))
    return [n for n in names if n]


# Host labels that name no site ("news.example.kr", "blog.example.com").
_GENERIC_HOST_LABELS = {
    "example",
    "mobile",
    "news",
    "blog",
    "blogs",
    "online",
    "media",
    "press",
    "local",
}


def squash(text: str) -> str:
    """``text`` lower-cased with everything but letters and digits removed, for comparing names
    and headlines that differ only in spacing, case or punctuation ("Harbour Gazette" ==
    "harbourgazette")."""
    return "".join(WORD.findall(text.lower())).replace("_", "")
