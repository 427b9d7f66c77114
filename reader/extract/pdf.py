"""A PDF's title and text, read with pypdf."""

from __future__ import annotations

import io
import logging
from urllib.parse import unquote, urlsplit

from reader.extract.cleanup import clean_line, tidy_text
from reader.extract.language import detect_language
from reader.extract.result import ExtractedArticle, ExtractionError

logger = logging.getLogger(__name__)

# Line ends after which the next line starts a new sentence, not a continuation.
_SENTENCE_ENDS = (".", "!", "?", ":", ";", "”", '"')


def extract_pdf(body: bytes, url: str) -> ExtractedArticle:
    """Extract title and text from PDF bytes with pypdf.

    The title comes from the document information (``/Title``), else the file name in ``url``.
    Text has NUL and other control characters removed and one line per paragraph-ish line.
    Raises :class:`ExtractionError` ``pdf_unreadable`` when pypdf cannot open the file at all.
    """
    try:
        # Deferred: pypdf takes about a fifth of a second to import, and few saved links are PDFs.
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:
                raise ExtractionError("pdf_encrypted", "The PDF is password-protected.") from exc
        title = ""
        try:
            meta = reader.metadata
            if meta is not None and meta.title:
                title = clean_line(str(meta.title))
        except Exception:  # a broken info dictionary only costs the title
            logger.info("unreadable PDF metadata at %s", url, exc_info=True)
            title = ""
        pages = []
        for page in reader.pages:
            try:
                pages.append(page.extract_text() or "")
            except Exception:  # one broken page should not lose the others
                logger.info("unreadable PDF page at %s", url, exc_info=True)
    except ExtractionError:
        raise
    except Exception as exc:
        raise ExtractionError("pdf_unreadable", "The PDF file could not be read.") from exc
    # A PDF's tabs align text; in the stored text a tab would separate table cells.
    text = _reflow(tidy_text("\n".join(pages).replace("\t", " ")))
    if not title:
        title = _file_name(url)
    return ExtractedArticle(
        title=title,
        text=text,
        language=detect_language(text),
        extractor="pypdf" if text else "",
    )


def _reflow(text: str) -> str:
    """Join PDF lines that wrap mid-sentence: a line continues when the next starts in lower case.

    A hyphen at a line end before a lower-case letter is a word break and goes.
    """
    out: list[str] = []
    for line in text.split("\n"):
        if out and line[:1].islower() and not out[-1].endswith(_SENTENCE_ENDS):
            if out[-1].endswith("-") and out[-1][-2:-1].isalpha():
                out[-1] = out[-1][:-1] + line
            else:
                out[-1] = out[-1] + " " + line
        else:
            out.append(line)
    return "\n".join(out)


def _file_name(url: str) -> str:
    try:
        path = urlsplit(url).path
    except ValueError:
        return ""
    return unquote(path.rstrip("/").rsplit("/", 1)[-1])
