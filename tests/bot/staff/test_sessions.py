"""One contract every staff session store passes (in-process and Redis), through `StaffSessions`: idle
timeout, absolute lifetime, sign-out, pending logins taken once, and nothing usable at rest."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
import redis

from bot.staff.sessions import PendingLogin, StaffSessions, Tokens, valid_opaque_id
from bot.staff.store import InMemoryStaffStore, RedisStaffStore, StaffStore
from trust.tokens import Role

IDLE, MAX = 600, 3600
TOKEN = "eyJhbGciOiJSUzI1NiJ9.the-access-token.signature"


class ManualClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class StaffSessionsContract:
    """Subclasses provide `make_store(clock)` and `stored()` (every key and value the store holds)."""

    clock: ManualClock

    def make_store(self, clock: Callable[[], float]) -> StaffStore:
        raise NotImplementedError

    def stored(self) -> list[bytes]:
        raise NotImplementedError

    def prepare(self, request: pytest.FixtureRequest) -> None:
        """Subclasses fetch the services they need here."""

    @pytest.fixture(autouse=True)
    def _sessions(self, request: pytest.FixtureRequest) -> None:
        self.prepare(request)
        self.clock = ManualClock()
        self.sessions = StaffSessions(
            self.make_store(self.clock), IDLE, MAX, pending_seconds=300, clock=self.clock
        )

    def start(self, role: Role = Role.AGENT) -> str:
        session_id, _ = self.sessions.start(
            "staff-1", role, "Alex", "password", Tokens(TOKEN, int(self.clock() + MAX))
        )
        return session_id

    def test_a_session_comes_back_with_who_signed_in_under_an_unguessable_id(self) -> None:
        first, second = self.start(Role.EDITOR), self.start()
        assert first != second and valid_opaque_id(first) and len(first) == 43
        session = self.sessions.load(first)
        assert session is not None
        assert (session.subject, session.role, session.name, session.tokens.access_token) == (
            "staff-1",
            Role.EDITOR,
            "Alex",
            TOKEN,
        )
        other = self.sessions.load(second)
        assert other is not None and other.csrf_token != session.csrf_token

    def test_a_session_ends_after_the_idle_timeout(self) -> None:
        session_id = self.start()
        self.clock.advance(IDLE)
        assert self.sessions.load(session_id) is None
        self.clock.advance(-IDLE)  # and it is gone, not only hidden
        assert self.sessions.load(session_id) is None

    def test_use_restarts_the_idle_timer(self) -> None:
        session_id = self.start()
        for _ in range(3):
            self.clock.advance(IDLE - 1)
            assert self.sessions.load(session_id) is not None

    def test_a_session_in_constant_use_ends_at_its_absolute_lifetime(self) -> None:
        session_id = self.start()
        for _ in range(MAX // (IDLE // 2) - 1):
            self.clock.advance(IDLE // 2)
            assert self.sessions.load(session_id) is not None
        self.clock.advance(IDLE // 2)
        assert self.sessions.load(session_id) is None

    def test_signing_out_deletes_the_session(self) -> None:
        session_id = self.start()
        ended = self.sessions.end(session_id)
        assert ended is not None and ended.tokens.access_token == TOKEN
        assert self.sessions.load(session_id) is None
        assert self.sessions.end(session_id) is None

    @pytest.mark.parametrize("session_id", ["", "nope", "a" * 43, "../../etc/passwd", "x" * 500, None])
    def test_unknown_or_client_made_ids_find_nothing(self, session_id: str | None) -> None:
        self.start()
        assert self.sessions.load(session_id) is None
        assert self.sessions.end(session_id) is None

    def test_the_store_holds_neither_the_cookie_value_nor_the_token(self) -> None:
        session_id = self.start()
        self.sessions.hold(
            session_id[::-1], PendingLogin("nonce-1", "verifier-1", "hash", "/staff", self.clock())
        )
        everything = b"".join(self.stored())
        assert everything
        for secret in (session_id, session_id[::-1], TOKEN, "the-access-token", "verifier-1", "staff-1"):
            assert secret.encode() not in everything

    def test_a_pending_login_is_taken_once(self) -> None:
        state = self.start()  # any opaque id will do as a state
        pending = PendingLogin("nonce-1", "verifier-1", "hash", "/staff/queue", self.clock())
        self.sessions.hold(state, pending)
        assert self.sessions.claim(state) == pending
        assert self.sessions.claim(state) is None

    def test_a_pending_login_expires(self) -> None:
        state = self.start()
        self.sessions.hold(state, PendingLogin("n", "v", "h", "/staff", self.clock()))
        self.clock.advance(301)
        assert self.sessions.claim(state) is None

    def test_of_concurrent_claims_exactly_one_wins(self) -> None:
        state = self.start()
        self.sessions.hold(state, PendingLogin("n", "v", "h", "/staff", self.clock()))
        barrier, results = threading.Barrier(8), []

        def claim() -> None:
            barrier.wait()
            results.append(self.sessions.claim(state))

        threads = [threading.Thread(target=claim) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(result is not None for result in results) == 1


class TestInMemoryStaffSessions(StaffSessionsContract):
    def make_store(self, clock: Callable[[], float]) -> StaffStore:
        self.store = InMemoryStaffStore(clock=clock)
        return self.store

    def stored(self) -> list[bytes]:
        return [key.encode() + value for key, (_, value) in self.store._data.items()]

    def test_the_least_recently_used_entries_go_beyond_the_cap(self) -> None:
        store = InMemoryStaffStore(max_entries=2, clock=self.clock)
        sessions = StaffSessions(store, IDLE, MAX, clock=self.clock)
        first, _ = sessions.start("a", Role.AGENT, None, "password", Tokens("t", 0))
        sessions.start("b", Role.AGENT, None, "password", Tokens("t", 0))
        sessions.start("c", Role.AGENT, None, "password", Tokens("t", 0))
        assert sessions.load(first) is None


@pytest.mark.redis
class TestRedisStaffSessions(StaffSessionsContract):
    def prepare(self, request: pytest.FixtureRequest) -> None:
        self.url = request.getfixturevalue("redis_url")
        self.prefix = request.getfixturevalue("redis_prefix")
        self.client = redis.Redis.from_url(self.url)

    def make_store(self, clock: Callable[[], float]) -> StaffStore:
        return RedisStaffStore(self.client, self.prefix)

    def stored(self) -> list[bytes]:
        keys = list(self.client.scan_iter(match=f"{self.prefix}*"))
        return [key + (self.client.get(key) or b"") for key in keys]

    def test_keys_live_under_the_prefix_and_expire_with_the_session(self) -> None:
        self.start()
        keys = list(self.client.scan_iter(match=f"{self.prefix}*"))
        assert len(keys) == 1 and keys[0].decode().startswith(f"{self.prefix}staff:s:")
        assert 0 < self.client.ttl(keys[0]) <= IDLE + 5

    def test_a_session_started_by_one_process_is_seen_by_another(self) -> None:
        session_id = self.start()
        other_client = redis.Redis.from_url(self.url)  # another bot process: its own connection
        other = StaffSessions(RedisStaffStore(other_client, self.prefix), IDLE, MAX, clock=self.clock)
        assert other.load(session_id) is not None
        other_client.close()
