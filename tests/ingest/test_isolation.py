"""Parsing in child processes: a file over the time or memory limit fails alone, with a reason, and the
workers are replaced so the rest of the batch is parsed."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.isolation import ParseJob, ParseLimits, ParseOutcome, ParserPool
from tests.ingest.hostile import slow_pdf, zip_bomb_docx
from tests.ingest.samples import DOCUMENTS, sample_files


@pytest.fixture
def pool() -> Iterator[ParserPool]:
    pool = ParserPool(memory_mb=400, processes=2)
    yield pool
    pool.close()


def jobs(*paths: Path) -> list[ParseJob]:
    return [ParseJob(p, p.suffix.lower()) for p in paths]


def texts(outcome: ParseOutcome) -> list[str]:
    return [getattr(item, "text", "") for item in outcome.items]


def workers(pool: ParserPool) -> list[int]:
    return [w.process.pid for w in pool._workers]


def test_sample_files_are_parsed_in_order_by_reused_workers(pool: ParserPool) -> None:
    files = sample_files()
    seen: list[int] = []
    outcomes = pool.parse(jobs(*files), ParseLimits(), lambda i, outcome: seen.append(i))
    assert seen == list(range(len(files))), "reported in file order"
    assert all(not o.failure and len(o.items) == 1 for o in outcomes)
    first = workers(pool)
    assert len(first) == 2
    pool.parse(jobs(*files[:3]), ParseLimits())
    assert workers(pool) == first, "the same processes parse the next batch"


def test_when_a_file_takes_too_long_then_its_worker_is_stopped_and_the_batch_goes_on(
    pool: ParserPool, tmp_path: Path
) -> None:
    slow = tmp_path / "slow.pdf"
    slow.write_bytes(slow_pdf(600_000))  # a few KB; seconds of parsing on any machine
    good = sample_files(".md")[:2]
    outcomes = pool.parse(jobs(good[0], slow, good[1]), ParseLimits(timeout_seconds=0.2, processes=2))
    assert outcomes[1].failure == "parsing took longer than 0.2 s (stopped)"
    assert all(not outcomes[i].failure and texts(outcomes[i])[0] for i in (0, 2))
    again = pool.parse(jobs(*good), ParseLimits())
    assert [not o.failure for o in again] == [True, True], "a fresh worker took the stopped one's place"


def test_when_a_file_needs_more_memory_than_allowed_then_it_fails_and_the_worker_is_replaced(
    pool: ParserPool, tmp_path: Path
) -> None:
    bomb = zip_bomb_docx(tmp_path / "bomb.docx", unpacked_mb=60)
    unchecked = ParseLimits(max_unpacked_bytes=10**12, max_unpack_ratio=10**9)  # only the memory limit left
    good = sample_files(".docx")[0]
    outcomes = pool.parse(jobs(bomb, good), unchecked)
    assert outcomes[0].failure == "parsing needed more than 400 MB (stopped)"
    assert not outcomes[1].failure and texts(outcomes[1])[0]
    assert all(w.process.poll() is None for w in pool._workers)


def test_when_a_docx_unpacks_far_beyond_its_size_then_it_is_refused_before_parsing(
    pool: ParserPool, tmp_path: Path
) -> None:
    bomb = zip_bomb_docx(tmp_path / "bomb.docx", unpacked_mb=60)
    part = zipfile.ZipFile(bomb).getinfo("word/document.xml")
    unpacked = sum(i.file_size for i in zipfile.ZipFile(bomb).infolist())
    [ratio] = pool.parse(jobs(bomb), ParseLimits())
    assert ratio.failure == (
        f"word/document.xml unpacks {part.file_size / part.compress_size:,.0f} times its packed size, "
        "over the 100x limit (a zip bomb?)"
    )
    [size] = pool.parse(jobs(bomb), ParseLimits(max_unpacked_bytes=50 * 1024 * 1024, max_unpack_ratio=10**6))
    assert size.failure == f"unpacks to {unpacked:,} bytes, over the 52,428,800-byte limit (a zip bomb?)"


def test_when_a_worker_dies_then_the_file_fails_with_a_reason_and_the_next_file_is_parsed(
    pool: ParserPool, tmp_path: Path
) -> None:
    slow = tmp_path / "slow.pdf"
    slow.write_bytes(slow_pdf(600_000))
    good = DOCUMENTS / "library-cards.txt"

    def kill_the_busy_worker(index: int, outcome: ParseOutcome) -> None:
        for worker in pool._workers:
            if worker.job == 1:  # the slow file only: the next worker may already hold the last one
                worker.process.kill()  # as the kernel's OOM killer would

    outcomes = pool.parse(jobs(good, slow, good), ParseLimits(processes=1), kill_the_busy_worker)
    assert (
        outcomes[1].failure == "the parser stopped (SIGKILL): the file is damaged or needs more than 400 MB"
    )
    assert not outcomes[0].failure and not outcomes[2].failure


def test_a_file_that_grew_past_the_limit_after_it_was_listed_is_refused(
    pool: ParserPool, tmp_path: Path
) -> None:
    path = tmp_path / "grew.txt"
    path.write_text("Bench permits are free. " * 100, encoding="utf-8")
    [outcome] = pool.parse(jobs(path), ParseLimits(max_file_bytes=1000))
    assert outcome.failure == "over the 1,000-byte limit"
