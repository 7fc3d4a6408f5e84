"""A batch is all or nothing: an ingest killed with SIGKILL at any point before its save commits leaves
the working set as it was, and the next, unrelated ingest publishes only its own documents.

The ingest runs in a real child process (`tests/ingest/kill_child.py`) that stops at a known point of
the batch and waits to be killed; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.pipeline import Ingestor
from knowledge_base.kb import KnowledgeBase
from knowledge_base.snapshot import served_documents
from tests.ingest.conftest import write_document

REPO = Path(__file__).resolve().parents[2]
TOPICS = ("bridges", "canals", "ferries", "fountains", "murals", "orchards", "piers", "statues")


def stop_child_at(stage: str, url: str, root: Path, folder: Path) -> list[str]:
    """Run the child until it reports `stopped STAGE`, SIGKILL it, and return what it printed."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.ingest.kill_child", url, str(root), str(folder), stage],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=REPO,
        env=env,
    )
    assert child.stdout is not None
    output = b""
    deadline = time.monotonic() + 240  # a guard against a hang, not a measurement
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        while not re.search(rb"^(stopped|finished)", output, re.M):
            if not selector.select(max(0.0, deadline - time.monotonic())):
                child.kill()
                pytest.fail(f"the child never reached {stage}: {output.decode()}")
            chunk = os.read(child.stdout.fileno(), 65536)  # unbuffered: select sees what is left
            if not chunk:
                break
            output += chunk
    child.send_signal(signal.SIGKILL)
    child.wait()
    lines = output.decode().splitlines()
    assert lines[-1] == f"stopped {stage}", lines
    return lines


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'kb.sqlite3'}"


@pytest.mark.parametrize("stage", ["parse", "embed", "save"])
def test_when_an_ingest_is_killed_before_its_save_commits_then_the_working_set_is_unchanged(
    stage: str, database_url: str, make_kb, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    kb: KnowledgeBase = make_kb(database_url)
    write_document(
        tmp_path / "first", "dog-licences.md", "# Dog Licences\n\nA dog licence costs $30 a year.\n"
    )
    first = Ingestor(kb).ingest([tmp_path / "first"])
    assert first.published is not None
    batch = tmp_path / "batch"
    for topic in TOPICS:
        write_document(
            batch, f"{topic}.md", f"# {topic.title()}\n\nThe city looks after its {topic} all year.\n"
        )

    printed = stop_child_at(stage, database_url, kb.root, batch)

    assert f"step {stage} 0/" in " ".join(printed) or stage == "parse"
    assert [d.id for d in kb.status().documents] == ["dog-licences"], "nothing of the killed batch was saved"
    assert kb.versions.names() == [first.published.name]

    write_document(tmp_path / "next", "benches.md", "# Memorial Benches\n\nA memorial bench costs $2,400.\n")
    summary = Ingestor(kb).ingest([tmp_path / "next"])

    assert summary.added == ["benches"] and summary.published is not None
    assert summary.published.documents == 2
    current = kb.versions.versions_dir / summary.published.name
    assert set(served_documents(current)) == {"dog-licences", "benches"}, "no orphans of the killed batch"


def test_a_killed_batch_run_again_saves_every_document_and_reuses_the_vectors_it_cached(
    make_kb, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    kb: KnowledgeBase = make_kb()
    batch = tmp_path / "batch"
    for topic in TOPICS:
        write_document(
            batch, f"{topic}.md", f"# {topic.title()}\n\nThe city looks after its {topic} all year.\n"
        )
    stop_child_at("save", f"sqlite:///{tmp_path / 'kb.sqlite3'}", kb.root, batch)
    assert kb.status().documents == []

    summary = Ingestor(kb).ingest([batch])

    assert sorted(summary.added) == sorted(TOPICS) and summary.embedded == 0
    assert summary.published is not None and summary.published.documents == len(TOPICS)
