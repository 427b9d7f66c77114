"""Forms of the reader pages."""

from __future__ import annotations

from django import forms

from reader import conf
from reader.models import ReaderPreferences
from summaries.summarizer import MAX_SENTENCES, available_algorithms


class PreferencesForm(forms.ModelForm):
    """A person's defaults; empty summary fields mean the site default."""

    summary_algorithm = forms.ChoiceField(required=False, label="Summary algorithm")
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
        field.choices = [("", "Site default")] + [(a, a) for a in algorithms]
