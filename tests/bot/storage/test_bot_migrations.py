"""The bot database's migration 0005, on SQLite and PostgreSQL: curated turns recorded before it get the
curated answer with their text, and an answer's expiry moves out of its citations into a column (and
back on downgrade). That every service's schema at head is its mapped one: tests/test_migrated_schemas.py."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from bot.storage.curated import CuratedStore
from bot.storage.database import MIGRATIONS, BotDatabase


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'bot.sqlite3'}"


def _migrate(url: str, revision: str, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)
    engine.dispose()


def test_curated_turns_recorded_before_0005_count_for_the_answer_with_their_text(url: str) -> None:
    _migrate(url, "0004")
    engine = sa.create_engine(url)
    now = datetime.now(UTC)
    cite = '{"document_id": "zoo", "title": "Zoo", "document_version": 2}'
    stored = {1: f'[{cite}, {{"expires_on": "2031-05-01"}}]', 2: f"[{cite}]", 3: "[]"}
    with engine.begin() as connection:
        for curated_id, answer in (
            (1, "Otters are fed at noon."),
            (2, "Otters are fed at noon."),
            (3, "Closed."),
        ):
            connection.execute(
                sa.text(
                    "INSERT INTO bot_curated_answers (id, questions, answer, citations, active, updated_at)"
                    " VALUES (:id, '[]', :answer, :citations, :active, :now)"
                ),
                {
                    "id": curated_id,
                    "answer": answer,
                    "citations": stored[curated_id],
                    "active": True,
                    "now": now,
                },
            )
        turns = [
            ("a", "Otters are fed at noon.", "curated"),  # shared text: the oldest answer
            ("b", "Closed.", "curated"),
            ("c", "An answer edited since.", "curated"),  # no answer has this text any more
            ("d", "Closed.", "answered"),  # not a curated turn
        ]
        for answer_id, answer, status in turns:
            connection.execute(
                sa.text(
                    "INSERT INTO bot_transcripts (answer_id, session_ref, created_at, question, answer,"
                    " status, confidence, citations, timings_ms, pii_types, intent, private)"
                    " VALUES (:id, 's', :now, 'q', :answer, :status, 1.0, '[]', '{}', '[]', 'question', :no)"
                ),
                {"id": answer_id, "now": now, "answer": answer, "status": status, "no": False},
            )
    engine.dispose()

    BotDatabase(url).migrate()

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = dict(connection.execute(sa.text("SELECT answer_id, curated_id FROM bot_transcripts")).all())
    engine.dispose()
    assert found == {"a": 1, "b": 3, "c": None, "d": None}
    database = BotDatabase(url)
    try:
        entries = {e.id: e for e in CuratedStore(database.engine).entries()}
        served = [a.id for a in database.curated_answers()]
    finally:
        database.close()
    assert entries[1].expires_on == date(2031, 5, 1) and entries[2].expires_on is None
    assert (
        [c.document_id for c in entries[1].citations]
        == ["zoo"]
        == [c.document_id for c in entries[2].citations]
    )
    assert entries[1].cited_versions == {"zoo": 2} and served == [1, 2, 3]

    _migrate(url, "0004", down=True)  # and back: the expiry is an entry of the citations again
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        raw = connection.execute(
            sa.text("SELECT citations FROM bot_curated_answers WHERE id = 1")
        ).scalar_one()
    engine.dispose()
    restored = json.loads(raw) if isinstance(raw, str) else raw
    assert restored[-1] == {"expires_on": "2031-05-01"} and restored[0]["document_id"] == "zoo"
