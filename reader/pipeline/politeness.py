"""Per-site politeness shared by every fetch worker on every host: at most N requests to one host at
once, and a minimum interval between the starts of two requests to it.

The state lives in Redis (the broker's server, which every worker already reaches), in three
expiring keys per host, changed only by one Lua script so that checking and taking are one step:

- ``<prefix><host>:slots``: a sorted set of the fetches in progress, each scored with the time its
  slot lapses (``HostLimits.slot_ttl`` after it started). A worker that dies mid-fetch never
  releases its slot; it lapses by itself, so a crash costs the host one slot for that long at most.
- ``<prefix><host>:gap``: present for ``interval`` seconds after a fetch starts; while it exists no
  other fetch to the host may start (its remaining time is the wait).
- ``<prefix><host>:next`` and ``<prefix><host>:turns``: the next free start time and the start time
  given to each waiting article (by ticket, the article id). A fetch that cannot start now is given a
  turn at least ``interval`` after the previous one and told to come back then, so 50 links to one
  site are each re-sent about once, in the order they arrived, instead of all retrying together.

Times come from the Redis server's clock (``TIME``), so workers on hosts whose clocks differ agree.
Nothing here blocks: ``acquire`` answers at once with a slot or the seconds to wait, and the fetch
task re-sends its message with that countdown. Plain Python and the ``redis`` client; no Django.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

# Seconds a waiting fetch is told to wait when the host has no free slot: the fetches in progress end
# at unknown times, so it looks again soon (a turn already given keeps the article's place).
BUSY_RETRY_SECONDS = 1.0
# The longest countdown handed out at once (seconds); a later turn is kept in Redis and the message
# simply comes back and waits again, so no message sits in a worker's memory for hours.
MAX_WAIT_SECONDS = 300.0

_ACQUIRE = """
local slots, gap, nxt, turns = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local ticket, token = ARGV[1], ARGV[2]
local limit, interval, ttl, busy = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function keep_turns(until_ms)
  local left = redis.call('PTTL', turns)
  if left < until_ms - now + ttl then redis.call('PEXPIRE', turns, until_ms - now + ttl) end
end
local turn = tonumber(redis.call('HGET', turns, ticket))
if not turn then
  turn = math.max(now, tonumber(redis.call('GET', nxt) or '0'))
  if interval > 0 then redis.call('SET', nxt, turn + interval, 'PX', turn + interval - now + ttl) end
  if turn > now then
    redis.call('HSET', turns, ticket, turn)
    keep_turns(turn)
    return turn - now
  end
elseif turn > now then
  return turn - now
end
local wait = redis.call('PTTL', gap)
if wait <= 0 then
  redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
  if limit > 0 and redis.call('ZCARD', slots) >= limit then wait = busy end
end
if wait > 0 then
  redis.call('HSET', turns, ticket, turn)
  keep_turns(now)
  return wait
end
redis.call('ZADD', slots, now + ttl, token)
redis.call('PEXPIRE', slots, ttl)
if interval > 0 then redis.call('SET', gap, '1', 'PX', interval) end
redis.call('HDEL', turns, ticket)
return 0
"""


@dataclass(frozen=True)
class HostLimits:
    """How hard Digest may knock on one site.

    ``per_host``: fetches to one host at once (0: no limit); ``interval``: seconds between the
    starts of two fetches to one host (0: none); ``slot_ttl``: seconds after which a slot lapses
    if its fetch never released it (longer than any fetch may take: the fetch's total timeout
    plus a margin).
    """

    per_host: int
    interval: float
    slot_ttl: float

    @property
    def active(self) -> bool:
        return self.per_host > 0 or self.interval > 0


@dataclass
class Grant:
    """The answer of ``HostLimiter.acquire``: ``wait`` 0.0 means the fetch may start now (and must
    ``release()`` when it ends; a context manager does that); otherwise come back in ``wait`` seconds."""

    wait: float
    _release: tuple[redis.Redis, str, str] | None = field(default=None, repr=False)

    def release(self) -> None:
        """Free the slot (at most once; a Redis error is logged: the slot then lapses by itself)."""
        if self._release is None:
            return
        client, key, token = self._release
        self._release = None
        try:
            client.zrem(key, token)
        except redis.RedisError:
            log.warning("Could not release a politeness slot; it lapses by itself", exc_info=True)

    def __enter__(self) -> Grant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class HostLimiter:
    """``HostLimits`` enforced across processes and hosts through one Redis server.

    ``client``: a ``redis.Redis``; ``prefix``: the key prefix (tests use their own). Thread-safe
    (the redis client pools its connections), so one limiter serves a whole thread pool.
    """

    def __init__(self, client: redis.Redis, limits: HostLimits, *, prefix: str = "digest:host:"):
        self.client, self.limits, self.prefix = client, limits, prefix
        self._script = client.register_script(_ACQUIRE)

    def acquire(self, host: str, ticket: str) -> Grant:
        """Ask to start a fetch to ``host`` (a lower-case host name or address) for ``ticket`` (the
        article id, which keeps its turn between tries). Returns a ``Grant``: a slot, or the seconds
        to wait (at most ``MAX_WAIT_SECONDS``). Never raises: when Redis cannot be reached the fetch
        goes ahead unthrottled (logged), since the same outage stops the queue anyway.
        """
        if not self.limits.active or not host:
            return Grant(0.0)
        base = f"{self.prefix}{host}"
        token = f"{ticket}:{uuid.uuid4().hex}"
        try:
            wait_ms = self._script(
                keys=[f"{base}:slots", f"{base}:gap", f"{base}:next", f"{base}:turns"],
                args=[
                    ticket,
                    token,
                    self.limits.per_host,
                    round(self.limits.interval * 1000),
                    round(self.limits.slot_ttl * 1000),
                    round(BUSY_RETRY_SECONDS * 1000),
                ],
            )
        except redis.RedisError:
            log.warning("Politeness store unreachable; fetching %s without the per-site limits", host, exc_info=True)
            return Grant(0.0)
        if int(wait_ms) > 0:
            return Grant(min(int(wait_ms) / 1000, MAX_WAIT_SECONDS))
        return Grant(0.0, (self.client, f"{base}:slots", token))


def host_of(url: str) -> str:
    """The host a URL's politeness is counted against: its lower-case host name or address, without
    the port ("" for a URL with none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def redis_client(url: str) -> redis.Redis:
    """A Redis client for a broker URL: ``redis://``/``rediss://`` as redis-py reads them, or the
    private broker's ``redis+socket:///path`` (a Unix socket). Timeouts of a second or a few, so a
    Redis that is down costs a fetch a moment, never a hang: one immediate retry, not redis-py's default
    of three with a backoff of up to seconds each (about 4 s per fetch while Redis is down)."""
    retry = Retry(NoBackoff(), 1)
    if url.startswith("redis+socket://"):
        return redis.Redis(
            unix_socket_path=url.removeprefix("redis+socket://"),
            socket_connect_timeout=1,
            socket_timeout=5,
            retry=retry,
        )
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5, retry=retry)
