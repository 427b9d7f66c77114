"""Bytes-to-text rules the fetcher and the extractor share, each with one home.

``decoding`` (charset), ``sniff`` (HTML or PDF from the content type and the first bytes),
``botwall`` (challenge pages), ``text`` (control characters). Plain Python: imports nothing from
the rest of ``reader`` and nothing from Django.
"""
