"""Time from paste to summary through the default setup (``manage.py rundigest``: web, worker, broker).

    python -m bench.pipeline [--pages 20] [--concurrency 2]

Serves pages of ``../shared/bench/extraction`` over HTTP on 127.0.0.1, starts ``rundigest`` in a
temporary data folder (SQLite file, private Redis; ``REDIS_URL``/``DATABASE_URL`` are ignored),
saves links through ``reader.pipeline.saving.save_urls`` (what the form calls) and reports, in
seconds: one page alone (after a warm-up page), then N pages pasted at once (first summary, median,
all). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DIGEST_SHARED_DIR", REPO.parent / "shared"))


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    args = parser.parse_args()
    pages_dir = SHARED / "bench" / "extraction" / "html"
    if not pages_dir.is_dir():
        sys.exit(f"benchmark pages not found at {pages_dir} (set DIGEST_SHARED_DIR)")

    work = Path(tempfile.mkdtemp(prefix="digest-bench-pipeline-"))
    site = work / "site"
    site.mkdir()
    files = sorted(pages_dir.glob("*.html.gz"))[: args.pages + 2]
    for f in files:
        (site / f.name.removesuffix(".gz")).write_bytes(gzip.decompress(f.read_bytes()))
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DIGEST_DATA_DIR=str(work / "var"),
        DEBUG="1",
        SECRET_KEY="bench-secret",
        DIGEST_PRIVATE_NETWORKS_ALLOWED="127.0.0.0/8",
        DIGEST_POLL_INTERVAL="1",
    )
    os.environ.update(env)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=REPO, env=env, check=True, capture_output=True)
    port = _free_port()
    log = open(work / "rundigest.log", "wb")
    proc = subprocess.Popen(
        [*manage, "rundigest", "--port", str(port), "--concurrency", str(args.concurrency)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/accounts/login/")
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_user("bench")
        names = [f.name.removesuffix(".gz") for f in files]
        _paste_and_wait(user, [f"{base}/{names[0]}"])  # warm-up: imports and models load once per worker
        one = _paste_and_wait(user, [f"{base}/{names[1]}"])
        print(f"one page: paste -> summary {one[0]:.2f} s")
        many = _paste_and_wait(user, [f"{base}/{n}" for n in names[2 : 2 + args.pages]])
        print(
            f"{len(many)} pages pasted at once ({args.concurrency} worker processes): first summary {min(many):.2f} s, "
            f"median {statistics.median(many):.2f} s, all {max(many):.2f} s"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        server.shutdown()


def _wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _paste_and_wait(user, urls: list[str], timeout: float = 300) -> list[float]:
    """Save ``urls`` as one paste; returns seconds from the paste to each article's final state."""
    from reader.models import Article
    from reader.pipeline.saving import save_urls

    started = time.monotonic()
    ids = [a.pk for a in save_urls(user=user, text="\n".join(urls)).created]
    done: dict[int, float] = {}
    while len(done) < len(ids) and time.monotonic() - started < timeout:
        for pk, status in Article.objects.filter(pk__in=ids).values_list("pk", "status"):
            if pk not in done and status in Article.FINAL_STATUSES:
                done[pk] = time.monotonic() - started
        time.sleep(0.05)
    failed = Article.objects.filter(pk__in=ids, status=Article.Status.FAILED).count()
    if failed:
        print(f"  ({failed} of {len(ids)} failed)")
    return list(done.values())


if __name__ == "__main__":
    main()
