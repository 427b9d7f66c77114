"""Language and writing direction of extracted article text.

:func:`detect_language` uses CLD2 (Google's Compact Language Detector 2, through ``pycld2``: 83
languages, its tables compiled into the library), so nothing is downloaded at run time. It replaced
py3langid, whose 77 MB model sat in every CPU worker process; CLD2 costs about 7 MB and a fifth of
the time, with the same agreement with the languages pages declare (bench/README.md, Pipeline).
:func:`text_direction` tells right-to-left text (Hebrew, Arabic, ...) by the script of its letters.
"""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

# The detector's cost grows with the input; a few thousand characters identify a language as well as
# the whole article does.
_SAMPLE_CHARS = 2000
_MIN_LETTERS = 20
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


# CLD2's codes that are not ISO 639-1 (it keeps the withdrawn ones for Hebrew and Javanese).
_CLD2_CODES = {"iw": "he", "jw": "jv"}
# What CLD2 refuses as input ("invalid UTF-8"): control characters and lone surrogates.
_REFUSED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _classify(text: str) -> str:
    """CLD2's best guess for ``text``: a language code ("zh-Hant" gives "zh"), or "" for unknown."""
    # Deferred: the fetch worker imports the extractor through the pipeline but never guesses a
    # language, and keeps none of the extractors' libraries (tests/test_pipeline_queues.py).
    import pycld2

    _reliable, _bytes, guesses = pycld2.detect(_REFUSED.sub(" ", text))
    code = str(guesses[0][1]).split("-")[0]
    if code in ("un", "xx"):
        return ""
    return _CLD2_CODES.get(code, code)


def _sample(text: str) -> str:
    """At most about ``_SAMPLE_CHARS`` characters of ``text``: its start and its middle."""
    if len(text) <= _SAMPLE_CHARS:
        return text
    half = _SAMPLE_CHARS // 2
    middle = len(text) // 2
    return text[:half] + "\n" + text[middle : middle + half]


def detect_language(text: str) -> str:
    """Guess the language of ``text``.

    Input: any string (it may be empty or very long; only a sample of at most about
    2,000 characters from its start and middle is looked at, so the cost is bounded).
    Output: an ISO 639-1 code such as ``"en"``, ``"de"``, ``"zh"``, or ``""`` when the text
    has too few letters to tell. Never raises.
    """
    if not text:
        return ""
    sample = _sample(text)
    if len(_LETTERS.findall(sample)) < _MIN_LETTERS:
        return ""
    try:
        lang = _classify(sample)
    except Exception:  # a language guess is never worth failing a save
        logger.warning("language identification failed", exc_info=True)
        return ""
    return lang if isinstance(lang, str) and len(lang) == 2 else ""


# Letters of the scripts written right to left (Unicode bidi class R or AL): Hebrew, Arabic,
# Syriac, Thaana, NKo, Samaritan, Mandaic and their presentation forms; plus the historic RTL
# scripts of the supplementary planes (Phoenician, Kharoshthi, Old South Arabian, Adlam...).
_RTL_LETTER = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff]")
DIRECTIONS = ("rtl", "ltr")


def text_direction(text: str, declared: str = "") -> str:
    """The direction ``text`` is read in: ``"rtl"``, ``"ltr"``, or ``""`` when nothing tells.

    Inputs: the text (only a sample of about 2,000 characters is looked at) and the direction the
    page declares (``"rtl"``/``"ltr"`` from its ``dir`` attributes, else ""). Letters decide: more
    right-to-left letters (Hebrew, Arabic and the other ``_RTL_LETTER`` scripts) than others gives
    ``"rtl"``, else ``"ltr"``; a Latin brand name or digits inside Hebrew text do not turn it. A
    text without letters (digits, punctuation, empty) takes ``declared``. Never raises.
    """
    sample = _sample(text or "")
    letters = len(_LETTERS.findall(sample))
    if not letters:
        return declared if declared in DIRECTIONS else ""
    # The RTL ranges hold no digits (\d covers Arabic-Indic ones), so these are letters and a few marks.
    rtl = len(_RTL_LETTER.findall(sample))
    return "rtl" if rtl > letters - rtl else "ltr"


# Languages written right to left (ISO 639-1): Arabic, Hebrew, Persian, Urdu, Yiddish, Pashto, Sindhi,
# Uyghur, Dhivehi, Kurdish (Sorani is written in Arabic script; langid's "ku" is mostly it).
RTL_LANGUAGES = frozenset({"ar", "he", "iw", "fa", "ur", "yi", "ji", "ps", "sd", "ug", "dv", "ku"})


def language_direction(language: str) -> str:
    """The HTML ``dir`` for text in ``language`` (an ISO 639-1 code, perhaps with a region, "he-IL"):
    ``"rtl"`` for a language written right to left (``RTL_LANGUAGES``), ``"ltr"`` for any other
    known code, ``"auto"`` for "" (unknown: the browser decides from the text's first letters)."""
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    if not code:
        return "auto"
    return "rtl" if code in RTL_LANGUAGES else "ltr"
