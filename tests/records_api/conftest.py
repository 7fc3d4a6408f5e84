"""Fixtures of the records service tests; the harness itself is `records_harness.py`."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the harness module, whatever the import mode

from records_harness import Harness, start_harness

from records_api.dev_identity import KEY_FILE, load_or_create_private_key
from records_api.settings import get_settings


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No ASKCITY_* setting of the developer's shell leaks into a test (the service URLs stay)."""

    for name in list(os.environ):
        if name.startswith("ASKCITY_") and not name.startswith(("ASKCITY_TEST_", "ASKCITY_REQUIRE")):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def dev_key_pem(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One RSA key for the whole run (generating one per test would be most of the run time)."""
    folder = tmp_path_factory.mktemp("dev-key")
    load_or_create_private_key(folder)
    return folder / KEY_FILE


@pytest.fixture
def pg(
    tmp_path: Path, dev_key_pem: Path, postgres_url: str, redis_url: str, redis_prefix: str
) -> Iterator[Harness]:
    """The app on a fresh PostgreSQL database with Redis-backed limits."""
    harness = start_harness(
        tmp_path, dev_key_pem, postgres_url, redis_url=redis_url, records_redis_prefix=redis_prefix
    )
    yield harness
    harness.__exit__(None, None, None)


@pytest.fixture
def lite(tmp_path: Path, dev_key_pem: Path, sqlite_url: str) -> Iterator[Harness]:
    """The app on an SQLite file with in-memory limits."""
    harness = start_harness(tmp_path, dev_key_pem, sqlite_url)
    yield harness
    harness.__exit__(None, None, None)


@pytest.fixture(params=["postgres", "sqlite"])
def any_db(request: pytest.FixtureRequest) -> Harness:
    harness: Harness = request.getfixturevalue("pg" if request.param == "postgres" else "lite")
    return harness


@pytest.fixture
def harness_factory(
    tmp_path: Path, dev_key_pem: Path, postgres_url: str, redis_url: str, redis_prefix: str
) -> Iterator[Any]:
    """Start the app on PostgreSQL + Redis with setting overrides (e.g. tight limits)."""
    started: list[Harness] = []

    def start(**overrides: Any) -> Harness:
        values = {"redis_url": redis_url, "records_redis_prefix": redis_prefix, **overrides}
        harness = start_harness(tmp_path, dev_key_pem, postgres_url, **values)
        started.append(harness)
        return harness

    yield start
    for harness in started:
        harness.__exit__(None, None, None)


_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark this folder's service-backed tests, so `-m postgres` / `-m redis` select them."""
    for item in items:
        if _HERE not in item.path.parents:
            continue
        names = set(getattr(item, "fixturenames", ()))  # the whole fixture closure
        dynamic = "[postgres]" in item.name  # `any_db` picks its backend at run time
        if "postgres_url" in names or dynamic:
            item.add_marker(pytest.mark.postgres)
        if "redis_url" in names or dynamic:
            item.add_marker(pytest.mark.redis)
