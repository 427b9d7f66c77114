"""The blocks of a stored article text: what each line of it is.

An article's text (``Article.text``, what ``reader.extract`` writes and what the summarizer and the
full-text view read) is plain text with one block per line:

* a paragraph, heading or list item: one line (``TEXT``);
* a table row: one line whose cells are separated by a tab (``ROW``); the rows of one table are
  consecutive lines. A table of one column is written as paragraphs;
* code (an HTML ``<pre>``): a line ``CODE_FENCE`` (three backticks), the code's lines as they are
  (indentation and blank lines kept), and ``CODE_FENCE`` again (``FENCE`` and ``CODE`` lines).

This module is the one home of that format: the extractor writes it with ``table_row`` and
``code_block``, ``reader.rendering`` shows rows as a table and code as ``<pre>``, and the summarizer
never takes a sentence from a row or from code (``text.prepare``). Plain Python, no Django; every
function is linear in the length of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from summaries.summarizer.tokenizers import line_spans

TEXT = "text"
ROW = "row"
CODE = "code"
FENCE = "fence"

CELL_SEPARATOR = "\t"
CODE_FENCE = "```"

# A fence is a line of exactly three backticks (blank space around it allowed).
_FENCE_LINE = re.compile(r"[^\S\n]*```[^\S\n]*")
# Blank space in a cell (a tab or a line break would end the cell or the row).
_CELL_SPACE = re.compile(r"\s+")


def table_row(cells: Iterable[str]) -> str:
    """One table row as a line: the cells (str) with their white space collapsed, joined by a tab.

    Empty cells stay (as empty strings between tabs) so that columns keep their places; a row of
    empty cells is "" (the caller leaves it out).
    """
    cleaned = [_CELL_SPACE.sub(" ", cell).strip() for cell in cells]
    return CELL_SEPARATOR.join(cleaned) if any(cleaned) else ""


def code_block(code: str) -> list[str]:
    """Code as the lines of a fenced block: ``[CODE_FENCE, *lines, CODE_FENCE]``.

    ``code`` is the text of a ``<pre>`` (str). Tabs become spaces (8 columns, as a browser shows
    them), trailing space goes, blank lines at the start and end go, a line that is itself a fence
    gets a space before it (so it cannot end the block). ``[]`` when nothing but blank space is left.
    """
    lines = [line.rstrip() for line in code.expandtabs().replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    if not lines:
        return []
    return [CODE_FENCE, *(" " + line if _FENCE_LINE.fullmatch(line) else line for line in lines), CODE_FENCE]


def has_blocks(text: str) -> bool:
    """False when ``text`` (str) can only be lines of ``TEXT`` (no tab, no fence): a fast path."""
    return CELL_SEPARATOR in text or CODE_FENCE in text


def is_fence(line: str) -> bool:
    """True when ``line`` (one line, str) opens or closes a code block."""
    return bool(_FENCE_LINE.fullmatch(line))


def is_row(line: str) -> bool:
    """True when ``line`` (one line outside code, str) is a table row: it has a tab between cells."""
    return CELL_SEPARATOR in line.strip()


def line_kinds(lines: Iterable[str], cut: bool = False) -> Iterator[str]:
    """The kind of each of ``lines`` (the text's lines, in order, blank ones included): ``TEXT``,
    ``ROW``, ``FENCE`` or ``CODE``. A fence that is never closed opens no block: its lines are read
    as ``TEXT`` and ``ROW`` (so a stray line of backticks cannot turn the rest of an article into
    code), unless ``cut`` says the lines are the start of a longer text (the block goes on past them).
    """
    pending: list[str] = []  # lines after an opening fence, until its closing fence
    if isinstance(lines, list) and not any(CELL_SEPARATOR in line or CODE_FENCE in line for line in lines):
        yield from (TEXT for _ in lines)
        return
    for line in lines:
        if pending:
            if is_fence(line):
                yield FENCE
                yield from (CODE for _ in pending[1:])
                yield FENCE
                pending = []
            else:
                pending.append(line)
            continue
        if is_fence(line):
            pending = [line]
            continue
        yield ROW if is_row(line) else TEXT
    if pending and cut:
        yield FENCE
        yield from (CODE for _ in pending[1:])
    elif pending:
        # Never closed: not code after all.
        yield TEXT
        yield from (ROW if is_row(line) else TEXT for line in pending[1:])


def span_kinds(text: str, cut: bool = False) -> list[tuple[int, int, str]]:
    """``(start, end, kind)`` of each non-blank line of ``text``, stripped, in order: the lines
    ``tokenizers.line_spans`` gives (so index i is the sentence splitter's line number i), with the
    kind ``line_kinds`` gives each (``cut``: ``text`` is the start of a longer text). Blank lines
    inside code are not listed.
    """
    spans = list(line_spans(text))
    kinds = line_kinds((text[a:b] for a, b in spans), cut)
    return [(a, b, kind) for (a, b), kind in zip(spans, kinds, strict=True)]


def never_a_sentence(kind: str) -> bool:
    """True for the kinds no summary sentence is taken from: table rows, code and its fences."""
    return kind != TEXT
