"""Import parsers: one module per format family, each giving the same ``Entry``; plain Python (no
Django), so the import job, ``manage.py import`` and tests all read files the same way.

``parse_file(stream, format=None) -> ParsedFile(format, entries)`` tells the format from the content;
``refuse_binary(head)`` refuses an image, a PDF or another binary file from its first bytes alone.
"""

from reader.transfer.importers.detect import FORMATS, HEAD_BYTES, ParsedFile, parse_file, refuse_binary
from reader.transfer.importers.entry import BadEntry, Entry, UnreadableFile

__all__ = ["FORMATS", "HEAD_BYTES", "BadEntry", "Entry", "ParsedFile", "UnreadableFile", "parse_file", "refuse_binary"]
