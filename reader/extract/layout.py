"""From a page's structure to the blocks of the stored text (``summaries.summarizer.blocks``).

Two converters write the same format, one block per line:

* :func:`trafilatura_text` turns trafilatura's XML body (``<head>``, ``<p>``, ``<list>``/``<item>``,
  ``<quote>``, ``<table>``/``<row>``/``<cell>``, ``<code>``, ``<lb>``) into lines, without the list
  markers and the Markdown-style table rules (``| a | b |``, ``|---|``) of trafilatura's own text;
* :func:`element_text` does the same for an HTML element (newspaper3k's and readability's output,
  a JSON-LD ``articleBody`` with markup).

A data table (at least two columns, cells of a few words, no paragraphs in them) becomes table rows;
a layout table (one column, or cells holding paragraphs) becomes the paragraphs it holds. Multi-line
code (``<pre>``, trafilatura's block ``<code>``) becomes a fenced code block with its line breaks and
indentation. Everything else is text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lxml.html

from summaries.summarizer.blocks import code_block, table_row


@dataclass(frozen=True)
class _Markup:
    """What the elements of one kind of tree mean: those that start a new line (``blocks``), those
    whose text is never shown (``skipped``), the table's row and cell tags, what inside a cell makes a
    table a page's layout, and which elements are code (``is_code``)."""

    blocks: frozenset[str]
    skipped: frozenset[str]
    row: str
    cells: tuple[str, ...]
    layout_children: frozenset[str]
    is_code: Callable[[Any], bool]


HTML = _Markup(
    blocks=frozenset({
        "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "h1", "h2",
        "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "blockquote",
        "pre", "figure", "figcaption", "br", "hr", "form", "address", "center", "caption", "td", "th",
    }),
    skipped=frozenset({"script", "style", "noscript", "template", "svg", "button", "select"}),
    row="tr",
    cells=("td", "th"),
    layout_children=frozenset({"p", "div", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}),
    is_code=lambda el: el.tag == "pre",
)  # fmt: skip
# trafilatura's XML: its ``<code>`` is inline or block code alike; a line break makes it a block.
TRAFILATURA = _Markup(
    blocks=frozenset({"p", "head", "item", "list", "quote", "lb", "graphic", "row", "table", "cell", "div", "note"}),
    skipped=frozenset(),
    row="row",
    cells=("cell",),
    layout_children=frozenset({"p", "list", "table", "head", "quote", "code"}),
    is_code=lambda el: el.tag == "code" and _is_block_code(el),
)
# A cell with more words than this holds running text: the table lays out a page.
_MAX_DATA_CELL_WORDS = 40


class _Lines:
    """Collects text into lines: inline text joins the current line, a block boundary ends it."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._parts: list[str] = []

    def add(self, text: str | None) -> None:
        if text:
            self._parts.append(text)

    def end(self) -> None:
        if self._parts:
            line = "".join(self._parts)
            self._parts = []
            if line.strip():
                self.lines.extend(part for part in line.split("\n") if part.strip())

    def extend(self, lines: list[str]) -> None:
        self.end()
        self.lines.extend(lines)

    def text(self) -> str:
        self.end()
        return "\n".join(self.lines)


def element_text(element: lxml.html.HtmlElement) -> str:
    """Text of an HTML element in the stored text's format: one line per block (paragraph, heading,
    list item), data tables as table rows, ``<pre>`` as a code block.

    Input: an lxml element. Output: text with ``\\n`` between blocks; scripts, styles, templates
    and form controls are skipped. Lines are not cleaned (``cleanup.tidy_text`` does that).
    """
    return _text([element], HTML)


def trafilatura_text(body: Any) -> str:
    """Text of trafilatura's XML body (``Document.body`` of ``trafilatura.bare_extraction``) in the
    stored text's format. Its words are those of trafilatura's own ``txt`` output; list markers
    and table rules are left out, tables are table rows, block code a code block. "" for None.
    """
    return _text(list(body), TRAFILATURA) if body is not None else ""


def _text(roots: list[Any], markup: _Markup) -> str:
    out = _Lines()

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in markup.skipped:
            out.add(el.tail)
            return
        if tag and markup.is_code(el):
            out.extend(code_block(_pre_text(el)))
            out.add(el.tail)
            return
        if tag == "table" and _is_data_table(el, markup):
            out.extend(_rows(el, markup))
            out.add(el.tail)
            return
        block = tag in markup.blocks
        if block:
            out.end()
        out.add(el.text)
        for child in el:
            walk(child)
        if block:
            out.end()
        out.add(el.tail)

    for root in roots:
        walk(root)
    return out.text()


def _is_block_code(el: Any) -> bool:
    """trafilatura writes inline and block code alike as ``<code>``: a line break makes it a block."""
    return "\n" in "".join(el.itertext()) or el.find(".//lb") is not None


def _pre_text(el: Any) -> str:
    """The text of a ``<pre>`` or block ``<code>``, line breaks (``<br>``, ``<lb>``) included."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("br", "lb"):
            parts.append("\n")
        elif tag not in HTML.skipped and node.text:
            parts.append(node.text)
        if tag not in HTML.skipped:
            for child in node:
                walk(child)
        if node.tail and node is not el:
            parts.append(node.tail)

    walk(el)
    return "".join(parts)


def _cells(row: Any, cell_tags: tuple[str, ...]) -> list[Any]:
    return [c for c in row if isinstance(c.tag, str) and c.tag in cell_tags]


def _table_rows(table: Any, row_tag: str) -> list[Any]:
    """The table's own rows (in ``<thead>``/``<tbody>`` too), not those of tables inside its cells."""
    return [row for row in table.iter(row_tag) if next(row.iterancestors("table"), None) is table]


def _is_data_table(table: Any, markup: _Markup) -> bool:
    """A table of data: some row has two cells or more, and no cell holds paragraphs, lists, other
    tables or more than ``_MAX_DATA_CELL_WORDS`` words (those lay a page out)."""
    rows = _table_rows(table, markup.row)
    if not rows or max(len(_cells(row, markup.cells)) for row in rows) < 2:
        return False
    for row in rows:
        for cell in _cells(row, markup.cells):
            if any(isinstance(c.tag, str) and c.tag in markup.layout_children for c in cell.iter()):
                return False
            if len(" ".join(cell.itertext()).split()) > _MAX_DATA_CELL_WORDS:
                return False
    return True


def _rows(table: Any, markup: _Markup) -> list[str]:
    lines = []
    for row in _table_rows(table, markup.row):
        line = table_row(" ".join(cell.itertext()) for cell in _cells(row, markup.cells))
        if line:
            lines.append(line)
    return lines
