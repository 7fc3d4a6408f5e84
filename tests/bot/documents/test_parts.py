"""A big upload's embedding in parts shared through Redis (`bot.documents.parts`), on a real Redis and a
SQLite knowledge base with the bundled model: a helper takes parts beside the job's own worker, a part
whose holder died is taken again once its lease ends, a small upload is not split at all.
Real worker processes sharing a big upload: `benchmarks/upload_jobs.py --phases parts`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rq import Queue

from bot.documents.parts import EmbedParts
from ingest.chunking import Chunker, ChunkingConfig
from knowledge_base.kb import KnowledgeBase
from knowledge_base.records import Document
from knowledge_base.store import PendingDocument

pytestmark = pytest.mark.redis


@pytest.fixture
def kb(make_kb) -> KnowledgeBase:  # type: ignore[no-untyped-def]
    return make_kb()  # type: ignore[no-any-return]


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis[bytes]]:
    connection = redis.Redis.from_url(redis_url)
    yield connection
    connection.close()


def _pending(kb: KnowledgeBase, sentences: int, tag: str) -> list[PendingDocument]:
    text = "# Fees\n\n" + " ".join(f"Fee {tag} number {n} is {n * 3} dollars." for n in range(sentences))
    document = Document(id=f"fees-{tag}", title="Fees", text=text, source_uri="https://x.example/fees")
    chunks = Chunker(kb.embedder.count_tokens, kb.embedder.max_tokens, ChunkingConfig()).chunk(document)
    return [kb.prepare(document, chunks)]


def _parts(
    client: redis.Redis[bytes], prefix: str, tmp_path: Path, holder: str, lease: float = 5
) -> EmbedParts:
    queue = Queue(f"{prefix}q", connection=client)
    return EmbedParts(client, queue, tmp_path / "uploads", prefix, 20, lease, holder)


def test_a_big_upload_is_embedded_in_parts_that_a_helper_shares(
    kb: KnowledgeBase, client: redis.Redis[bytes], redis_prefix: str, tmp_path: Path
) -> None:
    pending = _pending(kb, 120, "a")
    wanted = kb.missing_texts(pending)
    parent = _parts(client, redis_prefix, tmp_path, "parent")
    helper = _parts(client, redis_prefix, tmp_path, "helper")
    helped: list[int] = []
    seen: list[tuple[int, int]] = []

    def help_when_queued() -> None:
        queue = Queue(f"{redis_prefix}q", connection=client)
        while not queue.count:
            threading.Event().wait(0.01)
        helped.append(helper.help(kb, "job1", 1))

    thread = threading.Thread(target=help_when_queued)
    thread.start()
    embedded = parent.embed(kb, "job1", 1, pending, lambda done, total: seen.append((done, total)))
    thread.join(timeout=60)

    queue = Queue(f"{redis_prefix}q", connection=client)
    assert embedded == len(wanted) > 100
    assert queue.count == -(-len(wanted) // 20) - 1, "one helper job per part but the parent's first"
    assert kb.missing_texts(pending) == {}, "every text of the upload is cached"
    assert seen[-1] == (len(wanted), len(wanted)) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert not list(client.scan_iter(f"{redis_prefix}ingest-parts:*")), "keys removed"
    assert not (tmp_path / "uploads" / "job1" / "parts").exists() or not any(
        (tmp_path / "uploads" / "job1" / "parts").rglob("*.json")
    )
    assert helped and helped[0] >= 0


def test_a_part_whose_worker_died_is_taken_again_when_its_lease_ends(
    kb: KnowledgeBase, client: redis.Redis[bytes], redis_prefix: str, tmp_path: Path
) -> None:
    pending = _pending(kb, 60, "b")
    parent = _parts(client, redis_prefix, tmp_path, "parent", lease=1.0)
    job = parent.of("job2", 1)
    stolen: list[bytes] = []

    def die_holding_a_part() -> None:  # claims like a worker, then is "killed": never embeds or renews
        while not client.llen(job.todo):
            threading.Event().wait(0.001)
        part = parent._claim(keys=[job.todo, job.lease], args=["doomed", 1000])
        if part is not None:
            stolen.append(part)

    thread = threading.Thread(target=die_holding_a_part)
    thread.start()
    parent.embed(kb, "job2", 1, pending, lambda done, total: None)
    thread.join(timeout=10)

    assert stolen, "the doomed worker held a part"
    assert kb.missing_texts(pending) == {}, "the parent embedded the dead worker's part too"


def test_a_small_upload_is_embedded_by_its_own_worker_without_parts(
    kb: KnowledgeBase, client: redis.Redis[bytes], redis_prefix: str, tmp_path: Path
) -> None:
    pending = _pending(kb, 5, "c")
    parent = _parts(client, redis_prefix, tmp_path, "parent")
    assert 0 < parent.embed(kb, "job3", 1, pending, lambda done, total: None) <= 20
    assert Queue(f"{redis_prefix}q", connection=client).count == 0
    assert kb.missing_texts(pending) == {}
