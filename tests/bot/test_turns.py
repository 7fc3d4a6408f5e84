"""Turns answered by a pool of turn processes (bot/turns.py; `askcity serve --workers N`): every turn
goes to the next free process, whatever connection it came on; conversations, errors and a dying
process behave as in one process. Real spawned processes, the real model, Redis and SQLite."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import pickle
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from fastapi.testclient import TestClient

from bot.api.app import create_app
from bot.errors import MessageTooLongError, RateLimitedError, RecordsThrottledError
from bot.runtime import build_runtime
from bot.settings import BotSettings
from bot.turns import TurnPool
from tests.bot.conftest import make_settings

pytestmark = pytest.mark.redis


@pytest.fixture(scope="module")
def pool_settings(
    sample_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory, redis_module: tuple[str, str]
) -> BotSettings:
    url, prefix = redis_module
    db = tmp_path_factory.mktemp("turn-pool") / "bot.sqlite3"
    return make_settings(
        sample_kb_dir, f"sqlite:///{db}", redis_url=url, redis_prefix=prefix, turn_processes=2
    )


@pytest.fixture(scope="module")
def served(pool_settings: BotSettings) -> Iterator[TestClient]:
    """The app with two turn processes (its own runtime serves everything else)."""
    with TestClient(create_app(pool_settings, build_runtime(pool_settings))) as client:
        yield client


def _pool(client: TestClient) -> TurnPool:
    turns = client.app.state.turns  # type: ignore[attr-defined]
    assert isinstance(turns, TurnPool)
    return turns


def test_serve_with_workers_runs_one_http_process_and_turn_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """`askcity serve --workers 3`: uvicorn in one process, ASKCITY_TURN_PROCESSES=3 for the app."""
    import uvicorn

    from bot import cli
    from bot.settings import get_settings

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setattr("bot.logs.configure_logging", lambda: None)  # leave the test run's logging alone
    saved = dict(os.environ)  # `_serve` sets variables for the server process: put them all back
    os.environ["ASKCITY_REDIS_URL"] = "redis://127.0.0.1:6379/15"
    os.environ.pop("ASKCITY_TURN_PROCESSES", None)
    try:
        cli._serve("127.0.0.1", 8123, workers=3)
        assert len(calls) == 1 and "workers" not in calls[0], calls
        assert os.environ["ASKCITY_TURN_PROCESSES"] == "3"
        assert get_settings().turn_processes == 3
    finally:
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()


def test_turn_processes_need_redis(sample_kb_dir: Path) -> None:
    with pytest.raises(ValueError, match="REDIS_URL"):
        make_settings(sample_kb_dir, "sqlite://", turn_processes=2)


def test_errors_with_arguments_cross_the_process_boundary() -> None:
    for error in (MessageTooLongError(1200, 1000), RateLimitedError(7), RecordsThrottledError(9)):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error)


def test_a_conversation_holds_across_turn_processes(served: TestClient) -> None:
    pool = _pool(served)
    assert len(pool.pids()) == 2
    assert served.get("/api/v1/ready").json()["ready"] is True
    sid = served.post("/api/v1/sessions").json()["session_id"]
    first = served.post("/api/v1/chat", json={"session_id": sid, "message": "How do I get a parking permit?"})
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "answered"
    assert any("parking" in c["title"].lower() for c in first.json()["citations"])
    # the follow-up names no topic: it is answered from the parking conversation the session keeps in Redis,
    # whichever turn process takes it
    for _ in range(3):
        follow = served.post("/api/v1/chat", json={"session_id": sid, "message": "how much does it cost?"})
        assert follow.status_code == 200, follow.text
        assert follow.json()["status"] == "answered"
        assert any("parking" in c["title"].lower() for c in follow.json()["citations"])


def test_errors_of_a_turn_process_are_the_same_answers(served: TestClient) -> None:
    sid = served.post("/api/v1/sessions").json()["session_id"]
    long = served.post("/api/v1/chat", json={"session_id": sid, "message": "x" * 1200})
    assert long.status_code == 413 and "1,000" in long.json()["message"], long.text
    unknown = served.post("/api/v1/chat", json={"session_id": "A" * 43, "message": "hello"})
    assert unknown.status_code == 404


def _cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def test_every_turn_process_gets_work_from_one_connection_s_worth_of_turns(served: TestClient) -> None:
    """Turns sent concurrently (as one busy connection, or a proxy's few upstream connections, deliver
    them) are spread over both processes: each one's CPU time grows."""
    pool = _pool(served)
    pids = pool.pids()
    sessions = [served.post("/api/v1/sessions").json()["session_id"] for _ in range(8)]
    before = {pid: _cpu(pid) for pid in pids}

    async def many() -> list[object]:
        questions = ["When is my recycling collected?", "How do I pay a parking ticket?"]
        return await asyncio.gather(
            *(
                pool.turn(sessions[i % len(sessions)], f"{questions[i % 2]} ({i})", "10.0.0.1", None)
                for i in range(48)
            )
        )

    # in a thread of its own: a test before it in this process may have left an event loop running here
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        outcomes = thread.submit(asyncio.run, many()).result()
    assert len(outcomes) == 48
    used = {pid: _cpu(pid) - before[pid] for pid in pids}
    assert all(seconds > 0.05 for seconds in used.values()), used


def test_a_dead_turn_process_is_replaced(served: TestClient, pool_settings: BotSettings) -> None:
    """(Last in this module: it breaks the module's pool.) The turns a dying process held fail with a
    503 that asks to send again; new processes start; the next turns are answered."""
    pool = _pool(served)
    victim = pool.pids()[0]
    os.kill(victim, signal.SIGKILL)
    sid = served.post("/api/v1/sessions").json()["session_id"]
    ask = {"session_id": sid, "message": "How do I get a parking permit?"}
    # the pool learns of the death from its manager thread, a moment later: a turn sent in that moment
    # goes to the live process and is answered; once the pool knows, a turn fails with a 503, never hangs
    deadline = time.monotonic() + 30
    while (refused := served.post("/api/v1/chat", json=ask)).status_code == 200:
        assert time.monotonic() < deadline, "the pool never noticed its dead process"
        time.sleep(0.1)
    assert refused.status_code == 503, refused.text
    assert "again" in refused.json()["message"]
    deadline = time.monotonic() + 120
    while not pool.ready() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert pool.ready(), "no new turn processes within two minutes"
    assert victim not in pool.pids() and len(pool.pids()) == 2
    answered = served.post("/api/v1/chat", json=ask)
    assert answered.status_code == 200 and answered.json()["status"] == "answered", answered.text
