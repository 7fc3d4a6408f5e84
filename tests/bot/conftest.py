"""Fixtures for the bot: a real runtime over the shipped sample knowledge base."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.runtime import Runtime, build_runtime
from bot.settings import BotSettings


def make_settings(data_dir: Path, database_url: str, **overrides: object) -> BotSettings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "bot_database_url": database_url,
        "env": "test",
        "rate_limit_session": "1000/minute",
        "rate_limit_address": "1000/minute",
        # a module's tests open their conversations within a minute from one client (test_app.py's own
        # test of this limit sets it)
        "rate_limit_new_sessions": "1000/minute",
    }
    values.update(overrides)
    return BotSettings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def runtime(sample_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """One runtime per test module: in-process sessions, SQLite transcripts."""
    db = tmp_path_factory.mktemp("bot-db") / "bot.sqlite3"
    built = build_runtime(make_settings(sample_kb_dir, f"sqlite:///{db}"))
    yield built
    built.close()
