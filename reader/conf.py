"""The engine's settings, built from ``django.conf.settings``: the only place the engine packages'
settings come from.

One small function per engine value object; callers (the pipeline, views, commands) pass the
value to the engine. Each function reads the settings when called, so tests that change
``settings`` see the change.
"""

from __future__ import annotations

from django.conf import settings

from reader.fetch.options import AllowedNetwork, FetchOptions, UrlPolicy, parse_allowed_networks, parse_resolve
from summaries.summarizer import SummaryOptions


def fetch_options() -> FetchOptions:
    """The fetcher's options from the ``DIGEST_USER_AGENT``, ``DIGEST_FETCH_*``,
    ``DIGEST_PRIVATE_NETWORKS_ALLOWED`` and ``DIGEST_RESOLVE`` settings (units in ``FetchOptions``)."""
    return FetchOptions(
        user_agent=str(settings.DIGEST_USER_AGENT),
        accept=str(settings.DIGEST_FETCH_ACCEPT),
        accept_language=str(settings.DIGEST_FETCH_ACCEPT_LANGUAGE),
        browser_user_agent=str(settings.DIGEST_FETCH_BROWSER_USER_AGENT or ""),
        max_pages=max(1, int(settings.DIGEST_FETCH_MAX_PAGES)),
        connect_timeout=float(settings.DIGEST_FETCH_CONNECT_TIMEOUT),
        read_timeout=float(settings.DIGEST_FETCH_READ_TIMEOUT),
        total_timeout=float(settings.DIGEST_FETCH_TOTAL_TIMEOUT),
        max_bytes=int(settings.DIGEST_FETCH_MAX_BYTES),
        max_redirects=int(settings.DIGEST_FETCH_MAX_REDIRECTS),
        ca_bundle=settings.DIGEST_FETCH_CA_BUNDLE or None,
        private_networks_allowed=_private_networks(),
        resolve=parse_resolve(settings.DIGEST_RESOLVE or {}),
    )


def url_policy() -> UrlPolicy:
    """What a pasted URL may be, from ``DIGEST_PRIVATE_NETWORKS_ALLOWED`` (see ``UrlPolicy``)."""
    return UrlPolicy(private_networks_allowed=bool(settings.DIGEST_PRIVATE_NETWORKS_ALLOWED))


def _private_networks() -> tuple[AllowedNetwork, ...]:
    # The settings file parses the environment already; tests may assign strings or networks.
    return parse_allowed_networks(settings.DIGEST_PRIVATE_NETWORKS_ALLOWED or ())


def summary_options() -> SummaryOptions:
    """The summarizer's options from ``DIGEST_SUMMARY_BONUS_WORDS`` / ``DIGEST_SUMMARY_STIGMA_WORDS``
    (lists of words; ``edmundson`` is offered only when both are set, see ``SummaryOptions``)."""
    return SummaryOptions(
        bonus_words=frozenset(settings.DIGEST_SUMMARY_BONUS_WORDS or ()),
        stigma_words=frozenset(settings.DIGEST_SUMMARY_STIGMA_WORDS or ()),
    )
