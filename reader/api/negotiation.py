"""Content negotiation of the API, in a module of its own: Django REST framework imports it while it
builds ``APIView`` (the ``DEFAULT_CONTENT_NEGOTIATION_CLASS`` setting), so it must not import the views."""

from __future__ import annotations

from rest_framework.negotiation import BaseContentNegotiation


class AlwaysJSON(BaseContentNegotiation):
    """Every answer is the first renderer's (JSON), whatever ``Accept`` says, as wallabag does; a body is
    read by the parser of its exact media type (none: DRF answers 415)."""

    def select_parser(self, request, parsers):
        wanted = (request.content_type or "").split(";")[0].strip().lower()
        for parser in parsers:
            if wanted and parser.media_type.split(";")[0] == wanted:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
