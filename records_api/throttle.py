"""Failed-lookup limits and lock-outs with `limits`: per user first, per address only for those who
failed there.

Each failed lookup (any 404: missing, malformed, or another resident's case) is a hit on a moving
window per user and per client address, and marks the (user, address) pair for `lockout_seconds`.
The hit that goes over a limit starts a lock-out of that user or address for `lockout_seconds`:

- a locked-out **user** is refused every lookup by reference, even of their own case, and unmasking:
  a 429 with `Retry-After`. Listing one's own cases (`/v1/me/cases`) guesses nothing and is served;
- a locked-out **address** refuses only the users marked as having failed from it. An attacker
  switching accounts gets one failed lookup per account there; residents who share the address (a
  NAT, a library, the bot when it sends no signed client address) and did not fail keep working.
  Before, four residents behind the bot could lock every resident out for 15 minutes. With
  `lock_whole_address` (the dev-token logins: user names cost an attacker nothing, so one try per
  name would be unlimited credential stuffing) a locked address refuses everyone, as before.

The address is the one `api.deps` attributes the request to: the peer, a configured proxy's
`X-Forwarded-For`, or the resident's address as signed by the bot. Storage is Redis when a URL is
configured (shared by every worker), in-process memory otherwise. Identifiers are hashed before
they become storage keys. Storage failures fail closed (503).
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
        lock_whole_address: bool = False,
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
        self._lock_whole_address = lock_whole_address

    @property
    def backend(self) -> str:
        return "redis" if isinstance(self._storage, RedisStorage) else "memory"

    def scoped(self, namespace: str, lock_whole_address: bool = False) -> FailureThrottle:
        """The same storage and limits, counted separately (e.g. for dev-token logins)."""
        return FailureThrottle(
            self._storage,
            *self._limit_strings,
            self._lockout_seconds,
            namespace,
            lock_whole_address,
        )

    def _lock_key(self, kind: str, value: str) -> str:
        return f"askcity-lockout/{self._namespace}/{kind}/{_digest(value)}"

    def _pair_key(self, user: str, address: str) -> str:
        return f"askcity-failed-here/{self._namespace}/{_digest(user + chr(0) + address)}"

    def _remaining(self, kind: str, value: str) -> int | None:
        """Seconds left of a lock-out of this user or address; None when there is none."""
        key = self._lock_key(kind, value)
        if self._storage.get(key) <= 0:
            return None
        expires_at: float = self._storage.get_expiry(key)
        return math.ceil(max(expires_at - time.time(), 1.0))

    def _blocked_for(self, user: str, address: str) -> int | None:
        remaining = self._remaining("user", user)
        if remaining is not None:
            return remaining
        remaining = self._remaining("address", address)
        if remaining is None or self._lock_whole_address:
            return remaining
        return remaining if self._storage.get(self._pair_key(user, address)) > 0 else None

    def check(self, user: str, address: str) -> None:
        """Raise TooManyAttemptsError while the user, or an address they failed from, is locked out."""
        try:
            remaining = self._blocked_for(user, address)
        except StorageError as exc:
            raise ServiceUnavailableError("rate-limit storage unreachable") from exc
        if remaining is not None:
            raise TooManyAttemptsError(remaining)

    def record_failure(self, user: str, address: str) -> None:
        """Count one failed lookup; raise TooManyAttemptsError when the caller is now locked out."""
        try:
            self._storage.incr(self._pair_key(user, address), self._lockout_seconds)
            for kind, value in (("user", user), ("address", address)):
                ident = f"{self._namespace}/{kind}/{_digest(value)}"
                if not self._limiter.hit(self._limits[kind], "askcity-failures", ident):
                    self._storage.incr(self._lock_key(kind, value), self._lockout_seconds)
            remaining = self._blocked_for(user, address)
        except StorageError as exc:
            raise ServiceUnavailableError("rate-limit storage unreachable") from exc
        if remaining is not None:
            raise TooManyAttemptsError(remaining)

    def healthy(self) -> bool:
        try:
            return bool(self._storage.check())
        except (StorageError, OSError):
            return False
