"""One contract every SessionStore passes: the in-process store and the Redis store."""

from __future__ import annotations

import time

import pytest
import redis

from bot.errors import SessionNotFoundError
from bot.sessions import FallbackSessionStore, InMemorySessionStore, RedisSessionStore, SessionStore
from bot.sessions.store import valid_session_id
from knowledge_base.records import Turn


class SessionStoreContract:
    """Subclasses provide `make(ttl_seconds, max_turns)`."""

    def make(self, ttl_seconds: int = 60, max_turns: int = 20) -> SessionStore:
        raise NotImplementedError

    def test_new_session_starts_empty_with_an_unguessable_id(self) -> None:
        store = self.make()
        first, second = store.create(), store.create()
        assert first != second
        assert valid_session_id(first) and len(first) == 43
        assert store.history(first) == []

    def test_turns_come_back_in_order(self) -> None:
        store = self.make()
        sid = store.create()
        store.append(sid, [Turn("user", "hello"), Turn("agent", "hi there")])
        store.append(sid, [Turn("user", "parking?")])
        assert store.history(sid) == [
            Turn("user", "hello"),
            Turn("agent", "hi there"),
            Turn("user", "parking?"),
        ]

    def test_a_restart_replaces_the_turns_held(self) -> None:
        """A new subject: the conversation starts again from its exchange (`Reply.new_subject`)."""
        store = self.make()
        sid = store.create()
        store.append(sid, [Turn("user", "parking?"), Turn("agent", "$60")])
        store.append(sid, [Turn("user", "library card?"), Turn("agent", "free")], restart=True)
        assert store.history(sid) == [Turn("user", "library card?"), Turn("agent", "free")]
        store.append(sid, [Turn("user", "how much?")])
        assert [t.text for t in store.history(sid)] == ["library card?", "free", "how much?"]

    def test_only_the_last_turns_are_kept(self) -> None:
        store = self.make(max_turns=3)
        sid = store.create()
        store.append(sid, [Turn("user", str(i)) for i in range(5)])
        assert [t.text for t in store.history(sid)] == ["2", "3", "4"]

    @pytest.mark.parametrize("session_id", ["", "nope", "a" * 43, "../../etc/passwd", "x" * 500])
    def test_unknown_or_client_made_ids_are_refused(self, session_id: str) -> None:
        store = self.make()
        with pytest.raises(SessionNotFoundError):
            store.history(session_id)
        with pytest.raises(SessionNotFoundError):
            store.append(session_id, [Turn("user", "x")])

    def test_session_expires_after_its_ttl(self) -> None:
        store = self.make(ttl_seconds=1)
        sid = store.create()
        time.sleep(1.2)
        with pytest.raises(SessionNotFoundError):
            store.history(sid)

    def test_deleted_session_is_gone(self) -> None:
        store = self.make()
        sid = store.create()
        store.delete(sid)
        with pytest.raises(SessionNotFoundError):
            store.history(sid)

    def test_ping(self) -> None:
        assert self.make().ping() is True


class TestInMemorySessionStore(SessionStoreContract):
    def make(self, ttl_seconds: int = 60, max_turns: int = 20) -> SessionStore:
        return InMemorySessionStore(ttl_seconds, max_turns)

    def test_least_recently_used_sessions_are_evicted_beyond_the_cap(self) -> None:
        store = InMemorySessionStore(60, 20, max_sessions=2)
        first = store.create()
        store.create()
        store.create()
        with pytest.raises(SessionNotFoundError):
            store.history(first)


@pytest.mark.redis
class TestRedisSessionStore(SessionStoreContract):
    @pytest.fixture(autouse=True)
    def _redis(self, redis_url: str, redis_prefix: str) -> None:
        self.client = redis.Redis.from_url(redis_url)
        self.prefix = redis_prefix

    def make(self, ttl_seconds: int = 60, max_turns: int = 20) -> SessionStore:
        return RedisSessionStore(self.client, self.prefix, ttl_seconds, max_turns)

    def test_keys_live_under_the_prefix_and_carry_a_ttl(self) -> None:
        store = self.make(ttl_seconds=120)
        sid = store.create()
        store.append(sid, [Turn("user", "hi")])
        keys = [k.decode() for k in self.client.scan_iter(match=f"{self.prefix}*")]
        assert sorted(keys) == sorted([f"{self.prefix}s:{sid}", f"{self.prefix}s:{sid}:turns"])
        assert all(0 < self.client.ttl(k) <= 120 for k in keys)


@pytest.mark.redis
class TestFallbackSessionStore(SessionStoreContract):
    """With Redis up, the fallback store is the Redis store (its outage behaviour: test_redis_outage)."""

    @pytest.fixture(autouse=True)
    def _redis(self, redis_url: str, redis_prefix: str) -> None:
        self.client = redis.Redis.from_url(redis_url)
        self.prefix = redis_prefix

    def make(self, ttl_seconds: int = 60, max_turns: int = 20) -> SessionStore:
        return FallbackSessionStore(
            RedisSessionStore(self.client, self.prefix, ttl_seconds, max_turns),
            InMemorySessionStore(ttl_seconds, max_turns),
        )
