"""The Celery app. Configuration comes from Django settings (``CELERY_*``)."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("digest")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def _self_check(**_kwargs) -> None:
    """Fail fast when the summarizer cannot work offline (numpy, tokenizers, stemmers missing)."""
    from summaries.summarizer import self_check

    self_check()
