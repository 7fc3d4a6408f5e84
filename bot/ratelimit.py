"""Rate limits per session and per client address (`limits`, Redis-backed when configured).

A Redis outage must not become an error for residents: while the shared storage cannot be reached,
each process counts in its own memory (the same limits, per process) and says so in the log once a
minute; it goes back to Redis as soon as Redis answers again.
"""

from __future__ import annotations

import logging
import math
import threading
import time

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from bot.errors import RateLimitedError

log = logging.getLogger(__name__)


class RateLimiter:
    def __init__(
        self,
        redis_url: str,
        per_session: str,
        per_address: str,
        prefix: str = "askcity",
        retry_seconds: float = 5.0,
        new_sessions: str | None = None,
        handoffs: str | None = None,
    ) -> None:
        self.storage: Storage = (
            RedisStorage(
                redis_url,
                key_prefix=f"{prefix}limits",
                wrap_exceptions=True,
                socket_timeout=0.5,
                socket_connect_timeout=0.5,
            )
            if redis_url
            else MemoryStorage()
        )
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.fallback = MovingWindowRateLimiter(MemoryStorage())
        self.per_session = parse(per_session)
        self.per_address = parse(per_address)
        self.new_sessions = parse(new_sessions) if new_sessions else None
        self.handoffs = parse(handoffs) if handoffs else None
        self._retry_seconds = retry_seconds
        self._down_since: float | None = None
        self._warned = 0.0
        self._lock = threading.Lock()

    @property
    def degraded(self) -> bool:
        """True while the shared storage is unreachable and limits are counted per process."""
        return self._down_since is not None

    def check(self, session_id: str, address: str) -> None:
        """Count one message; raise RateLimitedError with a Retry-After when either limit is spent."""
        self._hit(self.per_address, f"addr:{address}")
        self._hit(self.per_session, f"sess:{session_id}")

    def check_new_session(self, address: str) -> None:
        """Count one new conversation from `address` (`new_sessions`; no limit when it is not set): a
        client opening sessions by the thousand only grows session storage, but it should not."""
        if self.new_sessions is not None:
            self._hit(self.new_sessions, f"new:{address}")

    def allow_handoff(self, address: str) -> bool:
        """Count one ticket about to be opened for a client at `address` (`handoffs`; always allowed when
        it is not set); False when the address has opened its share within the window: one client
        must not fill the call centre's queue (docs/call_center.md)."""
        if self.handoffs is None:
            return True
        try:
            self._hit(self.handoffs, f"handoff:{address}")
        except RateLimitedError:
            return False
        return True

    def _hit(self, item: RateLimitItem, key: str) -> None:
        limiter = self._limiter()
        try:
            allowed = limiter.hit(item, key)
            reset = None if allowed else limiter.get_window_stats(item, key)[0]
            if limiter is self.limiter:
                self._down_since = None
        except StorageError as exc:
            self._storage_failed(exc)
            allowed = self.fallback.hit(item, key)
            reset = None if allowed else self.fallback.get_window_stats(item, key)[0]
        if not allowed:
            raise RateLimitedError(max(1, math.ceil((reset or time.time()) - time.time())))

    def _limiter(self) -> MovingWindowRateLimiter:
        down = self._down_since
        if down is None or time.monotonic() - down >= self._retry_seconds:
            return self.limiter  # shared storage (again): a failure sends us back to the fallback
        return self.fallback

    def _storage_failed(self, exc: StorageError) -> None:
        now = time.monotonic()
        with self._lock:
            self._down_since = now
            if now - self._warned >= 60:
                self._warned = now
                log.warning("rate-limit storage unreachable; counting per process: %s", type(exc).__name__)
