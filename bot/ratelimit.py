"""Rate limits per session and per client address (`limits`, Redis-backed when configured)."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from bot.errors import RateLimitedError


class RateLimiter:
    def __init__(self, redis_url: str, per_session: str, per_address: str, prefix: str = "askcity") -> None:
        self.storage: Storage = (
            RedisStorage(redis_url, key_prefix=f"{prefix}limits") if redis_url else MemoryStorage()
        )
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.per_session = parse(per_session)
        self.per_address = parse(per_address)

    def check(self, session_id: str, address: str) -> None:
        """Count one message; raise RateLimitedError with a Retry-After when either limit is spent."""
        for item, key in ((self.per_address, f"addr:{address}"), (self.per_session, f"sess:{session_id}")):
            if not self.limiter.hit(item, key):
                reset, _ = self.limiter.get_window_stats(item, key)
                raise RateLimitedError(max(1, math.ceil(reset - time.time())))
