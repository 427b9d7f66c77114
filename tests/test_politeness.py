"""Per-site politeness (``reader/pipeline/politeness.py``) on a real Redis: the session's broker (a
private redis-server, or ``REDIS_URL``), with a key prefix of each test's own.

At most N fetches to one host at once, a minimum interval between two starts, turns kept in order,
a dead worker's slot lapsing by itself, every key expiring, and the same limits held across processes.
"""

from __future__ import annotations

import multiprocessing
import time
import uuid

import pytest

from reader.pipeline.politeness import BUSY_RETRY_SECONDS, HostLimiter, HostLimits, host_of, redis_client


@pytest.fixture
def make_limiter(broker):
    prefix = f"digest-test:{uuid.uuid4().hex[:8]}:"
    client = redis_client(broker["url"])

    def make(per_host: int = 2, interval: float = 0.0, slot_ttl: float = 30.0) -> HostLimiter:
        return HostLimiter(client, HostLimits(per_host, interval, slot_ttl), prefix=prefix)

    yield make
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def test_at_most_n_fetches_to_one_host_at_once(make_limiter):
    limiter = make_limiter(per_host=2)
    first, second = limiter.acquire("a.example", "1"), limiter.acquire("a.example", "2")
    assert first.wait == 0 and second.wait == 0
    third = limiter.acquire("a.example", "3")
    assert third.wait == BUSY_RETRY_SECONDS  # told to come back soon, not blocked
    assert limiter.acquire("b.example", "4").wait == 0  # another site is not held up
    first.release()
    assert limiter.acquire("a.example", "3").wait == 0


def test_a_minimum_interval_between_two_starts_and_turns_in_order(make_limiter):
    limiter = make_limiter(per_host=0, interval=0.4)
    assert limiter.acquire("a.example", "1").wait == 0
    waits = [limiter.acquire("a.example", str(n)).wait for n in (2, 3, 4)]
    # Each later article gets a turn one interval after the one before it (server time, in ms).
    assert waits == sorted(waits)
    for n, wait in enumerate(waits, start=1):
        assert 0.4 * n - 0.05 <= wait <= 0.4 * n
    assert limiter.acquire("a.example", "3").wait > 0  # coming back early keeps its turn, and waits
    time.sleep(waits[0])
    assert limiter.acquire("a.example", "2").wait == 0  # its turn came
    assert 0 < limiter.acquire("a.example", "3").wait <= 0.4


def test_a_dead_workers_slot_lapses_by_itself(make_limiter):
    limiter = make_limiter(per_host=1, slot_ttl=0.5)
    held = limiter.acquire("a.example", "1")  # never released: its worker was killed mid-fetch
    assert held.wait == 0
    assert limiter.acquire("a.example", "2").wait > 0
    time.sleep(0.6)
    assert limiter.acquire("a.example", "2").wait == 0


def test_every_key_expires(make_limiter, broker):
    limiter = make_limiter(per_host=1, interval=0.5, slot_ttl=5)
    grant = limiter.acquire("a.example", "1")
    limiter.acquire("a.example", "2")  # a waiting article: a turn and the next free start
    keys = list(limiter.client.scan_iter(f"{limiter.prefix}*"))
    assert {k.decode().rsplit(":", 1)[1] for k in keys} == {"slots", "gap", "next", "turns"}
    assert all(0 < limiter.client.pttl(k) <= 6000 for k in keys)
    grant.release()


def _hammer(url: str, prefix: str, worker: int, seconds: float, ready, queue) -> None:
    """One process asking for the same host over and over; records (start, end) of each fetch it got."""
    limiter = HostLimiter(redis_client(url), HostLimits(2, 0.1, 30.0), prefix=prefix)
    ready.wait(timeout=60)  # all processes start together
    until = time.time() + seconds
    n = 0
    while time.time() < until:
        n += 1
        grant = limiter.acquire("busy.example", f"{worker}-{n}")
        if grant.wait:
            time.sleep(min(grant.wait, 0.05))
            n -= 1  # the same ticket again, keeping its turn
            continue
        started = time.time()
        time.sleep(0.25)  # the fetch
        queue.put((started, time.time()))
        grant.release()


def test_the_limits_hold_across_processes(make_limiter, broker):
    limiter = make_limiter()
    context = multiprocessing.get_context("spawn")
    queue, ready = context.Queue(), context.Barrier(4)
    procs = [
        context.Process(target=_hammer, args=(broker["url"], limiter.prefix, n, 2.5, ready, queue)) for n in range(4)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=90)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    fetches = []
    while not queue.empty():
        fetches.append(queue.get(timeout=5))
    fetches.sort()
    assert len(fetches) >= 6
    starts = [s for s, _ in fetches]
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    most_at_once = max(sum(1 for s, e in fetches if s <= t < e) for t in starts)
    print(f"\n{len(fetches)} fetches by 4 processes: at most {most_at_once} at once, smallest gap {min(gaps):.3f} s")
    assert most_at_once <= 2
    assert min(gaps) >= 0.1 - 0.01  # clocks of one machine; the limiter counts in server milliseconds


def test_an_unreachable_store_lets_the_fetch_go_ahead(caplog):
    limiter = HostLimiter(redis_client("redis://127.0.0.1:1/0"), HostLimits(1, 1.0, 30))
    started = time.monotonic()
    assert limiter.acquire("a.example", "1").wait == 0
    # A moment, not redis-py's default retries with backoff (about 4 s a fetch while Redis is down).
    assert time.monotonic() - started < 2.0
    assert "Politeness store unreachable" in caplog.text


def test_host_of():
    assert host_of("https://News.Example.com:8443/a?b") == "news.example.com"
    assert host_of("http://[::1]:8080/") == "::1"
    assert host_of("not a url") == ""
