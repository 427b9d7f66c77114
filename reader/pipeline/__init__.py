"""The pipeline: the ``Article`` state machine and the Celery tasks that drive it.

The order of the steps is written out in ``steps``: ``fetch_article`` (claim → fetch → store the
page → hand off), on the fetch queue, then ``extract_article`` (claim → extract → summarize →
index → ready), on the CPU queue; or failed, or queued again with a backoff. ``saving`` is where
work enters (a paste, a retry, a summary variant); ``tasks`` holds every Celery task, each a few
lines that call ``steps`` and send what comes next; ``sweep`` repairs what a lost message or a
dead worker left; ``politeness`` keeps the per-site limits, in Redis, for every fetch worker.
"""
