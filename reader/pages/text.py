"""Characters a page's text must not carry: the one home of control-character stripping.

lxml refuses a string holding C0 controls other than tab, newline and carriage return, and the
non-characters U+FFFE and U+FFFF; PostgreSQL refuses NUL. Both the decoder (bytes -> text) and the
extractor (HTML and PDF text, JSON-LD) clean text with the functions below, so they agree on the
set of characters that go.
"""

from __future__ import annotations

import re

# The characters that go: C0 controls except tab (\x09), newline (\x0a) and carriage return
# (\x0d), DEL, and the non-characters U+FFFE and U+FFFF.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# Vertical tab and form feed separate words (old word processors, PDF page breaks), so they
# become spaces rather than vanishing and gluing two words together. A regular expression, not
# str.translate: translate with a mapping is some twenty times slower on a page of non-ASCII text,
# and every page fetched or extracted goes through here.
_WORD_SEPARATORS = re.compile("[\x0b\x0c]")


def strip_control_chars(text: str) -> str:
    """``text`` without the characters in ``CONTROL_CHARS``; vertical tab and form feed become spaces.

    Input and output are ``str``; tab, newline and carriage return are kept. Never raises.
    """
    if CONTROL_CHARS.search(text) is None:  # the usual case: one scan, no copy
        return text
    return CONTROL_CHARS.sub("", _WORD_SEPARATORS.sub(" ", text))


def control_chars_to_spaces(text: str) -> str:
    """``text`` with every character in ``CONTROL_CHARS`` replaced by one space.

    For text whose positions matter to a second parser (a JSON-LD block read again leniently after
    a strict parse failed): a space keeps the tokens on either side apart. Never raises.
    """
    return CONTROL_CHARS.sub(" ", text)
