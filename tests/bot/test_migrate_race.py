"""Several processes starting at once on an empty database (bot processes, turn processes, an editor's
command) each bring the schema to the newest revision: one migrates, the others wait and find it done.
Real processes against SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.storage.database import MIGRATIONS as BOT_MIGRATIONS
from knowledge_base.sql import Database

PROCESSES = 4


def _migrate(url: str, start: Any, errors: Any) -> None:  # a spawn context's Barrier and Queue
    database = Database(url, BOT_MIGRATIONS)
    try:
        start.wait(timeout=60)
        database.migrate()
    except Exception as exc:  # reported to the test, which fails with it
        errors.put(f"{type(exc).__name__}: {exc}")
    finally:
        database.close()


def _race(url: str) -> list[str]:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)
    errors: Any = context.Queue()
    processes = [context.Process(target=_migrate, args=(url, start, errors)) for _ in range(PROCESSES)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=120)
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]
    return found


def _at_head(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(sa.text("SELECT version_num FROM alembic_version_bot")).all()
    finally:
        engine.dispose()
    assert len(versions) == 1, versions


def test_processes_migrating_an_empty_sqlite_database_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    assert _race(url) == []
    _at_head(url)


@pytest.mark.postgres
def test_processes_migrating_an_empty_postgres_database_at_once(postgres_url: str) -> None:
    assert _race(postgres_url) == []
    _at_head(postgres_url)
