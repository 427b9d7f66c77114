"""The Celery app. Configuration comes from Django settings (``CELERY_*``)."""

import os
import sys
from pathlib import Path

from celery import Celery, signals

from summaries.summarizer import self_check

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("digest")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Every task lives in reader/pipeline/tasks.py (not an app's tasks.py, which autodiscovery would find).
app.autodiscover_tasks(["reader.pipeline"])


def worker_command(*, concurrency: int, schedule: Path, extra: tuple[str, ...] = (), beat: bool = True) -> list[str]:
    """The command line of a Celery worker for this project, with beat embedded (``-B``) unless
    ``beat`` is False (then another process must run ``celery beat``, exactly one for all workers).

    ``concurrency``: worker processes; ``schedule``: beat's schedule file; ``extra``: more options
    (a queue, quieter start-up). Used by ``manage.py rundigest`` and the tests alike.
    """
    return [
        sys.executable, "-m", "celery", "-A", "config", "worker", *(["-B"] if beat else []),
        "--loglevel", "INFO", "--concurrency", str(concurrency), "--schedule", str(schedule), *extra,
    ]  # fmt: skip


@signals.worker_init.connect
def _self_check(**_kwargs) -> None:
    """Fail fast when the summarizer cannot work offline (numpy, tokenizers, stemmers missing)."""
    self_check()
