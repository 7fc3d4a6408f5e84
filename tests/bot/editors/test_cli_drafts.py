"""`askcity kb draft|submit|approve|send-back|publish|rollback-to|stale` and `askcity audit verify --chain
editors` on a private copy of the sample knowledge base."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from knowledge_base.snapshot import served_documents
from tests.bot.test_cli_curated import data_dir, ok, run  # noqa: F401  (the fixture)

HENS = "Backyard hens: residents may keep up to four hens in a backyard coop with a free hen permit."


def _new_document(tmp_path: Path) -> Path:
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "animals-backyard-hens.md").write_text(f"# Backyard hens\n\n{HENS}\n", encoding="utf-8")
    (folder / "animals-backyard-hens.md.meta.json").write_text(
        json.dumps(
            {
                "department": "Animal Services",
                "contact": "call 311",
                "source_uri": "https://www.millbrook.example/hens",
            }
        ),
        encoding="utf-8",
    )
    return folder


def _served(data: Path) -> dict[str, int]:
    kb = data / "kb"
    return served_documents(kb / "versions" / (kb / "CURRENT").read_text().strip())


def test_draft_review_publish_rollback_and_the_audit_chain(data_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    before = _served(data_dir)
    ok(run("ingest", str(_new_document(tmp_path)), "--no-publish"))
    built = ok(run("kb", "draft"))
    assert "added    animals-backyard-hens" in built
    assert _served(data_dir) == before  # residents never see a draft

    refused = run("kb", "publish")
    assert refused.exit_code == 1 and "approval" in refused.output
    assert run("kb", "approve").exit_code == 1  # not submitted yet
    ok(run("kb", "submit", "--note", "hens page"))
    sent = ok(run("kb", "send-back", "--comment", "add the fee"))
    assert "sent back" in sent
    ok(run("kb", "submit", "--note", "fee added"))
    ok(run("kb", "approve"))
    assert "animals-backyard-hens" in _served(data_dir)

    previous = sorted(p.name for p in (data_dir / "kb" / "versions").iterdir())[0]
    ok(run("kb", "rollback-to", previous))
    assert _served(data_dir) == before
    assert run("kb", "rollback-to", "v999999").exit_code == 1

    intact = ok(run("audit", "verify", "--chain", "editors"))
    assert "intact: 7 rows" in intact  # ingest, build, submit, send back, submit, approve, roll back
    with sqlite3.connect(data_dir / "kb.sqlite3") as db:
        db.execute(
            "UPDATE kb_editor_audit SET detail = '{\"comment\": \"looks fine\"}' WHERE action = 'send_back'"
        )
    broken = run("audit", "verify", "--chain", "editors")
    assert broken.exit_code == 1 and "BROKEN at seq 4" in broken.output


def test_an_editor_publishes_directly_where_no_approval_is_needed(
    data_dir: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASKCITY_PUBLISH_REQUIRES_APPROVAL", "0")
    ok(run("ingest", str(_new_document(tmp_path)), "--no-publish"))
    ok(run("kb", "draft"))
    assert "published" in ok(run("kb", "publish"))
    assert "animals-backyard-hens" in _served(data_dir)
    assert run("kb", "publish").exit_code == 1  # nothing open any more


def test_stale_lists_documents_past_review_and_nothing_when_none(data_dir: Path) -> None:  # noqa: F811
    assert "Nothing is past its review-by date" in ok(run("kb", "stale"))
    with sqlite3.connect(data_dir / "kb.sqlite3") as db:
        db.execute("UPDATE kb_documents SET review_by = '2020-01-01' WHERE id = 'library-cards'")
    assert "review was due 2020-01-01: library-cards" in ok(run("kb", "stale"))


def test_a_document_effective_later_is_published_on_its_date_by_publish_due(
    data_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    folder = _new_document(tmp_path)
    meta = folder / "animals-backyard-hens.md.meta.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "effective_date": "2999-01-01"}))
    ok(run("ingest", str(folder), "--no-publish"))
    ok(run("kb", "draft"))
    ok(run("kb", "publish", "--supervisor"))
    assert "animals-backyard-hens" not in _served(data_dir)  # not before its date
    assert "takes effect 2999-01-01: animals-backyard-hens" in ok(run("kb", "stale"))
    assert "Nothing took effect" in ok(run("kb", "publish-due"))
    with sqlite3.connect(data_dir / "kb.sqlite3") as db:  # the date has come
        db.execute("UPDATE kb_documents SET effective_date = '2020-01-01' WHERE id = 'animals-backyard-hens'")
    assert "published" in ok(run("kb", "publish-due"))
    assert "animals-backyard-hens" in _served(data_dir)
