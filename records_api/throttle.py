"""Failed-lookup limits and lock-outs, per user and per client address, with `limits`.

Each failed lookup (any 404: missing, malformed, or another resident's case) is a hit on a moving
window per user and per address. The hit that goes over a limit starts a lock-out of that user or
address for `lockout_seconds`; while it lasts, every lookup is refused with 429 and `Retry-After`.
Storage is Redis when a URL is configured (shared by every worker), in-process memory otherwise.
Identifiers are hashed before they become storage keys. Storage failures fail closed (503).
"""

from __future__ import annotations

import hashlib
import math
import time

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from records_api.errors import ServiceUnavailableError, TooManyAttemptsError


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


def build_storage(redis_url: str | None, key_prefix: str) -> Storage:
    if not redis_url:
        return MemoryStorage()
    return RedisStorage(
        redis_url,
        key_prefix=key_prefix.rstrip(":"),
        wrap_exceptions=True,
        socket_timeout=2.0,
        socket_connect_timeout=2.0,
    )


class FailureThrottle:
    def __init__(
        self,
        storage: Storage,
        per_user: str,
        per_address: str,
        lockout_seconds: int,
        namespace: str = "lookup",
    ) -> None:
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._limit_strings = (per_user, per_address)
        self._limits: dict[str, RateLimitItem] = {
            "user": parse(per_user),
            "address": parse(per_address),
        }
        self._lockout_seconds = lockout_seconds
        self._namespace = namespace

    @property
    def backend(self) -> str:
        return "redis" if isinstance(self._storage, RedisStorage) else "memory"

    def scoped(self, namespace: str) -> FailureThrottle:
        """The same storage and limits, counted separately (e.g. for dev-token logins)."""
        return FailureThrottle(
            self._storage,
            *self._limit_strings,
            self._lockout_seconds,
            namespace,
        )

    def _lock_key(self, kind: str, value: str) -> str:
        return f"askcity-lockout/{self._namespace}/{kind}/{_digest(value)}"

    def _targets(self, user: str, address: str) -> tuple[tuple[str, str], ...]:
        return (("user", user), ("address", address))

    def check(self, user: str, address: str) -> None:
        """Raise TooManyAttemptsError while the user or the address is locked out."""
        try:
            for kind, value in self._targets(user, address):
                key = self._lock_key(kind, value)
                if self._storage.get(key) > 0:
                    remaining = self._storage.get_expiry(key) - time.time()
                    raise TooManyAttemptsError(math.ceil(max(remaining, 1.0)))
        except StorageError as exc:
            raise ServiceUnavailableError("rate-limit storage unreachable") from exc

    def record_failure(self, user: str, address: str) -> None:
        """Count one failed lookup; raise TooManyAttemptsError when it starts a lock-out."""
        locked = False
        try:
            for kind, value in self._targets(user, address):
                ident = f"{self._namespace}/{kind}/{_digest(value)}"
                if not self._limiter.hit(self._limits[kind], "askcity-failures", ident):
                    self._storage.incr(self._lock_key(kind, value), self._lockout_seconds)
                    locked = True
        except StorageError as exc:
            raise ServiceUnavailableError("rate-limit storage unreachable") from exc
        if locked:
            raise TooManyAttemptsError(self._lockout_seconds)

    def healthy(self) -> bool:
        try:
            return bool(self._storage.check())
        except (StorageError, OSError):
            return False
