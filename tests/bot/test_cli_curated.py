"""`askcity curated ...` as an editor meets it after the knowledge base changes under a curated answer:
retired or replaced documents are flagged by `curated list`, and an answer citing a retired document
is not given to residents until `curated update` (or `remove`) fixes it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from askcity_cli.main import app
from bot.settings import get_settings
from knowledge_base.settings import get_kb_settings
from tests.ingest.conftest import copy_samples

QUESTION = "Is city hall open on Christmas?"
ANSWER = "City Hall is closed on December 25."


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def ok(result: Result) -> str:
    assert result.exit_code == 0 and result.exception is None, result.output
    return result.output


@pytest.fixture
def data_dir(sample_kb_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the sample knowledge base (documents get retired and changed here)."""
    copy = tmp_path / "data"
    shutil.copytree(sample_kb_dir, copy)
    monkeypatch.setenv("ASKCITY_DATA_DIR", str(copy))
    monkeypatch.setenv("ASKCITY_BOT_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    get_kb_settings.cache_clear()
    yield copy
    get_settings.cache_clear()
    get_kb_settings.cache_clear()


def test_when_a_cited_document_is_retired_then_list_warns_and_residents_get_retrieval_until_updated(
    data_dir: Path,
) -> None:
    ok(run("curated", "add", "-q", QUESTION, "-a", ANSWER, "--cite", "library-cards"))
    assert "warning" not in ok(run("curated", "list"))
    assert ok(run("ask", QUESTION)).startswith("curated")

    ok(run("kb", "remove", "library-cards"))

    listed = ok(run("curated", "list"))
    assert "NOT SERVED" in listed
    warning = next(line for line in listed.splitlines() if line.startswith("warning:"))
    assert "curated answer 1 is not served to residents" in warning
    assert "library-cards was retired" in warning
    assert "askcity curated update 1" in warning
    assert not ok(run("ask", QUESTION)).startswith("curated")

    updated = ok(run("curated", "update", "1", "--cite", "parks-facility-bookings"))
    assert "cites parks-facility-bookings (version 1)" in updated
    assert "warning" not in ok(run("curated", "list"))
    assert ok(run("ask", QUESTION)).startswith("curated")


def test_when_a_cited_document_is_replaced_then_list_asks_for_a_check_and_update_clears_it(
    data_dir: Path, tmp_path: Path
) -> None:
    ok(run("curated", "add", "-q", QUESTION, "-a", ANSWER, "--cite", "library-cards"))
    [changed] = copy_samples(tmp_path / "edited", "library-cards.txt")
    changed.write_text(changed.read_text(encoding="utf-8") + "\nCards are free for residents.\n")
    ok(run("ingest", str(changed)))

    listed = ok(run("curated", "list"))
    warning = next(line for line in listed.splitlines() if line.startswith("warning:"))
    assert "curated answer 1 is served, but needs checking" in warning
    assert "library-cards was replaced (cited version 1, published version 2)" in warning
    assert ok(run("ask", QUESTION)).startswith("curated")  # still served while the editor checks

    assert "cites library-cards (version 2)" in ok(run("curated", "update", "1"))
    assert "warning" not in ok(run("curated", "list"))


def test_updating_a_curated_answer_that_still_cites_a_retired_document_fails_with_what_to_do(
    data_dir: Path,
) -> None:
    ok(run("curated", "add", "-q", QUESTION, "-a", ANSWER, "--cite", "library-cards"))
    ok(run("kb", "remove", "library-cards"))
    refused = run("curated", "update", "1")
    assert refused.exit_code == 1
    assert "no published document with id 'library-cards'" in refused.output
    missing = run("curated", "update", "7", "--cite", "library-cards")
    assert missing.exit_code == 1 and "no curated answer 7" in missing.output
    assert ok(run("curated", "remove", "1"))
    assert ok(run("curated", "list")).strip() == "No curated answers in service."
