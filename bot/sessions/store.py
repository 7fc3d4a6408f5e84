"""Session stores. A session is an opaque server-issued id and the redacted turns of its conversation.

Ids come from `secrets.token_urlsafe(32)` (256 bits) and are checked against a strict pattern, so a
client cannot choose one. Sessions expire `ttl_seconds` after their last use; only the last
`max_turns` turns are kept.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import redis

from bot.errors import SessionNotFoundError
from knowledge_base.records import Turn

log = logging.getLogger(__name__)

_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def valid_session_id(session_id: str) -> bool:
    return bool(_ID.match(session_id))


class SessionStore(Protocol):
    def create(self) -> str: ...

    def history(self, session_id: str) -> list[Turn]:
        """The session's turns, oldest first; raises SessionNotFoundError if unknown or expired."""
        ...

    def append(self, session_id: str, turns: Sequence[Turn], restart: bool = False) -> None:
        """Add turns to the session; `restart`: they replace what it held (a new subject)."""
        ...

    def delete(self, session_id: str) -> None: ...

    def ping(self) -> bool: ...


class InMemorySessionStore:
    """For one process (the embedded default). Bounded: the least recently used sessions go first."""

    def __init__(self, ttl_seconds: int = 1800, max_turns: int = 20, max_sessions: int = 100_000) -> None:
        self.ttl = ttl_seconds
        self.max_turns = max_turns
        self.max_sessions = max_sessions
        self._data: OrderedDict[str, tuple[float, list[Turn]]] = OrderedDict()
        self._lock = threading.Lock()

    def _live(self, session_id: str) -> list[Turn]:
        entry = self._data.get(session_id)
        if entry is None or entry[0] < time.monotonic():
            self._data.pop(session_id, None)
            raise SessionNotFoundError(session_id)
        return entry[1]

    def create(self) -> str:
        session_id = new_session_id()
        with self._lock:
            self._data[session_id] = (time.monotonic() + self.ttl, [])
            while len(self._data) > self.max_sessions:
                self._data.popitem(last=False)
        return session_id

    def history(self, session_id: str) -> list[Turn]:
        with self._lock:
            turns = self._live(session_id)
            self._data[session_id] = (time.monotonic() + self.ttl, turns)
            self._data.move_to_end(session_id)
            return list(turns)

    def append(self, session_id: str, turns: Sequence[Turn], restart: bool = False) -> None:
        with self._lock:
            before = self._live(session_id)
            kept = ([] if restart else before) + list(turns)
            kept = kept[-self.max_turns :]
            self._data[session_id] = (time.monotonic() + self.ttl, kept)
            self._data.move_to_end(session_id)

    def delete(self, session_id: str) -> None:
        with self._lock:
            self._data.pop(session_id, None)

    def knows(self, session_id: str) -> bool:
        with self._lock:
            entry = self._data.get(session_id)
            return entry is not None and entry[0] >= time.monotonic()

    def adopt(self, session_id: str) -> None:
        """Keep a session issued elsewhere (by Redis, now unreachable) with no turns, if not kept yet."""
        with self._lock:
            if session_id not in self._data:
                self._data[session_id] = (time.monotonic() + self.ttl, [])
                while len(self._data) > self.max_sessions:
                    self._data.popitem(last=False)

    def ping(self) -> bool:
        return True


# Append only to a live session, atomically: (on a restart, drop the old turns), push, trim to the last N
# turns, refresh both TTLs.
_APPEND = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[3] == '1' then redis.call('DEL', KEYS[2]) end
if #ARGV > 3 then redis.call('RPUSH', KEYS[2], unpack(ARGV, 4)) end
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[1]), -1)
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


class RedisSessionStore:
    """Shared by every bot process. Keys: `<prefix>s:<id>` (marker) and `<prefix>s:<id>:turns` (list)."""

    def __init__(
        self,
        client: redis.Redis[bytes],
        prefix: str = "askcity:",
        ttl_seconds: int = 1800,
        max_turns: int = 20,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.ttl = ttl_seconds
        self.max_turns = max_turns
        self._append = client.register_script(_APPEND)

    def _keys(self, session_id: str) -> tuple[str, str]:
        base = f"{self.prefix}s:{session_id}"
        return base, f"{base}:turns"

    def create(self) -> str:
        session_id = new_session_id()
        marker, _ = self._keys(session_id)
        self.client.set(marker, str(int(time.time())), ex=self.ttl)
        return session_id

    def _check(self, session_id: str) -> tuple[str, str]:
        if not valid_session_id(session_id):
            raise SessionNotFoundError(session_id)
        return self._keys(session_id)

    def history(self, session_id: str) -> list[Turn]:
        marker, turns_key = self._check(session_id)
        pipe = self.client.pipeline()
        pipe.expire(marker, self.ttl)
        pipe.lrange(turns_key, 0, -1)
        pipe.expire(turns_key, self.ttl)
        alive, raw, _ = pipe.execute()
        if not alive:
            raise SessionNotFoundError(session_id)
        turns = []
        for item in raw:
            data = json.loads(item)
            turns.append(Turn("agent" if data["role"] == "agent" else "user", str(data["text"])))
        return turns

    def append(self, session_id: str, turns: Sequence[Turn], restart: bool = False) -> None:
        marker, turns_key = self._check(session_id)
        encoded = [json.dumps({"role": t.role, "text": t.text}) for t in turns]
        args = [self.max_turns, self.ttl, "1" if restart else "0", *encoded]
        if not self._append(keys=[marker, turns_key], args=args):
            raise SessionNotFoundError(session_id)

    def delete(self, session_id: str) -> None:
        self.client.delete(*self._keys(session_id))

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False


class FallbackSessionStore:
    """Redis, and this process's memory while Redis cannot be reached: a Redis outage degrades
    conversations instead of failing them (as the rate limiter does, `bot/ratelimit.py`).

    While Redis is down, a session lives in this process's memory: a session created before the
    outage starts again with no history here, one created during it is known only to this process
    (another process would start it afresh), and an id in the server's format is accepted without the
    marker that Redis would hold. When Redis answers again, sessions it knows come from it, and those
    created during the outage keep living here until they expire. Retries Redis every
    `retry_seconds` after a failure; says so in the log at most once a minute.
    """

    def __init__(self, shared: RedisSessionStore, local: InMemorySessionStore, retry_seconds: float = 2.0):
        self.shared = shared
        self.local = local
        self._retry_seconds = retry_seconds
        self._down_since: float | None = None
        self._warned = 0.0

    @property
    def degraded(self) -> bool:
        return self._down_since is not None

    def _shared_up(self) -> bool:
        down = self._down_since
        return down is None or time.monotonic() - down >= self._retry_seconds

    def _failed(self, exc: redis.RedisError) -> None:
        now = time.monotonic()
        if self._down_since is None or now - self._down_since >= self._retry_seconds:
            self._down_since = now
        if now - self._warned >= 60:
            self._warned = now
            log.warning("Redis unreachable (%s): sessions kept in this process for now", type(exc).__name__)

    def create(self) -> str:
        if self._shared_up():
            try:
                session_id = self.shared.create()
                self._down_since = None
                return session_id
            except redis.RedisError as exc:
                self._failed(exc)
        return self.local.create()

    def history(self, session_id: str) -> list[Turn]:
        if not valid_session_id(session_id):
            raise SessionNotFoundError(session_id)
        if self._shared_up():
            try:
                turns = self.shared.history(session_id)
                self._down_since = None
                return turns
            except SessionNotFoundError:
                return self.local.history(session_id)  # created here while Redis was away, or unknown
            except redis.RedisError as exc:
                self._failed(exc)
        try:
            return self.local.history(session_id)
        except SessionNotFoundError:
            self.local.adopt(session_id)  # from before the outage: its history is out of reach
            return []

    def append(self, session_id: str, turns: Sequence[Turn], restart: bool = False) -> None:
        if self._shared_up() and not self.local.knows(session_id):
            try:
                self.shared.append(session_id, turns, restart)
                self._down_since = None
                return
            except redis.RedisError as exc:
                self._failed(exc)
        self.local.adopt(session_id)  # read from Redis a moment ago, perhaps: kept here from now on
        self.local.append(session_id, turns, restart)

    def delete(self, session_id: str) -> None:
        self.local.delete(session_id)
        try:
            self.shared.delete(session_id)
        except redis.RedisError as exc:
            self._failed(exc)

    def ping(self) -> bool:
        return self.shared.ping()
