"""Where staff sessions and pending logins live: opaque bytes under opaque keys, each with a lifetime.

One Protocol, two stores that pass one contract test (`tests/bot/staff/test_sessions.py`): the
in-process store (one bot process, the embedded default) and the Redis store (every process sees every
session). The stores know nothing of what they hold; `StaffSessions` seals it (`bot.staff.sessions`).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

import redis


class StaffStore(Protocol):
    def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        """Store `value` under `key` for `ttl_seconds` (replacing what was there)."""
        ...

    def get(self, key: str) -> bytes | None:
        """The value, or None when unknown or expired."""
        ...

    def take(self, key: str) -> bytes | None:
        """Get and delete in one step: of two concurrent takes, at most one gets the value."""
        ...

    def delete(self, key: str) -> None: ...

    def ping(self) -> bool: ...


class InMemoryStaffStore:
    """For one process. Bounded: beyond `max_entries` the least recently used entries go first."""

    def __init__(self, max_entries: int = 50_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max_entries
        self.clock = clock
        self._data: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def _live(self, key: str) -> bytes | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry[0] <= self.clock():
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return entry[1]

    def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        with self._lock:
            self._data[key] = (self.clock() + max(1, ttl_seconds), value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def get(self, key: str) -> bytes | None:
        with self._lock:
            return self._live(key)

    def take(self, key: str) -> bytes | None:
        with self._lock:
            value = self._live(key)
            self._data.pop(key, None)
            return value

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def ping(self) -> bool:
        return True


class RedisStaffStore:
    """Shared by every bot process. Keys: `<prefix>staff:<key>`, each with Redis's own expiry."""

    def __init__(self, client: redis.Redis[bytes], prefix: str = "askcity:") -> None:
        self.client = client
        self.prefix = f"{prefix}staff:"

    def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        self.client.set(self.prefix + key, value, ex=max(1, ttl_seconds))

    def get(self, key: str) -> bytes | None:
        return self.client.get(self.prefix + key)

    def take(self, key: str) -> bytes | None:
        pipe = self.client.pipeline(transaction=True)  # MULTI/EXEC: nothing runs between GET and DEL
        pipe.get(self.prefix + key)
        pipe.delete(self.prefix + key)
        value, _ = pipe.execute()
        return value if isinstance(value, bytes) else None

    def delete(self, key: str) -> None:
        self.client.delete(self.prefix + key)

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False
