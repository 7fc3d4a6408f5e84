"""Shared fixtures: real services selected by environment variables.

`ASKCITY_TEST_DATABASE_URL` (PostgreSQL) and `ASKCITY_TEST_REDIS_URL` (Redis) select the service-backed
tests. Without them those tests skip, unless `ASKCITY_REQUIRE_SERVICES=1` (CI), where a missing or
unreachable service fails the run instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REQUIRE_SERVICES = os.environ.get("ASKCITY_REQUIRE_SERVICES") == "1"


def _service_url(variable: str) -> str:
    url = os.environ.get(variable, "")
    if not url:
        message = f"{variable} is not set"
        if REQUIRE_SERVICES:
            pytest.fail(f"{message} but ASKCITY_REQUIRE_SERVICES=1", pytrace=False)
        pytest.skip(message)
    return url


def _unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import sqlalchemy as sa

    base_url = sa.make_url(_service_url("ASKCITY_TEST_DATABASE_URL"))
    name = f"askcity_t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        _unavailable(f"PostgreSQL unreachable at {base_url.render_as_string()}: {exc}")
    try:
        yield base_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def redis_url() -> str:
    """The test Redis URL, checked to answer PING. Tests isolate themselves with `redis_prefix`."""
    import redis

    url = _service_url("ASKCITY_TEST_REDIS_URL")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis unreachable at {url}: {exc}")
    finally:
        client.close()
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix unique to one test; its keys are deleted afterwards."""
    import redis

    prefix = f"askcity-test:{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"*{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'askcity.sqlite3'}"
