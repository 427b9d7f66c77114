"""Workers on two hosts against one Redis and one PostgreSQL: host B is a network namespace of the
test's own (``ip netns add``, a veth pair), whose fetch and CPU workers reach Redis, PostgreSQL and
the sites only over that link; the web process and host A's workers (with beat) run outside.

A private redis-server and a private PostgreSQL cluster listen on this side's end of the link (and
nowhere else), the sites on the same address; host B's namespace has no other route. 50 articles
are pasted through the web process, both hosts take part (the sites see host B's address, the CPU
workers log what they did), and host B is killed mid-run (``kill -9`` of every process in its
namespace, as a lost machine): no article is lost, host A finishes them.

Skipped with the reason when this machine does not allow network namespaces (CI runs as root,
where it does).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid

import psycopg
import pytest

from tests.httpserver import HTTPTestServer
from tests.services import (
    READER,
    READER_PASSWORD,
    SAMPLE_PAGES,
    Netns,
    WebClient,
    cpu_process,
    fetch_process,
    free_port,
    netns_unavailable,
    postgres_bin,
    private_deployment,
    wait_until,
    web_process,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.servers]

ARTICLES = 50
SITES = [f"news-{n}.hosts.test" for n in range(25)]


@pytest.fixture(scope="module")
def namespace():
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root (CAP_NET_ADMIN): ip netns add is not permitted")
    reason = netns_unavailable()
    if reason:
        pytest.skip(reason)
    if postgres_bin() is None:
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb) for a private cluster")
    with Netns.create() as netns:
        yield netns


def test_workers_on_two_hosts_share_the_work_and_one_host_dies_mid_run(namespace, tmp_path):
    log_dir = tmp_path
    link = namespace.host_address
    with contextlib.ExitStack() as stack:
        sites = stack.enter_context(HTTPTestServer(host=link))
        _, _, database_url, env = private_deployment(
            stack, log_dir, sites=SITES, sites_port=sites.port, host=link, clients=[f"{namespace.address}/32"]
        )
        port = free_port()
        # Host A (this namespace): the web process, a fetch worker and a CPU worker with beat.
        # Host B (its own namespace): a fetch worker and a CPU worker, no beat (exactly one per deployment).
        processes = [
            web_process(env, log_dir, port),
            fetch_process(env, log_dir, name="fetch-a"),
            cpu_process(env, log_dir, name="cpu-a", concurrency=1),
            fetch_process(env, log_dir, name="fetch-b", wrap=namespace.command),
            cpu_process(env, log_dir, name="cpu-b", beat=False, concurrency=1, wrap=namespace.command),
        ]
        web, fetch_a, cpu_a, fetch_b, cpu_b = processes
        for process in processes:
            stack.callback(process.stop)
            process.start()
        for worker in (fetch_a, cpu_a, fetch_b, cpu_b):
            worker.wait_ready()

        def logs() -> str:
            return "\n".join(f"--- {p.name}\n{p.log()}" for p in processes)

        client = WebClient(f"http://127.0.0.1:{port}")
        wait_until(lambda: client.request("/healthz", timeout=3)[0] == 200, 60, "gunicorn")
        client.sign_in(READER, READER_PASSWORD)
        tag = uuid.uuid4().hex[:6]
        urls = [
            sites.add(
                f"/{tag}-{n}{SAMPLE_PAGES[n % 3].path}",
                SAMPLE_PAGES[n % 3].read_bytes(),
                headers={"Content-Type": "text/html; charset=utf-8"},
                host=SITES[n % len(SITES)],
                delay_s=1.0 + (n % 5) * 0.5,
            )
            for n in range(ARTICLES)
        ]
        saved = time.monotonic()
        status, text = client.request("/articles/", {"urls": "\n".join(urls)})
        assert status == 302, (status, text[:2000])

        def statuses() -> list[str]:
            with psycopg.connect(database_url) as conn:
                return [row[0] for row in conn.execute("SELECT status FROM reader_article").fetchall()]

        # Mid-run: both hosts have fetched and extracted something; then host B is lost.
        def both_working() -> bool:
            fetched_by = {r.client for r in sites.requests}
            return namespace.address in fetched_by and link in fetched_by and _extracted(cpu_b.log(tail=None)) >= 3

        wait_until(both_working, 120, "both hosts to take part", interval=0.2)
        killed_at = time.monotonic()
        by_b_before = _extracted(cpu_b.log(tail=None))
        pending_at_kill = sum(1 for s in statuses() if s not in ("ready", "failed"))
        for pid in namespace.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not namespace.pids(), 20, "host B's processes to end")

        wait_until(
            lambda: len(statuses()) == ARTICLES and all(s in ("ready", "failed") for s in statuses()),
            300,
            f"every article to be final\n{logs()}",
            interval=0.5,
        )
        done = time.monotonic()
        final = statuses()
        fetched_by_b = sum(1 for r in sites.requests if r.client == namespace.address)
        fetched_by_a = sum(1 for r in sites.requests if r.client == link)
        print(
            f"\n{ARTICLES} articles, two worker hosts: host B killed {killed_at - saved:.1f} s after the paste with "
            f"{pending_at_kill} pending; all final {done - killed_at:.1f} s later ({done - saved:.1f} s in all); "
            f"pages fetched by host A {fetched_by_a}, by host B {fetched_by_b}; extracted by host A "
            f"{_extracted(cpu_a.log(tail=None))}, by host B {by_b_before} before it died; "
            f"ready {final.count('ready')}, failed {final.count('failed')}"
        )
        assert final.count("ready") == ARTICLES, logs()
        assert fetched_by_a > 0 and fetched_by_b > 0 and by_b_before > 0
        assert web.proc is not None and web.proc.poll() is None


def _extracted(log: str) -> int:
    """How many CPU steps a worker's log says it finished."""
    return sum(1 for line in log.splitlines() if "reader.tasks.extract_article[" in line and " succeeded " in line)
