"""One contract for both event brokers: the in-process one and the one over real Redis."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest
import redis

from bot.events import EventBroker, InMemoryEventBroker, InvalidEventIdError, RedisEventBroker, parse_event_id


@pytest.fixture(params=["memory", "redis"])
def broker(request: pytest.FixtureRequest) -> Iterator[EventBroker]:
    if request.param == "memory":
        yield InMemoryEventBroker(buffer=50, ttl_seconds=60)
        return
    url = request.getfixturevalue("redis_url")
    prefix = request.getfixturevalue("redis_prefix")
    client = redis.Redis.from_url(url)
    built = RedisEventBroker(client, prefix, buffer=50, ttl_seconds=60)
    yield built
    built.close()
    client.close()


class TestEventBrokerContract:
    def test_published_events_come_back_in_order_with_increasing_ids(self, broker: EventBroker) -> None:
        sent = [broker.publish("session:a", "message", {"n": n}) for n in range(5)]
        got = broker.history("session:a")
        assert [e.data["n"] for e in got] == [0, 1, 2, 3, 4]
        assert [e.id for e in got] == [e.id for e in sent]
        assert [parse_event_id(e.id) for e in got] == sorted(parse_event_id(e.id) for e in got)
        assert broker.last_id("session:a") == sent[-1].id

    def test_history_after_an_id_is_exactly_what_came_later(self, broker: EventBroker) -> None:
        sent = [broker.publish("session:b", "message", {"n": n}) for n in range(6)]
        assert [e.data["n"] for e in broker.history("session:b", sent[2].id)] == [3, 4, 5]
        assert broker.history("session:b", sent[-1].id) == []

    def test_channels_are_separate(self, broker: EventBroker) -> None:
        broker.publish("session:c1", "message", {"to": "c1"})
        broker.publish("session:c2", "message", {"to": "c2"})
        assert [e.data["to"] for e in broker.history("session:c1")] == ["c1"]
        assert broker.history("session:unknown") == [] and broker.last_id("session:unknown") is None

    def test_a_malformed_last_event_id_is_refused(self, broker: EventBroker) -> None:
        for bad in ["", "abc", "1-2-3", "-1", "1_2", "9" * 30 + "-1", "<script>"]:
            with pytest.raises(InvalidEventIdError):
                broker.history("session:d", bad)

    def test_wait_returns_at_once_what_is_already_there(self, broker: EventBroker) -> None:
        first = broker.publish("session:e", "message", {"n": 1})
        broker.publish("session:e", "message", {"n": 2})
        got = asyncio.run(broker.wait("session:e", first.id, timeout=5))
        assert [e.data["n"] for e in got] == [2]

    def test_wait_wakes_when_another_thread_publishes(self, broker: EventBroker) -> None:
        def later() -> None:
            time.sleep(0.3)
            broker.publish("session:f", "message", {"n": 1})

        async def scenario() -> list[str]:
            threading.Thread(target=later).start()
            events = await asyncio.wait_for(broker.wait("session:f", None, timeout=3600), 60)
            return [e.kind for e in events]

        assert asyncio.run(scenario()) == ["message"]

    def test_wait_times_out_empty(self, broker: EventBroker) -> None:
        assert asyncio.run(broker.wait("session:g", None, timeout=0.2)) == []

    def test_many_waiters_on_one_channel_each_get_every_event_once(self, broker: EventBroker) -> None:
        async def reader(seen: list[int]) -> None:
            last: str | None = None
            while len(seen) < 20:
                for event in await broker.wait("session:h", last, timeout=5):
                    seen.append(int(event.data["n"]))
                    last = event.id

        async def scenario() -> list[list[int]]:
            seen: list[list[int]] = [[] for _ in range(4)]
            tasks = [asyncio.create_task(reader(s)) for s in seen]
            await asyncio.sleep(0.1)
            for n in range(20):
                await asyncio.to_thread(broker.publish, "session:h", "message", {"n": n})
            await asyncio.wait_for(asyncio.gather(*tasks), 20)
            return seen

        assert asyncio.run(scenario()) == [list(range(20))] * 4

    def test_a_channel_keeps_only_its_newest_events(self, broker: EventBroker) -> None:
        for n in range(200):
            broker.publish("session:i", "message", {"n": n})
        kept = [int(e.data["n"]) for e in broker.history("session:i")]
        assert kept[-1] == 199 and 50 <= len(kept) < 200
        assert kept == list(range(200 - len(kept), 200))


def test_two_redis_brokers_share_channels_like_two_processes(redis_url: str, redis_prefix: str) -> None:
    """A waiter on one broker is woken by a publish on another (each with its own connections)."""
    clients = [redis.Redis.from_url(redis_url) for _ in range(2)]
    one, two = (RedisEventBroker(c, redis_prefix, buffer=50) for c in clients)
    try:

        async def scenario() -> list[str]:
            async def later() -> None:
                await asyncio.sleep(0.3)
                await asyncio.to_thread(two.publish, "ticket:x", "message", {"text": "hello"})

            task = asyncio.create_task(later())
            # the wait itself would sleep an hour: only the other broker's notification can end it
            events = await asyncio.wait_for(one.wait("ticket:x", None, timeout=3600), 60)
            await task
            return [str(e.data["text"]) for e in events]

        assert asyncio.run(scenario()) == ["hello"]
    finally:
        for b in (one, two):
            b.close()
        for c in clients:
            c.close()
