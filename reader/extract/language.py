"""Language identification for extracted article text.

Uses py3langid (an offline, maintained fork of Lui & Baldwin's langid.py, 97 languages, model
bundled with the package), so nothing is downloaded at run time.
"""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

# langid's cost grows with the input; a few thousand characters identify a language as well as
# the whole article does.
_SAMPLE_CHARS = 2000
_MIN_LETTERS = 20
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


def _classify(text: str) -> str:
    # Deferred: py3langid (numpy and its bundled model) takes about a third of a second to import,
    # and only a page with enough letters gets this far.
    import py3langid

    lang, _score = py3langid.classify(text)
    return str(lang)


def detect_language(text: str) -> str:
    """Guess the language of ``text``.

    Input: any string (it may be empty or very long; only a sample of at most about
    2,000 characters from its start and middle is looked at, so the cost is bounded).
    Output: an ISO 639-1 code such as ``"en"``, ``"de"``, ``"zh"``, or ``""`` when the text
    has too few letters to tell. Never raises.
    """
    if not text:
        return ""
    if len(text) > _SAMPLE_CHARS:
        half = _SAMPLE_CHARS // 2
        middle = len(text) // 2
        sample = text[:half] + "\n" + text[middle : middle + half]
    else:
        sample = text
    if len(_LETTERS.findall(sample)) < _MIN_LETTERS:
        return ""
    try:
        lang = _classify(sample)
    except Exception:  # a language guess is never worth failing a save
        logger.warning("language identification failed", exc_info=True)
        return ""
    return lang if isinstance(lang, str) and len(lang) == 2 else ""
