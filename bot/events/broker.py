"""Live events for server-sent-event streams: a per-channel log with ids, and waiting for what comes next.

A channel is a small ordered log (`session:<session ref>` for a resident's widget, `ticket:<id>` for the
agent console). `publish` appends an event and wakes whoever waits on the channel, in any thread;
`wait` (async, on the serving event loop) returns the events after a given id, waiting up to a timeout
for one to arrive. A reconnecting client passes the id of the last event it saw (`Last-Event-ID`) and
gets exactly what it missed, as long as the channel still keeps it (`buffer` events, `ttl_seconds`).

Two implementations pass one contract test (`tests/bot/events/test_broker.py`):

- `InMemoryEventBroker`: one process (the embedded default).
- `RedisEventBroker` (`bot.events.redis_broker`): a Redis stream per channel holds the log, shared by every
  bot process; a Redis pub/sub notification wakes the waiting streams of every process, which then read
  the stream. A lost notification only delays delivery until the next heartbeat; nothing is skipped.

Event ids are `<milliseconds>-<sequence>` (Redis stream ids), increasing within a channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.events.errors import InvalidEventIdError

_ID = re.compile(r"^(\d{1,20})-(\d{1,20})$")


def parse_event_id(value: str) -> tuple[int, int]:
    """The (milliseconds, sequence) of an event id; InvalidEventIdError for anything else."""
    match = _ID.match(value.strip()) if isinstance(value, str) and len(value) <= 48 else None
    if match is None:
        raise InvalidEventIdError(value[:48] if isinstance(value, str) else "")
    return int(match[1]), int(match[2])


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    kind: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def encode(self) -> str:
        return json.dumps({"kind": self.kind, "data": dict(self.data)}, ensure_ascii=False, default=str)

    @classmethod
    def decode(cls, event_id: str, raw: str | bytes) -> Event:
        body = json.loads(raw)
        return cls(event_id, str(body["kind"]), dict(body.get("data") or {}))


class EventBroker(Protocol):
    def publish(self, channel: str, kind: str, data: Mapping[str, Any]) -> Event:
        """Append an event to `channel` and wake its waiters (any thread). Returns it with its id."""
        ...

    def history(self, channel: str, after: str | None = None) -> list[Event]:
        """The kept events of `channel` after the id `after` (all of them when None), oldest first."""
        ...

    def last_id(self, channel: str) -> str | None:
        """The id of the newest kept event of `channel`."""
        ...

    async def wait(self, channel: str, after: str | None, timeout: float) -> list[Event]:
        """The events after `after`; when there are none yet, wait up to `timeout` s for some ([] then)."""
        ...

    def ping(self) -> bool: ...

    def close(self) -> None: ...


class Waiters:
    """Async waiters per channel, woken from any thread (the loop that waits gets the wake-up)."""

    def __init__(self) -> None:
        self._by_channel: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}
        self._lock = threading.Lock()

    def add(self, channel: str) -> tuple[asyncio.AbstractEventLoop, asyncio.Event]:
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._by_channel.setdefault(channel, set()).add(entry)
        return entry

    def remove(self, channel: str, entry: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        with self._lock:
            waiting = self._by_channel.get(channel)
            if waiting is not None:
                waiting.discard(entry)
                if not waiting:
                    del self._by_channel[channel]

    def wake(self, channel: str) -> None:
        with self._lock:
            entries = list(self._by_channel.get(channel, ()))
        for loop, event in entries:
            with contextlib.suppress(RuntimeError):  # that loop has closed: its waiter is gone
                loop.call_soon_threadsafe(event.set)

    def __len__(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._by_channel.values())


async def wait_for_events(
    waiters: Waiters,
    channel: str,
    after: str | None,
    timeout: float,
    read: Callable[[], Awaitable[list[Event]]],
) -> list[Event]:
    """Register first, then read, then sleep: an event published in between is never missed."""
    if after is not None:
        parse_event_id(after)
    entry = waiters.add(channel)
    try:
        found = await read()
        if found:
            return found
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(entry[1].wait(), timeout)
        return await read()
    finally:
        waiters.remove(channel, entry)


class InMemoryEventBroker:
    """For one process. Keeps the last `buffer` events of each of the `max_channels` most recently used
    channels, each for `ttl_seconds` after its last event."""

    def __init__(self, buffer: int = 500, ttl_seconds: float = 1800, max_channels: int = 20_000) -> None:
        self.buffer = buffer
        self.ttl = ttl_seconds
        self.max_channels = max_channels
        self._channels: OrderedDict[str, tuple[float, deque[Event]]] = OrderedDict()
        self._lock = threading.Lock()
        self._last = (0, 0)
        self._waiters = Waiters()

    def _next_id(self) -> str:
        ms = int(time.time() * 1000)
        last_ms, seq = self._last
        self._last = (ms, 0) if ms > last_ms else (last_ms, seq + 1)
        return f"{self._last[0]}-{self._last[1]}"

    def _live(self, channel: str) -> deque[Event] | None:
        entry = self._channels.get(channel)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            del self._channels[channel]
            return None
        return entry[1]

    def publish(self, channel: str, kind: str, data: Mapping[str, Any]) -> Event:
        with self._lock:
            event = Event(self._next_id(), kind, dict(data))
            events = self._live(channel) or deque(maxlen=self.buffer)
            events.append(event)
            self._channels[channel] = (time.monotonic() + self.ttl, events)
            self._channels.move_to_end(channel)
            while len(self._channels) > self.max_channels:
                self._channels.popitem(last=False)
        self._waiters.wake(channel)
        return event

    def history(self, channel: str, after: str | None = None) -> list[Event]:
        start = parse_event_id(after) if after is not None else (-1, -1)
        with self._lock:
            events = list(self._live(channel) or ())
        return [e for e in events if parse_event_id(e.id) > start]

    def last_id(self, channel: str) -> str | None:
        with self._lock:
            events = self._live(channel)
            return events[-1].id if events else None

    async def wait(self, channel: str, after: str | None, timeout: float) -> list[Event]:
        async def read() -> list[Event]:
            return self.history(channel, after)

        return await wait_for_events(self._waiters, channel, after, timeout, read)

    def ping(self) -> bool:
        return True

    def close(self) -> None:
        return None
