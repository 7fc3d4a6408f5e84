"""Fixtures of the staff sign-in tests: one records service (dev identity provider) and one bot runtime
for the whole run, an app over them per test module."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.api.app import create_app
from bot.runtime import Runtime, build_runtime
from bot.storage.database import BotDatabase
from records_api.dev_identity import load_or_create_private_key
from tests.bot.staff.console_harness import Resident
from tests.bot.staff.staff_harness import BASE_URL, StaffStack
from tests.web_widget.harness import RecordsService, ServedApp, bot_settings


@pytest.fixture(scope="session")
def dev_identity(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecordsService]:
    """`python -m records_api` with the dev identity provider, seeded with demo users (agent, editor, ...)."""
    with RecordsService(
        tmp_path_factory.mktemp("staff-records"), cors_origin="http://127.0.0.1:9", residents=3
    ) as records:
        yield records


@pytest.fixture(scope="session")
def staff_kb_dir(sample_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample knowledge base for the staff tests: editors' actions here (curated drafts,
    approvals) write the editors' audit chain, which other tests copy from the sample and count."""
    copy = tmp_path_factory.mktemp("staff-kb") / "data"
    shutil.copytree(sample_kb_dir, copy)
    return copy


@pytest.fixture(scope="session")
def staff_runtime(
    staff_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory, dev_identity: RecordsService
) -> Iterator[Runtime]:
    settings = bot_settings(
        staff_kb_dir, tmp_path_factory.mktemp("staff-bot"), staff_dev_identity_url=dev_identity.url
    )
    runtime = build_runtime(settings)
    yield runtime
    runtime.close()


@pytest.fixture(scope="module")
def stack(
    staff_runtime: Runtime,
    dev_identity: RecordsService,
    staff_kb_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[StaffStack]:
    settings = bot_settings(
        staff_kb_dir, tmp_path_factory.mktemp("staff-app"), staff_dev_identity_url=dev_identity.url
    )
    app = create_app(settings, staff_runtime)
    with TestClient(app, base_url=BASE_URL):  # runs the lifespan: the app holds the runtime
        built = StaffStack(
            app=app,
            runtime=staff_runtime,
            settings=settings,
            records=dev_identity,
            users=dev_identity.demo_users(),
            key=load_or_create_private_key(Path(dev_identity.env["ASKCITY_DATA_DIR"])),
        )
        yield built
        for client in built.clients:
            client.close()


@pytest.fixture(scope="module")
def served(
    stack: StaffStack, staff_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedApp]:
    """The bot over real HTTP (live events with short heartbeats), one per test module."""
    settings = bot_settings(
        staff_kb_dir,
        tmp_path_factory.mktemp("served"),
        staff_dev_identity_url=stack.records.url,
        events_heartbeat_seconds=0.3,
        events_stream_seconds=30,
    )
    with ServedApp(create_app(settings, stack.runtime)) as app:
        yield app


@pytest.fixture
def resident(served: ServedApp) -> Iterator[Resident]:
    """A resident with a widget session on `served`."""
    person = Resident(served.origin)
    yield person
    person.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> Iterator[BotDatabase]:
    """The bot's database on SQLite and on PostgreSQL, migrated, for the store-level tests."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    db = BotDatabase(url)
    db.migrate()
    yield db
    db.close()
