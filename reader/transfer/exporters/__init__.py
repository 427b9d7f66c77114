"""Exporters: an article or a whole library out of Digest.

- ``article_markdown(article) -> str``, ``article_text(article) -> str`` (``article.py``): one article.
- ``article_epub(article) -> bytes``, ``epub_bytes(articles, title=...) -> bytes`` (``epub.py``): EPUB 3.
- ``library.py``: Digest JSON, Netscape bookmark HTML, CSV and the Markdown zip, streamed in batches.
"""

from reader.transfer.exporters.article import article_markdown, article_text
from reader.transfer.exporters.epub import article_epub, epub_bytes

__all__ = ["article_epub", "article_markdown", "article_text", "epub_bytes"]
