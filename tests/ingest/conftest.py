"""Small helpers for the ingest tests: write throwaway documents, copy shipped samples."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfWriter

from tests.ingest.samples import DOCUMENTS


def write_document(folder: Path, name: str, text: str, **meta: Any) -> Path:
    """A text or Markdown file, with a `.meta.json` sidecar when metadata is given."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    if meta:
        path.with_name(path.name + ".meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return path


def copy_samples(folder: Path, *names: str) -> list[Path]:
    """Shipped sample documents with their sidecars, copied so a test may edit them."""
    folder.mkdir(parents=True, exist_ok=True)
    copies = []
    for name in names:
        shutil.copy2(DOCUMENTS / name, folder / name)
        shutil.copy2(DOCUMENTS / f"{name}.meta.json", folder / f"{name}.meta.json")
        copies.append(folder / name)
    return copies


def encrypted_pdf(user_password: str, owner_password: str | None = None) -> bytes:
    """A shipped sample PDF, encrypted now with pypdf."""
    writer = PdfWriter(clone_from=next(DOCUMENTS.glob("*.pdf")))
    writer.encrypt(user_password, owner_password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def recorded_texts(embedder, monkeypatch: pytest.MonkeyPatch) -> list[str]:  # type: ignore[no-untyped-def]
    """Every text the code under test asks the (real) embedder for, in order."""
    texts: list[str] = []
    real = embedder.embed

    def recording(batch: list[str]):  # type: ignore[no-untyped-def]
        texts.extend(batch)
        return real(batch)

    monkeypatch.setattr(embedder, "embed", recording)
    return texts
