"""Records lookups fail closed on a Redis outage (issue 14): the records service keeps its lock-outs in
Redis, so without Redis it cannot know whether the caller is locked out, and refuses (503 +
`Retry-After`) rather than serving the case unchecked. The bot, sharing that Redis (as in
docker-compose.yml), answers a status question with its polite "cannot check right now" reply, never
a 5xx. Both go back to Redis by themselves when it is up again.

Everything is real: a redis-server of the test's own (killed and started again), the records service
as a process (`python -m records_api`) on PostgreSQL, the bot's app over its real runtime.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from bot.answering.replies import load_replies
from bot.answering.statuses import AnswerStatus
from bot.api.app import create_app
from bot.runtime import build_runtime
from records_api.dev_identity import DevIdentityProvider, load_or_create_private_key
from records_api.enums import Role
from tests.bot.conftest import make_settings
from tests.service_processes import OwnRedis, RecordsProcess

pytestmark = [pytest.mark.postgres]


def random_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    if server.process is not None:
        server.kill()


@pytest.fixture
def records(tmp_path: Path, postgres_url: str, own_redis: OwnRedis) -> Iterator[RecordsProcess]:
    data_dir = tmp_path / "records"
    data_dir.mkdir()
    env = {
        "ASKCITY_ENV": "test",
        "ASKCITY_DEV_IDENTITY": "1",
        "ASKCITY_RECORDS_DATABASE_URL": postgres_url,
        "ASKCITY_RECORDS_ENCRYPTION_KEY": random_key(),
        "ASKCITY_RECORDS_HMAC_KEY": random_key(),
        "ASKCITY_REDIS_URL": own_redis.url.removesuffix("/0") + "/1",  # the bot has /0, as in compose
    }
    with RecordsProcess(data_dir, env, seed_residents=2) as process:
        yield process


def a_resident(records: RecordsProcess, postgres_url: str) -> tuple[str, str]:
    """A seeded resident's token (from the dev identity provider's key) and one of their cases."""
    engine = sa.create_engine(postgres_url)
    with engine.connect() as connection:
        subject, reference = connection.execute(
            sa.text(
                "SELECT r.subject, c.reference FROM residents r JOIN cases c ON c.owner_id = r.id LIMIT 1"
            )
        ).one()
    engine.dispose()
    identity = DevIdentityProvider(
        load_or_create_private_key(records.data_dir),
        issuer="askcity-dev-identity",
        audience="askcity-records",
        token_ttl_seconds=3600,
    )
    return identity.issue(subject, Role.RESIDENT).access_token, reference


def wait_for(check: object, seconds: float = 15.0) -> float:
    """Seconds until `check()` is true (fails after `seconds`)."""
    started = time.monotonic()
    while not check():  # type: ignore[operator]
        assert time.monotonic() - started < seconds, "not back in time"
        time.sleep(0.1)
    return time.monotonic() - started


def test_case_reads_fail_closed_without_redis_and_the_bot_says_it_cannot_check_now(
    records: RecordsProcess, own_redis: OwnRedis, postgres_url: str, sample_kb_dir: Path, tmp_path: Path
) -> None:
    token, reference = a_resident(records, postgres_url)
    bearer = {"Authorization": f"Bearer {token}"}
    direct = httpx.Client(base_url=records.url, timeout=15)
    settings = make_settings(
        sample_kb_dir,
        f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        redis_url=own_redis.url,
        redis_prefix="outage:",
        records_api_url=records.url,
    )
    runtime = build_runtime(settings)
    unavailable = load_replies().get("records_unavailable", contact=settings.default_contact)
    try:
        with TestClient(create_app(settings, runtime)) as bot:

            def ask() -> httpx.Response:
                sid = bot.post("/api/v1/sessions").json()["session_id"]
                message = {"session_id": sid, "message": f"what is the status of {reference}?"}
                return bot.post("/api/v1/chat", json=message, headers=bearer)

            before = ask()
            assert before.status_code == 200 and before.json()["status"] == AnswerStatus.ANSWERED.value
            assert reference in before.json()["text"]
            assert direct.get(f"/v1/cases/{reference}", headers=bearer).status_code == 200

            own_redis.kill()
            read = direct.get(f"/v1/cases/{reference}", headers=bearer)
            assert read.status_code == 503, read.text
            assert read.json()["error"] == "unavailable"
            assert int(read.headers["Retry-After"]) > 0
            assert reference not in read.text
            # a lookup that would fail is not answered either: a failure that cannot be counted
            # must not become unlimited guessing
            guess = direct.get("/v1/cases/MB-0000-0000-0000-0", headers=bearer)
            assert guess.status_code == 503 and "Retry-After" in guess.headers
            health = direct.get("/v1/health")
            assert health.status_code == 503 and health.json()["rate_limit_ok"] is False

            during = ask()
            assert during.status_code == 200, during.text
            body = during.json()
            assert body["status"] == AnswerStatus.HANDOFF.value
            assert body["text"] == unavailable
            assert reference not in body["text"]

            own_redis.start()  # empty, as after a restart without persistence
            records_back = wait_for(
                lambda: direct.get(f"/v1/cases/{reference}", headers=bearer).status_code == 200
            )
            after = ask()
            assert after.status_code == 200 and after.json()["status"] == AnswerStatus.ANSWERED.value
            assert reference in after.json()["text"]
    finally:
        runtime.close()
        direct.close()
    print(f"\nrecords service back on Redis {records_back:.2f} s after it restarted (no restart of ours)")
