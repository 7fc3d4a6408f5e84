"""`askcity curated drafts`: the drafts agents saved, listed for editors until the editor console
shows them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from askcity_cli.main import app
from bot.settings import get_settings
from bot.storage.database import BotDatabase
from knowledge_base.records import Citation

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[BotDatabase]:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    monkeypatch.setenv("ASKCITY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ASKCITY_BOT_DATABASE_URL", url)
    get_settings.cache_clear()
    db = BotDatabase(url)
    db.migrate()
    yield db
    db.close()
    get_settings.cache_clear()


def test_drafts_are_listed_newest_first_with_their_author(database: BotDatabase) -> None:
    assert runner.invoke(app, ["curated", "drafts"]).output.strip() == "No drafts waiting."
    cite = Citation(document_id="parking-residential-permits", title="Residential Parking Permits")
    database.add_curated_draft("Can I pay by card?", "Yes, online.", [cite], None, "dev-agent-1", "Alex")
    database.add_curated_draft("Is there a late fee?", "Yes, $20.", [], "t" * 32, "dev-agent-2", "")
    result = runner.invoke(app, ["curated", "drafts", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["question"] for r in rows] == ["Is there a late fee?", "Can I pay by card?"]
    assert rows[0]["author"] == "dev-agent-2" and rows[1]["cites"] == ["parking-residential-permits"]
    table = runner.invoke(app, ["curated", "drafts"])
    assert table.exit_code == 0 and "Alex" in table.output  # (the table wraps long texts)
