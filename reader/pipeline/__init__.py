"""The pipeline: the ``Article`` state machine and the Celery tasks that drive it.

The order of the steps is written out in one place, ``steps.process_article``:
claim → fetch → store the page → extract → summarize → index → ready (or failed, or queued again
with a backoff). ``saving`` is where work enters (a paste, a retry, a summary variant); ``tasks``
holds every Celery task, each a few lines that call ``steps`` and send what comes next.
"""
