"""The event broker over Redis, shared by every bot process (see `bot.events.broker` for the contract).

- The log of a channel is a Redis stream `<prefix>ev:<channel>`: `XADD` (trimmed to about `buffer`
  entries, expiring `ttl_seconds` after the last event) gives each event its id; `XRANGE (<id> +` reads
  what a client missed. Order and ids are Redis's, so every process agrees on them.
- Wake-ups travel by pub/sub: each publish also sends the event id on `<prefix>evn:<channel>`. One
  listener thread per process (one Redis connection, pattern-subscribed to all channels) wakes the
  streams waiting on that channel, which then read the stream. A notification lost while the listener
  reconnects costs latency (until the next heartbeat), never an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Mapping
from typing import Any

import redis

from bot.events.broker import Event, Waiters, parse_event_id, wait_for_events

log = logging.getLogger(__name__)


class RedisEventBroker:
    def __init__(
        self,
        client: redis.Redis[bytes],
        prefix: str = "askcity:",
        buffer: int = 500,
        ttl_seconds: int = 1800,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.buffer = buffer
        self.ttl = ttl_seconds
        self._waiters = Waiters()
        self._listener: threading.Thread | None = None
        self._subscribed = threading.Event()
        self._stop = threading.Event()
        self._start_lock = threading.Lock()

    def _stream(self, channel: str) -> str:
        return f"{self.prefix}ev:{channel}"

    def _notify(self, channel: str) -> str:
        return f"{self.prefix}evn:{channel}"

    def publish(self, channel: str, kind: str, data: Mapping[str, Any]) -> Event:
        payload = Event("0-0", kind, dict(data)).encode()
        key = self._stream(channel)
        pipe = self.client.pipeline(transaction=True)
        pipe.xadd(key, {"e": payload}, maxlen=self.buffer, approximate=True)
        pipe.expire(key, self.ttl)
        raw_id, _ = pipe.execute()
        event_id = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
        self.client.publish(self._notify(channel), event_id)
        return Event(event_id, kind, dict(data))

    def history(self, channel: str, after: str | None = None) -> list[Event]:
        start = "-" if after is None else f"({'-'.join(map(str, parse_event_id(after)))}"
        rows = self.client.xrange(self._stream(channel), min=start, max="+")
        return [Event.decode(_text(event_id), fields[b"e"]) for event_id, fields in rows]

    def last_id(self, channel: str) -> str | None:
        rows = self.client.xrevrange(self._stream(channel), max="+", min="-", count=1)
        return _text(rows[0][0]) if rows else None

    async def wait(self, channel: str, after: str | None, timeout: float) -> list[Event]:
        if not self._subscribed.is_set():
            await asyncio.to_thread(self._start_listener)

        async def read() -> list[Event]:
            return await asyncio.to_thread(self.history, channel, after)

        return await wait_for_events(self._waiters, channel, after, timeout, read)

    # ---- the listener ---------------------------------------------------------------------------------
    def _start_listener(self, timeout: float = 5.0) -> None:
        with self._start_lock:
            if self._listener is None or not self._listener.is_alive():
                self._stop.clear()
                self._listener = threading.Thread(target=self._listen, name="askcity-events", daemon=True)
                self._listener.start()
        if not self._subscribed.wait(timeout):
            raise redis.ConnectionError("the event listener could not subscribe")

    def _listen(self) -> None:
        pattern = self._notify("*")
        skip = len(self._notify(""))
        delay = 0.2
        while not self._stop.is_set():
            pubsub = self.client.pubsub()
            try:
                pubsub.psubscribe(pattern)
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    if message["type"] == "psubscribe":
                        self._subscribed.set()
                        delay = 0.2
                    elif message["type"] == "pmessage":
                        self._waiters.wake(_text(message["channel"])[skip:])
            except redis.RedisError as exc:
                self._subscribed.clear()
                log.warning("event listener lost Redis (%s); reconnecting", type(exc).__name__)
                self._stop.wait(delay)
                delay = min(delay * 2, 5.0)
            finally:
                with contextlib.suppress(redis.RedisError):
                    pubsub.close()
        self._subscribed.clear()

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False

    def close(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.join(timeout=3)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
