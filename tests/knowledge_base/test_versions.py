"""Publishing is atomic: a publish killed half-way leaves the previous version serving."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from knowledge_base.kb import KnowledgeBase
from knowledge_base.versions import VersionStore
from tests.knowledge_base.test_kb import KEY, LIBRARY, PARKING

CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import knowledge_base.kb as kb_module
    from knowledge_base.embedder import SentenceTransformerEmbedder
    from knowledge_base.kb import KnowledgeBase

    real_write = kb_module.write_snapshot

    def write_then_hang(directory, *args, **kwargs):
        manifest = real_write(directory, *args, **kwargs)
        (directory / "dense.faiss").write_bytes(b"half-written")  # as if killed mid-write
        print("BUILDING", flush=True)
        time.sleep(600)
        return manifest

    kb_module.write_snapshot = write_then_hang
    root, url = Path(sys.argv[1]), sys.argv[2]
    kb = KnowledgeBase(root, url, SentenceTransformerEmbedder())
    kb.publish()
    """
)


def test_publish_killed_mid_build_leaves_previous_version_serving(tmp_path: Path, make_kb) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    kb: KnowledgeBase = make_kb(url, root=tmp_path / "kb")
    kb.save(*PARKING, KEY)
    first = kb.publish()
    kb.save(*LIBRARY, KEY)  # a change the interrupted publish would have served

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "kb"), url],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "BUILDING"
        assert list((tmp_path / "kb").glob(".build-*")), "the build directory should exist mid-build"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)

    assert kb.versions.current() == first.name
    hits = kb.retriever().retrieve("parking permit price", k=1)
    assert hits[0].document_id == "parking"
    # the next publish clears the debris and serves the new document
    second = kb.publish()
    assert not list((tmp_path / "kb").glob(".build-*"))
    assert second.name != first.name and second.documents == 2


def test_pointer_is_replaced_atomically_and_names_a_complete_directory(tmp_path: Path) -> None:
    store = VersionStore(tmp_path, keep=3)
    assert store.current() is None
    with store.build() as scratch:
        (scratch / "manifest.json").write_text("{}")
        store.commit(scratch, store.next_name())
    assert store.current() == "v000001"
    assert (store.versions_dir / "v000001" / "manifest.json").is_file()
    store.pointer.write_text("v000099\n")  # pointer to a version that does not exist
    assert store.current() is None


def test_concurrent_reader_never_sees_a_missing_version(tmp_path: Path) -> None:
    store = VersionStore(tmp_path, keep=2)
    for _ in range(3):
        with store.build() as scratch:
            (scratch / "manifest.json").write_text("{}")
            store.commit(scratch, store.next_name())
            time.sleep(0.01)
        current = store.current()
        assert current is not None and (store.versions_dir / current / "manifest.json").is_file()


def _commit(store: VersionStore, point: bool) -> str:
    name = store.next_name()
    with store.build() as scratch:
        (scratch / "manifest.json").write_text("{}")
        store.commit(scratch, name, point=point)
    return name


def test_rebuilding_a_draft_never_pushes_a_served_version_out_of_the_rollback_list(tmp_path: Path) -> None:
    """Every upload rebuilds the draft; the versions residents were served stay kept for rollback."""
    store = VersionStore(tmp_path, keep=2)
    served = [_commit(store, point=True) for _ in range(3)]  # v1..v3; keep=2 leaves v2, v3
    assert store.names() == served[1:]
    drafts = [_commit(store, point=False) for _ in range(6)]
    assert store.current() == served[-1]
    assert store.names() == [*served[1:], drafts[-1]], "served versions kept, only the newest draft"
    assert store.previous() == served[1]
    store.point_to(drafts[-1])  # the draft is approved and served
    assert store.unserved() == set()
    assert store.previous() == served[-1], "rollback goes to the version served before, not a draft"
    third = _commit(store, point=True)
    assert store.names() == [drafts[-1], third]
    assert not any(store.unserved_dir.iterdir())
