"""The summarizer's settings as a value object (``reader.conf.summary_options`` builds it from Django settings)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SummaryOptions:
    """Cue words for sumy's Edmundson summarizer: frozensets of words, which sumy stems with the text's
    stemmer. ``edmundson`` is offered only when both sets are non-empty (its null words are the language's
    stop words); ``SummaryOptions()`` offers the other algorithms only.
    """

    bonus_words: frozenset[str] = frozenset()
    stigma_words: frozenset[str] = frozenset()

    @property
    def offers_edmundson(self) -> bool:
        """Whether ``edmundson`` may be chosen (both word sets given)."""
        return bool(self.bonus_words and self.stigma_words)
