"""What a page says about its article: title, authors, publication date, top image.

Metadata prefers what the page states about itself (JSON-LD, OpenGraph and other meta tags,
``<time datetime>``) over guesses (the ``<title>``, a byline's class name, a date in the URL).

* ``jsonld``: the page's JSON-LD objects and the one that describes the article;
* ``tags``: ``<meta>`` tags, ``<html lang>``, the site's names (to tell them from a headline
  or an author);
* ``title``, ``authors``, ``dates``, ``images``: one module per field, each with a ``find_*``
  function that takes the parsed tree and what ``jsonld`` and ``tags`` read from it.
"""
