"""Import parsers: one module per format family, each giving the same ``Entry``; plain Python (no
Django), so the import job, ``manage.py import`` and tests all read files the same way.

``parse_file(stream, format=None) -> ParsedFile(format, entries)`` tells the format from the content.
"""

from reader.transfer.importers.detect import FORMATS, ParsedFile, parse_file
from reader.transfer.importers.entry import BadEntry, Entry, UnreadableFile

__all__ = ["FORMATS", "BadEntry", "Entry", "ParsedFile", "UnreadableFile", "parse_file"]
