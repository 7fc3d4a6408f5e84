"""Published versions are content-addressed: a version whose bytes do not match its address is refused,
and the running retriever keeps serving the version it had."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge_base.errors import CorruptVersionError
from knowledge_base.kb import KnowledgeBase
from knowledge_base.snapshot import Manifest, Snapshot, content_digest
from tests.knowledge_base.test_kb import KEY, LIBRARY, PARKING


def version_dir(kb: KnowledgeBase, manifest: Manifest) -> Path:
    return kb.versions.versions_dir / manifest.name


def test_a_published_version_is_addressed_by_its_content(make_kb) -> None:  # type: ignore[no-untyped-def]
    kb: KnowledgeBase = make_kb()
    kb.save(*PARKING, KEY)
    first = kb.publish()
    again = kb.publish()  # the same documents: another version, the same content
    kb.save(*LIBRARY, KEY)
    changed = kb.publish()
    assert first.digest.startswith("sha256:") and len(first.digest) == len("sha256:") + 64
    assert first.digest == content_digest(first.files, first.model, first.dimension)
    assert again.name != first.name and again.digest == first.digest
    assert changed.digest != first.digest
    loaded = Snapshot.load(version_dir(kb, changed), kb.embedder.name)
    assert loaded.manifest.digest == changed.digest
    assert Manifest.read(version_dir(kb, changed)) == changed


def _flip_a_byte(directory: Path) -> None:
    path = directory / "chunks.json"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _remove_a_file(directory: Path) -> None:
    (directory / "sentences.npy").unlink()


def _add_a_file(directory: Path) -> None:
    (directory / "bm25" / "extra.json").write_text("{}", encoding="utf-8")


def _rewrite_a_file_and_its_listed_hash(directory: Path) -> None:
    """Both the file and the manifest's file list changed, the content address left as it was."""
    (directory / "documents.json").write_text("[]", encoding="utf-8")
    raw = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    raw["files"]["documents.json"] = "0" * 64
    (directory / "manifest.json").write_text(json.dumps(raw), encoding="utf-8")


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (_flip_a_byte, "chunks.json is missing or altered"),
        (_remove_a_file, "sentences.npy is missing or altered"),
        (_add_a_file, "extra.json is not part of the version"),
        (_rewrite_a_file_and_its_listed_hash, "does not match its content address"),
    ],
)
def test_a_version_that_does_not_match_its_address_is_refused_and_the_old_one_stays_served(
    make_kb,  # type: ignore[no-untyped-def]
    damage: Callable[[Path], None],
    reason: str,
) -> None:
    kb: KnowledgeBase = make_kb()
    kb.save(*PARKING, KEY)
    good = kb.publish()
    retriever = kb.retriever(reload_check_seconds=3600)  # no background check: refresh() by hand
    assert retriever.snapshot.name == good.name
    kb.save(*LIBRARY, KEY)
    bad = kb.publish()
    damage(version_dir(kb, bad))

    with pytest.raises(CorruptVersionError, match=reason):
        retriever.refresh()
    assert retriever.snapshot.name == good.name
    assert retriever.snapshot.manifest.digest == good.digest
    refusal = retriever.refusal
    assert refusal is not None and refusal.version == bad.name and reason in refusal.reason
    assert retriever.refresh() is False  # refused once: not read again while CURRENT names it
    assert {h.document_id for h in retriever.retrieve("parking permit", k=3)} == {"parking"}

    fixed = kb.publish()  # the next publish is whole again
    assert retriever.refresh() is True
    assert retriever.snapshot.name == fixed.name and retriever.refusal is None


def test_a_version_written_before_content_addresses_loads_as_before(make_kb) -> None:  # type: ignore[no-untyped-def]
    kb: KnowledgeBase = make_kb()
    kb.save(*PARKING, KEY)
    published = kb.publish()
    manifest_file = version_dir(kb, published) / "manifest.json"
    raw = json.loads(manifest_file.read_text(encoding="utf-8"))
    del raw["digest"]
    manifest_file.write_text(json.dumps(raw), encoding="utf-8")

    loaded = Snapshot.load(version_dir(kb, published), kb.embedder.name)
    assert loaded.manifest.digest == "" and loaded.name == published.name
    _flip_a_byte(version_dir(kb, published))  # its files are still checked one by one
    with pytest.raises(CorruptVersionError, match=r"chunks\.json"):
        Snapshot.load(version_dir(kb, published), kb.embedder.name)


def test_a_watching_retriever_picks_up_a_published_version_without_any_question(make_kb) -> None:  # type: ignore[no-untyped-def]
    kb: KnowledgeBase = make_kb()
    kb.save(*PARKING, KEY)
    kb.publish()
    retriever = kb.retriever(reload_check_seconds=0.1)
    retriever.refresh()
    retriever.watch()
    try:
        kb.save(*LIBRARY, KEY)
        newer = kb.publish()
        deadline = time.monotonic() + 60  # a guard against hanging, not a speed figure
        while (served := retriever.served) is not None and served.name != newer.name:
            assert time.monotonic() < deadline, "the published version was never picked up"
            time.sleep(0.02)
        assert served is not None and served.manifest.digest == newer.digest
    finally:
        retriever.close()
