"""The Celery app. Configuration comes from Django settings (``CELERY_*``)."""

import os
import sys
from pathlib import Path

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("digest")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def worker_command(*, concurrency: int, schedule: Path, extra: tuple[str, ...] = ()) -> list[str]:
    """The command line of a Celery worker with beat embedded (``-B``) for this project.

    ``concurrency``: worker processes; ``schedule``: beat's schedule file; ``extra``: more options
    (a queue, quieter start-up). Used by ``manage.py rundigest`` and the tests alike.
    """
    return [
        sys.executable, "-m", "celery", "-A", "config", "worker", "-B",
        "--loglevel", "INFO", "--concurrency", str(concurrency), "--schedule", str(schedule), *extra,
    ]  # fmt: skip


@signals.worker_init.connect
def _self_check(**_kwargs) -> None:
    """Fail fast when the summarizer cannot work offline (numpy, tokenizers, stemmers missing)."""
    from summaries.summarizer import self_check

    self_check()
