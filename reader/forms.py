"""Forms of the reader pages."""

from __future__ import annotations

from django import forms
from django.conf import settings

from reader import conf
from reader.models import ReaderPreferences
from summaries.summarizer import MAX_SENTENCES, available_algorithms

# Each summarizer in one line, as Preferences and the article page say it: what it favours, when to
# pick it. Names are sumy's (and ours, "digest"); the scores behind "news" are in bench/README.md.
ALGORITHM_NOTES = {
    "digest": "Central sentences, weighted toward the opening. The best pick for news and most articles (the default).",
    "lexrank": "Sentences that resemble many others. Pick it for essays and reports that restate their main point.",
    "lsa": "Sentences that cover the text's main topics. Pick it for long pieces that range over several themes.",
    "textrank": "Sentences sharing the most words with the rest, often long ones. Pick it for long, detailed articles.",
    "luhn": "Sentences dense with the text's most frequent words. Pick it for technical or single-topic texts.",
    "kl": "Sentences whose words match the whole text's mix, often short. Pick it for a broad overview.",
    "sumbasic": "Frequent words, each sentence adding something new. Pick it for short summaries without repeats.",
    "reduction": "Sentences most connected to the rest, wherever they are. Pick it when the gist is not at the top.",
    "edmundson": "Sentences with this site's bonus words and without its stigma words. Pick it for the cue words set here.",
}


class PreferencesForm(forms.ModelForm):
    """A person's defaults; empty summary fields mean the site default."""

    summary_algorithm = forms.ChoiceField(required=False, label="Summary algorithm", widget=forms.RadioSelect)
    summary_sentences = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="Summary length (sentences)",
        choices=[("", "Site default")] + [(n, str(n)) for n in range(1, MAX_SENTENCES + 1)],
    )
    font_size = forms.IntegerField(
        min_value=ReaderPreferences.FONT_SIZES[0], max_value=ReaderPreferences.FONT_SIZES[1], label="Text size (px)"
    )

    class Meta:
        model = ReaderPreferences
        fields = ["summary_algorithm", "summary_sentences", "theme", "font", "font_size"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        algorithms = available_algorithms(conf.summary_options())
        field = self.fields["summary_algorithm"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", f"Site default ({settings.DIGEST_SUMMARY_ALGORITHM})")] + [(a, a) for a in algorithms]

    def algorithm_options(self) -> list[dict]:
        """The algorithm choices as the page lists them: ``value``, ``label``, ``note`` (its one line from
        ``ALGORITHM_NOTES``; for "", which default it follows) and ``checked``."""
        field = self["summary_algorithm"]
        current = str(field.value() or "")
        choices = self.fields["summary_algorithm"].choices  # type: ignore[attr-defined]
        return [
            {
                "value": value,
                "label": label,
                "note": ALGORITHM_NOTES.get(value, "")
                if value
                else f"Follows this site's default, now {settings.DIGEST_SUMMARY_ALGORITHM}.",
                "checked": value == current,
            }
            for value, label in choices
        ]
