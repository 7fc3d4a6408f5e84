"""The bot's commands through the real `askcity` CLI: ask, curated, unanswered, chat off/on."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from askcity_cli.main import app
from bot.settings import get_settings
from knowledge_base.settings import get_kb_settings

runner = CliRunner()


@pytest.fixture
def env(sample_kb_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ASKCITY_DATA_DIR", str(sample_kb_dir))
    monkeypatch.setenv("ASKCITY_BOT_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    get_settings.cache_clear()
    get_kb_settings.cache_clear()
    yield sample_kb_dir
    get_settings.cache_clear()
    get_kb_settings.cache_clear()


def test_ask_prints_the_answer_with_its_citation(env: Path) -> None:
    result = runner.invoke(app, ["ask", "How much does a dog licence cost?"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("answered")
    assert "Dog Licences" in result.output and "https://www.millbrook.example/" in result.output


def test_unanswered_lists_what_residents_asked_that_we_could_not_answer(env: Path) -> None:
    assert runner.invoke(app, ["unanswered"]).output.strip() == "No unanswered questions in that period."
    for _ in range(2):
        runner.invoke(app, ["ask", "What is the capital of France?"])
    result = runner.invoke(app, ["unanswered"])
    assert result.exit_code == 0
    assert "What is the capital of France?" in result.output and "2" in result.output


def test_curated_add_list_remove(env: Path) -> None:
    added = runner.invoke(
        app,
        [
            "curated",
            "add",
            "-q",
            "Is city hall open on Christmas?",
            "-a",
            "City Hall is closed on December 25.",
            "--cite",
            "library-cards",
        ],
    )
    assert added.exit_code == 0, added.output
    assert "Curated answer 1 added" in added.output
    assert "City Hall is closed" in runner.invoke(app, ["curated", "list"]).output
    twice = runner.invoke(app, ["curated", "add", "-q", "is city hall open on christmas", "-a", "No."])
    assert twice.exit_code == 1 and "already a question of curated answer 1" in " ".join(twice.output.split())
    asked = runner.invoke(app, ["ask", "is city hall open on christmas?"])
    assert asked.output.startswith("curated")
    assert runner.invoke(app, ["curated", "remove", "1"]).exit_code == 0
    missing = runner.invoke(app, ["curated", "remove", "1"])
    assert missing.exit_code == 1 and "no curated answer 1" in missing.output
    unknown = runner.invoke(app, ["curated", "add", "-q", "x?", "-a", "y", "--cite", "no-such-doc"])
    assert unknown.exit_code == 1 and "No published document has the id no-such-doc" in unknown.output
    phishing = runner.invoke(
        app, ["curated", "add", "-q", "x?", "-a", "Email your PIN to help@evil.example."]
    )
    assert phishing.exit_code == 1 and "cannot be served" in phishing.output


def test_chat_off_and_on_write_and_remove_the_switch(env: Path) -> None:
    switch = env / "chat.disabled"
    try:
        assert runner.invoke(app, ["chat", "off", "-m", "Back at 9:00."]).exit_code == 0
        assert switch.read_text() == "Back at 9:00."
    finally:
        assert runner.invoke(app, ["chat", "on"]).exit_code == 0
    assert not switch.exists()
