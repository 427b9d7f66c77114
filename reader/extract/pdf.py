"""A PDF's title and text, read with pypdf."""

from __future__ import annotations

import io
import logging
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from reader.extract.cleanup import clean_line, tidy_text
from reader.extract.language import detect_language
from reader.extract.result import ExtractedArticle, ExtractionError

logger = logging.getLogger(__name__)

# Line ends after which the next line starts a new sentence, not a continuation.
_SENTENCE_ENDS = (".", "!", "?", ":", ";", "”", '"')


def extract_pdf(body: bytes, url: str) -> ExtractedArticle:
    """Extract title and text from PDF bytes with pypdf, within a budget (``PdfBudget``).

    The title comes from the document information (``/Title``), else the file name in ``url``.
    Text has NUL and other control characters removed and one line per paragraph-ish line. Pages are
    read in order until the budget's page count, content bytes or seconds run out (the text read so
    far is kept); a page whose content is another page's (the same stream) is read once, and a page
    with more content than a page's budget is left out. Raises :class:`ExtractionError`
    ``pdf_unreadable`` when pypdf cannot open the file at all, ``pdf_encrypted`` for a password,
    ``pdf_too_large`` when every page with text was over the budget.
    """
    budget = PDF_BUDGET
    try:
        # Deferred: pypdf takes about a fifth of a second to import, and few saved links are PDFs.
        from pypdf import PdfReader, apply_configuration

        cap = budget.stream_bytes
        with apply_configuration(
            zlib_maximum_output_length=cap,
            lzw_maximum_output_length=cap,
            run_length_maximum_output_length=cap,
            brotli_maximum_output_length=cap,
            array_based_stream_maximum_output_length=cap,
            image_maximum_buffer_size=cap,
        ):
            reader = PdfReader(io.BytesIO(body))
            if reader.is_encrypted:
                try:
                    reader.decrypt("")
                except Exception as exc:
                    raise ExtractionError("pdf_encrypted", "The PDF is password-protected.") from exc
            title = _title(reader, url)
            pages, too_large = _read_pages(reader, url, budget)
    except ExtractionError:
        raise
    except Exception as exc:
        raise ExtractionError("pdf_unreadable", "The PDF file could not be read.") from exc
    # A PDF's tabs align text; in the stored text a tab would separate table cells.
    text = _reflow(tidy_text("\n".join(pages).replace("\t", " ")))
    if not text and too_large:
        megabytes = budget.page_content_bytes / 1_000_000
        raise ExtractionError(
            "pdf_too_large", f"This PDF's pages are too large to read (over {megabytes:g} MB of content on a page)."
        )
    if not title:
        title = _file_name(url)
    return ExtractedArticle(
        title=title,
        text=text,
        language=detect_language(text),
        extractor="pypdf" if text else "",
    )


@dataclass(frozen=True)
class PdfBudget:
    """What reading one PDF may cost: ``pages`` read at most; ``page_content_bytes`` of decoded
    content (drawing commands) on one page, ``content_bytes`` over all pages read; ``seconds`` of
    reading after which no further page is started (the first always is); ``stream_bytes`` one
    stream may decode to (pypdf's own limits, 75 MB by default, lowered).

    Why: pypdf's text extraction costs about 6 s of CPU per MB of content, and a PDF's bytes say
    little about its content: 17 KB whose 8 pages share one 5 MB stream took 82 s (over 10 minutes on
    a loaded machine), a few KB can inflate to one 10 MB line. Real pages hold 3-100 KB of content.
    """

    pages: int = 500
    page_content_bytes: int = 2_000_000
    content_bytes: int = 8_000_000
    seconds: float = 30.0
    stream_bytes: int = 20_000_000


PDF_BUDGET = PdfBudget()


def _title(reader, url: str) -> str:
    try:
        meta = reader.metadata
        if meta is not None and meta.title:
            return clean_line(str(meta.title))
    except Exception:  # a broken info dictionary only costs the title
        logger.info("unreadable PDF metadata at %s", url, exc_info=True)
    return ""


def _read_pages(reader, url: str, budget: PdfBudget) -> tuple[list[str], int]:
    """The text of each page read within ``budget``, and how many pages were left out for their size."""
    started = time.monotonic()
    pages: list[str] = []
    seen: set[tuple[int, int]] = set()
    total = too_large = 0
    for number, page in enumerate(reader.pages):
        out_of_time = number > 0 and time.monotonic() - started > budget.seconds
        if number >= budget.pages or total >= budget.content_bytes or out_of_time:
            logger.info("PDF at %s read in part: %d pages, %d content bytes", url, number, total)
            break
        try:
            streams, size = _contents(page)
            if streams and streams <= seen:
                continue  # the same content as a page already read
            seen |= streams
            if size > budget.page_content_bytes:
                too_large += 1
                logger.info("PDF page %d at %s left out: %d content bytes", number + 1, url, size)
                continue
            total += size
            pages.append(page.extract_text() or "")
        except Exception:  # one broken page should not lose the others
            logger.info("unreadable PDF page at %s", url, exc_info=True)
    return pages, too_large


def _contents(page) -> tuple[frozenset[tuple[int, int]], int]:
    """The page's content streams, as (object number, generation) of those that are shared objects,
    and their decoded size in bytes (decoding is cheap; extracting text from it is what costs)."""
    from pypdf.generic import ArrayObject, IndirectObject  # deferred with pypdf itself (extract_pdf)

    contents = page.get("/Contents")
    if contents is None:
        return frozenset(), 0
    resolved = contents.get_object()
    items = list(resolved) if isinstance(resolved, ArrayObject) else [contents]
    refs = frozenset((i.idnum, i.generation) for i in items if isinstance(i, IndirectObject))
    return refs, sum(len(item.get_object().get_data()) for item in items)


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
