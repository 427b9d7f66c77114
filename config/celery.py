"""The Celery app, and the command lines of Digest's two workers. Configuration comes from Django
settings (``CELERY_*``; the queues and pools from ``DIGEST_*``).

The fetch worker waits on the network: a thread pool (``-P threads``) of ``DIGEST_FETCH_CONCURRENCY``
downloads at once in one small process, consuming ``DIGEST_FETCH_QUEUE``; it never loads the
extractors or the summarizer. The CPU worker extracts and summarizes: ``DIGEST_WORKER_CONCURRENCY``
processes (prefork, one per core), consuming ``DIGEST_QUEUE``.
"""

import gc
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from celery import Celery, signals
from django.conf import settings
from django.db import reset_queries

from reader.extract import extract
from summaries.summarizer import summarize

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

REPO = Path(__file__).resolve().parent.parent

app = Celery("digest")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Every task lives in reader/pipeline/tasks.py (not an app's tasks.py, which autodiscovery would find).
app.autodiscover_tasks(["reader.pipeline"])

# The summarizer's start-up check, run in a process of its own: it loads every algorithm and jieba's
# Chinese dictionary (about 65 MB), which a CPU worker's pool processes would otherwise inherit
# from their parent and keep, though few articles are Chinese.
SELF_CHECK = [sys.executable, "-c", "from summaries.summarizer import self_check; self_check()"]

# An article to warm a CPU worker up with before its pool forks (see ``_warm_up``).
WARM_UP_PAGE = (
    "<html lang='en'><head><title>The council votes on the park</title></head><body><article>"
    "<h1>The council votes on the park</h1>"
    + "".join(
        f"<p>The town council met on Monday evening to vote on the plan for the new park by the river. "
        f"Speaker {n} said the park would give families a place to walk, and that work could start in the "
        f"spring if the budget holds. Others asked how the upkeep would be paid for over the years.</p>"
        for n in range(8)
    )
    + "</article></body></html>"
).encode()


def worker_command(
    *,
    concurrency: int,
    schedule: Path | None = None,
    queues: Sequence[str] = (),
    pool: str = "prefork",
    extra: tuple[str, ...] = (),
    beat: bool = True,
) -> list[str]:
    """The command line of a Celery worker for this project, with beat embedded (``-B``) unless
    ``beat`` is False (then another process must run ``celery beat``, exactly one for all workers).

    ``concurrency``: pool processes or threads; ``schedule``: beat's schedule file (needed with
    ``beat``); ``queues``: the queues it consumes (none: the default queue, ``DIGEST_QUEUE``);
    ``pool``: ``prefork`` or ``threads``; ``extra``: more options (quieter start-up). Used by
    ``manage.py rundigest``, the benchmark and the tests alike.
    """
    return [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        *(["-B", "--schedule", str(schedule)] if beat else []),
        "--loglevel", "INFO", "--pool", pool, "--concurrency", str(concurrency),
        *(["--queues", ",".join(queues)] if queues else []), *extra,
    ]  # fmt: skip


def fetch_worker_command(*, concurrency: int | None = None, extra: tuple[str, ...] = ()) -> list[str]:
    """The fetch worker: ``DIGEST_FETCH_CONCURRENCY`` threads (or ``concurrency``) on
    ``DIGEST_FETCH_QUEUE`` and then ``DIGEST_IMPORT_QUEUE``, without beat."""
    return worker_command(
        concurrency=concurrency or settings.DIGEST_FETCH_CONCURRENCY,
        # In this order: imports are taken only when no paste waits (queue_order_strategy "priority").
        queues=tuple(dict.fromkeys((settings.DIGEST_FETCH_QUEUE, settings.DIGEST_IMPORT_QUEUE))),
        pool="threads",
        extra=("--hostname", "fetch@%h", *extra),
        beat=False,
    )


def cpu_worker_command(
    *, schedule: Path | None, concurrency: int | None = None, beat: bool = True, extra: tuple[str, ...] = ()
) -> list[str]:
    """The CPU worker: ``DIGEST_WORKER_CONCURRENCY`` processes (or ``concurrency``) on ``DIGEST_QUEUE``,
    with beat embedded unless ``beat`` is False."""
    return worker_command(
        concurrency=concurrency or settings.DIGEST_WORKER_CONCURRENCY,
        schedule=schedule,
        queues=(settings.DIGEST_QUEUE,),
        extra=("--hostname", "cpu@%h", *extra),
        beat=beat,
    )


def single_worker_command(*, schedule: Path | None, concurrency: int | None = None, beat: bool = True) -> list[str]:
    """One prefork worker for both queues (the setup before the queues were split; ``rundigest
    --single-queue`` and the benchmark's "before"): each process fetches and extracts in turn."""
    return worker_command(
        concurrency=concurrency or settings.DIGEST_WORKER_CONCURRENCY,
        schedule=schedule,
        queues=tuple(dict.fromkeys((settings.DIGEST_QUEUE, settings.DIGEST_FETCH_QUEUE, settings.DIGEST_IMPORT_QUEUE))),
        beat=beat,
    )


@contextmanager
def sending_to(queue: str, fetch_queue: str) -> Iterator[None]:
    """Within the block, this process sends its messages to other queues: ``queue`` (the CPU queue, the
    default one) and ``fetch_queue`` (every route of ``CELERY_TASK_ROUTES``, the fetch step's, and
    ``DIGEST_IMPORT_QUEUE``), for tests and the benchmark, whose workers have queues of their own.

    Celery keeps the routes it built on first use, so they are built again on the way in and out.
    """
    previous = (app.conf.task_default_queue, app.conf.task_routes)
    routes = {name: {**route, "queue": fetch_queue} for name, route in settings.CELERY_TASK_ROUTES.items()}
    _route(queue, routes)
    # Imports are sent with an explicit queue, not routed: reader.pipeline.tasks.import_queue reads this.
    app.conf.update(digest_import_queue=fetch_queue)
    try:
        yield
    finally:
        _route(*previous)
        app.conf.update(digest_import_queue=None)


def _route(queue: str, routes) -> None:
    app.conf.update(task_default_queue=queue, task_routes=routes)
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)  # a cached_property: rebuilt from the new routes when next used


@signals.worker_init.connect
def _prepare(sender=None, **_kwargs) -> None:
    """In a worker that extracts and summarizes (one consuming ``DIGEST_QUEUE``; a fetch-only worker
    skips all of it): fail fast when the summarizer cannot work offline (numpy, tokenizers, stemmers
    missing), then warm up."""
    consumed = set(sender.app.amqp.queues.consume_from) if sender is not None else set()
    if consumed and settings.DIGEST_QUEUE not in consumed:
        return
    done = subprocess.run(SELF_CHECK, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
        raise RuntimeError(lines[-1])
    _warm_up()


def _warm_up() -> None:
    """Extract and summarize one sample article in the worker's main process, before the pool forks.

    The heavy libraries every article needs (trafilatura, newspaper3k, readability, CLD2,
    sumy and numpy) are then loaded once and shared, copy-on-write, by every pool process, instead of
    loaded again by each: a pool process's own memory (USS) stays small, and a replaced one starts
    ready. ``gc.freeze`` keeps the collector from touching, and so copying, those shared objects.
    bench/README.md (Pipeline) has the figures.
    """
    article = extract(WARM_UP_PAGE, "https://example.org/park", content_type="text/html", charset="utf-8")
    summarize(article.text, language=article.language or "en", title=article.title)
    gc.freeze()


@signals.task_postrun.connect
def _forget_queries(**_kwargs) -> None:
    """With DEBUG on (``make run``) Django keeps each query a connection ran, with its parameters (whole
    article texts), until a request ends; a worker has no requests, so it forgets them after each task."""
    reset_queries()
