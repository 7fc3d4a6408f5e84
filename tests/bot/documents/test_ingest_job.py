"""`ingest_upload`, the one call of the ingest pipeline for console uploads: a retry of a job killed
between the save and the publish still publishes; a held document publishes nothing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.documents.ingest_job import ingest_upload, write_sidecar
from bot.documents.models import UploadMetadata
from ingest.pipeline import Ingestor
from knowledge_base.kb import KnowledgeBase
from knowledge_base.snapshot import served_documents
from tests.conftest import CountingEmbedder

METADATA = UploadMetadata(department="Parks", contact="311", source_url="https://www.millbrook.example/x")


@pytest.fixture
def kb(sample_kb_dir: Path, tmp_path: Path) -> Iterator[KnowledgeBase]:
    data = tmp_path / "data"
    shutil.copytree(sample_kb_dir, data)
    base = KnowledgeBase(data / "kb", f"sqlite:///{data / 'kb.sqlite3'}", CountingEmbedder())
    yield base
    base.close()


def _file(folder: Path, name: str, text: str, metadata: UploadMetadata = METADATA) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    write_sidecar(path, path.stem, metadata)
    return path


def _served(kb: KnowledgeBase) -> dict[str, int]:
    current = kb.versions.current()
    assert current is not None
    return served_documents(kb.versions.versions_dir / current)


def test_a_retry_after_a_kill_between_save_and_publish_publishes(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = _file(tmp_path / "job", "ice-rink.md", "# Ice rink\n\nThe ice rink opens in December.\n")
    before = kb.versions.current()
    Ingestor(kb).ingest([path], publish=False)  # the first attempt saved, then its worker died
    assert kb.versions.current() == before and "ice-rink" not in _served(kb)
    result = ingest_upload(kb, Ingestor(kb), [path], False, lambda step: None)
    assert result.summary.unchanged == ["ice-rink"] and result.published is not None
    assert _served(kb)["ice-rink"] == 1


def test_a_held_document_publishes_nothing(kb: KnowledgeBase, tmp_path: Path) -> None:
    bare = UploadMetadata()
    path = _file(tmp_path / "job", "kiosk.md", "# Kiosk\n\nThe kiosk sells maps.\n", bare)
    before = kb.versions.current()
    result = ingest_upload(kb, Ingestor(kb, require_metadata=True), [path], False, lambda step: None)
    assert [h.document_id for h in result.summary.held] == ["kiosk"] and result.published is None
    assert kb.versions.current() == before
