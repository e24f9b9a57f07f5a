"""Redis databases for tests: only ones the tests claim empty, or are given, and never anyone else's.

REDIS_TEST_URL (default redis://127.0.0.1:6379) names the server. Without a database number the
tests claim a free one: the highest-numbered empty database, marked with a claim key set with NX,
so two test runs on one server never share a database. With a number (redis://host:6379/7) the
tests use exactly that database and refuse it unless it is empty. Only a database claimed this way
is flushed afterwards, and only while the claim is still ours.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import redis

CLAIM_KEY = "mensenhandelmonitor:test-claim"
CLAIM_SECONDS = 3600


class RedisUnavailable(Exception):
    """No Redis, or no empty database to use: the test skips (or fails under REQUIRE_REDIS_TESTS=1)."""


def server_url() -> str:
    return os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379")


def _with_db(url: str, number: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{number}"))


def _given_db(url: str) -> int | None:
    path = urlsplit(url).path.strip("/")
    return int(path) if path else None


class ClaimedDatabase:
    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.client = redis.Redis.from_url(url)

    def release(self) -> None:
        """Flush what the tests wrote, unless someone else has claimed the database since.

        A missing claim key means the test flushed the database itself (Django's cache.clear()).
        """
        try:
            if self.client.get(CLAIM_KEY) in (self.token.encode(), None):
                self.client.flushdb()
        finally:
            self.client.close()


def claim(count: int = 1) -> list[ClaimedDatabase]:
    """`count` empty databases on the test server, claimed for this process."""
    base = server_url()
    try:
        probe = redis.Redis.from_url(_with_db(base, 0), socket_connect_timeout=2)
        probe.ping()
    except redis.exceptions.RedisError as error:
        raise RedisUnavailable(f"Geen Redis op {base} ({error}); zet REDIS_TEST_URL of start redis-server.") from error
    given = _given_db(base)
    if given is not None:
        candidates = [given]
    else:
        try:
            databases = int(probe.config_get("databases").get("databases", 16))
        except redis.exceptions.ResponseError:  # CONFIG may be disabled on a shared server
            databases = 16
        candidates = list(range(databases - 1, 0, -1))  # never 0: that is where a default points
    probe.close()

    claimed: list[ClaimedDatabase] = []
    for number in candidates:
        if len(claimed) == count:
            break
        url = _with_db(base, number)
        token = f"{os.getpid()}-{uuid.uuid4().hex}"
        client = redis.Redis.from_url(url)
        try:
            # Empty, then claimed atomically: a second run that saw it empty too loses the NX race.
            if client.dbsize() == 0 and client.set(CLAIM_KEY, token, nx=True, ex=CLAIM_SECONDS):
                claimed.append(ClaimedDatabase(url, token))
        finally:
            client.close()
    if len(claimed) < count:
        for database in claimed:
            database.release()
        where = f"database {given} is not empty" if given is not None else "no empty database is free"
        raise RedisUnavailable(f"Redis op {base}: {where}; de tests gebruiken alleen lege databases.")
    return claimed
