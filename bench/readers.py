"""Readers against the production server while the worker is busy: is reading held up by the pipeline?

    python -m bench.readers [--readers 20] [--seconds 60] [--pages 300] [--articles 200] [--rounds 1]

Starts ``manage.py rundigest --production`` (gunicorn with its default ``DIGEST_WEB_WORKERS`` x
``DIGEST_WEB_THREADS``, the fetch worker, the CPU worker with beat, a private Redis) in a temporary
data folder (SQLite; ``DATABASE_URL``/``REDIS_URL`` are ignored), and fills the list with
``--articles`` articles through the pipeline itself. Then, in each round, ``--readers`` people each
signed in with their own session ask for the list page (``GET /``) again and again, with no pause,
for ``--seconds``:

- **idle**: nothing else runs;
- **busy**: ``--pages`` links from slow sites (the loopback server of ``bench.pipeline``: one host
  each, 300-1500 ms before answering) are pasted at the start, so the workers fetch, extract and
  summarize during the whole window (the paste is sized to outlast it).

Prints per phase: requests, errors (any status but 200, or no answer within 30 s), list-page
median / p95 / max ms, pages a second, and for the busy phase how many articles the workers
finished in the window. Asserts nothing. The readers run in this process (threads), on the same
cores as the server: the figures are what a client on the server's machine sees.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.pipeline import SlowSites, _free_port, _pages, _wait_http

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "bench-reader-password-1"


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    finished_articles: int = 0
    seconds: float = 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--pages", type=int, default=300, help="links pasted at the start of each busy phase")
    parser.add_argument("--articles", type=int, default=200, help="articles in the list before measuring")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="digest-bench-readers-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL") and not k.endswith("_FILE")}
    env.update(
        DIGEST_DATA_DIR=str(work / "var"),
        STATIC_ROOT=str(work / "static"),
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        SECRET_KEY="bench-secret-" + "x" * 40,
        DIGEST_PRIVATE_NETWORKS_ALLOWED="127.0.0.0/8",
        # Plain HTTP on the loopback: a deployment has HTTPS in front, where these cookies are secure.
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
    )
    os.environ.clear()
    os.environ.update(env)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=REPO, env=env, check=True)
    import django  # after the environment above: the settings read it once

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from config.celery import sending_to

    total = args.articles + args.rounds * args.pages
    bodies = _pages(total)
    rng = random.Random(args.seed)
    sites = SlowSites(bodies, [rng.uniform(0.3, 1.5) for _ in bodies])
    port = _free_port("127.0.0.1")
    base = f"http://127.0.0.1:{port}"
    log = open(work / "rundigest.log", "wb")  # noqa: SIM115 - closed below, after the server
    command = [sys.executable, "manage.py", "rundigest", "--production", "--port", str(port)]
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_http(base + "/healthz", timeout=180)
        user = get_user_model().objects.create_user("reader", password=PASSWORD)
        print(
            f"rundigest --production: {settings.DIGEST_WEB_WORKERS} gunicorn processes x "
            f"{settings.DIGEST_WEB_THREADS} threads, fetch worker {settings.DIGEST_FETCH_CONCURRENCY} threads, "
            f"CPU worker {settings.DIGEST_WORKER_CONCURRENCY} processes; {args.readers} readers for "
            f"{args.seconds:.0f} s per phase"
        )
        with sending_to(settings.DIGEST_QUEUE, settings.DIGEST_FETCH_QUEUE):
            started = time.monotonic()
            ready = _paste_and_wait(user, [sites.url(n) for n in range(args.articles)])
            print(f"list filled through the pipeline: {ready} articles ready in {time.monotonic() - started:.0f} s")
            offset = args.articles
            for round_number in range(1, args.rounds + 1):
                idle = _phase("idle", base, args, None)
                batch = [sites.url(n) for n in range(offset, offset + args.pages)]
                offset += args.pages
                busy = _phase("busy", base, args, (user, batch))
                for phase in (idle, busy):
                    _report(round_number, phase)
                _wait_final(user)
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


def _phase(name: str, base: str, args, paste) -> Phase:
    """``args.readers`` readers for ``args.seconds``; with ``paste`` = (user, urls), the links are saved
    first, as one paste (what the form does), so the workers are busy during the window."""
    from reader.models import Article
    from reader.pipeline.saving import save_urls

    phase = Phase(name)
    clients = [_signed_in(base) for _ in range(args.readers)]
    ids: list[int] = []
    if paste is not None:
        user, urls = paste
        ids = [a.pk for a in save_urls(user=user, text="\n".join(urls)).created]
    stop = time.monotonic() + args.seconds
    lock = threading.Lock()

    def read(opener) -> None:
        while time.monotonic() < stop:
            began = time.monotonic()
            try:
                with opener.open(base + "/", timeout=30) as response:
                    response.read()
                    status = str(response.status)
            except urllib.error.HTTPError as error:
                status = str(error.code)
            except OSError as error:
                status = type(error).__name__
            took = time.monotonic() - began
            with lock:
                if status == "200":
                    phase.latencies.append(took)
                else:
                    phase.errors[status] = phase.errors.get(status, 0) + 1

    began = time.monotonic()
    threads = [threading.Thread(target=read, args=(opener,)) for opener in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.monotonic() - began
    if ids:
        phase.finished_articles = Article.objects.filter(pk__in=ids, status__in=Article.FINAL_STATUSES).count()
        if phase.finished_articles >= len(ids):
            print(f"  (the {len(ids)} pasted links were all done before the window closed: paste more with --pages)")
    return phase


def _signed_in(base: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/accounts/login/", timeout=30) as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "no CSRF token on the sign-in page"
    form = urllib.parse.urlencode(
        {"username": "reader", "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    request = urllib.request.Request(base + "/accounts/login/", data=form, headers={"Referer": base + "/"})
    with opener.open(request, timeout=30) as response:
        assert "/accounts/login/" not in response.geturl(), "sign-in failed"
    return opener


def _report(round_number: int, phase: Phase) -> None:
    ms = sorted(1000 * t for t in phase.latencies)
    count = len(ms) + sum(phase.errors.values())
    p95 = ms[max(0, int(len(ms) * 0.95 + 0.5) - 1)] if ms else float("nan")  # nearest rank
    median = statistics.median(ms) if ms else float("nan")
    extra = f", {phase.finished_articles} articles finished by the workers meanwhile" if phase.name == "busy" else ""
    print(
        f"round {round_number} {phase.name}: {count} requests, {sum(phase.errors.values())} errors {phase.errors or ''}; "
        f"list page median {median:.0f} ms, p95 {p95:.0f} ms, max {ms[-1] if ms else float('nan'):.0f} ms; "
        f"{len(ms) / phase.seconds:.1f} pages a second{extra}"
    )


def _paste_and_wait(user, urls: list[str], timeout: float = 900) -> int:
    from reader.models import Article
    from reader.pipeline.saving import save_urls

    ids = [a.pk for a in save_urls(user=user, text="\n".join(urls)).created]
    deadline = time.monotonic() + timeout
    final = Article.objects.filter(pk__in=ids, status__in=Article.FINAL_STATUSES)
    while final.count() < len(ids) and time.monotonic() < deadline:
        time.sleep(0.5)
    return Article.objects.filter(pk__in=ids, status=Article.Status.READY).count()


def _wait_final(user, timeout: float = 900) -> None:
    from reader.models import Article

    pending = Article.objects.filter(owner=user).exclude(status__in=Article.FINAL_STATUSES)
    deadline = time.monotonic() + timeout
    while pending.exists() and time.monotonic() < deadline:
        time.sleep(0.5)


if __name__ == "__main__":
    main()
