"""Moving a library in and out of Digest.

``importers``: one parser per format family, plain Python (engine code: no Django), all giving the
same ``Entry``; the import job that stores them is pipeline code (``reader.pipeline.importing``).
``exporters``: Digest JSON, Netscape bookmark HTML, CSV, a Markdown zip and EPUB, streamed from the
database. This package itself imports neither, so the pipeline can use the parsers alone.
"""
